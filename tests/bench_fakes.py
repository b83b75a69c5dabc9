"""Test doubles for the benchmark harness: a tiny arithmetic suite, a model that plays every action format, and
an in-process interpreter. They live in a module (not in a test file) so worker processes and Ray actors can
import them by name.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeact.bench.scoring import answers_match
from codeact.bench.suite import Env, Score, Task
from codeact.models.base import Completion, Message, ModelError, ToolCall, Usage
from codeact.models.stops import cut_at_stop
from codeact.sandbox.base import Execution
from codeact.sandbox.settings import SandboxSettings
from codeact.tools import Tool

_TASK = re.compile(r"(add|multiply) (-?\d+) and (-?\d+)", re.IGNORECASE)


class ArithSuite:
    """Two domains; one two-turn task; tools record their calls in the episode's state."""

    name = "arith"

    def __init__(self, n_add: int = 3, n_mul: int = 2, broken_env: Sequence[str] = ()):
        self.n_add, self.n_mul, self.broken_env = n_add, n_mul, set(broken_env)

    def tasks(self) -> list[Task]:
        tasks = [Task(f"add-{i}", "add", [f"Add {i} and {10 * i}."], [11 * i]) for i in range(1, self.n_add + 1)]
        tasks += [Task(f"mul-{i}", "mul", [f"Multiply {i} and 7."], [7 * i]) for i in range(1, self.n_mul + 1)]
        tasks.append(Task("add-chat", "add", ["Add 1 and 2.", "Now add 30 and 40."], [3, 70]))
        return tasks

    def make_env(self, task: Task) -> Env:
        if task.id in self.broken_env:
            raise RuntimeError(f"cannot build the tools of {task.id}")
        calls: list[tuple[str, int, int]] = []

        def add(a: int, b: int) -> int:
            """Add two integers."""
            calls.append(("add", a, b))
            return a + b

        def multiply(a: int, b: int) -> int:
            """Multiply two integers."""
            calls.append(("multiply", a, b))
            return a * b

        return Env([Tool(add, "add"), Tool(multiply, "multiply")], state=calls)

    def check(self, task: Task, answers: list[str | None], env: Env) -> Score:
        ok = len(answers) == len(task.expected) and all(
            answers_match(a, e) for a, e in zip(answers, task.expected, strict=True))
        return Score(ok and len(env.state) == len(task.turns), f"answers {answers}, calls {env.state}")


def arith_suite() -> ArithSuite:
    return ArithSuite()


@dataclass(frozen=True)
class FakeModel:
    """Calls the right tool in whatever format the prompt asks for, then answers with the tool's result.

    ``wrong_formats`` answer one more than the result; ``fail_tasks`` raise a ``ModelError`` (a dead server) on
    tasks whose text contains one of these strings; ``delay`` seconds pass per completion.
    """

    name: str = "fake"
    delay: float = 0.0
    wrong_formats: tuple[str, ...] = ()
    fail_tasks: tuple[str, ...] = ()

    def __call__(self) -> FakeModel:
        return self

    def complete(self, messages: list[Message], stop: list[str] | None = None,
                 tools: list[dict[str, Any]] | None = None) -> Completion:
        time.sleep(self.delay)
        fmt = _format(messages[0]["content"], tools)
        last = messages[-1]
        usage = Usage(prompt_tokens=len(json.dumps(messages)) // 4, completion_tokens=10)
        if last["role"] == "user" and not last["content"].startswith("Observation:"):
            if any(s in last["content"] for s in self.fail_tasks):
                raise ModelError("the fake server is down")
            op, a, b = _TASK.search(last["content"]).groups()  # type: ignore[union-attr]
            tool = "add" if op.lower() == "add" else "multiply"
            return _call(fmt, tool, int(a), int(b), stop, usage)
        result = int(re.search(r"-?\d+", last["content"].rsplit("Out:", 1)[-1]).group())  # type: ignore[union-attr]
        return Completion(f"<solution>{result + (fmt in self.wrong_formats)}</solution>", usage)


def _format(system: str, tools: list[dict[str, Any]] | None) -> str:
    if tools is not None:
        return "tool_calls"
    if "<execute>" in system:
        return "code"
    return "text" if "Action Input:" in system else "json"


def _call(fmt: str, tool: str, a: int, b: int, stop: list[str] | None, usage: Usage) -> Completion:
    if fmt == "tool_calls":
        return Completion("", usage, tool_calls=[ToolCall(tool, {"a": a, "b": b})])
    text = {
        "code": f"I will compute it.\n<execute>\n{tool}({a}, {b})\n</execute>",
        "json": f'```json\n{{"tool": "{tool}", "arguments": {{"a": {a}, "b": {b}}}}}\n```\nObservation: 1',
        "text": f"Action: {tool}\nAction Input: a={a}, b={b}\nObservation: 1",
    }[fmt]
    return Completion(cut_at_stop(text, stop)[0], usage)


class FakeInterpreter:
    """Runs code in this process with the tools in its namespace; the last expression's value is ``Out``."""

    def __init__(self, workdir: Path, tools: Sequence[Tool], settings: SandboxSettings):
        self.workdir = workdir
        self.namespace: dict[str, Any] = {t.name: t.fn for t in tools}

    def execute(self, code: str, timeout: float | None = None) -> Execution:
        stdout = io.StringIO()
        try:
            tree = ast.parse(code)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            with contextlib.redirect_stdout(stdout):
                exec(compile(tree, "<action>", "exec"), self.namespace)  # noqa: S102 - test double
                value = eval(compile(ast.Expression(last.value), "<action>", "eval"), self.namespace) if last else None
        except Exception:  # noqa: BLE001 - becomes the observation, as in a kernel
            return Execution(stdout=stdout.getvalue(), error=traceback.format_exc(limit=0))
        return Execution(stdout=stdout.getvalue(), result=None if value is None else repr(value))

    def close(self) -> None:
        self.namespace.clear()


def fake_interpreter(workdir: Path, tools: Sequence[Tool], settings: SandboxSettings) -> FakeInterpreter:
    return FakeInterpreter(workdir, tools, settings)


class StagedSuite(ArithSuite):
    """One two-turn task whose ``multiply`` tool arrives at the second turn; ``begin_turn`` must be called."""

    name = "staged"

    def tasks(self) -> list[Task]:
        return [Task("late-tool", "add", ["Add 1 and 2.", "Now multiply 3 and 7."], [3, 21],
                     meta={"tools_added_at_turn": {"1": ["multiply"]}})]

    def begin_turn(self, task: Task, index: int, env: Env) -> None:
        env.state.append(("turn", index, index))

    def check(self, task: Task, answers: list[str | None], env: Env) -> Score:
        turns = [c[1] for c in env.state if c[0] == "turn"]
        ok = turns == [0, 1] and len(answers) == len(task.expected) and all(
            answers_match(a, e) for a, e in zip(answers, task.expected, strict=True))
        return Score(ok, f"answers {answers}, calls {env.state}")


def staged_suite() -> StagedSuite:
    return StagedSuite()
