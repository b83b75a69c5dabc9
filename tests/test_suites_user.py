"""User suites: the shipped example, and the one-line errors a malformed suite directory produces."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeact.bench.suite import Score
from codeact.bench.suites import BUILTIN_SUITES, SuiteError, load_suite
from codeact.bench.suites.user import UserSuite

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "my_suite"


def _tools(suite: Any, task: Any) -> tuple[Any, SimpleNamespace]:
    env = suite.make_env(task)
    return env, SimpleNamespace(**{t.name: t for t in env.tools})


def _solve_example(task_id: str, t: SimpleNamespace) -> list[str]:
    """What a competent agent would do for each example task: per-turn answers, computed through the tools."""
    if task_id == "library/1":
        return [str(t.book_info(t.search_books("Dune")[0])["copies"])]
    if task_id == "library/2":
        return [t.book_info(t.search_books("Solaris")[0])["author"]]
    if task_id == "library/3":
        return [json.dumps(t.search_books("Le Guin"))]
    if task_id == "library/4":
        dune = t.search_books("Dune")[0]
        t.borrow(dune, "ana")
        return ["done", str(t.book_info(dune)["copies"])]
    for book in t.search_books("Le Guin"):
        t.borrow(book, "ben")
    return [str(len(t.loans_of("ben")))]


def test_example_suite_loads() -> None:
    suite = load_suite(str(EXAMPLE))
    tasks = suite.tasks()
    assert suite.name == "my_suite"
    assert [t.id for t in tasks] == [f"library/{i}" for i in range(1, 6)]
    assert tasks[3].turns[0].startswith("Borrow Dune") and len(tasks[3].turns) == 2
    assert tasks[0].domain == "my_suite" and tasks[4].domain == "lending"
    env = suite.make_env(tasks[0])
    assert [t.name for t in env.tools] == ["search_books", "book_info", "borrow", "loans_of"]
    assert all(t.runs_on == "host" and t.doc for t in env.tools)


@pytest.mark.parametrize("index", range(5))
def test_example_tasks_pass_when_solved_and_fail_otherwise(index: int) -> None:
    suite = load_suite(str(EXAMPLE))
    task = suite.tasks()[index]
    env, tools = _tools(suite, task)
    answers = _solve_example(task.id, tools)
    assert suite.check(task, answers, env).success
    assert not suite.check(task, answers[:-1] + ["42"], env).success
    assert not suite.check(task, [None] * len(task.turns), env).success


def test_example_checker_inspects_episode_state() -> None:
    suite = load_suite(str(EXAMPLE))
    task = suite.tasks()[4]
    env = suite.make_env(task)  # fresh library: nothing borrowed, so the right number alone is not enough
    score = suite.check(task, ["2"], env)
    assert not score.success and "ben" in score.detail


def test_each_episode_gets_a_fresh_library() -> None:
    suite = load_suite(str(EXAMPLE))
    task = suite.tasks()[0]
    (_, first), (_, second) = _tools(suite, task), _tools(suite, task)
    first.borrow("B1", "ana")
    assert first.book_info("B1")["copies"] == 1 and second.book_info("B1")["copies"] == 2


def _suite(tmp_path: Path, tasks: str | None, tools: str | None, checker: str | None = None) -> Path:
    for name, text in (("tasks.jsonl", tasks), ("tools.py", tools), ("checker.py", checker)):
        if text is not None:
            (tmp_path / name).write_text(text)
    return tmp_path


GOOD_TASK = '{"id": "t1", "prompt": "What is 2 + 3? Answer with the number only.", "expected": 5}\n'
GOOD_TOOLS = '''
from math import sqrt

def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b

def _helper() -> None:
    pass
'''


def test_plain_functions_become_tools(tmp_path: Path) -> None:
    suite = UserSuite(_suite(tmp_path, GOOD_TASK, GOOD_TOOLS))
    task = suite.tasks()[0]
    env = suite.make_env(task)
    assert [t.name for t in env.tools] == ["add"]  # not the imported sqrt, not the private helper
    assert env.state is None
    assert suite.check(task, ["5"], env).success and not suite.check(task, ["6"], env).success


def test_checker_may_return_a_bool(tmp_path: Path) -> None:
    checker = "def check(task, answers, state):\n    return answers[-1] == 'yes'\n"
    task_line = '{"id": "t1", "turns": ["Say yes.", "Again."]}\n'
    suite = UserSuite(_suite(tmp_path, task_line, GOOD_TOOLS, checker))
    task = suite.tasks()[0]
    env = suite.make_env(task)
    assert suite.check(task, ["no", "yes"], env) == Score(True, "")
    assert not suite.check(task, ["yes", "no"], env).success


def test_checker_returning_something_else_is_reported(tmp_path: Path) -> None:
    checker = "def check(task, answers, state):\n    return 'maybe'\n"
    suite = UserSuite(_suite(tmp_path, GOOD_TASK, GOOD_TOOLS, checker))
    task = suite.tasks()[0]
    with pytest.raises(SuiteError, match="return a bool or a Score"):
        suite.check(task, ["5"], suite.make_env(task))


@pytest.mark.parametrize(
    ("tasks", "tools", "checker", "message"),
    [
        (None, GOOD_TOOLS, None, "missing tasks.jsonl"),
        (GOOD_TASK, None, None, "missing tools.py"),
        (GOOD_TASK + "{not json\n", GOOD_TOOLS, None, "tasks.jsonl line 2: invalid JSON"),
        ("[1, 2]\n", GOOD_TOOLS, None, "line 1: expected a JSON object, got list"),
        ('{"prompt": "x", "expected": 1}\n', GOOD_TOOLS, None, "line 1: 'id' must be a non-empty string"),
        ('{"id": "a", "expected": 1}\n', GOOD_TOOLS, None, "give either 'turns'"),
        ('{"id": "a", "prompt": "x", "turns": ["y"], "expected": 1}\n', GOOD_TOOLS, None, "not both or none"),
        ('{"id": "a", "turns": [], "expected": 1}\n', GOOD_TOOLS, None, "must hold non-empty strings"),
        ('{"id": "a", "prompt": "x"}\n', GOOD_TOOLS, None, "'expected' is missing"),
        ('{"id": "a", "prompt": "x", "expected": 1, "answer": 2}\n', GOOD_TOOLS, None, "unknown field 'answer'"),
        ('{"id": "a", "prompt": "x", "expected": 1, "meta": []}\n', GOOD_TOOLS, None, "'meta' must be a JSON object"),
        (GOOD_TASK + GOOD_TASK, GOOD_TOOLS, None, "line 2: duplicate id 't1'"),
        ("\n\n", GOOD_TOOLS, None, "no tasks"),
        (GOOD_TASK, "def add(a: int) -> int:\n    return a\n", None, "tool 'add' has no docstring"),
        (GOOD_TASK, 'def add(a, b: int) -> int:\n    """Add."""\n', None, "no type hint for parameter 'a'"),
        (GOOD_TASK, "raise RuntimeError('boom')\n", None, "tools.py: cannot import it (RuntimeError: boom)"),
        (GOOD_TASK, "X = 1\n", None, "no tools"),
        (GOOD_TASK, "def make_tools():\n    return 'add'\n", None, "make_tools() must return a list"),
        (GOOD_TASK, GOOD_TOOLS, "def judge(task, answers, state):\n    return True\n", "define check("),
    ],
)
def test_malformed_suites_fail_with_one_line(
    tmp_path: Path, tasks: str | None, tools: str | None, checker: str | None, message: str
) -> None:
    with pytest.raises(SuiteError) as excinfo:
        load_suite(str(_suite(tmp_path, tasks, tools, checker)))
    text = str(excinfo.value)
    assert message in text and "\n" not in text


def test_expected_is_optional_with_a_checker(tmp_path: Path) -> None:
    checker = "def check(task, answers, state):\n    return True\n"
    suite = UserSuite(_suite(tmp_path, '{"id": "a", "prompt": "x"}\n', GOOD_TOOLS, checker))
    assert suite.tasks()[0].expected is None


def test_two_suites_with_the_same_module_names_do_not_collide(tmp_path: Path) -> None:
    other_tools = 'def mul(a: int, b: int) -> int:\n    """Multiply."""\n    return a * b\n'
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = UserSuite(_suite(tmp_path / "one", GOOD_TASK, GOOD_TOOLS))
    second = UserSuite(_suite(tmp_path / "two", GOOD_TASK, other_tools))
    assert [t.name for t in first.make_env(first.tasks()[0]).tools] == ["add"]
    assert [t.name for t in second.make_env(second.tasks()[0]).tools] == ["mul"]


def test_a_copied_example_is_a_suite_named_after_its_directory(tmp_path: Path) -> None:
    copy = tmp_path / "library_bench"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert load_suite(str(copy)).name == "library_bench"


def test_unknown_names_and_paths() -> None:
    with pytest.raises(SuiteError, match="unknown suite 'nope'") as excinfo:
        load_suite("nope")
    assert all(name in str(excinfo.value) for name in BUILTIN_SUITES)
    with pytest.raises(SuiteError, match="is not a directory"):
        UserSuite("/nonexistent/suite")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
_MESSAGE = st.text(min_size=1).filter(str.strip)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1), st.lists(_MESSAGE, min_size=1, max_size=3), _JSON),
                min_size=1, max_size=4, unique_by=lambda row: row[0]))
def test_any_valid_tasks_file_round_trips(rows: list[tuple[str, list[str], Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lines = [json.dumps({"id": i, "turns": turns, "expected": expected}, ensure_ascii=False)
                 for i, turns, expected in rows]
        (Path(tmp) / "tools.py").write_text(GOOD_TOOLS)
        (Path(tmp) / "tasks.jsonl").write_text("\r\n".join(lines) + "\n", encoding="utf-8")
        suite = UserSuite(tmp)
        assert [(t.id, t.turns, t.expected) for t in suite.tasks()] == rows
