"""Where episodes run: in this process, in ``--workers`` local processes, or as Ray actors (``--ray``).

Every backend takes the list of episodes still to run and yields their rows as they finish, in any order; the
runner alone writes results, so backends never touch the results file and a kill loses only episodes in flight.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from codeact.bench.episode import EpisodeSettings, EpisodeWorker, ModelFactory, SuiteFactory
from codeact.bench.results import BenchError, EpisodeRow

Episode = tuple[str, str]
"""(task id, action format)."""

LOCAL_RAY = "local"
"""``--ray`` without an address: join the cluster in ``$RAY_ADDRESS`` if set, else start a local instance."""


def inline_rows(suite: SuiteFactory, model: ModelFactory, settings: EpisodeSettings,
                episodes: list[Episode]) -> Iterator[EpisodeRow]:
    worker = EpisodeWorker(suite, model, settings)
    try:
        for task_id, action_format in episodes:
            yield worker.run(task_id, action_format)
    finally:
        worker.close()


def process_rows(suite: SuiteFactory, model: ModelFactory, settings: EpisodeSettings, episodes: list[Episode],
                 workers: int) -> Iterator[EpisodeRow]:
    """Each process builds its own model once. ``spawn``, not ``fork``: a forked copy of a process that holds
    threads (rich's progress bar, a model backend's pool) can deadlock."""
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(episodes)), mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker, initargs=(suite, model, settings),
    )
    try:
        pending: set[Future[EpisodeRow]] = {pool.submit(_run_in_worker, *episode) for episode in episodes}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    yield future.result()
                except BrokenProcessPool:
                    raise BenchError(
                        "a worker process died (out of memory?): finished episodes are saved, rerun to resume "
                        "(with fewer --workers)"
                    ) from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def ray_rows(suite: SuiteFactory, model: ModelFactory, settings: EpisodeSettings, episodes: list[Episode],
             workers: int, address: str) -> Iterator[EpisodeRow]:
    """``workers`` Ray actors, each holding one model; episodes go to whichever actor is free."""
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise BenchError("--ray needs Ray: pip install 'codeact[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=None if address == LOCAL_RAY else address, log_to_driver=False)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        if workers > cpus:
            # Each actor holds a CPU; actors beyond the cluster's CPUs would never start and their episodes wait.
            raise BenchError(f"--workers {workers} but the Ray cluster has {cpus} CPUs: lower --workers")
        actor = ray.remote(num_cpus=1)(EpisodeWorker)
        actors = [actor.remote(suite, model, settings) for _ in range(min(workers, len(episodes)))]
        try:
            yield from ActorPool(actors).map_unordered(lambda a, ep: a.run.remote(*ep), episodes)
        except ray.exceptions.RayError as exc:
            raise BenchError(f"a Ray worker failed: {_last_line(exc)}") from None
        finally:
            with contextlib.suppress(ray.exceptions.RayError):  # a dead actor has nothing left to close
                ray.get([a.close.remote() for a in actors], timeout=60)
            for a in actors:
                ray.kill(a)  # type: ignore[arg-type]  # ray.remote(cls) is typed loosely
    finally:
        if started_here:
            ray.shutdown()


_worker: EpisodeWorker | None = None
_worker_error: str | None = None


def _start_worker(suite: SuiteFactory, model: ModelFactory, settings: EpisodeSettings) -> None:
    """Process-pool initializer. A failure is kept and reported by the first episode, because an initializer
    that raises only leaves a ``BrokenProcessPool`` that says nothing about the cause. The worker's kernel pool
    closes itself when the process exits."""
    global _worker, _worker_error
    try:
        _worker = EpisodeWorker(suite, model, settings)
    except Exception as exc:  # noqa: BLE001 - re-raised with its message by _run_in_worker
        _worker_error = f"{type(exc).__name__}: {exc}"


def _run_in_worker(task_id: str, action_format: str) -> EpisodeRow:
    if _worker is None:
        raise BenchError(f"a worker process could not start: {_worker_error}")
    return _worker.run(task_id, action_format)


def _last_line(exc: BaseException) -> str:
    """Ray's error text is the remote traceback; its last line names the cause."""
    text = str(exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__
