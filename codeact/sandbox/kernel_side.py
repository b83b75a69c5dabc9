"""The half of the interpreter that runs inside the kernel.

The host does not import this module into the kernel (the sandbox cannot see this package): it sends the module's
source as the first, silent cell and calls ``install``. Everything here is therefore stdlib plus IPython, and has
no side effect at import. What it adds to the kernel, and why it must happen in there:

* output caps: a stream forwards the first ``limit`` characters of an action, then keeps only the last ``limit``
  in memory and counts the rest, so printing gigabytes costs neither the kernel nor the host memory. Text that is
  not valid UTF-8 is replaced, never sent raw (it would break the message encoding).
* tracebacks cut down to the agent's own frames (its cells, and modules it wrote into the work directory), with
  no IPython internals and no colours, formatted like plain Python.
* ``final_answer(x)``: records ``str(x)`` and stops the rest of the action without a traceback.
* figures left open by matplotlib are saved as PNG files in the work directory and closed.
* tool stubs: a host tool becomes a function with the tool's name, signature and docstring whose body sends the
  call over a Unix socket to the host; a sandbox tool is unpickled and runs right here.
* resource limits (``setrlimit``) that every process the agent starts inherits.

At the end of every action a ``display_data`` message of type ``ACTION_MIME`` carries what the host needs to build
the ``Execution``: the answer, the saved figures, and the tails and dropped counts of the capped streams.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import json
import os
import pickle
import resource
import signal
import socket
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ACTION_MIME = "application/vnd.codeact.action+json"
TOOL_FILENAME = "<codeact-tool>"


class CPUTimeExceeded(Exception):
    """Raised in the action that used up its CPU-time budget (``cpu_seconds_per_action``)."""


class FinalAnswer(BaseException):
    """Stops the action after ``final_answer``; a BaseException so ``except Exception`` does not swallow it."""


def clean_text(text: str) -> str:
    """``text`` made encodable as UTF-8 (lone surrogates from bytes decoded with ``surrogateescape``, say)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def cut_middle(text: str, limit: int) -> str:
    """Head and tail of ``text`` within about ``limit`` characters, with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"


class StreamCap:
    """Caps what one stream (``sys.stdout`` or ``sys.stderr``) sends to the host during one action."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.forward: Callable[[str], Any] = getattr(sys, name).write
        self.reset()

    def attach(self) -> None:
        """Patch the stream instance's ``write`` (ipykernel's fd watcher and ``print`` both call it).

        Done before every action, not once: IPython restores ``write`` after the cell that installed us, and
        agent code may swap streams.
        """
        stream = getattr(sys, self.name)
        if stream.write != self.write:
            self.forward = stream.write
            stream.write = self.write

    def reset(self) -> None:
        self.sent = 0
        self.tail: list[str] = []
        self.tail_len = 0
        self.dropped = 0

    def write(self, data: str) -> int:
        if not isinstance(data, str):
            return self.forward(data)  # let the stream raise its usual TypeError
        size, start = len(data), 0
        room = self.limit - self.sent
        if room > 0:
            head = clean_text(data[:room])
            self.forward(head)
            self.sent += len(head)
            start = min(room, size)
        if start < size:  # past the head: keep at most `limit` characters of it, without copying the rest
            piece = data[max(start, size - self.limit):]
            self.dropped += size - start - len(piece)
            self.tail.append(piece)
            self.tail_len += len(piece)
            if self.tail_len > 2 * self.limit:  # trim now and then, so a write costs O(its length)
                self._trim()
        return size

    def _trim(self) -> None:
        joined = "".join(self.tail)
        kept = joined[-self.limit:] if self.limit else ""
        self.dropped += len(joined) - len(kept)
        self.tail, self.tail_len = [kept], len(kept)

    def finish(self) -> tuple[int, str]:
        """``(dropped, tail)`` for the host, which puts the tail after a gap of ``dropped`` characters."""
        self._trim()
        result = (self.dropped, clean_text(self.tail[0]))
        self.reset()
        return result


