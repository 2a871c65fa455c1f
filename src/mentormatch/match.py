"""``solve()``: solver → verify → result. The one place both the API and the CLI call."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd

from .config import CRITERIA
from .encode import criterion_parts, encode, rule_failures
from .errors import InputError, InputProblem, NotAllMatchable
from .problem import Instance, Problem, Progress, Solution, Status
from .result import ChangeSummary, MatchResult
from .solvers import SOLVER_NAMES, run_solver
from .solvers.options import SolverOptions
from .verify import verify_matching

__all__ = ["solve", "find_solution", "evaluate", "load_matching", "DEFAULT_TIME_LIMIT"]

DEFAULT_TIME_LIMIT = 60.0
"""Seconds a search method (CP-SAT) may run; polynomial methods always run to the end."""
COACH_KEEP_TIME = 10.0
"""At most this many (deterministic) seconds for choosing coaches that keep current coaches (section 7)."""


def solve(
    problem: Problem,
    solver: str = "auto",
    *,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    progress: Progress | None = None,
    price: bool = True,
    require_all: bool = False,
    options: SolverOptions | None = None,
) -> MatchResult:
    """Find the best matching of ``problem`` and verify it against every hard rule.

    Priority first (Σ priority over matched mentees), then Σ score; each mentee at most once; each mentor's
    workload within capacity (PRODUCT.md section 4).

    Parameters
    ----------
    problem : Problem
        From :func:`mentormatch.build_problem`.
    solver : {"auto", "hungarian", "flow", "cpsat"}
        ``auto`` picks an exact method by the problem's shape and size. With coaches it names the method of the
        coach-free solve that bounds the answer (see :mod:`mentormatch.solvers.coaches`).
    time_limit : float or None
        Seconds for search methods; ``None`` = no limit.
    seed : int
        Random seed of search methods; the same input, solver and seed give the same answer.
    progress : callable, optional
        ``progress(stage, elapsed_seconds)``; the library itself prints nothing.
    price : bool, default True
        With current pairs (PRODUCT.md section 7) in mode ``keep`` or ``prefer``: solve once more in mode
        ``none`` and report what a fresh matching would reach (``MatchResult.changes``, the price of continuity).
    require_all : bool, default False
        Every mentee must be matched: before solving, :func:`mentormatch.relaxations` checks that the hard rules
        and capacities allow it, and the answer must match everyone; otherwise :class:`NotAllMatchable` is raised
        (its message names the fewest rule families to relax, or how many mentees stay unmatched and why).
    options : SolverOptions, optional
        The solvers' tuning knobs (:mod:`mentormatch.solvers.options`, the coach tier's included); None: the
        measured defaults.

    Returns
    -------
    MatchResult

    Raises
    ------
    ValueError
        Unknown solver, or a solver that cannot take this problem (the message names one that can).
    NotAllMatchable
        With ``require_all``, when not every mentee can be (or was) matched.
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
    start = time.perf_counter()

    def report(stage: str, _elapsed: float | None = None) -> None:
        if progress is not None:
            progress(stage, time.perf_counter() - start)

    if require_all:
        from .diagnose import relaxations

        report("checking that every mentee can be matched")
        relaxation = relaxations(problem, time_limit=time_limit)
        if relaxation.families or not relaxation.matchable:
            raise NotAllMatchable(relaxation.words(), relaxation=relaxation)
    solution = find_solution(
        problem, solver, time_limit=time_limit, seed=seed, progress=progress and report, options=options
    )
    _require_locks(problem, solution)
    report("verifying")
    result = evaluate(problem, solution.mentor_of, solution.coach_of, solution=solution)
    if price and result.changes is not None:
        fresh = solution
        if problem.current.mode != "none":
            report("pricing continuity: a fresh matching")
            fresh = find_solution(
                replace(problem, current=problem.current.with_mode("none")),
                solver,
                time_limit=time_limit,
                seed=seed,
                progress=progress and report,
                options=options,
            )
        matched = int((fresh.mentor_of >= 0).sum())
        result = replace(
            result,
            changes=replace(
                result.changes,
                fresh_priority=int(fresh.priority_sum),
                fresh_matched=matched,
                fresh_score=100.0 * float(fresh.objective) / matched if matched else 0.0,
            ),
        )
    result = replace(result, seconds=time.perf_counter() - start)
    if require_all and result.n_matched < len(result.table):
        left = len(result.table) - result.n_matched
        counts = result.table["reason"].dropna().value_counts()
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(counts.items()))
        raise NotAllMatchable(
            f"{left} {'mentee stays' if left == 1 else 'mentees stay'} unmatched ({reasons})", result=result
        )
    return result


