"""Hostile code actions against the bwrap sandbox: each must fail, leave the host unchanged, and leave the session
usable.

Every test is one attack, named for it, and checks three things: (1) the attack failed, judged by what it printed
and by what reached the host; (2) the host is unchanged, judged on the host (a planted secret keeps its content and
never shows up in an observation, a trap server sees no connection, a victim process stays alive, a path stays
absent, this process's memory and threads stay bounded); (3) the session still works: the next action returns the
right value, or, where the attack killed the kernel, the restart is reported and the next action works.

Most attacks share one module-scoped interpreter with tight limits (a restart keeps the interpreter usable, so
even kernel-killing attacks can share it). Attacks that need a fresh sandbox or other settings start their own.

A test marked ``xfail(strict=True)`` is a real hole found here, described in its reason with the fix; it cannot be
fixed from the tests. When the fix lands the test passes, strict xfail turns that into a failure, and the marker
must be removed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sysconfig
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from codeact.agent import Agent
from codeact.models import ScriptedModel
from codeact.sandbox import (
    Execution,
    KernelInterpreter,
    SandboxSettings,
    interpreter,
    process,
)
from codeact.sandbox.kernel_side import ACTION_MIME
from codeact.tools import tool
from tests.hostile_support import (
    BWRAP_MISSING,
    KEYCTL_READ,
    HostKey,
    PeakRss,
    Planted,
    TcpTrap,
    UdpTrap,
    UnixTrap,
    alive,
    any_alive,
    canary,
    cgroup_memory_peak,
    cpu_seconds,
    has_cgroup,
    host_addresses,
    memory_ceiling,
    mount_table,
    needs_bwrap,
    processes_with,
    sandbox_pids,
    tracer_of,
    wait_until,
)

pytestmark = needs_bwrap

MiB = 1024**2
TIGHT = SandboxSettings(memory_bytes=512 * MiB, max_processes=64, max_file_bytes=4 * MiB, tmp_bytes=8 * MiB)
REPO = Path(__file__).resolve().parents[1]
NOTES: list[str] = []
"""Host state behind the ``note`` tool: attacks on the tool channel must not change it."""



@tool
def note(text: str) -> int:
    """Record a note on the host; returns how many there are (the host state the tool channel guards)."""
    NOTES.append(text)
    return len(NOTES)


@dataclass
class Host:
    """What the attacks aim at on the host; ``assert_intact`` checks all of it after every attack."""

    root: Path
    home: Path
    ssh_key: Planted
    elsewhere: dict[str, Planted]
    api_key: str
    victim: subprocess.Popen[bytes]
    victim_marker: str
    ssh_agent: UnixTrap

    def assert_intact(self) -> None:
        assert self.ssh_key.intact(), "the planted SSH key was changed"
        for planted in self.elsewhere.values():
            assert planted.intact(), f"{planted.path} was changed"
        assert self.victim.poll() is None, "the host victim process was killed"
        assert os.environ["OPENAI_API_KEY"] == self.api_key
        assert self.ssh_agent.connections() == 0, "something connected to the host's SSH agent socket"

    def secrets(self) -> list[str]:
        return [self.api_key, self.ssh_key.secret, *(p.secret for p in self.elsewhere.values())]


def _plant_elsewhere() -> dict[str, Planted]:
    """Secrets outside HOME, wherever this host lets the tests write them."""
    token = canary("dir")
    spots = {"var-tmp": Path("/var/tmp") / token / "credentials",
             "root": Path("/root") / f".{token}-token", "opt": Path("/opt") / token / "service.key"}
    planted = {}
    for label, path in spots.items():
        if os.access(path.parent if path.parent.exists() else path.parent.parent, os.W_OK):
            planted[label] = Planted.create(path, label)
    return planted


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    if BWRAP_MISSING:
        pytest.skip(BWRAP_MISSING)
    root = tmp_path_factory.mktemp("hostile")
    home = root / "home"
    ssh_key = Planted.create(home / ".ssh" / "id_ed25519", "ssh",
                             "-----BEGIN OPENSSH PRIVATE KEY-----\n{secret}\n-----END OPENSSH PRIVATE KEY-----\n")
    elsewhere = _plant_elsewhere()
    api_key = "sk-test-" + canary("openai")
    marker = canary("victim")
    sleep = shutil.which("sleep")
    assert sleep is not None
    with pytest.MonkeyPatch.context() as env, UnixTrap(str(root / "agent.sock")) as ssh_agent:
        env.setenv("HOME", str(home))
        env.setenv("OPENAI_API_KEY", api_key)
        env.setenv("SSH_AUTH_SOCK", ssh_agent.address)
        victim = subprocess.Popen([marker, "300"], executable=sleep)
        try:
            yield Host(root, home, ssh_key, elsewhere, api_key, victim, marker, ssh_agent)
        finally:
            victim.kill()
            victim.wait()
            for planted in elsewhere.values():
                planted.path.unlink(missing_ok=True)
                if planted.path.parent.name.startswith("codeact-hostile-"):
                    planted.path.parent.rmdir()


@pytest.fixture(scope="module")
def shared(host: Host) -> Iterator[KernelInterpreter]:
    """One sandbox with tight limits for the attacks that do not need their own (started after HOME and keys)."""
    with KernelInterpreter(host.root / "work", tools=[note], settings=TIGHT) as interp:
        yield interp


@pytest.fixture
def fast_kill(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel that ignores the interrupt is killed after 0.5 s instead of 3 s."""
    monkeypatch.setattr(interpreter, "INTERRUPT_GRACE", 0.5)


# -- helpers --------------------------------------------------------------------------------------------------


def attack(interp: KernelInterpreter, code: str, timeout: float = 10) -> Execution:
    """Run one hostile action; ``execute`` must return whatever the code does."""
    return interp.execute(textwrap.dedent(code).strip() + "\n", timeout=timeout)


