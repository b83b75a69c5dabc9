"""Can this machine run the sandbox? Checked once, up front, with an actionable one-line answer.

Code is never run unsandboxed by surprise: without a working bwrap, interpreters refuse to start and the message
says how to fix it or how to opt out explicitly.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from codeact.sandbox.command import bwrap_argv
from codeact.sandbox.settings import SandboxSettings

OPT_OUT = "or run unsandboxed on purpose with `--sandbox none`"


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine; the message says why and what to do."""


def check_sandbox_available(settings: SandboxSettings) -> None:
    """Raise ``SandboxUnavailable`` unless a kernel with these settings can start."""
    if settings.kind == "none":
        return
    for mount in settings.mounts:
        if not mount.path.exists():
            raise SandboxUnavailable(f"--mount {mount.path}: no such file or directory")
    _probe(settings)


@functools.lru_cache(maxsize=16)
def _probe(settings: SandboxSettings) -> None:
    """Start the very sandbox a kernel would get, with a no-op Python instead of the kernel (~20 ms)."""
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(f"bubblewrap is not installed: `apt-get install bubblewrap`, {OPT_OUT}")
    with tempfile.TemporaryDirectory(prefix="codeact-probe-") as tmp:
        argv = bwrap_argv(settings, Path(tmp), Path(tmp), Path(tmp), [sys.executable, "-c", "pass"])
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode == 0:
        return
    reason = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    if "namespace" in reason or "uid map" in reason or "Operation not permitted" in reason:
        raise SandboxUnavailable(
            f"bwrap cannot create user namespaces ({reason}): enable them with "
            f"`sysctl kernel.unprivileged_userns_clone=1` (and `sysctl user.max_user_namespaces=10000`), {OPT_OUT}"
        )
    raise SandboxUnavailable(f"bwrap failed to start the sandbox ({reason}), {OPT_OUT}")
