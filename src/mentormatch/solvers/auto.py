"""The ``auto`` policy: which method answers a problem, by its shape and size only (never by timing).

The whole choice lives here (the package docstring tables it), in this order:

1. every pair allowed, every load 1, no continuity tier and at most ``AutoOptions.hungarian_entries`` mentee ×
   slot entries (:func:`takes_hungarian`): ``hungarian``, on the instance as given;
2. every load 1: ``flow``, or ``flow-priced`` from ``AutoOptions.priced_pairs`` candidate pairs
   (:func:`takes_pricing`, which also decides whether the relaxation of step 4 is priced);
3. a load per pair: ``gap`` (``gap.py``: LP bound, tabu search, CP-SAT polish) up to ``GapOptions.max_pairs``
   pairs and ``GapOptions.max_mentees`` mentees; beyond, ``cpsat`` warm-started from the greedy answer, or that
   answer (``greedy``, with the trivial bounds) beyond ``CpsatOptions.max_pairs`` candidate pairs or when CP-SAT
   stops before finding one;
4. a load above 1: ``cpsat`` warm-started from the relaxation's repaired answer up to ``AutoOptions.cpsat_pairs``
   candidate pairs (that answer itself when it is proven optimal or CP-SAT finds none), else ``relaxation``
   (also when the combined objective is too large for CP-SAT's float64 bound).

The thresholds are fields of :class:`~mentormatch.solvers.options.AutoOptions`, with the measurements that set
them; the ``AUTO_*`` constants here are their defaults under their earlier names. Steps 3 and 4 call the methods'
own functions rather than their registry entries where they share work between two of them: one scaling fitted for
the warm start and CP-SAT, and the warm start handed to CP-SAT.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mentormatch.problem import Instance, Progress, Solution, Status
from mentormatch.solvers._common import answer_totals, candidate_counts, kept_of
from mentormatch.solvers._cpsat import search_limits
from mentormatch.solvers._registry import SOLVERS, maximised
from mentormatch.solvers._scaling import FLOAT_EXACT, Scaling, fit_scaling
from mentormatch.solvers.options import AutoOptions, SolverOptions

__all__ = [
    "solve",
    "solve_greedy",
    "greedy_solution",
    "takes_hungarian",
    "takes_pricing",
    "AUTO_CPSAT_PAIRS",
    "AUTO_PRICED_PAIRS",
    "AUTO_HUNGARIAN_ENTRIES",
]

AUTO_CPSAT_PAIRS: int = AutoOptions().cpsat_pairs
"""The default of :attr:`AutoOptions.cpsat_pairs <mentormatch.solvers.options.AutoOptions.cpsat_pairs>` (50 000),
kept under its earlier name; to change the threshold pass ``options=SolverOptions(auto=AutoOptions(...))``."""

AUTO_PRICED_PAIRS: int = AutoOptions().priced_pairs
"""The default of :attr:`AutoOptions.priced_pairs <mentormatch.solvers.options.AutoOptions.priced_pairs>`
(2 000 000), kept under its earlier name; to change the threshold pass options."""

AUTO_HUNGARIAN_ENTRIES: int = AutoOptions().hungarian_entries
"""The default of :attr:`AutoOptions.hungarian_entries
<mentormatch.solvers.options.AutoOptions.hungarian_entries>` (1 100 000), kept under its earlier name; to change
the threshold pass options."""


def takes_hungarian(instance: Instance, options: AutoOptions) -> bool:
    """Step 1: every pair allowed, every load 1, no continuity tier, and at most ``options.hungarian_entries``
    mentee × capacity-slot entries."""
    n, m = instance.shape
    if not n or not m or instance.generalised or not instance.unit_loads or instance.keep is not None:
        return False  # with current pairs (a continuity tier) ``flow`` solves it: scipy's direct path cannot
    slots = int(np.minimum(instance.capacity, n).sum())
    return n * slots <= options.hungarian_entries and bool(instance.allowed.all())


def takes_pricing(pairs: int, options: AutoOptions) -> bool:
    """Whether a transport over ``pairs`` candidate pairs is solved by pricing (``flow-priced``, and the priced
    relaxation) rather than densely: from ``options.priced_pairs`` up."""
    return pairs >= options.priced_pairs


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    options: SolverOptions | None = None,
) -> Solution:
    """The ``auto`` choice (the module docstring's steps) for ``instance`` as given, minimising or not.

    Parameters
    ----------
    instance : Instance
    time_limit : float, optional
        Seconds of CP-SAT deterministic time for the search methods (the wall clock a safety net); None: no limit.
    seed : int
        CP-SAT's seed.
    progress : callable, optional
        ``progress(stage, elapsed)`` from the method chosen.
    options : SolverOptions, optional
        The thresholds (``options.auto``) and every chosen method's knobs; None: the defaults.

    Returns
    -------
    Solution
        The chosen method's answer (``solver`` names it, ``method`` the path it took), not yet checked against
        ``instance``: ``run_solver`` does that.
    """
    options = SolverOptions() if options is None else options
    if takes_hungarian(instance, options.auto):
        return SOLVERS["hungarian"].solve(
            instance, time_limit=time_limit, seed=seed, progress=progress, options=options
        )
    return maximised(_choose, instance, time_limit=time_limit, seed=seed, progress=progress, options=options)


def _choose(
    instance: Instance,
    *,
    time_limit: float | None,
    seed: int,
    progress: Progress | None,
    options: SolverOptions,
) -> Solution:
    """Steps 2–4 for a maximising ``instance``."""
    from mentormatch.solvers import cpsat, relaxation

    pairs = int(candidate_counts(instance)[0].sum())
    if instance.unit_loads:
        name = "flow-priced" if takes_pricing(pairs, options.auto) else "flow"
        return SOLVERS[name].solve(instance, time_limit=time_limit, seed=seed, progress=progress, options=options)
    scaling = fit_scaling(instance)
    wall, deterministic = search_limits(time_limit)
    cpsat_size = instance.generalised or pairs <= options.auto.cpsat_pairs
    if instance.keep is not None and scaling.combined_high >= FLOAT_EXACT and cpsat_size:
        # With a continuity tier, CP-SAT's float64 bound takes a coarser weight scale (``_scaling``; float weights)
        scaling = fit_scaling(instance, limit=FLOAT_EXACT)
    if instance.generalised:
        from mentormatch.solvers import gap

        if gap.takes_gap(instance, options.gap) and scaling.combined_high < FLOAT_EXACT:
            # LP bound, penalty tabu search and CP-SAT polish, all within ``time_limit`` on the wall clock
            return gap.solve(
                instance, time_limit=time_limit, seed=seed, progress=progress, scaling=scaling, options=options
            )
        start = greedy_solution(instance, scaling)
        max_pairs = options.cpsat.max_pairs
        if pairs > max_pairs:
            return replace(
                start,
                message=f"greedy answer: {pairs} candidate pairs are beyond CP-SAT's "
                f"{max_pairs}; the bound is the trivial one",
                stats={"pairs": pairs},
            )
        solution = cpsat.solve(
            instance,
            time_limit=wall,
            deterministic_limit=deterministic,
            seed=seed,
            progress=progress,
            hint=start.mentor_of,
            scaling=scaling,
            options=options,
        )
        return start if solution.status is Status.NO_SOLUTION else solution
    if pairs > options.auto.cpsat_pairs or scaling.combined_high >= FLOAT_EXACT:
        return SOLVERS["relaxation"].solve(
            instance, time_limit=time_limit, seed=seed, progress=progress, options=options
        )
    start = relaxation.solve(instance, improve_pairs=0, progress=progress, scaling=scaling, options=options)
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
        options=options,
    )
    if solution.status is Status.NO_SOLUTION:
        return start
    return solution


def greedy_solution(instance: Instance, scaling: Scaling) -> Solution:
    """The greedy answer (``relaxation.greedy``) as a ``feasible`` Solution with the trivial bounds (every mentee
    with a candidate pair matched; then every one with its best weight), or ``optimal`` when it reaches them."""
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


def solve_greedy(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    options: SolverOptions | None = None,
) -> Solution:
    """The registry's ``greedy``: :func:`greedy_solution` with a scaling fitted here (no search: ``time_limit``,
    ``seed``, ``progress`` and ``options`` are not used)."""
    del time_limit, seed, progress, options
    return greedy_solution(instance, fit_scaling(instance))
