"""An LP dive on the (strengthened) transportation relaxation: an integral answer for workloads above 1.

The relaxation of ``relaxation.py`` splits some cases across mentors (or between a mentor and staying unmatched).
The dive rounds it one step at a time:

1. Take the relaxation's optimal flow. A case is *split* when no pair carries all of its units.
2. Fix each split case to its LP mentor, the one that carries the largest share of its units (ties by the lower
   mentor index), in the order larger share first, then priority high first, then index, as long as the fixed cases
   fit: each mentor's fixed workload within its capacity, and (class nodes) each class's fixed cases within
   ``⌊capacity[j] / w⌋``. The first case fixed at each mentor always fits (the flow sent units of it there through
   arcs that only exist where the mentee fits and, with class nodes, through a class arc of capacity
   ``w · ⌊residual / w⌋ > 0``), so every round fixes at least one case.
3. Re-solve the relaxation of what is left: the unfixed mentees, each mentor with its residual capacity, each class
   node with ``w · min(⌊residual / w⌋, slots left)`` units, on the same pair arcs (every candidate pair when the
   relaxation was dense; the final network's candidate pairs when it was priced, which hold the optimum and its
   near-optimal alternatives, so each re-solve costs a fraction of a second at 20000 × 5000). Repeat from 2.
4. When nothing is split, the flow is integral: fixed cases and whole cases together are the answer.

Mentees left unmatched go to ``relaxation.py``'s greedy placement and then to its CP-SAT windows. The dive only
shapes the answer; the bound stays the first relaxation's, proven over every candidate pair.

Locked current pairs (``Instance.locked``) are fixed before the first round; the continuity tier's other bonuses
reach the dive through the pair gains (``_scaling``), like every flow here.

Rounds are counted, not timed (:attr:`~mentormatch.solvers.options.RelaxationOptions.dive_rounds`), so reruns give
the same answer; a wall-clock stop (``dive_share`` of the time limit) is only a safety net and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mentormatch.problem import Instance
from mentormatch.solvers._common import Clock, SolverBug, iter_candidate_blocks, keep_pairs
from mentormatch.solvers._network import Classes, Transport, solve_arcs, unit_gains
from mentormatch.solvers._scaling import Scaling

__all__ = ["Dive", "dive"]

LABEL = "relaxation: dive"


@dataclass(frozen=True)
class Dive:
    """The dive's answer (``mentor_of``, −1 unmatched: never a split case, within every capacity), the re-solves
    it made (``rounds``), whether it ended with an integral flow (``complete``; False when stopped by its round
    budget or the wall clock, then its split cases are left unmatched) and whether the wall clock stopped it."""

    mentor_of: np.ndarray
    rounds: int
    complete: bool
    timed_out: bool = False


def dive(
    instance: Instance,
    scaling: Scaling,
    flow: Transport,
    multiplier: int,
    classes: Classes | None,
    pairs: tuple[np.ndarray, np.ndarray] | None,
    *,
    clock: Clock,
    max_rounds: int,
    stop_at: float | None = None,
) -> Dive:
    """Dive from ``flow``, the optimal transport of the relaxation (steps 1–4 of the module docstring).

    Parameters
    ----------
    instance : Instance
        Workloads per mentee (not per pair).
    scaling : Scaling
        The scaling of the relaxation's gains.
    flow : Transport
        The relaxation's optimal flow.
    multiplier : int
        The relaxation's ``L`` (per-unit gains are ``⌈gain · L / load⌉``).
    classes : Classes or None
        The relaxation's class nodes.
    pairs : (rows, cols) or None
        The pair arcs to re-solve on; None: every candidate pair.
    clock : Clock
    max_rounds : int
        Re-solves at most.
    stop_at : float, optional
        Elapsed seconds (``clock``) after which no re-solve starts: a safety net.

    Returns
    -------
    Dive
    """
    n, m = instance.shape
    load = instance.load.astype(np.int64)
    if pairs is None:
        blocks = list(iter_candidate_blocks(instance))
        rows = np.concatenate([b[0] for b in blocks]).astype(np.int64) if blocks else np.zeros(0, np.int64)
        cols = np.concatenate([b[1] for b in blocks]).astype(np.int64) if blocks else np.zeros(0, np.int64)
    else:
        rows, cols = pairs[0].astype(np.int64), pairs[1].astype(np.int64)
    gains = unit_gains(instance, scaling, multiplier, rows, cols)
    state = _State(instance, classes)

    # Locked current pairs first (those that fit, in row order: the input rules make them all fit).
    lock_rows, lock_cols, locked = keep_pairs(instance)
    stale = bool(np.any(locked))
    if stale:
        state.fix(lock_rows[locked], lock_cols[locked])

    f_rows, f_cols, f_units = flow.rows, flow.cols, flow.units
    rounds, timed_out = 0, False
    while True:
        live = state.fixed[f_rows] < 0
        f_rows, f_cols, f_units = f_rows[live], f_cols[live], f_units[live]
        split = f_units < load[f_rows]
        if not stale and not split.any():
            break
        if rounds >= max_rounds or (stop_at is not None and clock.elapsed() >= stop_at):
            timed_out = rounds < max_rounds
            if stale:  # the flow predates the locked pairs: none of it is known to fit beside them
                f_rows = f_cols = f_units = np.zeros(0, np.int64)
            break
        if not stale:
            _fix_split(state, f_rows[split], f_cols[split], f_units[split], instance.priority)
        rounds += 1
        clock.stage(f"{LABEL}: round {rounds}, {int(np.count_nonzero(state.fixed >= 0))} cases fixed")
        f_rows, f_cols, f_units = state.solve(rows, cols, gains)
        stale = False
    whole = (f_units == load[f_rows]) & (state.fixed[f_rows] < 0)
    complete = bool(np.all(whole))
    mentor_of = state.fixed.copy()
    mentor_of[f_rows[whole]] = f_cols[whole]
    used = np.bincount(mentor_of[mentor_of >= 0], weights=load[mentor_of >= 0], minlength=m)
    if np.any(used > instance.capacity):
        raise SolverBug(f"{LABEL}: the answer exceeds a mentor's capacity")
    return Dive(mentor_of=mentor_of, rounds=rounds, complete=complete, timed_out=timed_out)


class _State:
    """The fixed cases, each mentor's residual capacity and each class node's slots left."""

    def __init__(self, instance: Instance, classes: Classes | None) -> None:
        self.instance = instance
        self.classes = classes
        n, m = instance.shape
        self.load = instance.load.astype(np.int64)
        self.fixed = np.full(n, -1, dtype=np.int64)
        self.residual = instance.capacity.astype(np.int64).copy()
        self.slots = (
            np.zeros((0, m), np.int64)
            if classes is None
            else instance.capacity.astype(np.int64)[None, :] // classes.workloads[:, None]
        )

    def fix(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Fix the cases ``rows`` to ``cols`` in this order, each while it fits with those before it at its mentor
        (a prefix per mentor, and per class node). Returns which were fixed."""
        m = self.instance.shape[1]
        load = self.load[rows]
        order = np.lexsort((np.arange(rows.size), cols))
        by_col = cols[order]
        start = np.searchsorted(by_col, by_col, side="left")
        cum = np.cumsum(load[order])
        before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0)
        fits = cum - before <= self.residual[by_col]
        if self.classes is not None:
            cls = self.classes.of_row[rows][order]
            key = np.where(cls >= 0, cls * m + by_col, -1)
            sub = np.lexsort((np.arange(key.size), key))
            ks = key[sub]
            first = np.searchsorted(ks, ks, side="left")
            count = np.arange(ks.size) - first + 1
            within = np.ones(key.size, dtype=bool)
            has = ks >= 0
            within[sub[has]] = count[has] <= self.slots[np.maximum(cls[sub], 0), by_col[sub]][has]
            fits &= within
        taken = np.zeros(rows.size, dtype=bool)
        taken[order] = fits
        r, c = rows[taken], cols[taken]
        self.fixed[r] = c
        np.subtract.at(self.residual, c, load[taken])
        if self.classes is not None:
            cls = self.classes.of_row[r]
            through = cls >= 0
            np.subtract.at(self.slots, (cls[through], c[through]), 1)
        return taken

    def solve(self, rows: np.ndarray, cols: np.ndarray, gains: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The relaxation of what is left, on the pair arcs ``(rows, cols)`` of unfixed mentees to mentors that
        can still hold them: its pair arcs with flow ``(rows, cols, units)``."""
        instance, classes = self.instance, self.classes
        n, m = instance.shape
        load = self.load
        keep = (self.fixed[rows] < 0) & (load[rows] <= self.residual[cols])
        if classes is not None:
            cls = classes.of_row[rows]
            keep &= (cls < 0) | (self.slots[np.maximum(cls, 0), cols] > 0)
        rows, cols, gains = rows[keep], cols[keep], gains[keep]
        if rows.size == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        sink = n + m if classes is None else classes.sink
        mentees = np.unique(rows)
        mentors = np.unique(cols)
        total = int(load[mentees].sum())
        heads = cols + n if classes is None else classes.head(rows, cols)
        c_tail = c_head = c_cap = np.zeros(0, np.int64)
        if classes is not None:
            keys = classes.used(rows, cols)
            c, j = np.divmod(keys, m)
            w = classes.workloads[c]
            c_tail, c_head = n + m + keys, n + j
            c_cap = np.minimum(w * np.minimum(self.residual[j] // w, self.slots[c, j]), total)
        tail = np.concatenate([rows, mentees, mentors + n, c_tail])
        head = np.concatenate([heads, np.full(mentees.size, sink), np.full(mentors.size, sink), c_head])
        capacity = np.concatenate([load[rows], load[mentees], np.minimum(self.residual[mentors], total), c_cap])
        cost = np.concatenate([-gains, np.zeros(mentees.size + mentors.size + c_tail.size, np.int64)])
        supply = np.zeros(sink + 1, np.int64)
        supply[mentees] = load[mentees]
        supply[sink] = -total
        flow = solve_arcs(tail, head, capacity.astype(np.int64), cost, supply, LABEL)
        assert flow is not None  # strict: an error rather than None
        units = flow[: rows.size]
        used = units > 0
        return rows[used], cols[used], units[used]


def _fix_split(
    state: _State, rows: np.ndarray, cols: np.ndarray, units: np.ndarray, priority: np.ndarray
) -> np.ndarray:
    """Fix each split case (its pair arcs ``rows``, ``cols``, ``units`` with flow) to the mentor with its largest
    share (ties by the lower mentor index), larger share first, then priority high first, then index."""
    order = np.lexsort((cols, -units, rows))
    rows, cols, units = rows[order], cols[order], units[order]
    first = np.r_[True, rows[1:] != rows[:-1]]
    rows, cols, units = rows[first], cols[first], units[first]
    share = units / state.load[rows]
    order = np.lexsort((rows, -priority[rows].astype(np.int64), -share))
    return state.fix(rows[order], cols[order])
