"""Why this mentor, and why nobody: one mentee's place in a matching explained (PRODUCT.md section 6).

For the explained pair: each criterion's value and its points of the score, every hard rule checked. For the
mentee: the best other mentors by score, each either blocked (which rules, no room for the case's workload, no
coach who may supervise it) or possible, with what choosing it would cost the whole matching, found by re-solving
with that pair fixed. For an unmatched mentee: the matching's reason code and words, and how many mentors each
hard rule excludes.

The cost argument: mentee i is forced onto mentor j by an :class:`~mentormatch.problem.Instance` whose row i allows
only j and whose priority[i] is raised to Σ priority + 1, so that any answer placing i there beats any answer that
does not; the same solver (:func:`mentormatch.match.find_solution`, coach tier included) then finds the best
matching that places i with j, and its sums less the boost are compared with the reference matching's. When both
solves are proven optimal the cost is exact: no matching placing i with j does better.

Everything here carries ids, scores, rule names, thresholds of the config and counts, never profile values.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .config import CRITERIA
from .encode import criterion_parts, encode, rule_bits
from .match import DEFAULT_TIME_LIMIT, find_solution, solve
from .problem import Instance, Problem, Progress, Status
from .result import MatchResult
from .rules import RULES, asks, checked_rules

__all__ = ["Explanation", "explain"]

CRITERIA_COLUMNS = ("criterion", "value", "weight", "share")
RULES_COLUMNS = ("rule", "passed", "detail")
RUNNERS_UP_COLUMNS = (
    "rank",
    "mentor_id",
    "score",
    "possible",
    "priority_change",
    "score_change",
    "exact",
    "blocked_by",
    "holders",
    "detail",
)
RULE_COUNTS_COLUMNS = ("rule", "mentors_excluded")


@dataclass(frozen=True, eq=False)
class Explanation:
    """Why a mentee has the mentor they have (or a mentor they do not), or why nobody.

    Attributes
    ----------
    mentee_id : str
    mentor_id : str or None
        The explained mentor: the one asked about, else the matched one; None for an unmatched mentee when no
        mentor was asked about.
    matched_mentor_id, coach_id : str or None
        The mentee's mentor in the matching and that mentor's coach.
    score : float or None
        S of the explained pair on the 0–100 scale, one decimal; None without a pair.
    allowed : bool
        The explained pair passes every hard rule (capacity and coaches aside); False without a pair.
    criteria : DataFrame
        ``criterion, value, weight, share``, one row per criterion in :data:`~mentormatch.config.CRITERIA` order:
        ``value`` is s_k × 100 (unweighted, as in the matches file), ``weight`` is w_k and ``share`` the points of
        the score, w_k s_k / Σ_{w > 0} w × 100, rounded to one decimal so that the shares add up to ``score``
        exactly (each within 0.1 of its unrounded value). Empty without a pair.
    rules : DataFrame
        ``rule, passed, detail``: each hard rule checked for the explained pair (the active rule families,
        ``exclusion``, ``min_score`` when on, then ``capacity``: the mentor's capacity covers the case's workload,
        and with coaches ``coach``: some coach eligible for the mentor may supervise the case's type). ``detail``
        states the rule and the config's thresholds only. Empty without a pair.
    runners_up : DataFrame
        ``rank, mentor_id, score, possible, priority_change, score_change, exact, blocked_by, holders, detail``:
        the best other mentors by score (ties by mentor order). ``blocked_by`` names the broken rules,
        ``workload`` (capacity below the case's workload) and ``coach`` (no coach may supervise the case with
        this mentor). For a possible one, ``priority_change`` and ``score_change`` (Σ S on the 0–1 scale) are
        what the whole matching gains (usually a loss, ≤ 0) when the pair is fixed, and ``exact`` says whether
        both solves behind them are proven optimal; missing when not computed. ``holders`` are the mentees the
        matching gives that mentor, ``;``-joined.
    rule_counts : DataFrame
        ``rule, mentors_excluded``: for each hard rule checked, how many mentors it excludes for this mentee (as
        :func:`mentormatch.encode.rule_failures` counts them; a mentor excluded by several rules counts under each).
    method : str
        The cost argument used for ``priority_change`` and ``score_change``.
    reason, reason_detail : str or None
        The matching's reason code and words for an unmatched mentee.
    alternative : DataFrame or None
        When the explained mentor was asked about and is not the matched one: one row with the columns of
        ``runners_up`` (rank 0) saying what choosing it would cost, or what blocks it.
    previous_mentor_id, change, change_reason : str or None
        With current pairs (PRODUCT.md section 7): the mentee's current mentor, and the matches file's ``change``
        and ``change_reason`` for this mentee.
    keeping : DataFrame or None
        For a ``moved`` or ``ended`` mentee: one row with the columns of ``runners_up`` (rank 0) for the current
        mentor: what keeping the pair would have cost the whole matching (re-solved with the pair fixed), or what
        makes it impossible (``mentor_leaving``, a broken rule, workload, coach).
    """

    mentee_id: str
    mentor_id: str | None
    matched_mentor_id: str | None
    coach_id: str | None
    score: float | None
    allowed: bool
    criteria: pd.DataFrame
    rules: pd.DataFrame
    runners_up: pd.DataFrame
    rule_counts: pd.DataFrame
    method: str
    reason: str | None = None
    reason_detail: str | None = None
    alternative: pd.DataFrame | None = None
    previous_mentor_id: str | None = None
    change: str | None = None
    change_reason: str | None = None
    keeping: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name: ``criteria``, ``rules``, ``runners_up``, ``rule_counts`` (and ``alternative`` when
        there is one)."""
        tables = {
            "criteria": self.criteria,
            "rules": self.rules,
            "runners_up": self.runners_up,
            "rule_counts": self.rule_counts,
        }
        if self.alternative is not None:
            tables["alternative"] = self.alternative
        if self.keeping is not None:
            tables["keeping"] = self.keeping
        return tables

    def text(self) -> str:
        """A terminal rendering: ids, scores, rule names and counts only."""
        lines = [self._headline()]
        if self.mentor_id is not None:
            lines.append("")
            lines.append(f"  {'criterion':<14}{'value':>7}{'weight':>8}{'share':>7}")
            for row in self.criteria.itertuples(index=False):
                lines.append(f"  {row.criterion:<14}{row.value:>7.1f}{row.weight:>8.4g}{row.share:>7.1f}")
            lines.append(f"  {'score':<14}{'':>7}{'':>8}{self.score:>7.1f}")
            lines.append("")
            lines.append("hard rules:")
            for row in self.rules.itertuples(index=False):
                lines.append(f"  {'pass' if row.passed else 'FAIL'}  {row.rule:<18} {row.detail}")
        if self.reason is not None:
            lines.append("")
            lines.append(f"unmatched: {self.reason}: {self.reason_detail}")
        excluded = self.rule_counts[self.rule_counts["mentors_excluded"] > 0]
        if self.mentor_id is None or self.reason == "no_allowed_mentor":
            counts = ", ".join(f"{r.rule} {r.mentors_excluded}" for r in excluded.itertuples(index=False))
            lines.append(f"mentors excluded per hard rule: {counts or 'none'}")
        if self.alternative is not None:
            lines.append("")
            lines.append(f"choosing {self.mentor_id} instead:")
            lines.extend(_runner_lines(self.alternative))
        if self.change is not None:
            lines.append("")
            lines.append(self._change_line())
            if self.keeping is not None:
                lines.append(f"keeping {self.mentee_id} with {self.previous_mentor_id}:")
                lines.extend(_runner_lines(self.keeping))
        lines.append("")
        if self.runners_up.empty:
            lines.append("runners-up: none")
        else:
            lines.append("runners-up (next-best mentors by score):")
            lines.extend(_runner_lines(self.runners_up))
        lines.append("")
        lines.append(f"method: {self.method}")
        return "\n".join(lines)

    def _change_line(self) -> str:
        """What happened to the mentee's running mentorship, and why (PRODUCT.md section 7)."""
        before = f"running pair with {self.previous_mentor_id}" if self.previous_mentor_id else "no running pair"
        if self.change in ("kept", "locked"):
            return f"continuity: {before}, {self.change}"
        if self.change == "new":
            return f"continuity: {before}; a new pair"
        if self.change is None or self.change == "":
            return f"continuity: {before}"
        from .continuity import reason_words

        reason = self.change_reason or ""
        return f"continuity: {before}, {self.change} ({reason}: {reason_words(reason)})"

    def _headline(self) -> str:
        coach = f", coach {self.coach_id}" if self.coach_id is not None else ""
        if self.mentor_id is None:
            return f"{self.mentee_id}: unmatched"
        if self.mentor_id == self.matched_mentor_id:
            where = f"matched{coach}"
        elif self.matched_mentor_id is not None:
            where = f"asked about; matched to {self.matched_mentor_id}{coach}"
        else:
            where = "asked about; unmatched"
        failed = list(self.rules.loc[~self.rules["passed"], "rule"])
        if not failed:
            verdict = "passes every hard rule"
        else:
            names = " and ".join([", ".join(failed[:-1]), failed[-1]] if len(failed) > 1 else failed)
            verdict = f"cannot be matched: it breaks the {names} rule{'s' if len(failed) > 1 else ''}"
        return f"{self.mentee_id} - {self.mentor_id} ({where}): score {self.score:.1f}; {verdict}"


def _runner_lines(table: pd.DataFrame) -> list[str]:
    lines = []
    for row in table.itertuples(index=False):
        rank = f"{row.rank}." if row.rank else "-"
        lines.append(f"  {rank:>3} {row.mentor_id}  score {row.score:.1f}  {row.detail}")
    return lines


def explain(
    problem: Problem,
    mentee_id: str,
    *,
    mentor_id: str | None = None,
    matching: MatchResult | None = None,
    solver: str = "auto",
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    seed: int = 0,
    runners_up: int = 3,
    costs: bool = True,
    progress: Progress | None = None,
) -> Explanation:
    """Explain one mentee's place in a matching: why this mentor, why not that one, or why nobody.

    Parameters
    ----------
    problem : Problem
        From :func:`mentormatch.build_problem`.
    mentee_id : str
    mentor_id : str, optional
        Explain this pair ("why not this mentor?") instead of the mentee's matched one.
    matching : MatchResult, optional
        The matching to explain: from :func:`mentormatch.solve`, or a matches file read by
        :func:`mentormatch.match.load_matching` (solver ``"given"``). None: solved here with ``solver``,
        ``time_limit`` and ``seed``.
    solver, time_limit, seed
        For that solve and for every re-solve behind the costs, each of which gets the whole ``time_limit``
        (see :func:`mentormatch.solve`).
    runners_up : int
        How many other mentors to list.
    costs : bool
        Re-solve once per possible runner-up (and once more for a reference when ``matching`` is a given file)
        to find what choosing it would cost; False lists blockers and holders only.
    progress : callable, optional
        ``progress(stage, elapsed_seconds)`` before each solve; nothing is printed.

    Returns
    -------
    Explanation

    Raises
    ------
    ValueError
        An unknown mentee or mentor id, a matching of another roster, or an unknown solver.

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem
    >>> problem = build_problem(read_roster("data/synthetic/small"))
    >>> why = explain(problem, "ME00005")
    >>> why.mentor_id, why.score, why.allowed
    ('MR00006', 83.8, True)
    >>> round(float(why.criteria["share"].sum()), 1)
    83.8
    >>> list(why.runners_up.columns[:4])
    ['rank', 'mentor_id', 'score', 'possible']
    >>> explain(problem, "ME00002").reason
    'no_allowed_mentor'
    """
    start = time.perf_counter()

    def report(stage: str, _elapsed: float | None = None) -> None:
        if progress is not None:
            progress(stage, time.perf_counter() - start)

    i = _index(problem.mentee_ids, mentee_id, "mentee")
    asked = None if mentor_id is None else _index(problem.mentor_ids, mentor_id, "mentor")
    if runners_up < 0:
        raise ValueError(f"runners_up must be ≥ 0, got {runners_up!r}")
    if matching is None:
        report("solving")
        matching = solve(problem, solver, time_limit=time_limit, seed=seed, progress=progress and report, price=False)
    mentor_of = _mentor_of(problem, matching)
    row = matching.table.iloc[i]
    matched = int(mentor_of[i])
    j = asked if asked is not None else (matched if matched >= 0 else None)
    mentor_ids = problem.mentor_ids

    verdicts = _row_verdicts(problem, i)
    scores = np.round(problem.score[i].astype(np.float64) * 100, 1)
    pair_rules = [rule for rule in verdicts if rule not in ("capacity", "coach")]
    criteria, rules, score, allowed = _empty(CRITERIA_COLUMNS), _empty(RULES_COLUMNS), None, False
    if j is not None:
        criteria, score = _criteria(problem, i, j)
        rules = pd.DataFrame(
            {
                "rule": list(verdicts),
                "passed": [bool(passed[j]) for passed in verdicts.values()],
                "detail": [asks(rule, problem.config) for rule in verdicts],
            }
        )
        allowed = all(bool(verdicts[rule][j]) for rule in pair_rules)

    # the runners-up: every other mentor by score S (the solver's float32), ties by mentor order
    others = np.argsort(-problem.score[i], kind="stable")
    others = others[(others != matched) & (others != (-1 if j is None else j))][:runners_up]
    candidates = [int(k) for k in others]
    alternative_of = j if (asked is not None and asked != matched) else None
    if alternative_of is not None:
        candidates.append(alternative_of)
    previous, change, change_reason = _continuity(problem, matching, i)
    keeping_of = previous if change in ("moved", "ended") else None
    if keeping_of is not None and keeping_of not in candidates:
        candidates.append(keeping_of)
    blockers = {k: _blockers(verdicts, pair_rules, k) for k in candidates}
    if keeping_of is not None:
        blockers[keeping_of] = _keeping_blockers(problem, verdicts, i, keeping_of)
    holders = _holders(problem, mentor_of)
    used = np.bincount(
        mentor_of[mentor_of >= 0], weights=problem.workload[mentor_of >= 0], minlength=problem.shape[1]
    ).astype(np.int64)

    costs_of: dict[int, _Cost] = {}
    possible = [k for k in candidates if not blockers[k]]
    reference = None
    if costs and possible:
        reference = _reference(problem, matching, solver, time_limit, seed, report)
        for n_done, k in enumerate(possible, start=1):
            report(f"re-solving with {mentee_id} - {mentor_ids[k]} fixed ({n_done}/{len(possible)})")
            costs_of[k] = _forced_cost(problem, i, k, reference, solver, time_limit, seed)

    def table(ks: list[int], ranks: list[int]) -> pd.DataFrame:
        records = [
            _runner(problem, i, k, rank, scores[k], blockers[k], holders[k], used[k], costs_of.get(k), costs)
            for k, rank in zip(ks, ranks, strict=True)
        ]
        frame = pd.DataFrame.from_records(records, columns=list(RUNNERS_UP_COLUMNS))
        return frame.astype(
            {
                "rank": np.int64,
                "score": np.float64,
                "possible": bool,
                "priority_change": "Int64",
                "score_change": np.float64,
                "exact": "boolean",
            }
        )

    ranked = candidates[: len(others)]
    reason = row["reason"] if matched < 0 else None
    detail = row["reason_detail"] if matched < 0 else None
    return Explanation(
        mentee_id=mentee_id,
        mentor_id=None if j is None else mentor_ids[j],
        matched_mentor_id=mentor_ids[matched] if matched >= 0 else None,
        coach_id=row["coach_id"] if matched >= 0 and isinstance(row["coach_id"], str) else None,
        score=None if score is None else float(score),
        allowed=bool(allowed),
        criteria=criteria,
        rules=rules,
        runners_up=table(ranked, list(range(1, len(ranked) + 1))),
        rule_counts=pd.DataFrame(
            {
                "rule": pair_rules,
                "mentors_excluded": np.array([int((~verdicts[rule]).sum()) for rule in pair_rules], dtype=np.int64),
            }
        ),
        method=_method(reference, costs, locked=problem.current is not None),
        reason=reason if isinstance(reason, str) else None,
        reason_detail=detail if isinstance(detail, str) else None,
        alternative=table([alternative_of], [0]) if alternative_of is not None else None,
        previous_mentor_id=None if previous is None else mentor_ids[previous],
        change=change,
        change_reason=change_reason,
        keeping=table([keeping_of], [0]) if keeping_of is not None else None,
    )


def _continuity(problem: Problem, matching: MatchResult, i: int) -> tuple[int | None, str | None, str | None]:
    """Mentee i's current mentor index and the matching's ``change`` / ``change_reason`` (None without current
    pairs)."""
    if problem.current is None:
        return None, None, None
    previous = int(problem.current.mentor[i])
    table = matching.table
    change = table["change"].iloc[i] if "change" in table.columns else None
    reason = table["change_reason"].iloc[i] if "change_reason" in table.columns else None
    return (
        previous if previous >= 0 else None,
        change if isinstance(change, str) else None,
        reason if isinstance(reason, str) else None,
    )


def _keeping_blockers(problem: Problem, verdicts: dict[str, np.ndarray], i: int, k: int) -> list[str]:
    """Why the current pair (i, k) cannot be kept at all: the reason it is not valid (a leaving mentor, a broken
    rule not exempted), then ``workload`` and ``coach``."""
    invalid = problem.current.invalid[i]
    blocked = [] if invalid is None else [invalid.removeprefix("rule:")]
    if problem.roster.mentors[k].status == "leaving":
        blocked = ["mentor_leaving"]
    if not verdicts["capacity"][k]:
        blocked.append("workload")
    if "coach" in verdicts and not verdicts["coach"][k]:
        blocked.append("coach")
    return blocked


# ---------------------------------------------------------------------------------------------------------------
# The explained pair


def _index(ids: tuple[str, ...], wanted: str, what: str) -> int:
    try:
        return ids.index(wanted)
    except ValueError:
        raise ValueError(f"unknown {what} id {wanted!r}") from None


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: [] for name in columns})


