"""The benchmark harness: the same model, tools, tasks and turn limit in every action format, scored alike.

``load_suite`` is the one entry point to suites (built-in names and user suite directories), implemented in
``codeact.bench.suites``; everything here only relies on the ``Suite`` protocol of ``codeact.bench.suite``.
"""

from __future__ import annotations

from codeact.bench.results import BenchError, EpisodeRow, load_rows
from codeact.bench.runner import BenchPlan, BenchRun, run_bench
from codeact.bench.scoring import answers_match
from codeact.bench.suite import Env, Score, Suite, Task


def load_suite(name_or_path: str) -> Suite:
    """A built-in suite by name, or a user suite from a directory."""
    # Imported on use: the suites import this package's modules (scoring, suite), so a top-level import here
    # would be circular.
    from codeact.bench.suites import load_suite as load

    return load(name_or_path)


__all__ = [
    "BenchError", "BenchPlan", "BenchRun", "Env", "EpisodeRow", "Score", "Suite", "Task", "answers_match",
    "load_rows", "load_suite", "run_bench",
]
