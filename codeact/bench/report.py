"""``codeact bench report DIR``: a markdown report and two PNG charts, written next to the results.

The report is built only from ``results.jsonl`` and ``run.json``, so it can be regenerated at any time, also
for a run that is still going or was interrupted.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from codeact.bench.results import Manifest, load_rows
from codeact.bench.summary import ALL, Summary, format_cell, summarize

REPORT_FILE = "report.md"
SUCCESS_CHART = "success_by_domain.png"
TURNS_CHART = "turns.png"
MAX_LISTED_ERRORS = 20


def write_report(run_dir: Path) -> list[Path]:
    """Write the report and its charts into ``run_dir``; returns the paths written."""
    rows = load_rows(run_dir)
    summary = summarize(rows)
    manifest = Manifest.load(run_dir)
    errors = [r for r in rows if r.end_reason == "error"]
    lines = [f"# Benchmark report: {manifest.suite} with {manifest.model}" if manifest else "# Benchmark report", ""]
    if manifest:
        lines += [f"Turn limit {manifest.max_turns}, action timeout {manifest.action_timeout:g} s, "
                  f"{len(rows)} episodes.", ""]
    lines += _overall_table(summary) + [""] + _domain_table(summary) + [""]
    lines += [f"![Success rate per domain]({SUCCESS_CHART})", "", f"![Turns per episode]({TURNS_CHART})", ""]
    if errors:
        lines += [f"## Episodes that ended in an error ({len(errors)})", ""]
        lines += [f"- `{r.task}` ({r.format}): {_first_line(r.error)}" for r in errors[:MAX_LISTED_ERRORS]]
        if len(errors) > MAX_LISTED_ERRORS:
            lines.append(f"- ... and {len(errors) - MAX_LISTED_ERRORS} more (see results.jsonl)")
        lines.append("")
    report = run_dir / REPORT_FILE
    report.write_text("\n".join(lines), encoding="utf-8")
    return [report, _success_chart(summary, run_dir / SUCCESS_CHART), _turns_chart(summary, run_dir / TURNS_CHART)]


def _overall_table(summary: Summary) -> list[str]:
    lines = ["## Overall", "", "| format | episodes | success rate | mean turns | errors | prompt tokens | "
             "completion tokens |", "|---|---:|---:|---:|---:|---:|---:|"]
    for f in summary.formats:
        c = summary.cell(ALL, f)
        lines.append(f"| {f} | {c.episodes} | {c.success_rate:.1%} | {c.mean_turns:.2f} | {c.errors} | "
                     f"{c.prompt_tokens} | {c.completion_tokens} |")
    return lines


def _domain_table(summary: Summary) -> list[str]:
    lines = ["## Per domain: success rate (mean turns)", "", "| domain | " + " | ".join(summary.formats) + " |",
             "|---|" + "---:|" * len(summary.formats)]
    for domain in summary.domains:
        lines.append(f"| {domain} | " + " | ".join(format_cell(summary.cell(domain, f)) for f in summary.formats)
                     + " |")
    return lines


def _success_chart(summary: Summary, path: Path) -> Path:
    groups = [*summary.domains, ALL]
    fig = Figure(figsize=(max(6.0, 1.2 * len(groups) * max(1, len(summary.formats)) / 2), 4), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / max(1, len(summary.formats))
    for i, f in enumerate(summary.formats):
        xs = [g + (i - (len(summary.formats) - 1) / 2) * width for g in range(len(groups))]
        bars = ax.bar(xs, [100 * summary.cell(d, f).success_rate for d in groups], width, label=f)
        ax.bar_label(bars, fmt="%.0f%%", fontsize=8)
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel("success rate (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Success rate per action format")
    ax.legend()
    fig.savefig(path, dpi=120)
    return path


def _turns_chart(summary: Summary, path: Path) -> Path:
    counts = {f: Counter(summary.cell(ALL, f).turn_counts) for f in summary.formats}
    seen = {t for c in counts.values() for t in c} or {0}
    turns = list(range(min(seen), max(seen) + 1))
    fig = Figure(figsize=(max(6.0, 0.5 * len(turns) * max(1, len(summary.formats))), 4), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / max(1, len(summary.formats))
    for i, f in enumerate(summary.formats):
        xs = [t + (i - (len(summary.formats) - 1) / 2) * width for t in turns]
        ax.bar(xs, [counts[f][t] for t in turns], width, label=f)
    ax.set_xticks(turns)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("model turns in the episode")
    ax.set_ylabel("episodes")
    ax.set_title("Turns per episode")
    ax.legend()
    fig.savefig(path, dpi=120)
    return path


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else "no message"
