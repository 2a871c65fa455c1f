"""Row blocks and threads: block sizes, the thread count, the block runner and page pre-faulting.

:func:`build_problem <mentormatch.encode.build_problem>` fills its (n, m) output a block of rows at a time
(:func:`_block_rows` rows of ``_PAIRS_PER_BLOCK`` or ``_TABLE_PAIRS_PER_BLOCK`` pairs). From
:data:`mentormatch._threads.THREAD_MIN_PAIRS` pairs, the blocks are handed out to threads (:func:`_run_blocks`; how
many is :func:`mentormatch._threads.workers`'s policy); numpy releases the GIL in ``take``, ufuncs and
copies. Each block writes its own rows, so the result does not depend on scheduling. While the profiles are read
and the tables built, :class:`_Prefault` touches the output's pages on a helper thread. This module knows nothing
of what a block computes: :func:`_score_blocks` runs any scorer (the table scorer of
:mod:`~mentormatch.encode.tables` or the reference one of :mod:`~mentormatch.encode.formulas`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Protocol

import numpy as np

from ..problem import Progress

_PAIRS_PER_BLOCK = 1 << 18
"""Pairs per block of the reference formulas (and per chunk when tables are built). :func:`_block_rows` binds it as
its default; ``features`` reads its own import of it when it counts shared items for the tables' grids."""
_TABLE_PAIRS_PER_BLOCK = 1 << 17
"""Pairs per block of the table method: fastest of 2^15..2^19 at 20000 × 5000 (~20 numpy calls per block, whose
fixed cost dominates smaller blocks; ~16 bytes of scratch per pair, which outgrows the caches in larger ones)."""


def _block_rows(n: int, m: int, pairs: int = _PAIRS_PER_BLOCK) -> int:
    return max(1, pairs // max(m, 1))


def _run_blocks(
    n: int,
    step: int,
    fill: Callable[[int, int, dict], None],
    scratch: Callable[[], dict],
    report: Callable[[int], None],
    pool: ThreadPoolExecutor | None = None,
    workers: int = 1,
) -> None:
    """Call ``fill(lo, hi, buffers)`` for every block of ``step`` rows, on ``workers`` threads of ``pool``.

    Each thread takes the next block when it is free and has its own ``scratch()`` buffers; blocks write
    disjoint rows, so the result does not depend on scheduling. ``report(rows_done)`` runs on the calling thread
    after each block (one thread) or about once a second. The first exception of any thread is re-raised.
    """
    blocks = iter(range(0, n, step))
    if pool is None or workers <= 1:
        buffers = scratch()
        for lo in blocks:
            fill(lo, min(lo + step, n), buffers)
            report(min(lo + step, n))
        return
    lock = threading.Lock()
    done = [0]
    failed = threading.Event()

    def work() -> None:
        buffers = scratch()
        while not failed.is_set():
            with lock:
                lo = next(blocks, None)
            if lo is None:
                return
            filled = False
            try:
                fill(lo, min(lo + step, n), buffers)
                filled = True
            finally:
                if not filled:  # stop the other workers; the error itself propagates through the future
                    failed.set()
            with lock:
                done[0] += min(lo + step, n) - lo

    futures = [pool.submit(work) for _ in range(workers)]
    pending = set(futures)
    while pending:
        _, pending = wait(pending, timeout=1.0, return_when=FIRST_EXCEPTION)
        report(done[0])
        if failed.is_set():
            wait(pending)
            break
    for future in futures:
        future.result()


class _Prefault:
    """Touch every page of fresh zero-filled arrays on a helper thread, until :meth:`stop`.

    The first write to a page of a fresh array is a page fault, and on the development VM faults can be the
    largest single cost of scoring: ~0.1 ms per MB when the host still backs the memory, 1.5-3 ms per MB when it
    does not (up to 1.5 s for the 500 MB of output at 20000 × 5000). The helper takes them on the second CPU while
    the calling thread reads the profiles and builds the tables (numpy releases the GIL while it writes). It
    writes zeros into zeros and is stopped before the blocks are scored, so nothing it writes can race a result.
    Chunks of 8 MB: the helper needs the GIL between chunks, which pure-Python code holds for up to 5 ms.
    """

    _CHUNK = 8 << 20

    def __init__(self, arrays: Sequence[np.ndarray]):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._touch, args=(arrays,), name="mentormatch-prefault", daemon=True)
        self._thread.start()

    def _touch(self, arrays: Sequence[np.ndarray]) -> None:
        page = 4096
        for array in arrays:
            flat = array.reshape(-1).view(np.uint8)
            for lo in range(0, len(flat), self._CHUNK):
                if self._stop.is_set():
                    return
                flat[lo : lo + self._CHUNK : page] = 0

    def stop(self) -> None:
        """Stop touching and wait for the helper (at most one chunk)."""
        self._stop.set()
        self._thread.join()


class _Scorer(Protocol):
    """What :func:`_score_blocks` runs: the table scorer or the reference scorer."""

    def scratch(self, rows: int, /) -> dict:
        """One thread's buffers for blocks of up to ``rows`` rows."""

    def __call__(self, lo: int, hi: int, score: np.ndarray, allowed: np.ndarray, buffers: dict, /) -> None:
        """Fill ``score[lo:hi]`` and ``allowed[lo:hi]`` (exclusions are the caller's)."""


def _score_blocks(
    scorer: _Scorer,
    step: int,
    score: np.ndarray,
    allowed: np.ndarray,
    progress: Progress | None,
    start: float,
    pool: ThreadPoolExecutor | None = None,
    workers: int = 1,
) -> None:
    """Fill ``score`` and ``allowed`` (all but exclusions) block by block, on ``workers`` threads of ``pool``."""
    n = len(score)
    last_report = [start]

    def report(rows_done: int) -> None:
        now = time.perf_counter()
        if progress is not None and now - last_report[0] >= 1.0:
            progress(f"scoring: {rows_done}/{n} mentees", now - start)
            last_report[0] = now

    _run_blocks(
        n,
        step,
        lambda lo, hi, buffers: scorer(lo, hi, score, allowed, buffers),
        lambda: scorer.scratch(min(step, n)),
        report,
        pool,
        workers,
    )