def _require_locks(problem: Problem, solution: Solution) -> None:
    """Raise an input error naming every locked pair the answer could not keep (only the coach rules can stop one:
    a lock that breaks a pair rule, a capacity or names a leaving mentor is refused by ``build_problem``)."""
    current = problem.current
    if current is None or not current.locked.any() or solution.status is Status.NO_SOLUTION:
        return
    lost = np.flatnonzero(current.locked & (solution.mentor_of != current.mentor))
    if not lost.size:
        return
    file = problem.roster.files.get("current", "current.csv")
    line_of = {p.mentee_id: p.line for p in problem.roster.current}
    proven = (
        "no matching keeps them all under the coach rules and limits"
        if solution.status is Status.OPTIMAL
        else "the search found no matching that keeps them all under the coach rules (not proven impossible: "
        "try a longer time limit)"
    )
    raise InputError(
        [
            InputProblem(
                file,
                line_of.get(problem.mentee_ids[i]),
                "locked",
                "yes",
                f"the locked pair {problem.mentee_ids[i]} - {problem.mentor_ids[current.mentor[i]]} cannot be "
                f"kept: {proven}; unlock it or change the coaches' limits",
            )
            for i in lost
        ]
    )


def find_solution(
    problem: Problem,
    solver: str = "auto",
    *,
    instance: Instance | None = None,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    progress: Progress | None = None,
    options: SolverOptions | None = None,
) -> Solution:
    """The solver's raw answer for ``problem`` (or for ``instance``, arrays of the same shape in its place), with
    the coach tier when the problem has one; not yet verified against the profiles (:func:`evaluate` does that).

    ``instance`` lets callers re-solve variants of the problem (a pair forced, a mentee's priority raised) with
    the same solver and coach tier; see :mod:`mentormatch.explain`.
    """
    if instance is None and problem.current is not None and problem.coaches is None:
        reduced = _fix_kept(problem)
        if reduced is not None:
            variant, rows = reduced
            solution = run_solver(variant, solver, time_limit=time_limit, seed=seed, progress=progress, options=options)
            return _with_fixed(problem, solution, rows)
    instance = problem.instance() if instance is None else instance
    if problem.coaches is not None:
        from .solvers import coaches

        if solver not in SOLVER_NAMES:
            run_solver(instance, solver)  # raises the unknown-solver error
        solution = coaches.solve(
            instance,
            problem.coaches,
            solver,
            time_limit=time_limit,
            seed=seed,
            progress=progress,
            options=None if options is None else options.coaches,
        )
        current = problem.current
        if current is not None and solution.coach_of is not None and (current.coach >= 0).any():
            # PRODUCT.md section 7: current coaches are kept where the coach rules allow, a tie-break after all tiers
            limit = COACH_KEEP_TIME if time_limit is None else min(COACH_KEEP_TIME, time_limit)
            chosen = coaches.keep_coaches(
                problem.coaches, solution.mentor_of, solution.coach_of, current.coach, time_limit=limit, seed=seed
            )
            solution = replace(solution, coach_of=chosen)
            coaches.check_coaches(instance, problem.coaches, solution)
        return solution
    return run_solver(instance, solver, time_limit=time_limit, seed=seed, progress=progress, options=options)


