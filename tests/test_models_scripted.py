"""ScriptedModel: the test double every agent-loop test relies on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codeact.models import Completion, Model, ModelError, ScriptedModel, ToolCall, Usage
from codeact.models.stops import cut_at_stop


def test_replies_in_order_and_records_calls() -> None:
    model = ScriptedModel(["first", "second"])
    messages = [{"role": "user", "content": "hi"}]
    assert model.complete(messages).text == "first"
    messages.append({"role": "assistant", "content": "first"})
    assert model.complete(messages, stop=["x"]).text == "second"
    assert model.messages == [[{"role": "user", "content": "hi"}], messages]
    assert model.calls[1]["stop"] == ["x"]
    assert isinstance(model, Model)


def test_runs_out_of_replies() -> None:
    model = ScriptedModel(["only"])
    model.complete([])
    with pytest.raises(ModelError, match="ran out of replies: call 2 but only 1 given"):
        model.complete([])


def test_callable_and_completion_replies() -> None:
    echo = ScriptedModel([lambda messages: f"saw {len(messages)}"])
    assert echo.complete([{"role": "user", "content": "a"}] * 3).text == "saw 3"
    call = ToolCall(name="add", arguments={"a": 1})
    canned = Completion(text="", usage=Usage(10, 2, 4), finish_reason="tool_calls", tool_calls=[call])
    reply = ScriptedModel([canned]).complete([], tools=[{"type": "function"}])
    assert reply.tool_calls == [call] and reply.usage.cached_tokens == 4 and reply.finish_reason == "tool_calls"


def test_stop_sequences_cut_like_a_real_model() -> None:
    model = ScriptedModel(["<execute>print(1)</execute> and more", Completion("a STOP b", finish_reason="length")])
    first = model.complete([], stop=["</execute>"])
    assert (first.text, first.finish_reason) == ("<execute>print(1)", "stop")
    second = model.complete([], stop=["STOP"])
    assert (second.text, second.finish_reason) == ("a ", "stop")


@given(st.text(), st.lists(st.text(min_size=1), max_size=4))
def test_cut_at_stop_properties(text: str, stops: list[str]) -> None:
    cut, stopped = cut_at_stop(text, stops)
    assert text.startswith(cut)
    assert not any(stop in cut for stop in stops)
    assert stopped == any(stop in text for stop in stops)
    if stopped:
        assert any(text[len(cut):].startswith(stop) for stop in stops)
