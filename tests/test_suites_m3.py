"""The built-in m3 suite: size and shape, tool metadata, and every task's reference answer against its checker."""

from __future__ import annotations

import inspect
import json
import re
import typing
from collections import Counter
from typing import Any

import pytest

from codeact.bench.suite import Task
from codeact.bench.suites import load_suite
from codeact.bench.suites.m3 import DOMAINS, M3Suite
from codeact.bench.suites.m3.base import AmbiguousTask, namespace, single, unique_best

SUITE = M3Suite()
TASKS = SUITE.tasks()


def _wrong(expected: Any) -> Any:
    if isinstance(expected, bool):
        return not expected
    if isinstance(expected, (int, float)):
        return expected + 1
    if isinstance(expected, list):
        return expected[:-1] if expected else ["nothing"]
    return f"{expected} not"


def _render(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def test_size_and_domains() -> None:
    per_domain = Counter(t.domain for t in TASKS)
    assert len(TASKS) >= 80
    assert len(per_domain) >= 5
    assert min(per_domain.values()) >= 13
    for domain in DOMAINS:
        assert 6 <= len(domain.make_tools()) <= 8, domain.name


def test_ids_are_unique_and_domain_scoped() -> None:
    ids = [t.id for t in TASKS]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(rf"{t.domain}/\d{{3}}", t.id) for t in TASKS)


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_every_tool_documents_itself(domain: Any) -> None:
    for tool in domain.make_tools():
        assert tool.doc.strip(), tool.name
        assert tool.runs_on == "host"
        hints = typing.get_type_hints(tool.fn)
        params = inspect.signature(tool.fn).parameters
        assert set(params) <= set(hints), tool.name
        assert "return" in hints, tool.name
        assert tool.json_schema()["function"]["name"] == tool.name


def test_tasks_need_several_calls_and_say_the_answer_form() -> None:
    for task in TASKS:
        assert task.meta["reference_calls"] >= 2, task.id
        assert len(task.turns) == 1 and "Answer with" in task.turns[0], task.id
        assert task.expected is not None and task.expected != "", task.id


def test_difficulty_varies() -> None:
    calls = [t.meta["reference_calls"] for t in TASKS]
    assert min(calls) <= 3 and max(calls) >= 15


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.id)
def test_reference_answer_passes_and_a_wrong_one_fails(task: Task) -> None:
    env = SUITE.make_env(task)
    assert SUITE.check(task, [_render(task.expected)], env).success
    assert not SUITE.check(task, [_render(_wrong(task.expected))], env).success


def test_expected_values_are_computed_the_same_way_every_time() -> None:
    """Reference solutions book seats, fill carts and move money: none of it may leak into shared fixtures."""
    again = M3Suite().tasks()
    assert [t.expected for t in again] == [t.expected for t in TASKS]


def test_only_the_last_answer_counts() -> None:
    task = next(t for t in TASKS if isinstance(t.expected, float))
    env = SUITE.make_env(task)
    right, wrong = _render(task.expected), _render(_wrong(task.expected))
    assert SUITE.check(task, [wrong, right], env).success
    assert not SUITE.check(task, [right, wrong], env).success
    assert SUITE.check(task, [None], env).detail == "no answer"
    assert not SUITE.check(task, [], env).success


def test_money_answers_may_be_off_by_a_cent() -> None:
    task = next(t for t in TASKS if isinstance(t.expected, float) and t.expected > 100)
    env = SUITE.make_env(task)
    assert SUITE.check(task, [str(round(task.expected + 0.01, 2))], env).success
    assert not SUITE.check(task, [str(round(task.expected + 0.05, 2))], env).success


def test_make_env_gives_fresh_state() -> None:
    task = next(t for t in TASKS if t.domain == "shop")
    first, second = namespace(SUITE.make_env(task).tools), namespace(SUITE.make_env(task).tools)
    product = first.search_products("kettle")[0]["product_id"]
    first.add_to_cart(product, 1)
    assert first.view_cart()["items"] and not second.view_cart()["items"]


def test_stateful_tools_change_later_answers() -> None:
    tools = namespace(SUITE.make_env(next(t for t in TASKS if t.domain == "travel")).tools)
    flight = tools.search_flights("LIS", "MAD", "2025-06-01")[0]["flight_id"]
    seats = tools.flight_details(flight)["seats_left"]
    booking = tools.book_flight(flight, 2)
    assert tools.flight_details(flight)["seats_left"] == seats - 2
    assert booking["total_eur"] == round(2 * tools.flight_details(flight)["price_eur"], 2)
    with pytest.raises(ValueError, match="left"):
        tools.book_flight(flight, seats)


def test_tool_errors_say_what_to_do() -> None:
    tools = namespace(SUITE.make_env(next(t for t in TASKS if t.domain == "travel")).tools)
    with pytest.raises(ValueError, match="airport_code"):
        tools.search_flights("Lisbon", "Madrid", "2025-06-01")


def test_ambiguity_guards() -> None:
    assert unique_best([3, 1, 2], key=lambda x: x) == 1
    assert unique_best([3, 1, 2], key=lambda x: x, largest=True) == 3
    with pytest.raises(AmbiguousTask):
        unique_best([1, 2, 1], key=lambda x: x)
    with pytest.raises(AmbiguousTask):
        unique_best([], key=lambda x: x)
    assert single(["a"]) == "a"
    with pytest.raises(AmbiguousTask):
        single(["a", "b"])


def test_load_suite_by_name() -> None:
    suite = load_suite("m3")
    assert suite.name == "m3" and len(suite.tasks()) == len(TASKS)
