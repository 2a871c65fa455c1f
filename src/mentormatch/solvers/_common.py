"""What every solver shares: the errors, input validation, candidate pairs, answer totals and the clock.

Nothing here imports a solver backend.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from mentormatch.errors import SolverBug, SolverUnsuitable  # re-exported: their earlier home
from mentormatch.problem import Instance, Progress, Solution, Status

__all__ = [
    "SolverUnsuitable",
    "SolverBug",
    "validate_instance",
    "block_rows",
    "candidate_mask",
    "candidate_counts",
    "iter_candidate_blocks",
    "keep_pairs",
    "kept_of",
    "answer_totals",
    "optimal_solution",
    "Clock",
]

CHUNK_ENTRIES = 1 << 22
"""Pairs handled per block when a pass over the (n, m) arrays is made in row blocks (~4 M: 32 MB of float64)."""


def validate_instance(instance: Instance) -> None:
    """Check the arrays' shapes, dtypes and ranges; raise one ValueError naming every offender.

    Parameters
    ----------
    instance : Instance

    Raises
    ------
    ValueError
        Listing each problem: which array, what was expected, what was found.
    """
    problems: list[str] = []
    allowed = instance.allowed
    if not isinstance(allowed, np.ndarray) or allowed.ndim != 2:
        raise ValueError(
            f"allowed: expected a 2-D numpy bool array, got {type(allowed).__name__} with shape {np.shape(allowed)}"
        )
    n, m = allowed.shape
    if allowed.dtype != np.bool_:
        problems.append(f"allowed: expected dtype bool, got {allowed.dtype}")
    weights = instance.weights
    if not isinstance(weights, np.ndarray) or weights.shape != (n, m):
        problems.append(f"weights: expected shape {(n, m)}, got {np.shape(weights)}")
    elif weights.dtype.kind not in "biuf":
        problems.append(f"weights: expected an integer or float dtype, got {weights.dtype}")
    for name, shapes, low in (("priority", [(n,)], 1), ("load", [(n,), (n, m)], 1), ("capacity", [(m,)], 0)):
        values = getattr(instance, name)
        if not isinstance(values, np.ndarray) or values.shape not in shapes:
            expected = " or ".join(str(shape) for shape in shapes)
            problems.append(f"{name}: expected shape {expected}, got {np.shape(values)}")
        elif values.dtype.kind not in "iu":
            problems.append(f"{name}: expected an integer dtype, got {values.dtype}")
        elif values.size and int(values.min()) < low:
            bad = tuple(int(k) for k in np.argwhere(values < low)[0])
            problems.append(f"{name}: every entry must be ≥ {low}; entry {_index(bad)} is {int(values[bad])}")
        elif values.size and int(values.max()) > 2**40:
            bad = tuple(int(k) for k in np.unravel_index(int(np.argmax(values)), values.shape))
            problems.append(f"{name}: entry {_index(bad)} is {int(values[bad])}, above the supported 2**40")
    if not isinstance(instance.maximize, (bool, np.bool_)):
        problems.append(f"maximize: expected a bool, got {type(instance.maximize).__name__}")
    problems.extend(_continuity_problems(instance, n, m))
    if problems:
        raise ValueError("invalid instance: " + "; ".join(problems))


KEEP_TIERS = ("first", "second", "last")
"""Valid values of ``Instance.keep_tier``."""


def _continuity_problems(instance: Instance, n: int, m: int) -> list[str]:
    """What is wrong with ``keep``, ``locked`` and ``keep_tier`` (an empty list when nothing is)."""
    problems: list[str] = []
    keep, locked, tier = instance.keep, instance.locked, instance.keep_tier
    if not isinstance(tier, str) or tier not in KEEP_TIERS:
        problems.append(f"keep_tier: expected one of {', '.join(map(repr, KEEP_TIERS))}, got {tier!r}")
    keep_ok = False
    if keep is not None:
        if not isinstance(keep, np.ndarray) or keep.shape != (n,):
            problems.append(f"keep: expected shape {(n,)}, got {np.shape(keep)}")
        elif keep.dtype.kind not in "iu":
            problems.append(f"keep: expected an integer dtype, got {keep.dtype}")
        elif keep.size and (int(keep.min()) < -1 or int(keep.max()) >= m):
            bad = int(np.flatnonzero((keep < -1) | (keep >= m))[0])
            problems.append(
                f"keep: every entry must be a mentor column 0..{m - 1} or -1 (none); entry {bad} is {int(keep[bad])}"
            )
        else:
            keep_ok = True
    if locked is not None:
        if keep is None:
            problems.append("locked: given without keep (a locked pair needs a current pair)")
        elif not isinstance(locked, np.ndarray) or locked.shape != (n,):
            problems.append(f"locked: expected shape {(n,)}, got {np.shape(locked)}")
        elif locked.dtype != np.bool_:
            problems.append(f"locked: expected dtype bool, got {locked.dtype}")
        elif keep_ok and np.any(locked & (keep < 0)):
            bad = int(np.flatnonzero(locked & (keep < 0))[0])
            problems.append(f"locked: entry {bad} is True but keep[{bad}] is -1 (no current pair to lock)")
    return problems


def _index(index: tuple[int, ...]) -> str:
    """``3`` for a 1-D index, ``[3, 4]`` for a 2-D one."""
    return str(index[0]) if len(index) == 1 else f"[{', '.join(map(str, index))}]"


def block_rows(m: int) -> int:
    """Rows per block so that one block holds about :data:`CHUNK_ENTRIES` pairs."""
    return max(1, CHUNK_ENTRIES // max(m, 1))


def candidate_mask(instance: Instance, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
    """Pairs a solver needs to consider: allowed, and the mentor can hold the mentee's load at all.

    Dropping the other allowed pairs (``load[i] > capacity[j]``, which includes every capacity-0 mentor) never
    changes an optimum: no feasible answer uses them. ``rows`` selects mentees (a slice or an index array).
    """
    load = instance.row_load(rows)
    allowed = instance.allowed[rows]
    if load.shape[1] == 1 and load.size and int(load.min()) == int(load.max()):
        # One load for every row of the block (every load 1, typically): which mentors fit is one row of booleans.
        fits = instance.capacity >= int(load[0, 0])
        if fits.all():
            view = allowed.view()
            view.flags.writeable = False  # read-only, so that no caller can write into ``allowed`` through it
            return view
        return allowed & fits[None, :]
    return allowed & (load <= instance.capacity[None, :])


def candidate_counts(instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Number of candidate pairs per mentee and per mentor (int64), counted a block of rows at a time."""
    n, m = instance.shape
    per_row = np.zeros(n, dtype=np.int64)
    per_col = np.zeros(m, dtype=np.int64)
    step = block_rows(m)
    for r0 in range(0, n, step):
        mask = candidate_mask(instance, slice(r0, r0 + step))
        per_row[r0 : r0 + step] = mask.sum(axis=1)
        per_col += mask.sum(axis=0)
    return per_row, per_col


