"""A benchmark run on disk: ``results.jsonl`` (one row per finished episode) and ``run.json`` (its settings).

Rows are appended and synced one by one as episodes finish, so a run killed at any moment keeps every finished
episode; the only damage a kill can do is a half-written last line, which is cut off before the run resumes.
An episode is identified by ``(task, format)``: resuming skips the pairs that already have a row.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

RESULTS_FILE = "results.jsonl"
MANIFEST_FILE = "run.json"


class BenchError(Exception):
    """A benchmark that cannot start or continue; the message says what to change."""


@dataclass
class EpisodeRow:
    """One episode: one task solved in one action format. The JSONL schema (see docs/benchmark.md)."""

    task: str
    domain: str
    format: str
    success: bool
    turns: int
    """Model turns over all the task's user turns."""
    end_reason: str
    """``answered``, ``max_turns`` or ``error`` (the last user turn's status, or the first error)."""
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    seconds: float = 0.0
    trajectory: str | None = None
    """Path of the last trajectory file, relative to the run directory when inside it."""
    error: str | None = None
    answers: list[str | None] = field(default_factory=list)
    """The final answer after each user turn."""
    detail: str = ""
    """The checker's explanation of the score."""

    @property
    def key(self) -> tuple[str, str]:
        return self.task, self.format

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpisodeRow:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class ResultsFile:
    """``results.jsonl``: append-only, crash-tolerant."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> list[EpisodeRow]:
        """Every complete row (the last one per episode, should a file have been concatenated by hand)."""
        if not self.path.exists():
            return []
        rows: dict[tuple[str, str], EpisodeRow] = {}
        for number, line in enumerate(self._complete_lines(), start=1):
            try:
                row = EpisodeRow.from_dict(json.loads(line))
            except (ValueError, TypeError) as exc:
                raise BenchError(f"{self.path}:{number} is not a result row ({exc}): fix or delete that line") from None
            rows[row.key] = row
        return list(rows.values())

    def repair(self) -> None:
        """Cut a half-written last line (left by a killed run) so the next append starts on a fresh line."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.path.open("r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)

    def append(self, row: EpisodeRow) -> None:
        line = json.dumps(asdict(row), ensure_ascii=False) + "\n"
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def rewrite(self, rows: list[EpisodeRow]) -> None:
        """Replace the file atomically (used to drop rows that will be run again)."""
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        os.replace(tmp, self.path)

    def _complete_lines(self) -> list[str]:
        text = self.path.read_text(encoding="utf-8", errors="replace")
        lines = text.split("\n")
        return [line for line in lines[:-1] if line.strip()]  # the part after the last newline is unfinished


@dataclass
class Manifest:
    """The settings that make rows comparable; a resumed run must use the same ones."""

    suite: str
    model: str
    max_turns: int
    action_timeout: float
    formats: list[str]

    COMPARED: ClassVar[tuple[str, ...]] = ("suite", "model", "max_turns", "action_timeout")

    @classmethod
    def load(cls, run_dir: Path) -> Manifest | None:
        path = run_dir / MANIFEST_FILE
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise BenchError(f"{path} is damaged ({exc}): delete it to start the run over") from None

    def save(self, run_dir: Path) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        tmp = run_dir / (MANIFEST_FILE + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, run_dir / MANIFEST_FILE)

    def check_resumable(self, new: Manifest, run_dir: Path) -> None:
        for name in self.COMPARED:
            old_value, new_value = getattr(self, name), getattr(new, name)
            if old_value != new_value:
                raise BenchError(
                    f"{run_dir} holds a run with {name}={old_value!r}, not {new_value!r}: "
                    "use another --out, or the same settings to resume it"
                )


def load_rows(run_dir: Path) -> list[EpisodeRow]:
    """The rows of a finished or interrupted run directory."""
    path = run_dir / RESULTS_FILE
    if not path.exists():
        raise BenchError(f"{run_dir} has no {RESULTS_FILE}: is it a `codeact bench` output directory?")
    return ResultsFile(path).read()
