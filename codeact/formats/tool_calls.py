"""The ``tool_calls`` format (the endpoint's native function calling) and what every tool-call format shares.

The ``json``, ``text`` and ``tool_calls`` formats all end the same way: one tool call, turned into Python code
that runs in the same interpreter as the ``code`` format, so the tool's return value becomes the observation
(``Out: ...``) exactly as if the model had written the call itself. ``call_code`` builds that code from values the
model chose, so it renders them as Python literals (never by pasting raw text) and refuses names that are not
plain identifiers: the code it returns is exactly the one call and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import math
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from codeact.formats.answers import answer_action
from codeact.formats.base import Action, format_reminder, observation_message
from codeact.models.base import INVALID_ARGUMENTS_KEY, Completion, Message, ToolCall
from codeact.tools import Tool

TOOL_SYSTEM_PROMPT = """\
You are a helpful assistant that solves tasks by calling tools.
Each turn, think briefly in plain words, then do exactly one of:
{how}
- give the final answer once you are sure of it, between <solution> and </solution>, e.g. <solution>Paris</solution>
Call one tool per turn and wait for its result before the next step. Use the tools instead of guessing.
"""


class CallError(ValueError):
    """A tool call that cannot become code; the message tells the model what to fix."""


def call_code(name: str, kwargs: Mapping[str, Any], args: Sequence[Any] = ()) -> str:
    """Python code that calls ``name(*args, **kwargs)`` with exactly these values, and nothing more.

    Keyword names that are not identifiers are passed through a ``**{...}`` mapping so no key can change the
    shape of the call; so are names Python would NFKC-normalise (``µ`` would arrive as ``μ``).
    """
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise CallError(f"{str(name)[:80]!r} is not a tool name.")
    if not all(isinstance(key, str) for key in kwargs):
        raise CallError("Argument names must be strings.")
    parts = [py_literal(value) for value in args]
    plain = all(key.isidentifier() and not keyword.iskeyword(key) and unicodedata.normalize("NFKC", key) == key
                for key in kwargs)
    if plain:
        parts += [f"{key}={py_literal(value)}" for key, value in kwargs.items()]
    elif kwargs:
        parts.append("**" + py_literal(dict(kwargs)))
    return f"{name}({', '.join(parts)})"


def py_literal(value: Any) -> str:
    """Python source that evaluates to ``value`` (JSON or ``ast.literal_eval`` values, including NaN/inf)."""
    try:
        if isinstance(value, bool) or value is None or isinstance(value, (int, str, bytes)):
            return repr(value)
        if isinstance(value, float):
            return repr(value) if math.isfinite(value) else f"float({repr(value)!r})"
        if isinstance(value, complex):
            return f"complex({py_literal(value.real)}, {py_literal(value.imag)})"
        if isinstance(value, list):
            return "[" + ", ".join(py_literal(v) for v in value) + "]"
        if isinstance(value, tuple):
            items = [py_literal(v) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(value, frozenset):
            return f"frozenset({py_literal(set(value))})" if value else "frozenset()"
        if isinstance(value, set):
            return "{" + ", ".join(py_literal(v) for v in value) + "}" if value else "set()"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    except (ValueError, RecursionError) as exc:  # ints past Python's digit limit, absurdly deep nesting
        raise CallError(f"An argument value cannot be used: {exc}.") from None
    raise CallError(f"Arguments must be plain values (numbers, strings, lists, objects), not {type(value).__name__}.")


class OfferedTools:
    """The tools a tool-call format accepts calls of: those of its system prompt, plus any offered later.

    Without this check a tool-call format could call any builtin (``exec``, ``open``) and act as a code format in
    disguise, which would break the controlled comparison.
    """

    offered: set[str] | None = None
    """``None`` until a system prompt was made: then nothing is restricted."""

    def offer(self, tools: Sequence[Tool]) -> None:
        self.offered = (self.offered or set()) | {t.name for t in tools}

    def offered_only(self, action: Action, how: str) -> Action:
        """``action``, or the shared reminder when it calls anything but an offered tool."""
        if action.code is None or self.offered is None:
            return action
        name = action.code.split("(", 1)[0]  # call_code made it: exactly ``name(...)``
        if name in self.offered:
            return action
        tools = ", ".join(sorted(self.offered)) or "none"
        reminder = format_reminder(f"{name!r} is not one of the tools ({tools}). {how}")
        return Action(thought=action.thought, reminder=reminder)


class PromptedCallFormat(OfferedTools, ABC):
    """What the ``json`` and ``text`` formats share: the tools listed as JSON schemas in the system prompt, one
    call per reply parsed from the text, only offered tools accepted. Subclasses give the wording and the parser."""

    name: str
    how: str
    """One sentence on how to call a tool, used in reminders."""
    how_prompt: str
    """The system prompt's bullet on how to call a tool."""
    stop = ["\nObservation:"]
    """Models trained on ReAct transcripts go on to invent the tool's result; stopping there saves the tokens."""

    @abstractmethod
    def parse_reply(self, text: str) -> Action:
        """The format's own total parser."""

    def system_prompt(self, tools: Sequence[Tool]) -> str:
        self.offered = {t.name for t in tools}
        prompt = TOOL_SYSTEM_PROMPT.format(how=self.how_prompt)
        return prompt + "\nThe tools, as JSON schemas:\n" + self.tool_listing(tools) + "\n" if tools else prompt

    def tool_listing(self, tools: Sequence[Tool]) -> str:
        """Tools as JSON schemas, one per line: compact, because every prompt token is paid for on every turn."""
        return "\n".join(json.dumps(t.json_schema()["function"], ensure_ascii=False) for t in tools)

    def model_tools(self, tools: Sequence[Tool]) -> list[dict[str, Any]] | None:
        return None

    def parse(self, completion: Completion) -> Action:
        return self.offered_only(self.parse_reply(completion.text), self.how)

    def assistant_message(self, completion: Completion) -> Message:
        return {"role": "assistant", "content": completion.text}

    def observation_message(self, completion: Completion, observation_text: str) -> Message:
        return observation_message(observation_text)