def iter_candidate_blocks(instance: Instance) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(rows, cols)`` for the candidate pairs, a block of rows at a time.

    ``rows`` (absolute mentee indices) and ``cols`` are int32 and row-major, so the concatenation over all blocks
    is ``np.nonzero(candidate_mask(instance))`` without ever holding the whole index arrays as int64.
    """
    n, m = instance.shape
    step = block_rows(m)
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        rr, cc = np.nonzero(candidate_mask(instance, slice(r0, r1)))
        yield (rr + r0).astype(np.int32), cc.astype(np.int32)


def keep_pairs(instance: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The current pairs that are candidate pairs (allowed, and the mentor can hold the mentee's load): ``(rows,
    cols, locked)``, int64 indices in row order and whether each is locked; empty without ``keep``.

    Only these can be kept: K ≤ ``rows.size`` and Λ ≤ ``locked.sum()`` for every answer.
    """
    if instance.keep is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool)
    keep = np.asarray(instance.keep).astype(np.int64)
    rows = np.flatnonzero(keep >= 0)
    cols = keep[rows]
    fits = instance.allowed[rows, cols] & (instance.pair_load(rows, cols) <= instance.capacity[cols])
    rows, cols = rows[fits], cols[fits]
    locked = np.zeros(rows.size, bool) if instance.locked is None else np.asarray(instance.locked)[rows]
    return rows, cols, locked


def kept_of(instance: Instance, mentor_of: np.ndarray) -> int | None:
    """``Solution.kept``: K of the answer with a continuity tier, None without one."""
    return None if instance.keep is None else instance.kept(mentor_of)


def answer_totals(instance: Instance, mentor_of: np.ndarray) -> tuple[int, float]:
    """Σ priority over matched mentees (exact int) and Σ of the original weights over matched pairs.

    Integer weights are summed exactly; float weights with :func:`math.fsum` (correctly rounded, independent of
    order), so every caller gets the same float for the same matching.
    """
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    priority_sum = int(instance.priority[rows].sum(dtype=np.int64))
    values = instance.weights[rows, cols]
    if values.dtype.kind in "biu":
        objective = float(sum(int(v) for v in values.tolist()))
    else:
        objective = math.fsum(values.astype(np.float64).tolist())
    return priority_sum, objective


def optimal_solution(instance: Instance, mentor_of: np.ndarray, solver: str, seconds: float, **fields: Any) -> Solution:
    """The Solution of an answer an exact method proved optimal: its totals, and every bound equal to them
    (``fields`` adds ``message``, ``method``, ``stats``)."""
    priority_sum, objective = answer_totals(instance, mentor_of)
    kept = kept_of(instance, mentor_of)
    return Solution(
        mentor_of=mentor_of,
        status=Status.OPTIMAL,
        priority_sum=priority_sum,
        objective=objective,
        priority_bound=priority_sum,
        objective_bound=objective,
        solver=solver,
        seconds=seconds,
        kept=kept,
        kept_bound=kept,
        **fields,
    )


class Clock:
    """Seconds since a solver started, and the progress callback (``progress(stage, elapsed)``) if one is given."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.start = time.perf_counter()
        self.progress = progress

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def stage(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text, self.elapsed())

    def remaining(self, time_limit: float | None) -> float | None:
        """Seconds left of ``time_limit`` (never negative), or None when there is no limit."""
        if time_limit is None:
            return None
        return max(0.0, time_limit - self.elapsed())
