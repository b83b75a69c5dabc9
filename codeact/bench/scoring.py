"""Compare an agent's final answer (text) with a task's expected value (any Python value).

The comparison follows the expected value's type, because only it says what the answer means: a number is
compared as a number with a tolerance (``42.0`` is ``42``, but ``3.9`` is never ``3``: no truncating casts), a
string as normalised text, and lists, tuples, sets and dicts structurally after reading the answer as JSON or a
Python literal. Two integers are compared exactly: a relative tolerance would let a count of a million be off
by one.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from codeact.bench.suite import Score

_QUOTES = "'\"`"
_TRUE = {"true", "yes"}
_FALSE = {"false", "no"}
_NONE = {"none", "null"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_PARSE_ERRORS = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError)
_MISSING = object()


@dataclass(frozen=True)
class Tolerance:
    rel: float = 1e-6
    abs: float = 1e-9


def score_last_answer(expected: Any, answers: list[str | None], *, abs_tol: float = 1e-9) -> Score:
    """The usual check of a single-question task: only the last answer counts (a retry within the episode is
    fine), compared with ``answers_match``."""
    last = answers[-1] if answers else None
    if last is None:
        return Score(False, "no answer")
    if answers_match(last, expected, abs_tol=abs_tol):
        return Score(True, "")
    return Score(False, f"expected {expected!r}, got {last!r}")


def answers_match(answer: str | None, expected: Any, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9) -> bool:
    """True when the answer text denotes ``expected``; ``None`` (no answer) never matches."""
    if answer is None:
        return False
    return values_match(answer, expected, Tolerance(rel_tol, abs_tol))


def values_match(got: Any, expected: Any, tol: Tolerance = Tolerance()) -> bool:
    """``got`` is answer text or a value read from it (an element of a parsed list, say)."""
    if isinstance(expected, bool):
        if isinstance(got, bool):
            return got == expected
        return isinstance(got, str) and normalize_text(got) in (_TRUE if expected else _FALSE)
    if isinstance(expected, (int, float)):
        return _numbers_match(as_number(got), expected, tol)
    if isinstance(expected, str):
        return not isinstance(got, (list, tuple, dict, set, frozenset)) and normalize_text(str(got)) == normalize_text(
            expected
        )
    if isinstance(expected, (list, tuple)):
        items = _as_sequence(got, flat=not any(_is_container(e) for e in expected))
        return items is not None and len(items) == len(expected) and all(
            values_match(g, e, tol) for g, e in zip(items, expected, strict=True)
        )
    if isinstance(expected, (set, frozenset)):
        items = _as_sequence(got, flat=True)
        return items is not None and len(items) == len(expected) and _match_unordered(items, list(expected), tol)
    if isinstance(expected, dict):
        return _dicts_match(_parse(got) if isinstance(got, str) else got, expected, tol)
    if expected is None:
        return got is None or (isinstance(got, str) and normalize_text(got) in _NONE)
    return normalize_text(str(got)) == normalize_text(str(expected))


def normalize_text(text: str) -> str:
    """Case, runs of whitespace, surrounding quotes and a trailing period do not change what an answer says."""
    text = " ".join(text.split()).casefold()
    previous = None
    while previous != text:
        previous = text
        text = text.strip().removesuffix(".").strip(_QUOTES)
    return text


def as_number(got: Any) -> int | float | None:
    """The number an answer denotes: ``42``, ``42.0``, ``"1,234.5"``, ``'7'.``; ``None`` if it is not one."""
    if isinstance(got, bool):
        return None
    if isinstance(got, (int, float)):
        return got
    if not isinstance(got, str):
        return None
    text = normalize_text(got)
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    for convert in (int, float):
        try:
            return convert(text)
        except (ValueError, OverflowError):
            continue
    return None


def _numbers_match(got: int | float | None, expected: int | float, tol: Tolerance) -> bool:
    if got is None:
        return False
    if isinstance(got, int) and isinstance(expected, int):
        return got == expected
    try:
        got_f, expected_f = float(got), float(expected)
    except OverflowError:  # an integer too large for a float: only an exact match can count
        return got == expected
    if math.isnan(expected_f):
        return math.isnan(got_f)
    return math.isclose(got_f, expected_f, rel_tol=tol.rel, abs_tol=tol.abs)


def _parse(text: str) -> Any:
    """The value an answer text spells as JSON or a Python literal, else the text itself."""
    stripped = text.strip().removesuffix(".").strip()
    for load in (json.loads, ast.literal_eval):
        try:
            return load(stripped)
        except _PARSE_ERRORS:
            continue
    return text


def _is_container(value: Any) -> bool:
    return isinstance(value, (list, tuple, set, frozenset, dict))


def _as_sequence(got: Any, *, flat: bool) -> list[Any] | None:
    """Items of a parsed list/tuple/set; a flat expected list also accepts ``a, b, c`` written as plain text."""
    value = _parse(got) if isinstance(got, str) else got
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    if flat and isinstance(got, str):
        inner = got.strip().removesuffix(".").strip().removeprefix("[").removesuffix("]").strip()
        return [part.strip() for part in inner.split(",")] if inner else []
    return None


def _match_unordered(items: list[Any], expected: list[Any], tol: Tolerance) -> bool:
    remaining = list(items)
    for e in expected:
        index = next((i for i, g in enumerate(remaining) if values_match(g, e, tol)), None)
        if index is None:
            return False
        remaining.pop(index)
    return True


def _dicts_match(got: Any, expected: dict[Any, Any], tol: Tolerance) -> bool:
    if not isinstance(got, dict) or len(got) != len(expected):
        return False
    remaining = dict(got)
    for key, value in expected.items():
        match = next((k for k in remaining if values_match(k, key, tol)), _MISSING)
        if match is _MISSING or not values_match(remaining.pop(match), value, tol):
            return False
    return True

