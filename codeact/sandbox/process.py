"""One running kernel: its process (bwrap around ipykernel, or ipykernel alone), its cgroup and its client.

The kernel listens on IPC (Unix socket) endpoints in its run directory, which is bind-mounted into the sandbox:
TCP loopback is not reachable across network namespaces. Liveness is the process itself: bwrap exits as soon as
the kernel inside it does (with ``128 + signal`` if it was killed), so a crash is seen within one poll interval
instead of after the action's timeout.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

import psutil
import zmq
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from codeact.sandbox import kernel_side
from codeact.sandbox.cgroup import Cgroup
from codeact.sandbox.command import bwrap_argv, kernel_argv, kernel_env
from codeact.sandbox.seccomp import keyring_filter
from codeact.sandbox.settings import SandboxSettings

START_TIMEOUT = 60.0
MAX_MESSAGE_BYTES = 32 * 1024**2
"""A kernel that bypasses its output caps and sends a bigger message gets disconnected instead of filling host
memory (the action then ends by timeout)."""
RECEIVE_QUEUE_MESSAGES = 16
"""Between actions nothing reads the kernel's messages: with at most 16 queued messages of at most 32 MiB, code
that floods them cannot grow the host's memory by more than 512 MiB (zmq drops the rest). During an action the host
reads continuously and ipykernel batches output, so legitimate output never comes near either bound."""
CPU_BUDGET_ACTIONS = 10
"""The hard RLIMIT_CPU caps the kernel's whole life at this many actions' worth of ``cpu_seconds_per_action`` (then
it is killed, and restarted, so the agent sees state lost). Each action gets its own budget from the soft limit,
which the kernel moves before every action (see ``kernel_side.Runtime.pre_run_cell``); the wall-clock ``timeout``
of each ``execute`` bounds it too."""

_context_lock = threading.Lock()
_context: zmq.Context[Any] | None = None


@functools.cache
def _warn_once(message: str) -> None:
    logging.getLogger(__name__).warning(message)


def make_rundir() -> Path:
    """Per-kernel directory for sockets, a private HOME and pip installs; short, for Unix socket path limits."""
    return Path(tempfile.mkdtemp(prefix="codeact-"))


class KernelStartError(RuntimeError):
    """The kernel process did not come up; the message carries its last words."""


def _zmq_context() -> zmq.Context[Any]:
    """A shared context whose sockets refuse oversized messages (``MAX_MESSAGE_BYTES``)."""
    global _context
    with _context_lock:
        if _context is None:
            _context = zmq.Context()
            _context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
            _context.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE_MESSAGES)
        return _context


def rlimits(settings: SandboxSettings) -> dict[str, tuple[int, int]]:
    """The limits the kernel sets on itself before any agent code runs (children inherit them)."""
    cpu = settings.cpu_seconds_per_action * CPU_BUDGET_ACTIONS
    limits = {
        "RLIMIT_DATA": (settings.memory_bytes, settings.memory_bytes),
        "RLIMIT_CPU": (cpu, cpu + 5),
        "RLIMIT_FSIZE": (settings.max_file_bytes, settings.max_file_bytes),
        "RLIMIT_NOFILE": (settings.max_open_files, settings.max_open_files),
    }
    if settings.kind == "bwrap":  # counted per user namespace there; unsandboxed it would count all our processes
        limits["RLIMIT_NPROC"] = (settings.max_processes, settings.max_processes)
    return limits


class KernelProcess:
    """Start with ``KernelProcess.start``; then ``send``/``poll`` messages, ``interrupt``, ``kill``."""

    def __init__(self, settings: SandboxSettings, rundir: Path, workdir: Path, view: Path) -> None:
        self.settings, self.rundir, self.workdir, self.view = settings, rundir, workdir, view
        self.connection_file = rundir / "kernel.json"
        self.connection_file.unlink(missing_ok=True)
        write_connection_file(str(self.connection_file), transport="ipc", ip=str(rundir / "k"))
        for sub in ("home", "site"):
            (rundir / sub).mkdir(exist_ok=True)
        self.cgroup = Cgroup.create(settings.max_processes, settings.memory_bytes)
        if self.cgroup is None and os.geteuid() == 0:
            _warn_once("running as root without a writable cgroup: RLIMIT_NPROC does not bind uid 0, so nothing "
                       "bounds how many processes sandboxed code can start (see docs/sandbox.md)")
        self._last_words: deque[bytes] = deque(maxlen=64)
        try:
            self.proc = self._spawn()
        except BaseException:
            if self.cgroup is not None:
                self.cgroup.remove()
            raise
        self._drain = threading.Thread(target=self._drain_output, name="codeact-kernel-output", daemon=True)
        self._drain.start()
        self.client = BlockingKernelClient(connection_file=str(self.connection_file), context=_zmq_context())
        self.client.load_connection_file()
        self.client.start_channels(stdin=False, hb=False)
        self._poller = zmq.Poller()
        for channel in (self.client.iopub_channel, self.client.shell_channel):
            self._poller.register(channel.socket, zmq.POLLIN)
        self.baseline: frozenset[int] = frozenset()
        self._oom_kills = 0

    @classmethod
    def start(cls, settings: SandboxSettings, rundir: Path, workdir: Path, view: Path,
              output_limit: int) -> KernelProcess:
        """A ready kernel with the in-kernel runtime installed (``__codeact__``, ``final_answer``, limits)."""
        kernel = cls(settings, rundir, workdir, view)
        try:
            kernel._wait_ready(START_TIMEOUT)
            kernel.bootstrap(output_limit)
        except BaseException:
            kernel.kill()
            raise
        if kernel.cgroup is not None:
            kernel.baseline = frozenset(kernel.cgroup.pids())
            kernel._oom_kills = kernel.cgroup.oom_kills()
        return kernel

    def _spawn(self) -> subprocess.Popen[bytes]:
        # the venv's python as is (not resolved): its pyvenv.cfg is what makes site-packages visible
        inner = kernel_argv(sys.executable, self.connection_file)
        env = kernel_env(self.settings, self.rundir)  # bwrap too: it is PID 1 inside, readable via /proc/1/environ
        fds: tuple[int, ...] = ()
        if self.settings.kind == "bwrap":
            argv, cwd = bwrap_argv(self.settings, self.rundir, self.workdir, self.view, inner), None
            if (program := keyring_filter()) is not None:
                read_end, write_end = os.pipe()
                os.write(write_end, program)  # ~80 bytes: fits in the pipe buffer
                os.close(write_end)
                argv[1:1] = ["--seccomp", str(read_end)]
                fds = (read_end,)
        else:
            argv, cwd = inner, self.workdir
        if self.cgroup is not None:
            argv = self.cgroup.wrap(argv)
        try:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True,
                                    pass_fds=fds)
        finally:
            for fd in fds:
                os.close(fd)

    def _drain_output(self) -> None:
        """Keep the last few KB the process writes outside the protocol (why a start failed)."""
        assert self.proc.stdout is not None
        for chunk in iter(lambda: self.proc.stdout.read1(4096), b""):  # type: ignore[union-attr]
            self._last_words.append(chunk)

    def last_words(self) -> str:
        text = b"".join(self._last_words).decode(errors="replace").strip()
        lines = [line for line in text.splitlines() if line.strip()]
        return lines[-1][-300:] if lines else ""

    def _wait_ready(self, timeout: float) -> None:
        """Until kernel_info is answered on shell *and* something arrives on iopub (the subscription is live)."""
        deadline = time.monotonic() + timeout
        replied = subscribed = False
        while not (replied and subscribed):
            self.client.kernel_info()
            resend = time.monotonic() + 0.5
            while time.monotonic() < resend and not (replied and subscribed):
                for channel, msg in self.poll(0.05):
                    if channel == "shell" and msg["msg_type"] == "kernel_info_reply":
                        replied = True
                    elif channel == "iopub":
                        subscribed = True
                if not self.alive():
                    raise KernelStartError(f"the kernel exited while starting ({self.exit_reason()}): "
                                           f"{self.last_words() or 'no output'}")
            if time.monotonic() > deadline:
                raise KernelStartError(f"the kernel did not start within {timeout:.0f} s: "
                                       f"{self.last_words() or 'no output'}")

    def bootstrap(self, output_limit: int) -> None:
        source = Path(kernel_side.__file__).read_text()
        config = {"workdir": str(self.view), "tool_socket": str(self.rundir / "tools.sock"),
                  "output_limit": output_limit, "limits": rlimits(self.settings),
                  "cpu_seconds_per_action": self.settings.cpu_seconds_per_action}
        self.run_silent(
            "def _codeact_boot():\n"
            "    import sys, types\n"
            "    module = types.ModuleType('codeact_kernel')\n"
            "    sys.modules['codeact_kernel'] = module\n"
            f"    exec(compile({source!r}, '<codeact-kernel>', 'exec'), module.__dict__)\n"
            f"    return module.install(get_ipython(), {config!r})\n"
            "__codeact__ = _codeact_boot()\n"
            "del _codeact_boot\n"
        )

    # -- messaging ---------------------------------------------------------------------------------------------

    def send(self, code: str, silent: bool = False) -> str:
        return self.client.execute(code, silent=silent, store_history=not silent, allow_stdin=False,
                                   stop_on_error=False)

    def poll(self, timeout: float) -> list[tuple[str, dict[str, Any]]]:
        """Messages ready on iopub and shell within ``timeout`` seconds: ``[("iopub"|"shell", msg), ...]``."""
        ready = dict(self._poller.poll(int(timeout * 1000)))
        out = []
        for name, channel in (("iopub", self.client.iopub_channel), ("shell", self.client.shell_channel)):
            if channel.socket in ready:
                while channel.msg_ready():
                    out.append((name, channel.get_msg(timeout=0)))
        return out

    def run_silent(self, code: str, timeout: float = 30.0) -> None:
        """Run set-up code (not an agent action); raise if it fails."""
        msg_id = self.send(code, silent=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for channel, msg in self.poll(0.05):
                if channel == "shell" and msg["parent_header"].get("msg_id") == msg_id:
                    content = msg["content"]
                    if content["status"] != "ok":
                        raise RuntimeError(f"kernel set-up failed: {content.get('ename')}: {content.get('evalue')}")
                    return
            if not self.alive():
                raise KernelStartError(f"the kernel died during set-up ({self.exit_reason()}): {self.last_words()}")
        raise KernelStartError(f"kernel set-up did not finish within {timeout:.0f} s")

    def interrupt(self) -> None:
        """``interrupt_request`` on the control channel: ipykernel SIGINTs itself (and its process group)."""
        self.client.control_channel.send(self.client.session.msg("interrupt_request", {}))

    # -- process -----------------------------------------------------------------------------------------------

    def alive(self) -> bool:
        return self.proc.poll() is None

    def exit_reason(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "still running"
        if self.cgroup is not None and self.cgroup.oom_kills() > self._oom_kills:
            return f"out of memory: the sandbox may use {self.settings.memory_bytes / 1024**3:.1f} GiB"
        signum = -code if code < 0 else code - 128 if code > 128 and self.settings.kind == "bwrap" else 0
        if signum:
            name = signal.Signals(signum).name if signum in signal.Signals._value2member_map_ else str(signum)
            hint = {"SIGKILL": " (out of memory?)", "SIGXCPU": " (CPU time limit)", "SIGSEGV": " (crash)"}
            return f"killed by {name}{hint.get(name, '')}"
        return f"exit status {code}"

    def process_limit_hits(self) -> int:
        return self.cgroup.process_limit_hits() if self.cgroup is not None else 0

    def reap_strays(self) -> int:
        """Kill every process the agent started (the sandbox's processes at start are kept)."""
        return self.cgroup.kill(keep=self.baseline) if self.cgroup is not None else 0

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.client.stop_channels()
        if self.alive():
            with contextlib.suppress(psutil.Error):
                for child in psutil.Process(self.proc.pid).children(recursive=True):
                    child.kill()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        if self.cgroup is not None:
            self.cgroup.remove()
