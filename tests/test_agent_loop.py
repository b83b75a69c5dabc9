"""The agent loop with a scripted model and the real (sandboxed) Jupyter kernel."""

from __future__ import annotations

import json

import pytest

from codeact.agent import Agent, Executed, Finished, Reminded
from codeact.formats.base import FAILURE_NUDGE, OBSERVATION_NUDGE
from codeact.formats.code import REMINDER
from codeact.models import ScriptedModel
from codeact.tools import tool


@pytest.fixture
def make_agent(tmp_path):
    agents = []

    def make(replies, **kwargs):
        kwargs.setdefault("runs_dir", tmp_path / "runs")
        agent = Agent(ScriptedModel(replies), **kwargs)
        agents.append(agent)
        return agent

    yield make
    for agent in agents:
        agent.close()


def observations(agent: Agent) -> list[str]:
    """The observation messages of the last model call, without the closing nudge."""
    return [m["content"].removesuffix("\n\n" + OBSERVATION_NUDGE).removesuffix("\n\n" + FAILURE_NUDGE)
            for m in agent.model.calls[-1]["messages"] if m["content"].startswith("Observation:")]


def test_state_persists_across_turns(make_agent):
    agent = make_agent(["<execute>\nx = 21\n</execute>", "Now double it.\n<execute>\nprint(x * 2)\n",
                        "<solution>42</solution>"])
    result = agent.run("double 21")
    assert (result.status, result.answer, result.turns) == ("answered", "42", 3)
    assert "Observation:\n42" in observations(agent)
    assert "</execute>" in agent.model.calls[0]["stop"]


def test_tools_compose_in_one_action(make_agent):
    @tool
    def square(n: int) -> int:
        """Square a number."""
        return n * n

    @tool
    def label(value: int) -> str:
        """Label a value."""
        return f"v={value}"

    agent = make_agent(["<execute>\nprint(label(sum(square(i) for i in range(5))))\n</execute>",
                        "<solution>v=30</solution>"], tools=[square, label])
    result = agent.run("sum of squares below 5, labelled")
    assert result.answer == "v=30"
    assert "Observation:\nv=30" in observations(agent)
    assert "def square(n: int) -> int:" in agent.model.calls[0]["messages"][0]["content"]
    steps = json.loads(result.trajectory_path.read_text())["steps"]
    calls = steps[0]["execution"]["tool_calls"]
    assert [c["tool"] for c in calls] == ["square"] * 5 + ["label"]


def test_self_debugging_after_an_error(make_agent):
    def fix_if_failed(messages):
        last = messages[-1]["content"]
        assert "NameError" in last and "undefined_total" in last
        assert "ipykernel" not in last and "site-packages" not in last
        assert last.endswith(FAILURE_NUDGE)
        return "<execute>\ntotal = 5\nprint(total + 1)\n</execute>"

    agent = make_agent(["<execute>\nprint(undefined_total + 1)\n</execute>", fix_if_failed,
                        "<solution>6</solution>"])
    assert agent.run("add one").answer == "6"


def test_timeout_interrupts_and_keeps_state(make_agent):
    agent = make_agent(["<execute>\nkept = 7\n</execute>", "<execute>\nwhile True:\n    pass\n</execute>",
                        "<execute>\nprint(kept)\n</execute>", "<solution>7</solution>"], action_timeout=2)
    events = list(agent.stream("loop forever"))
    executions = [e.execution for e in events if isinstance(e, Executed)]
    assert executions[1].timed_out and not executions[1].restarted
    assert "timed out" in executions[1].observation()
    assert executions[2].stdout.strip() == "7"


def test_kernel_death_is_reported_and_the_episode_goes_on(make_agent):
    agent = make_agent(["<execute>\nlost = 1\n</execute>", "<execute>\nimport os\nos._exit(3)\n</execute>",
                        "<execute>\nprint('lost' in globals())\n</execute>", "<solution>done</solution>"])
    events = list(agent.stream("crash"))
    executions = [e.execution for e in events if isinstance(e, Executed)]
    assert executions[1].restarted
    assert "all variables, imports and state were lost" in executions[1].observation()
    assert executions[2].stdout.strip() == "False"
    assert events[-1].result.answer == "done"