def _fix_kept(problem: Problem) -> tuple[Instance, np.ndarray] | None:
    """The instance with every always-kept current pair fixed beforehand (:func:`continuity.always_kept`): those
    mentees leave the solve (no allowed pair, no keep entry) and their workloads leave their mentors' capacity.
    None when no pair is fixed. Exact: every optimal answer keeps them, and what they add to each tier is a
    constant; the rest is solved with the tier over the pairs left (none in the common case: then the instance has
    no continuity tier at all, and the weights keep their full resolution)."""
    from .continuity import always_kept

    current = problem.current
    fixed = always_kept(current)
    if not fixed.any():
        return None
    rows = np.flatnonzero(fixed)
    cols = current.mentor[rows]
    base = problem.instance()
    allowed = base.allowed.copy()
    allowed[rows] = False
    capacity = base.capacity - np.bincount(cols, weights=problem.workload[rows], minlength=problem.shape[1]).astype(
        np.int64
    )
    assert base.keep is not None  # called only with current pairs
    keep = base.keep.copy()
    keep[rows] = -1
    locked: np.ndarray | None = None if base.locked is None else base.locked & ~fixed
    if locked is not None and not locked.any():
        locked = None
    if not (keep >= 0).any():
        return replace(base, allowed=allowed, capacity=capacity, keep=None, locked=None), rows
    return replace(base, allowed=allowed, capacity=capacity, keep=keep, locked=locked), rows


def _with_fixed(problem: Problem, solution: Solution, rows: np.ndarray) -> Solution:
    """``solution`` of the reduced instance with the fixed current pairs ``rows`` put back, its sums and bounds
    raised by what they add (exactly, when the answer is proven optimal)."""
    import math

    from .solvers._common import answer_totals

    instance = problem.instance()
    mentor_of = solution.mentor_of.copy()
    mentor_of[rows] = problem.current.mentor[rows]
    priority_sum, objective = answer_totals(instance, mentor_of)
    added_priority = priority_sum - int(solution.priority_sum)
    added = objective - float(solution.objective)
    bound = solution.objective_bound
    if bound is not None:
        if solution.status is Status.OPTIMAL and bound == solution.objective:
            bound = objective
        else:
            bound = bound + added
            bound = max(objective, bound + 4 * math.ulp(bound))
    kept = instance.kept(mentor_of)
    kept_bound: int | None
    if solution.kept is None:  # no current pair was left to the solve: every one that can be kept is
        kept_bound = kept
    else:
        kept_bound = None if solution.kept_bound is None else int(solution.kept_bound) + len(rows)
    note = f"{len(rows)} running {'pair' if len(rows) == 1 else 'pairs'} fixed beforehand (every optimum keeps them)"
    return replace(
        solution,
        mentor_of=mentor_of,
        priority_sum=priority_sum,
        objective=objective,
        priority_bound=None if solution.priority_bound is None else int(solution.priority_bound) + added_priority,
        objective_bound=bound,
        kept=kept,
        kept_bound=kept_bound,
        message=f"{solution.message}; {note}" if solution.message else note,
    )


