"""Success rate and mean turns per action format, overall and per domain: the paper's two numbers.

Mean turns count every episode, failed ones included (an episode that hit the turn limit counts the limit), as
in the paper: a format that fails fast and one that fails slowly should not look alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rich.table import Table

from codeact.bench.results import EpisodeRow

ALL = "all"
"""The domain label of the overall figures."""

FORMAT_ORDER = ("code", "json", "text", "tool_calls")


@dataclass
class Cell:
    """The episodes of one (domain, format) pair."""

    episodes: int = 0
    solved: int = 0
    turns: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    turn_counts: list[int] = field(default_factory=list)

    def add(self, row: EpisodeRow) -> None:
        self.episodes += 1
        self.solved += row.success
        self.turns += row.turns
        self.errors += row.end_reason == "error"
        self.prompt_tokens += row.prompt_tokens
        self.completion_tokens += row.completion_tokens
        self.turn_counts.append(row.turns)

    @property
    def success_rate(self) -> float:
        return self.solved / self.episodes if self.episodes else 0.0

    @property
    def mean_turns(self) -> float:
        return self.turns / self.episodes if self.episodes else 0.0


@dataclass
class Summary:
    formats: list[str]
    domains: list[str]
    """Sorted domain names, without ``ALL``."""
    cells: dict[tuple[str, str], Cell]
    """Keyed by (domain or ``ALL``, format)."""

    def cell(self, domain: str, action_format: str) -> Cell:
        return self.cells.get((domain, action_format), Cell())


def summarize(rows: Iterable[EpisodeRow]) -> Summary:
    cells: dict[tuple[str, str], Cell] = {}
    for row in rows:
        for domain in (ALL, row.domain):
            cells.setdefault((domain, row.format), Cell()).add(row)
    formats = order_formats({f for _, f in cells})
    domains = sorted({d for d, _ in cells if d != ALL})
    return Summary(formats, domains, cells)


def order_formats(formats: Iterable[str]) -> list[str]:
    """The paper's order (code first), then any other format alphabetically."""
    given = set(formats)
    return [f for f in FORMAT_ORDER if f in given] + sorted(given - set(FORMAT_ORDER))


def summary_table(summary: Summary) -> Table:
    """Rows: overall then each domain; columns: each format's success rate and mean turns."""
    table = Table(title="Success rate (mean turns) per action format")
    table.add_column("domain")
    for f in summary.formats:
        table.add_column(f, justify="right")
    table.add_column("episodes", justify="right")
    for domain in [ALL, *summary.domains]:
        cells = [summary.cell(domain, f) for f in summary.formats]
        table.add_row(
            f"[bold]{domain}[/]" if domain == ALL else domain,
            *(format_cell(c) for c in cells),
            str(sum(c.episodes for c in cells)),
        )
    errors = sum(summary.cell(ALL, f).errors for f in summary.formats)
    if errors:
        table.caption = f"{errors} episode(s) ended in an error: see the 'error' field of results.jsonl"
    return table


def format_cell(cell: Cell) -> str:
    if not cell.episodes:
        return "-"
    return f"{cell.success_rate:.1%} ({cell.mean_turns:.1f})"
