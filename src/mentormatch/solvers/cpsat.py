"""CP-SAT: exact for any workloads (capacity as a knapsack constraint), with a bound when stopped early.

The model has one Boolean per candidate pair and nothing else::

    maximise   Σ gain[i, j] · x[i, j]                 gain = priority · big + w_int (+ the continuity tier's
                                                      bonuses on current pairs; see ``_scaling``)
    subject to Σ_j x[i, j] ≤ 1                        each mentee at most once
               Σ_i load[i, j] · x[i, j] ≤ capacity[j] each mentor's capacity (load[i] when 1-D)

Variables exist only for candidate pairs (allowed, and the pair's load ≤ ``capacity[j]``); a mentor whose candidates'
loads fit its capacity gets no capacity constraint. The model is written straight into CP-SAT's proto from numpy
arrays, so no Python loop runs over pairs (loops run over mentees and mentors only).

Parameters (measured on 2 cores; see :data:`PARAMETERS`, set in ``_cpsat.py``)
------------------------------------------------------------------------------
One worker with the ``max_lp`` subsolver (full LP relaxation, plus CP-SAT's interleaved LNS helpers, run in turn
on one thread). One worker makes the search deterministic for a given ``seed``; ``max_lp`` keeps the assignment
rows and capacity rows in the LP, which is what proves these models. Wall times (best answer / bound):

=================================== ============== ============== ============= ==================================
instance                            1 worker,      2 workers      2 workers,    2 workers, subsolvers max_lp +
                                    max_lp         default        interleaved   default_lp (not reproducible)
=================================== ============== ============== ============= ==================================
100 × 100, workload 1, capacity 1   0.9 s, 1.3 s   0.8 s, 0.9 s   0.9 s, 1.2 s  0.9 s, 1.0 s
300 × 300, workload 1, capacity 1   6.6 s, 6.7 s   9.3 s, 13.6 s  not in 30 s   7.9 s, 7.6 s
150 × 40, workloads 1–3             0.6 s                         4.2–8.8 s     1.1 s
600 × 150, workloads 1–3, 20 s      optimal;       —              Σ priority    —
(45 000 pairs, warm-started)        gap 4e-6                      945 / 973,
                                                                  927 / 963
1500 × 300, workloads 1–3, 30 s     no gain over the warm start in any set-up (hence ``relaxation.py`` beyond
(87 000 pairs)                      ~50 000 pairs)
=================================== ============== ============== ============= ==================================

A run that ends by proof, or by ``deterministic_limit``, is reproducible byte for byte. A run cut by the wall-clock
``time_limit`` returns the best answer found by then, which may differ between runs when the cut falls between
two improvements (pass ``deterministic_limit`` as well when that matters). :func:`run` is CP-SAT as
``run_solver(..., "cpsat")`` runs it: a time limit in deterministic seconds, warm-started.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mentormatch.problem import Instance, Progress, Solution, Status
from mentormatch.solvers._common import (
    Clock,
    SolverBug,
    SolverUnsuitable,
    answer_totals,
    iter_candidate_blocks,
    kept_of,
)
from mentormatch.solvers._cpsat import PARAMETERS, new_solver, search_limits, status_of  # PARAMETERS: re-exported
from mentormatch.solvers._scaling import FLOAT_EXACT, Scaling, fit_scaling
from mentormatch.solvers.options import CpsatOptions, SolverOptions

__all__ = ["solve", "run", "PARAMETERS", "MAX_PAIRS"]

# The defaults of options.CpsatOptions, kept under their earlier public names (read them;
# tune a solve with ``run_solver(..., options=SolverOptions(...))``: setting these changes nothing).
MAX_PAIRS = CpsatOptions().max_pairs

NAME = "cpsat"


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    hint: np.ndarray | None = None,
    deterministic_limit: float | None = None,
    scaling: Scaling | None = None,
    stats: dict[str, float] | None = None,
    options: SolverOptions | None = None,
) -> Solution:
    """Solve ``instance`` with CP-SAT.

    Parameters
    ----------
    instance : Instance
    time_limit : float, optional
        Wall-clock seconds (``max_time_in_seconds``); None for no limit.
    seed : int
        ``random_seed``.
    progress : callable, optional
        ``progress(stage, elapsed)``; during the search at most once a second as ``"cpsat: best ..."``.
    hint : (n,) int array, optional
        A warm start (``mentor_of``, −1 unmatched). Pairs that are not candidates are ignored.
    deterministic_limit : float, optional
        CP-SAT's ``max_deterministic_time``: a limit that stops at the same point in every run.
    scaling : Scaling, optional
        Reuse a scaling already fitted to ``instance``. Default: fitted here; with a continuity tier and float
        weights at a weight scale whose combined objective CP-SAT's float64 bound holds exactly (``fit_scaling``'s
        ``limit``).
    stats : dict, optional
        Filled with CP-SAT's ``deterministic_time`` and ``wall_time`` of the search.
    options : SolverOptions, optional
        ``options.cpsat`` (:class:`~mentormatch.solvers.options.CpsatOptions`): the pair limit and how often
        progress is reported; None: the defaults.

    Returns
    -------
    Solution
        ``optimal`` when proven; ``feasible`` with the bound split into Σ priority and Σ weights; ``no_solution``
        when stopped before any answer. ``stats``: ``pairs`` (pair variables) and ``deterministic_time``.

    Raises
    ------
    SolverUnsuitable
        More than ``options.cpsat.max_pairs`` candidate pairs.
    ValueError
        The combined objective cannot be read back exactly from CP-SAT's float64 bound.

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import Instance
    >>> inst = Instance(weights=np.array([[5, 1], [4, 3], [1, 2]]), allowed=np.ones((3, 2), bool),
    ...                 priority=np.array([1, 1, 2]), load=np.array([2, 1, 1]), capacity=np.array([2, 1]))
    >>> sol = solve(inst)
    >>> sol.mentor_of.tolist(), sol.priority_sum, sol.objective, str(sol.status)
    ([0, -1, 1], 3, 7.0, 'optimal')
    """
    from ortools.sat.python import cp_model

    knobs = (options or SolverOptions()).cpsat
    clock = Clock(progress)
    clock.stage("cpsat: building the model")
    # --- data: candidate pairs (row-major) and their integer gains
    if scaling is None:
        scaling = fit_scaling(instance, limit=FLOAT_EXACT if instance.keep is not None else None)
    scaling.require(FLOAT_EXACT, "CP-SAT's float64 objective bound")
    rows, cols = _candidate_pairs(instance)
    if rows.size > knobs.max_pairs:
        raise SolverUnsuitable(
            f"solver 'cpsat' would need a variable for each of {rows.size} candidate pairs (limit {knobs.max_pairs}, "
            f"about 5 KB each); use solver 'auto'" + (" or 'flow'" if instance.unit_loads else "")
        )
    gains = scaling.pair_gains(instance, rows, cols)

    # --- variables: x[k] ∈ {0, 1}, pair k = (rows[k], cols[k]) is matched
    model = cp_model.CpModel()
    _add_pair_variables(model, rows.size)
    # --- constraints
    _add_one_mentor_per_mentee(model, rows, instance.shape[0])
    _add_mentor_capacity(model, cols, instance.pair_load(rows, cols), instance.capacity)
    # --- objective: maximise Σ gain · x
    _set_objective(model, gains)
    if hint is not None:
        _add_hint(model, rows, cols, hint)

    # --- solve
    solver = new_solver(seed=seed, wall=time_limit, deterministic=deterministic_limit)
    clock.stage(f"cpsat: solving ({rows.size} pair variables)")
    if progress is not None:
        callback = _progress_callback(cp_model, clock, scaling, instance, rows, cols, knobs.progress_every)
        code = solver.solve(model, callback)
    else:
        code = solver.solve(model)

    # --- read out
    if stats is not None:
        stats.update(deterministic_time=solver.deterministic_time, wall_time=solver.wall_time)
    numbers = {"pairs": int(rows.size), "deterministic_time": float(solver.deterministic_time)}
    status = status_of(code, solver, NAME)
    mentor_of = np.full(instance.shape[0], -1, dtype=np.int64)
    if status is Status.NO_SOLUTION:
        return Solution(
            mentor_of=mentor_of,
            status=status,
            priority_sum=0,
            objective=0.0,
            priority_bound=None,
            objective_bound=None,
            solver=NAME,
            seconds=clock.elapsed(),
            message="stopped by the time limit before an answer was found",
            kept=kept_of(instance, mentor_of),
            stats=numbers,
        )
    chosen = np.asarray(solver.response_proto.solution, dtype=np.int64).astype(bool)
    mentor_of[rows[chosen]] = cols[chosen]
    priority_sum, objective = answer_totals(instance, mentor_of)
    value = int(gains[chosen].sum())
    if value != round(solver.objective_value):
        raise SolverBug(f"cpsat: the answer's gain {value} differs from CP-SAT's objective {solver.objective_value}")
    kept = kept_of(instance, mentor_of)
    objective_bound: float | None
    if status is Status.OPTIMAL:
        priority_bound, objective_bound, kept_bound = priority_sum, objective, kept
    else:
        # An integer objective's bound is integral; the 1e-6 absorbs float noise (an upper bound may only grow).
        combined_bound = min(scaling.combined_high, math.floor(solver.best_objective_bound + 1e-6))
        priority_bound, objective_bound, kept_bound = scaling.solution_bounds(
            max(combined_bound, value), scaling.tiers(instance, mentor_of), objective
        )
    clock.stage("cpsat: done")
    return Solution(
        mentor_of=mentor_of,
        status=status,
        priority_sum=priority_sum,
        objective=objective,
        priority_bound=priority_bound,
        objective_bound=objective_bound,
        solver=NAME,
        seconds=clock.elapsed(),
        kept=kept,
        kept_bound=kept_bound,
        stats=numbers,
    )


def run(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    options: SolverOptions | None = None,
) -> Solution:
    """CP-SAT as ``run_solver(..., "cpsat")`` runs it: :func:`solve` stopped after ``time_limit`` seconds of
    CP-SAT's deterministic time (the wall clock a safety net, ``_cpsat.search_limits``), warm-started from a
    feasible answer found without search: the relaxation's repaired answer, or the greedy one with a load per
    pair."""
    from mentormatch.solvers import relaxation

    wall, deterministic = search_limits(time_limit)
    if instance.generalised:
        hint = relaxation.greedy(instance)
    else:
        hint = relaxation.solve(instance, improve_pairs=0, options=options).mentor_of
    return solve(
        instance,
        time_limit=wall,
        deterministic_limit=deterministic,
        seed=seed,
        progress=progress,
        hint=hint,
        options=options,
    )


def _candidate_pairs(instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    """All candidate pairs, row-major, as int32 index arrays."""
    blocks = list(iter_candidate_blocks(instance))
    if not blocks:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    return np.concatenate([rows for rows, _ in blocks]), np.concatenate([cols for _, cols in blocks])


def _add_pair_variables(model: Any, count: int) -> None:
    """x[k] ∈ {0, 1} for each candidate pair k, as proto variables 0..count-1 (one text block, no Python loop)."""
    if count:
        model.proto.merge_text_format("variables { domain: [0, 1] }\n" * count)


def _add_one_mentor_per_mentee(model: Any, rows: np.ndarray, n: int) -> None:
    """Each mentee at most once: at_most_one(x[k] for the mentee's pairs), for mentees with two or more pairs."""
    starts = np.searchsorted(rows, np.arange(n + 1))
    for i in np.flatnonzero(np.diff(starts) > 1):
        model.proto.constraints.add().at_most_one.literals.extend(range(int(starts[i]), int(starts[i + 1])))


def _add_mentor_capacity(model: Any, cols: np.ndarray, pair_load: np.ndarray, capacity: np.ndarray) -> None:
    """Each mentor's capacity: Σ load · x[k] ≤ capacity[j] over the mentor's pairs k, where it can bind."""
    order = np.argsort(cols, kind="stable")
    starts = np.searchsorted(cols[order], np.arange(capacity.size + 1))
    demand = np.bincount(cols, weights=pair_load, minlength=capacity.size)
    for j in np.flatnonzero(demand > capacity):
        pairs = order[starts[j] : starts[j + 1]]
        linear = model.proto.constraints.add().linear
        linear.vars.extend(pairs.tolist())
        linear.coeffs.extend(pair_load[pairs].tolist())
        linear.domain.extend([0, int(capacity[j])])


def _set_objective(model: Any, gains: np.ndarray) -> None:
    """Maximise Σ gain[k] · x[k] (the proto minimises, so coefficients are negated and scaling_factor is −1)."""
    objective = model.proto.objective
    objective.vars.extend(range(gains.size))
    objective.coeffs.extend((-gains).tolist())
    objective.scaling_factor = -1.0


def _add_hint(model: Any, rows: np.ndarray, cols: np.ndarray, hint: np.ndarray) -> None:
    """A complete warm start: x[k] = 1 where the hint matches pair k, else 0."""
    values = (hint[rows] == cols).astype(np.int64)
    model.proto.solution_hint.vars.extend(range(rows.size))
    model.proto.solution_hint.values.extend(values.tolist())


def _progress_callback(
    cp_model: Any,
    clock: Clock,
    scaling: Scaling,
    instance: Instance,
    rows: np.ndarray,
    cols: np.ndarray,
    every: float,
) -> Any:
    """A solution callback reporting the best Σ priority and Σ weights (and K with a continuity tier), at most once
    per ``every`` seconds."""

    class _Progress(cp_model.CpSolverSolutionCallback):  # type: ignore[misc]  # OR-Tools' class is untyped
        def __init__(self) -> None:
            super().__init__()
            self.last = -math.inf

        def on_solution_callback(self) -> None:
            now = clock.elapsed()
            if now - self.last < every:
                return
            self.last = now
            if scaling.keep_tier is None:
                value = round(self.objective_value)
                priority = (value - scaling.weight_low) // scaling.big
                weights = (value - priority * scaling.big) / scaling.scale
                clock.stage(f"cpsat: best priority {priority}, objective {weights:.6g}")
                return
            # the tiers are read from the answer itself (Λ's multiplier need not be a mixed-radix digit)
            chosen = np.asarray(self.response_proto.solution, dtype=np.int64)[: rows.size].astype(bool)
            mentor_of = np.full(instance.shape[0], -1, dtype=np.int64)
            mentor_of[rows[chosen]] = cols[chosen]
            tiers = scaling.tiers(instance, mentor_of)
            clock.stage(
                f"cpsat: best priority {tiers.priority}, objective {tiers.weight / scaling.scale:.6g}, "
                f"kept {tiers.kept}"
            )

    return _Progress()