def _features(problem: Problem):
    return problem.features if problem.features is not None else encode(problem.roster, problem.config)


def _mentor_of(problem: Problem, matching: MatchResult) -> np.ndarray:
    """Each mentee's mentor index in ``matching`` (−1 = unmatched), checked against the problem's ids."""
    table = matching.table
    if tuple(table["mentee_id"]) != problem.mentee_ids:
        raise ValueError("the matching is not one of this problem's roster (its mentee ids differ)")
    ids = table["mentor_id"].where(table["mentor_id"].notna(), None)
    mentor_of = pd.Index(problem.mentor_ids).get_indexer(ids)
    unknown = ids.notna().to_numpy() & (mentor_of < 0)
    if unknown.any():
        raise ValueError(f"the matching names an unknown mentor id {ids[unknown].iloc[0]!r}")
    return mentor_of.astype(np.int64)


def _criteria(problem: Problem, i: int, j: int) -> tuple[pd.DataFrame, float]:
    """The criteria table and the score (0–100, one decimal) of pair (i, j), with the solver's own values."""
    parts, total = criterion_parts(
        problem.roster, problem.config, np.array([i]), np.array([j]), features=_features(problem)
    )
    values = parts[0].astype(np.float64)
    weights = np.asarray(problem.config.weights.as_tuple(), dtype=np.float64)
    score = float(np.round(float(total[0]) * 100, 1))
    return pd.DataFrame(
        {
            "criterion": list(CRITERIA),
            "value": np.round(values * 100, 1),
            "weight": weights,
            "share": _shares(values, weights, score),
        }
    ), score


