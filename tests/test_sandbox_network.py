"""What `--network` opens: the host's network (a loopback server here) and `!pip install`."""

from __future__ import annotations

import socket
import threading
import zipfile
from pathlib import Path

from sandbox_support import needs_bwrap

from codeact.sandbox import KernelInterpreter, Mount, SandboxSettings

pytestmark = needs_bwrap


def serve_once(received: list[bytes]) -> tuple[int, threading.Thread]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(20)

    def accept() -> None:
        with server, server.accept()[0] as conn:
            received.append(conn.recv(100))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    return server.getsockname()[1], thread


def test_network_lets_the_sandbox_reach_the_host_loopback(tmp_path: Path) -> None:
    received: list[bytes] = []
    port, thread = serve_once(received)
    with KernelInterpreter(tmp_path / "w", settings=SandboxSettings(network=True)) as interp:
        ex = interp.execute(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), 5).sendall(b'hi')")
    thread.join(20)
    assert ex.ok, ex.observation()
    assert received == [b"hi"]


def test_pip_install_works_in_the_sandbox(tmp_path: Path) -> None:
    """`!pip install` goes to a private folder (the venv is read-only) and the package imports right away.

    A local wheelhouse mounted read-only stands in for the index, so the test needs no internet."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    info = "codeact_demo_pkg-1.0.dist-info"
    with zipfile.ZipFile(wheels / "codeact_demo_pkg-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("codeact_demo_pkg/__init__.py", "VALUE = 'installed in the sandbox'\n")
        wheel.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: codeact-demo-pkg\nVersion: 1.0\n")
        wheel.writestr(f"{info}/WHEEL",
                       "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    settings = SandboxSettings(network=True, mounts=(Mount(wheels, read_only=True),))
    with KernelInterpreter(tmp_path / "w", settings=settings) as interp:
        install = interp.execute(f"!pip install -q --no-index --find-links {wheels} codeact-demo-pkg", timeout=120)
        assert install.ok, install.observation()
        ex = interp.execute("import codeact_demo_pkg\ncodeact_demo_pkg.VALUE")
    assert ex.result == "'installed in the sandbox'", ex.observation()
