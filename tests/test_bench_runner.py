"""The benchmark runner: every task in every format, one row per episode, resumable after a kill."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from bench_fakes import (
    ArithSuite,
    FakeModel,
    arith_suite,
    fake_interpreter,
    staged_suite,
)

from codeact.bench import BenchError, BenchPlan, load_rows, run_bench
from codeact.bench.results import RESULTS_FILE, EpisodeRow, ResultsFile
from codeact.bench.selection import select_tasks
from codeact.bench.suite import Task

FORMATS = ("code", "json", "text", "tool_calls")
TESTS_DIR = Path(__file__).parent


def plan(out: Path, **changes: object) -> BenchPlan:
    base = BenchPlan(suite=arith_suite, model=FakeModel(wrong_formats=("text",)), model_label="fake", out=out,
                     formats=FORMATS, interpreter_factory=fake_interpreter)
    return replace(base, **changes)  # type: ignore[arg-type]


def file_keys(out: Path) -> Counter[tuple[str, str]]:
    lines = (out / RESULTS_FILE).read_text().splitlines()
    return Counter((row["task"], row["format"]) for row in map(json.loads, lines))


def all_keys() -> set[tuple[str, str]]:
    return {(t.id, f) for t in ArithSuite().tasks() for f in FORMATS}


def test_every_task_runs_in_every_format_and_rows_say_what_happened(tmp_path: Path) -> None:
    run = run_bench(plan(tmp_path))
    assert run.ran == 24 and run.skipped == 0
    assert {r.key for r in run.rows} == all_keys() and set(file_keys(tmp_path).values()) == {1}
    by_key = {r.key: r for r in run.rows}
    assert all(r.success for r in run.rows if r.format != "text")
    assert not any(r.success for r in run.rows if r.format == "text")
    chat = by_key[("add-chat", "tool_calls")]
    assert chat.answers == ["3", "70"] and chat.turns == 4 and chat.end_reason == "answered"
    assert chat.model == "fake" and chat.domain == "add" and chat.prompt_tokens > 0 and chat.error is None
    trajectory = tmp_path / chat.trajectory  # type: ignore[operator]
    assert trajectory.is_file() and json.loads(trajectory.read_text())["format"] == "tool_calls"
    assert json.loads((tmp_path / "run.json").read_text())["formats"] == list(FORMATS)


def test_resume_skips_finished_episodes_and_adds_new_formats(tmp_path: Path) -> None:
    run_bench(plan(tmp_path, formats=("code", "json")))
    again = run_bench(plan(tmp_path, formats=("code", "json")))
    assert again.ran == 0 and again.skipped == 12 and len(again.rows) == 12
    more = run_bench(plan(tmp_path, formats=("code", "text")))
    assert more.ran == 6 and more.skipped == 6 and {r.format for r in more.rows} == {"code", "text"}
    assert set(file_keys(tmp_path).values()) == {1} and len(file_keys(tmp_path)) == 18
    assert json.loads((tmp_path / "run.json").read_text())["formats"] == ["code", "json", "text"]


def test_a_different_model_or_turn_limit_cannot_resume_the_same_directory(tmp_path: Path) -> None:
    run_bench(plan(tmp_path, limit=1))
    with pytest.raises(BenchError, match="model='fake'"):
        run_bench(plan(tmp_path, limit=1, model_label="other"))
    with pytest.raises(BenchError, match="max_turns=10"):
        run_bench(plan(tmp_path, limit=1, max_turns=3))
    with pytest.raises(BenchError, match="action_timeout"):
        run_bench(plan(tmp_path, limit=1, action_timeout=5.0))


def test_a_half_written_last_line_is_cut_and_its_episode_run_again(tmp_path: Path) -> None:
    run_bench(plan(tmp_path, limit=2))
    path = tmp_path / RESULTS_FILE
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    assert len(ResultsFile(path).read()) == 7
    run = run_bench(plan(tmp_path, limit=2))
    assert run.ran == 1 and file_keys(tmp_path) == Counter({k: 1 for k in file_keys(tmp_path)})
    assert len(file_keys(tmp_path)) == 8 and path.read_text().endswith("\n")


def test_failing_episodes_become_error_rows_and_can_be_retried(tmp_path: Path) -> None:
    broken = plan(tmp_path, suite=lambda: ArithSuite(broken_env=["mul-1"]),
                  model=FakeModel(fail_tasks=("Multiply 2",)))
    run = run_bench(broken)
    errors = {r.key: r for r in run.rows if r.end_reason == "error"}
    assert set(errors) == {(t, f) for t in ("mul-1", "mul-2") for f in FORMATS}
    assert errors[("mul-1", "code")].error == "RuntimeError: cannot build the tools of mul-1"
    assert errors[("mul-2", "json")].error == "the fake server is down" and errors[("mul-2", "json")].turns == 1
    assert not any(r.success for r in errors.values()) and len(run.rows) == 24
    fixed = run_bench(plan(tmp_path, retry_errors=True))
    assert fixed.ran == 8 and all(r.success for r in fixed.rows if r.format != "text")
    assert set(file_keys(tmp_path).values()) == {1}


def test_suite_turn_hooks_and_tools_released_at_a_later_turn(tmp_path: Path) -> None:
    run = run_bench(plan(tmp_path, suite=staged_suite, model=FakeModel()))
    assert all(r.success for r in run.rows), [r.detail for r in run.rows]
    for row in run.rows:
        messages = json.loads((tmp_path / row.trajectory).read_text())["messages"]  # type: ignore[operator]
        users = [m["content"] for m in messages if m["role"] == "user" and not m["content"].startswith("Obs")]
        assert "Multiply two integers" not in messages[0]["content"]
        assert ("Add two integers" in messages[0]["content"]) is (row.format != "tool_calls")
        assert users[1].startswith("New tools are available from now on:\n") and "multiply" in users[1]
        assert users[1].endswith("Now multiply 3 and 7.")


def test_bad_plans_fail_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="unknown action format"):
        run_bench(plan(tmp_path, formats=("code", "yaml")))
    with pytest.raises(BenchError, match="twice"):
        run_bench(plan(tmp_path, formats=("code", "code")))
    with pytest.raises(BenchError, match="selected no tasks"):
        run_bench(plan(tmp_path, limit=0))
    assert not (tmp_path / RESULTS_FILE).exists()


def test_worker_processes_give_the_same_rows(tmp_path: Path) -> None:
    inline = run_bench(plan(tmp_path / "inline", formats=("code", "json")))
    pooled = run_bench(plan(tmp_path / "pool", formats=("code", "json"), workers=2))
    assert {r.key: r.success for r in pooled.rows} == {r.key: r.success for r in inline.rows}
    assert set(file_keys(tmp_path / "pool").values()) == {1}


def test_a_worker_that_cannot_build_its_model_stops_the_run_with_the_cause(tmp_path: Path) -> None:
    from codeact.bench.episode import ModelSpec

    with pytest.raises(BenchError, match="could not start: ModelError"):
        run_bench(plan(tmp_path, model=ModelSpec("no-such-model", base_url=None), workers=2, limit=1))


KILLED_RUN = """
import sys
from pathlib import Path
from bench_fakes import FakeModel, arith_suite, fake_interpreter
from codeact.bench import BenchPlan, run_bench
run_bench(BenchPlan(suite=arith_suite, model=FakeModel(delay=float(sys.argv[2]), wrong_formats=("text",)),
                    model_label="fake", out=Path(sys.argv[1]), formats=("code", "json", "text", "tool_calls"),
                    workers=int(sys.argv[3]), interpreter_factory=fake_interpreter))
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_run_resumes_without_losing_or_repeating_episodes(tmp_path: Path, workers: int) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), str(TESTS_DIR.parent)])}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(tmp_path), "0.05", str(workers)], env=env,
                            start_new_session=True, stderr=subprocess.PIPE)
    path = tmp_path / RESULTS_FILE
    try:
        deadline = time.monotonic() + 60
        while not (path.exists() and path.read_text().count("\n") >= 5):
            assert proc.poll() is None, proc.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the run wrote no rows"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the worker processes this test started, in its own session
        proc.stderr.close()  # type: ignore[union-attr]
    before = path.read_bytes()
    survived = ResultsFile(path).read()
    assert 5 <= len(survived) < 24
    run = run_bench(plan(tmp_path, model=FakeModel(wrong_formats=("text",))))
    assert run.skipped == len(survived) and run.ran == 24 - len(survived)
    assert set(file_keys(tmp_path).values()) == {1} and set(file_keys(tmp_path)) == all_keys()
    complete = before[: before.rfind(b"\n") + 1]
    assert path.read_bytes().startswith(complete)
    assert {r.key: r.success for r in load_rows(tmp_path)} == {k: k[1] != "text" for k in all_keys()}