def _shares(values: np.ndarray, weights: np.ndarray, score: float) -> np.ndarray:
    """Points of the score per criterion, one decimal, adding up to ``score`` exactly.

    The cumulative sums of the exact shares (in tenths) are rounded and differenced, the last positive weight
    taking what remains: every share is within 0.1 of its exact value and none is negative.
    """
    on = weights > 0
    exact = np.where(on, weights * values, 0.0) / weights[on].sum() * 1000  # tenths of a point
    target = round(score * 10)
    cumulative = np.minimum(np.rint(np.cumsum(exact[on])), target)
    cumulative[-1] = target
    tenths = np.zeros(len(values))
    tenths[on] = np.diff(cumulative, prepend=0.0)
    return tenths / 10


def _row_verdicts(problem: Problem, i: int) -> dict[str, np.ndarray]:
    """Mentee i against every mentor: for each hard rule checked, an (m,) bool array of where it passes.

    The rule families, exclusions and the minimum score in :data:`~mentormatch.rules.RULES` order, by the
    encoder's own formulas (their AND is ``problem.allowed[i]``); then ``capacity`` (capacity ≥ the workload) and,
    with a coach tier, ``coach`` (:meth:`~mentormatch.problem.CoachTier.coverable`).
    """
    config = problem.config
    bits = rule_bits(problem.roster, config, np.array([i]), features=_features(problem))[0]
    verdicts = {rule: (bits & (1 << RULES.index(rule))) == 0 for rule in checked_rules(config)}
    current = problem.current
    if current is not None and current.valid[i]:  # a running pair may break an exempted rule (section 7)
        for rule in config.continuity.exempt_rules:
            if rule in verdicts:
                verdicts[rule][current.mentor[i]] = True
    status = np.asarray([p.status for p in problem.roster.mentors], dtype=object)
    if (status != "active").any() or current is not None:
        verdicts["status"] = status == "active"
        if current is not None and current.valid[i] and status[current.mentor[i]] == "paused":
            verdicts["status"][current.mentor[i]] = True  # a paused mentor keeps current mentees
    verdicts["capacity"] = problem.capacity >= problem.workload[i]
    if problem.coaches is not None:
        tier = problem.coaches
        verdicts["coach"] = replace(tier, mentee_type=tier.mentee_type[[i]]).coverable()[0]
    return verdicts