def each(items: Sequence[object], action: str, prelude: str = "import os") -> str:
    """Code that tries ``action`` (an expression over ``item``) per item and prints ``ok <value>`` or the error."""
    return (f"{prelude}\nfor item in {list(items)!r}:\n    try:\n        print('ok', repr({action}))\n"
            "    except Exception as exc:\n        print(type(exc).__name__, exc)\n")


def outcomes(ex: Execution) -> list[str]:
    """First word of each line ``each`` printed: ``ok`` or the exception's type name."""
    return [line.split()[0] for line in ex.stdout.splitlines() if line.strip()]


def assert_session_works(interp: KernelInterpreter) -> None:
    ex = interp.execute("6 * 7", timeout=30)
    assert (ex.result, ex.error, ex.restarted) == ("42", None, False), ex.observation()


def assert_restart_reported(ex: Execution, why: str) -> None:
    assert ex.restarted, ex.observation()
    assert why in ex.stderr, ex.stderr
    assert "restarted" in ex.observation()


class State:
    """A variable set before an attack, to show the kernel (and its state) survived it."""

    def __init__(self, interp: KernelInterpreter) -> None:
        self.interp, self.value = interp, canary("state")
        assert interp.execute(f"kept_state = {self.value!r}").ok

    def assert_kept(self) -> None:
        assert self.interp.execute("kept_state").result == repr(self.value)


def assert_no_secret(ex: Execution, host: Host) -> None:
    text = ex.observation()
    for secret in host.secrets():
        assert secret not in text, "a planted host secret reached the observation"


# -- reading the host -----------------------------------------------------------------------------------------


def test_read_ssh_key_in_host_home(host: Host, shared: KernelInterpreter) -> None:
    ex = attack(shared, each(["~/.ssh/id_ed25519", str(host.ssh_key.path), str(host.home)],
                             "open(os.path.expanduser(item)).read()"))
    assert outcomes(ex) == ["FileNotFoundError"] * 3, ex.observation()
    assert_no_secret(ex, host)
    host.assert_intact()
    assert_session_works(shared)


@pytest.mark.parametrize("where", ["var-tmp", "root", "opt"])
def test_read_file_planted_elsewhere_on_host(host: Host, shared: KernelInterpreter, where: str) -> None:
    if where not in host.elsewhere:
        pytest.skip(f"this host does not let the tests write a file in {where}")
    planted = host.elsewhere[where]
    ex = attack(shared, each([str(planted.path)], "open(item).read()") +
                f"print('listed', os.path.isdir({str(planted.path.parent)!r}) and "
                f"{planted.path.name!r} in os.listdir({str(planted.path.parent)!r}))")
    assert ex.stdout.splitlines()[0].startswith("FileNotFoundError"), ex.observation()
    assert ex.stdout.splitlines()[1] == "listed False", ex.observation()
    assert_no_secret(ex, host)
    host.assert_intact()
    assert_session_works(shared)


def test_read_etc_shadow_and_host_keys(host: Host, shared: KernelInterpreter) -> None:
    ex = attack(shared, each(["/etc/shadow", "/etc/gshadow", "/etc/ssh/ssh_host_ed25519_key", "/etc/ssl/private"],
                             "open(item).read()"))
    assert outcomes(ex) == ["FileNotFoundError"] * 4, ex.observation()
    shadow = Path("/etc/shadow")
    if os.access(shadow, os.R_OK):
        assert shadow.read_text().splitlines()[0] not in ex.observation()
    host.assert_intact()
    assert_session_works(shared)


def test_read_repository_source(host: Host, shared: KernelInterpreter) -> None:
    files = [REPO / "pyproject.toml", REPO / "codeact" / "sandbox" / "command.py"]
    ex = attack(shared, each([str(f) for f in files], "open(item).read()"))
    assert outcomes(ex) == ["FileNotFoundError"] * 2, ex.observation()
    assert "bwrap_argv" not in ex.observation()
    host.assert_intact()
    assert_session_works(shared)


# -- writing the host -----------------------------------------------------------------------------------------


def _write_target(where: str, host: Host) -> Path:
    name = canary("written")
    return {
        "host-tmp": host.root / name,
        "tmp": Path("/tmp") / name,
        "repo": REPO / name,
        "etc": Path("/etc") / name,
        "venv": Path(sysconfig.get_paths()["purelib"]) / f"{name}.pth",
        "home": host.home / ".bashrc",
    }[where]


@pytest.mark.parametrize("where", ["host-tmp", "tmp", "repo", "etc", "venv", "home"])
def test_write_outside_workdir(host: Host, shared: KernelInterpreter, where: str) -> None:
    target = _write_target(where, host)
    try:
        ex = attack(shared, each([str(target)], "open(item, 'w').write('import os; os.system(\"id\")')"))
        assert not target.exists(), f"the sandbox wrote {target} on the host"
    finally:
        target.unlink(missing_ok=True)
    # /tmp inside is a private tmpfs, holding the parents bwrap made for the work directory's mount point (and, for
    # a checkout under /tmp, for the interpreter's tree): a write below it may land there, never on the host
    if target.parent == Path("/tmp") or (target.is_relative_to("/tmp") and target.parent in shared.workdir.parents):
        assert outcomes(ex) == ["ok"], ex.observation()
    elif target.is_relative_to("/tmp"):
        assert outcomes(ex)[0] in ("ok", "FileNotFoundError", "OSError", "PermissionError"), ex.observation()
    else:
        assert outcomes(ex)[0] in ("FileNotFoundError", "OSError", "PermissionError"), ex.observation()
    host.assert_intact()
    assert_session_works(shared)


