"""Hungarian method (scipy ``linear_sum_assignment``) on capacity slots: exact when every workload is 1.

The dense cost matrix has one row per mentee that has a candidate pair and two blocks of columns::

    [ mentor slots: mentor j repeated min(capacity[j], its candidates) times | n "unmatched" columns ]

A slot entry is ``-gain[i, j]`` (the combined integer of ``_scaling``, with the continuity tier's bonuses on
current pairs) for a candidate pair and ``+inf`` otherwise:
scipy never assigns an infinite entry, so a forbidden pair cannot be chosen (no finite big-M). The "unmatched"
block is all zeros, so every mentee can always stay unmatched and the problem is always feasible. Costs are
integers below 2**53 (checked), so scipy's float64 arithmetic is exact.

On a complete graph with every load 1, when priority cannot choose who is matched, scipy takes the weights as
given instead (:func:`_direct_matrix`; ``Solution.method`` ``"hungarian-direct"``); ``auto`` picks this solver only
on complete graphs with every load 1, up to ``AutoOptions.hungarian_entries`` mentee × slot entries. Measured on 2
cores against ``flow`` (capacities 1–4, correlated weights): equal below 100 × 25 (≤ 1 ms), 1000 × 250 0.6 s vs
29 ms, 5000 × 1000 94 s vs 1.1 s; the "unmatched" block makes the dense problem n × (slots + n).
"""

from __future__ import annotations

import numpy as np

from mentormatch.problem import Instance, Progress, Solution
from mentormatch.solvers._common import (
    Clock,
    SolverBug,
    SolverUnsuitable,
    block_rows,
    candidate_counts,
    candidate_mask,
    optimal_solution,
)
from mentormatch.solvers._scaling import FLOAT_EXACT, MAX_INT_WEIGHT, fit_scaling
from mentormatch.solvers.flow import require_unit_loads
from mentormatch.solvers.options import HungarianOptions, SolverOptions

__all__ = ["solve", "MAX_MATRIX_BYTES"]

# The defaults of options.HungarianOptions, kept under their earlier public names (read them;
# tune a solve with ``run_solver(..., options=SolverOptions(...))``: setting these changes nothing).
MAX_MATRIX_BYTES = HungarianOptions().max_matrix_bytes

NAME = "hungarian"


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    options: SolverOptions | None = None,
) -> Solution:
    """Solve a unit-workload ``instance`` exactly with scipy's ``linear_sum_assignment``.

    Parameters
    ----------
    instance : Instance
        Every ``load`` must be 1.
    time_limit, seed
        Ignored: the method is polynomial and deterministic.
    progress : callable, optional
        ``progress(stage, elapsed)`` at each stage.
    options : SolverOptions, optional
        ``options.hungarian.max_matrix_bytes`` limits the matrix; None: the defaults.

    Returns
    -------
    Solution
        Always ``optimal`` (to the stated weight resolution for float weights). ``method`` is
        ``"hungarian-direct"`` when scipy solved the weights as given, else ``"hungarian"`` (integer gains on
        capacity slots).

    Raises
    ------
    SolverUnsuitable
        A workload above 1, an expanded matrix above ``options.hungarian.max_matrix_bytes``, or gains too large
        for exact float64 arithmetic.

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import Instance
    >>> inst = Instance(weights=np.array([[3, 1], [2, 2], [1, 5]]), allowed=np.ones((3, 2), bool),
    ...                 priority=np.ones(3, int), load=np.ones(3, int), capacity=np.array([2, 0]))
    >>> solve(inst).mentor_of.tolist()
    [0, 0, -1]
    """
    from scipy.optimize import linear_sum_assignment

    del time_limit, seed
    max_bytes = (options or SolverOptions()).hungarian.max_matrix_bytes
    require_unit_loads(NAME, instance)
    clock = Clock(progress)
    n, m = instance.shape
    complete = bool(instance.allowed.all())
    if complete and n and m and instance.keep is None:  # the weights as given know nothing of current pairs
        direct = _direct_matrix(instance, max_bytes)
        if direct is not None:
            clock.stage(f"{NAME}: solving the {direct.shape[0]} × {direct.shape[1]} matrix as given")
            row_index, col_index = linear_sum_assignment(direct, maximize=instance.maximize)
            return _answer(instance, row_index, _slot_mentors(instance)[col_index], clock, f"{NAME}-direct")
    original, instance = instance, instance.maximising()
    scaling = fit_scaling(instance)
    # Reduced costs and potentials are sums along alternating paths of up to ~2 n entries.
    if scaling.combined_high * 4 >= FLOAT_EXACT:
        raise SolverUnsuitable(
            f"solver '{NAME}' computes in float64, exact only below {FLOAT_EXACT // 4} for the "
            f"combined objective (here {scaling.combined_high}); use solver 'flow'"
        )
    row_count, column_count = candidate_counts(instance)
    mentees = np.flatnonzero(row_count > 0)
    slots = np.minimum(instance.capacity, column_count).astype(np.int64)
    slot_mentor = np.repeat(np.arange(m), slots)
    # Every gain is positive, so on a complete graph a best matching is also a largest one: scipy's rectangular
    # answer (as many pairs as possible) is then optimal without "unmatched" columns.
    width = slot_mentor.size + (0 if complete else mentees.size)
    size = mentees.size * width * 8
    if size > max_bytes:
        raise SolverUnsuitable(
            f"solver '{NAME}' would build a {mentees.size} × {width} cost matrix "
            f"({size / 1e9:.1f} GB, limit {max_bytes / 1e9:.0f} GB); use solver 'flow'"
        )

    clock.stage(f"{NAME}: building the {mentees.size} × {width} cost matrix")
    cost = np.zeros((mentees.size, width), dtype=np.float64)
    step = block_rows(width)
    for b0 in range(0, mentees.size, step):
        rows = mentees[b0 : b0 + step]
        mask = candidate_mask(instance, rows)[:, slot_mentor]
        values = np.where(mask, instance.weights[rows][:, slot_mentor], 0)  # forbidden pairs may hold NaN
        gains = scaling.pair_gains(instance, rows[:, None], slot_mentor[None, :], weight_values=values)
        cost[b0 : b0 + rows.size, : slot_mentor.size] = np.where(mask, -gains.astype(np.float64), np.inf)
        del mask, values, gains

    clock.stage(f"{NAME}: solving")
    row_index, col_index = linear_sum_assignment(cost)
    if not np.all(np.isfinite(cost[row_index, col_index])):
        raise SolverBug(f"{NAME}: scipy assigned an infinite (forbidden) entry")
    del cost
    matched = col_index < slot_mentor.size
    return _answer(original, mentees[row_index[matched]], slot_mentor[col_index[matched]], clock, NAME)