def tasks(domains: dict[str, int]) -> list[Task]:
    return [Task(f"{d}-{i}", d, ["x"]) for d, n in domains.items() for i in range(n)]


def test_limit_keeps_the_first_tasks() -> None:
    assert [t.id for t in select_tasks(tasks({"a": 3, "b": 2}), limit=4)] == ["a-0", "a-1", "a-2", "b-0"]


def test_sample_is_stratified_by_domain_seeded_and_in_suite_order() -> None:
    suite = tasks({"a": 60, "b": 30, "c": 10})
    picked = select_tasks(suite, sample=10, seed=1)
    assert Counter(t.domain for t in picked) == {"a": 6, "b": 3, "c": 1}
    assert picked == select_tasks(suite, sample=10, seed=1)
    assert [t.id for t in picked] == [t.id for t in suite if t in picked]
    assert {t.id for t in select_tasks(suite, sample=10, seed=2)} != {t.id for t in picked}
    uneven = select_tasks(tasks({"a": 2, "b": 2, "c": 2}), sample=4, seed=0)
    assert len(uneven) == 4 and set(Counter(t.domain for t in uneven).values()) <= {1, 2}


def test_selection_errors() -> None:
    with pytest.raises(BenchError, match="one of them"):
        select_tasks(tasks({"a": 2}), limit=1, sample=1)
    with pytest.raises(BenchError, match="duplicate task ids"):
        select_tasks([*tasks({"a": 2}), *tasks({"a": 1})])


