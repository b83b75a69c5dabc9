"""Tools inside the kernel: stubs that call back to the host, and sandbox tools shipped by value.

A host tool runs in this process (it may hold credentials or touch host state) and is reached over a Unix socket in
the kernel's run directory, which is bind-mounted into the sandbox: Unix sockets cross network namespaces, TCP
loopback does not. One request per connection, one JSON line each way, so calls from threads inside the kernel need
no locking and a call interrupted by a timeout just drops its connection. Values cross as JSON; an exception
crosses as its type name and message and is re-raised in the kernel under the same name.
"""

from __future__ import annotations

import base64
import json
import os
import socketserver
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cloudpickle

from codeact.tools import Tool

MAX_REQUEST_BYTES = 16 * 1024**2


class ToolServer:
    """Serves host-tool calls from one kernel; records each call into the list given to ``record_into``."""

    def __init__(self, path: Path, tools: Sequence[Tool]) -> None:
        self.tools = {t.name: t for t in tools}
        self._calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        server = self

        slots = threading.BoundedSemaphore(16)

        class Handler(socketserver.StreamRequestHandler):
            timeout = 5.0

            def handle(self) -> None:
                if not slots.acquire(blocking=False):
                    return
                try:
                    self.wfile.write(server.dispatch(self.rfile.readline(MAX_REQUEST_BYTES)))
                except OSError:
                    pass
                finally:
                    slots.release()

        if path.exists():
            path.unlink()
        self._server = socketserver.ThreadingUnixStreamServer(str(path), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="codeact-tools", daemon=True)
        self._thread.start()

    def record_into(self, calls: list[dict[str, Any]]) -> None:
        """Calls from now on are appended to ``calls`` (the current action's ``Execution.tool_calls``)."""
        with self._lock:
            self._calls = calls

    def dispatch(self, line: bytes) -> bytes:
        """Run one request line; the JSON reply line. Never raises: failures are replies."""
        with self._lock:
            calls = self._calls
        try:
            request = json.loads(line)
            name, args, kwargs = request["tool"], request["args"], request["kwargs"]
        except (ValueError, KeyError, TypeError):
            return _encode(_error(ValueError("malformed or oversized tool request")))
        tool = self.tools.get(name)
        if tool is None:
            return _encode(_error(NameError(f"no host tool named {name!r}")))
        record: dict[str, Any] = {"tool": name, "args": args, "kwargs": kwargs}
        start = time.perf_counter()
        try:
            result = tool.fn(*args, **kwargs)
        except Exception as exc:  # the tool's own failure goes back to the agent, like any exception
            reply, record["error"] = _failure(exc)
        else:
            try:
                reply, record["result"] = _encode({"result": result}), result
            except (TypeError, ValueError):
                reply, record["error"] = _failure(
                    TypeError(f"{name} returned a {type(result).__name__}, which is not JSON-serialisable"))
        record["seconds"] = time.perf_counter() - start
        calls.append(record)
        return reply

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _error(exc: BaseException) -> dict[str, Any]:
    """Type name, message, and the arguments when JSON can carry them (``KeyError('k')`` stays ``KeyError('k')``)."""
    error: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    try:
        json.dumps(exc.args)
    except (TypeError, ValueError):
        return {"error": error}
    return {"error": {**error, "args": list(exc.args)}}


def _failure(exc: BaseException) -> tuple[bytes, str]:
    """The reply line for a failed call, and how ``tool_calls`` records it."""
    return _encode(_error(exc)), f"{type(exc).__name__}: {exc}"


def _encode(reply: dict[str, Any]) -> bytes:
    return json.dumps(reply).encode() + b"\n"


def host_stub_source(tool: Tool) -> str:
    """``def name(<same signature>): \"\"\"<same doc>\"\"\"`` whose body forwards the call to the host.

    The forwarding call is spelled out from the signature (positional, ``*args``, keyword-only, ``**kwargs``), so
    the stub binds arguments exactly like the real function would, and reports a wrong call the same way.
    """
    params = tool.signature.parameters.values()
    positional, keywords = [], []
    for p in params:
        if p.kind is p.VAR_POSITIONAL:
            positional.append(f"*{p.name}")
        elif p.kind is p.VAR_KEYWORD:
            keywords.append(f"**{p.name}")
        elif p.kind is p.KEYWORD_ONLY:
            keywords.append(f"{p.name!r}: {p.name}")
        else:
            positional.append(p.name)
    call = f"    return __codeact__.call_host({tool.name!r}, ({', '.join(positional)}{',' if positional else ''}), " \
           f"{{{', '.join(keywords)}}})\n"
    source = tool.python_stub().rstrip() + "\n" + call
    try:
        compile(source, "<stub>", "exec")
    except SyntaxError:  # a default value whose repr is not Python (an object(), a lambda): accept anything
        return _generic_stub(tool)
    return source


def _generic_stub(tool: Tool) -> str:
    return f'def {tool.name}(*args, **kwargs):\n    """{tool.quoted_doc}"""\n' \
           f"    return __codeact__.call_host({tool.name!r}, args, kwargs)\n"


def sandbox_payload(tool: Tool) -> str:
    """The tool's function pickled by value (base64), so the kernel needs none of the host's modules for it.

    Functions from the Python install itself (stdlib, site-packages) are pickled by reference: the kernel imports
    the same module. Anything else (the user's own modules) is registered by value just for this dump.
    """
    module = sys.modules.get(getattr(tool.fn, "__module__", "") or "")
    by_value = module is not None and module.__name__ != "__main__" and not _installed(module)
    if by_value:
        cloudpickle.register_pickle_by_value(module)
    try:
        data = cloudpickle.dumps(tool.fn)
    finally:
        if by_value:
            cloudpickle.unregister_pickle_by_value(module)
    return base64.b64encode(data).decode()


def _installed(module: Any) -> bool:
    path = getattr(module, "__file__", None)
    if path is None:
        return True  # builtin or namespace: importable everywhere
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return any(Path(os.path.realpath(path)).is_relative_to(p) for p in prefixes)