# ---------------------------------------------------------------------------------------------------------------
# Runners-up and their costs


def _blockers(verdicts: dict[str, np.ndarray], pair_rules: list[str], k: int) -> list[str]:
    """Why mentor k cannot take the case at all: broken rules, then ``workload``, then ``coach``."""
    blocked = [rule for rule in pair_rules if not verdicts[rule][k]]
    if not verdicts["capacity"][k]:
        blocked.append("workload")
    if "coach" in verdicts and not verdicts["coach"][k]:
        blocked.append("coach")
    return blocked


def _holders(problem: Problem, mentor_of: np.ndarray) -> list[str]:
    """For each mentor, the ``;``-joined ids of the mentees the matching gives them ("" if none)."""
    held: list[list[str]] = [[] for _ in range(problem.shape[1])]
    for mentee, k in zip(problem.mentee_ids, mentor_of.tolist(), strict=True):
        if k >= 0:
            held[k].append(mentee)
    return [";".join(ids) for ids in held]


@dataclass(frozen=True)
class _Reference:
    priority_sum: int
    objective: float
    optimal: bool
    status: Status
    solver: str
    solved: bool  # True when solved here (the matching was a given file)


@dataclass(frozen=True)
class _Cost:
    placed: bool
    priority_change: int | None
    score_change: float | None
    exact: bool
    status: Status


