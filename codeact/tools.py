"""Tools are plain Python functions with type hints and a docstring.

A ``Tool`` wraps one and knows how to show itself to a model: as a Python signature with its docstring (the
``code`` format) or as a JSON schema (the ``json``/``text``/``tool_calls`` formats). Where it runs is declared per
tool: ``"host"`` tools run in this process and are reached from the interpreter over a channel (they may hold
credentials or touch host state); ``"sandbox"`` tools are pure and shipped into the interpreter by value.
"""

from __future__ import annotations

import importlib
import inspect
import keyword
import os
import sys
import textwrap
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

RunsOn = Literal["host", "sandbox"]


class ToolError(ValueError):
    """A tool spec that cannot be loaded (bad ``module:function``, not callable)."""


@dataclass(frozen=True)
class Tool:
    fn: Callable[..., Any]
    name: str
    runs_on: RunsOn = "host"

    def __post_init__(self) -> None:
        """Every format runs tools as Python calls, so a tool must be callable by name from code: refuse it here,
        before any prompt or trajectory exists, rather than when the interpreter starts."""
        if not self.name.isidentifier() or keyword.iskeyword(self.name):
            raise ToolError(f"tool name {self.name!r} is not a Python identifier, so code cannot call it")
        if self.runs_on == "host" and inspect.iscoroutinefunction(self.fn):
            raise ToolError(f"tool {self.name!r} is async: host tools must be plain functions")

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.fn) or ""

    @property
    def quoted_doc(self) -> str:
        """The docstring, safe inside triple double quotes (how stubs in the prompt and the kernel carry it)."""
        return self.doc.replace('"""', "'''")

    @property
    def signature(self) -> inspect.Signature:
        """The function's signature; ``(*args, **kwargs)`` for callables without one (some builtins)."""
        try:
            return inspect.signature(self.fn)
        except (TypeError, ValueError):
            return _ANY_ARGUMENTS

    def python_stub(self) -> str:
        """``def name(arg: type) -> type:`` plus the docstring: how the code format lists a tool."""
        sig = _render_signature(self.fn, self.signature)
        body = textwrap.indent(f'"""{self.quoted_doc}"""', "    ") if self.doc else "    ..."
        return f"def {self.name}{sig}:\n{body}"

    def json_schema(self) -> dict[str, Any]:
        """An OpenAI ``tools`` entry: name, description and JSON-schema parameters from the type hints."""
        hints = _hints(self.fn)
        props: dict[str, Any] = {}
        required: list[str] = []
        for pname, param in self.signature.parameters.items():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            props[pname] = _json_type(hints.get(pname, Any))
            if param.default is inspect.Parameter.empty:
                required.append(pname)
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.doc,
                "parameters": {"type": "object", "properties": props, "required": required},
            },
        }

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


def tool(
    fn: Callable[..., Any] | None = None, *, name: str | None = None, runs_on: RunsOn = "host"
) -> Any:
    """Declare a function as a tool; usable bare (``@tool``) or with options (``@tool(runs_on="sandbox")``)."""

    def wrap(f: Callable[..., Any]) -> Tool:
        return Tool(f, name or f.__name__, runs_on)

    return wrap(fn) if fn is not None else wrap


def as_tool(obj: Tool | Callable[..., Any]) -> Tool:
    if isinstance(obj, Tool):
        return obj
    if not callable(obj):
        raise ToolError(f"{obj!r} is not callable, so it cannot be a tool")
    return Tool(obj, getattr(obj, "__name__", type(obj).__name__))


def load_tool(spec: str) -> Tool:
    """Import ``package.module:function`` (the CLI's ``--tool``), also from the current directory."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ToolError(f"--tool {spec!r}: expected 'module:function', e.g. 'math:factorial'")
    if os.getcwd() not in sys.path:  # as `python -m` does: a tools module beside the user is importable
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ToolError(f"--tool {spec!r}: cannot import module {module_name!r} ({exc})") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ToolError(f"--tool {spec!r}: module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return as_tool(obj)


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        return dict(getattr(fn, "__annotations__", {}))


_ANY_ARGUMENTS = inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL),
                                    inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)])


def _render_signature(fn: Callable[..., Any], sig: inspect.Signature) -> str:
    hints = _hints(fn)
    params = []
    for p in sig.parameters.values():
        ann = hints.get(p.name, p.annotation)
        params.append(p.replace(annotation=ann) if ann is not inspect.Parameter.empty else p)
    ret = hints.get("return", sig.return_annotation)
    sig = sig.replace(parameters=params, return_annotation=ret)
    return str(sig).replace("typing.", "")


_JSON_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _json_type(hint: Any) -> dict[str, Any]:
    if hint in _JSON_TYPES:
        return {"type": _JSON_TYPES[hint]}
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (list, tuple, set, frozenset):
        return {"type": "array", "items": _json_type(args[0]) if args else {}}
    if origin is dict:
        return {"type": "object"}
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1:
            return _json_type(non_none[0])
        return {"anyOf": [_json_type(a) for a in non_none]}
    if origin is Literal:
        return {"enum": list(args)}
    if hint is list:
        return {"type": "array"}
    if hint is dict:
        return {"type": "object"}
    return {}
