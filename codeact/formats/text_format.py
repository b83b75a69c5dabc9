"""The ``text`` format: one tool call per turn in plain text, the final answer in ``<solution>``.

Two spellings are accepted, the ReAct one and a bare call::

    Action: get_weather                      get_weather(city="Paris", unit="celsius")
    Action Input: city=Paris, unit=celsius

Values are read as Python literals where they are literals and kept as strings where they are not (``Paris``,
``hello world``), and ``Action Input`` may also be a JSON object: plain text has no quoting rules, so the parser
guesses the model's intent instead of punishing it for quoting.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from typing import Any

from codeact.formats.answers import answer_action, without_solutions
from codeact.formats.base import Action, format_reminder
from codeact.formats.tool_calls import (
    CallError,
    PromptedCallFormat,
    call_code,
)

HOW = 'To call a tool, write "Action: <tool name>" and, on the next line, "Action Input: name1=value1, name2=value2".'
REMINDER = format_reminder(HOW)

_ACTION = re.compile(r"^[ \t*]*Action[ \t*]*:(.*)$", re.IGNORECASE | re.MULTILINE)
_ACTION_INPUT = re.compile(
    # The input ends where a ReAct label starts a line, at a blank line, or at a line opening a tag: models go on
    # with an invented "Action Output:", "Observation:" or "<output>...</output>" that must not become part of the
    # last argument.
    r"^[ \t*]*Action[ \t]*Input[ \t*]*:(.*?)"
    r"(?=^[ \t*]*(?:Observation|Thought|Action\b[^:\n]*|Final Answer|Output|Result)[ \t*]*:|\n[ \t]*\n|^[ \t]*<|\Z)",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
_CALL = re.compile(r"^([A-Za-z_]\w*)[ \t]*\((.*)\)$", re.DOTALL)
_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)
_KEYWORD_SPLIT = re.compile(r"[,\n][ \t]*(?=[A-Za-z_]\w*[ \t]*=(?!=))")
_KEYWORD = re.compile(r"^\s*([A-Za-z_]\w*)[ \t]*=(?!=)(.*)$", re.DOTALL)
_DECORATION = " \t\r\n`*"
_LITERAL_ERRORS = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError)

_HOW_PROMPT = """\
- call one tool, then stop and wait for its result:
Action: tool_name
Action Input: argument_name=value, other_argument=value"""


class TextFormat(PromptedCallFormat):
    name = "text"
    how = HOW
    how_prompt = _HOW_PROMPT

    def parse_reply(self, text: str) -> Action:
        return parse_text_reply(text)


def parse_text_reply(text: str) -> Action:
    """Total parser: a tool call wins over a ``<solution>`` in the same reply, as ``<execute>`` does in the
    ``code`` format; calls quoted inside the answer are ignored."""
    searchable = without_solutions(text)
    found = _find_action(searchable) or _find_bare_call(searchable)
    if found is None:
        return answer_action(text) or Action(thought=text.strip(), reminder=REMINDER)
    offset, build = found
    thought = text[:offset].strip()
    try:
        return Action(thought=thought, code=build())
    except CallError as exc:
        return Action(thought=thought, reminder=format_reminder(f"{exc} {HOW}"))


def _find_action(text: str) -> tuple[int, Callable[[], str]] | None:
    """The ReAct spelling; ``Action: tool(args)`` on one line is accepted too."""
    match = _ACTION.search(text)
    if match is None:
        return None
    head = match.group(1).strip(_DECORATION)
    if call := _CALL.match(head):
        return match.start(), lambda: _build(call.group(1), call.group(2))
    given = _ACTION_INPUT.search(text, match.end())
    arguments = given.group(1) if given else ""
    return match.start(), lambda: _build(head.strip("'\""), arguments)


def _find_bare_call(text: str) -> tuple[int, Callable[[], str]] | None:
    """The first line (or fenced block) that is exactly ``name(...)``."""
    candidates = [(m.start(), m.group(1)) for m in _FENCE.finditer(text)]
    offset = 0
    for line in text.splitlines(keepends=True):
        candidates.append((offset, line))
        offset += len(line)
    for start, candidate in sorted(candidates, key=lambda c: c[0]):
        if call := _CALL.match(candidate.strip(_DECORATION)):
            return start, lambda call=call: _build(call.group(1), call.group(2))
    return None


def _build(name: str, arguments: str) -> str:
    args, kwargs = parse_arguments(arguments)
    return call_code(name, kwargs, args)


def parse_arguments(text: str) -> tuple[list[Any], dict[str, Any]]:
    """Read ``a=1, b=hello`` / ``1, "x"`` / a JSON object into positional and keyword values."""
    text = _unfence(text)
    if not text:
        return [], {}
    if text.startswith("{"):
        mapping = _mapping(text)
        if mapping is not None:
            return [], mapping
    parsed = _as_call_arguments(text)
    if parsed is not None:
        return parsed
    pieces = _KEYWORD_SPLIT.split(text)
    matches = [_KEYWORD.match(piece) for piece in pieces]
    if all(matches):
        return [], {m.group(1): _lenient_value(m.group(2)) for m in matches if m}
    if not any(matches):
        return [_lenient_value(text)], {}
    raise CallError("Could not read the arguments: write them as name=value pairs separated by commas.")


def _unfence(text: str) -> str:
    """Drop the fence (and its language tag) around arguments written in a code block."""
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else text
    return text.strip(_DECORATION)


def _mapping(text: str) -> dict[str, Any] | None:
    for load in (json.loads, ast.literal_eval):
        try:
            value = load(text)
        except _LITERAL_ERRORS:
            continue
        if isinstance(value, dict):
            return value
    return None


def _as_call_arguments(text: str) -> tuple[list[Any], dict[str, Any]] | None:
    """Parse ``text`` as the inside of a Python call; non-literal values keep their source text as a string."""
    source = f"_({text}\n)"
    try:
        tree = ast.parse(source, mode="eval")
    except _LITERAL_ERRORS:
        return None
    call = tree.body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "_"):
        return None
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    args = [_node_value(node, source) for node in call.args]
    kwargs = {k.arg: _node_value(k.value, source) for k in call.keywords if k.arg is not None}
    return args, kwargs


def _node_value(node: ast.expr, source: str) -> Any:
    try:
        return ast.literal_eval(node)
    except _LITERAL_ERRORS:
        return ast.get_source_segment(source, node) or ""


def _lenient_value(text: str) -> Any:
    text = text.strip()
    try:
        return ast.literal_eval(text)
    except _LITERAL_ERRORS:
        pass
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text
