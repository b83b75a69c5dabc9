"""codeact: LLM agents that act by writing and running Python (CodeAct, arXiv 2402.01030).

>>> from codeact import Agent, resolve_model
>>> agent = Agent(resolve_model(), tools=[my_function])
>>> agent.run("What is the sum of the squares of the first 100 primes?").answer
"""

from codeact.agent import Agent, RunResult
from codeact.models import resolve_model
from codeact.sandbox.settings import Mount, SandboxSettings
from codeact.tools import Tool, tool

__all__ = ["Agent", "Mount", "RunResult", "SandboxSettings", "Tool", "resolve_model", "tool"]