def evaluate(
    problem: Problem,
    mentor_of: np.ndarray,
    coach_of: np.ndarray | None = None,
    *,
    solution: Solution | None = None,
) -> MatchResult:
    """Verify a matching of ``problem`` against every hard rule and describe it as a :class:`MatchResult`.

    Parameters
    ----------
    problem : Problem
    mentor_of : (n,) int array
        Each mentee's mentor index, −1 = unmatched.
    coach_of : (m,) int array, optional
        Each mentor's coach index, −1 = none; required when the problem has a coach tier.
    solution : Solution, optional
        The solver's answer ``mentor_of`` came from (status, bounds, solver name). Without it the matching is
        described as given: status ``feasible``, no bounds, solver ``"given"``.

    Raises
    ------
    mentormatch.verify.MatchingBug
        The matching breaks a hard rule.
    """
    roster, config = problem.roster, problem.config
    start = time.perf_counter()
    mentor_of = np.asarray(mentor_of, dtype=np.int64)
    if coach_of is not None:
        coach_of = np.asarray(coach_of, dtype=np.int64)
    matched = np.flatnonzero(mentor_of >= 0)
    features = problem.features if problem.features is not None else encode(roster, config)
    parts, score = criterion_parts(roster, config, matched, mentor_of[matched], features=features)
    full_score = np.full(len(mentor_of), np.nan)
    full_score[matched] = score
    verify_matching(roster, config, mentor_of, full_score, coach_of=coach_of)
    if solution is None:
        priority_sum = int(problem.priority[matched].sum())
        solution = Solution(
            mentor_of=mentor_of,
            status=Status.FEASIBLE,
            priority_sum=priority_sum,
            objective=float(np.asarray(problem.score[matched, mentor_of[matched]], dtype=np.float64).sum()),
            priority_bound=None,
            objective_bound=None,
            solver="given",
            seconds=0.0,
            coach_of=coach_of,
        )
    used_load = np.bincount(mentor_of[matched], weights=problem.workload[matched], minlength=problem.shape[1]).astype(
        np.int64
    )
    reason, detail = _reasons(
        problem, mentor_of, used_load, solution.status, features, coach_of, given=solution.solver == "given"
    )
    table = _table(problem, mentor_of, matched, parts, score, reason, detail, coach_of)
    changes = None
    if problem.current is not None:
        table, changes = _changes(problem, table, mentor_of, coach_of)
    return MatchResult(
        status=solution.status,
        table=table,
        priority_sum=int(solution.priority_sum),
        objective=float(solution.objective),
        priority_bound=solution.priority_bound,
        bound=solution.objective_bound,
        gap=solution.gap,
        solver=solution.solver,
        seconds=solution.seconds + time.perf_counter() - start,
        risk_level=tuple(p.risk_level for p in roster.mentees),
        capacity_used=int(used_load.sum()),
        capacity_total=int(problem.capacity.sum()),
        mentors_used=int((used_load > 0).sum()),
        mentors_total=problem.shape[1],
        message=solution.message,
        coaches=_coach_table(problem, mentor_of, coach_of),
        changes=changes,
    )


def _changes(
    problem: Problem, table: pd.DataFrame, mentor_of: np.ndarray, coach_of: np.ndarray | None
) -> tuple[pd.DataFrame, ChangeSummary]:
    """The table with the continuity columns (PRODUCT.md section 7) and the counts of what changed."""
    from .continuity import changes, coach_changes

    current = problem.current
    change, reason = changes(current, mentor_of, coaches=problem.coaches is not None)
    previous = np.full(len(mentor_of), None, dtype=object)
    had = current.mentor >= 0
    previous[had] = np.asarray(problem.mentor_ids, dtype=object)[current.mentor[had]]
    table = table.assign(previous_mentor_id=previous, change=change, change_reason=reason)
    counted = pd.Series(change).dropna().value_counts()
    reasons = pd.Series(reason).dropna().value_counts()
    matched = mentor_of >= 0
    scores = table["score"].to_numpy(dtype=float)[matched]
    summary = ChangeSummary(
        mode=current.mode,
        pairs=int(had.sum()),
        valid=int(current.valid.sum()),
        kept=int(counted.get("kept", 0) + counted.get("locked", 0)),
        locked=int(counted.get("locked", 0)),
        changes={str(k): int(v) for k, v in counted.items()},
        reasons={str(k): int(v) for k, v in sorted(reasons.items())},
        coach_changes=coach_changes(current, mentor_of, coach_of) if problem.coaches is not None else None,
        priority_sum=int(problem.priority[matched].sum()),
        mean_score=float(scores.mean()) if scores.size else 0.0,
    )
    return table, summary


