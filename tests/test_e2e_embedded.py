"""End to end with the real embedded 0.5B model, the real sandboxed kernel, and the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from codeact.agent import Agent
from codeact.models import LlamaCppModel
from codeact.tools import tool

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_model(embedded_small_model_path):
    return LlamaCppModel(embedded_small_model_path, name="qwen2.5-coder-0.5b")


def number_in(answer: str | None) -> str:
    return "".join(ch for ch in (answer or "") if ch.isdigit())


def test_arithmetic_that_needs_code(small_model, tmp_path):
    with Agent(small_model, max_turns=6, runs_dir=tmp_path) as agent:
        result = agent.run("Compute 123456789 * 987654321 with Python and give the exact result.")
    assert result.status == "answered", result.error
    assert number_in(result.answer) == str(123456789 * 987654321)
    steps = json.loads(result.trajectory_path.read_text())["steps"]
    assert any(step["code"] for step in steps), "the model must have run code, not guessed"


def test_task_that_needs_a_provided_tool(small_model, tmp_path):
    calls = []

    @tool
    def secret_number(name: str) -> int:
        """Look up the secret number registered under `name` (only this tool knows it)."""
        calls.append(name)
        return {"alpha": 7919, "beta": 104729}.get(name.lower(), 0)

    with Agent(small_model, tools=[secret_number], max_turns=6, runs_dir=tmp_path) as agent:
        result = agent.run("Call secret_number('alpha') and secret_number('beta') and tell me their sum.")
    assert calls, "the tool was never called"
    assert result.status == "answered", result.error
    assert number_in(result.answer) == str(7919 + 104729)


def test_chat_reuses_a_variable_from_the_first_message(small_model, tmp_path):
    with Agent(small_model, max_turns=5, runs_dir=tmp_path) as agent:
        first = agent.chat("Run Python code that stores the list of the squares of 1..20 in a variable named `sq`.")
        assert first.status in ("answered", "max_turns")
        second = agent.chat("Using the existing variable `sq` (do not redefine it), print sum(sq).")
    trajectory = json.loads(second.trajectory_path.read_text())
    second_task_codes = [s["code"] for s in trajectory["steps"][first.turns:] if s["code"]]
    assert second_task_codes and not any("sq =" in c or "sq=" in c for c in second_task_codes[:1])
    outputs = [s.get("observation", "") for s in trajectory["steps"][first.turns:]]
    assert any("2870" in o for o in outputs), outputs


def test_cli_run_json(embedded_small_model_path, tmp_path):
    env = {**os.environ, "CODEACT_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "codeact", "run", "What is 2**40? Compute it with Python.", "--json",
         "--model", str(embedded_small_model_path), "--max-turns", "5"],
        capture_output=True, text=True, env=env, timeout=600,
    )
    result = json.loads(proc.stdout)
    assert proc.returncode == (0 if result["status"] == "answered" else 1)
    assert set(result) >= {"answer", "status", "turns", "usage", "seconds", "trajectory_path"}
    assert number_in(result["answer"]) == str(2**40)
