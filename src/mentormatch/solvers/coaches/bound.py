"""Bounds on the coach problem: :func:`lagrangian_bound` (prices on mentees and coach case-loads, a mentor → coach
transportation problem solved as a min-cost flow), :func:`transport_duals` (its start, from the coach-free LP's
duals), and ``Bound``, how the coach-free, Lagrangian and CP-SAT bounds combine into the reported ones.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from mentormatch.problem import CoachTier, Instance, Solution, Status
from mentormatch.solvers._common import Clock, SolverBug, iter_candidate_blocks, kept_of
from mentormatch.solvers._scaling import Scaling
from mentormatch.solvers.coaches.options import CoachOptions

__all__ = ["Bound", "lagrangian_bound", "transport_duals"]


@dataclass(frozen=True)
class Bound:
    """A bound on the coach problem in integer gain units: Σ gain ≤ ``combined``, or, when only the split form is
    known (a coach-free answer that is not proven), ``priority`` with ``weight_int`` (None: unknown)."""

    combined: int | None = None
    priority: int | None = None
    weight_int: int | None = None
    weight: float | None = None

    @classmethod
    def of_solution(cls, instance: Instance, scaling: Scaling, free: Solution, same_scale: bool = True) -> Bound:
        """The bound the coach-free answer gives: its gain when proven optimal at ``scaling``'s weight scale;
        else its own bounds, or with a continuity tier (where they hold only among answers reaching the free
        answer's own tiers) the trivial bound ``combined_high``."""
        if free.status is Status.OPTIMAL and same_scale:
            return cls(combined=scaling.answer_gain(instance, free.mentor_of))
        if instance.keep is not None:
            return cls(combined=scaling.combined_high)
        return cls(priority=free.priority_bound, weight=free.objective_bound)

    @classmethod
    def of_combined(cls, scaling: Scaling, combined: int, priority_found: int) -> Bound:
        return cls(combined=combined)

    def tighter(self, other: Bound) -> Bound:
        """The tighter of two bounds where both are combined; else keep both forms."""
        if self.combined is not None and other.combined is not None:
            return Bound(combined=min(self.combined, other.combined))
        if other.combined is not None:
            return replace(other, priority=self.priority, weight=self.weight)
        return self

    def report(
        self, instance: Instance, scaling: Scaling, mentor_of: np.ndarray, objective: float, gain: int
    ) -> tuple[int | None, float | None, int | None]:
        """(priority_bound, objective_bound, kept_bound) for the answer ``mentor_of`` with Σ weights ``objective``
        and Σ gain ``gain`` (see ``Solution``)."""
        priority_sum = int(instance.priority[mentor_of >= 0].sum())
        kept = kept_of(instance, mentor_of)
        if self.combined is not None and gain >= self.combined:
            return priority_sum, objective, kept  # the answer reaches the bound: proven optimal
        if instance.keep is not None:  # always combined (``of_solution``): decoded tier by tier
            combined = scaling.combined_high if self.combined is None else self.combined
            return scaling.solution_bounds(max(combined, gain), scaling.tiers(instance, mentor_of), objective)
        candidates: list[tuple[int, float | None]] = []
        p: int | None
        w: float | None
        if self.combined is not None:
            p, w = scaling.split_bound(max(self.combined, gain), priority_sum)
            candidates.append((p, None if w is None else max(objective, scaling.weight_bound(w))))
        if self.priority is not None:
            p = max(self.priority, priority_sum)
            w = self.weight if p == priority_sum and self.priority == priority_sum else None
            candidates.append((p, None if w is None else max(objective, w)))
        if not candidates:
            return None, None, None
        p, w = min(candidates, key=lambda pw: (pw[0], math.inf if pw[1] is None else pw[1]))
        return p, (w if p == priority_sum else None), None


def lagrangian_bound(
    instance: Instance,
    tier: CoachTier,
    scaling: Scaling,
    target: int,
    *,
    start: np.ndarray | None = None,
    iterations: int | None = None,
    time_limit: float | None = None,
    clock: Clock | None = None,
    options: CoachOptions | None = None,
) -> tuple[int | None, np.ndarray | None]:
    """An upper bound on Σ gain under the coach rules, from prices on mentees and on coach case-loads, and the
    mentor → coach choice of the round that gave it (a start for the primal: see ``solve``).

    Pricing "each mentee at most once" at u[i] ≥ 0 and each coach's case-load at β[c] ≥ 0 splits the problem:
    mentor j under coach c is worth v[j, c], the best use of j's capacity on pairs whose type c covers, each at
    gain − u[i] − β[c] (the LP knapsack: by gain per load unit, the last case in part; for unit loads simply the
    cap[j] best positive values); then each mentor takes at most one coach and each coach at most max_mentors
    mentors, which is a transportation problem over (mentor, coach), solved exactly as a min-cost flow::

        UB(u, β) = Σ_i u[i] + Σ_c β[c] · max_mentees[c] + max Σ v[j, c] z[j, c]

    Every (u, β) ≥ 0 gives a valid bound (weak duality; rounding only loosens it). Mentors stay whole and
    max_mentors stays exact, which makes this bound much tighter than pricing the coach limits alone. Subgradient
    steps (Polyak, towards ``target``, the best answer's gain) from ``start`` (the prices u, e.g. each mentee's
    gain in the coach-free answer) lower it. At most ``iterations`` rounds (None:
    ``options.lagrange_iterations``), within the work budget ``options.lagrange_pair_rounds``; the first step factor
    is ``options.lagrange_step`` (:class:`CoachOptions`; None: the defaults).

    Returns
    -------
    bound : int or None
        The best bound found (floor), or None without candidate pairs.
    choice : (m, k) bool array or None
        The mentor → coach choice of that round.
    """
    options = CoachOptions() if options is None else options
    iterations = options.lagrange_iterations if iterations is None else iterations
    n, m = instance.shape
    k = tier.n_coaches
    blocks = [(r.astype(np.int64), c.astype(np.int64)) for r, c in iter_candidate_blocks(instance) if r.size]
    if not blocks or k == 0:
        return (None if not blocks else 0), None
    rows = np.concatenate([r for r, _ in blocks])
    cols = np.concatenate([c for _, c in blocks])
    del blocks
    work = rows.size * max(1, k) // 8 + 1
    if work * options.lagrange_min_rounds > options.lagrange_pair_rounds:
        return None, None
    iterations = min(iterations, options.lagrange_pair_rounds // work)
    gains = scaling.pair_gains(instance, rows, cols).astype(np.float64)
    loads = instance.pair_load(rows, cols).astype(np.float64)
    max_load = float(loads.max())
    cap = instance.capacity.astype(np.float64)
    pair_types = tier.mentee_type[rows]
    # coaches with the same (eligible mentors, covered types) select the same pairs: one mask per pattern
    patterns: dict[bytes, list[int]] = {}
    for c in range(k):
        key = tier.eligible[:, c].tobytes() + tier.cover[c].tobytes()
        patterns.setdefault(key, []).append(c)
    selects = [(cs, tier.eligible[cols, cs[0]] & tier.cover[cs[0], pair_types]) for cs in patterns.values()]
    limited = tier.max_mentees < n
    u = np.zeros(n) if start is None else np.maximum(np.asarray(start, dtype=np.float64), 0.0)
    beta = np.zeros(k)
    best, best_choice = math.inf, None
    lam, stall = options.lagrange_step, 0
    began = time.perf_counter()
    for iteration in range(iterations):
        # --- v[j, c]: each mentor's best LP knapsack under each coach, pairs sorted by reduced gain per load unit
        reduced = gains - u[rows]
        ratio = reduced / loads
        order = np.lexsort((-ratio, cols))
        c_sorted, ratio_s, load_s, rows_s = cols[order], ratio[order], loads[order], rows[order]
        group_start = np.searchsorted(c_sorted, np.arange(m + 1))
        value = np.zeros((m, k))
        takes: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for cs, select in selects:
            sel = select[order]
            for c in cs:
                unit = ratio_s - beta[c] / (load_s if max_load == 1 else max_load)
                ok = sel & (unit > 0)
                used = np.cumsum(np.where(ok, load_s, 0.0))
                before = used - np.where(ok, load_s, 0.0)
                base_used = np.concatenate(([0.0], used))[group_start[c_sorted]]
                room = cap[c_sorted] - (before - base_used)
                share = np.where(ok, np.clip(room / load_s, 0.0, 1.0), 0.0)
                value[:, c] = np.bincount(c_sorted, weights=share * load_s * unit, minlength=m)
                takes[c] = (share, unit)
        value = np.where(tier.eligible, value, 0.0)
        # --- the mentor-coach transportation problem
        z = _mentor_coach_flow(np.ceil(value).astype(np.int64), tier.max_mentors)
        flow_value = float(np.ceil(value)[z].sum())
        bound = float(u.sum()) + float(beta @ tier.max_mentees) + flow_value
        if bound < best - 0.5:
            best, stall, best_choice = bound, 0, z
            lam = min(2.0, lam * 1.5)
        else:
            stall += 1
            if stall >= 3:
                lam, stall = lam / 2, 0
        if clock is not None:
            clock.stage(
                f"coaches: Lagrangian bound {math.floor(best)} (target {target}, "
                f"this round {math.floor(bound)}), round {iteration + 1}"
            )
        if best <= target + 0.5 or lam < 1e-4 or (time_limit is not None and time.perf_counter() - began > time_limit):
            break
        # --- subgradients: limit minus use
        picked = np.zeros(n)
        caseload = np.zeros(k)
        chosen_j, chosen_c = np.nonzero(z)
        for j, c in zip(chosen_j.tolist(), chosen_c.tolist(), strict=True):
            share, _unit = takes[c]
            lo, hi = group_start[j], group_start[j + 1]
            picked[rows_s[lo:hi]] += share[lo:hi]
            caseload[c] += share[lo:hi].sum()
        grad_u = 1.0 - picked
        grad_u[(u <= 0) & (grad_u > 0)] = 0.0  # u stays at 0 where lowering it is wanted
        grad_beta = np.where(limited, tier.max_mentees - caseload, 0.0)
        grad_beta[(beta <= 0) & (grad_beta > 0)] = 0.0
        norm = float(grad_u @ grad_u + grad_beta @ grad_beta)
        if norm <= 0:
            break
        step = lam * max(bound - target, 1.0) / norm
        u = np.maximum(0.0, u - step * grad_u)
        beta = np.maximum(0.0, beta - step * grad_beta)
    return (int(math.floor(best + 1e-6)) if math.isfinite(best) else None), best_choice


def transport_duals(instance: Instance, scaling: Scaling, *, options: CoachOptions | None = None) -> np.ndarray | None:
    """Each mentee's dual price in the LP relaxation of the coach-free problem (scipy HiGHS), in gain units.

    With these prices (and no case-load prices) :func:`lagrangian_bound` starts at or below the coach-free LP
    bound. None beyond ``options.dual_pairs`` pairs (:attr:`CoachOptions.dual_pairs`; None: the defaults) or when
    HiGHS does not solve it.
    """
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n, m = instance.shape
    blocks = [(r.astype(np.int64), c.astype(np.int64)) for r, c in iter_candidate_blocks(instance) if r.size]
    if not blocks:
        return np.zeros(n)
    rows = np.concatenate([r for r, _ in blocks])
    cols = np.concatenate([c for _, c in blocks])
    del blocks
    if rows.size > (CoachOptions() if options is None else options).dual_pairs:
        return None
    gains = scaling.pair_gains(instance, rows, cols).astype(np.float64)
    unit = float(gains.max())
    loads = instance.pair_load(rows, cols).astype(np.float64)
    k = np.arange(rows.size)
    a = sp.csr_matrix(
        (np.concatenate([np.ones(rows.size), loads]), (np.concatenate([rows, n + cols]), np.concatenate([k, k]))),
        shape=(n + m, rows.size),
    )
    b = np.concatenate([np.ones(n), instance.capacity.astype(np.float64)])
    # x ≤ 1 follows from the mentee rows; as a bound it could take dual value the prices need
    result = linprog(-gains / unit, A_ub=a, b_ub=b, bounds=(0, None), method="highs")
    if result.status != 0:
        return None
    duals: np.ndarray = np.maximum(0.0, -np.asarray(result.ineqlin.marginals[:n])) * unit
    return duals


def _mentor_coach_flow(value: np.ndarray, max_mentors: np.ndarray) -> np.ndarray:
    """(m, k) bool: the mentor → coach choice of greatest Σ value, each mentor at most one coach, each coach at
    most ``max_mentors`` mentors (pairs of value ≤ 0 never chosen); a min-cost flow."""
    from ortools.graph.python import min_cost_flow

    m, k = value.shape
    jj, cc = np.nonzero(value > 0)
    chosen = np.zeros((m, k), dtype=bool)
    if jj.size == 0:
        return chosen
    source, sink = m + k, m + k + 1
    network = min_cost_flow.SimpleMinCostFlow()
    network.add_arcs_with_capacity_and_unit_cost(
        jj.astype(np.int32), (m + cc).astype(np.int32), np.ones(jj.size, np.int64), -value[jj, cc].astype(np.int64)
    )
    mentors = np.unique(jj).astype(np.int32)
    coaches = np.unique(cc).astype(np.int32)
    network.add_arcs_with_capacity_and_unit_cost(
        np.full(mentors.size, source, np.int32),
        mentors,
        np.ones(mentors.size, np.int64),
        np.zeros(mentors.size, np.int64),
    )
    network.add_arcs_with_capacity_and_unit_cost(
        (m + coaches).astype(np.int32),
        np.full(coaches.size, sink, np.int32),
        max_mentors[coaches].astype(np.int64),
        np.zeros(coaches.size, np.int64),
    )
    # the flow may stop short: a bypass from source to sink carries what is not worth sending
    network.add_arc_with_capacity_and_unit_cost(source, sink, mentors.size, 0)
    network.set_node_supply(source, int(mentors.size))
    network.set_node_supply(sink, -int(mentors.size))
    if network.solve() != network.OPTIMAL:
        raise SolverBug("coaches: the mentor-coach flow did not solve")
    flows = np.asarray(network.flows(np.arange(jj.size, dtype=np.int32)))
    chosen[jj[flows > 0], cc[flows > 0]] = True
    return chosen
