"""Trajectories: every run's messages, actions, observations, timings and tokens, saved after every step.

A run lives in ``<runs_dir>/<run id>/``: ``trajectory.json`` and, by default, the ``workdir/`` the code ran in.
The file is rewritten atomically after each step, so a crash (or Ctrl-C) loses at most the step in flight.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codeact.sandbox.base import Execution


def default_runs_dir() -> Path:
    """``$CODEACT_HOME/runs``, by default ``~/.codeact/runs``."""
    return Path(os.environ.get("CODEACT_HOME", Path.home() / ".codeact")).expanduser() / "runs"


class Trajectory:
    def __init__(self, runs_dir: Path, *, model: str, action_format: str, tools: list[str], max_turns: int):
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        self.id = f"{stamp}-{secrets.token_hex(3)}"
        self.dir = runs_dir / self.id
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "trajectory.json"
        self.data: dict[str, Any] = {
            "id": self.id,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "model": model,
            "format": action_format,
            "tools": tools,
            "max_turns": max_turns,
            "status": "running",
            "answer": None,
            "error": None,
            "messages": [],
            "steps": [],
            "results": [],
        }
        self.save()

    def record_step(
        self,
        *,
        turn: int,
        reply: str,
        usage: dict[str, int],
        model_seconds: float,
        code: str | None = None,
        answer: str | None = None,
        reminder: str | None = None,
        execution: Execution | None = None,
    ) -> None:
        step: dict[str, Any] = {
            "turn": turn,
            "reply": reply,
            "usage": usage,
            "model_seconds": round(model_seconds, 3),
            "code": code,
            "answer": answer,
            "reminder": reminder,
        }
        if execution is not None:
            step["observation"] = execution.observation()
            step["execution"] = {
                **asdict(execution),
                "figures": [str(f) for f in execution.figures],
                "seconds": round(execution.seconds, 3),
            }
        self.data["steps"].append(step)

    def save(self, messages: list[dict[str, Any]] | None = None, **fields: Any) -> None:
        if messages is not None:
            self.data["messages"] = messages
        self.data.update(fields)
        self.data["updated"] = time.time()
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.data, indent=1, default=str))
        os.replace(tmp, self.path)


def list_runs(runs_dir: Path) -> list[dict[str, Any]]:
    """Summaries of the runs in ``runs_dir``, newest first; unreadable files are skipped, not fatal."""
    runs = []
    for path in sorted(runs_dir.glob("*/trajectory.json"), reverse=True):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        first_user = next((m["content"] for m in data.get("messages", []) if m.get("role") == "user"), "")
        runs.append({**{k: data.get(k) for k in ("id", "created", "model", "format", "status", "answer")},
                     "task": first_user, "turns": len(data.get("steps", [])), "path": str(path)})
    return runs


def load_run(runs_dir: Path, run_id: str) -> dict[str, Any]:
    """Load a run by id or unique id prefix."""
    matches = [p for p in runs_dir.glob(f"{run_id}*/trajectory.json")]
    if not matches:
        raise FileNotFoundError(f"no run {run_id!r} in {runs_dir} (see `codeact runs list`)")
    if len(matches) > 1:
        raise FileNotFoundError(f"run id {run_id!r} is ambiguous: {', '.join(p.parent.name for p in matches)}")
    return json.loads(matches[0].read_text())
