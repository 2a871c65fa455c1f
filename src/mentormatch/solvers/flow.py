"""Min-cost flow (OR-Tools ``SimpleMinCostFlow``): exact and polynomial when every workload is 1.

The network::

    mentee i ──(cap 1, cost −gain[i, j])──> mentor j ──(cap capacity[j], cost 0)──> sink
    mentee i ──(cap 1, cost 0)────────────────────────────────────────────────────> sink   (stay unmatched)

Each mentee supplies one unit and the sink absorbs them all. The bypass arc lets a mentee stay unmatched, so the
flow is a min-cost flow of fixed value, not a max-flow: the most pairs is not the most priority. Gains are the
combined integers of ``_scaling`` (priority first, then weights; with a continuity tier the kept and locked current
pairs' bonuses on their own arcs), so the min-cost flow is the lexicographic optimum.

:func:`transport` (``_network.py``, re-exported here) builds the same network for any supplies and per-unit
gains; ``relaxation.py`` uses it with supply = workload for the transportation relaxation of the workload > 1
problem.

Memory: arcs go to OR-Tools a block of rows at a time (int32 node indices, int64 costs), so besides OR-Tools' own
arc arrays (~80 bytes per arc) only one block's temporaries are held; answers are read back only for arcs that
carry flow. Measured on 2 cores: 20000 × 5000 with 30 M allowed pairs (float32 weights, capacities 1–6) takes
26.6 s (scaling pass 0.9 s, arcs 2.4 s, OR-Tools 23.1 s, read-out 0.2 s) at a peak RSS of 3.2 GB, 0.6 GB of which
is the instance itself.
"""

from __future__ import annotations

import numpy as np

from mentormatch.problem import Instance, Progress, Solution
from mentormatch.solvers._common import Clock, SolverBug, SolverUnsuitable, optimal_solution
from mentormatch.solvers._network import Transport, transport  # re-exported: their earlier home
from mentormatch.solvers._scaling import fit_scaling
from mentormatch.solvers.options import SolverOptions

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
    options: SolverOptions | None = None,
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
    options : SolverOptions, optional
        Ignored: the method has no knobs (accepted so that every solver is called the same way).

    Returns
    -------
    Solution
        Always ``optimal`` (to the stated weight resolution for float weights); ``method`` ``"flow"``.

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
    del time_limit, seed, options
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
    value = int(scaling.pair_gains(instance, result.rows, result.cols).sum())
    if value != result.gain:
        raise SolverBug(f"flow: the matching's gain {value} differs from the flow's optimum {result.gain}")
    clock.stage("flow: done")
    return optimal_solution(instance, mentor_of, NAME, clock.elapsed())
