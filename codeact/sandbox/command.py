"""The command line that starts a kernel: bubblewrap around ipykernel, or ipykernel alone (``kind="none"``).

What the bwrap sandbox sees, and why:

* ``/usr`` (and the ``/bin``, ``/lib*``, ``/sbin`` links of a merged-/usr system), the Python install trees (a venv's
  ``python`` is a symlink into its base interpreter's tree, so both are bound) and a short list of ``/etc`` files
  (name resolution, TLS roots, fonts, the dynamic linker cache): all read-only. Not ``/home``, ``/root``, ``/etc``
  as a whole (``/etc/ssl/private``, ``/etc/shadow``), ``/sys`` or anything else on the host.
* the work directory, read-write (it is what the user keeps), and the per-kernel run directory, read-write (the
  kernel's IPC sockets, the host-tool socket, a private ``HOME`` and a ``pip install`` target that survive a kernel
  restart). ``settings.mounts`` add more, read-only or read-write.
* a private ``/tmp`` and ``/dev/shm`` (tmpfs capped at ``settings.tmp_bytes``), a fresh ``/proc`` and minimal
  ``/dev``; the root itself is remounted read-only so nothing else can be written into RAM.
* new user, PID, IPC, UTS, cgroup and network namespaces (``--share-net`` only with ``settings.network``): no
  network means no interfaces but loopback, so DNS fails; no capabilities (``--cap-drop ALL``, and bwrap sets
  ``PR_SET_NO_NEW_PRIVS``), no nested user namespaces (``--disable-userns``, less kernel attack surface), a new
  session (no ``TIOCSTI`` into the host terminal), and the sandbox dies with its parent.
* ``--clearenv``, then only the variables below: no API keys, tokens or the user's real ``HOME``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from codeact.sandbox.settings import SandboxSettings

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_ENTRIES = (
    "alternatives", "ca-certificates", "ca-certificates.conf", "fonts", "gai.conf", "group", "host.conf", "hosts",
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types", "nsswitch.conf", "passwd",
    "protocols", "resolv.conf", "services", "ssl/certs", "ssl/openssl.cnf",
)


def python_trees() -> list[Path]:
    """Directories the kernel's interpreter needs: the venv and the base install its ``python`` links into."""
    candidates = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.base_exec_prefix),
                  Path(os.path.realpath(sys.executable)).parent.parent}
    trees = sorted({c.resolve() for c in candidates})
    system = tuple(Path(d) for d in SYSTEM_DIRS)
    return [t for t in trees if not any(t == s or s in t.parents for s in system)]


def kernel_env(settings: SandboxSettings, rundir: Path) -> dict[str, str]:
    """The kernel's environment: small and explicit, so nothing secret leaks in by inheritance."""
    home, site = rundir / "home", rundir / "site"
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": str(site),  # where `!pip install` puts packages: the venv itself is read-only
        "PIP_TARGET": str(site),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_ROOT_USER_ACTION": "ignore",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "MALLOC_ARENA_MAX": "2",  # fewer per-thread heaps: less memory counted against RLIMIT_DATA
    }
    if settings.kind == "none":  # unsandboxed: the kernel gets the user's environment, plus the settings above
        env = {**os.environ, **{k: v for k, v in env.items() if k not in ("HOME", "PATH")}}
        env["JPY_PARENT_PID"] = str(os.getpid())  # ipykernel exits when we do
    return env


def kernel_argv(python: str, connection_file: Path) -> list[str]:
    return [python, "-m", "ipykernel_launcher", "-f", str(connection_file), "--HistoryManager.enabled=False",
            "--IPKernelApp.quiet=True"]


def bwrap_argv(settings: SandboxSettings, rundir: Path, workdir: Path, view: Path, inner: list[str]) -> list[str]:
    """bwrap around ``inner``; ``workdir`` (host) appears at ``view`` inside (the same path unless pooled)."""
    argv = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--clearenv"]
    if settings.network:
        argv.append("--share-net")
    for key, value in kernel_env(settings, rundir).items():
        argv += ["--setenv", key, value]
    for d in SYSTEM_DIRS:
        path = Path(d)
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), d]
        elif path.is_dir():
            argv += ["--ro-bind", d, d]
    for entry in ETC_ENTRIES:
        argv += ["--ro-bind-try", f"/etc/{entry}", f"/etc/{entry}"]
    # /proc/sys is the host's (global sysctls, writable by root); /proc/keys lists the host user's keyring
    # entries, which namespaces do not hide (the seccomp filter denies reading them; this hides their names)
    argv += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--ro-bind", "/dev/null", "/proc/keys",
             "--ro-bind", "/dev/null", "/proc/key-users", "--dev", "/dev"]
    tmp_size = str(settings.tmp_bytes)
    argv += ["--size", tmp_size, "--tmpfs", "/tmp", "--size", tmp_size, "--tmpfs", "/dev/shm"]
    for tree in python_trees():
        argv += ["--ro-bind", str(tree), str(tree)]
    for mount in settings.mounts:
        argv += ["--ro-bind" if mount.read_only else "--bind", str(mount.path), str(mount.path)]
    argv += ["--bind", str(rundir), str(rundir), "--bind", str(workdir), str(view), "--chdir", str(view),
             "--remount-ro", "/", "--", *inner]
    return argv
