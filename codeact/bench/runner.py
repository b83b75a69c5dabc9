"""``run_bench``: every selected task in every action format, saved row by row, resumable.

Episodes are ordered task by task, all formats of a task together, so a run stopped half-way still compares the
formats on the same tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from codeact.agent.agent import InterpreterFactory
from codeact.bench.backends import Episode, inline_rows, process_rows, ray_rows
from codeact.bench.episode import EpisodeSettings, ModelFactory, SuiteFactory
from codeact.bench.results import RESULTS_FILE, BenchError, EpisodeRow, Manifest, ResultsFile
from codeact.bench.selection import select_tasks
from codeact.formats import FORMATS
from codeact.sandbox.settings import SandboxSettings


@dataclass(frozen=True)
class BenchPlan:
    suite: SuiteFactory
    model: ModelFactory
    model_label: str
    """How the model is named in ``run.json``; a resumed run must name the same model."""
    out: Path
    formats: tuple[str, ...] = ("code", "json", "text")
    max_turns: int = 10
    action_timeout: float = 30.0
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    workers: int = 1
    ray_address: str | None = None
    limit: int | None = None
    sample: int | None = None
    seed: int = 0
    retry_errors: bool = False
    """Run again the episodes whose row ended in ``error`` (a server that was down, say)."""
    interpreter_factory: InterpreterFactory | None = None


@dataclass
class BenchRun:
    rows: list[EpisodeRow]
    """Rows of the selected tasks and formats: those found on disk plus those run now."""
    ran: int
    skipped: int
    """Episodes already in the results file when the run started."""


def run_bench(plan: BenchPlan, *, console: Console | None = None,
              on_row: Callable[[EpisodeRow], None] | None = None) -> BenchRun:
    """Run what is missing from ``plan.out`` and return all the plan's rows; a progress bar goes to ``console``."""
    _validate(plan)
    suite = plan.suite()
    tasks = select_tasks(suite.tasks(), limit=plan.limit, sample=plan.sample, seed=plan.seed)
    if not tasks:
        raise BenchError(f"suite {suite.name!r} selected no tasks: check --limit/--sample")
    results = _open_results(plan, suite.name)
    wanted = [(task.id, f) for task in tasks for f in plan.formats]
    have = {row.key: row for row in results.read()}
    todo = [episode for episode in wanted if episode not in have]
    rows = [have[episode] for episode in wanted if episode in have]
    settings = EpisodeSettings(plan.out.resolve(), plan.max_turns, plan.action_timeout, plan.sandbox,
                               plan.interpreter_factory)
    with _Progress(console, len(wanted), len(rows), sum(r.success for r in rows)) as advance:
        for row in _rows(plan, settings, todo):
            results.append(row)
            rows.append(row)
            advance(row)
            if on_row is not None:
                on_row(row)
    return BenchRun(rows=rows, ran=len(todo), skipped=len(wanted) - len(todo))


def _validate(plan: BenchPlan) -> None:
    unknown = [f for f in plan.formats if f not in FORMATS]
    if unknown or not plan.formats:
        raise BenchError(f"unknown action format(s) {', '.join(unknown) or '(none given)'}: choose from "
                         f"{', '.join(FORMATS)}")
    if len(set(plan.formats)) != len(plan.formats):
        raise BenchError(f"--formats lists a format twice: {','.join(plan.formats)}")
    if plan.workers < 1:
        raise BenchError("--workers must be at least 1")


def _open_results(plan: BenchPlan, suite_name: str) -> ResultsFile:
    """Check that ``plan.out`` holds the same kind of run (or none), record the settings, repair the file."""
    manifest = Manifest(suite=suite_name, model=plan.model_label, max_turns=plan.max_turns,
                        action_timeout=plan.action_timeout, formats=list(plan.formats))
    previous = Manifest.load(plan.out)
    if previous is not None:
        previous.check_resumable(manifest, plan.out)
        manifest.formats = previous.formats + [f for f in plan.formats if f not in previous.formats]
    manifest.save(plan.out)
    results = ResultsFile(plan.out / RESULTS_FILE)
    results.repair()
    if plan.retry_errors:
        rows = results.read()
        kept = [row for row in rows if row.end_reason != "error"]
        if len(kept) != len(rows):
            results.rewrite(kept)
    return results


def _rows(plan: BenchPlan, settings: EpisodeSettings, todo: list[Episode]) -> Iterator[EpisodeRow]:
    if not todo:
        return iter(())
    if plan.ray_address is not None:
        return ray_rows(plan.suite, plan.model, settings, todo, plan.workers, plan.ray_address)
    if plan.workers > 1:
        return process_rows(plan.suite, plan.model, settings, todo, plan.workers)
    return inline_rows(plan.suite, plan.model, settings, todo)


class _Progress:
    """A rich progress bar of episodes (with the running success count), or nothing without a console."""

    def __init__(self, console: Console | None, total: int, done: int, solved: int):
        self.solved = solved
        self.bar = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[solved]} solved"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=console, disable=console is None,
        )
        self.task = self.bar.add_task("episodes", total=total, completed=done, solved=solved)

    def __enter__(self) -> Callable[[EpisodeRow], None]:
        self.bar.start()
        return self.advance

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def advance(self, row: EpisodeRow) -> None:
        self.solved += row.success
        self.bar.update(self.task, advance=1, solved=self.solved)