def test_malformed_reply_gets_a_reminder_not_a_crash(make_agent):
    agent = make_agent(["I believe the answer is probably 5.", "<execute>\nprint(2 + 3)\n</execute>",
                        "<solution>5</solution>"])
    events = list(agent.stream("2+3"))
    assert any(isinstance(e, Reminded) for e in events)
    second_call = agent.model.calls[1]["messages"]
    assert second_call[-1]["content"].endswith(REMINDER)
    assert events[-1].result.answer == "5"


def test_long_output_is_truncated_with_a_note(make_agent):
    agent = make_agent(["<execute>\nprint('x' * 1_000_000)\n</execute>", "<solution>ok</solution>"])
    agent.run("flood")
    obs = observations(agent)[0]
    assert "[output truncated:" in obs and len(obs) < 50_000


def test_max_turns_ends_the_run_with_that_status(make_agent):
    agent = make_agent(["<execute>\nprint(1)\n</execute>"] * 2, max_turns=2)
    result = agent.run("never answer")
    assert result.status == "max_turns" and result.answer is None and result.turns == 2
    assert "max-turns" in result.error


def test_final_answer_from_code(make_agent):
    agent = make_agent(["<execute>\nfinal_answer(sum(range(10)))\nprint('not reached')\n</execute>"])
    result = agent.run("sum below 10")
    assert (result.status, result.answer, result.turns) == ("answered", "45", 1)


def test_model_error_ends_with_a_clear_status(make_agent):
    agent = make_agent([])
    result = agent.run("anything")
    assert result.status == "error" and "ran out of replies" in result.error


def test_trajectory_is_saved_after_every_step(make_agent):
    seen = []

    def peek(messages):
        seen.append(json.loads(agent.trajectory.path.read_text()))
        return "<solution>1</solution>"

    agent = make_agent(["<execute>\nprint(1)\n</execute>", peek])
    result = agent.run("one")
    assert seen[0]["status"] == "running" and len(seen[0]["steps"]) == 1
    assert seen[0]["steps"][0]["observation"] == "1"
    final = json.loads(result.trajectory_path.read_text())
    assert final["status"] == "answered" and final["answer"] == "1" and final["model"] == "scripted"
    assert final["steps"][0]["execution"]["seconds"] >= 0 and final["messages"][-1]["role"] == "assistant"


def test_chat_keeps_interpreter_state_and_run_starts_fresh(make_agent):
    agent = make_agent(["<execute>\nitems = [3, 4]\n</execute>", "<solution>stored</solution>",
                        "<execute>\nprint(sum(items))\n</execute>", "<solution>7</solution>",
                        "<execute>\nprint('items' in globals())\n</execute>", "<solution>no</solution>"])
    assert agent.chat("store 3 and 4").answer == "stored"
    assert agent.chat("sum them").answer == "7"
    assert "Observation:\n7" in observations(agent)
    agent.run("fresh episode")
    assert "Observation:\nFalse" in observations(agent)


def test_empty_task_is_refused(make_agent):
    with pytest.raises(ValueError, match="empty"):
        make_agent([]).run("   ")


def test_figures_are_saved_in_the_workdir(make_agent, tmp_path):
    agent = make_agent(["<execute>\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\n</execute>",
                        "<solution>plotted</solution>"], workdir=tmp_path / "work")
    events = list(agent.stream("plot"))
    execution = next(e.execution for e in events if isinstance(e, Executed))
    assert execution.figures and execution.figures[0].suffix == ".png"
    assert (tmp_path / "work" / execution.figures[0].name).read_bytes()[:4] == b"\x89PNG"
    assert isinstance(events[-1], Finished)


def test_new_episodes_take_warm_kernels_from_a_pool(tmp_path):
    from codeact.sandbox import KernelPool
    from codeact.sandbox.settings import SandboxSettings

    settings = SandboxSettings()
    with KernelPool(settings, size=1, root=tmp_path / "runs" / ".pool") as pool:
        pool.wait_ready()
        model = ScriptedModel(["<execute>\nprint(6 * 7)\n</execute>", "<solution>42</solution>"] * 2)
        with Agent(model, runs_dir=tmp_path / "runs", sandbox=settings, pool=pool) as agent:
            for _ in range(2):
                pool.wait_ready()
                assert agent.run("six times seven").answer == "42"
                assert agent.interpreter.pooled
                assert (agent.interpreter.workdir.parent / "trajectory.json").exists()
