"""Unit tests of the interpreter's pieces that need no kernel: output bounds, tracebacks, tool stubs, bwrap argv."""

from __future__ import annotations

import json
import socket
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codeact.sandbox.command import bwrap_argv, kernel_env
from codeact.sandbox.host_tools import ToolServer, host_stub_source
from codeact.sandbox.kernel_side import (
    StreamCap,
    clean_text,
    cut_middle,
    format_exception,
    host_exception,
)
from codeact.sandbox.output import HeadTail, fit, strip_ansi
from codeact.sandbox.settings import Mount, SandboxSettings
from codeact.tools import Tool, tool


@given(st.lists(st.text(max_size=50), max_size=40), st.integers(min_value=1, max_value=60))
def test_head_tail_keeps_both_ends_and_counts_the_rest(chunks: list[str], cap: int) -> None:
    buffer = HeadTail(cap)
    for chunk in chunks:
        buffer.feed(chunk)
    whole = "".join(chunks)
    assert len(buffer) == len(whole)
    text, cut = buffer.render(cap)
    if len(whole) <= cap:
        assert (text, cut) == (whole, 0)
    else:
        head, _, tail = text.partition("\n[... ")
        tail = tail.split(" characters cut ...]\n", 1)[1]
        assert whole.startswith(head) and whole.endswith(tail)
        assert len(head) + len(tail) == cap
        assert cut == len(whole) - cap


def test_head_tail_gap_puts_the_kernels_tail_after_the_dropped_middle() -> None:
    buffer = HeadTail(4)
    buffer.feed("abcdefgh")  # the kernel forwarded these...
    buffer.gap(100)  # ...then dropped 100 characters...
    buffer.feed("WXYZ")  # ...and sent its tail at the end of the action
    text, cut = buffer.render(8)
    assert text.startswith("abcd") and text.endswith("WXYZ")
    assert cut == 8 + 100 + 4 - 8


def test_fit_gives_small_fields_everything_and_splits_the_rest() -> None:
    assert fit([10, 1000, 5], 100) == [10, 85, 5]
    assert fit([1000, 1000], 100) == [50, 50]
    assert fit([3, 4], 100) == [3, 4]


def test_strip_ansi_removes_colours_and_cursor_moves() -> None:
    assert strip_ansi("\x1b[31mred\x1b[0m \x1b[2Kline\x1b]0;title\x07") == "red line"


def test_stream_cap_forwards_the_head_and_keeps_only_a_bounded_tail(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []
    stream = types.SimpleNamespace(write=sent.append)
    monkeypatch.setattr(sys, "codeact_test_stream", stream, raising=False)  # StreamCap finds streams on `sys`
    cap = StreamCap("codeact_test_stream", 10)
    cap.attach()
    stream.write("0123456789abc")
    stream.write("x" * 1_000_000)
    stream.write("THE END")
    dropped, tail = cap.finish()
    assert "".join(sent) == "0123456789"
    assert tail == "xxxTHE END"
    assert dropped == 3 + 1_000_000 - 3


def test_clean_text_replaces_what_utf8_cannot_carry() -> None:
    assert clean_text("ok \udcff") == "ok ?"
    assert clean_text("héllo") == "héllo"
    assert "characters cut" in cut_middle("a" * 100, 10) and cut_middle("short", 10) == "short"


def _raise_in_library() -> None:
    json.loads("{bad")


def test_format_exception_keeps_only_agent_frames_and_chains(tmp_path: Path) -> None:
    agent_file = str(Path(__file__).resolve())

    def agent() -> None:
        try:
            _raise_in_library()
        except ValueError as exc:
            raise RuntimeError("while parsing") from exc

    try:
        agent()
    except RuntimeError as exc:
        text = format_exception(exc, lambda f: f == agent_file, lambda f: "<action 1>")
    assert "json" + "/decoder.py" not in text and "json/__init__.py" not in text
    assert 'File "<action 1>"' in text
    assert "JSONDecodeError" in text and "RuntimeError: while parsing" in text
    assert "The above exception was the direct cause" in text


def test_host_exception_keeps_type_name_and_arguments() -> None:
    assert repr(host_exception("KeyError", "'k'", ["k"])) == "KeyError('k')"
    custom = host_exception("QuotaExceeded", "too many calls")
    assert type(custom).__name__ == "QuotaExceeded" and str(custom) == "too many calls"
    assert isinstance(host_exception("UnicodeDecodeError", "bad"), RuntimeError)


def _signature_tool(a: int, /, b: str = "x", *rest: float, flag: bool = False, **extra: int) -> list[str]:
    """Doc with ""\"quotes""\"."""
    return [str(a), b, *map(str, rest), str(flag), *map(str, extra.values())]


def test_host_stub_binds_every_kind_of_parameter_like_the_real_function() -> None:
    source = host_stub_source(Tool(_signature_tool, "sig"))
    captured: list[tuple[str, tuple, dict]] = []
    runtime = types.SimpleNamespace(call_host=lambda name, args, kwargs: captured.append((name, args, kwargs)))
    namespace: dict = {"__codeact__": runtime}
    exec(source, namespace)
    namespace["sig"](1, "y", 2.0, 3.0, flag=True, z=4)
    assert captured == [("sig", (1, "y", 2.0, 3.0), {"flag": True, "z": 4})]
    assert "quotes" in namespace["sig"].__doc__


def test_host_stub_falls_back_to_args_kwargs_for_unprintable_defaults() -> None:
    sentinel = object()

    def odd(x: object = sentinel) -> None:
        """Odd default."""

    source = host_stub_source(Tool(odd, "odd"))
    assert source.startswith("def odd(*args, **kwargs):")


def _call(path: Path, request: dict) -> dict:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(path))
        sock.sendall(json.dumps(request).encode() + b"\n")
        return json.loads(sock.makefile("rb").readline())


