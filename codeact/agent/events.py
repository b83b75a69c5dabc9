"""Typed events streamed by ``Agent.stream``: they drive the CLI's live view and the web UI."""

from __future__ import annotations

from dataclasses import dataclass

from codeact.agent.result import RunResult
from codeact.formats.base import Action
from codeact.models.base import Completion
from codeact.sandbox.base import Execution


@dataclass
class TurnStarted:
    turn: int


@dataclass
class ModelReplied:
    turn: int
    completion: Completion
    action: Action
    seconds: float


@dataclass
class Executed:
    turn: int
    execution: Execution


@dataclass
class Reminded:
    """The reply had neither code nor an answer: the format reminder was sent back."""

    turn: int
    reminder: str


@dataclass
class Finished:
    result: RunResult


Event = TurnStarted | ModelReplied | Executed | Reminded | Finished
