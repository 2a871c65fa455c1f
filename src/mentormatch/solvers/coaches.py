"""The coach tier: every mentor who gets a mentee is supervised by one allowed coach (PRODUCT.md section 4).

Coaches add no score; they only restrict which mentors may be used, with which mentee types and how many mentees.
So the optimum without coaches bounds the optimum with them, and an answer that reaches it is optimal. The method
is a decomposition that keeps this bound in hand:

1. **Coach-free solve.** Pairs that no coach eligible for the mentor could supervise are dropped (no answer can use
   them); the rest is the ordinary assignment problem, solved by :func:`mentormatch.solvers.run_solver` (exact
   flow, priced flow, CP-SAT, ... as ``auto`` chooses). Its answer's value, or its bound when it is not proven, is
   the first bound on the coach problem.
2. **Supervision.** Greedy (:func:`greedy_supervision`): mentors by the gain of their mentees, each given the
   eligible coach with room that keeps the most of it. When every pair is kept, the coach-free optimum is reached
   and the answer is proven optimal; this is the common case (coaches that do not bind), and it costs milliseconds.
3. **When the coach rules bind:**

   a. a **Lagrangian bound** (:func:`lagrangian_bound`): prices on "each mentee at most once" and on coach
      case-loads split the problem into "what is mentor j worth under coach c" and an exact mentor → coach
      transportation problem, so mentors stay whole and ``max_mentors`` stays exact; started from the coach-free
      LP's duals (:func:`transport_duals`), it is never above the coach-free bound and usually well below it;
   b. the Lagrangian round's **mentor → coach choice fixed**, the rest solved by CP-SAT (small and easy);
   c. a **repair model**: CP-SAT warm-started from the best answer so far, over every candidate pair on rosters
      up to :data:`EXACT_PAIRS` pairs (then its bound is a proof too), beyond that over each mentee's
      :data:`NEIGHBOURS` best pairs and the pairs of the best answer.

   The reported bound is the tightest of the coach-free one, the Lagrangian one and CP-SAT's (when it saw every
   pair); the answer is ``optimal`` when it reaches it.

The CP-SAT model (``_Model``), with x[k] per candidate pair k = (i, j), y[j, c] per mentor and eligible coach,
z[j, c] per mentor and coach with a case-load limit::

    maximise   Σ gain[k] · x[k]                                 gain = priority · big + w_int (+ the continuity
                                                                tier's bonuses on current pairs; ``_scaling``)
    subject to Σ_j x[i, j] ≤ 1                                  each mentee at most once
               Σ_c y[j, c] ≤ 1                                  one coach per mentor
               Σ_i load · x[i, j] ≤ cap[j] · Σ_c y[j, c]        capacity, and only a supervised mentor is used
               x[i, j] ≤ Σ_{c covers type(i)} y[j, c]           specialisms (per pair; per (mentor, type) group
                                                                summed, on large models)
               Σ_j y[j, c] ≤ max_mentors[c]
               z[j, c] ≥ Σ_i x[i, j] − U[j] · (1 − y[j, c])     z = j's mentee count when c supervises j
               Σ_j z[j, c] ≤ max_mentees[c]                      case-load (a count of mentees)

Languages, fixed coaches and "nobody supervises themselves" are in ``CoachTier.eligible``: y exists only where it is
True. Mentors left without mentees get no coach in the answer (a y of theirs is dropped on reading out).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mentormatch.problem import CoachTier, Instance, Progress, Solution, Status
from mentormatch.solvers._common import Clock, SolverBug, answer_totals, iter_candidate_blocks, kept_of
from mentormatch.solvers._cpsat import found, new_solver, proven_bound, search_limits
from mentormatch.solvers._scaling import FLOAT_EXACT, Scaling, fit_scaling

__all__ = ["solve", "validate_tier", "check_coaches", "greedy_supervision", "EXACT_PAIRS", "NEIGHBOURS", "PAIR_LINKS"]

EXACT_PAIRS = 40_000
"""Up to this many candidate pairs the repair model holds every pair, so CP-SAT's bound is a proof."""

NEIGHBOURS = 12
"""Beyond :data:`EXACT_PAIRS`, the repair model holds each mentee's best pairs, this many per mentee."""

STRONG_TRIPLES = 150_000
"""Up to this many (mentee, mentor, coach) triples the repair model has a Boolean per triple (a far tighter LP);
beyond, one per pair (:class:`_Model`)."""

PAIR_LINKS = 60_000
"""Up to this many pairs the specialism and supervision link is written per pair (a tighter LP); beyond, per
(mentor, mentee type) group."""

FREE_SHARE = 0.25
"""Share of ``time_limit`` for the coach-free solve (step 1; it only matters for its searches)."""

NEIGHBOURHOOD_SECONDS = 60.0
"""Without a time limit, the repair model over a neighbourhood (which cannot prove anything) still stops here."""

SUPERVISION_SHARE = 0.1
"""Share of ``time_limit`` for CP-SAT on the coach-free answer's own pairs when the greedy supervision drops some."""

FIXED_SHARE = 0.2
"""Share of ``time_limit`` for the solve with the Lagrangian's coach choice fixed (step 3)."""