def load_matching(problem: Problem, path) -> MatchResult:
    """Read a matches file for ``problem``'s roster and describe it as :func:`evaluate` does.

    Every hard rule the file breaks is an input problem located by the mentee's line (a broken pair rule, a
    mentor over capacity, a coach rule), not an internal error: the file came from outside.

    Raises
    ------
    mentormatch.InputError
        Unknown ids, duplicates, or broken rules, all at once.
    """
    from .io import read_matches
    from .verify import broken_rules, coach_problems

    roster, config = problem.roster, problem.config
    given = read_matches(path, roster)
    mentees, mentors = roster.mentees, roster.mentors
    excluded = {(e.mentee_id, e.mentor_id) for e in roster.exclusions}
    problems: list[InputProblem] = []
    used = np.zeros(len(mentors), dtype=np.int64)
    last_line: dict[int, int] = {}
    current = {(p.mentee_id, p.mentor_id) for p in roster.current or ()}
    exempt = set(config.continuity.exempt_rules)
    for i, j in enumerate(given.mentor_of):
        if j < 0:
            continue
        mentee, mentor = mentees[i], mentors[j]
        used[j] += mentee.workload
        last_line[j] = max(last_line.get(j, 0), given.line_of[i] or 0)
        is_current = (mentee.id, mentor.id) in current
        for rule in broken_rules(mentee, mentor, config, (mentee.id, mentor.id) in excluded):
            if not (is_current and rule in exempt):  # a running pair may break an exempted rule (section 7)
                problems.append(
                    InputProblem(
                        given.file,
                        given.line_of[i],
                        "mentor_id",
                        mentor.id,
                        f"the pair {mentee.id} - {mentor.id} breaks the {rule} rule",
                    )
                )
        if mentor.status == "leaving" or (mentor.status == "paused" and not is_current):
            problems.append(
                InputProblem(
                    given.file,
                    given.line_of[i],
                    "mentor_id",
                    mentor.id,
                    f"mentor {mentor.id} is {mentor.status} and takes no "
                    f"{'one' if mentor.status == 'leaving' else 'new mentee'}",
                )
            )
    index = {p.id: i for i, p in enumerate(mentees)}
    for pair in roster.current or ():
        i = index[pair.mentee_id]
        if pair.locked and (given.mentor_of[i] < 0 or mentors[given.mentor_of[i]].id != pair.mentor_id):
            instead = "no mentor" if given.mentor_of[i] < 0 else f"mentor {mentors[given.mentor_of[i]].id}"
            problems.append(
                InputProblem(
                    given.file,
                    given.line_of[i] or 1,
                    "mentor_id",
                    "" if given.mentor_of[i] < 0 else mentors[given.mentor_of[i]].id,
                    f"the locked pair {pair.mentee_id} - {pair.mentor_id} is not kept: this file gives "
                    f"{pair.mentee_id} {instead}",
                )
            )
    for j in np.flatnonzero(used > problem.capacity).tolist():
        problems.append(
            InputProblem(
                given.file,
                last_line[int(j)],
                "mentor_id",
                mentors[j].id,
                f"mentor's workload {int(used[j])} exceeds capacity {int(problem.capacity[j])}",
            )
        )
    coach_of = given.coach_of
    if problem.coaches is not None:
        if coach_of is None:
            coach_of = [-1] * len(mentors)
            if any(j >= 0 for j in given.mentor_of):
                problems.append(
                    InputProblem(
                        given.file, 1, "coach_id", None, "the roster has coaches, so the file needs a coach_id column"
                    )
                )
        else:
            problems.extend(
                InputProblem(given.file, None, "coach_id", None, words)
                for words in coach_problems(roster, given.mentor_of, coach_of)
            )
    else:
        coach_of = None
    if problems:
        raise InputError(problems)
    coaches = None if coach_of is None else np.asarray(coach_of, dtype=np.int64)
    return evaluate(problem, np.asarray(given.mentor_of, dtype=np.int64), coaches)