# -- secrets in the environment -------------------------------------------------------------------------------

ENV_READS = {
    "os-environ": "print(dict(os.environ))",
    "proc-self-environ": "print(open('/proc/self/environ', 'rb').read())",
    "child-env": "print(subprocess.run(['env'], capture_output=True, text=True).stdout)",
    "proc-1-environ": "print(open('/proc/1/environ', 'rb').read())",
    "every-proc-environ": "print([open(p, 'rb').read() for p in glob.glob('/proc/[0-9]*/environ')])",
}


@pytest.mark.parametrize("how", [
    "os-environ", "proc-self-environ", "child-env",
    "proc-1-environ",
    "every-proc-environ",
])
def test_read_host_environment_secrets(host: Host, shared: KernelInterpreter, how: str) -> None:
    ex = attack(shared, "import glob, os, subprocess\n" + ENV_READS[how])
    assert ex.error is None and ex.stdout, ex.observation()  # it read an environment, just not the host's
    assert host.api_key not in ex.observation(), "the host's OPENAI_API_KEY reached the sandbox"
    assert "SSH_AUTH_SOCK" not in ex.observation()
    host.assert_intact()
    assert_session_works(shared)


# -- network --------------------------------------------------------------------------------------------------


def test_connect_to_host_tcp_server(host: Host, shared: KernelInterpreter) -> None:
    with TcpTrap() as trap:
        targets = [(address, trap.port) for address in host_addresses()]
        ex = attack(shared, each(targets, "socket.create_connection(item, timeout=2).close()", "import socket"))
        time.sleep(0.1)
    assert trap.accepted == 0, "a connection from the sandbox reached the host's server"
    assert outcomes(ex)[0] == "ConnectionRefusedError", ex.observation()  # the sandbox's own, empty loopback
    assert "ok" not in outcomes(ex), ex.observation()
    host.assert_intact()
    assert_session_works(shared)


def test_resolve_a_host_name(host: Host, shared: KernelInterpreter) -> None:
    with UdpTrap() as resolver:
        ex = attack(shared, f"""
            import socket
            try:
                print(socket.getaddrinfo('pypi.org', 443))
            except OSError as exc:
                print(type(exc).__name__)
            query = b'\\x12\\x34\\x01\\x00\\x00\\x01' + bytes(6) + b'\\x04pypi\\x03org\\x00\\x00\\x01\\x00\\x01'
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(query, ('127.0.0.1', {resolver.port}))
            """)
        time.sleep(0.2)
        assert not resolver.received(), "a datagram from the sandbox reached the host's loopback"
    assert outcomes(ex) == ["gaierror"], ex.observation()
    host.assert_intact()
    assert_session_works(shared)


def test_connect_to_host_unix_sockets(host: Host, shared: KernelInterpreter) -> None:
    abstract = "\0" + canary("abstract")
    with UnixTrap(abstract) as trap:
        targets = [host.ssh_agent.address, abstract, "/run/dbus/system_bus_socket", "/tmp/.X11-unix/X0",
                   "\0/tmp/.X11-unix/X0", f"/run/user/{os.getuid()}/bus", f"/run/user/{os.getuid()}/keyring/control"]
        ex = attack(shared, each(targets, "socket.socket(socket.AF_UNIX).connect(item)", "import socket"))
        assert trap.connections() == 0, "the sandbox reached an abstract socket of the host"
    assert len(outcomes(ex)) == len(targets) and "ok" not in outcomes(ex), ex.observation()
    host.assert_intact()  # includes the SSH agent trap (the path SSH_AUTH_SOCK names on the host)
    assert_session_works(shared)


# -- resources ------------------------------------------------------------------------------------------------


def test_fork_bomb(host: Host, shared: KernelInterpreter) -> None:
    if not has_cgroup(shared):
        pytest.skip("no writable cgroup: a fork bomb's processes are not counted or reaped (see docs/sandbox.md)")
    state = State(shared)
    before = len(alive(sandbox_pids(shared)))
    ex = attack(shared, "import os\nwhile True:\n    os.fork()", timeout=30)
    assert "BlockingIOError" in (ex.error or "") and not ex.restarted, ex.observation()
    assert f"process limit ({TIGHT.max_processes})" in ex.stderr
    assert wait_until(lambda: len(alive(sandbox_pids(shared))) <= before), "the bomb's processes still run"
    host.assert_intact()
    state.assert_kept()
    assert_session_works(shared)


def test_memory_bomb(host: Host, shared: KernelInterpreter) -> None:
    state = State(shared)
    ex = attack(shared, "hoard = bytearray()\nwhile True:\n    hoard += bytes(32 * 1024**2)", timeout=60)
    try:
        assert "MemoryError" in (ex.error or "") and not ex.restarted, ex.observation()
        if has_cgroup(shared):
            assert cgroup_memory_peak(shared) <= memory_ceiling(TIGHT)
    finally:
        shared.execute("del hoard")
    host.assert_intact()
    state.assert_kept()
    assert_session_works(shared)


def test_shared_memory_bomb(host: Host, shared: KernelInterpreter) -> None:
    """A shared mapping is not counted by RLIMIT_DATA: only the cgroup stops it, by killing the sandbox."""
    if not has_cgroup(shared):
        pytest.skip("no writable cgroup: only RLIMIT_DATA bounds memory, and shared mappings escape it (documented)")
    old = sandbox_pids(shared)
    ex = attack(shared, "import mmap\nm = mmap.mmap(-1, 2 * 1024**3)\nfor i in range(0, len(m), 4096):\n    m[i] = 1",
                timeout=60)
    assert_restart_reported(ex, "out of memory")
    assert f"the sandbox may use {TIGHT.memory_bytes / 1024**3:.1f} GiB" in ex.stderr  # its cgroup counted the OOM
    assert wait_until(lambda: not any_alive(old))
    host.assert_intact()
    assert_session_works(shared)


