"""The native ``tool_calls`` format and ``call_code``, which every tool-call format relies on for safety."""

from __future__ import annotations

import ast
import keyword
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codeact.formats import get_format
from codeact.formats.tool_calls import CallError, ToolCallsFormat, call_code, py_literal
from codeact.models.base import Completion, ToolCall
from codeact.models.openai_compat import INVALID_ARGUMENTS_KEY
from codeact.tools import Tool

LITERAL_CALLS = {"float", "complex", "set", "frozenset"}
SAFE_NODES = (ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.UnaryOp, ast.USub, ast.UAdd, ast.Load,
              ast.keyword)

identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(lambda s: not keyword.iskeyword(s))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
python_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(max_size=8)
    | st.complex_numbers(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner) | st.tuples(inner, inner)
    | st.frozensets(st.integers() | st.text(max_size=4), max_size=3)
    | st.sets(st.integers() | st.text(max_size=4), max_size=3)
    | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4),
    max_leaves=12,
)


def assert_single_call(code: str) -> ast.Call:
    """The code is one call of a plain name whose arguments only build values: nothing else can run."""
    call = ast.parse(code, mode="eval").body
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
    for node in [*call.args, *call.keywords]:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                assert isinstance(sub.func, ast.Name) and sub.func.id in LITERAL_CALLS
            elif not isinstance(sub, ast.Name | ast.Starred):
                assert isinstance(sub, SAFE_NODES), ast.dump(sub)
            elif isinstance(sub, ast.Name):
                assert sub.id in LITERAL_CALLS
    return call


def run_call(code: str, name: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Evaluate the produced code against a recorder standing in for the tool."""
    assert_single_call(code)
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    namespace = {name: lambda *a, **k: seen.append((a, k))}
    eval(code, namespace)  # noqa: S307 - the code was just proven to be a single literal-only call
    assert len(seen) == 1
    return seen[0]


def same(a: Any, b: Any) -> bool:
    """Equal including types, NaN and the sign of zero, which ``==`` ignores."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float | complex):
        return repr(a) == repr(b)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@given(identifiers, st.dictionaries(st.text(max_size=10), json_values, max_size=5), st.lists(python_values, max_size=3))
def test_call_code_passes_exactly_the_values(name: str, kwargs: dict[str, Any], args: list[Any]) -> None:
    code = call_code(name, kwargs, args)
    got_args, got_kwargs = run_call(code, name)
    assert same(list(got_args), args) and same(got_kwargs, kwargs)


@given(python_values)
def test_py_literal_round_trips(value: Any) -> None:
    assert same(eval(py_literal(value), {}), value)  # noqa: S307 - literal-only source


@pytest.mark.parametrize("name", ["os.system", "a b", "", "import", "f()", "x;y", 3])
def test_call_code_refuses_names_that_are_not_identifiers(name: Any) -> None:
    with pytest.raises(CallError):
        call_code(name, {})


def test_call_code_refuses_values_it_cannot_write_exactly() -> None:
    with pytest.raises(CallError):
        call_code("f", {"x": object()})
    with pytest.raises(CallError):
        call_code("f", {1: 2})  # type: ignore[dict-item]
    with pytest.raises(CallError):
        call_code("f", {"n": 10**5000})  # past Python's int-to-str digit limit


def test_non_identifier_keys_go_through_a_mapping() -> None:
    code = call_code("f", {"x y": 1, "class": 2})
    assert code == "f(**{'x y': 1, 'class': 2})"
    assert run_call(code, "f") == ((), {"x y": 1, "class": 2})


def test_readable_code_for_plain_calls() -> None:
    assert call_code("add", {"a": 1, "b": "x"}) == "add(a=1, b='x')"
    assert call_code("f", {"v": float("nan"), "w": [float("-inf")]}) == "f(v=float('nan'), w=[float('-inf')])"


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def test_tools_go_to_the_endpoint_as_schemas_not_in_the_prompt() -> None:
    fmt = get_format("tool_calls")
    tool = Tool(add, "add")
    assert fmt.model_tools([tool]) == [tool.json_schema()]
    assert "Add two integers" not in fmt.system_prompt([tool])
    assert fmt.stop == []


def test_first_tool_call_becomes_code_and_history_pairs_ids() -> None:
    fmt = ToolCallsFormat()
    completion = Completion("Let me add.", tool_calls=[ToolCall("add", {"a": 1, "b": 2}, id="c1"),
                                                       ToolCall("add", {"a": 3, "b": 4}, id="c2")])
    action = fmt.parse(completion)
    assert action.code == "add(a=1, b=2)" and action.thought == "Let me add."
    assistant = fmt.assistant_message(completion)
    assert [c["id"] for c in assistant["tool_calls"]] == ["c1"]
    assert assistant["tool_calls"][0]["function"] == {"name": "add", "arguments": '{"a": 1, "b": 2}'}
    assert fmt.observation_message(completion, "Out: 3") == {"role": "tool", "tool_call_id": "c1", "content": "Out: 3"}


def test_missing_call_ids_are_derived_consistently() -> None:
    fmt = ToolCallsFormat()
    completion = Completion("", tool_calls=[ToolCall("add", {"a": 1})])
    call_id = fmt.assistant_message(completion)["tool_calls"][0]["id"]
    assert call_id.startswith("call_") and fmt.observation_message(completion, "x")["tool_call_id"] == call_id
    other = Completion("", tool_calls=[ToolCall("add", {"a": 2})])
    assert fmt.assistant_message(other)["tool_calls"][0]["id"] != call_id


def test_answers_and_reminders() -> None:
    fmt = ToolCallsFormat()
    assert fmt.parse(Completion("So: <solution> 42 </solution>")).answer == "42"
    plain = Completion("I think it is 42.")
    assert fmt.parse(plain).reminder and fmt.observation_message(plain, "r")["role"] == "user"
    bad_args = Completion("", tool_calls=[ToolCall("add", {INVALID_ARGUMENTS_KEY: "{a: 1"})])
    assert "not a JSON object" in (fmt.parse(bad_args).reminder or "")
    bad_name = Completion("", tool_calls=[ToolCall("os.system", {"command": "ls"})])
    assert "not a tool name" in (fmt.parse(bad_name).reminder or "")


@given(st.text(), identifiers | st.text(max_size=12),
       st.dictionaries(st.text(max_size=6), json_values | st.builds(object), max_size=3))
def test_parse_is_total(text: str, name: str, arguments: dict[str, Any]) -> None:
    fmt = ToolCallsFormat()
    for completion in (Completion(text), Completion(text, tool_calls=[ToolCall(name, arguments)])):
        action = fmt.parse(completion)
        assert sum(x is not None for x in (action.code, action.answer, action.reminder)) == 1
        if action.code is not None:
            assert_single_call(action.code)
        fmt.assistant_message(completion)
        fmt.observation_message(completion, "obs")
