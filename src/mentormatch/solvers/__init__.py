"""Solvers: one interface, one file per method, every answer checked before it leaves.

``run_solver(instance, solver)`` solves an :class:`~mentormatch.problem.Instance` and returns a verified
:class:`~mentormatch.problem.Solution`. The objective (PRODUCT.md section 4): maximise Σ priority over matched
mentees first, then Σ weights over matched pairs (minimise them when ``instance.maximize`` is False); each mentee at
most once, only allowed pairs, each mentor's Σ load ≤ capacity, with a load per mentee or per pair (the generalised
assignment problem). Solvers maximise: a minimising instance reaches them with its weights negated, and its answer
is read back (objective and bound negated) and checked again; ``hungarian`` alone takes it as it is, through
scipy's own ``maximize`` flag, so that no copy of the matrix is made.

========== ============================================================ ==========================================
solver     method                                                       takes
========== ============================================================ ==========================================
hungarian  scipy ``linear_sum_assignment``: the weights as given on a   loads all 1, expanded matrix ≤ 2 GB
           complete graph (every pair allowed) when priority cannot
           choose who is matched; else integer gains on capacity slots
           with ``+inf`` for forbidden pairs and "unmatched" columns
flow       OR-Tools min-cost flow over the allowed pairs                loads all 1
cpsat      OR-Tools CP-SAT, one Boolean per candidate pair              any loads (per mentee or per pair),
                                                                        ≤ 2 M candidate pairs
auto       chosen by the problem's shape and size (table below)         anything
========== ============================================================ ==========================================

A load per pair that is the same on all of each mentee's allowed pairs is read as a load per mentee first, so the
exact polynomial methods take it.

What ``auto`` picks (by shape and size only, never by timing; "candidate pairs" are allowed pairs whose mentee's
load fits the mentor's capacity):

========================================================== ===========================================================
problem                                                     method (``Solution.solver``)
========================================================== ===========================================================
every pair allowed, every load 1, ≤                         ``hungarian``: scipy on the weights (or their capacity
:data:`AUTO_HUNGARIAN_ENTRIES` mentee × slot entries        slots) as given; fastest there (see the constant)
every load 1, < :data:`AUTO_PRICED_PAIRS` candidate pairs   ``flow``: exact, polynomial, memory O(allowed pairs);
                                                            measured faster than ``hungarian`` with its "unmatched"
                                                            columns from 100 × 25 up (1000 × 250: 29 ms vs 0.66 s)
every load 1, more candidate pairs                          ``flow-priced`` (``pricing.py``): the flow on a few
                                                            candidate pairs, proven optimal over every allowed pair
                                                            by reduced costs; exact, O(candidates) memory
a load per pair (not per mentee)                            ``cpsat``, warm-started from a greedy answer; that answer
                                                            (``greedy``, with the trivial bounds) when CP-SAT stops
                                                            before finding one or the problem has more than
                                                            ``cpsat.MAX_PAIRS`` candidate pairs
a load above 1, ≤ :data:`AUTO_CPSAT_PAIRS` candidate pairs  ``cpsat``, warm-started from the relaxation's repaired
                                                            answer; that answer itself (``relaxation``) when it already
                                                            reaches the relaxation's bound (proven optimal), or when
                                                            CP-SAT stops before finding any answer
a load above 1, more candidate pairs (or a combined         ``relaxation``: transportation-relaxation bound, repaired
objective too large for CP-SAT's float64 bound)             answer, CP-SAT on windows of the problem (large-
                                                            neighbourhood search; ``relaxation.py``); from
                                                            :data:`AUTO_PRICED_PAIRS` candidate pairs the
                                                            relaxation is priced as in ``flow-priced``
========================================================== ===========================================================

Scaling to integers happens in one place, ``_scaling.py`` (integer weights with |w| ≤ 10**6 exact; float weights
to 1e-6 of the largest |weight| per pair). With float weights ``optimal`` means optimal to that resolution: Σ
priority is exactly optimal, and Σ weights is within (k + k*) · 0.5 · 1e-6 · max|w| of the true optimum (k, k* the
pairs in the two answers); an optimal answer reports ``objective_bound == objective``. A ``feasible`` answer's
bounds are valid outright (the rounding is added to them).

With a continuity tier (``Instance.keep``, ``locked``, ``keep_tier``; PRODUCT.md section 7) every method maximises
the same tiered integer gains (``_scaling.py``): Λ (locked current pairs kept) first, then K (current pairs kept),
Σ priority and Σ weights in ``keep_tier``'s order. Flows stay flows (the tiers are bonuses on the current pairs'
arcs), ``flow-priced`` keeps every current pair in its network, and ``auto`` takes ``flow`` where it would take
``hungarian`` (whose direct path reads the weights as given). ``Solution.kept`` is K of the answer and
``kept_bound`` a bound on it; every bound is decoded tier by tier and holds among answers that reach the tiers
above it as found, and ``optimal`` means every tier is proven. To fit int64 the weight resolution may then be
coarser than 1e-6 (``_scaling.py`` states the rule; bounds stay valid).

Reproducibility: flow, Hungarian and the greedy answer are deterministic; CP-SAT runs on one worker with
``random_seed=seed``, so the same input, solver and seed give the same answer whenever the search ends by proof or
by a deterministic limit.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import replace

import numpy as np

from mentormatch.problem import Instance, Progress, Solution, Status
from mentormatch.solvers._check import check_solution
from mentormatch.solvers._common import (
    SolverBug,
    SolverUnsuitable,
    answer_totals,
    block_rows,
    candidate_counts,
    kept_of,
    validate_instance,
)
from mentormatch.solvers._cpsat import WALL_SAFETY  # re-exported: its earlier home
from mentormatch.solvers._cpsat import search_limits as _search_limits
from mentormatch.solvers._scaling import Scaling

__all__ = [
    "SOLVER_NAMES",
    "SolverUnsuitable",
    "SolverBug",
    "run_solver",
    "check_solution",
    "AUTO_CPSAT_PAIRS",
    "AUTO_PRICED_PAIRS",
    "AUTO_HUNGARIAN_ENTRIES",
    "WALL_SAFETY",
]

SOLVER_NAMES = ("auto", "hungarian", "flow", "cpsat")
"""Valid values of ``run_solver(..., solver=...)``."""

AUTO_CPSAT_PAIRS = 50_000
"""``auto`` gives a problem with workloads above 1 to CP-SAT whole up to this many candidate pairs.

