"""A scripted test double: replays canned replies so agent-loop tests run without a real model."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from codeact.models.base import Completion, Message, ModelError
from codeact.models.stops import cut_at_stop

Reply = str | Completion | Callable[[list[Message]], str]


class ScriptedModel:
    """Returns ``replies`` in order, one per ``complete`` call; a callable reply is computed from the messages.

    It behaves like a real backend where tests depend on it: stop sequences cut the text at the first stop string,
    and running out of replies is a ``ModelError`` (like a dead server), so a loop that calls the model more often
    than the test expects fails loudly. Every call's messages, stop list and tools are recorded in ``calls``.
    """

    def __init__(self, replies: Sequence[Reply], name: str = "scripted") -> None:
        self.name = name
        self._replies = list(replies)
        self.calls: list[dict[str, Any]] = []

    @property
    def messages(self) -> list[list[Message]]:
        """The messages of each call so far, in order."""
        return [call["messages"] for call in self.calls]

    def complete(
        self,
        messages: list[Message],
        stop: list[str] | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        index = len(self.calls)
        self.calls.append({"messages": copy.deepcopy(messages), "stop": list(stop or []), "tools": tools})
        if index >= len(self._replies):
            raise ModelError(f"ScriptedModel ran out of replies: call {index + 1} but only {len(self._replies)} given")
        reply = self._replies[index]
        if callable(reply):
            reply = reply(copy.deepcopy(messages))
        completion = reply if isinstance(reply, Completion) else Completion(text=reply)
        text, stopped = cut_at_stop(completion.text, stop)
        return replace(completion, text=text, finish_reason="stop" if stopped else completion.finish_reason)
