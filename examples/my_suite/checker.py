"""Checker of the example suite: the last answer must match, and tasks that lend books must leave the loans
their ``meta["loans"]`` lists (member -> number of books) in the library."""

from __future__ import annotations

from typing import Any

from codeact.bench.suite import Score, Task
from codeact.bench.scoring import answers_match


def check(task: Task, answers: list[str | None], state: Any) -> Score:
    last = answers[-1] if answers else None
    if not answers_match(last, task.expected):
        return Score(False, f"expected {task.expected!r}, got {last!r}")
    for member, count in task.meta.get("loans", {}).items():
        if len(state.loans_of(member)) != count:
            return Score(False, f"{member} should hold {count} loans, holds {state.loans_of(member)}")
    return Score(True)
