"""The model protocol: anything with ``complete(messages, stop=..., tools=...)`` is a model.

Models are swapped by duck typing (mini-swe-agent style): the agent never checks a class, it only calls
``complete``. A backend reports token usage honestly, including how many prompt tokens it could reuse from a
cache, because the cost of a multi-turn episode is dominated by prompt evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class ModelError(Exception):
    """An unrecoverable model failure (server down, wrong key, unknown model, context full).

    The message is shown to the user as-is, so it must say what went wrong and what to do about it.
    """


@dataclass
class Usage:
    """Token counts for one or more completions.

    ``cached_tokens`` are prompt tokens the backend did not have to evaluate again (a reused KV prefix), so
    ``prompt_tokens - cached_tokens`` is the prompt work actually done.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    @property
    def evaluated_prompt_tokens(self) -> int:
        return self.prompt_tokens - self.cached_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cached_tokens + other.cached_tokens,
        )


INVALID_ARGUMENTS_KEY = "_invalid_json_arguments"
"""Key of ``ToolCall.arguments`` when a server returned arguments that are not a JSON object (the raw text)."""


@dataclass
class ToolCall:
    """A native function call returned by an endpoint's tool-calling API (the ``tool_calls`` format)."""

    name: str
    arguments: dict[str, Any]
    id: str = ""


@dataclass
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"
    tool_calls: list[ToolCall] = field(default_factory=list)


Message = dict[str, Any]
"""An OpenAI-style chat message: ``{"role": "system"|"user"|"assistant"|"tool", "content": str, ...}``."""


@runtime_checkable
class Model(Protocol):
    """A chat model. ``name`` identifies it in trajectories and reports."""

    name: str

    def complete(
        self,
        messages: list[Message],
        stop: list[str] | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        """Return the assistant's next message. ``tools`` are OpenAI tool schemas, used only by the
        ``tool_calls`` action format; backends without native tool calling raise ``ModelError``."""
        ...
