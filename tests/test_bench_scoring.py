"""The scorer: numbers with a tolerance (never a truncating cast), normalised strings, structural containers."""

from __future__ import annotations

import json
import math
import string
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from codeact.bench.scoring import answers_match, normalize_text

finite = st.floats(allow_nan=False, allow_infinity=False)
words = st.text(alphabet=string.ascii_letters + string.digits + " -_'\".", max_size=20)
flat_items = st.integers(-10**6, 10**6) | finite | st.text(alphabet=string.ascii_letters + " ", max_size=8)


@given(finite)
def test_a_float_matches_its_own_spellings(x: float) -> None:
    assert answers_match(repr(x), x) and answers_match(f" {x!r}. ", x) and answers_match(f"{x:.12g}", x)


@given(st.integers())
def test_integers_match_exactly(n: int) -> None:
    assert answers_match(str(n), n)
    if abs(n) < 2**53:
        assert answers_match(f"{n}.0", n)
    assert not answers_match(str(n + 1), n)


@given(st.integers(-1000, 1000), st.integers(1, 9))
def test_no_truncating_cast(n: int, tenth: int) -> None:
    assert not answers_match(f"{n}.{tenth}", n)


@given(finite, st.floats(min_value=2e-6, max_value=1.0))
def test_relative_tolerance_is_respected(x: float, rel: float) -> None:
    assume(abs(x) > 1e-3 and abs(x) < 1e300)
    assert answers_match(repr(x * (1 + 1e-8)), x)
    assert not answers_match(repr(x * (1 + rel)), x)
    assert answers_match(repr(x * (1 + rel)), x, rel_tol=rel * 1.01)


@given(words, st.sampled_from([str.upper, str.lower, str.title]), st.sampled_from(["{}", "'{}'", '"{}".', "  {}\n"]))
def test_strings_are_normalised(s: str, case: Any, wrap: str) -> None:
    assert answers_match(wrap.format(case(s)), s)


@given(words, words)
def test_different_strings_do_not_match(a: str, b: str) -> None:
    assume(normalize_text(a) != normalize_text(b))
    assert not answers_match(a, b)


@given(st.lists(flat_items, max_size=6), st.sampled_from([json.dumps, repr, lambda v: repr(tuple(v))]))
def test_lists_match_structurally(items: list[Any], spell: Any) -> None:
    assert answers_match(spell(items), items)


@given(st.lists(st.integers(-100, 100), min_size=1, max_size=6), st.data())
def test_a_changed_or_reordered_list_does_not_match(items: list[int], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(items) - 1))
    changed = items.copy()
    changed[i] += 1
    assert not answers_match(json.dumps(changed), items)
    assert not answers_match(json.dumps(items + [0]), items)
    assume(items != items[::-1])
    assert not answers_match(json.dumps(items[::-1]), items)


@given(st.dictionaries(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=5), flat_items, max_size=4))
def test_dicts_match_structurally(d: dict[str, Any]) -> None:
    assert answers_match(json.dumps(d), d) and answers_match(repr(d), d)
    if d:
        key = next(iter(d))
        assert not answers_match(json.dumps({k: v for k, v in d.items() if k != key}), d)


@given(st.text(), st.none() | st.booleans() | flat_items | st.lists(flat_items) | st.dictionaries(st.text(), flat_items)
       | st.frozensets(st.integers()) | st.floats())
def test_scoring_is_total(answer: str, expected: Any) -> None:
    assert answers_match(answer, expected) in (True, False)


@pytest.mark.parametrize("answer, expected, ok", [
    ("42", 42, True), ("42.0", 42, True), ("4.2e1", 42, True), ("1,234.5", 1234.5, True), ("'7'.", 7, True),
    ("3.9", 3, False), ("3", 3.0000000001, True), ("0.1 + 0.2", 0.3, False), ("0.30000000000000004", 0.3, True),
    ("forty-two", 42, False), ("nan", math.nan, True), ("inf", math.inf, True), (None, 42, False),
    ("Yes", True, True), ("false", False, True), ("1", True, False),
    ("The Eiffel Tower.", "the eiffel tower", True), ("`LIS`", "LIS", True), ("LISA", "LIS", False),
    ("['a', 'b']", ["a", "b"], True), ("a, b", ["a", "b"], True), ("[1, 2.0000000001]", (1, 2.0), True),
    ("[[1, 2], [3]]", [[1, 2], [3]], True), ("[1, 2], [3]", [[1, 2], [3]], True), ("1, 2, 3", [[1, 2], [3]], False),
    ("{3, 1, 2}", {1, 2, 3}, True), ("[2, 1]", {1, 2}, True), ("[1, 1]", {1, 2}, False),
    ('{"A": 1.0}', {"a": 1}, True), ("{'a': 1, 'b': 2}", {"a": 1}, False),
    ("null", None, True), ("0", None, False),
])
def test_examples(answer: str | None, expected: Any, ok: bool) -> None:
    assert answers_match(answer, expected) is ok


def test_tolerances_are_configurable() -> None:
    assert not answers_match("100.5", 100.0)
    assert answers_match("100.5", 100.0, rel_tol=0.01)
    assert answers_match("0.004", 0.0, abs_tol=0.01)
