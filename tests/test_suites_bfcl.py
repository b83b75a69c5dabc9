"""The BFCL multi-turn adapter: loading, fresh state, and BFCL's checks on replayed ground truth.

"Replaying the ground truth" plays the agent: it calls the episode's tools exactly as the possible-answer file
says, turn by turn, the way agent code would call them.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

pytest.importorskip("bfcl_eval", reason="the bfcl extra is not installed (pip install --no-deps bfcl-eval)")

from codeact.bench.suite import Env, Task  # noqa: E402
from codeact.bench.suites import BFCL_CATEGORIES, SuiteError, load_suite, visible_tools  # noqa: E402
from codeact.bench.suites.bfcl import BfclSuite  # noqa: E402

SUITES = {category: BfclSuite((category,)) for category in BFCL_CATEGORIES}


def _call(env: Env, call: str) -> None:
    """Run one ground-truth call string against the episode's tools, as agent code would."""
    tools = {tool.name: tool for tool in env.tools}
    try:
        eval(call, {"__builtins__": {}}, tools)  # noqa: S307 - the package's own answer strings
    except Exception:  # noqa: BLE001 - a failing call is part of the episode, like in agent code
        pass


def _replay(suite: BfclSuite, task: Task, *, skip_turn: int | None = None) -> Env:
    env = suite.make_env(task)
    for index, calls in enumerate(task.expected):
        suite.begin_turn(task, index, env)
        if index != skip_turn:
            for call in calls:
                _call(env, call)
    return env


@pytest.mark.parametrize("category", BFCL_CATEGORIES)
def test_each_category_loads(category: str) -> None:
    suite = load_suite(f"bfcl:{category}")
    tasks = suite.tasks()
    assert suite.name == f"bfcl:{category}"
    assert len(tasks) == 200
    for task in tasks:
        assert task.domain == category
        assert task.id.startswith(category)
        assert len(task.turns) == len(task.expected) >= 1
        assert all(isinstance(turn, str) and turn.strip() for turn in task.turns)
        assert all(isinstance(call, str) for calls in task.expected for call in calls)


def test_all_categories_together() -> None:
    suite = load_suite("bfcl")
    assert suite.name == "bfcl"
    assert len(suite.tasks()) == 800


def test_unknown_category_is_a_clear_error() -> None:
    with pytest.raises(SuiteError, match="multi_turn_base"):
        load_suite("bfcl:multi_turn_nope")


@pytest.mark.parametrize("category", BFCL_CATEGORIES)
def test_replayed_ground_truth_passes_and_a_no_op_episode_fails(category: str) -> None:
    suite = SUITES[category]
    for task in suite.tasks():
        env = _replay(suite, task)
        score = suite.check(task, [None] * len(task.turns), env)
        assert score.success, (task.id, score.detail)

        idle = suite.make_env(task)
        for index in range(len(task.turns)):
            suite.begin_turn(task, index, idle)
        assert not suite.check(task, [None] * len(task.turns), idle).success, task.id


def test_skipping_a_turn_fails() -> None:
    suite = SUITES["multi_turn_base"]
    task = suite.tasks()[0]
    env = _replay(suite, task, skip_turn=len(task.turns) - 1)
    score = suite.check(task, [None] * len(task.turns), env)
    assert not score.success
    assert score.detail.startswith(f"turn {len(task.turns)}:")


def test_a_wrong_call_is_caught_by_the_state_check() -> None:
    suite = SUITES["multi_turn_base"]
    task = suite.tasks()[0]  # turn 1 moves final_report.pdf into a new 'temp' directory
    env = suite.make_env(task)
    suite.begin_turn(task, 0, env)
    _call(env, "cd(folder='document')")
    _call(env, "mkdir(dir_name='tmp')")
    for index in range(1, len(task.turns)):
        suite.begin_turn(task, index, env)
    score = suite.check(task, [None] * len(task.turns), env)
    assert not score.success and "does not match the state" in score.detail


def test_episode_without_turn_boundaries_fails_and_says_why() -> None:
    suite = SUITES["multi_turn_base"]
    task = next(t for t in suite.tasks() if len(t.turns) > 1)
    env = suite.make_env(task)
    for calls in task.expected:
        for call in calls:
            _call(env, call)
    score = suite.check(task, [None] * len(task.turns), env)
    assert not score.success and "begin_turn" in score.detail


def test_make_env_gives_fresh_instances() -> None:
    suite = SUITES["multi_turn_base"]
    task = suite.tasks()[0]
    first, second = suite.make_env(task), suite.make_env(task)
    assert first.state.instances["GorillaFileSystem"] is not second.state.instances["GorillaFileSystem"]
    _call(first, "cd(folder='document')")
    _call(first, "mkdir(dir_name='fresh_dir')")
    tools = {t.name: t for t in second.tools}
    tools["cd"](folder="document")
    assert "fresh_dir" not in tools["ls"]()["current_directory_content"]


def test_calls_and_errors_are_recorded_per_turn() -> None:
    suite = SUITES["multi_turn_base"]
    task = suite.tasks()[0]
    env = suite.make_env(task)
    tools = {t.name: t for t in env.tools}
    tools["cd"](folder="document")
    suite.begin_turn(task, 1, env)
    with pytest.raises(TypeError):
        tools["cd"](no_such_argument=1)
    assert env.state.results[0] == [json.dumps({"current_working_directory": "document"})]
    assert env.state.results[1][0].startswith("Error during execution:")


def _doc_names(class_name: str) -> set[str]:
    from bfcl_eval.constants.executable_backend_config import (
        MULTI_TURN_FUNC_DOC_FILE_MAPPING,
    )

    path = resources.files("bfcl_eval") / "data" / "multi_turn_func_doc" / MULTI_TURN_FUNC_DOC_FILE_MAPPING[class_name]
    return {json.loads(line)["name"] for line in path.read_text().splitlines() if line.strip()}


def test_tools_are_the_documented_bfcl_functions() -> None:
    suite = SUITES["multi_turn_base"]
    seen: set[str] = set()
    for task in suite.tasks():
        classes = tuple(task.meta["involved_classes"])
        if classes in seen:
            continue
        seen.add(classes)
        tools = suite.make_env(task).tools
        assert {t.name for t in tools} == set().union(*(_doc_names(c) for c in classes))
        for tool in tools:
            assert tool.doc.strip() and tool.runs_on == "host"
            assert "self" not in tool.python_stub()


def test_miss_func_holds_tools_back_until_their_turn() -> None:
    suite = SUITES["multi_turn_miss_func"]
    task = suite.tasks()[0]
    added: dict[int, list[str]] = task.meta["tools_added_at_turn"]
    turn, names = next(iter(added.items()))
    env = suite.make_env(task)
    before = {t.name for t in visible_tools(task, env, turn - 1)}
    after = {t.name for t in visible_tools(task, env, turn)}
    assert not set(names) & before
    assert set(names) <= after
    assert after == {t.name for t in env.tools}
    assert "updated some more functions" in task.turns[turn]


def test_every_miss_func_task_says_which_tools_come_later() -> None:
    tasks: list[Any] = SUITES["multi_turn_miss_func"].tasks()
    assert all(t.meta.get("tools_added_at_turn") for t in tasks)
    assert not any("tools_added_at_turn" in t.meta for t in SUITES["multi_turn_base"].tasks())
