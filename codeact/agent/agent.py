"""The CodeAct agent loop: ask the model, parse its action, run it, feed the observation back.

Components are duck-typed protocols (a model, an action format, an interpreter), so a test swaps in a scripted
model or a fake interpreter without subclassing anything. One ``Agent`` is one conversation with one interpreter:
``run`` starts a fresh episode, ``chat`` continues the current one with its variables and files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from codeact.agent.events import Event, Executed, Finished, ModelReplied, Reminded, TurnStarted
from codeact.agent.result import RunResult, Status
from codeact.agent.trajectory import Trajectory, default_runs_dir
from codeact.formats import get_format
from codeact.formats.base import FAILURE_NUDGE, OBSERVATION_NUDGE, ActionFormat
from codeact.models.base import Message, Model, ModelError, Usage
from codeact.sandbox import KernelInterpreter, KernelPool
from codeact.sandbox.base import Interpreter
from codeact.sandbox.settings import SandboxSettings
from codeact.tools import Tool, as_tool

InterpreterFactory = Callable[[Path, Sequence[Tool], SandboxSettings], Interpreter]




class Agent:
    def __init__(
        self,
        model: Model,
        tools: Sequence[Tool | Callable[..., Any]] = (),
        *,
        format: str | ActionFormat = "code",
        max_turns: int = 10,
        action_timeout: float = 60.0,
        sandbox: SandboxSettings = SandboxSettings(),
        workdir: Path | None = None,
        runs_dir: Path | None = None,
        pool: KernelPool | None = None,
        interpreter_factory: InterpreterFactory | None = None,
    ):
        """``pool`` hands out warm kernels (a new episode or ``reset`` then waits ~10 ms, not ~0.5 s);
        ``interpreter_factory`` replaces the Jupyter kernel altogether (any object with ``execute``/``close``)."""
        self.model = model
        self.tools = [as_tool(t) for t in tools]
        self.format = get_format(format) if isinstance(format, str) else format
        self.max_turns = max_turns
        self.action_timeout = action_timeout
        self.sandbox = sandbox
        self.workdir = workdir
        self.runs_dir = runs_dir or default_runs_dir()
        self.pool = pool
        self._make_interpreter = interpreter_factory or partial(KernelInterpreter, pool=pool)
        self._interpreter: Interpreter | None = None
        self._messages: list[Message] = []
        self._trajectory: Trajectory | None = None

    def run(self, task: str) -> RunResult:
        """Solve ``task`` in a fresh episode (new history, new interpreter state)."""
        self.reset()
        return self.chat(task)

    def chat(self, message: str) -> RunResult:
        """Continue the conversation: the history and the interpreter's state carry over."""
        *_, finished = self.stream(message)
        assert isinstance(finished, Finished)
        return finished.result

    def reset(self) -> None:
        self.close()
        self._messages, self._trajectory = [], None

    def close(self) -> None:
        if self._interpreter is not None:
            self._interpreter.close()
            self._interpreter = None

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def trajectory(self) -> Trajectory:
        if self._trajectory is None:
            self._trajectory = Trajectory(
                self.runs_dir, model=self.model.name, action_format=self.format.name,
                tools=[t.name for t in self.tools], max_turns=self.max_turns,
            )
            self._messages = [{"role": "system", "content": self.format.system_prompt(self.tools)}]
        return self._trajectory

    @property
    def interpreter(self) -> Interpreter:
        if self._interpreter is None:
            workdir = self.workdir or self.trajectory.dir / "workdir"
            workdir.mkdir(parents=True, exist_ok=True)
            self._interpreter = self._make_interpreter(workdir, self.tools, self.sandbox)
        return self._interpreter

    def stream(self, message: str) -> Iterator[Event]:
        """Yield the events of answering ``message``; the last one is always ``Finished``.

        Ctrl-C propagates, after marking the trajectory ``interrupted`` so it does not read as still running."""
        if not message.strip():
            raise ValueError("the task is empty: say what the agent should do")
        try:
            yield from self._answer(message)
        except KeyboardInterrupt:
            self.trajectory.save(self._messages, status="interrupted")
            raise

    def _answer(self, message: str) -> Iterator[Event]:
        traj, fmt = self.trajectory, self.format
        self._messages.append({"role": "user", "content": message})
        traj.save(self._messages, status="running")
        started, usage = time.monotonic(), Usage()
        model_seconds = exec_seconds = 0.0

        def finish(status: Status, turns: int, answer: str | None = None, error: str | None = None) -> Finished:
            result = RunResult(
                answer=answer, status=status, turns=turns, usage=usage, seconds=time.monotonic() - started,
                model_seconds=model_seconds, execution_seconds=exec_seconds, trajectory_path=traj.path,
                workdir=self.workdir or traj.dir / "workdir", error=error,
            )
            traj.data["results"].append(result.to_dict())
            traj.save(self._messages, status=status, answer=answer, error=error)
            return Finished(result)

        for turn in range(1, self.max_turns + 1):
            yield TurnStarted(turn)
            t0 = time.monotonic()
            try:
                completion = self.model.complete(self._messages, stop=fmt.stop, tools=fmt.model_tools(self.tools))
            except ModelError as exc:
                yield finish("error", turn, error=str(exc))
                return
            elapsed = time.monotonic() - t0
            model_seconds += elapsed
            usage += completion.usage
            action = fmt.parse(completion)
            self._messages.append(fmt.assistant_message(completion))
            yield ModelReplied(turn, completion, action, elapsed)
            step = dict(turn=turn, reply=completion.text, usage=asdict(completion.usage), model_seconds=elapsed)
            if action.answer is not None:
                traj.record_step(**step, answer=action.answer)
                yield finish("answered", turn, answer=action.answer)
                return
            if action.reminder is not None or action.code is None:
                reminder = action.reminder or ""
                traj.record_step(**step, reminder=reminder)
                self._messages.append(fmt.observation_message(completion, reminder))
                traj.save(self._messages)
                yield Reminded(turn, reminder)
                continue
            try:
                execution = self.interpreter.execute(action.code, timeout=self.action_timeout)
            except (OSError, RuntimeError) as exc:  # the interpreter could not start or restart (KernelStartError)
                yield finish("error", turn, error=f"the interpreter failed: {exc}")
                return
            exec_seconds += execution.seconds
            traj.record_step(**step, code=action.code, execution=execution)
            yield Executed(turn, execution)
            nudge = OBSERVATION_NUDGE if execution.ok else FAILURE_NUDGE
            observation = f"{execution.observation()}\n\n{nudge}"
            self._messages.append(fmt.observation_message(completion, observation))
            if execution.answer is not None:
                yield finish("answered", turn, answer=execution.answer)
                return
            traj.save(self._messages)
        yield finish("max_turns", self.max_turns,
                     error=f"no answer after {self.max_turns} turns (raise --max-turns to allow more)")
