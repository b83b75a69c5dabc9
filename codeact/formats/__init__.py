"""Action formats: how a model's reply becomes an action (code, a tool call, or an answer)."""

from __future__ import annotations

from collections.abc import Callable

from codeact.formats.base import Action, ActionFormat, format_reminder
from codeact.formats.code import CodeFormat
from codeact.formats.json_format import JsonFormat
from codeact.formats.text_format import TextFormat
from codeact.formats.tool_calls import ToolCallsFormat

FORMATS: dict[str, Callable[[], ActionFormat]] = {
    "code": CodeFormat,
    "json": JsonFormat,
    "text": TextFormat,
    "tool_calls": ToolCallsFormat,
}


def get_format(name: str) -> ActionFormat:
    try:
        return FORMATS[name]()
    except KeyError:
        raise ValueError(f"unknown action format {name!r}: choose from {', '.join(FORMATS)}") from None


__all__ = [
    "FORMATS", "Action", "ActionFormat", "CodeFormat", "JsonFormat", "TextFormat", "ToolCallsFormat",
    "format_reminder", "get_format",
]
