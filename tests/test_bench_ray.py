"""Episodes as Ray actors on a local Ray instance (the ``--ray`` backend)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from bench_fakes import FakeModel, arith_suite, fake_interpreter

from codeact.bench import BenchError, BenchPlan, run_bench

ray = pytest.importorskip("ray")
TESTS_DIR = Path(__file__).parent


@pytest.mark.slow
def test_ray_actors_run_every_episode_once(tmp_path: Path) -> None:
    pythonpath = os.pathsep.join([str(TESTS_DIR), str(TESTS_DIR.parent)])
    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": {"PYTHONPATH": pythonpath}})
    try:
        plan = BenchPlan(suite=arith_suite, model=FakeModel(wrong_formats=("json",)), model_label="fake",
                         out=tmp_path, formats=("code", "json"), workers=2, ray_address="local",
                         interpreter_factory=fake_interpreter)
        run = run_bench(plan)
        assert ray.is_initialized(), "run_bench must leave a Ray instance it did not start running"
        with pytest.raises(BenchError, match="has 2 CPUs"):
            run_bench(replace(plan, out=tmp_path / "too-many", workers=3))
    finally:
        ray.shutdown()
    assert run.ran == 12 and len({r.key for r in run.rows}) == 12
    assert {r.key: r.success for r in run.rows} == {r.key: r.format == "code" for r in run.rows}
    assert all((tmp_path / r.trajectory).is_file() for r in run.rows)  # type: ignore[operator]


@pytest.mark.slow
def test_bench_starts_and_stops_its_own_local_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS_DIR), str(TESTS_DIR.parent)]))
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    plan = BenchPlan(suite=arith_suite, model=FakeModel(), model_label="fake", out=tmp_path, formats=("text",),
                     workers=2, ray_address="local", limit=2, interpreter_factory=fake_interpreter)
    run = run_bench(plan)
    assert not ray.is_initialized()
    assert run.ran == 2 and all(r.success for r in run.rows)
