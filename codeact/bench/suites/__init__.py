"""Benchmark suites by name: the built-in ``m3``, BFCL's multi-turn categories, or a user directory.

Two optional conventions for multi-turn suites, which the harness honours when present:

- ``suite.begin_turn(task, index, env)``: call it before sending user turn ``index`` (0-based). The BFCL suite
  needs it to attribute calls and instance state to turns, as BFCL checks them turn by turn.
- ``task.meta["tools_added_at_turn"]``: ``{turn index: [tool names]}``; those tools of ``env.tools`` are held back
  until that turn (BFCL's miss_func category). ``visible_tools`` computes the list for a turn.
"""

from __future__ import annotations

from pathlib import Path

from codeact.bench.suite import Env, Suite, SuiteError, Task
from codeact.bench.suites.user import UserSuite
from codeact.tools import Tool

BFCL_CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
BUILTIN_SUITES: tuple[str, ...] = ("m3", "bfcl", *(f"bfcl:{c}" for c in BFCL_CATEGORIES))
BFCL_INSTALL = "pip install --no-deps 'bfcl-eval==2026.3.23' 'mpmath>=1.3,<2'"

__all__ = ["BUILTIN_SUITES", "SuiteError", "load_suite", "visible_tools"]


def load_suite(name_or_path: str | Path) -> Suite:
    """``m3``, ``bfcl``, ``bfcl:<category>``, or the path of a user-suite directory."""
    name = str(name_or_path)
    if name == "m3":
        from codeact.bench.suites.m3 import M3Suite

        return M3Suite()
    if name == "bfcl" or name.startswith("bfcl:"):
        return _bfcl(name)
    if Path(name).is_dir():
        return UserSuite(Path(name))
    raise SuiteError(f"unknown suite {name!r}: use one of {', '.join(BUILTIN_SUITES)}, or a directory holding "
                     "tasks.jsonl and tools.py")


def visible_tools(task: Task, env: Env, turn: int) -> list[Tool]:
    """The tools the agent may use at user turn ``turn``: those added at a later turn are held back."""
    added = task.meta.get("tools_added_at_turn", {})
    hidden = {name for at, names in added.items() if int(at) > turn for name in names}
    return [t for t in env.tools if t.name not in hidden]


def _bfcl(name: str) -> Suite:
    try:
        from codeact.bench.suites.bfcl import BfclSuite
    except ImportError as exc:
        raise SuiteError(f"the bfcl suite needs the bfcl-eval package ({exc}): {BFCL_INSTALL}") from None
    return BfclSuite(BFCL_CATEGORIES if name == "bfcl" else (name.partition(":")[2],))
