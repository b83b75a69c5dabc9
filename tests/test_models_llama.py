"""LlamaCppModel with the real embedded 0.5B model: completions, stops, and KV-cache reuse across turns."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeact.models import Completion, LlamaCppModel, ModelError, embedded_model

pytestmark = pytest.mark.slow

SYSTEM = {"role": "system", "content": "You are a terse assistant. Write Python inside <execute></execute> tags."}


@pytest.fixture(scope="module")
def model(embedded_small_model_path: Path) -> LlamaCppModel:
    """The catalogue model through its deferred path, as ``resolve_model`` builds it."""
    return embedded_model("qwen2.5-coder-0.5b", n_ctx=2048, max_tokens=48)


def test_completion(model: LlamaCppModel) -> None:
    messages = [SYSTEM, {"role": "user", "content": "Reply with the single word: hello"}]
    completion = model.complete(messages)
    assert "hello" in completion.text.lower()
    assert completion.finish_reason == "stop"
    assert completion.usage.prompt_tokens == model.count_tokens(messages)
    assert 0 < completion.usage.completion_tokens < 48


def test_stop_sequence(model: LlamaCppModel) -> None:
    ask = {"role": "user", "content": "Count from 1 to 10 in digits, separated by commas. Output only the numbers."}
    completion = model.complete([SYSTEM, ask], stop=["5"])
    assert "4" in completion.text and "5" not in completion.text
    assert completion.finish_reason == "stop"


def test_second_turn_only_evaluates_new_tokens(model: LlamaCppModel) -> None:
    history = [SYSTEM, {"role": "user", "content": "Print the sum of the squares of 1..10 with Python."}]
    first = model.complete(history, stop=["</execute>"])
    history += [
        {"role": "assistant", "content": first.text + "</execute>"},
        {"role": "user", "content": "Observation:\n385\nNow print the sum of the cubes of 1..10."},
    ]
    second = model.complete(history, stop=["</execute>"])
    assert second.usage.prompt_tokens == model.count_tokens(history)
    evaluated_before = first.usage.prompt_tokens + first.usage.completion_tokens
    new = second.usage.prompt_tokens - evaluated_before
    assert second.usage.cached_tokens >= evaluated_before - 2, "the previous prompt and reply stay in the KV cache"
    assert second.usage.evaluated_prompt_tokens <= new + 2


def test_generated_tokens_are_kept_when_retokenizing_differs(model: LlamaCppModel) -> None:
    """A model may write ``<`` ``solution`` ``>`` where the tokenizer would produce ``<s`` ``olution`` ``>``; the
    next prompt must reuse the generated tokens or the KV cache breaks right after every such reply."""
    engine = model._engine()
    llm = engine._llm
    head = [SYSTEM, {"role": "user", "content": "Answer."}]
    prompt = engine.tokenize(head)
    generated = [token for piece in (b"<", b"solution", b">42") for token in llm.tokenize(piece, add_bos=False)]
    assert generated != llm.tokenize(b"<solution>42", add_bos=False), "precondition: not the canonical tokens"
    llm.reset()
    llm.eval(prompt + generated)  # the state after the model generated that reply
    history = [*head, {"role": "assistant", "content": "<solution>42"}, {"role": "user", "content": "Go on."}]
    assert engine.tokenize(history)[: len(prompt) + len(generated)] == prompt + generated
    assert model.complete(history).usage.cached_tokens == len(prompt) + len(generated)


def test_changed_history_is_evaluated_again(model: LlamaCppModel) -> None:
    """cached_tokens is measured, not assumed: a prompt that diverges early reuses only the shared prefix."""
    model.complete([SYSTEM, {"role": "user", "content": "Say hi."}])
    other = [{"role": "system", "content": "Different system prompt entirely."}, {"role": "user", "content": "Say hi."}]
    again = model.complete(other)
    assert again.usage.cached_tokens < 5
    assert again.usage.evaluated_prompt_tokens == again.usage.prompt_tokens - again.usage.cached_tokens


def test_history_too_long(embedded_small_model_path: Path) -> None:
    tiny = LlamaCppModel(embedded_small_model_path, n_ctx=128)
    assert tiny.name == "qwen2.5-coder-0.5b"
    with pytest.raises(ModelError, match=r"^history too long: \d+ tokens > n_ctx 128 of qwen2\.5-coder-0\.5b; use"):
        tiny.complete([{"role": "user", "content": "word " * 200}])


def test_completion_is_deterministic(model: LlamaCppModel) -> None:
    messages = [SYSTEM, {"role": "user", "content": "Name one prime number above 100."}]
    first: Completion = model.complete(messages)
    assert model.complete(messages).text == first.text
