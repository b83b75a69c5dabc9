"""What an interpreter returns and the protocol every interpreter follows.

An ``Execution`` is everything one code action produced; ``observation()`` turns it into the text the model
reads. Truncation and traceback trimming happen in the interpreter, so every action format and every model sees
the same observation for the same execution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class Execution:
    stdout: str = ""
    stderr: str = ""
    result: str | None = None
    """``text/plain`` of the last expression's value, if any."""
    error: str | None = None
    """The traceback, trimmed to the frames of the agent's own code, without ANSI colours."""
    timed_out: bool = False
    restarted: bool = False
    """The interpreter died (crash, ``os._exit``, OOM kill) and was restarted: all state is lost."""
    figures: list[Path] = field(default_factory=list)
    answer: str | None = None
    """Set when the code called ``final_answer(x)``."""
    truncated_chars: int = 0
    seconds: float = 0.0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """Host-tool calls made by this action: ``{"tool", "args", "kwargs", "result" | "error", "seconds"}``."""

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out and not self.restarted

    def observation(self) -> str:
        """The text fed back to the model."""
        parts: list[str] = []
        if self.stdout:
            parts.append(self.stdout.rstrip("\n"))
        if self.stderr:
            parts.append("[stderr]\n" + self.stderr.rstrip("\n"))
        if self.result is not None:
            parts.append("Out: " + self.result)
        if self.error:
            parts.append(self.error.rstrip("\n"))
        for fig in self.figures:
            parts.append(f"[figure saved: {fig.name}]")
        if self.truncated_chars:
            parts.append(f"[output truncated: {self.truncated_chars} characters cut]")
        if self.timed_out:
            parts.append(
                f"[execution interrupted: timed out after {self.seconds:.0f} s; variables defined before are kept]"
            )
        if self.restarted:
            parts.append("[the interpreter crashed and was restarted: all variables, imports and state were lost]")
        if not parts:
            parts.append("[executed successfully, no output]")
        return "\n".join(parts)


class Interpreter(Protocol):
    """A stateful Python interpreter: state persists across ``execute`` calls until ``close``."""

    workdir: Path

    def execute(self, code: str, timeout: float | None = None) -> Execution: ...

    def close(self) -> None: ...