def test_tool_server_runs_records_and_reports_failures(tmp_path: Path) -> None:
    @tool
    def div(a: float, b: float) -> float:
        """Divide."""
        return a / b

    @tool
    def opaque() -> object:
        """Returns something JSON cannot carry."""
        return object()

    server = ToolServer(tmp_path / "t.sock", [div, opaque])
    calls: list[dict] = []
    server.record_into(calls)
    try:
        assert _call(tmp_path / "t.sock", {"tool": "div", "args": [6, 3], "kwargs": {}}) == {"result": 2.0}
        error = _call(tmp_path / "t.sock", {"tool": "div", "args": [1, 0], "kwargs": {}})["error"]
        assert error["type"] == "ZeroDivisionError"
        assert "JSON" in _call(tmp_path / "t.sock", {"tool": "opaque", "args": [], "kwargs": {}})["error"]["message"]
        assert _call(tmp_path / "t.sock", {"tool": "nope", "args": [], "kwargs": {}})["error"]["type"] == "NameError"
    finally:
        server.close()
    assert [c["tool"] for c in calls] == ["div", "div", "opaque"]
    assert calls[0]["result"] == 2.0 and calls[1]["error"].startswith("ZeroDivisionError")
    assert all(c["seconds"] >= 0 for c in calls)


def test_bwrap_argv_isolates_by_default_and_shares_only_what_settings_say(tmp_path: Path) -> None:
    settings = SandboxSettings(mounts=(Mount(tmp_path / "data", read_only=True),))
    argv = bwrap_argv(settings, tmp_path / "run", tmp_path / "w", tmp_path / "w", ["python"])
    joined = " ".join(argv)
    assert "--unshare-all" in argv and "--share-net" not in argv and "--clearenv" in argv
    assert "--cap-drop ALL" in joined and "--die-with-parent" in argv
    assert f"--ro-bind {tmp_path / 'data'} {tmp_path / 'data'}" in joined
    assert f"--bind {tmp_path / 'w'} {tmp_path / 'w'}" in joined
    sources = {argv[i + 1] for i, arg in enumerate(argv) if arg in ("--bind", "--ro-bind", "--ro-bind-try")}
    assert not sources & {"/", "/home", "/root", "/etc", "/etc/ssl", "/etc/shadow", "/sys", str(Path.home())}
    assert "--share-net" in bwrap_argv(SandboxSettings(network=True), tmp_path, tmp_path, tmp_path, ["python"])


def test_kernel_env_of_the_sandbox_carries_no_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    env = kernel_env(SandboxSettings(), tmp_path)
    assert "OPENAI_API_KEY" not in env and env["HOME"] == str(tmp_path / "home")
    assert env["MPLBACKEND"] == "Agg"