def _reference(
    problem: Problem, matching: MatchResult, solver: str, time_limit: float | None, seed: int, report
) -> _Reference:
    """What costs are measured against: the matching itself when a solver made it, else a fresh solve."""
    if matching.solver != "given":
        return _Reference(
            matching.priority_sum,
            matching.objective,
            matching.status is Status.OPTIMAL,
            matching.status,
            matching.solver,
            False,
        )
    report("solving for the reference matching")
    found = find_solution(problem, solver, time_limit=time_limit, seed=seed)
    return _Reference(
        int(found.priority_sum),
        float(found.objective),
        found.status is Status.OPTIMAL,
        found.status,
        found.solver,
        True,
    )


def _forced_cost(
    problem: Problem, i: int, k: int, reference: _Reference, solver: str, time_limit: float | None, seed: int
) -> _Cost:
    """Re-solve with mentee i's only allowed mentor k and its priority above everyone else's together."""
    allowed = problem.allowed.copy()
    allowed[i] = False
    allowed[i, k] = True
    if problem.current is not None:
        # with a continuity tier above priority, fixing the pair means locking it: the tier above every other
        base = problem.instance()
        assert base.keep is not None  # current pairs give a continuity tier
        keep = base.keep.copy()
        keep[i] = k
        locked = np.zeros(problem.shape[0], dtype=bool) if base.locked is None else base.locked.copy()
        locked[i] = True
        boost = int(problem.priority[i])
        variant = replace(base, allowed=allowed, keep=keep, locked=locked)
    else:
        priority = problem.priority.copy()
        boost = int(problem.priority.sum()) + 1
        priority[i] = boost
        variant = Instance(
            weights=problem.score, allowed=allowed, priority=priority, load=problem.workload, capacity=problem.capacity
        )
    forced = find_solution(problem, solver, instance=variant, time_limit=time_limit, seed=seed)
    exact = reference.optimal and forced.status is Status.OPTIMAL
    if int(forced.mentor_of[i]) != k:
        return _Cost(False, None, None, exact, forced.status)
    change = int(forced.priority_sum) - boost + int(problem.priority[i]) - reference.priority_sum
    return _Cost(True, change, float(forced.objective) - reference.objective, exact, forced.status)