def format_exception(exc: BaseException, is_agent_file: Callable[[str], bool], label: Callable[[str], str]) -> str:
    """Python's own traceback format, keeping only frames in the agent's files (and chained exceptions)."""
    top = traceback.TracebackException(type(exc), exc, exc.__traceback__, compact=True)
    pending, seen = [top], set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        frames = [f for f in node.stack if is_agent_file(f.filename)]
        if not frames and node.stack and not issubclass(node.exc_type, SyntaxError):
            frames = [node.stack[-1]]  # nothing of the agent's on the stack: show where it was raised
        for frame in frames:
            frame.filename = label(frame.filename)
        node.stack = traceback.StackSummary.from_list(frames)
        if getattr(node, "filename", None) and is_agent_file(node.filename):  # SyntaxError location
            node.filename = label(node.filename)
        pending += [n for n in (node.__cause__, node.__context__) if n is not None]
    return "".join(top.format())


def host_exception(type_name: str, message: str, args: list[Any] | None = None) -> Exception:
    """An exception with the host's type name and arguments (or message): the builtin type if there is one."""
    cls = getattr(builtins, type_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = _HOST_TYPES.setdefault(type_name, type(type_name, (Exception,), {"__module__": "builtins"}))
    try:
        return cls(*args) if args is not None else cls(message)
    except TypeError:  # a builtin with a different constructor (UnicodeDecodeError, ...)
        return RuntimeError(f"{type_name}: {message}")


_HOST_TYPES: dict[str, type[Exception]] = {}


class Runtime:
    """Per-kernel state behind ``__codeact__``; built by ``install``."""

    def __init__(self, shell: Any, workdir: str, tool_socket: str, output_limit: int,
                 cpu_seconds_per_action: int) -> None:
        self.shell = shell
        self.cpu_seconds_per_action = cpu_seconds_per_action
        self.running = False
        self.workdir = Path(workdir)
        self.tool_socket = tool_socket
        self.output_limit = output_limit
        self.answer: str | None = None
        self.exports: dict[str, Any] = {"final_answer": _make_final_answer(self)}
        self.caps = {name: StreamCap(name, output_limit) for name in ("stdout", "stderr")}
        self.next_figure = 1

    # -- hooks -------------------------------------------------------------------------------------------------

    def pre_run_cell(self, info: Any = None) -> None:
        self._cpu_budget()
        self.running = True
        self.answer = None
        for cap in self.caps.values():
            cap.reset()
            cap.attach()
        for name, value in self.exports.items():  # survive `%reset` and `del final_answer`
            self.shell.user_ns.setdefault(name, value)

    def post_run_cell(self, result: Any = None) -> None:
        self.running = False
        self._cpu_budget()  # background work between actions gets a budget of its own too
        figures = self._save_figures()
        tails = {name: cap.finish() for name, cap in self.caps.items()}
        # ipykernel flushes both streams before publishing, so the forwarded heads reach the host first
        self.shell.display_pub.publish({ACTION_MIME: {"answer": self.answer, "figures": figures, "tails": tails}})

    # -- agent-facing ------------------------------------------------------------------------------------------

    def call_host(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            request = json.dumps({"tool": name, "args": list(args), "kwargs": kwargs})
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name}(): arguments must be JSON-serialisable to reach the host ({exc})") from None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(self.tool_socket)
            sock.sendall(request.encode() + b"\n")
            with sock.makefile("rb") as reader:
                line = reader.readline()
        if not line:
            raise ConnectionError(f"{name}(): the host closed the tool channel without answering")
        reply = json.loads(line)
        if "error" in reply:
            error = reply["error"]
            raise host_exception(error["type"], error["message"], error.get("args"))
        return reply["result"]

    def add_host_tool(self, name: str, source: str) -> None:
        self._export(name, _define(source, name, {"__codeact__": self}))

    def add_sandbox_tool(self, name: str, payload: str) -> None:
        self._export(name, pickle.loads(base64.b64decode(payload)))

    def configure(self, output_limit: int, workdir: str) -> None:
        """Per-interpreter settings of a kernel that may have been started (pooled) before they were known."""
        self.output_limit = output_limit
        self.workdir = Path(workdir)
        for cap in self.caps.values():
            cap.limit = output_limit

    # -- internals ---------------------------------------------------------------------------------------------

    def _export(self, name: str, value: Any) -> None:
        self.exports[name] = value
        self.shell.user_ns[name] = value

    def _cpu_budget(self) -> None:
        """Move the soft RLIMIT_CPU to the CPU time used so far plus one action's budget (the hard limit, the
        kernel's whole-life cap, stays): the kernel gets SIGXCPU when the action spends its budget."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = int(usage.ru_utime + usage.ru_stime) + self.cpu_seconds_per_action + 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))

    def on_cpu_limit(self, signum: int, frame: Any) -> None:
        """SIGXCPU: stop the running action; between actions (an idle kernel's background threads) do nothing, as
        raising into ipykernel's event loop would kill the kernel."""
        if self.running:
            self._cpu_budget()  # room for the traceback and the next action's set-up
            raise CPUTimeExceeded(f"this action used more than {self.cpu_seconds_per_action} s of CPU time")

    def _save_figures(self) -> list[str]:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:
            return []
        names = []
        for num in plt.get_fignums():
            path = self._figure_path()
            try:
                plt.figure(num).savefig(path, format="png")
            except Exception as exc:  # a broken figure must not hide the action's own output
                print(f"[figure {num} could not be saved: {type(exc).__name__}: {exc}]", file=sys.stderr)
            else:
                names.append(path.name)
        plt.close("all")
        return names

    def _figure_path(self) -> Path:
        while (path := self.workdir / f"figure-{self.next_figure}.png").exists():
            self.next_figure += 1
        self.next_figure += 1
        return path

    def is_agent_file(self, filename: str) -> bool:
        if filename in getattr(self.shell.compile, "_filename_map", {}):
            return True
        return not filename.startswith("<") and Path(filename).resolve().is_relative_to(self.workdir.resolve())

    def label(self, filename: str) -> str:
        number = getattr(self.shell.compile, "_filename_map", {}).get(filename)
        return f"<action {number}>" if number is not None else filename

    def structured_traceback(self, etype: type, value: BaseException, *args: Any, **kwargs: Any) -> list[str]:
        return format_exception(value, self.is_agent_file, self.label).rstrip("\n").split("\n")


def _make_final_answer(runtime: Runtime) -> Callable[[Any], None]:
    def final_answer(answer: Any) -> None:
        """Give the final answer to the task. Stops the rest of this code action."""
        runtime.answer = clean_text(str(answer))
        raise FinalAnswer

    final_answer.__annotations__ = {"answer": Any, "return": None}  # real objects, so help() shows no quotes
    return final_answer


def _define(source: str, name: str, globals_: dict[str, Any]) -> Any:
    """Run a stub's ``def``; annotations naming types the kernel lacks are kept as strings instead."""
    for prefix in ("", "from __future__ import annotations\n"):
        namespace = dict(globals_, __name__="__main__")
        exec("from typing import *", namespace)
        try:
            exec(compile(prefix + source, TOOL_FILENAME, "exec", dont_inherit=True), namespace)
        except NameError:
            continue
        return namespace[name]
    raise NameError(f"tool {name}: its signature names types that cannot be resolved")


def _cap_bundle(data: dict[str, Any], limit: int) -> dict[str, Any]:
    return {k: cut_middle(clean_text(v), limit) if isinstance(v, str) and k.startswith("text/") else v
            for k, v in data.items()}


def _apply_limits(limits: dict[str, tuple[int, int]]) -> None:
    for name, (soft, hard) in limits.items():
        which = getattr(resource, name)
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
        resource.setrlimit(which, (min(soft, hard), hard))


def install(shell: Any, config: dict[str, Any]) -> Runtime:
    """Set the kernel up for agent code; ``config`` comes from the host (see ``KernelProcess.bootstrap``)."""
    _apply_limits(config["limits"])
    with contextlib.suppress(OSError):
        os.setsid()  # lead a process group, so an interrupt reaches the agent's child processes too
    runtime = Runtime(shell, config["workdir"], config["tool_socket"], config["output_limit"],
                      config["cpu_seconds_per_action"])
    signal.signal(signal.SIGXCPU, runtime.on_cpu_limit)
    shell._tee = lambda channel: contextlib.nullcontext()  # IPython 9 keeps every printed string in memory
    with contextlib.suppress(Exception):
        shell.colors = "nocolor"
    shell.InteractiveTB.structured_traceback = runtime.structured_traceback
    shell.SyntaxTB.structured_traceback = runtime.structured_traceback
    shell.set_custom_exc((FinalAnswer,), lambda *args, **kwargs: None)
    hook, publish = shell.displayhook.write_format_data, shell.display_pub.publish
    shell.displayhook.write_format_data = lambda data, md=None: hook(_cap_bundle(data, runtime.output_limit), md)
    shell.display_pub.publish = lambda data, *a, **kw: publish(_cap_bundle(data, runtime.output_limit), *a, **kw)
    shell.events.register("pre_run_cell", runtime.pre_run_cell)
    shell.events.register("post_run_cell", runtime.post_run_cell)
    warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
    runtime.pre_run_cell()
    return runtime
