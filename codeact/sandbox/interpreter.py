"""``KernelInterpreter``: a stateful, sandboxed Jupyter kernel that runs an agent's code actions.

One interpreter owns one kernel, one run directory and, when host tools are given, one tool server. State persists
across ``execute`` calls. An action that outlives its timeout is interrupted (state kept); if the interrupt does
not take within ``INTERRUPT_GRACE`` seconds, or the kernel dies (segfault, ``os._exit``, OOM kill, CPU limit), a
fresh kernel replaces it, tools and all, and the ``Execution`` says ``restarted``: the model is told its state is
gone instead of waiting for a kernel that will never answer.
"""

from __future__ import annotations

import shutil
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from codeact.sandbox.action import ActionOutput
from codeact.sandbox.availability import check_sandbox_available
from codeact.sandbox.base import Execution
from codeact.sandbox.host_tools import ToolServer, host_stub_source, sandbox_payload
from codeact.sandbox.process import KernelProcess, make_rundir
from codeact.sandbox.settings import SandboxSettings
from codeact.tools import Tool

if TYPE_CHECKING:
    from codeact.sandbox.pool import KernelPool

INTERRUPT_GRACE = 3.0
POLL_INTERVAL = 0.1
"""How often a waiting ``execute`` checks that the kernel process is still alive."""


@dataclass
class _Owned:
    """What an interpreter must release, kept apart from it so a finalizer can release it without a reference."""

    kernel: KernelProcess
    rundir: Path
    server: ToolServer | None = None

    def release(self) -> None:
        self.kernel.kill()
        if self.server is not None:
            self.server.close()
        shutil.rmtree(self.rundir, ignore_errors=True)


class KernelInterpreter:
    """A Jupyter kernel in a bwrap sandbox (or unsandboxed with ``kind="none"``), with the agent's tools in it.

    With a ``pool`` (same settings), a ready kernel is adopted instead of started (see ``KernelPool``); when the
    pool cannot hand one over for this work directory, a kernel is started as without a pool.
    """

    def __init__(self, workdir: Path, tools: Sequence[Tool] = (), settings: SandboxSettings = SandboxSettings(),
                 output_limit: int = 20_000, pool: KernelPool | None = None) -> None:
        if pool is not None and pool.settings != settings:
            raise ValueError("the kernel pool was made for other sandbox settings: pass the pool's settings")
        check_sandbox_available(settings)
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.tools = list(tools)
        self.output_limit = output_limit
        lease = pool.acquire(self.workdir) if pool is not None else None
        self.pooled = lease is not None
        if lease is not None:
            self._view = lease.view
            self._owned = _Owned(lease.kernel, lease.rundir)
        else:
            self._view = self.workdir
            rundir = make_rundir()
            try:
                self._owned = _Owned(self._start_kernel(rundir), rundir)
            except BaseException:
                shutil.rmtree(rundir, ignore_errors=True)
                raise
        self._release = weakref.finalize(self, self._owned.release)  # also at exit, if nobody calls close()
        try:
            host_tools = [t for t in self.tools if t.runs_on == "host"]
            if host_tools:
                self._owned.server = ToolServer(self._owned.rundir / "tools.sock", host_tools)
            self._setup()
        except BaseException:
            self.close()
            raise

    @property
    def _kernel(self) -> KernelProcess:
        return self._owned.kernel

    @property
    def _server(self) -> ToolServer | None:
        return self._owned.server

    def _start_kernel(self, rundir: Path) -> KernelProcess:
        return KernelProcess.start(self.settings, rundir, self.workdir, self._view, self.output_limit)

    def _setup(self) -> None:
        """Per-interpreter set-up of a bootstrapped kernel: output limit, work directory, tools."""
        lines = [f"__codeact__.configure({self.output_limit!r}, {str(self._view)!r})"]
        for tool in self.tools:
            if tool.runs_on == "host":
                lines.append(f"__codeact__.add_host_tool({tool.name!r}, {host_stub_source(tool)!r})")
            else:
                lines.append(f"__codeact__.add_sandbox_tool({tool.name!r}, {sandbox_payload(tool)!r})")
        self._kernel.run_silent("\n".join(lines))

    def execute(self, code: str, timeout: float | None = 30.0) -> Execution:
        """Run one action. Nothing the code does makes this raise: errors, crashes and timeouts are in the result.

        Raises ``KernelStartError`` only if a crashed kernel cannot be replaced, ``RuntimeError`` after ``close``.
        Not thread-safe: one action at a time per interpreter.
        """
        if not self._release.alive:
            raise RuntimeError("this interpreter is closed: create a new KernelInterpreter")
        start = time.monotonic()
        out = ActionOutput(self.workdir, self.output_limit, self.settings.max_file_bytes)
        notes: list[str] = []
        restarted = False
        if not self._kernel.alive():  # died between actions (a background thread crashed it, say)
            notes.append(f"[the interpreter had stopped ({self._kernel.exit_reason()})]")
            self._restart()
            restarted = True
        calls: list[dict[str, object]] = []
        if self._server is not None:
            self._server.record_into(calls)
        hits_before = self._kernel.process_limit_hits()
        msg_id = self._kernel.send(code)
        deadline = start + timeout if timeout is not None else float("inf")
        interrupted = replied = False
        while not (out.idle and replied):
            for channel, msg in self._kernel.poll(POLL_INTERVAL):
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue  # left over from set-up code or an earlier, interrupted action
                try:
                    if channel == "iopub":
                        out.handle(msg)
                    elif msg["msg_type"] == "execute_reply":
                        out.handle_reply(msg["content"])
                        replied = True
                except (KeyError, TypeError, AttributeError, ValueError):
                    notes.append("[the kernel sent a malformed message; it was ignored]")
            if out.idle and replied:
                break
            if not self._kernel.alive():
                notes.append(f"[the interpreter died: {self._kernel.exit_reason()}]")
                self._restart()
                restarted = True
                break
            now = time.monotonic()
            if now > deadline and not interrupted:
                self._kernel.interrupt()
                interrupted, deadline = True, now + INTERRUPT_GRACE
            elif now > deadline:
                notes.append("[the interpreter did not respond to the interrupt and was killed]")
                self._restart()
                restarted = True
                break
        hits = self._kernel.process_limit_hits() - hits_before if not restarted else 0
        if hits > 0:
            reaped = self._kernel.reap_strays()
            notes.append(f"[the sandbox's process limit ({self.settings.max_processes}) refused {hits} new "
                         f"processes; {reaped} processes started by the code were killed]")
        for note in notes:
            out.streams["stderr"].feed(note + "\n")
        if self._server is not None:
            self._server.record_into([])
        return out.execution(time.monotonic() - start, timed_out=interrupted, restarted=restarted,
                             tool_calls=calls)

    def _restart(self) -> None:
        self._kernel.kill()
        self._owned.kernel = self._start_kernel(self._owned.rundir)
        self._setup()

    def close(self) -> None:
        """Stop the kernel and the tool server and delete the run directory; the work directory stays."""
        self._release()

    def __enter__(self) -> KernelInterpreter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KernelInterpreter({str(self.workdir)!r}, kind={self.settings.kind!r})"
