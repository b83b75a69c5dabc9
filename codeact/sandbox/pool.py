"""``KernelPool``: sandboxed kernels started ahead of time, so a new episode does not wait ~0.6 s for one.

The difficulty is the work directory: bwrap fixes its mounts when it starts, but a pooled kernel starts before
anyone knows which work directory it will serve. So every pooled kernel gets its own fresh, empty directory (a
*slot*) under the pool's ``root``, bound read-write into its sandbox. ``acquire(workdir)`` then *renames* the slot
to ``workdir`` on the host. A bind mount follows the directory, not its name, so from that moment the kernel reads
and writes the user's work directory; inside the sandbox it keeps the slot's path (``os.getcwd()`` shows it, and
relative paths, which agent code uses, are unaffected). A rename needs ``workdir`` to be absent or empty and on the
same filesystem as ``root``; when it is not, ``acquire`` returns ``None`` and the interpreter starts a kernel of its
own, so put ``root`` next to the work directories (e.g. ``runs/.pool``). Unsandboxed kernels (``kind="none"``)
simply keep running in the renamed directory.

Tools and the output limit are per interpreter and are installed after ``acquire`` (one round trip, a few ms).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from codeact.sandbox.availability import check_sandbox_available
from codeact.sandbox.process import START_TIMEOUT, KernelProcess, make_rundir
from codeact.sandbox.settings import SandboxSettings

RETRY_DELAY = 5.0
"""After a failed start the pool waits this long before trying again (and ``acquire`` does not wait for it)."""


@dataclass
class Lease:
    """A started kernel handed to one interpreter: the interpreter owns (and closes) all of it from now on."""

    kernel: KernelProcess
    rundir: Path
    view: Path
    """The work directory's path as the kernel sees it."""


@dataclass
class _Ready:
    kernel: KernelProcess
    rundir: Path
    slot: Path


class KernelPool:
    """Keeps ``size`` ready kernels for ``settings``; use as a context manager or call ``close``."""

    def __init__(self, settings: SandboxSettings = SandboxSettings(), size: int = 2, root: Path | None = None,
                 output_limit: int = 20_000) -> None:
        check_sandbox_available(settings)
        self.settings, self.size, self.output_limit = settings, size, output_limit
        self._own_root = root is None
        self.root = Path(tempfile.mkdtemp(prefix="codeact-pool-")) if root is None else Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._ready: list[_Ready] = []
        self._starting = False
        self.last_error: BaseException | None = None
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._fill, name="codeact-pool", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def _fill(self) -> None:
        while True:
            with self._cond:
                while not self._closed and len(self._ready) >= self.size:
                    self._cond.wait()
                if self._closed:
                    return
                self._starting = True
            try:
                ready = self._start_one()
            except Exception as exc:  # kept for acquire's caller; the interpreter's own start will raise it
                with self._cond:
                    self.last_error, self._starting = exc, False
                    self._cond.notify_all()
                    self._cond.wait(RETRY_DELAY)
                continue
            with self._cond:
                self._starting = False
                if self._closed:
                    _discard(ready)
                    return
                self._ready.append(ready)
                self._cond.notify_all()

    def _start_one(self) -> _Ready:
        slot = self.root / f"w-{uuid.uuid4().hex[:12]}"
        slot.mkdir()
        rundir = make_rundir()
        try:
            kernel = KernelProcess.start(self.settings, rundir, slot, slot, self.output_limit)
        except BaseException:
            shutil.rmtree(rundir, ignore_errors=True)
            slot.rmdir()
            raise
        return _Ready(kernel, rundir, slot)

    def acquire(self, workdir: Path) -> Lease | None:
        """A ready kernel now serving ``workdir``, or ``None`` if none can be handed over (see the module doc)."""
        workdir = Path(workdir).resolve()
        if workdir.exists() and (not workdir.is_dir() or any(workdir.iterdir())):
            return None
        while (ready := self._take()) is not None:
            if not ready.kernel.alive():
                _discard(ready)
                continue
            try:
                workdir.parent.mkdir(parents=True, exist_ok=True)
                os.rename(ready.slot, workdir)
            except OSError:  # another filesystem (EXDEV), or the directory filled up meanwhile
                self._give_back(ready)
                return None
            view = ready.slot if self.settings.kind == "bwrap" else workdir
            return Lease(ready.kernel, ready.rundir, view)
        return None

    def _take(self) -> _Ready | None:
        with self._cond:
            deadline = time.monotonic() + START_TIMEOUT
            while not self._ready and self._starting and not self._closed and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            if not self._ready:
                return None
            ready = self._ready.pop(0)
            self._cond.notify_all()
            return ready

    def _give_back(self, ready: _Ready) -> None:
        with self._cond:
            if self._closed:
                _discard(ready)
            else:
                self._ready.insert(0, ready)

    def ready_count(self) -> int:
        with self._cond:
            return len(self._ready)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Block until the pool is full (benchmarks and tests use this); ``False`` on timeout or failure."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._ready) < self.size and time.monotonic() < deadline:
                if self.last_error is not None and not self._starting:
                    return False
                self._cond.wait(min(0.1, max(0.0, deadline - time.monotonic())))
            return len(self._ready) >= self.size

    def close(self) -> None:
        atexit.unregister(self.close)
        with self._cond:
            self._closed = True
            ready, self._ready = self._ready, []
            self._cond.notify_all()
        self._thread.join()
        for item in ready:
            _discard(item)
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                self.root.rmdir()  # only if empty: never delete what someone else put there

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _discard(ready: _Ready) -> None:
    ready.kernel.kill()
    shutil.rmtree(ready.rundir, ignore_errors=True)
    with contextlib.suppress(OSError):
        shutil.rmtree(ready.slot)