@pytest.mark.parametrize("writer", ["python", "shell-child"])
def test_write_file_bigger_than_limit(host: Host, shared: KernelInterpreter, writer: str) -> None:
    name = canary("big") + ".bin"
    size = 2 * TIGHT.max_file_bytes
    code = {"python": f"with open({name!r}, 'wb') as f:\n    f.write(bytes({size}))",
            "shell-child": f"import subprocess\n"
                           f"print(subprocess.run(['/bin/sh', '-c', 'head -c {size} /dev/zero > {name}']).returncode)"}
    try:
        ex = attack(shared, code[writer])
        assert (shared.workdir / name).stat().st_size <= TIGHT.max_file_bytes
    finally:
        (shared.workdir / name).unlink(missing_ok=True)
    if writer == "python":
        assert "File too large" in (ex.error or ""), ex.observation()
    else:
        assert outcomes(ex) not in (["0"], []), ex.observation()  # head was stopped by SIGXFSZ
    host.assert_intact()
    assert_session_works(shared)


@pytest.mark.parametrize("directory", ["/tmp", "/dev/shm"])
def test_fill_private_tmp(host: Host, shared: KernelInterpreter, directory: str) -> None:
    prefix = canary("fill")
    chunk = TIGHT.max_file_bytes // 2
    ex = attack(shared, f"""
        for i in range({2 * TIGHT.tmp_bytes // chunk}):
            with open(f'{directory}/{prefix}-{{i}}', 'wb') as f:
                f.write(bytes({chunk}))
        """)
    try:
        assert "No space left on device" in (ex.error or ""), ex.observation()
        assert not list(Path(directory).glob(prefix + "*")), "the sandbox's /tmp files appeared on the host"
    finally:
        shared.execute(f"import glob, os\nfor p in glob.glob('{directory}/{prefix}-*'):\n    os.remove(p)")
    host.assert_intact()
    assert_session_works(shared)


def test_infinite_loop(host: Host, shared: KernelInterpreter) -> None:
    """CPU within the timeout cannot be refused; the documented containment is the interrupt, state kept."""
    state = State(shared)
    ex = attack(shared, "while True:\n    pass", timeout=1)
    assert ex.timed_out and not ex.restarted and "KeyboardInterrupt" in (ex.error or ""), ex.observation()
    pids = sandbox_pids(shared)
    spent = cpu_seconds(pids)
    time.sleep(0.3)
    assert cpu_seconds(pids) - spent < 0.1, "the loop still burns CPU after the interrupt"
    host.assert_intact()
    state.assert_kept()
    assert_session_works(shared)


def test_loop_that_ignores_the_interrupt(host: Host, shared: KernelInterpreter, fast_kill: None) -> None:
    old = sandbox_pids(shared)
    ex = attack(shared, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
                timeout=1)
    assert ex.timed_out
    assert_restart_reported(ex, "did not respond to the interrupt")
    assert wait_until(lambda: not any_alive(old)), "the spinning kernel survived its replacement"
    host.assert_intact()
    assert_session_works(shared)


def test_deep_recursion_crash(host: Host, shared: KernelInterpreter) -> None:
    old = sandbox_pids(shared)
    ex = attack(shared, """
        import sys
        sys.setrecursionlimit(10**6)
        def dive(n):
            return list(map(dive, [n + 1]))  # through C, so the C stack overflows
        dive(0)
        """, timeout=30)
    assert_restart_reported(ex, "SIGSEGV")
    assert wait_until(lambda: not any_alive(old))
    assert not list(shared.workdir.glob("core*")), "the crash left a core dump in the work directory"
    host.assert_intact()
    assert_session_works(shared)


# -- processes ------------------------------------------------------------------------------------------------

KILLS = {
    "parent": ("import os\nos.kill(os.getppid(), 9)", False),
    "pid-1": ("import os\nos.kill(1, 9)", False),
    "kill-9-minus-1": ("import os\nos.system('kill -9 -1')", True),
}


@pytest.mark.parametrize("how", list(KILLS))
def test_kill_parent_processes(host: Host, shared: KernelInterpreter, how: str) -> None:
    """The sandbox's init ignores signals from inside; ``kill -9 -1`` reaches only the sandbox, itself included."""
    code, kills_kernel = KILLS[how]
    ex = attack(shared, code)
    if kills_kernel:
        assert_restart_reported(ex, "killed by SIGKILL")
    else:
        assert ex.ok, ex.observation()
    host.assert_intact()
    assert_session_works(shared)


def test_kill_host_process(host: Host, shared: KernelInterpreter) -> None:
    ex = attack(shared, f"""
        import os
        for pid in ({host.victim.pid}, {os.getpid()}, {os.getppid()}):
            if os.path.exists(f'/proc/{{pid}}'):  # the same number inside the sandbox is one of its own processes
                print('inside')
                continue
            try:
                os.kill(pid, 9)
                print('ok')
            except OSError as exc:
                print(type(exc).__name__)
        """)
    assert set(outcomes(ex)) <= {"ProcessLookupError", "inside"} and outcomes(ex), ex.observation()
    time.sleep(0.1)
    host.assert_intact()  # the victim `sleep` still runs
    assert_session_works(shared)


def test_proc_shows_only_sandbox_processes(host: Host, shared: KernelInterpreter) -> None:
    ex = attack(shared, """
        import glob
        for path in glob.glob('/proc/[0-9]*/cmdline'):
            print(path, open(path, 'rb').read())
        """)
    assert host.victim_marker not in ex.observation(), "a host process is visible in the sandbox's /proc"
    inside = {line.split("/")[2] for line in ex.stdout.splitlines()}
    assert {"1", "2"} <= inside and len(inside) == len(sandbox_pids(shared)) - 1  # all but bwrap's outer process
    host.assert_intact()
    assert_session_works(shared)


