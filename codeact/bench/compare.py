"""``codeact bench compare A B``: how a second run differs from a first (another model, prompt or version).

Only episodes present in both runs are compared, so two runs over different task samples never produce a
difference that is really a difference in tasks; episodes found in one run only are counted, not compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeact.bench.results import EpisodeRow
from codeact.bench.summary import ALL, Summary, summarize


@dataclass
class Flip:
    task: str
    domain: str
    format: str
    now_solved: bool


@dataclass
class Comparison:
    before: Summary
    after: Summary
    flips: list[Flip]
    only_before: int
    only_after: int

    @property
    def common(self) -> int:
        return sum(self.before.cell(ALL, f).episodes for f in self.before.formats)


def compare_runs(before: list[EpisodeRow], after: list[EpisodeRow]) -> Comparison:
    a, b = {r.key: r for r in before}, {r.key: r for r in after}
    common = [key for key in a if key in b]
    flips = [Flip(key[0], a[key].domain, key[1], b[key].success) for key in common
             if a[key].success != b[key].success]
    return Comparison(
        before=summarize(a[k] for k in common), after=summarize(b[k] for k in common),
        flips=sorted(flips, key=lambda f: (f.now_solved, f.format, f.task)),
        only_before=len(a) - len(common), only_after=len(b) - len(common),
    )


def comparison_markdown(c: Comparison, before_label: str, after_label: str) -> str:
    lines = [f"# {after_label} compared with {before_label}", "",
             f"{c.common} episodes in both runs; {c.only_before} only in {before_label}, "
             f"{c.only_after} only in {after_label} (not compared).", "",
             "| domain | format | success before | success after | change | turns before | turns after | change |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for domain in [ALL, *c.before.domains]:
        for f in c.before.formats:
            x, y = c.before.cell(domain, f), c.after.cell(domain, f)
            if not x.episodes:
                continue
            lines.append(
                f"| {domain} | {f} | {x.success_rate:.1%} | {y.success_rate:.1%} | "
                f"{100 * (y.success_rate - x.success_rate):+.1f} pts | {x.mean_turns:.2f} | {y.mean_turns:.2f} | "
                f"{y.mean_turns - x.mean_turns:+.2f} |"
            )
    lines.append("")
    for solved, title in ((True, "Now solved"), (False, "No longer solved")):
        flipped = [f for f in c.flips if f.now_solved is solved]
        lines += [f"## {title} ({len(flipped)})", ""]
        lines += [f"- `{f.task}` ({f.domain}, {f.format})" for f in flipped] or ["- none"]
        lines.append("")
    return "\n".join(lines)
