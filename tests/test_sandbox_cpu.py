"""The CPU-time budget of one action: spent, the action stops with a clear error, state is kept, and the next
action gets a fresh budget."""

from __future__ import annotations

from pathlib import Path

from sandbox_support import needs_bwrap

from codeact.sandbox import KernelInterpreter, SandboxSettings

pytestmark = needs_bwrap

SPIN = "import time\nstart = time.process_time()\nwhile True:\n    pass"


def test_an_action_stops_when_it_spends_its_cpu_budget(tmp_path: Path) -> None:
    with KernelInterpreter(tmp_path / "w", settings=SandboxSettings(cpu_seconds_per_action=2)) as interp:
        interp.execute("kept = 'yes'")
        for _ in range(2):  # the budget is per action, not per kernel
            ex = interp.execute(SPIN, timeout=60)
            assert not ex.timed_out and not ex.restarted, ex.observation()
            assert "CPUTimeExceeded" in (ex.error or "") and "2 s of CPU time" in ex.error
            assert ex.seconds < 30
        after = interp.execute("print(kept, round(time.process_time() - start) >= 2)")
    assert after.stdout.strip() == "yes True"