def test_ptrace_host_process(host: Host, shared: KernelInterpreter) -> None:
    ex = attack(shared, f"""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        for pid in ({host.victim.pid}, {os.getpid()}):
            if os.path.exists(f'/proc/{{pid}}'):
                print('inside')
            else:
                print(libc.ptrace(16, pid, None, None), ctypes.get_errno())  # PTRACE_ATTACH
        """)
    assert set(ex.stdout.splitlines()) <= {"-1 3", "inside"} and ex.stdout, ex.observation()  # ESRCH
    assert tracer_of(host.victim.pid) == 0 and tracer_of(os.getpid()) == 0
    host.assert_intact()
    assert_session_works(shared)


def test_background_process_outlives_its_action(host: Host, tmp_path: Path) -> None:
    """By design a background process keeps running between actions, inside the sandbox (agents start servers);
    it can touch only the work directory, and it dies with the kernel: on a restart and on close."""
    ticker, daemon = canary("ticker"), canary("daemon")
    with KernelInterpreter(tmp_path / "w", settings=TIGHT) as interp:
        ex = attack(interp, f"""
            import subprocess
            subprocess.Popen(['/bin/sh', '-c', 'while :; do echo tick >> ticks.txt; sleep 0.05; done', {ticker!r}],
                             start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            """)
        assert ex.ok and ex.seconds < 5, ex.observation()
        ticks = interp.workdir / "ticks.txt"
        assert wait_until(lambda: ticks.exists() and ticks.stat().st_size > 0)
        assert processes_with(ticker) and set(processes_with(ticker)) <= sandbox_pids(interp)
        assert_session_works(interp)
        assert_restart_reported(attack(interp, "import os\nos._exit(1)"), "exit status 1")
        assert wait_until(lambda: not processes_with(ticker)), "the background process survived the restart"
        size = ticks.stat().st_size
        time.sleep(0.2)
        assert ticks.stat().st_size == size
        script = f"setsid /bin/sh -c 'while :; do sleep 0.05; done' {daemon} >/dev/null 2>&1 &"
        attack(interp, f"import subprocess\nsubprocess.run(['/bin/sh', '-c', {script!r}])")
        assert wait_until(lambda: bool(processes_with(daemon)))  # a double-forked daemon in its own session
        assert_session_works(interp)
    assert wait_until(lambda: not processes_with(daemon)), "a daemonised process outlived the interpreter"
    host.assert_intact()


# -- code execution paths to the host -------------------------------------------------------------------------


def test_libc_system_touches_host_path(host: Host, shared: KernelInterpreter) -> None:
    targets = [host.home / canary("touched"), Path("/var/tmp") / canary("touched"), REPO / canary("touched")]
    command = "touch " + " ".join(str(t) for t in targets)
    ex = attack(shared, f"import ctypes\nctypes.CDLL(None).system({command.encode()!r})")
    assert ex.result not in (None, "0"), ex.observation()  # touch failed: none of those directories is inside
    assert not any(t.exists() for t in targets)
    host.assert_intact()
    assert_session_works(shared)


def test_shell_writes_outside(host: Host, shared: KernelInterpreter) -> None:
    targets = [host.home / canary("sh"), Path("/etc") / canary("sh"), Path("/var/tmp") / canary("sh")]
    script = "; ".join(f"echo pwned > {t}" for t in targets) + "; echo done"
    ex = attack(shared, f"""
        import subprocess
        r = subprocess.run(['/bin/sh', '-c', {script!r}], capture_output=True, text=True)
        print(r.stdout, r.stderr)
        """)
    assert "done" in ex.stdout and ex.stdout.count("/bin/sh") == len(targets), ex.observation()
    assert not any(t.exists() for t in targets)
    host.assert_intact()
    assert_session_works(shared)


SYMLINKS = {
    "read-etc": ("/etc", "sorted(os.listdir(link)), open(link + '/shadow').read()"),
    "read-host-file": ("{planted}", "open(link).read()"),
    "write-host-file": ("{planted}", "open(link, 'w').write('overwritten')"),
    "list-host-home": ("{home}", "os.listdir(link)"),
}


@pytest.mark.parametrize("how", list(SYMLINKS))
def test_escape_through_workdir_symlink(host: Host, shared: KernelInterpreter, how: str) -> None:
    target, action = SYMLINKS[how]
    planted = next(iter(host.elsewhere.values()))
    target = target.format(planted=planted.path, home=host.home)
    link = canary("link")
    try:
        ex = attack(shared, f"import os\nlink = {link!r}\nos.symlink({target!r}, link)\n"
                            f"try:\n    print('ok', {action})\nexcept OSError as exc:\n    print(type(exc).__name__)")
    finally:
        (shared.workdir / link).unlink(missing_ok=True)
    assert outcomes(ex) == ["FileNotFoundError"], ex.observation()
    assert_no_secret(ex, host)
    host.assert_intact()
    assert_session_works(shared)


def test_host_writes_display_image_through_planted_symlink(host: Host, shared: KernelInterpreter) -> None:
    target = host.root / canary("pwned")
    link = None
    try:
        ex = attack(shared, f"""
            import base64, itertools, os
            from IPython.display import display
            n = next(i for i in itertools.count(1) if not os.path.lexists(f'image-{{i}}.png'))
            os.symlink({str(target)!r}, f'image-{{n}}.png')
            display({{'image/png': base64.b64encode(b'written by the sandbox').decode()}}, raw=True)
            n
            """)
        link = shared.workdir / f"image-{ex.result}.png"
        assert not target.exists(), f"the host wrote the sandbox's bytes to {target}"
    finally:
        target.unlink(missing_ok=True)
        if link is not None:
            link.unlink(missing_ok=True)
    host.assert_intact()
    assert_session_works(shared)


