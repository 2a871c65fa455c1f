"""The library's one CPU count and thread policy for numpy passes over (n, m) row blocks.

numpy releases the GIL in ufuncs, reductions, ``take`` and copies, so row blocks of a large (n, m) pass run on
several threads at once: the scoring of :func:`mentormatch.build_problem` and the scans of the priced flow
(``solvers/pricing.py``). Below :data:`THREAD_MIN_PAIRS` pairs one thread is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["MAX_WORKERS", "THREAD_MIN_PAIRS", "cpu_count", "workers", "map_ordered"]

MAX_WORKERS = 4
"""At most this many threads run row blocks; fewer if fewer CPUs are available."""
THREAD_MIN_PAIRS = 1 << 23
"""Below this many pairs (8.4 M) one thread is used: with the second core busy elsewhere, two threads were 5-25 %
slower up to 10 M pairs, while at 100 M pairs they save 20-30 % (mostly page faults taken on both cores)."""

T = TypeVar("T")
R = TypeVar("R")


def cpu_count() -> int:
    """CPUs this process may use: its CPU affinity where the system has one (``os.process_cpu_count`` on Python
    ≥ 3.13), else every CPU of the machine; at least 1. The one count the library uses: the threads here, and what
    every benchmark row records (:func:`mentormatch.bench.results.machine`)."""
    counter = getattr(os, "process_cpu_count", None)
    if counter is not None:
        return int(counter() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def workers(pairs: int) -> int:
    """Threads for a pass over ``pairs`` pairs: one below :data:`THREAD_MIN_PAIRS`, else up to
    :data:`MAX_WORKERS` CPUs."""
    return 1 if pairs < THREAD_MIN_PAIRS else max(1, min(MAX_WORKERS, cpu_count()))


def map_ordered(fn: Callable[[T], R], items: Iterable[T], threads: int) -> list[R]:
    """``[fn(x) for x in items]``, on ``threads`` threads when more than one: results in the order of ``items``
    whatever the scheduling, so callers that merge them stay deterministic. The first exception is re-raised."""
    if threads <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(threads, thread_name_prefix="mentormatch-blocks") as pool:
        return list(pool.map(fn, items))
