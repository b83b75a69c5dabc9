"""KernelInterpreter behaviour, on a real kernel in a real bwrap sandbox.

Most tests share one interpreter (a kernel start is ~0.4 s); tests that crash or restart the kernel get their own.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_support import BWRAP_MISSING, needs_bwrap  # noqa: F401

from codeact.sandbox import (
    KernelInterpreter,
)
from codeact.sandbox import interpreter as interpreter_module
from codeact.tools import tool

pytestmark = pytest.mark.skipif(bool(BWRAP_MISSING), reason=BWRAP_MISSING)

PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR4nGNgYAAAAAMAASsJTYQAAAAASUVORK5CYII="
)


class QuotaExceeded(Exception):
    """A host-side exception type the kernel has never heard of."""


@tool
def add(a: int, b: int = 2) -> int:
    """Add two integers on the host."""
    return a + b


@tool
def lookup(key: str) -> str:
    """Fails like a dict would."""
    raise KeyError(key)


@tool
def spend() -> None:
    """Fails with a host-only exception type."""
    raise QuotaExceeded("no budget left")


@tool(runs_on="sandbox")
def square(x: float) -> float:
    """Square a number inside the sandbox."""
    import os

    return x * x if os.getpid() > 0 else 0.0


TOOLS = [add, lookup, spend, square]


@pytest.fixture(scope="module")
def interp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelInterpreter]:
    with KernelInterpreter(tmp_path_factory.mktemp("work"), tools=TOOLS, output_limit=2_000) as it:
        yield it


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[KernelInterpreter]:
    with KernelInterpreter(tmp_path / "work", tools=TOOLS) as it:
        yield it


def test_state_persists_across_actions(interp: KernelInterpreter) -> None:
    assert interp.execute("counter = 40\nprint('set')").stdout == "set\n"
    ex = interp.execute("counter += 2\ncounter")
    assert ex.ok and ex.result == "42"


def test_stdout_stderr_and_result_are_separate(interp: KernelInterpreter) -> None:
    ex = interp.execute("import sys\nprint('out')\nprint('err', file=sys.stderr)\n'value'")
    assert (ex.stdout, ex.stderr, ex.result) == ("out\n", "err\n", "'value'")
    assert interp.execute("x_unused = 1").observation() == "[executed successfully, no output]"


def test_traceback_shows_only_the_agents_frames_without_colours(interp: KernelInterpreter) -> None:
    ex = interp.execute("def outer(n):\n    return inner(n)\ndef inner(n):\n    return 1 / n\nouter(0)")
    assert ex.error is not None and not ex.ok
    assert ex.error.startswith("Traceback (most recent call last):")
    assert ex.error.count("File \"<action") == 3 and "in inner" in ex.error
    assert ex.error.rstrip().endswith("ZeroDivisionError: division by zero")
    for noise in ("ipykernel", "IPython", "interactiveshell", "\x1b["):
        assert noise not in ex.error


def test_traceback_hides_library_frames_but_keeps_agent_modules(interp: KernelInterpreter) -> None:
    ex = interp.execute("import json\njson.loads('{bad')")
    assert "decoder.py" not in (ex.error or "") and "JSONDecodeError" in (ex.error or "")
    (interp.workdir / "helper_mod.py").write_text("def broken():\n    raise ValueError('from my module')\n")
    ex = interp.execute("import helper_mod\nhelper_mod.broken()")
    assert "helper_mod.py" in (ex.error or "") and "ValueError: from my module" in (ex.error or "")


def test_syntax_error_points_at_the_code(interp: KernelInterpreter) -> None:
    ex = interp.execute("x = (1,\nprint(x")
    assert ex.error is not None and "SyntaxError" in ex.error and "ipykernel" not in ex.error


def test_final_answer_records_the_answer_and_stops_the_action(interp: KernelInterpreter) -> None:
    ex = interp.execute("print('before')\nfinal_answer(6 * 7)\nprint('after')")
    assert ex.answer == "42" and ex.stdout == "before\n" and ex.error is None
    ex = interp.execute("try:\n    final_answer('kept')\nexcept Exception:\n    print('swallowed')")
    assert ex.answer == "kept" and "swallowed" not in ex.stdout
    assert interp.execute("1 + 1").answer is None


def test_huge_output_is_cut_to_head_and_tail(interp: KernelInterpreter) -> None:
    ex = interp.execute("print('START' + 'x' * 50_000_000 + 'END')")
    assert ex.stdout.startswith("START") and ex.stdout.rstrip().endswith("END")
    assert len(ex.stdout) < 2_100 and ex.truncated_chars == 50_000_009 - 2_000 + 0
    ex = interp.execute("for i in range(100_000):\n    print(i)")
    assert ex.stdout.startswith("0\n1\n") and ex.stdout.rstrip().endswith("99999")
    assert "characters cut" in ex.stdout and "[output truncated" in ex.observation()


def test_huge_result_repr_is_cut_in_the_kernel(interp: KernelInterpreter) -> None:
    ex = interp.execute("'y' * 10_000_000")
    assert ex.result is not None and len(ex.result) < 2_100 and "characters cut" in ex.result


def test_invalid_utf8_does_not_break_anything(interp: KernelInterpreter) -> None:
    ex = interp.execute("import os, sys\nos.write(1, b'raw \\xff\\xfe bytes\\n')\nprint('lone \\udcff surrogate')")
    assert "raw" in ex.stdout and "lone" in ex.stdout and ex.error is None
    assert interp.execute("print('still fine')").stdout == "still fine\n"


def test_open_figures_are_saved_as_png_and_closed(interp: KernelInterpreter) -> None:
    ex = interp.execute("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.figure()\nplt.bar([1], [2])\n"
                        "plt.show()")
    assert len(ex.figures) == 2 and all(f.read_bytes().startswith(b"\x89PNG") for f in ex.figures)
    assert ex.figures[0].parent == interp.workdir and "[figure saved: " in ex.observation()
    assert interp.execute("plt.get_fignums()").result == "[]"
    assert "non-interactive" not in ex.stderr


def test_displayed_png_images_are_saved(interp: KernelInterpreter) -> None:
    code = f"from IPython.display import Image, display\ndisplay(Image(data={PNG_1x1!r}))"
    ex = interp.execute(code)
    assert len(ex.figures) == 1 and ex.figures[0].read_bytes() == PNG_1x1


def test_timeout_interrupts_and_keeps_state(interp: KernelInterpreter) -> None:
    interp.execute("survivor = 'alive'")
    ex = interp.execute("import time\nwhile True:\n    time.sleep(0.01)", timeout=0.5)
    assert ex.timed_out and not ex.restarted and "KeyboardInterrupt" in (ex.error or "")
    assert "timed out" in ex.observation()
    assert interp.execute("survivor").result == "'alive'"


def test_input_fails_fast_instead_of_hanging(interp: KernelInterpreter) -> None:
    ex = interp.execute("input('name? ')", timeout=5)
    assert not ex.timed_out and ex.error is not None


def test_host_tools_are_callable_with_their_signature_and_doc(interp: KernelInterpreter) -> None:
    ex = interp.execute("help(add)")
    assert "add(a: int, b: int = 2) -> int" in ex.stdout and "Add two integers on the host." in ex.stdout
    ex = interp.execute("add(40)")
    assert ex.result == "42"
    assert ex.tool_calls == [{"tool": "add", "args": [40, 2], "kwargs": {}, "result": 42,
                              "seconds": ex.tool_calls[0]["seconds"]}]


def test_host_tools_compose_in_a_loop_and_every_call_is_logged(interp: KernelInterpreter) -> None:
    ex = interp.execute("total = 0\nfor i in range(20):\n    total = add(total, i)\ntotal")
    assert ex.result == str(sum(range(20))) and len(ex.tool_calls) == 20
    assert interp.execute("1").tool_calls == []


def test_host_tool_exceptions_are_reraised_by_type_name(interp: KernelInterpreter) -> None:
    ex = interp.execute("try:\n    lookup('k')\nexcept KeyError as e:\n    print('caught', repr(e))")
    assert ex.stdout == "caught KeyError('k')\n"
    assert ex.tool_calls[0]["error"] == "KeyError: 'k'"
    ex = interp.execute("spend()")
    assert (ex.error or "").rstrip().endswith("QuotaExceeded: no budget left")
    ex = interp.execute("add(1, 2, 3)")
    assert "TypeError" in (ex.error or "") and ex.tool_calls == []


def test_host_tool_arguments_must_be_json(interp: KernelInterpreter) -> None:
    ex = interp.execute("add(object())")
    assert "JSON-serialisable" in (ex.error or "")


def test_sandbox_tools_run_in_the_kernel(interp: KernelInterpreter) -> None:
    ex = interp.execute("square(3), square.__doc__")
    assert ex.result == "(9, 'Square a number inside the sandbox.')" and ex.tool_calls == []


def test_names_survive_a_namespace_reset(interp: KernelInterpreter) -> None:
    interp.execute("%reset -f")
    assert interp.execute("add(1, 1)").result == "2"


def test_kernel_exit_is_detected_and_restarted_with_tools(fresh: KernelInterpreter) -> None:
    fresh.execute("lost = 1")
    ex = fresh.execute("import os\nos._exit(3)", timeout=60)
    assert ex.restarted and ex.seconds < 10 and "exit status 3" in ex.stderr
    assert "state were lost" in ex.observation()
    assert "NameError" in (fresh.execute("lost").error or "")
    assert fresh.execute("add(2, 3)").result == "5"


def test_segfault_is_detected_and_restarted(fresh: KernelInterpreter) -> None:
    ex = fresh.execute("import ctypes\nctypes.string_at(0)", timeout=60)
    assert ex.restarted and "SIGSEGV" in ex.stderr
    assert fresh.execute("1 + 1").result == "2"


def test_uninterruptible_code_is_killed_and_restarted(fresh: KernelInterpreter,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreter_module, "INTERRUPT_GRACE", 0.5)
    fresh.execute("kept = 1")
    ex = fresh.execute("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
                       timeout=0.5)
    assert ex.timed_out and ex.restarted
    assert fresh.execute("square(2)").result == "4"


def test_kernel_that_died_between_actions_is_restarted_before_the_next(fresh: KernelInterpreter) -> None:
    fresh.execute("import os, threading, time\nthreading.Thread(target=lambda: (time.sleep(0.2), os._exit(1))).start()")
    import time

    time.sleep(1.0)
    ex = fresh.execute("'fresh'")
    assert ex.restarted and ex.result == "'fresh'"


def test_workdir_is_the_kernels_cwd_and_outlives_the_interpreter(fresh: KernelInterpreter) -> None:
    fresh.execute("open('note.txt', 'w').write('hello')")
    fresh.close()
    assert (fresh.workdir / "note.txt").read_text() == "hello"
    with pytest.raises(RuntimeError, match="closed"):
        fresh.execute("1")


def test_execution_counts_seconds(interp: KernelInterpreter) -> None:
    ex = interp.execute("import time\ntime.sleep(0.2)")
    assert 0.2 <= ex.seconds < 5
