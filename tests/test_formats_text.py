"""The ``text`` format's parser: ReAct and bare-call spellings, literal values, bare strings tolerated."""

from __future__ import annotations

import keyword
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_formats_tool_calls import assert_single_call, run_call, same

from codeact.formats import get_format
from codeact.formats.base import observation_message
from codeact.formats.text_format import TextFormat, parse_arguments, parse_text_reply
from codeact.formats.tool_calls import py_literal
from codeact.models.base import Completion
from codeact.tools import Tool

identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(lambda s: not keyword.iskeyword(s))
literals = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
prose = st.text(alphabet=st.characters(blacklist_characters="<`(", blacklist_categories=["Cc", "Zl", "Zp"]),
                max_size=40).filter(lambda s: "action" not in s.lower())
tokens = st.lists(st.sampled_from(["Action:", "Action Input:", "Observation:", "f", "(", ")", "=", ",", "a", "1",
                                   "'", '"', "\n", "```", "{", "}", "<solution>", "</solution>", " ", "*", "[", "]",
                                   "**", "#", "\\"]), max_size=30).map("".join)


@given(prose, identifiers, st.dictionaries(identifiers, literals, max_size=4), st.booleans())
def test_both_spellings_run_with_exactly_their_arguments(
    before: str, name: str, kwargs: dict[str, Any], react: bool
) -> None:
    rendered = ", ".join(f"{k}={py_literal(v)}" for k, v in kwargs.items())
    call = f"Action: {name}\nAction Input: {rendered}" if react else f"{name}({rendered})"
    action = parse_text_reply(f"{before}\n{call}\n")
    assert action.code is not None, action
    assert action.thought == before.strip()
    got_args, got_kwargs = run_call(action.code, name)
    assert got_args == () and same(got_kwargs, kwargs)


@given(st.text() | tokens)
def test_parse_is_total_and_only_ever_produces_one_call(text: str) -> None:
    action = parse_text_reply(text)
    assert sum(x is not None for x in (action.code, action.answer, action.reminder)) == 1
    if action.code is not None:
        assert_single_call(action.code)


@pytest.mark.parametrize("text, expected", [
    ("city=Paris, unit=celsius", ([], {"city": "Paris", "unit": "celsius"})),
    ("query=hello world, n=3", ([], {"query": "hello world", "n": 3})),
    ("a=1\nb='x'", ([], {"a": 1, "b": "x"})),
    ('{"a": [1, 2], "b": null}', ([], {"a": [1, 2], "b": None})),
    ("```json\n{\"a\": 1}\n```", ([], {"a": 1})),
    ("3, 'x'", ([3, "x"], {})),
    ("Paris", (["Paris"], {})),
    ("hello world", (["hello world"], {})),
    ("class=1, x=[1, 2]", ([], {"class": 1, "x": [1, 2]})),
    ("", ([], {})),
])
def test_argument_spellings(text: str, expected: tuple[list[Any], dict[str, Any]]) -> None:
    assert parse_arguments(text) == expected


@pytest.mark.parametrize("reply, code", [
    ("Thought: look it up\nAction: get_weather\nAction Input: city=Paris\nObservation: sunny",
     "get_weather(city='Paris')"),
    ("**Action:** `add`\n**Action Input:** a=1, b=2", "add(a=1, b=2)"),
    ("Action: add(1, 2)", "add(1, 2)"),
    ("Action: now", "now()"),
    ("Action: f\nAction Input: d=2025-06-06\nAction Output: [{'id': 1}]", "f(d='2025-06-06')"),
    ("Action: f\nAction Input: a=1\nb=2\nResult: 3", "f(a=1, b=2)"),
    ("I will add them.\n`add(a=1, b=2)`", "add(a=1, b=2)"),
    ("```\nsearch(query=\"x\",\n       limit=2)\n```", "search(query='x', limit=2)"),
])
def test_lenient_spellings(reply: str, code: str) -> None:
    assert parse_text_reply(reply).code == code


@pytest.mark.parametrize("reply, why", [
    ("Action: os.system\nAction Input: command=ls", "not a tool name"),
    ("Action: Final Answer\nAction Input: 42", "not a tool name"),
    ("Action: f\nAction Input: 1, b=2 c", "name=value pairs"),
    ("I am not sure what to do.", "Action Input"),
])
def test_unusable_replies_get_the_shared_reminder(reply: str, why: str) -> None:
    reminder = parse_text_reply(reply).reminder
    assert reminder and why in reminder and reminder.startswith("Your last reply could not be parsed")


def test_call_wins_over_answer_and_calls_inside_answers_are_ignored() -> None:
    assert parse_text_reply("add(a=1)\n<solution>3</solution>").code == "add(a=1)"
    assert parse_text_reply("<solution>\nmax(3, 4)\n</solution>").answer == "max(3, 4)"


def add(a: int, b: int = 0) -> int:
    """Add two integers."""
    return a + b


def test_prompt_and_messages() -> None:
    fmt = get_format("text")
    assert isinstance(fmt, TextFormat)
    prompt = fmt.system_prompt([Tool(add, "add")])
    assert '"name": "add"' in prompt and "Action Input:" in prompt
    assert fmt.model_tools([Tool(add, "add")]) is None and "\nObservation:" in fmt.stop
    completion = Completion("Action: add\nAction Input: a=1")
    assert fmt.assistant_message(completion) == {"role": "assistant", "content": completion.text}
    assert fmt.observation_message(completion, "Out: 1") == observation_message("Out: 1")


def test_invented_output_after_the_input_is_not_an_argument():
    for tail in ("\n\n<output>LIS</output>\nNow that I have it...", "\n<output>LIS</output>", "\n\nThen I will..."):
        assert parse_text_reply(f"Action: airport_code\nAction Input: city=Warsaw{tail}").code == (
            "airport_code(city='Warsaw')")
