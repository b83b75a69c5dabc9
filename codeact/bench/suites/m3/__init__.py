"""The built-in "m3" suite: multi-turn, multi-tool tasks over six domains with seeded, in-code fixtures.

Written for this project in the spirit of M3ToolEval (several tools whose results feed each other, one value to
answer); no task comes from an existing benchmark. Expected answers are computed once, lazily, by running each
case's reference solution against a fresh tool box; episodes get another fresh tool box, so a reference
solution's bookings never leak into an agent's episode.
"""

from __future__ import annotations

from functools import cached_property

from codeact.bench.scoring import score_last_answer
from codeact.bench.suite import Env, Score, Task
from codeact.bench.suites.m3 import bank, calendar, cipher, dna, shop, travel
from codeact.bench.suites.m3.base import Domain, namespace
from codeact.tools import Tool

MONEY_TOLERANCE = 0.011
"""Absolute slack for non-integer answers: amounts are rounded to cents, and rounding per item or only the total
(both reasonable readings of some prompts) can differ by a cent."""

DOMAINS: tuple[Domain, ...] = (travel.DOMAIN, shop.DOMAIN, dna.DOMAIN, cipher.DOMAIN, calendar.DOMAIN, bank.DOMAIN)


class M3Suite:
    name = "m3"

    def __init__(self, domains: tuple[Domain, ...] = DOMAINS):
        self._domains = {d.name: d for d in domains}

    @cached_property
    def _tasks(self) -> list[Task]:
        tasks = []
        for domain in self._domains.values():
            for index, case in enumerate(domain.cases):
                calls: list[str] = []
                tools = [_counting(t, calls) for t in domain.make_tools()]
                expected = case.solve(namespace(tools))
                tasks.append(Task(
                    id=f"{domain.name}/{index:03d}", domain=domain.name, turns=[case.prompt], expected=expected,
                    meta={"reference_calls": len(calls), "reference_tools": sorted(set(calls))},
                ))
        return tasks

    def tasks(self) -> list[Task]:
        return list(self._tasks)

    def make_env(self, task: Task) -> Env:
        return Env(tools=self._domains[task.domain].make_tools())

    def check(self, task: Task, answers: list[str | None], env: Env) -> Score:
        return score_last_answer(task.expected, answers, abs_tol=MONEY_TOLERANCE)

def _counting(tool: Tool, calls: list[str]) -> Tool:
    """Record each call's tool name, so a task's meta says how many calls its reference solution needed."""

    def call(*args: object, **kwargs: object) -> object:
        calls.append(tool.name)
        return tool.fn(*args, **kwargs)

    return Tool(call, tool.name, tool.runs_on)
