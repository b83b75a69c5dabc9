"""Which tasks a run covers: all of them, the first K, or a seeded sample stratified by domain.

A stratified sample keeps each domain's share of the suite, so a quick 20-task run still says something about
every domain; the seed makes it the same 20 tasks on every machine and on resume.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from codeact.bench.results import BenchError
from codeact.bench.suite import Task


def select_tasks(
    tasks: list[Task], *, limit: int | None = None, sample: int | None = None, seed: int = 0
) -> list[Task]:
    """``limit`` keeps the first K tasks; ``sample`` draws K stratified by domain; the suite's order is kept."""
    if limit is not None and sample is not None:
        raise BenchError("--limit and --sample both pick tasks: use one of them")
    duplicates = sorted(task_id for task_id, n in Counter(t.id for t in tasks).items() if n > 1)
    if duplicates:
        raise BenchError(f"the suite has duplicate task ids ({', '.join(duplicates[:5])}): ids must be unique")
    if limit is not None:
        return tasks[: max(limit, 0)]
    if sample is None or sample >= len(tasks):
        return list(tasks)
    chosen = set(_stratified_ids(tasks, max(sample, 0), seed))
    return [t for t in tasks if t.id in chosen]


def _stratified_ids(tasks: list[Task], k: int, seed: int) -> list[str]:
    """Largest-remainder allocation of ``k`` over domains, then a seeded draw inside each domain."""
    by_domain: dict[str, list[str]] = defaultdict(list)
    for task in tasks:
        by_domain[task.domain].append(task.id)
    domains = sorted(by_domain)
    quotas = {d: k * len(by_domain[d]) / len(tasks) for d in domains}
    counts = {d: int(quotas[d]) for d in domains}
    by_remainder = sorted(domains, key=lambda d: (-(quotas[d] - counts[d]), d))
    for d in by_remainder[: k - sum(counts.values())]:
        counts[d] += 1
    rng = random.Random(seed)
    return [task_id for d in domains for task_id in rng.sample(by_domain[d], counts[d])]
