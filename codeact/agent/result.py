"""The result of one ``Agent.run`` / ``Agent.chat`` call."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from codeact.models.base import Usage

Status = Literal["answered", "max_turns", "error"]
"""A trajectory file can also say ``running`` (in progress, or the process died) or ``interrupted`` (Ctrl-C)."""


@dataclass
class RunResult:
    answer: str | None
    status: Status
    turns: int
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    model_seconds: float = 0.0
    execution_seconds: float = 0.0
    trajectory_path: Path | None = None
    workdir: Path | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "answered"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["trajectory_path"] = str(self.trajectory_path) if self.trajectory_path else None
        data["workdir"] = str(self.workdir) if self.workdir else None
        return data
