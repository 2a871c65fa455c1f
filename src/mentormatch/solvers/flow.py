"""Min-cost flow (OR-Tools ``SimpleMinCostFlow``): exact and polynomial when every workload is 1.

The network::

    mentee i ──(cap 1, cost −gain[i, j])──> mentor j ──(cap capacity[j], cost 0)──> sink
    mentee i ──(cap 1, cost 0)────────────────────────────────────────────────────> sink   (stay unmatched)

Each mentee supplies one unit and the sink absorbs them all. The bypass arc lets a mentee stay unmatched, so the
flow is a min-cost flow of fixed value, not a max-flow: the most pairs is not the most priority. Gains are the
combined integers of ``_scaling`` (priority first, then weights; with a continuity tier the kept and locked current
pairs' bonuses on their own arcs), so the min-cost flow is the lexicographic optimum.

:func:`transport` builds the same network for any supplies and per-unit gains; ``relaxation.py`` uses it with
supply = workload for the transportation relaxation of the workload > 1 problem.

Memory: arcs go to OR-Tools a block of rows at a time (int32 node indices, int64 costs), so besides OR-Tools' own
arc arrays (~80 bytes per arc) only one block's temporaries are held; answers are read back only for arcs that
carry flow. Measured on 2 cores: 20000 × 5000 with 30 M allowed pairs (float32 weights, capacities 1–6) takes
26.6 s (scaling pass 0.9 s, arcs 2.4 s, OR-Tools 23.1 s, read-out 0.2 s) at a peak RSS of 3.2 GB, 0.6 GB of which
is the instance itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from mentormatch.solvers._scaling import INT64_HEADROOM, fit_scaling

__all__ = ["solve", "transport", "Transport", "require_unit_loads"]

NAME = "flow"


def require_unit_loads(name: str, instance: Instance) -> None:
    """Raise :class:`SolverUnsuitable` for solver ``name`` unless every workload is 1."""
    if instance.generalised and not instance.unit_loads:
        raise SolverUnsuitable(
            f"solver '{name}' cannot take a load per pair (the generalised assignment "
            f"problem); use solver 'cpsat' or 'auto'"
        )
    if not instance.unit_loads:
        count = int(np.count_nonzero(instance.load != 1))
        raise SolverUnsuitable(
            f"solver '{name}' is exact only when every workload is 1 ({count} mentee"
            f"{'s have a workload' if count != 1 else ' has a workload'} above 1); use solver 'cpsat' or 'auto'"
        )


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> Solution:
    """Solve a unit-workload ``instance`` exactly by min-cost flow.

    Parameters
    ----------
    instance : Instance
        Every ``load`` must be 1.
    time_limit, seed
        Ignored: the method is polynomial and deterministic.
    progress : callable, optional
        ``progress(stage, elapsed)`` at each stage.

    Returns
    -------
    Solution
        Always ``optimal`` (to the stated weight resolution for float weights).

    Raises
    ------
    SolverUnsuitable
        A workload above 1.
    ValueError
        The gains are too large for OR-Tools' cost range.

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import Instance
    >>> inst = Instance(weights=np.array([[0.9, 0.2], [0.8, -0.5], [0.1, 0.1]]),
    ...                 allowed=np.array([[True, True], [True, True], [False, True]]),
    ...                 priority=np.array([1, 3, 1]), load=np.ones(3, int), capacity=np.array([1, 1]))
    >>> sol = solve(inst)
    >>> sol.mentor_of.tolist(), sol.priority_sum, round(sol.objective, 6)
    ([1, 0, -1], 4, 1.0)
    """
    del time_limit, seed
    require_unit_loads(NAME, instance)
    clock = Clock(progress)
    scaling = fit_scaling(instance)
    n = instance.shape[0]
    result = transport(
        instance,
        supply=np.ones(n, dtype=np.int64),
        pair_gains=lambda rows, cols: scaling.pair_gains(instance, rows, cols),
        max_unit_gain=scaling.max_gain,
        clock=clock,
        label=NAME,
    )
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[result.rows] = result.cols
    if np.unique(result.rows).size != result.rows.size or np.any(result.units != 1):
        raise SolverBug("flow: a mentee's unit was split across mentors")
    priority_sum, objective = answer_totals(instance, mentor_of)
    value = int(scaling.pair_gains(instance, result.rows, result.cols).sum())
    if value != result.gain:
        raise SolverBug(f"flow: the matching's gain {value} differs from the flow's optimum {result.gain}")
    clock.stage("flow: done")
    kept = kept_of(instance, mentor_of)
    return Solution(
        mentor_of=mentor_of,
        status=Status.OPTIMAL,
        priority_sum=priority_sum,
        objective=objective,
        priority_bound=priority_sum,
        objective_bound=objective,
        solver=NAME,
        seconds=clock.elapsed(),
        kept=kept,
        kept_bound=kept,
    )


@dataclass(frozen=True)
class Transport:
    """The pair arcs that carry flow in an optimal transport: ``units[k]`` units from ``rows[k]`` to ``cols[k]``.

    ``gain`` is the optimum Σ per-unit gain × units (the negated optimal cost), exact.
    """

    rows: np.ndarray
    cols: np.ndarray
    units: np.ndarray
    gain: int


def transport(
    instance: Instance,
    *,
    supply: np.ndarray,
    pair_gains: Callable[[np.ndarray, np.ndarray], np.ndarray],
    max_unit_gain: int,
    clock: Clock,
    label: str,
    pair_capacity: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> Transport:
    """Solve the transportation network over the candidate pairs by min-cost flow.

    Parameters
    ----------
    instance : Instance
    supply : (n,) int64
        Units each mentee sends (to mentors or through its bypass arc).
    pair_gains : callable
        ``pair_gains(rows, cols)`` → int64 per-unit gain of each pair arc (all must be ≤ ``max_unit_gain``).
    max_unit_gain : int
        A bound on |per-unit gain|, for the overflow check.
    clock : Clock
    label : str
        Names the caller in progress messages and errors.
    pair_capacity : callable, optional
        ``pair_capacity(rows, cols)`` → int64 arc capacities; default ``supply[rows]``.

    Returns
    -------
    Transport
    """
    from ortools.graph.python import min_cost_flow

    n, m = instance.shape
    sink = n + m
    num_nodes = n + m + 1
    if max_unit_gain * (num_nodes + 1) >= INT64_HEADROOM or max_unit_gain * int(supply.sum()) >= INT64_HEADROOM:
        raise ValueError(
            f"{label}: gains up to {max_unit_gain} on {num_nodes} nodes exceed OR-Tools' int64 cost "
            f"range; use smaller priority values or fewer mentees"
        )
    network = min_cost_flow.SimpleMinCostFlow()
    clock.stage(f"{label}: building arcs")
    # Pair arcs first, so arc k < num_pair_arcs is a mentee → mentor arc.
    num_pair_arcs = 0
    has_pair = np.zeros(n, dtype=bool)
    mentor_used = np.zeros(m, dtype=bool)
    for rows, cols in iter_candidate_blocks(instance):
        if rows.size == 0:
            continue
        gains = pair_gains(rows, cols)
        capacity = supply[rows] if pair_capacity is None else pair_capacity(rows, cols)
        network.add_arcs_with_capacity_and_unit_cost(
            rows, (cols + n).astype(np.int32), capacity.astype(np.int64), -gains
        )
        num_pair_arcs += rows.size
        has_pair[rows] = True
        mentor_used[cols] = True
        del gains, capacity
    # Bypass arcs (stay unmatched) and mentor → sink arcs (capacity).
    mentees = np.flatnonzero(has_pair).astype(np.int32)
    mentors = np.flatnonzero(mentor_used).astype(np.int32)
    total = int(supply[mentees].sum())
    network.add_arcs_with_capacity_and_unit_cost(
        mentees,
        np.full(mentees.size, sink, np.int32),
        supply[mentees].astype(np.int64),
        np.zeros(mentees.size, np.int64),
    )
    network.add_arcs_with_capacity_and_unit_cost(
        (mentors + n).astype(np.int32),
        np.full(mentors.size, sink, np.int32),
        np.minimum(instance.capacity[mentors], total).astype(np.int64),
        np.zeros(mentors.size, np.int64),
    )
    network.set_nodes_supplies(
        np.append(mentees, np.int32(sink)).astype(np.int32),
        np.append(supply[mentees].astype(np.int64), -total).astype(np.int64),
    )

    clock.stage(f"{label}: solving ({num_pair_arcs} pair arcs)")
    _check_status(network.solve(), label, min_cost_flow)

    clock.stage(f"{label}: reading the flow")
    arcs = _arcs_with_flow(network, num_pair_arcs)
    units = network.flows(arcs).astype(np.int64) if arcs.size else np.zeros(0, np.int64)
    rows = np.array([network.tail(int(a)) for a in arcs], dtype=np.int64)
    cols = np.array([network.head(int(a)) - n for a in arcs], dtype=np.int64)
    return Transport(rows=rows, cols=cols, units=units, gain=-int(network.optimal_cost()))


def _arcs_with_flow(network: Any, num_pair_arcs: int) -> np.ndarray:
    """Indices (int32) of the pair arcs with positive flow, read a block at a time."""
    step = 1 << 22
    found = []
    for a0 in range(0, num_pair_arcs, step):
        arcs = np.arange(a0, min(num_pair_arcs, a0 + step), dtype=np.int32)
        found.append(arcs[np.asarray(network.flows(arcs)) > 0])
    return np.concatenate(found) if found else np.zeros(0, np.int32)


def _check_status(code: Any, label: str, min_cost_flow: Any) -> None:
    """Map OR-Tools' flow status: OPTIMAL passes; BAD_COST_RANGE is bad input; anything else is a bug.

    The network is always feasible (every unit can take its bypass arc), so INFEASIBLE or UNBALANCED can only
    come from a construction error.
    """
    status = min_cost_flow.SimpleMinCostFlow
    if code == status.OPTIMAL:
        return
    if code == status.BAD_COST_RANGE:
        raise ValueError(
            f"{label}: OR-Tools rejected the cost range (BAD_COST_RANGE); the combined priority and "
            f"weight gains are too large: use smaller priority values or fewer mentees"
        )
    raise SolverBug(f"{label}: min-cost flow ended with status {getattr(code, 'name', code)}")
