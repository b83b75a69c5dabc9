"""The action-format protocol: how tools are shown to the model and how its replies become actions.

Every format turns a reply into an ``Action``. Actions that call tools become Python code run in the same
interpreter for every format (a JSON tool call becomes ``tool(**arguments)``), so formats differ only in what the
model writes, never in how the tools execute: the comparison of the paper stays controlled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from codeact.models.base import Completion, Message
from codeact.tools import Tool


@dataclass
class Action:
    """One parsed model reply. Exactly one of ``code``, ``answer`` or ``reminder`` is set."""

    thought: str = ""
    code: str | None = None
    answer: str | None = None
    reminder: str | None = None
    """Set when the reply could not be parsed: the short format reminder sent back instead of an observation."""


class ActionFormat(Protocol):
    name: str
    stop: list[str]
    """Stop sequences passed to the model (e.g. ``</execute>``)."""

    def system_prompt(self, tools: Sequence[Tool]) -> str: ...

    def tool_listing(self, tools: Sequence[Tool]) -> str:
        """How this format shows tools: in its system prompt, and when tools are added later in an episode."""
        ...

    def offer(self, tools: Sequence[Tool]) -> None:
        """Accept calls of ``tools`` from now on (tools added later in an episode)."""
        ...

    def model_tools(self, tools: Sequence[Tool]) -> list[dict[str, Any]] | None:
        """Native tool schemas passed to the model's API (only the ``tool_calls`` format uses them)."""
        ...

    def parse(self, completion: Completion) -> Action:
        """Never raises: anything unparseable becomes an ``Action`` with a ``reminder``."""
        ...

    def assistant_message(self, completion: Completion) -> Message:
        """The reply as stored in the history (e.g. with the stripped stop sequence restored)."""
        ...

    def observation_message(self, completion: Completion, observation: str) -> Message:
        """The message that feeds an execution's observation (or a reminder) back to the model."""
        ...


def format_reminder(how: str) -> str:
    """The one reminder wording every format uses, so no format is favoured by its error handling."""
    return (
        "Your last reply could not be parsed as an action or an answer. "
        f"{how} When you know the final answer, write it between <solution> and </solution>."
    )


OBSERVATION_NUDGE = (
    "If this output answers the task, write the answer itself between <solution> and </solution>; "
    "otherwise take the next step."
)
FAILURE_NUDGE = "The action failed: fix it, or try another way."
"""The agent ends every execution's observation with one of these, whatever the format: without them small
models keep re-running code that already printed the answer, or hand in an error message as their answer."""


def observation_message(text: str) -> Message:
    """How the prompt-based formats feed a result (or a reminder) back."""
    return {"role": "user", "content": f"Observation:\n{text}"}