Measured (``cpsat.py``): at 45 000 pairs CP-SAT proves or nearly proves workload-1–3 instances in 20 s; at 87 000
it does not improve on its warm start in 30 s, while the relaxation's CP-SAT windows reach the priority bound.
CP-SAT's memory (~5 KB per Boolean) is 0.25 GB here."""


AUTO_HUNGARIAN_ENTRIES = 1_100_000
"""``auto`` solves a problem with every pair allowed and every load 1 by ``hungarian`` (scipy on the weights as
given, or on their capacity slots) up to this many mentee × slot entries.

Measured (``benchmarks/results/assign_grid.md``, costs 0..1000): at 1000 × 1000 scipy takes 0.06 / 0.77 / 0.24 s
on uniform / correlated / structured costs where the dense flow takes 0.64 / 0.78 / 0.59 s; at 2000 × 2000 it is
0.27 / 6.2 / 1.1 s against ``flow-priced``'s 0.45 / 3.1 / 1.6 s, and beyond that ``flow-priced`` wins on every kind
(4000 × 4000: 2.7 / 34 / 7.1 s against 1.2 / 7.9 / 2.6 s)."""


AUTO_PRICED_PAIRS = 2_000_000
"""From this many candidate pairs, ``auto`` solves unit-workload problems by ``pricing.py`` (a flow on a few
candidate pairs, proven optimal over all of them by reduced costs) instead of the dense flow; the relaxation of the
workload > 1 path is priced the same way from this size.

Measured: 20000 × 5000 with 31 M pairs, 11.6 s and 0.76 GB against 27 s and 3.1 GB dense; below about a million
pairs the dense flow is as fast or faster (1000 × 250: 0.09 s against 0.13 s)."""


