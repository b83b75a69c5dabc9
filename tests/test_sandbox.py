"""What the bwrap sandbox isolates and limits, the warm pool, the unsandboxed kind, and the availability check."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_support import BWRAP_MISSING, needs_bwrap  # noqa: F401

from codeact.sandbox import (
    KernelInterpreter,
    KernelPool,
    Mount,
    SandboxSettings,
    SandboxUnavailable,
    availability,
    check_sandbox_available,
)
from codeact.tools import tool


@tool
def host_pid() -> int:
    """The host process id (proves the call ran on the host)."""
    return os.getpid()


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelInterpreter]:
    if BWRAP_MISSING:
        pytest.skip(BWRAP_MISSING)
    with KernelInterpreter(tmp_path_factory.mktemp("work"), tools=[host_pid]) as it:
        yield it


def run(interp: KernelInterpreter, code: str) -> str:
    ex = interp.execute(code, timeout=20)
    assert ex.error is None, ex.error
    return ex.result or ""


@needs_bwrap
def test_kernel_runs_in_its_own_pid_namespace(sandboxed: KernelInterpreter) -> None:
    assert run(sandboxed, "import os\nos.getpid()") == "2"
    assert run(sandboxed, "host_pid()") == str(os.getpid())


@needs_bwrap
def test_network_is_off_by_default(sandboxed: KernelInterpreter) -> None:
    ex = sandboxed.execute("import socket\nsocket.gethostbyname('pypi.org')")
    assert "gaierror" in (ex.error or "")
    ex = sandboxed.execute("import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)")
    assert "OSError" in (ex.error or "") or "unreachable" in (ex.error or "")
    assert run(sandboxed, "import socket\nsorted(n for _, n in socket.if_nameindex())") == "['lo']"


@needs_bwrap
def test_environment_has_no_secrets_and_no_real_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-should-not-leak")
    with KernelInterpreter(tmp_path / "w") as interp:
        env = run(interp, "import os\ndict(os.environ)")
        home = run(interp, "import os\nos.path.expanduser('~')")
    assert "should-not-leak" not in env
    assert home.strip("'") != str(Path.home())


@needs_bwrap
def test_workdir_is_writable_and_the_host_sees_it(sandboxed: KernelInterpreter) -> None:
    run(sandboxed, "open('made_inside.txt', 'w').write('x')")
    assert (sandboxed.workdir / "made_inside.txt").read_text() == "x"


@needs_bwrap
def test_outside_the_workdir_is_read_only_or_invisible(sandboxed: KernelInterpreter, tmp_path: Path) -> None:
    secret = tmp_path / "host_secret.txt"
    secret.write_text("hidden")
    for path in ("/etc/passwd", "/usr/lib/new_file", "/new_root_file", f"{Path(os.__file__).parent}/x.py"):
        ex = sandboxed.execute(f"open({path!r}, 'a')")
        assert ex.error is not None and ("Read-only" in ex.error or "No such file" in ex.error), path
    sandboxed.execute(f"open({str(sandboxed.workdir.parent / 'escape.txt')!r}, 'w')")  # lands in the private /tmp
    assert not (sandboxed.workdir.parent / "escape.txt").exists()
    assert run(sandboxed, f"import os\nos.path.exists({str(secret)!r})") == "False"
    assert run(sandboxed, f"import os\nos.path.exists({str(Path.home() / '.bashrc')!r})") == "False"
    assert run(sandboxed, "import os\nos.path.exists('/etc/shadow'), os.path.exists('/sys/fs')") == "(False, False)"


@needs_bwrap
def test_tmp_is_private_and_size_limited(tmp_path: Path) -> None:
    marker = Path("/tmp") / f"codeact-host-marker-{os.getpid()}"
    marker.write_text("host")
    try:
        with KernelInterpreter(tmp_path / "w", settings=SandboxSettings(tmp_bytes=1024**2)) as interp:
            assert run(interp, f"import os\nos.path.exists({str(marker)!r})") == "False"
            ex = interp.execute("open('/tmp/fill', 'wb').write(b'0' * 4 * 1024**2)")
            assert "No space left" in (ex.error or "")
    finally:
        marker.unlink()


@needs_bwrap
def test_memory_limit_gives_memory_error_and_the_kernel_survives(tmp_path: Path) -> None:
    with KernelInterpreter(tmp_path / "w", settings=SandboxSettings(memory_bytes=512 * 1024**2)) as interp:
        run(interp, "import numpy\nkept = 7")
        ex = interp.execute("block = bytearray(1024**3)")
        assert "MemoryError" in (ex.error or "") and not ex.restarted
        assert run(interp, "kept") == "7"


@needs_bwrap
def test_file_size_limit(tmp_path: Path) -> None:
    with KernelInterpreter(tmp_path / "w", settings=SandboxSettings(max_file_bytes=1024**2)) as interp:
        ex = interp.execute("with open('big.bin', 'wb') as f:\n    f.write(b'0' * 2 * 1024**2)")
        assert "File too large" in (ex.error or "")


@needs_bwrap
def test_fork_bomb_is_contained_and_reported(tmp_path: Path) -> None:
    with KernelInterpreter(tmp_path / "w", settings=SandboxSettings(max_processes=40)) as interp:
        if interp._kernel.cgroup is None and os.geteuid() == 0:
            pytest.skip("as root without a writable cgroup RLIMIT_NPROC does not bind: the bomb would hit the host")
        run(interp, "state = 'kept'")
        ex = interp.execute("import os\nwhile True:\n    os.fork()", timeout=20)
        assert "BlockingIOError" in (ex.error or "") or ex.restarted
        if interp._kernel.cgroup is not None:  # with a cgroup, stray processes are reaped and reported
            assert "process limit (40)" in ex.stderr
        after = interp.execute("state", timeout=20)
        assert after.result == "'kept'" or ex.restarted


@needs_bwrap
def test_extra_mounts_read_only_and_read_write(tmp_path: Path) -> None:
    ro, rw = tmp_path / "ro", tmp_path / "rw"
    ro.mkdir()
    rw.mkdir()
    (ro / "data.txt").write_text("input")
    settings = SandboxSettings(mounts=(Mount(ro, read_only=True), Mount(rw)))
    with KernelInterpreter(tmp_path / "w", settings=settings) as interp:
        assert run(interp, f"open({str(ro / 'data.txt')!r}).read()") == "'input'"
        assert "Read-only" in (interp.execute(f"open({str(ro / 'new')!r}, 'w')").error or "")
        run(interp, f"open({str(rw / 'out.txt')!r}, 'w').write('ok')")
    assert (rw / "out.txt").read_text() == "ok"


@needs_bwrap
def test_pool_hands_over_a_ready_kernel_serving_the_workdir(tmp_path: Path) -> None:
    with KernelPool(size=1, root=tmp_path / ".pool") as pool:
        assert pool.wait_ready()
        start = time.perf_counter()
        interp = KernelInterpreter(tmp_path / "episode", tools=[host_pid], pool=pool)
        acquired = time.perf_counter() - start
        with interp:
            assert interp.pooled and acquired < 5  # the target (< 20 ms) is measured in benchmarks/interpreter.py
            run(interp, "open('result.txt', 'w').write('from pooled kernel')")
            assert (tmp_path / "episode" / "result.txt").read_text() == "from pooled kernel"
            assert run(interp, "host_pid()") == str(os.getpid())
            ex = interp.execute("import os\nos._exit(1)")
            assert ex.restarted
            assert run(interp, "open('result.txt').read()") == "'from pooled kernel'"
        assert pool.wait_ready()  # refilled in the background


@needs_bwrap
def test_pool_is_not_used_for_a_workdir_that_already_has_files(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "input.csv").write_text("a,b\n")
    with KernelPool(size=1, root=tmp_path / ".pool") as pool:
        with KernelInterpreter(tmp_path / "busy", pool=pool) as interp:
            assert not interp.pooled
            assert run(interp, "open('input.csv').read()") == "'a,b\\n'"
        assert pool.wait_ready() and pool.ready_count() == 1  # the pooled kernel was left for the next taker
    assert not (tmp_path / ".pool").exists()


@needs_bwrap
def test_pool_settings_must_match(tmp_path: Path) -> None:
    with KernelPool(size=0, root=tmp_path / ".pool") as pool, pytest.raises(ValueError, match="other sandbox"):
        KernelInterpreter(tmp_path / "w", settings=SandboxSettings(network=True), pool=pool)


def test_unsandboxed_kind_runs_in_the_workdir(tmp_path: Path) -> None:
    with KernelInterpreter(tmp_path / "w", settings=SandboxSettings(kind="none")) as interp:
        assert run(interp, "import os\nos.getcwd()") == repr(str(tmp_path / "w"))
        assert run(interp, "import os\nos.getpid() != 2") == "True"
        assert interp.execute("final_answer('done')").answer == "done"


def test_missing_mount_is_reported(tmp_path: Path) -> None:
    settings = SandboxSettings(mounts=(Mount(tmp_path / "nowhere"),))
    with pytest.raises(SandboxUnavailable, match="nowhere"):
        check_sandbox_available(settings)


def test_missing_bwrap_says_how_to_install_or_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    availability._probe.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable) as info:
            check_sandbox_available(SandboxSettings(memory_bytes=123 * 1024**2))
    finally:
        availability._probe.cache_clear()
    message = str(info.value)
    assert "apt-get install bubblewrap" in message and "--sandbox none" in message and "\n" not in message


@needs_bwrap
def test_open_files_are_limited(tmp_path: Path) -> None:
    with KernelInterpreter(tmp_path / "w", settings=SandboxSettings(max_open_files=64)) as interp:
        ex = interp.execute("import resource\nprint(resource.getrlimit(resource.RLIMIT_NOFILE))\n"
                            "files = [open(f'f{i}', 'w') for i in range(100)]")
        assert "(64, 64)" in ex.stdout and "Too many open files" in (ex.error or ""), ex.observation()
        assert run(interp, "for f in files if 'files' in globals() else []: f.close()\n1 + 1") == "2"


def test_the_kernel_lifetime_cpu_cap_is_ten_actions_plus_slack() -> None:
    from codeact.sandbox.process import rlimits

    assert rlimits(SandboxSettings(cpu_seconds_per_action=2))["RLIMIT_CPU"] == (20, 25)
