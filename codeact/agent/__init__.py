"""The agent: the CodeAct loop, its result, its streamed events and its saved trajectories."""

from codeact.agent.agent import Agent
from codeact.agent.events import Event, Executed, Finished, ModelReplied, Reminded, TurnStarted
from codeact.agent.result import RunResult
from codeact.agent.trajectory import Trajectory, default_runs_dir, list_runs, load_run

__all__ = [
    "Agent", "Event", "Executed", "Finished", "ModelReplied", "Reminded", "RunResult", "Trajectory",
    "TurnStarted", "default_runs_dir", "list_runs", "load_run",
]
