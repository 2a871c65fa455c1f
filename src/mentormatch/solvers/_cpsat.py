"""CP-SAT set-up in one place: the parameters, the time limits and the status mapping every CP-SAT model here uses
(``cpsat.py``, the relaxation's windows through it, the coach tier's models and the coach tie-break).

Parameters (measured on 2 cores; the table is in ``cpsat.py``'s docstring): one worker with the ``max_lp``
subsolver, so that a search is deterministic for a given seed. A search stops on CP-SAT's deterministic time,
``time_limit`` units (about seconds on the measured 2-core machine), so that a rerun gives the same answer byte for
byte; the wall clock stops it only as a safety net, at ``2 × time_limit + 5`` seconds (:data:`WALL_SAFETY`).
"""

from __future__ import annotations

import math
from typing import Any

from mentormatch.errors import SolverBug
from mentormatch.problem import Status

__all__ = ["PARAMETERS", "WALL_SAFETY", "found", "new_solver", "proven_bound", "search_limits", "status_of"]

PARAMETERS: dict[str, Any] = {"num_workers": 1, "subsolvers": ["max_lp"]}
"""CP-SAT parameters besides the seed and the limits."""

WALL_SAFETY = (2.0, 5.0)
"""(factor, extra): the wall-clock safety limit of a search given ``time_limit`` is ``factor × time_limit +
extra`` seconds; the search itself stops at ``time_limit`` units of deterministic time."""


def search_limits(time_limit: float | None) -> tuple[float | None, float | None]:
    """(wall-clock safety limit, deterministic limit) for a search given the user's ``time_limit``.

    >>> search_limits(10.0), search_limits(None)
    ((25.0, 10.0), (None, None))
    """
    if time_limit is None:
        return None, None
    factor, extra = WALL_SAFETY
    return factor * time_limit + extra, time_limit


def new_solver(
    *,
    seed: int,
    wall: float | None = None,
    deterministic: float | None = None,
    parameters: dict[str, Any] | None = None,
) -> Any:
    """A ``CpSolver`` with ``parameters`` (default :data:`PARAMETERS`), ``random_seed=seed`` and the given limits
    (None: no limit)."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    for key, value in (PARAMETERS if parameters is None else parameters).items():
        if isinstance(value, (list, tuple)):
            getattr(solver.parameters, key).extend(value)
        else:
            setattr(solver.parameters, key, value)
    solver.parameters.random_seed = int(seed)
    if wall is not None:
        solver.parameters.max_time_in_seconds = max(0.0, float(wall))
    if deterministic is not None:
        solver.parameters.max_deterministic_time = max(0.0, float(deterministic))
    return solver


def status_of(code: Any, solver: Any, label: str) -> Status:
    """Map CP-SAT's status to ours. Every model here is satisfied by the empty answer, so INFEASIBLE (or a model
    error) is a bug, reported under ``label``."""
    from ortools.sat.python import cp_model

    if code == cp_model.OPTIMAL:
        return Status.OPTIMAL
    if code == cp_model.FEASIBLE:
        return Status.FEASIBLE
    if code == cp_model.UNKNOWN:
        return Status.NO_SOLUTION
    raise SolverBug(f"{label}: status {solver.status_name(code)} on a problem the empty matching satisfies")


def found(code: Any, solver: Any, label: str) -> bool:
    """True when CP-SAT has an answer, False when it stopped before one (a bug otherwise, as in :func:`status_of`)."""
    return status_of(code, solver, label) is not Status.NO_SOLUTION


def proven_bound(solver: Any, code: Any, gain: int, label: str) -> int:
    """CP-SAT's bound on an integer objective (floored; never below ``gain``), after checking that ``gain``, the
    answer's objective recomputed by the caller, is CP-SAT's."""
    if gain != round(solver.objective_value):
        raise SolverBug(f"{label}: the answer's gain {gain} differs from CP-SAT's objective {solver.objective_value}")
    if status_of(code, solver, label) is Status.OPTIMAL:
        return gain
    return max(gain, int(math.floor(solver.best_objective_bound + 1e-6)))