REPAIR_SHARE = 0.55
"""Share of ``time_limit`` for the repair model (step 3). The shares are of CP-SAT's deterministic time, never of
the wall clock left, so that a rerun gives the same answer byte for byte; the wall clock stops a search only as a
safety net (``2 × share + 5`` seconds, as in :data:`mentormatch.solvers.WALL_SAFETY`)."""

LAGRANGE_ITERATIONS = 300
"""Subgradient rounds of :func:`lagrangian_bound` at most (it also stops when its step has shrunk to nothing)."""

LAGRANGE_PAIR_ROUNDS = 10_000_000
"""Work budget of :func:`lagrangian_bound`: rounds × pairs × coaches / 8 (a count, not a clock, so that reruns
give the same bound and the same answer), at least :data:`LAGRANGE_MIN_ROUNDS` rounds; a problem where those would
exceed it gets no Lagrangian bound (measured: a round costs ~0.1 s at 1000 × 250 × 20 and ~6 s at 5000 × 1000 × 60)."""

LAGRANGE_MIN_ROUNDS = 10

LAGRANGE_STEP = 0.005
"""The first Polyak step factor of :func:`lagrangian_bound` (× 1.5 after a round that lowers the bound, up to 2;
halved after three rounds without progress)."""

DUAL_PAIRS = 150_000
"""Up to this many candidate pairs :func:`transport_duals` starts the Lagrangian bound from LP duals."""


def validate_tier(instance: Instance, tier: CoachTier) -> None:
    """Raise ValueError unless the tier's arrays fit ``instance`` (shapes, dtypes, ranges)."""
    n, m = instance.shape
    problems = []
    k = tier.cover.shape[0] if getattr(tier.cover, "ndim", 0) == 2 else -1
    checks = (
        ("mentee_type", tier.mentee_type, (n,), "iu"),
        ("cover", tier.cover, (k, tier.cover.shape[-1] if k >= 0 else -1), "b"),
        ("eligible", tier.eligible, (m, k), "b"),
        ("max_mentors", tier.max_mentors, (k,), "iu"),
        ("max_mentees", tier.max_mentees, (k,), "iu"),
    )
    for name, values, shape, kinds in checks:
        if not isinstance(values, np.ndarray) or values.shape != shape or values.dtype.kind not in kinds:
            problems.append(
                f"{name}: expected shape {shape} of kind {kinds!r}, got "
                f"{getattr(values, 'dtype', type(values).__name__)} {np.shape(values)}"
            )
    if not problems:
        if n and (tier.mentee_type.min() < 0 or tier.mentee_type.max() >= tier.cover.shape[1]):
            problems.append("mentee_type: every entry must index a column of cover")
        for name in ("max_mentors", "max_mentees"):
            values = getattr(tier, name)
            if values.size and values.min() < 0:
                problems.append(f"{name}: every entry must be ≥ 0")
    if problems:
        raise ValueError("coach tier: " + "; ".join(problems))


def check_coaches(instance: Instance, tier: CoachTier, solution: Solution) -> None:
    """Raise :class:`SolverBug` if ``solution.coach_of`` breaks a coach rule of ``tier`` (indices only).

    Every mentor with a mentee has exactly one eligible coach and mentors without mentees none; each coach's
    mentors ≤ ``max_mentors`` and mentees ≤ ``max_mentees``; each mentee's type is covered by its mentor's coach.
    """
    name = solution.solver
    n, m = instance.shape
    coach_of = solution.coach_of
    if not isinstance(coach_of, np.ndarray) or coach_of.shape != (m,) or coach_of.dtype.kind not in "iu":
        raise SolverBug(f"{name}: coach_of must be an integer array of shape {(m,)}")
    k = tier.n_coaches
    if ((coach_of < -1) | (coach_of >= k)).any():
        raise SolverBug(f"{name}: a coach index lies outside -1..{k - 1}")
    rows = np.flatnonzero(solution.mentor_of >= 0)
    cols = solution.mentor_of[rows]
    mentees_of = np.bincount(cols, minlength=m)
    used = mentees_of > 0
    if (coach_of[used] < 0).any():
        j = int(np.flatnonzero(used & (coach_of < 0))[0])
        raise SolverBug(f"{name}: mentor {j} has mentees but no coach")
    if (coach_of[~used] >= 0).any():
        j = int(np.flatnonzero(~used & (coach_of >= 0))[0])
        raise SolverBug(f"{name}: mentor {j} has no mentee but a coach")
    supervised = np.flatnonzero(used)
    if not tier.eligible[supervised, coach_of[supervised]].all():
        j = int(supervised[~tier.eligible[supervised, coach_of[supervised]]][0])
        raise SolverBug(f"{name}: mentor {j} is supervised by coach {int(coach_of[j])}, who may not supervise them")
    covered = tier.cover[coach_of[cols], tier.mentee_type[rows]]
    if not covered.all():
        i = int(rows[~covered][0])
        raise SolverBug(f"{name}: mentee {i}'s type is not among the specialisms of their mentor's coach")
    mentors_per_coach = np.bincount(coach_of[supervised], minlength=k)
    mentees_per_coach = np.bincount(coach_of[supervised], weights=mentees_of[supervised], minlength=k)
    for what, count, limit in (
        ("mentors", mentors_per_coach, tier.max_mentors),
        ("mentees", mentees_per_coach, tier.max_mentees),
    ):
        over = count > limit
        if over.any():
            c = int(np.flatnonzero(over)[0])
            raise SolverBug(f"{name}: coach {c} supervises {int(count[c])} {what}, above the limit {int(limit[c])}")


