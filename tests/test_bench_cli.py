"""``codeact bench``: option handling and routing (SUITE vs subcommands), report and compare output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from bench_fakes import FakeModel, arith_suite, fake_interpreter
from typer.testing import CliRunner

import codeact.cli.bench as cli
from codeact.bench import BenchPlan, BenchRun, run_bench

runner = CliRunner()


def app() -> typer.Typer:
    """The bench sub-app mounted the way the main CLI mounts it."""
    main = typer.Typer()
    main.command("version")(lambda: None)
    main.add_typer(cli.bench_app, name="bench")
    return main


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> list[BenchPlan]:
    seen: list[BenchPlan] = []

    def fake_run(plan: BenchPlan, **_: Any) -> BenchRun:
        seen.append(plan)
        return BenchRun(rows=[], ran=0, skipped=0)

    monkeypatch.setattr(cli, "run_bench", fake_run)
    monkeypatch.setattr(cli, "fetch_model", lambda name: seen.append(name))  # type: ignore[arg-type]
    return seen


@pytest.mark.parametrize("argv, ray", [
    (["bench", "m3", "--sandbox", "none"], None),
    (["bench", "m3", "--ray", "--sandbox", "none"], "local"),
    (["bench", "m3", "--sandbox", "none", "--ray"], "local"),
    (["bench", "run", "m3", "--sandbox", "none", "--ray", "ray://head:10001"], "ray://head:10001"),
    (["bench", "--sandbox", "none", "m3"], None),
])
def test_suite_first_or_run_subcommand(argv: list[str], ray: str | None, plans: list[Any]) -> None:
    result = runner.invoke(app(), argv)
    assert result.exit_code == 0, result.output
    plan = plans[-1]
    assert plan.ray_address == ray and plan.formats == ("code", "json", "text")
    assert plan.suite.ref == "m3" and plan.model_label == "qwen2.5-coder-1.5b" and plans[0] == "qwen2.5-coder-1.5b"
    assert plan.out == Path("bench-out/m3-qwen2.5-coder-1.5b") and plan.max_turns == 10 and plan.workers == 1


def test_options_reach_the_plan(plans: list[Any], tmp_path: Path) -> None:
    result = runner.invoke(app(), [
        "bench", str(tmp_path), "--formats", "code, tool_calls", "-m", "org/some-model", "--base-url",
        "http://localhost:8000/v1", "--api-key", "k", "--max-turns", "5", "--timeout", "9", "--workers", "3",
        "--sample", "20", "--seed", "7", "--retry-errors", "--sandbox", "none", "--memory", "1G",
    ])
    assert result.exit_code == 0, result.output
    plan = plans[-1]
    assert plan.formats == ("code", "tool_calls") and plan.max_turns == 5 and plan.action_timeout == 9
    assert (plan.model.name, plan.model.base_url, plan.model.api_key) == ("org/some-model",
                                                                          "http://localhost:8000/v1", "k")
    assert "k" not in repr(plan.model) and plan.model_label == "org/some-model"
    assert plan.workers == 3 and plan.sample == 20 and plan.seed == 7 and plan.retry_errors
    assert plan.sandbox.kind == "none" and plan.sandbox.memory_bytes == 1024**3
    assert plan.out == Path("bench-out") / f"{tmp_path.name}-some-model"
    assert len(plans) == 1, "a server model is not fetched"


@pytest.mark.parametrize("argv, message", [
    (["bench", "no-such-suite", "--sandbox", "none", "-m", "x", "--base-url", "http://x"], "unknown suite"),
    (["bench", "m3", "--sandbox", "none", "--formats", "code,yaml", "-m", "x", "--base-url", "http://x"],
     "unknown action format"),
    (["bench", "m3", "--sandbox", "docker"], "choose bwrap or none"),
    (["bench", "report", "/nonexistent"], "has no results.jsonl"),
])
def test_errors_are_one_line(argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app(), argv)
    assert result.exit_code == 2 and message in result.output, result.output


def bench_run(out: Path, wrong: tuple[str, ...]) -> Path:
    run_bench(BenchPlan(suite=arith_suite, model=FakeModel(wrong_formats=wrong), model_label="fake", out=out,
                        formats=("code", "json", "text"), interpreter_factory=fake_interpreter))
    return out


def test_report_writes_markdown_and_charts(tmp_path: Path) -> None:
    run_dir = bench_run(tmp_path / "a", wrong=("text",))
    result = runner.invoke(app(), ["bench", "report", str(run_dir)])
    assert result.exit_code == 0, result.output
    report = (run_dir / "report.md").read_text()
    assert report.startswith("# Benchmark report: arith with fake")
    assert "| code | 6 | 100.0% | 2.33 | 0 |" in report and "| text | 6 | 0.0% | 2.33 | 0 |" in report
    assert "| add | 100.0% (2.5) | 100.0% (2.5) | 0.0% (2.5) |" in report
    assert "| mul | 100.0% (2.0) | 100.0% (2.0) | 0.0% (2.0) |" in report
    for chart in ("success_by_domain.png", "turns.png"):
        assert (run_dir / chart).read_bytes().startswith(b"\x89PNG") and f"]({chart})" in report
    assert "100.0% (2.3)" in result.output


def test_compare_shows_deltas_and_flipped_tasks(tmp_path: Path) -> None:
    before = bench_run(tmp_path / "a", wrong=("text",))
    after = bench_run(tmp_path / "b", wrong=("json",))
    out = tmp_path / "cmp.md"
    result = runner.invoke(app(), ["bench", "compare", str(before), str(after), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text in result.output and "18 episodes in both runs" in text
    assert "| all | text | 0.0% | 100.0% | +100.0 pts | 2.33 | 2.33 | +0.00 |" in text
    assert "| mul | json | 100.0% | 0.0% | -100.0 pts |" in text
    assert "## Now solved (6)" in text and "- `add-chat` (add, text)" in text
    assert "## No longer solved (6)" in text and "- `mul-2` (mul, json)" in text


def test_tool_calls_format_without_an_endpoint_is_refused_up_front(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    proc = subprocess.run([sys.executable, "-m", "codeact", "bench", "m3", "--formats", "code,tool_calls",
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "needs an endpoint with native function calling" in proc.stderr
    assert not (tmp_path / "run").exists()
