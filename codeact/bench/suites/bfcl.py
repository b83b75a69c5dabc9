"""The BFCL v4 multi-turn categories, run as CodeAct episodes and scored with BFCL's own state and response checks.

Data and executable APIs come from the ``bfcl-eval`` package (installed with ``--no-deps``: only ``mpmath`` of its
dependencies is needed, by ``MathAPI``). We import its data files, its API classes (``GorillaFileSystem``,
``TwitterAPI``, ...), its class registry, its "functions were added" prompt, and its two pure checkers
``state_checker`` and ``response_checker``; nothing that imports its heavy dependencies or its ``eval_config``
(which creates result folders next to the installed package on import).

What differs from BFCL's own harness: the agent calls the API methods from code, so there is no call text to
decode and BFCL's AST matching of call strings does not apply. Instead every call is recorded as it happens (its
result rendered as BFCL renders execution results), the instances the agent changed are the model side of the
state check, and the ground-truth calls are replayed on a second fresh set of instances, turn by turn, as
``multi_turn_checker`` does.
"""

from __future__ import annotations

import copy
import functools
import importlib
import inspect
import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

from bfcl_eval.constants.default_prompts import DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC
from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING, STATELESS_CLASSES
from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import response_checker, state_checker

from codeact.bench.suite import Env, Score, SuiteError, Task
from codeact.bench.suites import BFCL_CATEGORIES as CATEGORIES
from codeact.tools import Tool

DATA_VERSION = "BFCL_v4"
_DETAIL_CHARS = 400


@dataclass
class BfclEpisode:
    """The agent's side of one episode: its API instances and what its calls returned, turn by turn."""

    instances: dict[str, Any]
    results: list[list[str]] = field(default_factory=lambda: [[]])
    """BFCL's text form of every call's result, one list per user turn reached so far."""
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    """Deep copies of ``instances`` taken when each earlier turn ended (the state BFCL checks after a turn)."""

    def begin_turn(self, index: int) -> None:
        while len(self.results) <= index:
            self.snapshots.append(copy.deepcopy(self.instances))
            self.results.append([])

    def record(self, result: str) -> None:
        self.results[-1].append(result)

    def state_after(self, turn: int) -> dict[str, Any]:
        return self.snapshots[turn] if turn < len(self.snapshots) else self.instances


class BfclSuite:
    """All four multi-turn categories (``bfcl``) or one of them (``bfcl:multi_turn_base``)."""

    def __init__(self, categories: tuple[str, ...] = CATEGORIES):
        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown:
            raise SuiteError(f"unknown BFCL category {unknown[0]!r}; choose from {', '.join(CATEGORIES)}")
        self.categories = categories
        self.name = "bfcl" if categories == CATEGORIES else "bfcl:" + ",".join(categories)

    @cached_property
    def _entries(self) -> dict[str, tuple[dict[str, Any], list[list[str]]]]:
        """Task id -> (BFCL test entry, ground truth), read from the package's data files."""
        data = resources.files("bfcl_eval") / "data"
        entries: dict[str, tuple[dict[str, Any], list[list[str]]]] = {}
        for category in self.categories:
            filename = f"{DATA_VERSION}_{category}.json"
            answers = {a["id"]: a["ground_truth"] for a in _json_lines(data / "possible_answer" / filename)}
            for entry in _json_lines(data / filename):
                entries[entry["id"]] = (entry, answers[entry["id"]])
        return entries

    def tasks(self) -> list[Task]:
        return [_task(entry, truth) for entry, truth in self._entries.values()]

    def make_env(self, task: Task) -> Env:
        entry, _ = self._entries[task.id]
        episode = BfclEpisode(_instances(entry))
        tools = [Tool(_recorded(method, episode), name, "host")
                 for name, method in _methods(episode.instances).items()]
        return Env(tools=tools, state=episode)

    def begin_turn(self, task: Task, index: int, env: Env) -> None:
        """Called by the harness before user turn ``index`` (0-based), so calls and states are attributed to
        turns as BFCL checks them."""
        env.state.begin_turn(index)

    def check(self, task: Task, answers: list[str | None], env: Env) -> Score:
        """BFCL's multi-turn verdict; the text answers play no part in it, only the calls and the state do."""
        entry, truth = self._entries[task.id]
        episode: BfclEpisode = env.state
        if len(episode.results) != len(truth):
            return Score(False, f"calls were recorded for {len(episode.results)} of {len(truth)} turns: the episode "
                                "stopped early, or the harness did not call begin_turn before each user turn")
        replay = _instances(entry)
        namespace = _methods(replay)
        model_results: list[str] = []
        for turn, calls in enumerate(truth):
            truth_results = [_execute(call, namespace) for call in calls]
            model_results.extend(episode.results[turn])
            if not calls:
                continue  # a turn the model cannot complete (missing function or parameter): nothing to compare
            if not episode.results[turn]:
                return Score(False, f"turn {turn + 1}: no tool call, but the ground truth makes {len(calls)}")
            verdict = state_checker(episode.state_after(turn), replay)
            if not verdict["valid"]:
                return Score(False, _detail(turn, verdict["error_message"], verdict["details"]["differences"]))
            verdict = response_checker(model_results, truth_results, turn)
            if not verdict["valid"]:
                return Score(False, _detail(turn, "results missing", verdict["details"]["missing_items"]))
        return Score(True, "")