def run_solver(
    instance: Instance,
    solver: str = "auto",
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Solution:
    """Solve ``instance`` with the named solver and return the checked answer.

    Parameters
    ----------
    instance : Instance
    solver : {"auto", "hungarian", "flow", "cpsat"}
        See the module docstring for what each takes and what ``auto`` picks.
    time_limit : float, optional
        Seconds for search methods (CP-SAT), counted in CP-SAT's deterministic time so that reruns are
        reproducible (see :data:`WALL_SAFETY`); polynomial methods run to the end. None: no limit.
    seed : int
        Seed for CP-SAT (0 ≤ seed < 2**31); the same input, solver and seed give the same answer.
    progress : callable, optional
        ``progress(stage, elapsed_seconds)`` at major stages. Nothing is printed.

    Returns
    -------
    Solution
        Checked by :func:`check_solution`.

    Raises
    ------
    ValueError
        An unknown solver name (listing the valid ones), an invalid instance, time limit or seed.
    SolverUnsuitable
        The chosen solver cannot take this problem; the message names one that can.
    SolverBug
        An answer broke a rule (an internal error).

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import Instance
    >>> inst = Instance(weights=np.array([[0.9, 0.4], [0.8, 0.1]]), allowed=np.array([[True, True], [True, False]]),
    ...                 priority=np.array([1, 2]), load=np.array([1, 1]), capacity=np.array([1, 1]))
    >>> sol = run_solver(inst)
    >>> sol.mentor_of.tolist(), sol.priority_sum, round(sol.objective, 6), str(sol.status), sol.solver
    ([1, 0], 3, 1.2, 'optimal', 'flow')
    >>> run_solver(inst, "simplex")
    Traceback (most recent call last):
    ...
    ValueError: unknown solver 'simplex'; valid solvers: 'auto', 'hungarian', 'flow', 'cpsat'
    """
    if solver not in SOLVER_NAMES:
        valid = ", ".join(repr(name) for name in SOLVER_NAMES)
        raise ValueError(f"unknown solver {solver!r}; valid solvers: {valid}")
    if time_limit is not None and not time_limit >= 0:
        raise ValueError(f"time_limit must be None or a number ≥ 0, got {time_limit!r}")
    if not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**31:
        raise ValueError(f"seed must be an integer in 0..2**31-1 (CP-SAT's random_seed), got {seed!r}")
    validate_instance(instance)
    start_time = time.perf_counter()
    instance = _per_mentee_load(instance)
    if solver == "hungarian" or (solver == "auto" and _auto_takes_hungarian(instance)):
        from mentormatch.solvers import hungarian

        # The one method that takes a minimising instance itself (scipy's own ``maximize`` flag, no copy).
        solution = hungarian.solve(instance, progress=progress)
        check_solution(instance, solution)
        return replace(solution, seconds=time.perf_counter() - start_time)
    work = instance.maximising()
    if solver == "auto":
        solution = _auto(work, time_limit=time_limit, seed=int(seed), progress=progress)
    elif solver == "flow":
        from mentormatch.solvers import flow

        solution = flow.solve(work, progress=progress)
    else:
        from mentormatch.solvers import cpsat

        wall, deterministic = _search_limits(time_limit)
        solution = cpsat.solve(
            work,
            time_limit=wall,
            deterministic_limit=deterministic,
            seed=int(seed),
            progress=progress,
            hint=_warm_start(work),
        )
    check_solution(work, solution)
    if work is not instance:
        solution = _negated(solution)
        check_solution(instance, solution)
    # ``seconds`` covers everything run for this answer, warm starts included.
    return replace(solution, seconds=time.perf_counter() - start_time)


def _auto_takes_hungarian(instance: Instance) -> bool:
    """``auto``'s first row: every pair allowed, every load 1, and at most :data:`AUTO_HUNGARIAN_ENTRIES` mentee ×
    capacity-slot entries."""
    n, m = instance.shape
    if not n or not m or instance.generalised or not instance.unit_loads or instance.keep is not None:
        return False  # with current pairs (a continuity tier) ``flow`` solves it: scipy's direct path cannot
    slots = int(np.minimum(instance.capacity, n).sum())
    return n * slots <= AUTO_HUNGARIAN_ENTRIES and bool(instance.allowed.all())


def _per_mentee_load(instance: Instance) -> Instance:
    """A per-pair load that is the same on all of each mentee's allowed pairs is a per-mentee load: return the
    instance with the 1-D load (so that flow and the transport relaxation can take it), else unchanged."""
    if not instance.generalised:
        return instance
    n, m = instance.shape
    load = np.ones(n, dtype=np.int64)  # a mentee without allowed pairs: any load will do
    step = block_rows(m)
    for r0 in range(0, n, step):
        block = instance.load[r0 : r0 + step].astype(np.int64)
        allowed = instance.allowed[r0 : r0 + step]
        high = np.where(allowed, block, 0).max(axis=1, initial=0)
        low = np.where(allowed, block, high[:, None]).min(axis=1) if m else high
        if np.any(low != high):
            return instance
        load[r0 : r0 + step] = np.where(allowed.any(axis=1), high, 1)
    return replace(instance, load=load)


def _warm_start(instance: Instance) -> np.ndarray:
    """A feasible answer for CP-SAT to start from: the relaxation repaired (no search), or greedy per pair."""
    from mentormatch.solvers import relaxation

    if instance.generalised:
        return relaxation.greedy(instance)
    return relaxation.solve(instance, improve_pairs=0).mentor_of


def _negated(solution: Solution) -> Solution:
    """A solution of the negated (maximising) instance read back for the minimising one."""
    bound = solution.objective_bound
    # ``0.0 - x`` rather than ``-x``: no answer's objective reads 0.0, not -0.0.
    return replace(solution, objective=0.0 - solution.objective, objective_bound=None if bound is None else 0.0 - bound)


def _auto(instance: Instance, *, time_limit: float | None, seed: int, progress: Progress | None) -> Solution:
    """The ``auto`` choice of the module docstring's table."""
    from mentormatch.solvers import cpsat, flow, relaxation
    from mentormatch.solvers._scaling import FLOAT_EXACT, fit_scaling

    pairs = int(candidate_counts(instance)[0].sum())
    if instance.unit_loads:
        if pairs >= AUTO_PRICED_PAIRS:
            from mentormatch.solvers import pricing

            return pricing.solve(instance, progress=progress)
        return flow.solve(instance, progress=progress)
    scaling = fit_scaling(instance)
    wall, deterministic = _search_limits(time_limit)
    cpsat_size = instance.generalised or pairs <= AUTO_CPSAT_PAIRS
    if instance.keep is not None and scaling.combined_high >= FLOAT_EXACT and cpsat_size:
        # With a continuity tier, CP-SAT's float64 bound takes a coarser weight scale (``_scaling``; float weights)
        scaling = fit_scaling(instance, limit=FLOAT_EXACT)
    if instance.generalised:
        start = _greedy_solution(instance, scaling)
        if pairs > cpsat.MAX_PAIRS:
            return replace(
                start,
                message=f"greedy answer: {pairs} candidate pairs are beyond CP-SAT's "
                f"{cpsat.MAX_PAIRS}; the bound is the trivial one",
            )
        solution = cpsat.solve(
            instance,
            time_limit=wall,
            deterministic_limit=deterministic,
            seed=seed,
            progress=progress,
            hint=start.mentor_of,
            scaling=scaling,
        )
        return start if solution.status is Status.NO_SOLUTION else solution
    if pairs > AUTO_CPSAT_PAIRS or scaling.combined_high >= FLOAT_EXACT:
        return relaxation.solve(
            instance, time_limit=wall, deterministic_limit=deterministic, seed=seed, progress=progress
        )
    start = relaxation.solve(instance, improve_pairs=0, progress=progress, scaling=scaling)
    if start.status is Status.OPTIMAL:
        return start
    solution = cpsat.solve(
        instance,
        time_limit=wall,
        deterministic_limit=deterministic,
        seed=seed,
        progress=progress,
        hint=start.mentor_of,
        scaling=scaling,
    )
    if solution.status is Status.NO_SOLUTION:
        return start
    return solution


def _greedy_solution(instance: Instance, scaling: Scaling) -> Solution:
    """The greedy answer as a ``feasible`` Solution with the trivial bounds (every mentee with a candidate pair
    matched; then every one with its best weight), or ``optimal`` when it reaches them."""
    from mentormatch.solvers import relaxation

    mentor_of = relaxation.greedy(instance)
    priority_sum, objective = answer_totals(instance, mentor_of)
    kept = kept_of(instance, mentor_of)
    priority_bound, objective_bound, kept_bound = scaling.solution_bounds(
        scaling.combined_high, scaling.tiers(instance, mentor_of), objective
    )
    optimal = objective_bound == objective and (kept is None or kept_bound == kept)
    return Solution(
        mentor_of=mentor_of,
        status=Status.OPTIMAL if optimal else Status.FEASIBLE,
        priority_sum=priority_sum,
        objective=objective,
        priority_bound=priority_bound,
        objective_bound=objective_bound,
        solver="greedy",
        seconds=0.0,
        message="greedy answer with the trivial bounds",
        kept=kept,
        kept_bound=kept_bound,
    )