TOOL_CALLS_REMINDER = format_reminder("To call a tool, use the function-calling interface with one of the tools.")


class ToolCallsFormat(OfferedTools):
    """The endpoint's own function calling: tools travel as OpenAI ``tools`` schemas, calls come back as
    ``Completion.tool_calls`` and results go back as ``role: tool`` messages.

    Only the first call of a reply is run (and kept in the history), so every format acts one call per turn.
    """

    name = "tool_calls"
    stop: list[str] = []

    def system_prompt(self, tools: Sequence[Tool]) -> str:
        self.offered = {t.name for t in tools}
        # The schemas reach the model through the endpoint's ``tools`` field; listing them here too would pay
        # for them twice in every prompt.
        return TOOL_SYSTEM_PROMPT.format(how="- call one of the provided tools through function calling")

    def tool_listing(self, tools: Sequence[Tool]) -> str:
        """Names only: the schemas travel in the endpoint's ``tools`` field."""
        return ", ".join(t.name for t in tools)

    def model_tools(self, tools: Sequence[Tool]) -> list[dict[str, Any]] | None:
        return [t.json_schema() for t in tools]

    def parse(self, completion: Completion) -> Action:
        thought = completion.text.strip()
        if completion.tool_calls:
            call = completion.tool_calls[0]
            if INVALID_ARGUMENTS_KEY in call.arguments:
                return Action(thought=thought, reminder=format_reminder(
                    f"The arguments of your call to {call.name!r} were not a JSON object."))
            try:
                action = Action(thought=thought, code=call_code(call.name, call.arguments))
                return self.offered_only(action, "Call one of the provided tools.")
            except CallError as exc:
                return Action(thought=thought, reminder=format_reminder(str(exc)))
        return answer_action(completion.text) or Action(thought=thought, reminder=TOOL_CALLS_REMINDER)

    def assistant_message(self, completion: Completion) -> Message:
        if not completion.tool_calls:
            return {"role": "assistant", "content": completion.text}
        call = completion.tool_calls[0]
        arguments = json.dumps(call.arguments, ensure_ascii=False, default=repr)
        return {
            "role": "assistant",
            "content": completion.text or None,
            "tool_calls": [{"id": _call_id(call), "type": "function",
                            "function": {"name": call.name, "arguments": arguments}}],
        }

    def observation_message(self, completion: Completion, observation_text: str) -> Message:
        if not completion.tool_calls:
            return observation_message(observation_text)
        return {"role": "tool", "tool_call_id": _call_id(completion.tool_calls[0]), "content": observation_text}


def _call_id(call: ToolCall) -> str:
    """The endpoint's id, or (for backends that give none) one derived from the call itself, so the assistant
    message and its tool result always agree."""
    if call.id:
        return call.id
    digest = hashlib.sha256(f"{call.name}\0{json.dumps(call.arguments, sort_keys=True, default=repr)}".encode())
    return "call_" + digest.hexdigest()[:16]
