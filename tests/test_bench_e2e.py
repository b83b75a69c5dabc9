"""A small benchmark end to end: the real CLI, the embedded 0.5B model, the real sandbox, a user suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLE_SUITE = Path(__file__).parent.parent / "examples" / "my_suite"


def codeact(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CODEACT_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "codeact", *args], capture_output=True, text=True, env=env,
                          timeout=900)


def test_bench_runs_reports_and_resumes_with_the_embedded_model(embedded_small_model_path, tmp_path):
    out = tmp_path / "run"
    args = ["bench", str(EXAMPLE_SUITE), "--formats", "code,json", "--limit", "2", "--max-turns", "4",
            "--model", str(embedded_small_model_path), "--out", str(out)]
    first = codeact(*args, home=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted((r["task"], r["format"]) for r in rows) == sorted(
        (task, fmt) for task in ("library/1", "library/2") for fmt in ("code", "json"))
    for row in rows:
        assert row["turns"] >= 1 and row["prompt_tokens"] > 0 and row["end_reason"] in ("answered", "max_turns")
        assert (out / row["trajectory"]).exists()
    assert "code" in first.stdout and "json" in first.stdout  # the summary table

    again = codeact(*args, home=tmp_path)
    assert again.returncode == 0
    assert len((out / "results.jsonl").read_text().splitlines()) == 4, "a finished run must not run again"

    report = codeact("bench", "report", str(out), home=tmp_path)
    assert report.returncode == 0, report.stderr[-2000:]
    assert "Benchmark report: my_suite" in (out / "report.md").read_text()
    assert list(out.glob("*.png"))