# -- output ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["print", "os-write"])
def test_huge_single_line_output(host: Host, shared: KernelInterpreter, how: str) -> None:
    size = 50_000_000
    code = {"print": f"print('x' * {size})", "os-write": f"import os\nos.write(1, b'x' * {size})\nNone"}[how]
    with PeakRss() as rss:
        ex = attack(shared, code, timeout=60)
    assert ex.truncated_chars > size // 2, ex.observation()[-300:]
    assert len(ex.observation()) < 2 * shared.output_limit
    assert rss.growth < 32 * MiB, f"the host grew by {rss.growth / MiB:.0f} MiB for one action's output"
    host.assert_intact()
    assert_session_works(shared)


def test_invalid_utf8_output(host: Host, shared: KernelInterpreter) -> None:
    ex = attack(shared, """
        import os, sys
        os.write(1, b'before \\xff\\xfe\\xc3\\x28 after\\n')
        print('lone \\udcff surrogate')
        sys.stderr.write('err \\udc80 end\\n')
        """)
    text = ex.observation()
    text.encode("utf-8")  # what the model reads is valid UTF-8: no raw bytes, no lone surrogates
    assert "before \ufffd" in ex.stdout and "after" in text and "surrogate" in text and "end" in text
    host.assert_intact()
    assert_session_works(shared)


def test_oversized_raw_message(host: Host, shared: KernelInterpreter, fast_kill: None) -> None:
    """Bypassing the in-kernel output caps with one message over MAX_MESSAGE_BYTES: the host drops the connection
    instead of buffering it, the action times out, and the kernel is replaced."""
    size = process.MAX_MESSAGE_BYTES + MiB
    with PeakRss() as rss:
        ex = attack(shared, f"""
            import mmap
            frame = mmap.mmap(-1, {size})
            kernel = get_ipython().kernel
            kernel.session.send(kernel.iopub_socket, 'stream', {{'name': 'stdout', 'text': 'x'}},
                                parent=kernel.get_parent(), buffers=[memoryview(frame)])
            """, timeout=3)
    assert ex.timed_out
    assert_restart_reported(ex, "did not respond")
    assert rss.growth < process.MAX_MESSAGE_BYTES // 4, f"the host grew by {rss.growth / MiB:.0f} MiB"
    host.assert_intact()
    assert_session_works(shared)


def test_flood_of_large_messages_between_actions(host: Host, tmp_path: Path) -> None:
    frame, count = process.MAX_MESSAGE_BYTES // 2, 4 * process.RECEIVE_QUEUE_MESSAGES
    with KernelInterpreter(tmp_path / "w") as interp:
        ex = attack(interp, f"""
            import mmap, threading, time
            frame = mmap.mmap(-1, {frame})
            kernel = get_ipython().kernel
            def flood():
                time.sleep(0.3)  # after the action: the host is not reading
                for _ in range({count}):
                    kernel.session.send(kernel.iopub_socket, 'stream', {{'name': 'stdout', 'text': ''}},
                                        buffers=[memoryview(frame)])
            threading.Thread(target=flood).start()
            """)
        assert ex.ok, ex.observation()
        with PeakRss() as rss:
            time.sleep(2.0)
        assert_session_works(interp)
    assert rss.peak - rss.baseline < (process.RECEIVE_QUEUE_MESSAGES + 2) * frame, \
        f"the host held {(rss.peak - rss.baseline) / MiB:.0f} MiB of queued kernel messages"
    host.assert_intact()


def forged_summary(summary: object) -> str:
    """Code that publishes its own end-of-action message (the runtime's ``ACTION_MIME`` display data)."""
    return f"get_ipython().display_pub.publish({{{ACTION_MIME!r}: {summary!r}}})"


def forged_message(msg_type: str, content: dict[str, object]) -> str:
    """Code that sends an iopub message of its own making, bypassing IPython."""
    return (f"k = get_ipython().kernel\n"
            f"k.session.send(k.iopub_socket, {msg_type!r}, {content!r}, parent=k.get_parent())")


FORGED = {
    "unknown-stream-in-summary": forged_summary({"tails": {"x": [0, ""]}}),
    "figures-not-a-list": forged_summary({"figures": 5}),
    "summary-not-an-object": forged_summary(5),
    "error-without-fields": forged_message("error", {}),
    "result-without-data": forged_message("execute_result", {"data": 5}),
}


@pytest.mark.parametrize("how", list(FORGED))
def test_forged_protocol_message(host: Host, shared: KernelInterpreter, how: str) -> None:
    ex = attack(shared, FORGED[how])
    assert not ex.restarted and not ex.timed_out, ex.observation()
    host.assert_intact()
    assert_session_works(shared)


def test_forged_figures_name_host_files(host: Host, shared: KernelInterpreter) -> None:
    names = ["/etc/passwd", "../../../root/.ssh/id_ed25519", str(host.ssh_key.path)]
    ex = attack(shared, forged_summary({"figures": names}))
    outside = [f for f in ex.figures if not f.resolve().is_relative_to(shared.workdir)]
    assert not outside, f"Execution.figures names host files: {outside}"
    host.assert_intact()
    assert_session_works(shared)


def test_display_image_bigger_than_file_limit(host: Host, shared: KernelInterpreter) -> None:
    before = set(shared.workdir.iterdir())
    try:
        ex = attack(shared, f"""
            import base64
            from IPython.display import display
            display({{'image/png': base64.b64encode(bytes({2 * TIGHT.max_file_bytes})).decode()}}, raw=True)
            """)
        made = set(shared.workdir.iterdir()) - before
        too_big = [p.name for p in made if p.stat().st_size > TIGHT.max_file_bytes]
        assert not too_big, f"the host wrote {too_big} past max_file_bytes"
    finally:
        for path in set(shared.workdir.iterdir()) - before:
            path.unlink()
    assert ex.ok
    host.assert_intact()
    assert_session_works(shared)


