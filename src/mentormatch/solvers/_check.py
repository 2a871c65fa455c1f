"""Check a solver's answer against every rule of the array problem; a broken rule is a :class:`SolverBug`."""

from __future__ import annotations

import math

import numpy as np

from mentormatch.problem import Instance, Solution, Status
from mentormatch.solvers._common import SolverBug, answer_totals

__all__ = ["check_solution"]


def check_solution(instance: Instance, solution: Solution) -> None:
    """Raise :class:`SolverBug` if ``solution`` breaks a rule of ``instance``.

    The rules: ``mentor_of`` is an integer array with one entry per mentee, each ``-1`` or a mentor index; only
    allowed pairs; each mentor's Σ load ≤ capacity; ``priority_sum`` and ``objective`` equal the sums recomputed
    from the matching (Σ priority exactly, Σ weights to 1e-9 relative); bounds are not below what the answer
    reaches (not above it when minimising); ``optimal`` has the priority part proven; ``no_solution`` matches nobody.
    With a continuity tier (``instance.keep``): ``kept`` is given and equals the answer's K, ``kept_bound`` is not
    below it, and ``optimal`` has it proven (``kept_bound`` None or equal to K).

    Parameters
    ----------
    instance : Instance
    solution : Solution

    Raises
    ------
    SolverBug
        Naming the first rule broken (mentee and mentor indices only, no profile values).

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import Instance, Solution, Status
    >>> inst = Instance(weights=np.array([[1.0, 2.0]]), allowed=np.array([[True, False]]),
    ...                 priority=np.array([1]), load=np.array([1]), capacity=np.array([1, 1]))
    >>> bad = Solution(mentor_of=np.array([1]), status=Status.FEASIBLE, priority_sum=1, objective=2.0,
    ...                priority_bound=None, objective_bound=None, solver="test", seconds=0.0)
    >>> check_solution(inst, bad)
    Traceback (most recent call last):
    ...
    mentormatch.errors.SolverBug: test: mentee 0 is matched to mentor 1, a pair that is not allowed
    """
    name = solution.solver
    n, m = instance.shape
    mentor_of = solution.mentor_of
    if not isinstance(mentor_of, np.ndarray) or mentor_of.shape != (n,) or mentor_of.dtype.kind not in "iu":
        raise SolverBug(
            f"{name}: mentor_of must be an integer array of shape {(n,)}, got "
            f"{getattr(mentor_of, 'dtype', type(mentor_of).__name__)} {np.shape(mentor_of)}"
        )
    if not isinstance(solution.status, Status):
        raise SolverBug(f"{name}: status {solution.status!r} is not a Status")
    out_of_range = (mentor_of < -1) | (mentor_of >= m)
    if out_of_range.any():
        i = int(np.flatnonzero(out_of_range)[0])
        raise SolverBug(f"{name}: mentee {i} has mentor index {int(mentor_of[i])}, outside -1..{m - 1}")
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows].astype(np.intp)
    forbidden = ~instance.allowed[rows, cols]
    if forbidden.any():
        k = int(np.flatnonzero(forbidden)[0])
        raise SolverBug(f"{name}: mentee {rows[k]} is matched to mentor {cols[k]}, a pair that is not allowed")
    used = np.zeros(m, dtype=np.int64)
    np.add.at(used, cols, instance.pair_load(rows, cols))
    over = used > instance.capacity
    if over.any():
        j = int(np.flatnonzero(over)[0])
        raise SolverBug(f"{name}: mentor {j} carries load {int(used[j])} above capacity {int(instance.capacity[j])}")
    priority_sum, objective = answer_totals(instance, mentor_of)
    if solution.priority_sum != priority_sum:
        raise SolverBug(f"{name}: reported priority_sum {solution.priority_sum}, the matching gives {priority_sum}")
    if not math.isclose(solution.objective, objective, rel_tol=1e-9, abs_tol=1e-9):
        raise SolverBug(f"{name}: reported objective {solution.objective!r}, the matching gives {objective!r}")
    if solution.status is Status.NO_SOLUTION and rows.size:
        raise SolverBug(f"{name}: status no_solution with {rows.size} mentees matched")
    if solution.priority_bound is not None and solution.priority_bound < priority_sum:
        raise SolverBug(f"{name}: priority_bound {solution.priority_bound} is below the priority_sum {priority_sum}")
    if solution.status is Status.OPTIMAL and solution.priority_bound != priority_sum:
        raise SolverBug(f"{name}: status optimal but priority_bound {solution.priority_bound} != {priority_sum}")
    _check_kept(instance, solution)
    if solution.objective_bound is not None:
        if solution.priority_bound != priority_sum:
            raise SolverBug(f"{name}: objective_bound given although the priority part is not proven")
        slack = 1e-9 * max(1.0, abs(objective))
        # An upper bound when maximising, a lower bound when minimising.
        beyond = objective - solution.objective_bound if instance.maximize else solution.objective_bound - objective
        if beyond > slack:
            side = "below" if instance.maximize else "above"
            raise SolverBug(
                f"{name}: objective_bound {solution.objective_bound!r} is {side} the objective {objective!r}"
            )


def _check_kept(instance: Instance, solution: Solution) -> None:
    """The continuity tier's part of :func:`check_solution`."""
    name = solution.solver
    if instance.keep is None:
        if solution.kept is not None or solution.kept_bound is not None:
            raise SolverBug(f"{name}: kept or kept_bound reported for an instance without current pairs")
        return
    kept = instance.kept(solution.mentor_of)
    if solution.kept != kept:
        raise SolverBug(f"{name}: reported kept {solution.kept}, the matching keeps {kept} current pairs")
    if solution.kept_bound is not None:
        if solution.kept_bound < kept:
            raise SolverBug(f"{name}: kept_bound {solution.kept_bound} is below the kept {kept}")
        if solution.status is Status.OPTIMAL and solution.kept_bound != kept:
            raise SolverBug(f"{name}: status optimal but kept_bound {solution.kept_bound} != {kept}")
