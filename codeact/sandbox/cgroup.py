"""Per-kernel cgroup: the only limit on processes and total memory that also holds when we run as root.

``RLIMIT_NPROC`` is not enforced for real uid 0 (the kernel exempts ``INIT_USER``), and ``RLIMIT_DATA`` bounds one
process, not a process tree, so a fork bomb or many forked workers would reach the host. A cgroup with ``pids.max``
and a memory limit bounds the whole sandbox. It is created *under this process's own cgroup*, so whatever already
accounts for us (a container, a systemd slice) keeps accounting for the sandbox. Both cgroup v1 (separate ``pids``
and ``memory`` hierarchies) and v2 (one unified hierarchy) are supported; when the hierarchy is not writable (no
root, no delegation) ``Cgroup.create`` returns ``None`` and the sandbox relies on rlimits and its PID namespace.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
MEMORY_HEADROOM = 512 * 1024**2
"""The group limit is the per-process ``memory_bytes`` plus this, so one process hitting its ``RLIMIT_DATA`` gets
a ``MemoryError`` (recoverable) before the group as a whole is OOM-killed (the kernel restarts)."""


def _own_paths() -> dict[str, str]:
    """Controller name (``""`` for v2) -> this process's cgroup path, from ``/proc/self/cgroup``."""
    paths: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


@dataclass
class Cgroup:
    """A pids + memory cgroup for one sandbox; ``wrap`` puts a command into it before it can fork."""

    dirs: list[Path]
    pids_dir: Path
    memory_dir: Path
    v2: bool

    @classmethod
    def create(cls, max_processes: int, memory_bytes: int) -> Cgroup | None:
        try:
            group = cls._make(f"codeact-{uuid.uuid4().hex[:12]}")
        except OSError:
            return None
        if group is None:
            return None
        try:
            group._limit(max_processes, memory_bytes + MEMORY_HEADROOM)
        except OSError:
            group.remove()
            return None
        return group

    @classmethod
    def _make(cls, name: str) -> Cgroup | None:
        own = _own_paths()
        v1_pids, v1_mem = CGROUP_ROOT / "pids", CGROUP_ROOT / "memory"
        if (v1_pids / "cgroup.procs").exists() and (v1_mem / "cgroup.procs").exists():
            pids = v1_pids / own.get("pids", "/").lstrip("/") / name
            mem = v1_mem / own.get("memory", "/").lstrip("/") / name
            pids.mkdir()
            try:
                mem.mkdir()
            except OSError:
                pids.rmdir()
                raise
            return cls([pids, mem], pids, mem, v2=False)
        controllers = CGROUP_ROOT / "cgroup.controllers"
        if controllers.exists() and {"pids", "memory"} <= set(controllers.read_text().split()):
            parent = CGROUP_ROOT / own.get("", "/").lstrip("/")
            (parent / "cgroup.subtree_control").write_text("+pids +memory")
            group = parent / name
            group.mkdir()
            return cls([group], group, group, v2=True)
        return None

    def _limit(self, max_processes: int, memory_bytes: int) -> None:
        (self.pids_dir / "pids.max").write_text(str(max_processes))
        if self.v2:
            (self.memory_dir / "memory.max").write_text(str(memory_bytes))
            with contextlib.suppress(OSError):
                (self.memory_dir / "memory.swap.max").write_text("0")
            return
        (self.memory_dir / "memory.limit_in_bytes").write_text(str(memory_bytes))
        with contextlib.suppress(OSError):  # absent when swap accounting is off
            (self.memory_dir / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` run by a shell that first moves itself into the group, so nothing forks outside it."""
        procs = [str(d / "cgroup.procs") for d in self.dirs]
        script = 'for f in $CODEACT_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; exec "$@"'
        return ["/bin/sh", "-c", f"CODEACT_CGROUP_PROCS='{' '.join(procs)}'; {script}", "sh", *argv]

    def pids(self) -> list[int]:
        text = _read(self.pids_dir / "cgroup.procs")
        return [int(p) for p in text.split()]

    def process_limit_hits(self) -> int:
        """How many forks the ``pids.max`` limit has refused so far."""
        for line in _read(self.pids_dir / "pids.events").splitlines():
            key, _, value = line.partition(" ")
            if key == "max":
                return int(value)
        return 0

    def oom_kills(self) -> int:
        name = "memory.events" if self.v2 else "memory.oom_control"
        for line in _read(self.memory_dir / name).splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def kill(self, keep: frozenset[int] = frozenset()) -> int:
        """SIGKILL every process in the group except ``keep``; returns how many were signalled."""
        killed = 0
        for pid in self.pids():
            if pid not in keep:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
        return killed

    def remove(self, wait: float = 2.0) -> None:
        """Kill what is left and delete the group (a cgroup can only be removed once it is empty)."""
        deadline = time.monotonic() + wait
        for d in self.dirs:
            while d.exists():
                self.kill()
                try:
                    d.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
