"""Tools released mid-episode (BFCL's ``miss_func``: a function the model lacks until a later user turn).

The interpreter holds every tool of the episode from the start; what changes per turn is what the model is shown,
and what the tool-call formats accept as a call (a ``code`` action could still call an unreleased tool by name).
``StagedFormat`` wraps the episode's action format so the system prompt (and, for native tool calling, the
endpoint's ``tools``) lists only the tools released so far, and ``release`` words the announcement that is put
before the user turn that brings new tools.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from codeact.formats.base import Action, ActionFormat
from codeact.models.base import Completion, Message
from codeact.tools import Tool


class StagedFormat:
    def __init__(self, inner: ActionFormat, visible: Iterable[str]):
        self.inner = inner
        self.name = inner.name
        self.stop = inner.stop
        self.visible = set(visible)

    def system_prompt(self, tools: Sequence[Tool]) -> str:
        return self.inner.system_prompt(self._shown(tools))

    def model_tools(self, tools: Sequence[Tool]) -> list[dict[str, Any]] | None:
        return self.inner.model_tools(self._shown(tools))  # type: ignore[attr-defined]

    def parse(self, completion: Completion) -> Action:
        return self.inner.parse(completion)

    def assistant_message(self, completion: Completion) -> Message:
        return self.inner.assistant_message(completion)

    def observation_message(self, completion: Completion, observation: str) -> Message:
        return self.inner.observation_message(completion, observation)

    def tool_listing(self, tools: Sequence[Tool]) -> str:
        return self.inner.tool_listing(tools)

    def offer(self, tools: Sequence[Tool]) -> None:
        self.visible |= {t.name for t in tools}
        self.inner.offer(tools)

    def release(self, tools: Sequence[Tool]) -> str:
        """Show and accept ``tools`` from now on; returns the announcement, in the format's own listing style."""
        self.offer(tools)
        return f"New tools are available from now on:\n{self.inner.tool_listing(tools)}"

    def _shown(self, tools: Sequence[Tool]) -> list[Tool]:
        return [t for t in tools if t.name in self.visible]
