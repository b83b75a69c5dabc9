"""Bioinformatics: a small gene registry and a sequence toolbox (reverse complement, transcription, translation,
GC content, motif search).

Genes on the "-" strand are stored as the reverse complement of their coding sequence, so a protein or motif
question needs the registry lookup, the sequence, possibly a reverse complement, then the analysis itself.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from codeact.bench.suites.m3.base import Case, Domain, unique_best

_BASES = "UCAG"
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODON_TABLE = {a + b + c: _AMINO[16 * i + 4 * j + k]
               for i, a in enumerate(_BASES) for j, b in enumerate(_BASES) for k, c in enumerate(_BASES)}
"""The standard genetic code, RNA codon -> one-letter amino acid (``*`` = stop)."""
_COMPLEMENT = str.maketrans("ACGTacgt", "TGCAtgca")
ORGANISMS = ("Escherichia fictum", "Bacillus imaginarius", "Vibrio inventus")
_GENE_NAMES = ("arnT", "belK", "cyzP", "dorA", "elmS", "fapR", "gluX", "hexB", "ixoR", "jarM", "kupL", "lomT")


@cache
def _registry() -> dict[str, dict[str, Any]]:
    rng = random.Random(31)
    sense = [codon.replace("U", "T") for codon, amino in CODON_TABLE.items() if amino != "*"]
    stops = ["TAA", "TAG", "TGA"]
    genes: dict[str, dict[str, Any]] = {}
    for name in _GENE_NAMES:
        flank = lambda: "".join(rng.choice("ACGT") for _ in range(rng.randint(4, 14)))  # noqa: E731
        coding = "ATG" + "".join(rng.choice(sense) for _ in range(rng.randint(12, 36))) + rng.choice(stops)
        strand = rng.choice("+-")
        full = flank().replace("ATG", "ACG") + coding + flank()
        stored = full if strand == "+" else full.translate(_COMPLEMENT)[::-1]
        gene_id = f"G{len(genes) + 1:03d}"
        genes[gene_id] = {"gene_id": gene_id, "name": name, "organism": rng.choice(ORGANISMS),
                          "strand": strand, "sequence": stored}
    return genes


class GeneLab:
    """Read-only registry plus pure sequence functions; an instance per episode keeps the interface uniform."""

    def __init__(self) -> None:
        self._genes = _registry()

    def list_genes(self, organism: str) -> list[str]:
        """List the names of the registered genes of an organism (e.g. "Bacillus imaginarius"), sorted."""
        return sorted(g["name"] for g in self._genes.values() if g["organism"].casefold() == organism.casefold())

    def find_gene(self, name: str) -> dict[str, str]:
        """Look a gene up by name; returns {"gene_id", "organism", "strand"}.

        strand "+" means get_sequence returns the coding strand; "-" means the coding strand is the reverse
        complement of what get_sequence returns.
        """
        for g in self._genes.values():
            if g["name"].casefold() == name.strip().casefold():
                return {"gene_id": g["gene_id"], "organism": g["organism"], "strand": g["strand"]}
        raise ValueError(f"unknown gene {name!r}")

    def get_sequence(self, gene_id: str) -> str:
        """Return the stored DNA sequence (A/C/G/T, 5'->3') of a gene id such as "G001"."""
        if gene_id not in self._genes:
            raise ValueError(f"unknown gene id {gene_id!r}; use find_gene(name) to get one")
        return self._genes[gene_id]["sequence"]

    def reverse_complement(self, dna: str) -> str:
        """Return the reverse complement of a DNA sequence (the other strand, read 5'->3')."""
        return dna.translate(_COMPLEMENT)[::-1]

    def transcribe(self, dna: str) -> str:
        """Transcribe a coding-strand DNA sequence into mRNA (T -> U)."""
        return dna.upper().replace("T", "U")

    def translate(self, rna: str) -> str:
        """Translate mRNA into a protein (one-letter codes): from the first AUG up to, not including, the first
        in-frame stop codon (or the end of the sequence). Returns "" when there is no AUG."""
        rna = rna.upper()
        start = rna.find("AUG")
        if start < 0:
            return ""
        protein = []
        for i in range(start, len(rna) - 2, 3):
            amino = CODON_TABLE[rna[i:i + 3]]
            if amino == "*":
                break
            protein.append(amino)
        return "".join(protein)

    def gc_content(self, dna: str) -> float:
        """Percentage of G and C bases in a sequence, rounded to 2 decimals (e.g. 52.17)."""
        if not dna:
            raise ValueError("empty sequence")
        return round(100 * sum(b in "GCgc" for b in dna) / len(dna), 2)

    def find_motif(self, dna: str, motif: str) -> list[int]:
        """0-based start positions of every (possibly overlapping) occurrence of ``motif`` in ``dna``."""
        return [i for i in range(len(dna) - len(motif) + 1) if dna[i:i + len(motif)] == motif]


def _coding(t: Any, name: str) -> str:
    gene = t.find_gene(name)
    dna = t.get_sequence(gene["gene_id"])
    return t.reverse_complement(dna) if gene["strand"] == "-" else dna


def _protein(t: Any, name: str) -> str:
    return t.translate(t.transcribe(_coding(t, name)))


def protein(name: str) -> Case:
    return Case(
        f"What protein does the gene {name} encode? Answer with the one-letter amino-acid sequence only.",
        lambda t: _protein(t, name),
    )


def protein_length(name: str) -> Case:
    return Case(
        f"How many amino acids long is the protein encoded by the gene {name}? Answer with the number only.",
        lambda t: len(_protein(t, name)),
    )


def stored_gc(name: str) -> Case:
    return Case(
        f"What is the GC content (percent) of the stored sequence of the gene {name}? "
        "Answer with the number only.",
        lambda t: t.gc_content(t.get_sequence(t.find_gene(name)["gene_id"])),
    )


def highest_gc(names: list[str]) -> Case:
    def solve(t: Any) -> str:
        scored = [(n, t.gc_content(t.get_sequence(t.find_gene(n)["gene_id"]))) for n in names]
        return unique_best(scored, key=lambda s: s[1], largest=True)[0]

    return Case(
        f"Which of the genes {', '.join(names)} has the highest GC content? Answer with the gene name only.",
        solve,
    )


def motif_positions(name: str, motif: str) -> Case:
    return Case(
        f"At which 0-based positions does the motif {motif} occur in the coding strand of the gene {name}? "
        "Answer with a list of integers in increasing order, e.g. [3, 17] (an empty list if none).",
        lambda t: t.find_motif(_coding(t, name), motif),
    )


def motif_total(names: list[str], motif: str) -> Case:
    return Case(
        f"How many times in total does the motif {motif} occur in the coding strands of the genes "
        f"{', '.join(names)} (overlapping occurrences count)? Answer with the number only.",
        lambda t: sum(len(t.find_motif(_coding(t, n), motif)) for n in names),
    )


def long_proteins(organism: str, longer_than: int) -> Case:
    def solve(t: Any) -> list[str]:
        return [n for n in t.list_genes(organism) if len(_protein(t, n)) > longer_than]

    return Case(
        f"Which genes of {organism} encode a protein longer than {longer_than} amino acids? Answer with a list "
        'of gene names in alphabetical order, e.g. ["abcA", "defB"].',
        solve,
    )


DOMAIN = Domain(
    "dna",
    GeneLab,
    (
        protein("arnT"),
        protein("hexB"),
        protein("lomT"),
        protein_length("cyzP"),
        protein_length("jarM"),
        stored_gc("belK"),
        stored_gc("ixoR"),
        highest_gc(["dorA", "elmS", "fapR"]),
        highest_gc(["gluX", "kupL", "arnT", "belK"]),
        motif_positions("fapR", "GA"),
        motif_positions("kupL", "CG"),
        motif_total(["elmS", "fapR", "gluX"], "TT"),
        motif_total(["hexB", "ixoR"], "GC"),
        long_proteins("Bacillus imaginarius", 20),
        long_proteins("Escherichia fictum", 25),
    ),
)
