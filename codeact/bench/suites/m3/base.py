"""The building blocks of the m3 suite: a domain is a tool-box factory plus cases; a case is a prompt plus the
reference solution that computes its expected answer by calling the same tools the agent gets.

Tool boxes are classes whose public methods are the tools, so ``make_env`` gets fresh per-episode state (a cart,
a calendar, a ledger) by instantiating the class again. Reference solutions receive a namespace of those tools
(``tools.search_flights(...)``): an expected answer is never typed in by hand, only computed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar

from codeact.tools import Tool

T = TypeVar("T")


@dataclass(frozen=True)
class Case:
    prompt: str
    solve: Callable[[Any], Any]
    """Reference solution: takes a namespace of the episode's tools and returns the expected answer."""


@dataclass(frozen=True)
class Domain:
    name: str
    toolbox: type
    """A class whose public methods are the domain's tools; one instance per episode."""
    cases: tuple[Case, ...]

    def make_tools(self) -> list[Tool]:
        return toolbox_tools(self.toolbox())


def toolbox_tools(box: object) -> list[Tool]:
    """The public methods of ``box`` as host tools, in definition order (the order the model reads them in)."""
    cls = type(box)
    names = [name for name in vars(cls) if not name.startswith("_") and inspect.isfunction(getattr(cls, name))]
    return [Tool(getattr(box, name), name, "host") for name in names]


def namespace(tools: Iterable[Tool]) -> SimpleNamespace:
    return SimpleNamespace(**{t.name: t for t in tools})


class AmbiguousTask(AssertionError):
    """A reference solution found a tie where its prompt promises a single answer: the case needs other data."""


def unique_best(items: Iterable[T], key: Callable[[T], Any], *, largest: bool = False) -> T:
    """The single item with the smallest (or largest) key; a tie would make the task ambiguous, so it raises."""
    ranked = sorted(items, key=key, reverse=largest)
    if not ranked:
        raise AmbiguousTask("no candidates: the case's parameters select nothing")
    if len(ranked) > 1 and key(ranked[0]) == key(ranked[1]):
        raise AmbiguousTask(f"tie between {ranked[0]!r} and {ranked[1]!r}")
    return ranked[0]


def single(items: Iterable[T]) -> T:
    """The only item; none or several would make the task's "which one" question ill-posed, so it raises."""
    found = list(items)
    if len(found) != 1:
        raise AmbiguousTask(f"expected exactly one candidate, found {found!r}")
    return found[0]
