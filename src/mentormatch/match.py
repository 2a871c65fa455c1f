"""``solve()``: solver → verify → result. The one place both the API and the CLI call."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .config import CRITERIA
from .encode import criterion_parts, encode, rule_failures
from .problem import Problem, Progress, Status
from .result import MatchResult
from .schema import InputProblem, Roster, RosterError
from .solvers import run_solver
from .verify import verify_matching

__all__ = ["solve", "require_no_coaches", "DEFAULT_TIME_LIMIT"]

DEFAULT_TIME_LIMIT = 60.0
"""Seconds a search method (CP-SAT) may run; polynomial methods always run to the end."""


def require_no_coaches(roster: Roster) -> None:
    """Raise :class:`RosterError` naming the coaches file when the roster has coaches (not supported yet)."""
    if roster.coaches:
        source = roster.files.get("coaches", "coaches.csv")
        message = "coach supervision is not supported yet; solve without a coaches file"
        raise RosterError([InputProblem(source, None, None, None, message)])


def solve(
    problem: Problem,
    solver: str = "auto",
    *,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    progress: Progress | None = None,
) -> MatchResult:
    """Find the best matching of ``problem`` and verify it against every hard rule.

    Priority first (Σ priority over matched mentees), then Σ score; each mentee at most once; each mentor's
    workload within capacity (PRODUCT.md section 4).

    Parameters
    ----------
    problem : Problem
        From :func:`mentormatch.build_problem`.
    solver : {"auto", "hungarian", "flow", "cpsat"}
        ``auto`` picks an exact method by the problem's shape and size.
    time_limit : float or None
        Seconds for search methods; ``None`` = no limit.
    seed : int
        Random seed of search methods; the same input, solver and seed give the same answer.
    progress : callable, optional
        ``progress(stage, elapsed_seconds)``; the library itself prints nothing.

    Returns
    -------
    MatchResult

    Raises
    ------
    RosterError
        The roster has coaches (supervision is not supported yet).
    ValueError
        Unknown solver, or a solver that cannot take this problem (the message names one that can).
    mentormatch.verify.MatchingBug
        The answer broke a hard rule (an internal error).

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem, solve
    >>> result = solve(build_problem(read_roster("data/synthetic/small")))
    >>> result.status
    <Status.OPTIMAL: 'optimal'>
    >>> list(result.table.columns[:4])
    ['mentee_id', 'mentor_id', 'coach_id', 'score']
    """
    roster, config = problem.roster, problem.config
    require_no_coaches(roster)
    start = time.perf_counter()

    def report(stage: str, _elapsed: float | None = None) -> None:
        if progress is not None:
            progress(stage, time.perf_counter() - start)

    solution = run_solver(
        problem.instance(), solver, time_limit=time_limit, seed=seed, progress=progress and report
    )
    mentor_of = np.asarray(solution.mentor_of, dtype=np.int64)
    matched = np.flatnonzero(mentor_of >= 0)
    features = problem.features if problem.features is not None else encode(roster, config)
    parts, score = criterion_parts(roster, config, matched, mentor_of[matched], features=features)

    report("verifying")
    full_score = np.full(len(mentor_of), np.nan)
    full_score[matched] = score
    verify_matching(roster, config, mentor_of, full_score)

    report("explaining unmatched mentees")
    used_load = np.bincount(
        mentor_of[matched], weights=problem.workload[matched], minlength=problem.shape[1]
    ).astype(np.int64)
    reason, detail = _reasons(problem, mentor_of, used_load, solution.status, features)
    table = _table(problem, mentor_of, matched, parts, score, reason, detail)
    return MatchResult(
        status=solution.status,
        table=table,
        priority_sum=int(solution.priority_sum),
        objective=float(solution.objective),
        priority_bound=solution.priority_bound,
        bound=solution.objective_bound,
        gap=solution.gap,
        solver=solution.solver,
        seconds=time.perf_counter() - start,
        risk_level=tuple(p.risk_level for p in roster.mentees),
        capacity_used=int(used_load.sum()),
        capacity_total=int(problem.capacity.sum()),
        mentors_used=int((used_load > 0).sum()),
        mentors_total=problem.shape[1],
        message=solution.message,
    )


def _reasons(
    problem: Problem, mentor_of: np.ndarray, used_load: np.ndarray, status: Status, features
) -> tuple[np.ndarray, np.ndarray]:
    """A reason code and words for each unmatched mentee (PRODUCT.md section 6)."""
    n = len(mentor_of)
    reason = np.full(n, None, dtype=object)
    detail = np.full(n, None, dtype=object)
    unmatched = np.flatnonzero(mentor_of < 0)
    if len(unmatched) == 0:
        return reason, detail
    allowed = problem.allowed[unmatched]
    n_allowed = allowed.sum(axis=1)
    workload = problem.workload[unmatched, None]
    fits = (allowed & (problem.capacity[None, :] >= workload)).sum(axis=1)
    spare = problem.capacity - used_load
    # an allowed mentor still has room for this case: only a search stopped short leaves it unplaced
    room_left = (allowed & (spare[None, :] >= workload)).any(axis=1)
    unproven = "" if status is Status.OPTIMAL else " (the answer is not proven optimal; see the bound)"
    none_allowed = unmatched[n_allowed == 0]
    counts = rule_failures(problem.roster, problem.config, none_allowed, features=features)
    m = problem.shape[1]
    row_of = {int(i): r for r, i in enumerate(none_allowed)}
    for k, i in enumerate(unmatched):
        if n_allowed[k] == 0:
            r = row_of[int(i)]
            excluded = ", ".join(f"{rule} {int(c[r])}" for rule, c in counts.items() if c[r] > 0)
            reason[i] = "no_allowed_mentor"
            detail[i] = (
                f"none of {m} mentors passes every hard rule (mentors excluded per rule: {excluded})"
                if m else "there are no mentors"
            )
        elif fits[k] == 0:
            reason[i] = "workload"
            detail[i] = (
                f"{int(n_allowed[k])} allowed mentors, but none has capacity for a workload of "
                f"{int(problem.workload[i])}"
            )
        elif room_left[k] and status is not Status.OPTIMAL:
            reason[i] = "time_limit"
            detail[i] = f"{int(n_allowed[k])} allowed mentors, some with room; the search stopped before placing this case"
        else:
            reason[i] = "capacity"
            detail[i] = (
                f"{int(n_allowed[k])} allowed mentors, but their capacity went to higher-priority or "
                f"better-fitting cases{unproven}"
            )
    return reason, detail


def _table(
    problem: Problem,
    mentor_of: np.ndarray,
    matched: np.ndarray,
    parts: np.ndarray,
    score: np.ndarray,
    reason: np.ndarray,
    detail: np.ndarray,
) -> pd.DataFrame:
    n = len(mentor_of)
    mentor_ids = np.asarray(problem.mentor_ids, dtype=object)
    mentor_col = np.full(n, None, dtype=object)
    mentor_col[matched] = mentor_ids[mentor_of[matched]]
    columns: dict[str, object] = {
        "mentee_id": np.asarray(problem.mentee_ids, dtype=object),
        "mentor_id": mentor_col,
        "coach_id": np.full(n, None, dtype=object),
    }
    full = np.full((n, 1 + len(CRITERIA)), np.nan)
    full[matched, 0] = score
    full[matched, 1:] = parts
    full = np.round(full.astype(np.float64) * 100, 1)
    for k, name in enumerate(("score", *CRITERIA)):
        columns[name] = full[:, k]
    columns["reason"] = reason
    columns["reason_detail"] = detail
    return pd.DataFrame(columns)
