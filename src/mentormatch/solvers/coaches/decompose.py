"""The coach tier's decomposition, :func:`solve`: the coach-free solve (its bound), greedy supervision of its answer,
and, when the coach rules bind, the Lagrangian bound, the solve with the Lagrangian's coach choice fixed and the
repair model; then the bounds and the status (the method is described in :mod:`mentormatch.solvers.coaches`).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from mentormatch.problem import CoachTier, Instance, Progress, Solution, Status
from mentormatch.solvers._common import Clock, answer_totals, kept_of
from mentormatch.solvers._scaling import FLOAT_EXACT, Scaling, fit_scaling
from mentormatch.solvers.coaches.bound import Bound, lagrangian_bound, transport_duals
from mentormatch.solvers.coaches.check import check_coaches, validate_tier
from mentormatch.solvers.coaches.choice import choose_and_flow
from mentormatch.solvers.coaches.greedy import greedy_supervision
from mentormatch.solvers.coaches.models import new_model
from mentormatch.solvers.coaches.options import CoachOptions
from mentormatch.solvers.coaches.pairs import all_pairs, candidate_count, repair_pairs

__all__ = ["solve"]


def solve(
    instance: Instance,
    tier: CoachTier,
    solver: str = "auto",
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    options: CoachOptions | None = None,
) -> Solution:
    """Solve ``instance`` under the coach tier (see :mod:`mentormatch.solvers.coaches` for the method).

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
    options : CoachOptions, optional
        The tuning knobs (None: the defaults).

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
    options = CoachOptions() if options is None else options
    clock = Clock(progress)
    started = time.perf_counter()
    base = replace(instance, allowed=instance.allowed & tier.coverable())

    # --- 1. the coach-free bound
    clock.stage("coaches: solving without coaches (the bound)")
    free_limit = None if time_limit is None else options.free_share * time_limit
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
    bound = Bound.of_solution(base, scaling, free, same_scale)
    share = (lambda fraction: None) if time_limit is None else (lambda fraction: fraction * time_limit)

    def wall_left() -> float | None:
        """Seconds left of ``time_limit`` on the wall clock (at least 0.1): the searches' safety net."""
        return None if time_limit is None else max(0.1, started + time_limit - time.perf_counter())

    # --- 2. supervision of the coach-free answer
    clock.stage("coaches: choosing coaches for the coach-free answer")
    rows = np.flatnonzero(free.mentor_of >= 0)
    cols = free.mentor_of[rows]
    free_gain = _gain(base, scaling, free.mentor_of)
    best_mentor, best_coach = greedy_supervision(base, tier, scaling, free.mentor_of)
    best_gain = _gain(base, scaling, best_mentor)
    path = [method]  # Solution.method: "<coach-free method>+coaches", then each step that ran
    stats: dict[str, int] = {}
    pairs = candidate_count(base)
    large = pairs > options.exact_pairs
    final = pairs >= options.choice_final_pairs  # past the choice, the CP-SAT stages measured no gain here
    if best_gain < free_gain and base.unit_loads and options.choice_rounds > 0:
        # --- 2b. coaches chosen for every mentor, the flow re-solved through them (``choice.py``)
        deadline = None if time_limit is None else started + options.choice_wall_share * time_limit
        chosen = choose_and_flow(
            base, tier, scaling, free.mentor_of, (best_mentor, best_coach), free_gain,
            options=options, clock=clock, deadline=deadline,
        )  # fmt: skip
        path.append("choice")
        stats.update(choice_rounds=chosen.rounds)
        if chosen.gain > best_gain:
            best_mentor, best_coach, best_gain = chosen.mentor_of, chosen.coach_of, chosen.gain
    if best_gain < free_gain and not (final and "choice" in path):
        # from choice_final_pairs up, after the flow re-solves, CP-SAT on the coach-free answer's pairs measured no
        # gain (5000 × 1000 × 60 ``binding``: 20 s, +0)
        path.append("supervision")
        # the same question exactly: CP-SAT on the coach-free answer's own pairs, keeping as much as it can
        kept = new_model(base, tier, model_scaling, rows, cols, options).solve(
            share(options.supervision_share), seed, hint=(best_mentor, best_coach), wall=wall_left()
        )
        if kept.found and _gain(base, scaling, kept.mentor_of) > best_gain:
            best_mentor, best_coach, best_gain = kept.mentor_of, kept.coach_of, _gain(base, scaling, kept.mentor_of)
    message = ""
    exact_model = False
    model_bound = None
    binds = best_gain < free_gain
    # an unproven coach-free answer that the coaches keep whole is searched further only where the model can
    # prove (every pair in it); a neighbourhood search measured no gain there (5000 × 1000 × 60: 76 s, +0)
    unproven_small = free.status is not Status.OPTIMAL and not large
    # from choice_final_pairs up, after the flow re-solves, the repair model measured no gain in 76 s at
    # 5000 × 1000 × 60 ``binding``, over the caller's time limit on the wall clock: not run
    if (binds and not (final and "choice" in path)) or unproven_small:
        # --- 3. repair: a wider model, warm-started from the kept answer
        rows, cols, exact_model = repair_pairs(base, scaling, best_mentor, options)
        path.append("repair")
        stats.update(repair_pairs=int(rows.size), exact_model=int(exact_model))
        clock.stage(
            f"coaches: {'the coach rules bind; ' if binds else ''}searching {rows.size} pairs "
            f"({'all' if exact_model else 'each mentee' + chr(39) + 's best'})"
        )
        # the Lagrangian bound computes in float64: only where the gains are exact there
        duals = transport_duals(base, scaling, options=options) if binds and model_scaling == scaling else None
        lagrange, choice = (
            (None, None)
            if duals is None
            else lagrangian_bound(base, tier, scaling, best_gain, start=duals, clock=clock, options=options)
        )
        if lagrange is not None:
            path.append("lagrange")
        if choice is not None:
            # the Lagrangian round's mentor → coach choice, fixed: what is left is small and easy
            fixed = replace(tier, eligible=tier.eligible & choice)
            narrowed = replace(base, allowed=base.allowed & fixed.coverable())
            r_rows, r_cols = all_pairs(narrowed)
            tried = new_model(narrowed, fixed, model_scaling, r_rows, r_cols, options).solve(
                share(options.fixed_share), seed, wall=wall_left()
            )
            if tried.found and _gain(base, scaling, tried.mentor_of) > best_gain:
                best_mentor, best_coach = tried.mentor_of, tried.coach_of
                best_gain = _gain(base, scaling, best_mentor)
                rows, cols, exact_model = repair_pairs(base, scaling, best_mentor, options)
        # without a time limit a search over a neighbourhood (no proof possible) still stops
        limit = share(options.repair_share) if time_limit is not None or exact_model else options.neighbourhood_seconds
        wider = new_model(base, tier, model_scaling, rows, cols, options).solve(
            limit, seed, hint=(best_mentor, best_coach), wall=wall_left()
        )
        if wider.found and _gain(base, scaling, wider.mentor_of) > best_gain:
            best_mentor, best_coach = wider.mentor_of, wider.coach_of
            best_gain = _gain(base, scaling, best_mentor)
        model_bound = lagrange
        if exact_model and wider.bound is not None and model_scaling == scaling:
            model_bound = wider.bound if lagrange is None else min(lagrange, wider.bound)
    if best_gain < free_gain:
        fewer = int((free.mentor_of >= 0).sum() - (best_mentor >= 0).sum())
        moved = int((free.mentor_of != best_mentor).sum())
        stats.update(fewer_matched=fewer, placed_differently=moved)
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
        bound = bound.tighter(Bound.of_combined(scaling, model_bound, priority_sum))
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
        method="+".join(path),
        stats=stats,
        coach_of=_drop_unused(best_coach, best_mentor, instance.shape[1]),
        kept=kept_count,
        kept_bound=kept_bound,
    )
    check_solution(base, solution)
    check_coaches(base, tier, solution)
    clock.stage("coaches: done")
    return solution


def _gain(instance: Instance, scaling: Scaling, mentor_of: np.ndarray) -> int:
    """Σ integer gain of a matching."""
    return scaling.answer_gain(instance, mentor_of)


def _drop_unused(coach_of: np.ndarray, mentor_of: np.ndarray, m: int) -> np.ndarray:
    """``coach_of`` with −1 for mentors left without mentees."""
    used = np.bincount(mentor_of[mentor_of >= 0], minlength=m) > 0
    return np.where(used, coach_of, -1).astype(np.int64)
