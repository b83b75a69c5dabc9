"""One episode: a task's user turns, answered by a fresh agent in one action format, then checked.

An ``EpisodeWorker`` is built from picklable recipes (a suite factory and a model factory) wherever episodes
run: in this process, in each ``--workers`` process or in each Ray actor. So the model is loaded once per worker
(the embedded model takes seconds and a gigabyte to load) and the suite's tools are built fresh per episode.

Two optional suite conventions (see ``codeact.bench.suites``) are honoured: ``suite.begin_turn(task, index, env)``
is called before each user turn, and tools listed in ``task.meta["tools_added_at_turn"]`` are shown to the
model only from their turn on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from codeact.agent import Agent
from codeact.agent.agent import InterpreterFactory
from codeact.bench.results import EpisodeRow
from codeact.bench.staging import StagedFormat
from codeact.bench.suite import Suite
from codeact.bench.suites import visible_tools
from codeact.formats import get_format
from codeact.models.base import Model, Usage
from codeact.sandbox import KernelPool
from codeact.sandbox.settings import SandboxSettings
from codeact.tools import Tool

ModelFactory = Callable[[], Model]
SuiteFactory = Callable[[], Suite]


@dataclass(frozen=True)
class ModelSpec:
    """A picklable recipe for ``resolve_model``: each worker process builds its own model from it."""

    name: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)

    def __call__(self) -> Model:
        from codeact.models import resolve_model

        return resolve_model(self.name, base_url=self.base_url, api_key=self.api_key)


@dataclass(frozen=True)
class SuiteSpec:
    """A picklable recipe for ``load_suite``: a built-in suite name or a suite directory."""

    ref: str

    def __call__(self) -> Suite:
        from codeact.bench import load_suite

        return load_suite(self.ref)


@dataclass(frozen=True)
class EpisodeSettings:
    """Everything an episode needs besides the suite and the model; the same for every episode of a run."""

    run_dir: Path
    max_turns: int = 10
    action_timeout: float = 30.0
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    interpreter_factory: InterpreterFactory | None = None
    """Replaces the sandboxed kernel (tests, custom interpreters); ``None`` keeps the agent's default."""


class EpisodeWorker:
    """Runs episodes one after another; a warm kernel waits for the next episode while one runs."""

    def __init__(self, suite: SuiteFactory, model: ModelFactory, settings: EpisodeSettings):
        self.suite = suite()
        self.model = model()
        self.settings = settings
        self.tasks = {task.id: task for task in self.suite.tasks()}
        # The pool hands a kernel over by renaming its directory, so it must sit on the run directory's filesystem.
        self.pool = (KernelPool(settings.sandbox, size=1, root=settings.run_dir / ".kernels")
                     if settings.interpreter_factory is None else None)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def run(self, task_id: str, action_format: str) -> EpisodeRow:
        """Never raises for a failing episode: a broken tool, checker or interpreter becomes an ``error`` row,
        so one bad task cannot stop a run of hundreds."""
        task = self.tasks[task_id]
        started = time.monotonic()
        answers: list[str | None] = []
        turns, usage, end_reason, error, trajectory = 0, Usage(), "answered", None, None
        try:
            env = self.suite.make_env(task)
            staged = StagedFormat(get_format(action_format), (t.name for t in visible_tools(task, env, 0)))
            agent = self._agent(env.tools, staged, task_id)
            begin_turn = getattr(self.suite, "begin_turn", None)
            try:
                for index, message in enumerate(task.turns):
                    if begin_turn is not None:
                        begin_turn(task, index, env)
                    released = [t for t in visible_tools(task, env, index) if t.name not in staged.visible]
                    if released:
                        message = staged.release(released) + "\n\n" + message
                    result = agent.run(message) if index == 0 else agent.chat(message)
                    answers.append(result.answer)
                    turns, usage = turns + result.turns, usage + result.usage
                    end_reason, trajectory = result.status, result.trajectory_path
                    if result.status == "error":
                        error = result.error
                        break
            finally:
                agent.close()
            answers += [None] * (len(task.turns) - len(answers))
            score = self.suite.check(task, answers, env)
            success, detail = score.success, score.detail
        except Exception as exc:  # noqa: BLE001 - recorded in the row, see the docstring
            success, detail, end_reason, error = False, "", "error", f"{type(exc).__name__}: {exc}"
        return EpisodeRow(
            task=task.id, domain=task.domain, format=action_format, success=success, turns=turns,
            end_reason=end_reason, model=self.model.name, prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens, cached_tokens=usage.cached_tokens,
            seconds=round(time.monotonic() - started, 3), trajectory=self._relative(trajectory), error=error,
            answers=answers, detail=detail,
        )

    def _agent(self, tools: list[Tool], action_format: StagedFormat, task_id: str) -> Agent:
        s = self.settings
        return Agent(
            self.model, tools, format=action_format, max_turns=s.max_turns, action_timeout=s.action_timeout,
            sandbox=s.sandbox, runs_dir=trajectories_dir(s.run_dir, action_format.name, task_id),
            pool=self.pool, interpreter_factory=s.interpreter_factory,
        )

    def _relative(self, path: Path | None) -> str | None:
        if path is None:
            return None
        try:
            return str(path.relative_to(self.settings.run_dir))
        except ValueError:
            return str(path)


def trajectories_dir(run_dir: Path, action_format: str, task_id: str) -> Path:
    """``<run>/trajectories/<format>/<task>/``: task ids may hold any character, folder names may not."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", task_id).strip("._") or "task"
    return run_dir / "trajectories" / action_format / slug[:120]
