"""Host-side instruments for tests/test_hostile.py: the things an attack must not reach, and probes that notice.

An attack is judged on the host, not by what the sandboxed code reports: a planted secret file must keep its
content, a trap server must see no connection, a victim process must stay alive, a path must stay absent, the
host process's memory and thread count must stay bounded. This module builds those instruments; the tests decide
what each attack must (not) change.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import psutil
import pytest
from sandbox_support import BWRAP_MISSING, needs_bwrap  # noqa: F401

from codeact.sandbox import (
    KernelInterpreter,
    SandboxSettings,
)
from codeact.sandbox.cgroup import MEMORY_HEADROOM

KEY_SYSCALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}
"""(add_key, keyctl) syscall numbers: glibc has no wrapper for them and libkeyutils is not a dependency."""
KEYCTL_READ, KEYCTL_SETPERM, KEYCTL_INVALIDATE = 11, 5, 21
KEY_SPEC_PROCESS_KEYRING = -2


def canary(label: str) -> str:
    """A unique string that can only be in an attack's output if the attack reached where it was planted."""
    return f"codeact-hostile-{label}-{secrets.token_hex(8)}"


@dataclass
class Planted:
    """A host file holding a secret: it must stay unread (the secret never in an observation) and unchanged."""

    path: Path
    secret: str

    @classmethod
    def create(cls, path: Path, label: str, template: str = "{secret}\n") -> Planted:
        secret = canary(label)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(secret=secret))
        path.chmod(0o600)
        return cls(path, secret)

    def intact(self) -> bool:
        return self.path.is_file() and self.secret in self.path.read_text()


class TcpTrap:
    """A TCP server on every host address that counts the connections it accepts (an attack's must be zero)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("0.0.0.0", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hostile-tcp-trap", daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            conn.close()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


class UdpTrap:
    """A UDP socket on host loopback: ``received()`` says whether any datagram reached it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]

    def received(self) -> bool:
        try:
            self.sock.recv(65536)
        except BlockingIOError:
            return False
        return True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


class UnixTrap:
    """A listening Unix socket (a path, or an abstract name starting with NUL) that counts pending connections."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen(16)
        self.sock.setblocking(False)

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            count += 1
            conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        if not self.address.startswith("\0"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.address)


class PeakRss:
    """Samples this (host) process's resident memory while the block runs; ``growth`` is the peak increase."""

    def __init__(self, interval: float = 0.002) -> None:
        self.interval = interval
        self.process = psutil.Process()
        self.baseline = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="hostile-rss", daemon=True)

    @property
    def growth(self) -> int:
        return self.peak - self.baseline

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> Self:
        self.baseline = self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def sandbox_pids(interp: KernelInterpreter) -> set[int]:
    """Host pids of every process of the interpreter's current sandbox (bwrap, its init, the kernel, children),
    zombies included, as the sandbox's own /proc lists them."""
    with contextlib.suppress(psutil.Error):
        outer = psutil.Process(interp._kernel.proc.pid)
        return {outer.pid, *(p.pid for p in outer.children(recursive=True))}
    return set()


def alive(pids: set[int]) -> set[int]:
    """The pids still running (a zombie is dead: it only waits for its parent to collect its exit status)."""
    running = set()
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.add(pid)
    return running


def any_alive(pids: set[int]) -> bool:
    return bool(alive(pids))


def cpu_seconds(pids: set[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


def has_cgroup(interp: KernelInterpreter) -> bool:
    """Whether the sandbox runs in its own cgroup (needed for the process and whole-sandbox memory bounds)."""
    return interp._kernel.cgroup is not None


def cgroup_memory_peak(interp: KernelInterpreter) -> int:
    """The most memory the sandbox's cgroup has charged since the kernel started (v1 and v2)."""
    cgroup = interp._kernel.cgroup
    assert cgroup is not None
    name = "memory.peak" if cgroup.v2 else "memory.max_usage_in_bytes"
    return int((cgroup.memory_dir / name).read_text())


def memory_ceiling(settings: SandboxSettings) -> int:
    """What the cgroup lets the whole sandbox use (see ``codeact.sandbox.cgroup``)."""
    return settings.memory_bytes + MEMORY_HEADROOM


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line mentions ``marker`` (a leftover of an attack's background process)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if marker in " ".join(proc.info["cmdline"] or []) and proc.pid != os.getpid():
            found.append(proc.pid)
    return found


def tracer_of(pid: int) -> int:
    """The pid tracing ``pid`` (0 when none), from the host's /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("TracerPid:"):
            return int(line.split()[1])
    raise AssertionError(f"no TracerPid in /proc/{pid}/status")


def host_addresses() -> list[str]:
    """Every IPv4 address of this host, loopback first."""
    addresses = ["127.0.0.1"]
    for entries in psutil.net_if_addrs().values():
        addresses += [e.address for e in entries if e.family == socket.AF_INET and e.address not in addresses]
    return addresses


def mount_table() -> frozenset[str]:
    """The host's mounts (mount point and source), to see that no attack mounted or unmounted anything."""
    lines = Path("/proc/self/mountinfo").read_text().splitlines()
    return frozenset(" ".join(line.split()[3:5]) for line in lines)


@dataclass
class HostKey:
    """A key in this host process's keyring, readable by its owner: what a sandbox of the same uid must not read."""

    description: str
    secret: str
    keyctl: int
    """The keyctl syscall number, which the attack needs too."""

    @classmethod
    @contextlib.contextmanager
    def planted(cls) -> Iterator[HostKey]:
        if platform.machine() not in KEY_SYSCALLS:
            pytest.skip(f"no keyring syscall numbers for {platform.machine()}")
        add_key, keyctl = KEY_SYSCALLS[platform.machine()]
        libc = ctypes.CDLL(None, use_errno=True)
        description, secret = canary("key-name"), canary("key-payload")
        payload = secret.encode()
        serial = libc.syscall(add_key, b"user", description.encode(), payload, len(payload), KEY_SPEC_PROCESS_KEYRING)
        if serial < 0:
            pytest.skip(f"the kernel keyring is unavailable here (errno {ctypes.get_errno()})")
        libc.syscall(keyctl, KEYCTL_SETPERM, serial, 0x3F030000)  # possessor: all; owner: view + read
        try:
            yield cls(description, secret, keyctl)
        finally:
            libc.syscall(keyctl, KEYCTL_INVALIDATE, serial)


def wait_until(predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
    """Poll ``predicate()`` until true or ``timeout``: host-side effects (a killed process) land asynchronously."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())
