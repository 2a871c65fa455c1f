"""Solvers: one interface, one file per method, every answer checked before it leaves.

``run_solver(instance, solver)`` solves an :class:`~mentormatch.problem.Instance` and returns a verified
:class:`~mentormatch.problem.Solution`. The objective (PRODUCT.md section 4): maximise Σ priority over matched
mentees first, then Σ weights over matched pairs (minimise them when ``instance.maximize`` is False); each mentee at
most once, only allowed pairs, each mentor's Σ load ≤ capacity, with a load per mentee or per pair (the generalised
assignment problem). Solvers maximise: a minimising instance reaches them with its weights negated, and its answer
is read back (objective and bound negated) and checked again; ``hungarian`` alone takes it as it is, through
scipy's own ``maximize`` flag, so that no copy of the matrix is made.

The registry (``SOLVERS``, ``_registry.py``) holds every method by name, each called the same way:
``solve(instance, *, time_limit, seed, progress, options) -> Solution``; its public entries are ``SOLVER_NAMES``:

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
auto       chosen by the problem's shape and size (table below;         anything
           ``auto.py``)
========== ============================================================ ==========================================

Tuning knobs (``options.py``) are frozen dataclasses gathered in :class:`SolverOptions` and passed as
``run_solver(..., options=...)`` (None: the defaults), each field documented with the measurement that set it.

A load per pair that is the same on all of each mentee's allowed pairs is read as a load per mentee first, so the
exact polynomial methods take it.

What ``auto`` picks (``auto.py``; by shape and size only, never by timing; "candidate pairs" are allowed pairs whose
mentee's load fits the mentor's capacity; the thresholds are :class:`AutoOptions` fields, their defaults also
:data:`AUTO_HUNGARIAN_ENTRIES`, :data:`AUTO_PRICED_PAIRS` and :data:`AUTO_CPSAT_PAIRS`):

========================================================== ===========================================================
problem                                                     method (``Solution.solver``)
========================================================== ===========================================================
every pair allowed, every load 1, ≤ ``hungarian_entries``   ``hungarian``: scipy on the weights (or their capacity
mentee × slot entries (no continuity tier)                  slots) as given; fastest there (see the field)
every load 1, < ``priced_pairs`` candidate pairs            ``flow``: exact, polynomial, memory O(allowed pairs);
                                                            measured faster than ``hungarian`` with its "unmatched"
                                                            columns from 100 × 25 up (1000 × 250: 29 ms vs 0.66 s)
every load 1, more candidate pairs                          ``flow-priced`` (``pricing.py``): the flow on a few
                                                            candidate pairs, proven optimal over every allowed pair
                                                            by reduced costs; exact, O(candidates) memory
a load per pair (not per mentee), ≤ ``GapOptions``          ``gap`` (``gap.py``): LP bound (as a Lagrangian bound,
``max_pairs`` pairs and ``max_mentees`` mentees             valid for any duals), a short CP-SAT probe up to 2 000
                                                            pairs, a penalty tabu search of shifts and swaps, CP-SAT
                                                            polish from the best answer; ``Solution.method`` names
                                                            the steps (``gap+lp+probe+tabu+cpsat``)
a load per pair, larger                                     ``cpsat``, warm-started from a greedy answer; that answer
                                                            (``greedy``, with the trivial bounds) when CP-SAT stops
                                                            before finding one or the problem has more than
                                                            ``CpsatOptions.max_pairs`` candidate pairs
a load above 1, ≤ ``cpsat_pairs`` candidate pairs           ``cpsat``, warm-started from the relaxation's repaired
                                                            answer; that answer itself (``relaxation``) when it already
                                                            reaches the relaxation's bound (proven optimal), or when
                                                            CP-SAT stops before finding any answer
a load above 1, more candidate pairs (or a combined         ``relaxation``: transportation-relaxation bound, repaired
objective too large for CP-SAT's float64 bound)             answer, CP-SAT on windows of the problem (large-
                                                            neighbourhood search; ``relaxation.py``); from
                                                            ``priced_pairs`` candidate pairs the relaxation is
                                                            priced as in ``flow-priced``
========================================================== ===========================================================

Which path ran is ``Solution.method`` (a short stable name, steps joined by ``+``), with its numbers in
``Solution.stats`` (read-only); ``Solution.message`` says the same in words for people:

================================= ================================================================================
``method``                        path (``stats``)
================================= ================================================================================
``hungarian``                     scipy on integer gains over capacity slots
``hungarian-direct``              scipy on the weights as given (complete graph, priority cannot choose who)
``flow``                          the dense min-cost flow
``flow-priced``                   the flow on a few candidate pairs, proven by pricing (``rounds``,
                                  ``flow_solves``, ``candidates`` in the last network, ``candidate_pairs``)
``flow-priced+dense``             pricing gave up (after ``max_rounds`` rounds, or the candidates grew past
                                  ``max_candidate_fraction``): the dense flow answered (the same stats)
``cpsat``                         CP-SAT on the whole problem (``pairs``, ``deterministic_time``)
``greedy``                        the greedy answer with the trivial bounds (``pairs`` when beyond CP-SAT's limit)
``gap+lp[+probe][+tabu][+cpsat]`` a load per pair (``gap.py``): the LP's Lagrangian bound; ``+probe``: a short
                                  CP-SAT run from the greedy answer; ``+tabu``: the penalty tabu search;
                                  ``+cpsat``: CP-SAT polish from the best answer (``iterations``, ``lp_bound``,
                                  ``gain_bound``, ``cpsat_deterministic_time``)
``relaxation[+priced[+dense]]``   the relaxation's bound and repaired answer; ``+priced``: the relaxation solved
``[+strengthened][+dive]``        by pricing (``+dense``: it gave up); ``+strengthened``: each mentor's cases of
``[+cpsat-proof][+windows]``      workload w ≥ 2 pass a node of capacity w⌊capacity / w⌋ (a tighter bound, still a
``[+priority-bound]``             network); ``+dive``: the answer came from an LP dive (each split case fixed to
                                  its largest share, re-solved; ``dive_rounds``); ``+cpsat-proof``: one CP-SAT
                                  window held the whole problem and proved it; ``+windows``: CP-SAT windows
                                  improved the answer; ``+priority-bound``: the priority-only relaxation proved Σ
                                  priority (``multiplier``, pricing's stats when priced, ``windows`` solved)
``<method>+coaches``              the coach tier (``solvers.coaches``) over the coach-free ``<method>``;
``[+choice][+supervision]``       ``+choice``: coaches chosen for every mentor and the flow re-solved through them
``[+repair][+lagrange]``          (unit workloads; ``choice_rounds``); ``+supervision``: greedy coaches lost gain
                                  and CP-SAT re-chose on the same pairs; ``+repair``: the wider CP-SAT model ran
                                  (``repair_pairs``, ``exact_model``); ``+lagrange``: a Lagrangian bound was
                                  computed (``fewer_matched``, ``placed_differently`` when the coach rules bind)
================================= ================================================================================

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

from mentormatch.problem import Instance, Progress, Solution
from mentormatch.solvers._check import check_solution
from mentormatch.solvers._common import SolverBug, SolverUnsuitable, block_rows, validate_instance
from mentormatch.solvers._cpsat import WALL_SAFETY  # re-exported: its earlier home
from mentormatch.solvers._registry import SOLVERS, Method, SolveFunction
from mentormatch.solvers.auto import AUTO_CPSAT_PAIRS, AUTO_HUNGARIAN_ENTRIES, AUTO_PRICED_PAIRS
from mentormatch.solvers.options import (
    AutoOptions,
    CoachOptions,
    CpsatOptions,
    GapOptions,
    HungarianOptions,
    PricingOptions,
    RelaxationOptions,
    SolverOptions,
)

__all__ = [
    "SOLVER_NAMES",
    "SOLVERS",
    "Method",
    "SolveFunction",
    "SolverOptions",
    "AutoOptions",
    "HungarianOptions",
    "CpsatOptions",
    "PricingOptions",
    "RelaxationOptions",
    "GapOptions",
    "CoachOptions",
    "SolverUnsuitable",
    "SolverBug",
    "run_solver",
    "check_solution",
    "AUTO_CPSAT_PAIRS",
    "AUTO_PRICED_PAIRS",
    "AUTO_HUNGARIAN_ENTRIES",
    "WALL_SAFETY",
]

SOLVER_NAMES: tuple[str, ...] = tuple(name for name, method in SOLVERS.items() if method.public)
"""Valid values of ``run_solver(..., solver=...)``: the registry's public entries."""


def run_solver(
    instance: Instance,
    solver: str = "auto",
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    options: SolverOptions | None = None,
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
    options : SolverOptions, optional
        The solvers' tuning knobs (``auto``'s thresholds among them); None: the defaults.

    Returns
    -------
    Solution
        Checked by :func:`check_solution`; ``method`` and ``stats`` say which path ran (module docstring).

    Raises
    ------
    ValueError
        An unknown solver name (listing the valid ones), an invalid instance, time limit, seed or options.
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
    if options is None:
        options = SolverOptions()
    elif not isinstance(options, SolverOptions):
        raise ValueError(f"options must be None or a SolverOptions, got {type(options).__name__}")
    validate_instance(instance)
    start_time = time.perf_counter()
    instance = _per_mentee_load(instance)
    solution = SOLVERS[solver].solve(
        instance, time_limit=time_limit, seed=int(seed), progress=progress, options=options
    )
    check_solution(instance, solution)
    # ``seconds`` covers everything run for this answer, warm starts included.
    return replace(solution, seconds=time.perf_counter() - start_time)


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
