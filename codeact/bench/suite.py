"""What a benchmark suite is: tasks, the tools each episode gets, and how an episode is scored.

Tools are built fresh for every episode (``make_env``) because many are stateful (a file system, a bank
account, BFCL's API classes): the checker then inspects that same state after the episode. Tools run on the host
(``runs_on="host"``), so their state is visible to the checker whatever the sandbox does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from codeact.tools import Tool


class SuiteError(ValueError):
    """A suite that cannot be loaded: the message names the file, the line or tool, and what to change."""


@dataclass
class Task:
    id: str
    domain: str
    turns: list[str]
    """User messages, in order: one for single-turn tasks, several for multi-turn ones (BFCL)."""
    expected: Any = None
    """The expected final answer, computed by running the tools (never typed by hand)."""
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Env:
    """The tools of one episode and whatever state the checker needs to see afterwards."""

    tools: list[Tool]
    state: Any = None


@dataclass
class Score:
    success: bool
    detail: str = ""


class Suite(Protocol):
    name: str

    def tasks(self) -> list[Task]: ...

    def make_env(self, task: Task) -> Env: ...

    def check(self, task: Task, answers: list[str | None], env: Env) -> Score:
        """``answers`` holds the agent's final answer after each user turn (``None`` where it gave none)."""
        ...