def _task(entry: dict[str, Any], truth: list[list[str]]) -> Task:
    turns = ["\n".join(m["content"] for m in messages) or DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC
             for messages in entry["question"]]
    meta: dict[str, Any] = {"involved_classes": list(entry["involved_classes"])}
    if "missed_function" in entry:
        meta["tools_added_at_turn"] = {int(turn): list(names) for turn, names in entry["missed_function"].items()}
    return Task(id=entry["id"], domain=entry["id"].rsplit("_", 1)[0], turns=turns, expected=truth, meta=meta)


def _instances(entry: dict[str, Any]) -> dict[str, Any]:
    """Fresh API objects loaded with the entry's initial configuration, as BFCL's executor builds them."""
    long_context = "long_context" in entry["id"]
    instances = {}
    for class_name in entry["involved_classes"]:
        module = importlib.import_module(CLASS_FILE_PATH_MAPPING[class_name])
        instance = getattr(module, class_name)()
        if class_name not in STATELESS_CLASSES:
            config = copy.deepcopy(entry["initial_config"].get(class_name, {}))
            instance._load_scenario(config, long_context=long_context)
        instances[class_name] = instance
    return instances


def _methods(instances: dict[str, Any]) -> dict[str, Any]:
    """Public bound methods by name: BFCL's function names (they are unique across the API classes)."""
    return {name: method for instance in instances.values()
            for name, method in inspect.getmembers(instance, inspect.ismethod) if not name.startswith("_")}


def _recorded(method: Any, episode: BfclEpisode) -> Any:
    """``method`` with its signature and docstring, recording each result (or error) in the episode."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            result = method(*args, **kwargs)
        except Exception as exc:
            episode.record(f"Error during execution: {exc}")
            raise
        episode.record(_as_text(result))
        return result

    return call


def _execute(call: str, namespace: dict[str, Any]) -> str:
    """Run one ground-truth call string such as ``cd(folder='document')`` against the replay instances.

    The strings come from the installed package's answer files and name only API methods and literals, so they
    are evaluated with no builtins, the way BFCL's executor evaluates them.
    """
    try:
        return _as_text(eval(call, {"__builtins__": {}}, namespace))  # noqa: S307 - trusted package data
    except Exception as exc:
        return f"Error during execution: {exc}"


def _as_text(result: Any) -> str:
    """BFCL's rendering of an execution result: strings as they are, dicts as JSON, anything else via str()."""
    if isinstance(result, str):
        return result
    if isinstance(result, dict):
        try:
            return json.dumps(result)
        except (TypeError, ValueError):
            return str(result)
    return str(result)


def _detail(turn: int, message: str, what: Any) -> str:
    return f"turn {turn + 1}: {message}: {str(what)[:_DETAIL_CHARS]}"


def _json_lines(path: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