def _reasons(
    problem: Problem,
    mentor_of: np.ndarray,
    used_load: np.ndarray,
    status: Status,
    features,
    coach_of: np.ndarray | None = None,
    *,
    given: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """A reason code and words for each unmatched mentee (PRODUCT.md section 6); ``given``: the matching was
    read from a file, not solved here."""
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
    unproven = (
        ""
        if status is Status.OPTIMAL
        else " (a given matching, not proven optimal)"
        if given
        else " (the answer is not proven optimal; see the bound)"
    )
    blocked = None
    if problem.coaches is not None and coach_of is not None:
        blocked = _supervision_blocks(problem, mentor_of, coach_of, unmatched)
        # the case fits some allowed mentor, but supervision stops every one with room for it
        room = allowed & (spare[None, :] >= workload)
    none_allowed = unmatched[n_allowed == 0]
    closed = sum(p.status != "active" for p in problem.roster.mentors)
    counts = rule_failures(problem.roster, problem.config, none_allowed, features=features)
    m = problem.shape[1]
    row_of = {int(i): r for r, i in enumerate(none_allowed)}
    for k, i in enumerate(unmatched):
        if n_allowed[k] == 0:
            r = row_of[int(i)]
            excluded = [f"{rule} {int(c[r])}" for rule, c in counts.items() if c[r] > 0]
            if closed:
                excluded.append(f"paused or leaving {closed}")
            reason[i] = "no_allowed_mentor"
            detail[i] = (
                f"none of {m} mentors passes every hard rule (mentors excluded per rule: {', '.join(excluded)})"
                if m
                else "there are no mentors"
            )
        elif fits[k] == 0:
            reason[i] = "workload"
            detail[i] = f"{_allowed(n_allowed[k])}, but none has capacity for a workload of {int(problem.workload[i])}"
        elif (
            blocked is not None
            and (room[k].any() or not blocked.any_supervisable[k])
            and not (room[k] & ~blocked.pairs[k]).any()
        ):
            reason[i] = "coach"
            detail[i] = (
                f"{_allowed(n_allowed[k])}, but none could be given a coach who may supervise this case "
                f"({blocked.words(k)}){unproven}"
            )
        elif room_left[k] and given:
            reason[i] = "not_placed"
            detail[i] = f"{_allowed(n_allowed[k])}, some with room; the given matching leaves this case out"
        elif room_left[k] and status is not Status.OPTIMAL:
            reason[i] = "time_limit"
            detail[i] = f"{_allowed(n_allowed[k])}, some with room; the search stopped before placing this case"
        else:
            reason[i] = "capacity"
            detail[i] = (
                f"{_allowed(n_allowed[k])}, but their capacity went to higher-priority or "
                f"better-fitting cases{unproven}"
            )
    return reason, detail


def _allowed(count: int) -> str:
    """``1 allowed mentor``, ``3 allowed mentors``."""
    return f"{int(count)} allowed mentor{'' if count == 1 else 's'}"


class _Blocks:
    """For unmatched mentees: which allowed mentors supervision rules out, and why (counts per cause)."""

    def __init__(self, pairs: np.ndarray, any_supervisable: np.ndarray, causes: dict[str, np.ndarray]):
        self.pairs = pairs  # (u, m) bool: supervision rules this mentor out for this case
        self.any_supervisable = (
            any_supervisable  # (u,) an allowed mentor with capacity for the case could be supervised
        )
        self.causes = causes

    def words(self, k: int) -> str:
        named = [f"{cause} {int(count[k])}" for cause, count in self.causes.items() if count[k] > 0]
        return "mentors ruled out by " + ", ".join(named) if named else "no coach may supervise this case"


def _supervision_blocks(
    problem: Problem, mentor_of: np.ndarray, coach_of: np.ndarray, unmatched: np.ndarray
) -> _Blocks:
    """Which allowed mentors of each unmatched mentee the coach rules rule out, given the answer's coaches.

    A mentor is ruled out for a case when no eligible coach covers its type (``specialism or language``); or its
    coach does not cover the type (``its coach's specialisms``) or has no case-load left (``coach case-load``);
    or it has no coach yet and every eligible coach covering the type is full (``coach limits``).
    """
    tier = problem.coaches
    assert tier is not None  # called only with coaches
    n, m = problem.shape
    k = tier.n_coaches
    used = coach_of >= 0
    mentors_per_coach = np.bincount(coach_of[used], minlength=k)
    mentees_of = np.bincount(mentor_of[mentor_of >= 0], minlength=m)
    mentees_per_coach = np.bincount(coach_of[used], weights=mentees_of[used], minlength=k).astype(np.int64)
    mentor_room = mentors_per_coach < tier.max_mentors  # (k,) may take one more mentor
    load_room = mentees_per_coach < tier.max_mentees  # (k,) may take one more mentee
    types = tier.mentee_type[unmatched]
    allowed = problem.allowed[unmatched]
    coverable = tier.coverable()[unmatched]
    no_coach = allowed & ~coverable
    # a mentor with a coach: that coach must cover the type and have case-load left
    has = np.flatnonzero(used)
    own_cover = np.zeros((len(unmatched), m), dtype=bool)
    own_cover[:, has] = tier.cover[coach_of[has]][:, types].T
    own_room = np.zeros(m, dtype=bool)
    own_room[has] = load_room[coach_of[has]]
    wrong_type = allowed & coverable & used[None, :] & ~own_cover
    full = allowed & coverable & used[None, :] & own_cover & ~own_room[None, :]
    # a mentor without a coach: some eligible coach covering the type with a free mentor slot and case-load
    open_coach = (tier.eligible & (mentor_room & load_room)[None, :]).astype(np.uint8)  # (m, k)
    reachable = (open_coach @ tier.cover.astype(np.uint8)) > 0  # (m, T)
    limits = allowed & coverable & ~used[None, :] & ~reachable[:, types].T
    pairs = no_coach | wrong_type | full | limits
    causes = {
        "specialism or language": no_coach.sum(axis=1),
        "their coach's specialisms": wrong_type.sum(axis=1),
        "coach case-load": full.sum(axis=1),
        "coach limits": limits.sum(axis=1),
    }
    able = problem.capacity[None, :] >= problem.workload[unmatched][:, None]  # could take the case at all
    return _Blocks(pairs, (allowed & coverable & able).any(axis=1), causes)


def _coach_table(problem: Problem, mentor_of: np.ndarray, coach_of: np.ndarray | None) -> pd.DataFrame | None:
    """One row per coach: mentors and mentees supervised against the limits (None without coaches)."""
    if problem.coaches is None or coach_of is None:
        return None
    tier = problem.coaches
    m = problem.shape[1]
    k = tier.n_coaches
    used = coach_of >= 0
    matched = mentor_of >= 0
    mentees_of = np.bincount(mentor_of[matched], minlength=m)
    load_of = np.bincount(mentor_of[matched], weights=problem.workload[matched], minlength=m).astype(np.int64)
    limit = np.asarray([c.max_mentees for c in problem.roster.coaches], dtype=object) if problem.roster else None
    return pd.DataFrame(
        {
            "coach_id": list(problem.coach_ids),
            "mentors": np.bincount(coach_of[used], minlength=k),
            "max_mentors": tier.max_mentors,
            "mentees": np.bincount(coach_of[used], weights=mentees_of[used], minlength=k).astype(np.int64),
            "max_mentees": limit if limit is not None else tier.max_mentees,
            "workload": np.bincount(coach_of[used], weights=load_of[used], minlength=k).astype(np.int64),
        }
    )


def _table(
    problem: Problem,
    mentor_of: np.ndarray,
    matched: np.ndarray,
    parts: np.ndarray,
    score: np.ndarray,
    reason: np.ndarray,
    detail: np.ndarray,
    coach_of: np.ndarray | None = None,
) -> pd.DataFrame:
    n = len(mentor_of)
    mentor_ids = np.asarray(problem.mentor_ids, dtype=object)
    mentor_col = np.full(n, None, dtype=object)
    mentor_col[matched] = mentor_ids[mentor_of[matched]]
    columns: dict[str, object] = {
        "mentee_id": np.asarray(problem.mentee_ids, dtype=object),
        "mentor_id": mentor_col,
        "coach_id": _coach_column(problem, mentor_of, matched, coach_of),
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


def _coach_column(
    problem: Problem, mentor_of: np.ndarray, matched: np.ndarray, coach_of: np.ndarray | None
) -> np.ndarray:
    """Each matched mentee's mentor's coach id; None where unmatched or without coaches."""
    column = np.full(len(mentor_of), None, dtype=object)
    if coach_of is not None and problem.coach_ids:
        coach_ids = np.asarray(problem.coach_ids, dtype=object)
        column[matched] = coach_ids[coach_of[mentor_of[matched]]]
    return column
