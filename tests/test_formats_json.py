"""The ``json`` format's parser: lenient about wrapping, strict about what code it produces."""

from __future__ import annotations

import json
import keyword
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_formats_tool_calls import assert_single_call, json_values, run_call, same

from codeact.formats import get_format
from codeact.formats.base import observation_message
from codeact.formats.json_format import JsonFormat, parse_json_reply
from codeact.models.base import Completion
from codeact.tools import Tool

identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(lambda s: not keyword.iskeyword(s))
prose = st.text(alphabet=st.characters(blacklist_characters="{<`"), max_size=40)
tokens = st.lists(st.sampled_from(['{', '}', '"tool"', '"name"', '"arguments"', ":", ",", '"f"', "1", "[", "]",
                                   "```json\n", "```", "\n", "<solution>", "</solution>", "'", "True", " ", "x"]),
                  max_size=30).map("".join)


@given(prose, identifiers, st.dictionaries(st.text(max_size=10), json_values, max_size=5), prose,
       st.sampled_from(["{}", "```json\n{}\n```", "```\n{}\n```", "{} "]))
def test_a_call_anywhere_in_prose_runs_with_exactly_its_arguments(
    before: str, name: str, arguments: dict[str, Any], after: str, wrapper: str
) -> None:
    call = json.dumps({"tool": name, "arguments": arguments})
    action = parse_json_reply(before + "\n" + wrapper.replace("{}", call) + "\n" + after)
    assert action.code is not None, action
    assert action.thought == before.strip()
    got_args, got_kwargs = run_call(action.code, name)
    assert got_args == () and same(got_kwargs, arguments)


@given(st.text() | tokens)
def test_parse_is_total_and_only_ever_produces_one_call(text: str) -> None:
    action = parse_json_reply(text)
    assert sum(x is not None for x in (action.code, action.answer, action.reminder)) == 1
    if action.code is not None:
        assert_single_call(action.code)


@pytest.mark.parametrize("reply, code", [
    ('{"name": "add", "arguments": {"a": 1, "b": 2}}', "add(a=1, b=2)"),
    ('{"tool": "add", "arguments": "{\\"a\\": 1}"}', "add(a=1)"),
    ('{"tool": "now"}', "now()"),
    ('{"tool": "now", "arguments": null}', "now()"),
    ("```json\n{'tool': 'add', 'arguments': {'a': True}}\n```", "add(a=True)"),
    ('Step: {"action": {"tool": "add", "args": {"a": 1}}}', "add(a=1)"),
    ('{"tool": "f", "arguments": {"v": NaN}}', "f(v=float('nan'))"),
])
def test_lenient_spellings(reply: str, code: str) -> None:
    assert parse_json_reply(reply).code == code


def test_a_name_inside_malformed_arguments_is_not_taken_for_a_call() -> None:
    action = parse_json_reply('{"tool": "greet", "arguments": {"person": {"name": "bob"},}}')
    assert action.code is None and action.reminder


@pytest.mark.parametrize("reply, why", [
    ('{"tool": "os.system", "arguments": {"command": "ls"}}', "not a tool name"),
    ('{"tool": 3}', "must be the tool name"),
    ('{"tool": "f", "arguments": [1, 2]}', "must be a JSON object"),
    ('{"tool": "f", "arguments": "not json"}', "must be a JSON object"),
    ("The answer is probably 4.", "To call a tool"),
])
def test_unusable_replies_get_the_shared_reminder(reply: str, why: str) -> None:
    reminder = parse_json_reply(reply).reminder
    assert reminder and why in reminder and reminder.startswith("Your last reply could not be parsed")


def test_call_wins_over_answer_and_calls_inside_answers_are_ignored() -> None:
    both = parse_json_reply('{"tool": "add", "arguments": {"a": 1}}\n<solution>3</solution>')
    assert both.code == "add(a=1)"
    quoted = parse_json_reply('<solution>{"tool": "add", "arguments": {}}</solution>')
    assert quoted.answer == '{"tool": "add", "arguments": {}}'


def add(a: int, b: int = 0) -> int:
    """Add two integers."""
    return a + b


def test_prompt_lists_tools_as_json_schemas() -> None:
    fmt = get_format("json")
    assert isinstance(fmt, JsonFormat)
    prompt = fmt.system_prompt([Tool(add, "add")])
    listed = json.loads(prompt.splitlines()[-1])
    assert listed == Tool(add, "add").json_schema()["function"]
    assert fmt.model_tools([Tool(add, "add")]) is None
    completion = Completion('{"tool": "add", "arguments": {"a": 1}}')
    assert fmt.assistant_message(completion) == {"role": "assistant", "content": completion.text}
    assert fmt.observation_message(completion, "Out: 1") == observation_message("Out: 1")


SNEAKY_CALLS = {
    "json": ('{"tool": "add", "arguments": {"a": 1, "b": 2}}', '{"tool": "exec", "arguments": {"source": "1"}}'),
    "text": ("Action: add\nAction Input: a=1, b=2", "Action: exec\nAction Input: source='1'"),
}


@pytest.mark.parametrize("name", ["json", "text", "tool_calls"])
def test_only_offered_tools_can_be_called(name):
    from codeact.models.base import ToolCall
    from codeact.tools import tool

    @tool
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    def reply(text: str) -> Completion:
        if name != "tool_calls":
            return Completion(text)
        call = json.loads(text)
        return Completion("", tool_calls=[ToolCall(call["tool"], call["arguments"], id="c1")])

    fine, sneaky = SNEAKY_CALLS.get(name, SNEAKY_CALLS["json"])
    fmt = get_format(name)
    fmt.system_prompt([add])
    assert fmt.parse(reply(fine)).code == "add(a=1, b=2)"
    refused = fmt.parse(reply(sneaky))
    assert refused.code is None and "'exec' is not one of the tools (add)" in refused.reminder


def test_boxed_answers_count_in_every_format():
    for name in ("code", "json", "text", "tool_calls"):
        assert get_format(name).parse(Completion(r"So \boxed{12}.")).answer == "12"