def _runner(
    problem: Problem,
    i: int,
    k: int,
    rank: int,
    score: float,
    blocked: list[str],
    holders: str,
    used: int,
    cost: _Cost | None,
    costs: bool,
) -> dict:
    """One row of the runners-up table."""
    mentee, mentor = problem.mentee_ids[i], problem.mentor_ids[k]
    full = int(problem.capacity[k]) - used < int(problem.workload[i])
    room = (
        f"mentor {mentor} is full ({holders.replace(';', ', ')})"
        if full and holders
        else (f"mentor {mentor} has room for this case" if not full else f"mentor {mentor} is full")
    )
    row = {
        "rank": rank,
        "mentor_id": mentor,
        "score": float(score),
        "possible": not blocked,
        "priority_change": None,
        "score_change": np.nan,
        "exact": None,
        "blocked_by": ", ".join(blocked),
        "holders": holders,
    }
    if blocked:
        words = []
        rules = [b for b in blocked if b not in ("workload", "coach", "status", "mentor_leaving")]
        if "mentor_leaving" in blocked:
            words.append("the mentor is leaving")
        elif "status" in blocked:
            words.append(f"the mentor is {problem.roster.mentors[k].status} and takes no new mentee")
        if rules:
            words.append("breaks the " + ", ".join(rules) + (" rules" if len(rules) > 1 else " rule"))
        if "workload" in blocked:
            words.append("the mentor's capacity is below the case's workload")
        if "coach" in blocked:
            words.append("no coach eligible for this mentor may supervise this case")
        row["detail"] = f"not possible: {'; '.join(words)}"
        return row
    if not costs:
        row["detail"] = f"{room}; cost not computed"
        return row
    assert cost is not None  # computed for every possible runner-up when costs are asked for
    how = "optimal" if cost.exact else f"not proven optimal: {cost.status}"
    if not cost.placed:  # a search stopped short: without a time limit a coverable pair can always be placed
        row["detail"] = f"{room}; the re-solve with the pair fixed found no matching placing {mentee} there ({how})"
        return row
    assert cost.priority_change is not None and cost.score_change is not None  # a placed pair has both
    row.update(priority_change=cost.priority_change, score_change=cost.score_change, exact=cost.exact)
    row["detail"] = (
        f"{room}; placing {mentee} there {_cost_words(cost.priority_change, cost.score_change)} "
        f"(re-solve with the pair fixed, {how})"
    )
    return row


