"""Tools: how a function is shown to the model, and which functions cannot be tools."""

from __future__ import annotations

import pytest

from codeact.tools import Tool, ToolError, tool


def test_a_function_without_a_signature_is_shown_as_taking_anything():
    assert Tool(min, "smallest").python_stub().startswith("def smallest(*args, **kwargs):")
    assert Tool(min, "smallest").json_schema()["function"]["parameters"] == {
        "type": "object", "properties": {}, "required": []}


@pytest.mark.parametrize("name", ["bad name", "class", "2fast", ""])
def test_names_code_cannot_call_are_refused_at_once(name):
    with pytest.raises(ToolError, match="not a Python identifier"):
        Tool(len, name)


def test_async_host_tools_are_refused():
    async def fetch(url: str) -> str:
        """Fetch."""
        return url

    with pytest.raises(ToolError, match="async"):
        tool(fetch)


def test_stub_and_schema_follow_the_type_hints():
    @tool
    def book(city: str, nights: int = 1, tags: list[str] | None = None) -> float:
        """Book a room.\n\n    Says \"\"\"quoted\"\"\" things."""
        return 0.0

    assert book.python_stub().startswith(
        "def book(city: str, nights: int = 1, tags: list[str] | None = None) -> float:")
    assert '"""' not in book.quoted_doc
    params = book.json_schema()["function"]["parameters"]
    assert params["required"] == ["city"]
    assert params["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
