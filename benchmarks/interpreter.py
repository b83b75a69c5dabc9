"""Interpreter speed: kernel start, warm-pool acquire, round trip, and compute overhead against bare CPython.

Run: ``.venv/bin/python benchmarks/interpreter.py`` (about a minute on 2 cores; smolagents is most of it).
Targets: pool acquire < 20 ms; the compute-heavy action in the kernel <= 1.3x bare CPython.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codeact.sandbox import KernelInterpreter, KernelPool, SandboxSettings

LOOP = "total = 0\nfor i in range(2_000_000):\n    total += i * i % 7\n"
KINDS = ("bwrap", "none")


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def cold_start_ms(kind: str, base: Path) -> float:
    settings = SandboxSettings(kind=kind)
    KernelInterpreter(base / f"warmup-{kind}", settings=settings).close()  # page cache, availability probe
    samples = []
    for n in range(5):
        start = time.perf_counter()
        interp = KernelInterpreter(base / f"cold-{kind}-{n}", settings=settings)
        samples.append((time.perf_counter() - start) * 1000)
        interp.close()
    return statistics.median(samples)


def pool_acquire_ms(kind: str, base: Path) -> float:
    settings = SandboxSettings(kind=kind)
    samples = []
    with KernelPool(settings, size=1, root=base / f".pool-{kind}") as pool:
        for n in range(5):
            if not pool.wait_ready():
                raise RuntimeError(f"pool did not fill: {pool.last_error}")
            start = time.perf_counter()
            interp = KernelInterpreter(base / f"pooled-{kind}-{n}", settings=settings, pool=pool)
            samples.append((time.perf_counter() - start) * 1000)
            assert interp.pooled
            interp.close()
    return statistics.median(samples)


def kernel_ms(kind: str, base: Path) -> tuple[float, float]:
    """(trivial round trip, compute loop) in one kernel, both as ``execute`` wall time."""
    with KernelInterpreter(base / f"rt-{kind}", settings=SandboxSettings(kind=kind)) as interp:
        interp.execute("1")
        trivial = median_ms(lambda: interp.execute("1"), 50)
        loop = median_ms(lambda: interp.execute(LOOP, timeout=120), 5)
    return trivial, loop


def cpython_ms() -> float:
    """The same loop at module level in a bare interpreter, timed inside it (no start-up cost)."""
    code = f"import time\nt = time.perf_counter()\nexec({LOOP!r})\nprint((time.perf_counter() - t) * 1000)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(5)]
    return statistics.median(runs)


def smolagents_ms() -> float | None:
    try:
        from smolagents import local_python_executor as lpe
    except ImportError:
        return None
    lpe.MAX_OPERATIONS = 10**9  # its default cap (10M AST nodes) stops a 2M-iteration loop before the end
    executor = lpe.LocalPythonExecutor(additional_authorized_imports=[], timeout_seconds=None)
    executor.send_tools({})
    return median_ms(lambda: executor(LOOP), 1)


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="codeact-bench-") as tmp:
        base = Path(tmp)
        for kind in KINDS:
            rows.append((f"kernel start ({kind})", f"{cold_start_ms(kind, base):8.1f} ms", ""))
        for kind in KINDS:
            rows.append((f"warm-pool acquire ({kind})", f"{pool_acquire_ms(kind, base):8.1f} ms", "target < 20 ms"))
        loops = {}
        for kind in KINDS:
            trivial, loops[kind] = kernel_ms(kind, base)
            rows.append((f"trivial action round trip ({kind})", f"{trivial:8.1f} ms", ""))
    bare = cpython_ms()
    rows.append(("2M-iteration loop, bare CPython", f"{bare:8.1f} ms", "1.00x"))
    for kind in KINDS:
        rows.append((f"2M-iteration loop, kernel ({kind})", f"{loops[kind]:8.1f} ms",
                     f"{loops[kind] / bare:.2f}x (target <= 1.3x)"))
    smol = smolagents_ms()
    if smol is not None:
        rows.append(("2M-iteration loop, smolagents LocalPythonExecutor", f"{smol:8.1f} ms", f"{smol / bare:.1f}x"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'median':>11}  vs / note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>11}  {note}")


if __name__ == "__main__":
    main()