def test_rows_ignore_unknown_fields() -> None:
    row = EpisodeRow("t", "d", "code", True, 1, "answered", "m")
    assert EpisodeRow.from_dict({**row.__dict__, "added_later": 1}) == row


def test_staged_format_shows_only_released_tools() -> None:
    from bench_fakes import StagedSuite

    from codeact.bench.staging import StagedFormat
    from codeact.formats import get_format
    from codeact.models.base import Completion

    tools = StagedSuite().make_env(StagedSuite().tasks()[0]).tools
    staged = StagedFormat(get_format("tool_calls"), ["add"])
    assert [t["function"]["name"] for t in staged.model_tools(tools)] == ["add"]  # type: ignore[union-attr]
    note = staged.release([tools[1]])
    # tool_calls sends the schemas through the endpoint's tools field: the announcement only names the tools
    assert note.endswith(":\nmultiply") and '"name"' not in note
    assert len(staged.model_tools(tools)) == 2  # type: ignore[arg-type]
    json_staged = StagedFormat(get_format("json"), ["add"])
    json_staged.system_prompt(tools)
    early = json_staged.parse(Completion('{"tool": "multiply", "arguments": {"a": 2, "b": 3}}'))
    assert early.code is None and "'multiply' is not one of the tools (add)" in early.reminder  # type: ignore[operator]
    assert '"name": "multiply"' in json_staged.release([tools[1]])
    late = json_staged.parse(Completion('{"tool": "multiply", "arguments": {"a": 2, "b": 3}}'))
    assert late.code == "multiply(a=2, b=3)"
    code = StagedFormat(get_format("code"), ["add"])
    assert "def multiply(a: int, b: int) -> int:" in code.release([tools[1]])
    assert "def multiply" in code.system_prompt(tools) and staged.stop == [] and code.name == "code"


def test_episodes_in_the_real_sandbox_share_a_warm_kernel_pool(tmp_path: Path) -> None:
    from codeact.sandbox import SandboxUnavailable, check_sandbox_available
    from codeact.sandbox.settings import SandboxSettings

    try:
        check_sandbox_available(SandboxSettings())
    except SandboxUnavailable as exc:
        pytest.skip(str(exc))
    run = run_bench(plan(tmp_path, interpreter_factory=None, limit=2))
    assert len(run.rows) == 8 and all(r.success for r in run.rows if r.format != "text"), [r.error for r in run.rows]
    assert not (tmp_path / ".kernels").exists(), "the pool's directory is removed when the run ends"