def solve(
    instance: Instance,
    tier: CoachTier,
    solver: str = "auto",
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Solution:
    """Solve ``instance`` under the coach tier (see the module docstring for the method).

    Parameters
    ----------
    instance : Instance
        Maximising (the roster path).
    tier : CoachTier
    solver : str
        The method for the coach-free solve (a name of :data:`mentormatch.solvers.SOLVER_NAMES`).
    time_limit : float, optional
        Seconds for the searches, counted in CP-SAT's deterministic time (reproducible); None: no limit.
    seed : int
    progress : callable, optional

    Returns
    -------
    Solution
        With ``coach_of`` (one coach index per mentor, −1 for mentors without mentees), checked against every
        rule of the instance and the tier. ``solver`` reads ``"<coach-free method>+coaches"``.

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import CoachTier, Instance
    >>> inst = Instance(weights=np.array([[0.9, 0.5], [0.8, 0.7]]), allowed=np.ones((2, 2), bool),
    ...                 priority=np.array([1, 1]), load=np.array([1, 1]), capacity=np.array([2, 2]))
    >>> tier = CoachTier(mentee_type=np.array([0, 1]), cover=np.array([[True, False]]),
    ...                  eligible=np.ones((2, 1), bool), max_mentors=np.array([1]), max_mentees=np.array([2]))
    >>> sol = solve(inst, tier)   # one coach, who covers type 0 only and takes one mentor
    >>> sol.mentor_of.tolist(), sol.coach_of.tolist(), str(sol.status)
    ([0, -1], [0, -1], 'optimal')
    """
    from mentormatch.solvers import check_solution, run_solver

    if not instance.maximize:
        raise ValueError("the coach tier takes maximising instances only")
    validate_tier(instance, tier)
    clock = Clock(progress)
    base = replace(instance, allowed=instance.allowed & tier.coverable())

    # --- 1. the coach-free bound
    clock.stage("coaches: solving without coaches (the bound)")
    free_limit = None if time_limit is None else FREE_SHARE * time_limit
    free = run_solver(base, solver, time_limit=free_limit, seed=seed, progress=progress)
    method = f"{free.solver}+coaches"
    # Locked pairs get the full Λ multiplier here: the coach rules can make keeping one cost more than its mentor's
    # occupants (``_scaling``'s argument for the short one moves mentees within capacity only).
    scaling = fit_scaling(base, strict_locks=True)
    # With a continuity tier the CP-SAT models may need a coarser weight scale than the one gains are compared in
    # (``_scaling``); every answer is then re-valued in ``scaling``, and the models' bounds are not used.
    model_scaling = scaling
    same_scale = True
    if base.keep is not None:
        model_scaling = fit_scaling(base, limit=FLOAT_EXACT, strict_locks=True)
        # The coach-free answer is lexicographically optimal at the weight scale it was solved at (``plain``, or
        # ``coarse`` in CP-SAT); its gain bounds the coach problem in ``scaling``'s units when that scale is ours.
        plain, coarse = fit_scaling(base), fit_scaling(base, limit=FLOAT_EXACT)
        exact_free = base.unit_loads and solver in ("auto", "flow", "hungarian")
        same_scale = plain.scale == scaling.scale and (exact_free or coarse.scale == plain.scale)
    bound = _Bound.of_solution(base, scaling, free, same_scale)
    share = (lambda fraction: None) if time_limit is None else (lambda fraction: fraction * time_limit)

    # --- 2. supervision of the coach-free answer
    clock.stage("coaches: choosing coaches for the coach-free answer")
    rows = np.flatnonzero(free.mentor_of >= 0)
    cols = free.mentor_of[rows]
    free_gain = _gain(base, scaling, free.mentor_of)
    best_mentor, best_coach = greedy_supervision(base, tier, scaling, free.mentor_of)
    best_gain = _gain(base, scaling, best_mentor)
    if best_gain < free_gain:
        # the same question exactly: CP-SAT on the coach-free answer's own pairs, keeping as much as it can
        kept = _model(base, tier, model_scaling, rows, cols).solve(
            share(SUPERVISION_SHARE), seed, hint=(best_mentor, best_coach)
        )
        if kept.found and _gain(base, scaling, kept.mentor_of) > best_gain:
            best_mentor, best_coach, best_gain = kept.mentor_of, kept.coach_of, _gain(base, scaling, kept.mentor_of)
    message = ""
    exact_model = False
    model_bound = None
    binds = best_gain < free_gain
    # an unproven coach-free answer that the coaches keep whole is searched further only where the model can
    # prove (every pair in it); a neighbourhood search measured no gain there (5000 × 1000 × 60: 76 s, +0)
    unproven_small = free.status is not Status.OPTIMAL and _candidate_count(base) <= EXACT_PAIRS
    if binds or unproven_small:
        # --- 3. repair: a wider model, warm-started from the kept answer
        rows, cols, exact_model = _repair_pairs(base, scaling, best_mentor)
        clock.stage(
            f"coaches: {'the coach rules bind; ' if binds else ''}searching {rows.size} pairs "
            f"({'all' if exact_model else 'each mentee' + chr(39) + 's best'})"
        )
        # the Lagrangian bound computes in float64: only where the gains are exact there
        duals = transport_duals(base, scaling) if binds and model_scaling == scaling else None
        lagrange, choice = (
            (None, None)
            if duals is None
            else lagrangian_bound(base, tier, scaling, best_gain, start=duals, clock=clock)
        )
        if choice is not None:
            # the Lagrangian round's mentor → coach choice, fixed: what is left is small and easy
            fixed = replace(tier, eligible=tier.eligible & choice)
            narrowed = replace(base, allowed=base.allowed & fixed.coverable())
            r_rows, r_cols = _all_pairs(narrowed)
            tried = _model(narrowed, fixed, model_scaling, r_rows, r_cols).solve(share(FIXED_SHARE), seed)
            if tried.found and _gain(base, scaling, tried.mentor_of) > best_gain:
                best_mentor, best_coach = tried.mentor_of, tried.coach_of
                best_gain = _gain(base, scaling, best_mentor)
                rows, cols, exact_model = _repair_pairs(base, scaling, best_mentor)
        # without a time limit a search over a neighbourhood (no proof possible) still stops
        limit = share(REPAIR_SHARE) if time_limit is not None or exact_model else NEIGHBOURHOOD_SECONDS
        wider = _model(base, tier, model_scaling, rows, cols).solve(limit, seed, hint=(best_mentor, best_coach))
        if wider.found and _gain(base, scaling, wider.mentor_of) > best_gain:
            best_mentor, best_coach = wider.mentor_of, wider.coach_of
            best_gain = _gain(base, scaling, best_mentor)
        model_bound = lagrange
        if exact_model and wider.bound is not None and model_scaling == scaling:
            model_bound = wider.bound if lagrange is None else min(lagrange, wider.bound)
        if best_gain < free_gain:
            fewer = int((free.mentor_of >= 0).sum() - (best_mentor >= 0).sum())
            moved = int((free.mentor_of != best_mentor).sum())
            message = (
                f"the coach rules bind: {fewer} fewer mentees matched than without coaches"
                if fewer > 0
                else f"the coach rules bind: {moved} mentees placed differently than without coaches"
            )

    # --- bounds and status
    priority_sum, objective = answer_totals(base, best_mentor)
    kept_count = kept_of(base, best_mentor)
    gain = _gain(base, scaling, best_mentor)
    if model_bound is not None:
        bound = bound.tighter(_Bound.of_combined(scaling, model_bound, priority_sum))
    priority_bound, objective_bound, kept_bound = bound.report(base, scaling, best_mentor, objective, gain)
    optimal = (
        priority_bound == priority_sum
        and objective_bound == objective
        and (kept_count is None or kept_bound == kept_count)
    )
    solution = Solution(
        mentor_of=best_mentor,
        status=Status.OPTIMAL if optimal else Status.FEASIBLE,
        priority_sum=priority_sum,
        objective=objective,
        priority_bound=priority_bound,
        objective_bound=objective_bound,
        solver=method,
        seconds=clock.elapsed(),
        message=message,
        coach_of=_drop_unused(best_coach, best_mentor, instance.shape[1]),
        kept=kept_count,
        kept_bound=kept_bound,
    )
    check_solution(base, solution)
    check_coaches(base, tier, solution)
    clock.stage("coaches: done")
    return solution


# ---------------------------------------------------------------------------------------------------------------
# Bounds


@dataclass(frozen=True)
class _Bound:
    """A bound on the coach problem in integer gain units: Σ gain ≤ ``combined``, or, when only the split form is
    known (a coach-free answer that is not proven), ``priority`` with ``weight_int`` (None: unknown)."""

    combined: int | None = None
    priority: int | None = None
    weight_int: int | None = None
    weight: float | None = None

    @classmethod
    def of_solution(cls, instance: Instance, scaling: Scaling, free: Solution, same_scale: bool = True) -> _Bound:
        """The bound the coach-free answer gives: its gain when proven optimal at ``scaling``'s weight scale;
        else its own bounds, or with a continuity tier (where they hold only among answers reaching the free
        answer's own tiers) the trivial bound ``combined_high``."""
        if free.status is Status.OPTIMAL and same_scale:
            return cls(combined=_gain(instance, scaling, free.mentor_of))
        if instance.keep is not None:
            return cls(combined=scaling.combined_high)
        return cls(priority=free.priority_bound, weight=free.objective_bound)

    @classmethod
    def of_combined(cls, scaling: Scaling, combined: int, priority_found: int) -> _Bound:
        return cls(combined=combined)

    def tighter(self, other: _Bound) -> _Bound:
        """The tighter of two bounds where both are combined; else keep both forms."""
        if self.combined is not None and other.combined is not None:
            return _Bound(combined=min(self.combined, other.combined))
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


def _gain(instance: Instance, scaling: Scaling, mentor_of: np.ndarray) -> int:
    """Σ integer gain of a matching."""
    return scaling.answer_gain(instance, mentor_of)


def _gains_of(instance: Instance, scaling: Scaling, mentor_of: np.ndarray) -> np.ndarray:
    """Each mentee's gain in ``mentor_of`` (0 where unmatched), as float64."""
    out = np.zeros(instance.shape[0])
    rows = np.flatnonzero(mentor_of >= 0)
    out[rows] = scaling.pair_gains(instance, rows, mentor_of[rows])
    return out


def _drop_unused(coach_of: np.ndarray, mentor_of: np.ndarray, m: int) -> np.ndarray:
    """``coach_of`` with −1 for mentors left without mentees."""
    used = np.bincount(mentor_of[mentor_of >= 0], minlength=m) > 0
    return np.where(used, coach_of, -1).astype(np.int64)


# ---------------------------------------------------------------------------------------------------------------
# Lagrangian bound


def lagrangian_bound(
    instance: Instance,
    tier: CoachTier,
    scaling: Scaling,
    target: int,
    *,
    start: np.ndarray | None = None,
    iterations: int = LAGRANGE_ITERATIONS,
    time_limit: float | None = None,
    clock: Clock | None = None,
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
    gain in the coach-free answer) lower it.

    Returns
    -------
    bound : int or None
        The best bound found (floor), or None without candidate pairs.
    choice : (m, k) bool array or None
        The mentor → coach choice of that round.
    """
    n, m = instance.shape
    k = tier.n_coaches
    blocks = [(r.astype(np.int64), c.astype(np.int64)) for r, c in iter_candidate_blocks(instance) if r.size]
    if not blocks or k == 0:
        return (None if not blocks else 0), None
    rows = np.concatenate([r for r, _ in blocks])
    cols = np.concatenate([c for _, c in blocks])
    del blocks
    work = rows.size * max(1, k) // 8 + 1
    if work * LAGRANGE_MIN_ROUNDS > LAGRANGE_PAIR_ROUNDS:
        return None, None
    iterations = min(iterations, LAGRANGE_PAIR_ROUNDS // work)
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
    lam, stall = LAGRANGE_STEP, 0
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


def transport_duals(instance: Instance, scaling: Scaling) -> np.ndarray | None:
    """Each mentee's dual price in the LP relaxation of the coach-free problem (scipy HiGHS), in gain units.

    With these prices (and no case-load prices) :func:`lagrangian_bound` starts at or below the coach-free LP
    bound. None beyond :data:`DUAL_PAIRS` pairs (measured: 3 s at 73 000 pairs, 34 s at 400 000) or when HiGHS does
    not solve it.
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
    if rows.size > DUAL_PAIRS:
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


# ---------------------------------------------------------------------------------------------------------------
# Greedy supervision: always an answer, and CP-SAT's warm start


def greedy_supervision(
    instance: Instance, tier: CoachTier, scaling: Scaling, mentor_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Coaches for the mentors of ``mentor_of``, dropping mentees the coach rules leave no room for.

    Most constrained first, as in bin packing: mentors with the fewest coaches who could keep all their mentees
    come first (then by the gain of their mentees, largest first; ties by index). Each takes, among the coaches
    with room who keep the most gain (every mentee whose type the coach covers, best first, up to the coach's
    remaining case-load), the one with the most mentor slots left, so that the scarce coaches stay free for the
    mentors who need them. Mentees no coach can keep are left unmatched. Returns ``(mentor_of, coach_of)``.
    """
    n, m = instance.shape
    mentor_of = mentor_of.copy()
    coach_of = np.full(m, -1, dtype=np.int64)
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    gains = scaling.pair_gains(instance, rows, cols)
    order = np.lexsort((-gains, cols))  # by mentor, then gain descending
    rows, cols, gains = rows[order], cols[order], gains[order]
    starts = np.searchsorted(cols, np.arange(m + 1))
    total = np.bincount(cols, weights=gains.astype(np.float64), minlength=m)
    mentors_left = tier.max_mentors.astype(np.int64).copy()
    mentees_left = tier.max_mentees.astype(np.int64).copy()
    types = tier.mentee_type
    used = np.flatnonzero(total > 0)
    # how many coaches could take each mentor with all its mentees (types and case-load, ignoring the others)
    options = np.zeros(m, dtype=np.int64)
    for j in used:
        mine = rows[starts[j] : starts[j + 1]]
        fits = tier.eligible[j] & tier.cover[:, types[mine]].all(axis=1) & (tier.max_mentees >= mine.size)
        options[j] = int((fits & (tier.max_mentors > 0)).sum())
    for j in sorted(used, key=lambda j: (options[j], -total[j], j)):
        mine = rows[starts[j] : starts[j + 1]]  # j's mentees, best first
        mine_gain = gains[starts[j] : starts[j + 1]]
        best = (0, 0, -1)  # (value kept, mentor slots left, -coach)
        best_keep = None
        for c in np.flatnonzero(tier.eligible[j] & (mentors_left > 0) & (mentees_left > 0)):
            keep = np.flatnonzero(tier.cover[c, types[mine]])[: int(mentees_left[c])]
            key = (int(mine_gain[keep].sum()), int(mentors_left[c]), -int(c))
            if key[0] > 0 and key > best:
                best, best_keep = key, keep
        if best_keep is None:
            mentor_of[mine] = -1
            continue
        c = np.intp(-best[2])
        drop = np.ones(mine.size, dtype=bool)
        drop[best_keep] = False
        mentor_of[mine[drop]] = -1
        coach_of[j] = c
        mentors_left[c] -= 1
        mentees_left[c] -= best_keep.size
    return mentor_of, coach_of


# ---------------------------------------------------------------------------------------------------------------
# Candidate pairs of the repair model


def _candidate_count(instance: Instance) -> int:
    return int(sum(r.size for r, _ in iter_candidate_blocks(instance)))


def _all_pairs(instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate pair, row-major (int64)."""
    blocks = [(r, c) for r, c in iter_candidate_blocks(instance) if r.size]
    if not blocks:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return (
        np.concatenate([r for r, _ in blocks]).astype(np.int64),
        np.concatenate([c for _, c in blocks]).astype(np.int64),
    )


def _repair_pairs(instance: Instance, scaling: Scaling, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """(rows, cols, every_pair): all candidate pairs when there are at most :data:`EXACT_PAIRS`, else each
    mentee's :data:`NEIGHBOURS` best pairs and the pairs of ``keep``, row-major."""
    rows, cols = _all_pairs(instance)
    if rows.size <= EXACT_PAIRS:
        return rows, cols, True
    del rows, cols
    rows, cols = _best_pairs(instance, scaling, NEIGHBOURS)
    kept = np.flatnonzero(keep >= 0)
    m = instance.shape[1]
    key = np.unique(np.concatenate([rows * m + cols, kept * m + keep[kept]]))
    rows, cols = np.divmod(key, m)
    return rows, cols, False


def _best_pairs(instance: Instance, scaling: Scaling, per_mentee: int) -> tuple[np.ndarray, np.ndarray]:
    """Each mentee's ``per_mentee`` candidate pairs of largest gain (ties by mentor index), row-major, int64."""
    picked_rows, picked_cols = [], []
    for rows, cols in iter_candidate_blocks(instance):
        if rows.size == 0:
            continue
        gains = scaling.pair_gains(instance, rows, cols)
        order = np.lexsort((cols, -gains, rows))  # by mentee, gain descending, then mentor
        r_sorted = rows[order]
        rank = np.arange(r_sorted.size) - np.searchsorted(r_sorted, r_sorted, side="left")
        take = np.sort(order[rank < per_mentee])
        picked_rows.append(rows[take].astype(np.int64))
        picked_cols.append(cols[take].astype(np.int64))
    if not picked_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(picked_rows), np.concatenate(picked_cols)


# ---------------------------------------------------------------------------------------------------------------
# The CP-SAT model


@dataclass(frozen=True)
class _Answer:
    found: bool
    mentor_of: np.ndarray
    coach_of: np.ndarray
    gain: int
    bound: int | None


class _Model:
    """The coach model over candidate pairs ``(rows[k], cols[k])`` (row-major), built in labelled stages."""

    def __init__(self, instance: Instance, tier: CoachTier, scaling: Scaling, rows: np.ndarray, cols: np.ndarray):
        from ortools.sat.python import cp_model

        scaling.require(FLOAT_EXACT, "CP-SAT's float64 objective bound")
        self.instance, self.tier, self.scaling = instance, tier, scaling
        n, m = instance.shape
        # --- data
        order = np.lexsort((cols, rows))
        self.rows = np.asarray(rows, np.int64)[order]
        self.cols = np.asarray(cols, np.int64)[order]
        self.gains = scaling.pair_gains(instance, self.rows, self.cols)
        self.loads = instance.pair_load(self.rows, self.cols)
        self.types = tier.mentee_type[self.rows]
        p = self.rows.size
        self.model = model = cp_model.CpModel()

        # --- variables: x[k] are proto variables 0..p-1; then y[j, c], then z[j, c]
        if p:
            model.proto.merge_text_format("variables { domain: [0, 1] }\n" * p)
        by_mentor = np.argsort(self.cols, kind="stable")
        starts = np.searchsorted(self.cols[by_mentor], np.arange(m + 1))
        self.mentors = np.flatnonzero(np.diff(starts) > 0).tolist()
        self.y: dict[int, dict[int, Any]] = {}
        mentor_types = {}
        for j in self.mentors:
            pairs = by_mentor[starts[j] : starts[j + 1]]
            present = np.unique(self.types[pairs])
            mentor_types[j] = (pairs, present)
            coaches = np.flatnonzero(tier.eligible[j] & tier.cover[:, present].any(axis=1))
            self.y[j] = {int(c): model.new_bool_var(f"y_{j}_{c}") for c in coaches}

        # --- constraints: each mentee at most once
        row_starts = np.searchsorted(self.rows, np.arange(n + 1))
        for i in np.flatnonzero(np.diff(row_starts) > 1):
            model.proto.constraints.add().at_most_one.literals.extend(range(int(row_starts[i]), int(row_starts[i + 1])))
        per_pair = p <= PAIR_LINKS
        limited = np.flatnonzero(tier.max_mentees < n)
        z_of_coach: dict[int, list[Any]] = {int(c): [] for c in limited}
        for j in self.mentors:
            pairs, present = mentor_types[j]
            ys = self.y[j]
            x_vars = [model.get_bool_var_from_proto_index(int(k)) for k in pairs]
            # one coach per mentor
            if len(ys) > 1:
                model.add_at_most_one(ys.values())
            # capacity, and only a supervised mentor takes mentees
            loads = self.loads[pairs]
            model.add(
                sum(int(a) * v for a, v in zip(loads, x_vars, strict=True))
                <= int(instance.capacity[j]) * sum(ys.values())
            )
            # specialisms: each mentee's type is covered by the mentor's coach (per pair: also a tighter link)
            pair_types = self.types[pairs]
            for t in present:
                covering = [v for c, v in ys.items() if tier.cover[c, t]]
                group = [v for v, tk in zip(x_vars, pair_types, strict=True) if tk == t]
                if per_pair:
                    for v in group:
                        model.add(v <= sum(covering))
                elif len(covering) < len(ys):
                    reach_t = min(len(group), int(instance.capacity[j]) // max(1, int(loads.min())))
                    model.add(sum(group) <= reach_t * sum(covering))
            # case-load: z[j, c] ≥ (j's mentee count) when c supervises j
            reach = min(len(pairs), int(instance.capacity[j]) // max(1, int(loads.min())))
            count = sum(x_vars)
            for c, yc in ys.items():
                if c in z_of_coach and reach > 0:
                    z = model.new_int_var(0, reach, f"z_{j}_{c}")
                    model.add(z <= reach * yc)
                    model.add(count - z + reach * yc <= reach)
                    z_of_coach[c].append(z)
        # max mentors and case-loads per coach
        for c in range(tier.n_coaches):
            supervised = [self.y[j][c] for j in self.mentors if c in self.y[j]]
            if len(supervised) > tier.max_mentors[c]:
                model.add(sum(supervised) <= int(tier.max_mentors[c]))
        for c, zs in z_of_coach.items():
            if zs:
                model.add(sum(zs) <= int(tier.max_mentees[c]))

        # --- objective: maximise Σ gain · x (the proto minimises: negated, scaling_factor −1)
        objective = model.proto.objective
        objective.vars.extend(range(p))
        objective.coeffs.extend((-self.gains).tolist())
        objective.scaling_factor = -1.0

    def solve(self, time_limit: float | None, seed: int, hint: tuple[np.ndarray, np.ndarray] | None = None) -> _Answer:
        """Run CP-SAT (``time_limit`` in deterministic units; wall clock as a safety net) and read the answer."""
        n, m = self.instance.shape
        if hint is not None:
            mentor_of, coach_of = hint
            proto_hint = self.model.proto.solution_hint
            proto_hint.vars.extend(range(self.rows.size))
            proto_hint.values.extend((mentor_of[self.rows] == self.cols).astype(np.int64).tolist())
            for j, ys in self.y.items():
                for c, v in ys.items():
                    self.model.add_hint(v, bool(coach_of[j] == c))
        solver, code = _run_cpsat(self.model, time_limit, seed)
        mentor_of = np.full(n, -1, dtype=np.int64)
        coach_of = np.full(m, -1, dtype=np.int64)
        if not _found(solver, code):
            return _Answer(False, mentor_of, coach_of, 0, None)
        chosen = np.asarray(solver.response_proto.solution, dtype=np.int64)[: self.rows.size].astype(bool)
        mentor_of[self.rows[chosen]] = self.cols[chosen]
        for j, ys in self.y.items():
            for c, v in ys.items():
                if solver.boolean_value(v):
                    coach_of[j] = c
        gain = int(self.gains[chosen].sum())
        return _Answer(True, mentor_of, coach_of, gain, _proven_bound(solver, code, gain))


class _StrongModel:
    """The coach model with one Boolean per (mentee, mentor, coach) triple instead of per pair: w[i, j, c] ≤ y[j, c]
    for every triple makes its LP relaxation far tighter (on the bundled 200 × 50 × 5 ``coaches-binding`` roster
    CP-SAT's bound after 60 s is 223 priority points against 249 with one Boolean per pair; the optimum is 221).
    Used for every repair model up to :data:`STRONG_TRIPLES` triples. Same interface as :class:`_Model`."""

    def __init__(self, instance: Instance, tier: CoachTier, scaling: Scaling, rows: np.ndarray, cols: np.ndarray):
        from ortools.sat.python import cp_model

        scaling.require(FLOAT_EXACT, "CP-SAT's float64 objective bound")
        self.instance, self.tier = instance, tier
        n, m = instance.shape
        k = tier.n_coaches
        # --- data: triples (pair, coach) with the coach eligible for the mentor and covering the mentee's type
        rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
        fits = tier.eligible[cols] & tier.cover[:, tier.mentee_type[rows]].T  # (pairs, k)
        pair, coach = np.nonzero(fits)
        self.rows, self.cols, self.coach = rows[pair], cols[pair], coach.astype(np.int64)
        self.gains = scaling.pair_gains(instance, self.rows, self.cols)
        loads = instance.pair_load(self.rows, self.cols)
        t = self.rows.size
        y_key = np.unique(self.cols * k + self.coach)
        self.y_mentor, self.y_coach = np.divmod(y_key, k)
        y_of = t + np.searchsorted(y_key, self.cols * k + self.coach)  # proto index of each triple's y
        self.model = model = cp_model.CpModel()
        proto = model.proto

        # --- variables: w[0..t-1] per triple, then y per (mentor, coach)
        proto.merge_text_format("variables { domain: [0, 1] }\n" * (t + y_key.size))
        # --- constraints: each mentee at most once
        order = np.argsort(self.rows, kind="stable")
        starts = np.searchsorted(self.rows[order], np.arange(n + 1))
        for i in np.flatnonzero(np.diff(starts) > 1):
            proto.constraints.add().at_most_one.literals.extend(order[starts[i] : starts[i + 1]].tolist())
        # w[i, j, c] ≤ y[j, c]: only a supervised mentor takes mentees, and only types its coach covers
        for w, y in zip(range(t), y_of.tolist(), strict=True):
            linear = proto.constraints.add().linear
            linear.vars.extend([w, y])
            linear.coeffs.extend([1, -1])
            linear.domain.extend([-1, 0])
        # capacity: Σ load · w[·, j, c] ≤ cap[j] · y[j, c]
        by_y = np.argsort(y_of, kind="stable")
        y_starts = np.searchsorted(y_of[by_y], t + np.arange(y_key.size + 1))
        for y in range(y_key.size):
            members = by_y[y_starts[y] : y_starts[y + 1]]
            j = int(self.y_mentor[y])
            if loads[members].sum() <= instance.capacity[j]:
                continue
            linear = proto.constraints.add().linear
            linear.vars.extend(members.tolist() + [t + y])
            linear.coeffs.extend(loads[members].tolist() + [-int(instance.capacity[j])])
            linear.domain.extend([-(2**40), 0])
        # one coach per mentor
        mentor_starts = np.searchsorted(self.y_mentor, np.arange(m + 1))
        for j in np.flatnonzero(np.diff(mentor_starts) > 1).tolist():
            proto.constraints.add().at_most_one.literals.extend(
                range(t + int(mentor_starts[j]), t + int(mentor_starts[j + 1]))
            )
        # max mentors and case-load per coach
        for c in range(k):
            ys = t + np.flatnonzero(self.y_coach == c)
            if ys.size > tier.max_mentors[c]:
                linear = proto.constraints.add().linear
                linear.vars.extend(ys.tolist())
                linear.coeffs.extend([1] * ys.size)
                linear.domain.extend([0, int(tier.max_mentors[c])])
            ws = np.flatnonzero(self.coach == c)
            if ws.size > tier.max_mentees[c]:
                linear = proto.constraints.add().linear
                linear.vars.extend(ws.tolist())
                linear.coeffs.extend([1] * ws.size)
                linear.domain.extend([0, int(tier.max_mentees[c])])
        # --- objective: maximise Σ gain · w
        proto.objective.vars.extend(range(t))
        proto.objective.coeffs.extend((-self.gains).tolist())
        proto.objective.scaling_factor = -1.0

    def solve(self, time_limit: float | None, seed: int, hint: tuple[np.ndarray, np.ndarray] | None = None) -> _Answer:
        n, m = self.instance.shape
        t = self.rows.size
        if hint is not None:
            mentor_of, coach_of = hint
            w = (mentor_of[self.rows] == self.cols) & (coach_of[self.cols] == self.coach)
            y = coach_of[self.y_mentor] == self.y_coach
            self.model.proto.solution_hint.vars.extend(range(t + self.y_mentor.size))
            self.model.proto.solution_hint.values.extend(np.concatenate([w, y]).astype(np.int64).tolist())
        solver, code = _run_cpsat(self.model, time_limit, seed)
        mentor_of = np.full(n, -1, dtype=np.int64)
        coach_of = np.full(m, -1, dtype=np.int64)
        if not _found(solver, code):
            return _Answer(False, mentor_of, coach_of, 0, None)
        values = np.asarray(solver.response_proto.solution, dtype=np.int64).astype(bool)
        chosen = values[:t]
        mentor_of[self.rows[chosen]] = self.cols[chosen]
        coach_of[self.cols[chosen]] = self.coach[chosen]
        gain = int(self.gains[chosen].sum())
        return _Answer(True, mentor_of, coach_of, gain, _proven_bound(solver, code, gain))


def _model(instance: Instance, tier: CoachTier, scaling: Scaling, rows: np.ndarray, cols: np.ndarray) -> Any:
    """The strong model (a Boolean per triple) up to :data:`STRONG_TRIPLES` triples, else the pair model."""
    triples = int((tier.eligible[cols] & tier.cover[:, tier.mentee_type[rows]].T).sum()) if rows.size else 0
    if triples <= STRONG_TRIPLES:
        return _StrongModel(instance, tier, scaling, rows, cols)
    return _Model(instance, tier, scaling, rows, cols)


def _run_cpsat(model: Any, time_limit: float | None, seed: int) -> tuple[Any, Any]:
    """Solve ``model`` with :data:`mentormatch.solvers._cpsat.PARAMETERS`, ``time_limit`` in deterministic units
    (the wall clock as a safety net, :data:`mentormatch.solvers._cpsat.WALL_SAFETY`); returns (solver, status)."""
    wall, deterministic = search_limits(time_limit)
    solver = new_solver(seed=seed, wall=wall, deterministic=deterministic)
    return solver, solver.solve(model)


def _found(solver: Any, code: Any) -> bool:
    """True when CP-SAT has an answer; False when stopped before one. Any other status is a bug: the empty
    matching satisfies every coach model."""
    return found(code, solver, "coaches: CP-SAT")


def _proven_bound(solver: Any, code: Any, gain: int) -> int:
    """CP-SAT's bound on Σ gain (integral, so floored) after checking that ``gain`` is its objective."""
    return proven_bound(solver, code, gain, "coaches")
