"""The ``json`` format: one tool call per turn as a JSON object, the final answer in ``<solution>``.

Models wrap JSON in prose and fences, use ``name`` for ``tool`` (the OpenAI habit) or send ``arguments`` as a JSON
string, and small ones write Python dicts (single quotes, ``True``). The parser accepts all of that, because the
comparison measures how well a model acts through a format, not how strictly it quotes; anything else gets the
shared format reminder.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from codeact.formats.answers import answer_action, without_solutions
from codeact.formats.base import Action, format_reminder
from codeact.formats.tool_calls import (
    CallError,
    PromptedCallFormat,
    call_code,
)

HOW = 'To call a tool, reply with one JSON object {"tool": "<tool name>", "arguments": {...}} in a ```json block.'
REMINDER = format_reminder(HOW)

_NAME_KEYS = ("tool", "name")
_ARGUMENT_KEYS = ("arguments", "args", "parameters", "input")
_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)
_OPEN_FENCE_AT_END = re.compile(r"```[^\n`]*\s*\Z")
_DECODER = json.JSONDecoder()

_HOW_PROMPT = """\
- call one tool with a JSON object, then stop and wait for its result:
```json
{"tool": "tool_name", "arguments": {"argument_name": "value"}}
```"""


class JsonFormat(PromptedCallFormat):
    name = "json"
    how = HOW
    how_prompt = _HOW_PROMPT

    def parse_reply(self, text: str) -> Action:
        return parse_json_reply(text)


def parse_json_reply(text: str) -> Action:
    """Total parser: the first tool-call object wins over a ``<solution>`` (an answer given before seeing the
    call's result is a guess), as ``<execute>`` does in the ``code`` format."""
    found = _find_call(without_solutions(text))
    if found is None:
        return answer_action(text) or Action(thought=text.strip(), reminder=REMINDER)
    offset, call = found
    thought = _OPEN_FENCE_AT_END.sub("", text[:offset]).strip()
    try:
        return Action(thought=thought, code=_call_code(call))
    except CallError as exc:
        return Action(thought=thought, reminder=format_reminder(f"{exc} {HOW}"))


def _find_call(text: str) -> tuple[int, dict[str, Any]] | None:
    """(offset, object) of the first JSON object naming a tool; then, failing that, of a fenced Python dict."""
    for offset in (i for i, ch in enumerate(text) if ch == "{"):
        try:
            obj, _ = _DECODER.raw_decode(text, offset)
        except (ValueError, RecursionError):
            continue
        if _is_call(obj):
            return offset, obj
    for match in _FENCE.finditer(text):
        try:
            obj = ast.literal_eval(match.group(1).strip())
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        if _is_call(obj):
            return match.start(), obj
    return None


def _is_call(obj: Any) -> bool:
    """``tool`` marks a call; ``name`` only together with arguments, since ``{"name": ...}`` is also a common
    argument value and must not be taken for a call when the object around it is malformed."""
    if not isinstance(obj, dict):
        return False
    return "tool" in obj or ("name" in obj and any(key in obj for key in _ARGUMENT_KEYS))


def _call_code(call: dict[str, Any]) -> str:
    name = next(call[key] for key in _NAME_KEYS if key in call)
    if not isinstance(name, str):
        raise CallError('"tool" must be the tool name as a string.')
    arguments: Any = next((call[key] for key in _ARGUMENT_KEYS if key in call), {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except (ValueError, RecursionError):
            raise CallError('"arguments" must be a JSON object of argument names and values.') from None
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise CallError('"arguments" must be a JSON object of argument names and values.')
    return call_code(name, arguments)