def _cost_words(priority_change: int, score_change: float) -> str:
    """``costs 2 priority points and 4.2 score points`` (score points: the 0–100 scale of each pair's score, added
    up over the matching; ``gains`` for a change above 0 as shown)."""
    priority = f"{abs(priority_change)} priority point{'' if abs(priority_change) == 1 else 's'}"
    points = round(abs(100 * score_change), 1)
    score = f"{points:.1f} score point{'' if points == 1 else 's'}"
    priority_gain, score_gain = priority_change > 0, round(100 * score_change, 1) > 0
    if not priority_gain and not score_gain:
        return f"costs {priority} and {score}"
    if priority_gain and score_gain:
        return f"gains {priority} and {score}"
    return f"{'gains' if priority_gain else 'costs'} {priority} and {'gains' if score_gain else 'costs'} {score}"


def _method(reference: _Reference | None, costs: bool, *, locked: bool = False) -> str:
    """One sentence stating the cost argument used (``locked``: the continuity tier's lock fixes the pair)."""
    how = (
        "the pair locked, a tier above every other"
        if locked
        else "the mentee's only allowed mentor fixed and its priority raised above all others together"
    )
    fixed = (
        f"cost of a possible mentor = the best matching with that pair fixed (re-solved by the same solver "
        f"with {how}) less "
    )
    if not costs:
        return "costs not computed (costs=False): runners-up show what blocks them and who holds their capacity"
    if reference is None:
        return fixed + "the reference matching; no runner-up listed is possible, so nothing was re-solved"
    proven = "proven optimal" if reference.optimal else f"not proven optimal ({reference.status})"
    if reference.solved:
        against = f"a fresh solve by {reference.solver} ({proven}), since the given matching is not a solver's answer"
    else:
        against = f"this matching ({reference.solver}, {proven})"
    return fixed + against + "; a cost is exact when both solves are proven optimal"