def _slot_mentors(instance: Instance) -> np.ndarray:
    """The mentor of each capacity slot: mentor j repeated ``min(capacity[j], n)`` times."""
    n = instance.shape[0]
    return np.repeat(np.arange(instance.shape[1]), np.minimum(instance.capacity, n))


def _direct_matrix(instance: Instance, max_bytes: int) -> np.ndarray | None:
    """The weights themselves (or their slot columns) when scipy can solve them as given, else None.

    On a complete graph (every pair allowed, every load 1) scipy's rectangular answer has as many pairs as
    possible, which is what the priority part wants whenever it cannot choose *which* mentees are matched: every
    priority equal, or at least as many slots as mentees (then everyone is matched). Without priority to fold in,
    the weights need no integer scaling: integer weights within ±10**6 are exact in float64 sums, float weights
    are solved in scipy's own float64 arithmetic (finer than the 1e-6 resolution of the scaled solvers).
    Integer weights beyond ±10**6 and non-finite floats still raise, as :func:`fit_scaling` would. A matrix above
    ``max_bytes`` is refused (:class:`SolverUnsuitable`, naming 'flow').
    """
    n = instance.shape[0]
    slot_count = int(np.minimum(instance.capacity, n).sum())
    priority = instance.priority
    if slot_count == 0 or not (slot_count >= n or int(priority.min()) == int(priority.max())):
        return None
    weights = instance.weights
    if weights.dtype.kind in "biu":
        if weights.size and max(abs(int(weights.min())), abs(int(weights.max()))) > MAX_INT_WEIGHT:
            return None  # fit_scaling raises the error naming the entry
    elif not np.isfinite(weights).all():
        return None
    size = n * slot_count * 8  # scipy works on a float64 copy
    if size > max_bytes:
        raise SolverUnsuitable(
            f"solver '{NAME}' would build a {n} × {slot_count} cost matrix "
            f"({size / 1e9:.1f} GB, limit {max_bytes / 1e9:.0f} GB); use solver 'flow'"
        )
    if np.all(np.minimum(instance.capacity, n) == 1):  # one slot per mentor: the matrix itself
        return weights
    return weights[:, _slot_mentors(instance)]


def _answer(instance: Instance, rows: np.ndarray, cols: np.ndarray, clock: Clock, method: str) -> Solution:
    """The optimal Solution matching mentees ``rows`` to mentors ``cols``, found by ``method``."""
    mentor_of = np.full(instance.shape[0], -1, dtype=np.int64)
    mentor_of[rows] = cols
    clock.stage(f"{NAME}: done")
    return optimal_solution(instance, mentor_of, NAME, clock.elapsed(), method=method)
