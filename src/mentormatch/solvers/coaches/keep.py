"""Keep each mentor's current coach where the coach rules allow it (PRODUCT.md section 7).

A tie-break after every tier of the objective: coaches add no score, so for a fixed mentee → mentor answer any
valid choice of coaches is as good as another, and among them this module picks one that keeps the most mentors
with the coach named for them in the current pairs. The model, in CP-SAT:

* data: the used mentors (those with mentees), their mentee counts, and for each the coaches *able* to supervise
  them (eligible for the mentor, and covering every mentee type the mentor has);
* variables: a Boolean ``y[j, c]`` per used mentor and able coach;
* constraints: each used mentor exactly one coach; each coach at most ``max_mentors`` mentors and at most
  ``max_mentees`` mentees;
* objective: maximise the number of used mentors supervised by their current coach;
* search: one worker, the given choice as a hint, a deterministic time limit (reproducible).

The given choice is always feasible, so the answer is never worse; when every used mentor already has their
current coach (or none of them can), no model is built.
"""

from __future__ import annotations

import numpy as np

from mentormatch.problem import CoachTier
from mentormatch.solvers._common import SolverBug
from mentormatch.solvers._cpsat import found, new_solver

_PARAMETERS = {"num_workers": 1}
"""CP-SAT parameters of this small model: one worker (deterministic), the default subsolvers."""

__all__ = ["keep_coaches"]


def keep_coaches(
    tier: CoachTier,
    mentor_of: np.ndarray,
    coach_of: np.ndarray,
    current: np.ndarray,
    *,
    time_limit: float | None = 10.0,
    seed: int = 0,
) -> np.ndarray:
    """A coach choice for the answer ``mentor_of`` that keeps the most current coaches.

    Parameters
    ----------
    tier : CoachTier
    mentor_of : (n,) int array
        The mentee → mentor answer (−1 = unmatched).
    coach_of : (m,) int array
        A valid coach choice for that answer (−1 for mentors without mentees).
    current : (m,) int array
        Each mentor's current coach index, −1 = none named.
    time_limit : float or None
        CP-SAT's deterministic time limit (about seconds); the search keeps the best choice found.
    seed : int

    Returns
    -------
    (m,) int64 array
        A valid choice with at least as many kept coaches as ``coach_of``.

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import CoachTier
    >>> tier = CoachTier(mentee_type=np.zeros(2, np.int64), cover=np.ones((2, 1), bool),
    ...                  eligible=np.ones((2, 2), bool), max_mentors=np.array([1, 1]), max_mentees=np.array([2, 2]))
    >>> keep_coaches(tier, np.array([0, 1]), np.array([0, 1]), np.array([1, 0])).tolist()
    [1, 0]
    """
    # data
    m = len(coach_of)
    coach_of = np.asarray(coach_of, dtype=np.int64)
    current = np.asarray(current, dtype=np.int64)
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    count = np.bincount(cols, minlength=m)
    used = np.flatnonzero(count > 0)
    k = tier.n_coaches
    types = np.zeros((m, tier.cover.shape[1]), dtype=bool)
    types[cols, tier.mentee_type[rows]] = True
    # able[u, c]: coach c may supervise used mentor u with all of its mentees' types
    able = tier.eligible[used] & ~(types[used].astype(np.uint8) @ (~tier.cover).T.astype(np.uint8)).astype(bool)
    able &= ((tier.max_mentors > 0) & (tier.max_mentees > 0))[None, :]
    wanted = current[used]
    keepable = (wanted >= 0) & able[np.arange(used.size), np.maximum(wanted, 0)]
    if not keepable.any() or np.all(coach_of[used][keepable] == wanted[keepable]):
        return coach_of
    # the cheap case: every keepable mentor moved to its current coach fits the limits
    trial = coach_of.copy()
    trial[used[keepable]] = wanted[keepable]
    if _fits(trial, used, count, tier):
        return trial

    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    # variables: y[u, c] for each used mentor u and able coach c
    pair_u, pair_c = np.nonzero(able)
    y = [model.new_bool_var(f"y_{int(used[u])}_{int(c)}") for u, c in zip(pair_u, pair_c, strict=True)]
    # each used mentor exactly one coach
    for u in range(used.size):
        model.add_exactly_one(y[p] for p in np.flatnonzero(pair_u == u))
    # each coach within its mentor and mentee limits
    for c in range(k):
        on = np.flatnonzero(pair_c == c)
        if on.size:
            model.add(sum(y[p] for p in on) <= int(tier.max_mentors[c]))
            model.add(sum(int(count[used[pair_u[p]]]) * y[p] for p in on) <= int(tier.max_mentees[c]))
    # objective: mentors kept with their current coach
    kept = np.flatnonzero(pair_c == wanted[pair_u])
    model.maximize(sum(y[p] for p in kept))
    for p, (u, c) in enumerate(zip(pair_u.tolist(), pair_c.tolist(), strict=True)):
        model.add_hint(y[p], bool(coach_of[used[u]] == c))
    # search
    solver = new_solver(seed=seed, deterministic=time_limit, parameters=_PARAMETERS)
    code = solver.solve(model)
    if not found(code, solver, "coach tie-break"):
        return coach_of
    # read out
    chosen = coach_of.copy()
    for p, (u, c) in enumerate(zip(pair_u.tolist(), pair_c.tolist(), strict=True)):
        if solver.value(y[p]):
            chosen[used[u]] = c
    before = int(np.sum(coach_of[used] == wanted))
    if int(np.sum(chosen[used] == wanted)) < before or not _fits(chosen, used, count, tier):
        raise SolverBug("keep_coaches: the coach choice lost kept coaches or broke a coach limit")
    return chosen


def _fits(coach_of: np.ndarray, used: np.ndarray, count: np.ndarray, tier: CoachTier) -> bool:
    """Whether the coaches of the used mentors stay within every coach's mentor and mentee limits."""
    k = tier.n_coaches
    chosen = coach_of[used]
    mentors = np.bincount(chosen, minlength=k)
    mentees = np.bincount(chosen, weights=count[used], minlength=k)
    return bool(np.all(mentors <= tier.max_mentors) and np.all(mentees <= tier.max_mentees))
