"""User suites: a directory with ``tasks.jsonl``, ``tools.py`` and, optionally, ``checker.py``.

``tasks.jsonl`` holds one JSON object per line: ``id``, ``turns`` (a list of user messages) or ``prompt`` (one
message), ``expected`` (needed unless ``checker.py`` decides), and optional ``domain`` and ``meta``.
``tools.py`` either defines ``make_tools()`` (called once per episode; it returns a list of tools, or a
``(tools, state)`` pair whose state the checker receives) or, for stateless tools, plain public functions, each
with a docstring and type hints. ``checker.py`` defines ``check(task, answers, state) -> bool | Score``; without
it the last answer is compared with ``expected`` structurally.

Everything is validated when the suite loads, so a mistake surfaces as one line naming the file and the fix,
not as a crash in the middle of a benchmark run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codeact.bench.scoring import score_last_answer
from codeact.bench.suite import Env, Score, SuiteError, Task
from codeact.tools import Tool, as_tool

TASKS_FILE, TOOLS_FILE, CHECKER_FILE = "tasks.jsonl", "tools.py", "checker.py"


class UserSuite:
    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise SuiteError(f"suite {str(directory)!r} is not a directory")
        for required in (TASKS_FILE, TOOLS_FILE):
            if not (self.directory / required).is_file():
                raise SuiteError(f"{self.directory}: missing {required} (see docs/suites.md for the format)")
        self.name = self.directory.resolve().name
        self._tools_module = _import(self.directory / TOOLS_FILE, self.name)
        checker = self.directory / CHECKER_FILE
        self._check = _checker(_import(checker, self.name)) if checker.is_file() else None
        self._tasks = _read_tasks(self.directory / TASKS_FILE, self.name, needs_expected=self._check is None)
        self._by_id = {t.id: t for t in self._tasks}
        self.make_env(self._tasks[0])  # validates the tools now rather than mid-run

    def tasks(self) -> list[Task]:
        return list(self._tasks)

    def make_env(self, task: Task) -> Env:
        tools, state = _episode_tools(self._tools_module)
        return Env(tools=tools, state=state)

    def check(self, task: Task, answers: list[str | None], env: Env) -> Score:
        if self._check is None:
            return score_last_answer(task.expected, answers)
        verdict = self._check(task, answers, env.state)
        if isinstance(verdict, Score):
            return verdict
        if isinstance(verdict, bool):
            return Score(verdict, "")
        raise SuiteError(f"{CHECKER_FILE}: check() returned {type(verdict).__name__}; return a bool or a Score")


def _import(path: Path, suite: str) -> types.ModuleType:
    """Load a suite file as a uniquely named module, so two suites' ``tools.py`` never collide."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    name = f"codeact_user_suite_{digest}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise SuiteError(f"{suite}/{path.name}: cannot import it ({type(exc).__name__}: {exc})") from None
    return module


def _checker(module: types.ModuleType) -> Callable[..., Any]:
    check = getattr(module, "check", None)
    if not callable(check):
        raise SuiteError(f"{CHECKER_FILE}: define check(task, answers, state) -> bool | Score")
    return check


def _read_tasks(path: Path, suite: str, *, needs_expected: bool) -> list[Task]:
    tasks: list[Task] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{TASKS_FILE} line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        task = _task(raw, where, suite, needs_expected)
        if task.id in seen:
            raise SuiteError(f"{where}: duplicate id {task.id!r}")
        seen.add(task.id)
        tasks.append(task)
    if not tasks:
        raise SuiteError(f"{TASKS_FILE}: no tasks (write one JSON object per line)")
    return tasks


def _task(raw: Any, where: str, suite: str, needs_expected: bool) -> Task:
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    unknown = set(raw) - {"id", "domain", "turns", "prompt", "expected", "meta"}
    if unknown:
        raise SuiteError(f"{where}: unknown field {sorted(unknown)[0]!r} (fields: id, domain, turns or prompt, "
                         "expected, meta)")
    task_id = raw.get("id")
    if not isinstance(task_id, str) or not task_id:
        raise SuiteError(f"{where}: 'id' must be a non-empty string")
    if ("turns" in raw) == ("prompt" in raw):
        raise SuiteError(f"{where}: give either 'turns' (a list of user messages) or 'prompt', not both or none")
    turns = raw["turns"] if "turns" in raw else [raw["prompt"]]
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        raise SuiteError(f"{where}: 'turns'/'prompt' must hold non-empty strings")
    if needs_expected and "expected" not in raw:
        raise SuiteError(f"{where}: 'expected' is missing (or add a {CHECKER_FILE} that decides success)")
    meta = raw.get("meta", {})
    if not isinstance(meta, dict):
        raise SuiteError(f"{where}: 'meta' must be a JSON object")
    domain = raw.get("domain", suite)
    if not isinstance(domain, str):
        raise SuiteError(f"{where}: 'domain' must be a string")
    return Task(id=task_id, domain=domain, turns=turns, expected=raw.get("expected"), meta=meta)


def _episode_tools(module: types.ModuleType) -> tuple[list[Tool], Any]:
    """This episode's tools and checker state: a fresh ``make_tools()`` result, or the module's functions."""
    factory = getattr(module, "make_tools", None)
    if factory is None:
        candidates: list[Any] = [
            obj for name, obj in vars(module).items()
            if not name.startswith("_") and (isinstance(obj, Tool) or (
                inspect.isfunction(obj) and obj.__module__ == module.__name__))
        ]
        state = None
    else:
        made = factory()
        candidates, state = made if isinstance(made, tuple) else (made, None)
        if not isinstance(candidates, list):
            raise SuiteError(f"{TOOLS_FILE}: make_tools() must return a list of tools or a (tools, state) pair")
    if not candidates:
        raise SuiteError(f"{TOOLS_FILE}: no tools (define public functions or make_tools())")
    tools = []
    for obj in candidates:
        try:
            tool = as_tool(obj)
        except ValueError as exc:
            raise SuiteError(f"{TOOLS_FILE}: {exc}") from None
        _validate(tool)
        tools.append(tool)
    return tools, state


def _validate(tool: Tool) -> None:
    if not tool.doc.strip():
        raise SuiteError(f"{TOOLS_FILE}: tool {tool.name!r} has no docstring (the model reads it to learn the tool)")
    annotations = getattr(inspect.unwrap(tool.fn), "__annotations__", {})
    for name, param in tool.signature.parameters.items():
        if param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD) and name not in annotations:
            raise SuiteError(f"{TOOLS_FILE}: tool {tool.name!r} has no type hint for parameter {name!r}")