# -- privileges and kernel interfaces -------------------------------------------------------------------------

ESCAPES = {
    "mount-tmpfs": "libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)",
    "umount-root": "libc.umount2(b'/', 2)",
    "unshare-user": "libc.unshare(0x10000000)",
    "unshare-mount": "libc.unshare(0x00020000)",
    "setns-pid1-mount": "libc.setns(os.open('/proc/1/ns/mnt', os.O_RDONLY), 0)",
    "chroot": "libc.chroot(b'/tmp')",
    "nested-bwrap": "-1 if subprocess.run(['bwrap', '--bind', '/', '/', 'true']).returncode else 0",
}


@pytest.mark.parametrize("how", list(ESCAPES))
def test_namespace_escape(host: Host, shared: KernelInterpreter, how: str) -> None:
    mounts = mount_table()
    ex = attack(shared, f"import ctypes, os, subprocess\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                        f"print({ESCAPES[how]}, ctypes.get_errno())")
    assert ex.stdout.split()[0] == "-1", ex.observation()
    assert mount_table() == mounts
    host.assert_intact()
    assert_session_works(shared)


def test_setuid_binary_gains_nothing(host: Host, shared: KernelInterpreter) -> None:
    mount = Path("/usr/bin/mount")
    if not (mount.exists() and mount.stat().st_mode & stat.S_ISUID):
        pytest.skip("no setuid mount binary on this host")
    mounts = mount_table()
    ex = attack(shared, """
        import subprocess
        r = subprocess.run(['/usr/bin/mount', '-t', 'tmpfs', 'none', '/tmp'], capture_output=True, text=True)
        print('exit', r.returncode)
        print(subprocess.run(['/usr/bin/mount', '--version'], capture_output=True).returncode)
        print(open('/proc/self/status').read())
        """)
    assert "exit 0" not in ex.stdout, ex.observation()
    assert "NoNewPrivs:\t1" in ex.stdout and "CapEff:\t0000000000000000" in ex.stdout
    assert mount_table() == mounts
    host.assert_intact()
    assert_session_works(shared)


def test_change_hostname(host: Host, shared: KernelInterpreter) -> None:
    """The sandbox has its own UTS namespace: renaming it does not rename the host."""
    before = socket.gethostname()
    attack(shared, "with open('/proc/sys/kernel/hostname', 'w') as f:\n    f.write('pwned-by-sandbox')")
    assert socket.gethostname() == before
    host.assert_intact()
    assert_session_works(shared)


def test_write_global_kernel_setting(host: Host, shared: KernelInterpreter) -> None:
    sysctl = Path("/proc/sys/fs/lease-break-time")  # harmless to change for a moment, and global
    before = sysctl.read_text()
    try:
        ex = attack(shared, f"with open({str(sysctl)!r}, 'w') as f:\n    f.write('{int(before) + 1}')")
        assert sysctl.read_text() == before, "the sandbox changed a global kernel setting of the host"
    finally:
        if sysctl.read_text() != before:
            sysctl.write_text(before)
    assert ex.error is not None
    host.assert_intact()
    assert_session_works(shared)


def test_escape_through_proc_links(host: Host, shared: KernelInterpreter) -> None:
    planted = next(iter(host.elsewhere.values()))
    paths = [f"/proc/self/root{planted.path}", f"/proc/1/root{planted.path}", f"/proc/1/cwd/../../..{planted.path}",
             f"/proc/2/root{host.ssh_key.path}", f"/proc/self/cwd/../../../..{host.ssh_key.path}"]
    ex = attack(shared, each(paths, "open(item).read()"))
    assert outcomes(ex) == ["FileNotFoundError"] * len(paths), ex.observation()
    assert_no_secret(ex, host)
    host.assert_intact()
    assert_session_works(shared)


def test_raw_devices(host: Host, shared: KernelInterpreter) -> None:
    devices = ["/dev/mem", "/dev/kmem", "/dev/port", "/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/kmsg",
               "/dev/tty0", "/dev/fuse", "/dev/kvm"]
    root = os.stat("/").st_dev
    node = canary("disk")
    try:
        ex = attack(shared, each(devices, "os.open(item, os.O_RDONLY)") +
                    f"import stat\ntry:\n    os.mknod({node!r}, stat.S_IFBLK | 0o600, "
                    f"os.makedev({os.major(root)}, {os.minor(root)}))\nexcept OSError as exc:\n"
                    "    print(type(exc).__name__)\n")
        assert not (shared.workdir / node).exists(), "the sandbox made a device node of the host's disk"
    finally:
        (shared.workdir / node).unlink(missing_ok=True)
    assert outcomes(ex) == ["FileNotFoundError"] * len(devices) + ["PermissionError"], ex.observation()
    host.assert_intact()
    assert_session_works(shared)


def test_read_host_kernel_keyring(host: Host, shared: KernelInterpreter) -> None:
    with HostKey.planted() as key:
        ex = attack(shared, f"""
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            buf = ctypes.create_string_buffer(4096)
            for line in open('/proc/keys'):
                print(line.strip())
                n = libc.syscall({key.keyctl}, {KEYCTL_READ}, int(line.split()[0], 16), buf, len(buf))
                if n > 0:
                    print(buf.raw[:n])
            """)
        assert key.description not in ex.observation(), "the sandbox lists the host user's keys"
        assert key.secret not in ex.observation(), "the sandbox read a key of the host user"
    host.assert_intact()
    assert_session_works(shared)


def test_read_another_sandboxes_files(host: Host, shared: KernelInterpreter, tmp_path: Path) -> None:
    connection = shared._owned.rundir / "kernel.json"
    private, content = shared.workdir / (canary("private") + ".txt"), canary("private-content")
    private.write_text(content)
    before = connection.read_text()
    try:
        with KernelInterpreter(tmp_path / "other", settings=TIGHT) as other:
            targets = [str(connection), str(private), str(shared._owned.rundir / "tools.sock")]
            ex = attack(other, each(targets, "open(item, 'rb').read()"))
            assert outcomes(ex) == ["FileNotFoundError"] * 3, ex.observation()
            assert '"transport"' not in ex.observation() and content not in ex.observation()
            assert_session_works(other)
        assert connection.read_text() == before
    finally:
        private.unlink()
    host.assert_intact()
    assert_session_works(shared)


# -- the host-tool channel ------------------------------------------------------------------------------------

RAW_REQUEST = """
import json, socket
def ask(line):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(__codeact__.tool_socket)
        try:
            s.sendall(line)
        except BrokenPipeError:  # the host answered (and hung up) before reading it all
            pass
        return s.makefile('rb').readline().decode().strip()
"""


def test_call_undeclared_host_function(host: Host, shared: KernelInterpreter) -> None:
    target = host.root / canary("undeclared")
    before = list(NOTES)
    ex = attack(shared, RAW_REQUEST + f"""
for name in ('__import__', 'eval', 'os.system', 'note.__globals__', 'NOTES'):
    print(ask(json.dumps({{'tool': name, 'args': ['touch {target}'], 'kwargs': {{}}}}).encode() + b'\\n'))
""")
    replies = [json.loads(line) for line in ex.stdout.splitlines()]
    assert len(replies) == 5 and all(r["error"]["type"] == "NameError" for r in replies), ex.observation()
    assert NOTES == before and not target.exists()
    assert attack(shared, "note('legit')").result == str(len(before) + 1) and NOTES[-1] == "legit"
    host.assert_intact()
    assert_session_works(shared)


def test_host_tool_with_non_json_argument(host: Host, shared: KernelInterpreter) -> None:
    before = list(NOTES)
    ex = attack(shared, each(["object()", "b'bytes'", "{1, 2}", "lambda: 0"], "note(eval(item))"))
    assert outcomes(ex) == ["TypeError"] * 4, ex.observation()
    assert NOTES == before
    host.assert_intact()
    assert_session_works(shared)


def test_garbage_on_the_tool_socket(host: Host, shared: KernelInterpreter) -> None:
    before = list(NOTES)
    ex = attack(shared, RAW_REQUEST + """
for line in (b'\\xff\\xfe not json\\n', b'[1, 2]\\n', b'{"tool": "note"}\\n',
             b'{"tool": "note", "args": "abc", "kwargs": {}}\\n', b'{' + b' ' * (17 * 1024**2) + b'\\n'):
    print(ask(line)[:200])
""", timeout=30)
    replies = [json.loads(line) for line in ex.stdout.splitlines()]
    assert len(replies) == 5 and all("error" in r for r in replies), ex.observation()
    assert NOTES == before
    assert attack(shared, "note('still works')").result == str(len(before) + 1)
    host.assert_intact()
    assert_session_works(shared)


def test_idle_connections_to_the_tool_socket(host: Host, shared: KernelInterpreter) -> None:
    before = threading.active_count()
    ex = attack(shared, """
        import socket
        idle = []
        for _ in range(200):
            s = socket.socket(socket.AF_UNIX)
            s.connect(__codeact__.tool_socket)
            idle.append(s)
        len(idle)
        """)
    try:
        assert ex.result == "200", ex.observation()
        time.sleep(0.2)
        grown = threading.active_count() - before
        assert grown < 32, f"{grown} host threads wait on idle tool connections"
    finally:
        shared.execute("for s in idle:\n    s.sendall(b'\\n')\n    s.recv(4096)\n    s.close()\ndel idle")
    host.assert_intact()
    assert_session_works(shared)


# -- through the agent ----------------------------------------------------------------------------------------


def test_agent_run_survives_attacks(host: Host, tmp_path: Path) -> None:
    """A model issuing attacks: the run still ends with an answer, and the trajectory records what they got."""
    target = host.root / canary("agent")
    steal = (f"import os\nprint(os.environ.get('OPENAI_API_KEY'))\n"
             f"for p in ({str(host.ssh_key.path)!r}, '/proc/1/cwd/../../..{host.ssh_key.path}'):\n"
             f"    try:\n        print(open(p).read())\n    except OSError as exc:\n        print(type(exc).__name__)\n"
             f"open({str(target)!r}, 'w')")
    replies = [f"I will look around.\n<execute>\n{steal}\n</execute>",
               "<execute>\nimport os\nos.system('kill -9 -1')\n</execute>",
               "<execute>\nprint(6 * 7)\n</execute>",
               "<solution>42</solution>"]
    with Agent(ScriptedModel(replies), runs_dir=tmp_path / "runs", sandbox=TIGHT) as agent:
        result = agent.run("What is 6 times 7?")
    assert (result.status, result.answer, result.turns) == ("answered", "42", 4)
    trajectory = result.trajectory_path.read_text()
    steps = json.loads(trajectory)["steps"]
    assert steps[0]["observation"].startswith("None\nFileNotFoundError\nFileNotFoundError"), steps[0]["observation"]
    assert "FileNotFoundError" in steps[0]["execution"]["error"]
    assert steps[1]["execution"]["restarted"] and "restarted" in steps[1]["observation"]
    assert steps[2]["observation"] == "42"
    for secret in host.secrets():
        assert secret not in trajectory
    assert not target.exists()
    host.assert_intact()
