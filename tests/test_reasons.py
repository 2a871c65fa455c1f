"""Each reason code of an unmatched mentee (PRODUCT.md section 6, "Why nobody") has a roster that produces it, with
words that name the counts, and :func:`mentormatch.explain.explain` repeats it."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from mentormatch import Roster, build_problem, solve
from mentormatch.availability import parse_availability
from mentormatch.encode import rule_failures
from mentormatch.explain import explain
from mentormatch.match import evaluate
from mentormatch.problem import Problem, Solution, Status
from mentormatch.result import REASONS, MatchResult
from mentormatch.schema import Coach, Exclusion, Mentee, Mentor


def mentee(
    id: str,
    *,
    languages: tuple[str, ...] = ("english",),
    kind: str = "other",
    risk: str = "medium",
    workload: int = 1,
    gender: str = "male",
    preference: str = "any",
    availability: str | None = None,
) -> Mentee:
    return Mentee(
        id=id,
        age=30,
        gender=gender,
        gender_preference=preference,
        languages=languages,
        extremism_type=kind,
        risk_level=risk,
        workload=workload,
        availability=None if availability is None else parse_availability(availability),
    )


def mentor(
    id: str,
    *,
    languages: tuple[str, ...] = ("english",),
    capacity: int = 1,
    gender: str = "male",
    availability: str | None = None,
    expertise: frozenset[str] = frozenset(),
    experience: float = 0.0,
) -> Mentor:
    return Mentor(
        id=id,
        age=40,
        gender=gender,
        languages=languages,
        capacity=capacity,
        expertise=expertise,
        experience_years=experience,
        availability=None if availability is None else parse_availability(availability),
    )


def unmatched_row(result: MatchResult, mentee_id: str):
    return result.table.set_index("mentee_id").loc[mentee_id]


# ---------------------------------------------------------------------------------------------------------------
# One roster per reason code: (problem, result, the unmatched mentee)

Case = tuple[Problem, MatchResult, str]


def no_allowed_mentor() -> Case:
    # a female arabic speaker, free on Monday mornings, who wants a woman: every mentor breaks something
    a = mentee("A", languages=("arabic",), gender="female", preference="same", availability="mon am")
    mentors = (
        mentor("M1", gender="female"),  # no shared language
        mentor("M2", gender="female"),  # no shared language
        mentor("M3", languages=("arabic",)),  # a man: gender preference
        mentor("M4", languages=("arabic",), gender="female"),  # excluded
        mentor("M5", languages=("arabic",), gender="female", availability="sat am"),  # no overlap
    )
    roster = Roster(mentees=(a,), mentors=mentors, exclusions=(Exclusion(mentee_id="A", mentor_id="M4"),))
    problem = build_problem(roster)
    return problem, solve(problem), "A"


def capacity() -> Case:
    # one place, two cases: the high-risk one gets it
    expert = mentor("M", expertise=frozenset({"other"}), experience=3.0)
    problem = build_problem(Roster(mentees=(mentee("H", risk="high"), mentee("L", risk="low")), mentors=(expert,)))
    return problem, solve(problem), "L"


def workload() -> Case:
    problem = build_problem(
        Roster(mentees=(mentee("W", workload=3),), mentors=(mentor("M1", capacity=2), mentor("M2", capacity=1)))
    )
    return problem, solve(problem), "W"


def coach() -> Case:
    # the only coach supervises far-right cases, the mentee's is islamist
    roster = Roster(
        mentees=(mentee("A", kind="islamist"),),
        mentors=(mentor("M", capacity=2),),
        coaches=(Coach(id="C", max_mentors=2, specialisms=frozenset({"far_right"})),),
    )
    problem = build_problem(roster)
    return problem, solve(problem), "A"


def coach_limits() -> Case:
    # two mentors with room for one case each, one coach who may supervise one mentor
    roster = Roster(
        mentees=(mentee("A"), mentee("B")),
        mentors=(mentor("M1"), mentor("M2")),
        coaches=(Coach(id="C", max_mentors=1),),
    )
    problem = build_problem(roster)
    result = solve(problem)
    (left,) = result.unmatched["mentee_id"]
    return problem, result, left


def time_limit() -> Case:
    # a search stopped early: B could still go to M2, which has room
    problem = build_problem(Roster(mentees=(mentee("A"), mentee("B")), mentors=(mentor("M1"), mentor("M2"))))
    mentor_of = np.array([0, -1])
    stopped = Solution(
        mentor_of=mentor_of,
        status=Status.FEASIBLE,
        priority_sum=int(problem.priority[0]),
        objective=float(problem.score[0, 0]),
        priority_bound=int(problem.priority.sum()),
        objective_bound=None,
        solver="cpsat",
        seconds=0.0,
    )
    return problem, evaluate(problem, mentor_of, solution=stopped), "B"


def not_placed() -> Case:
    # a matching read from a file (not a solver's) that leaves B out although M2 has room
    problem = build_problem(Roster(mentees=(mentee("A"), mentee("B")), mentors=(mentor("M1"), mentor("M2"))))
    return problem, evaluate(problem, np.array([0, -1])), "B"


CASES: dict[str, Callable[[], Case]] = {
    "no_allowed_mentor": no_allowed_mentor,
    "capacity": capacity,
    "workload": workload,
    "coach": coach,
    "time_limit": time_limit,
    "not_placed": not_placed,
}


def test_every_reason_code_has_a_roster() -> None:
    assert set(CASES) == set(REASONS)


@pytest.mark.parametrize("code", list(CASES))
def test_the_roster_produces_its_reason_and_explain_repeats_it(code: str) -> None:
    problem, result, mentee_id = CASES[code]()
    row = unmatched_row(result, mentee_id)
    assert row["reason"] == code
    assert result.unmatched["reason"].tolist().count(code) >= 1
    why = explain(problem, mentee_id, matching=result, costs=False)
    assert (why.reason, why.reason_detail) == (code, row["reason_detail"])
    assert why.mentor_id is None and code in why.text()


def test_no_allowed_mentor_counts_mentors_per_rule() -> None:
    problem, result, _ = no_allowed_mentor()
    detail = unmatched_row(result, "A")["reason_detail"]
    counts = rule_failures(problem.roster, problem.config, np.array([0]))
    expected = {"language": 2, "availability": 1, "gender_preference": 1, "exclusion": 1}
    assert {rule: int(c[0]) for rule, c in counts.items() if c[0]} == expected
    assert detail == (
        "none of 5 mentors passes every hard rule (mentors excluded per rule: language 2, "
        "availability 1, gender_preference 1, exclusion 1)"
    )
    why = explain(problem, "A", matching=result, runners_up=5)
    assert {r.rule: r.mentors_excluded for r in why.rule_counts.itertuples() if r.mentors_excluded} == expected
    assert not why.runners_up["possible"].any()
    blocked = dict(zip(why.runners_up["mentor_id"], why.runners_up["blocked_by"], strict=True))
    assert blocked == {
        "M1": "language",
        "M2": "language",
        "M3": "gender_preference",
        "M4": "exclusion",
        "M5": "availability",
    }
    assert "language 2, availability 1, gender_preference 1, exclusion 1" in why.text()


def test_capacity_went_to_the_higher_priority_case() -> None:
    problem, result, _ = capacity()
    detail = unmatched_row(result, "L")["reason_detail"]
    assert detail == "1 allowed mentor, but their capacity went to higher-priority or better-fitting cases"
    why = explain(problem, "L", matching=result)
    (runner,) = why.runners_up.itertuples(index=False)
    assert (runner.mentor_id, runner.possible, runner.holders) == ("M", True, "H")
    # placing L there displaces H: high (3) out, low (1) in
    assert runner.priority_change == 1 - 3 and runner.exact
    assert "mentor M is full (H)" in runner.detail and "costs 2 priority points" in runner.detail


def test_workload_beyond_every_allowed_mentor() -> None:
    problem, result, _ = workload()
    detail = unmatched_row(result, "W")["reason_detail"]
    assert detail == "2 allowed mentors, but none has capacity for a workload of 3"
    why = explain(problem, "W", matching=result)
    assert why.runners_up["blocked_by"].tolist() == ["workload", "workload"]
    why = explain(problem, "W", mentor_id="M1", matching=result)
    assert why.allowed and dict(zip(why.rules["rule"], why.rules["passed"], strict=True))["capacity"] is False


@pytest.mark.parametrize("case, cause", [(coach, "specialism or language 1"), (coach_limits, "coach limits 1")])
def test_coach_reason_names_the_cause(case, cause: str) -> None:
    problem, result, mentee_id = case()
    row = unmatched_row(result, mentee_id)
    assert row["reason"] == "coach"
    assert re.fullmatch(
        r"\d+ allowed mentors?, but none could be given a coach who may supervise this case "
        r"\(mentors ruled out by .*\)",
        row["reason_detail"],
    )
    assert cause in row["reason_detail"]


def test_coach_reason_explained() -> None:
    problem, result, _ = coach()
    why = explain(problem, "A", mentor_id="M", matching=result)
    verdict = dict(zip(why.rules["rule"], why.rules["passed"], strict=True))
    assert why.allowed and verdict["capacity"] and not verdict["coach"]
    assert why.alternative["blocked_by"].tolist() == ["coach"]


def test_time_limit_names_the_allowed_mentors() -> None:
    problem, result, _ = time_limit()
    detail = unmatched_row(result, "B")["reason_detail"]
    assert detail == "2 allowed mentors, some with room; the search stopped before placing this case"
    # costs are measured against this unproven answer, so none is exact, and placing B gains what was left out
    why = explain(problem, "B", matching=result)
    runners = why.runners_up.set_index("mentor_id")
    assert runners["possible"].all() and not runners["exact"].any()
    assert "this matching (cpsat, not proven optimal" in why.method
    assert runners.loc["M2", "priority_change"] == 2 and runners.loc["M2", "holders"] == ""
    assert "mentor M2 has room for this case; placing B there gains 2 priority points" in runners.loc["M2", "detail"]


def test_not_placed_is_costed_against_a_fresh_solve() -> None:
    problem, result, _ = not_placed()
    assert result.solver == "given"
    assert unmatched_row(result, "B")["reason_detail"] == (
        "2 allowed mentors, some with room; the given matching leaves this case out"
    )
    why = explain(problem, "B", matching=result)
    assert "fresh solve" in why.method
    runners = why.runners_up.set_index("mentor_id")
    # the optimum places both; fixing B on either mentor still lets A take the other one: no cost, proven
    assert runners["possible"].all() and runners["exact"].all()
    assert runners["priority_change"].tolist() == [0, 0]
