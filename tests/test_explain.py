"""Why this mentor, why nobody (PRODUCT.md section 6): shares add up, rule verdicts agree with the verifier,
runner-up costs agree with brute force, and the text carries no profile values."""

from __future__ import annotations

import importlib
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentormatch import MatchConfig, Roster, assign, build_problem, read_roster, solve, write_matches
from mentormatch.config import CRITERIA, Rules, Weights
from mentormatch.encode import rule_failures
from mentormatch.explain import Explanation, explain
from mentormatch.match import evaluate, load_matching
from mentormatch.problem import Problem, Status
from mentormatch.verify import broken_rules, pair_criteria, pair_score

from .oracles import best_totals
from .strategies import rosters, rosters_with_coaches

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "data" / "synthetic" / "small"
COACHES = ROOT / "data" / "synthetic" / "coaches"


def examples(n: int) -> settings:
    return settings(max_examples=n)


@pytest.fixture(scope="module")
def small() -> tuple[Problem, object]:
    problem = build_problem(read_roster(SMALL))
    return problem, solve(problem)


@pytest.fixture(scope="module")
def coached() -> tuple[Problem, object]:
    problem = build_problem(read_roster(COACHES))
    return problem, solve(problem)


def empty_matching(problem: Problem):
    """The matching that places nobody: a valid MatchResult without running a solver."""
    n, m = problem.shape
    coach_of = None if problem.coaches is None else np.full(m, -1)
    return evaluate(problem, np.full(n, -1), coach_of)


# ---------------------------------------------------------------------------------------------------------------
# Criteria: values are the solver's, shares add up to the score


weight_values = st.one_of(st.just(0.0), st.sampled_from([0.5, 1.0, 2.0, 3.0]), st.floats(0, 10, allow_nan=False))
weight_sets = st.lists(weight_values, min_size=len(CRITERIA), max_size=len(CRITERIA)).filter(
    lambda w: any(x > 0 for x in w)
)


@examples(60)
@given(roster=rosters(max_mentees=4, max_mentors=3), weights=weight_sets, data=st.data())
def test_criterion_shares_add_up_to_the_score(roster: Roster, weights: list[float], data) -> None:
    config = MatchConfig(weights=Weights(**dict(zip(CRITERIA, weights, strict=True))))
    problem = build_problem(roster, config)
    i = data.draw(st.integers(0, problem.shape[0] - 1))
    j = data.draw(st.integers(0, problem.shape[1] - 1))
    why = explain(
        problem, roster.mentees[i].id, mentor_id=roster.mentors[j].id, matching=empty_matching(problem), costs=False
    )
    criteria = why.criteria
    assert list(criteria["criterion"]) == list(CRITERIA)
    assert why.score == round(float(problem.score[i, j]) * 100, 1)
    assert abs(criteria["share"].sum() - why.score) < 1e-6  # exactly, to the displayed decimal
    # against the plain-Python reading of the profiles
    plain = pair_criteria(roster.mentees[i], roster.mentors[j])
    total = sum(w for w in weights if w > 0)
    assert abs(why.score - 100 * pair_score(plain, config)) <= 0.05 + 1e-3
    for row in criteria.itertuples(index=False):
        assert row.weight == config.weights.as_tuple()[CRITERIA.index(row.criterion)]
        assert abs(row.value - 100 * plain[row.criterion]) <= 0.05 + 1e-3
        exact = 100 * row.weight * plain[row.criterion] / total if row.weight > 0 else 0.0
        assert abs(row.share - exact) <= 0.1 + 1e-3
        assert row.share >= 0
        if row.weight == 0:
            assert row.share == 0


# ---------------------------------------------------------------------------------------------------------------
# Rules: verdicts agree with the verifier and with the allowed mask


rule_configs = st.builds(
    Rules,
    shared_language=st.booleans(),
    min_availability_overlap=st.sampled_from([0, 1, 2, 4]),
    gender_preference=st.booleans(),
    high_risk_levels=st.sampled_from([(), ("high",), ("medium", "high")]),
    high_risk_min_experience=st.sampled_from([0.0, 2.0, 3.0]),
    same_region=st.booleans(),
    max_age_gap=st.one_of(st.none(), st.integers(0, 40)),
    min_score=st.sampled_from([0.0, 30.0, 50.0, 62.5]),
)


@examples(60)
@given(roster=rosters(max_mentees=5, max_mentors=4), rules=rule_configs, data=st.data())
def test_rule_verdicts_agree_with_the_verifier_and_the_mask(roster: Roster, rules: Rules, data) -> None:
    config = MatchConfig(rules=rules)
    problem = build_problem(roster, config)
    n, m = problem.shape
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, m - 1))
    mentee, mentors = roster.mentees[i], roster.mentors
    excluded = {(e.mentee_id, e.mentor_id) for e in roster.exclusions}
    broken = [set(broken_rules(mentee, p, config, (mentee.id, p.id) in excluded)) for p in mentors]
    why = explain(
        problem, mentee.id, mentor_id=mentors[j].id, matching=empty_matching(problem), runners_up=m, costs=False
    )

    verdict = dict(zip(why.rules["rule"], why.rules["passed"], strict=True))
    failed = {rule for rule, ok in verdict.items() if not ok}
    assert failed - {"capacity"} == broken[j]
    assert verdict["capacity"] == (mentors[j].capacity >= mentee.workload)
    assert why.allowed == bool(problem.allowed[i, j]) == (not broken[j])
    assert ("min_score" in verdict) == (rules.min_score > 0)
    assert ("region" in verdict) == rules.same_region
    assert "exclusion" in verdict and "coach" not in verdict
    # every other mentor: blocked by exactly the rules it breaks, and "workload" where it has no room at all
    assert len(why.runners_up) == m - 1
    for row in why.runners_up.itertuples(index=False):
        k = problem.mentor_ids.index(row.mentor_id)
        expected = sorted(broken[k], key=list(verdict).index)
        if mentors[k].capacity < mentee.workload:
            expected.append("workload")
        assert row.blocked_by == ", ".join(expected)
        assert row.possible == (not expected)
    # per-rule counts over all mentors
    counts = Counter(rule for b in broken for rule in b)
    assert dict(zip(why.rule_counts["rule"], why.rule_counts["mentors_excluded"], strict=True)) == {
        rule: counts[rule] for rule in why.rule_counts["rule"]
    }


def coach_may_supervise(roster: Roster, i: int, j: int) -> bool:
    """Some coach eligible for mentor j covers mentee i's type and may take anyone at all, from the profiles."""
    mentee, mentor = roster.mentees[i], roster.mentors[j]
    return any(
        c.id != mentor.id
        and mentor.coach_id in (None, c.id)
        and (c.languages is None or bool(c.languages & set(mentor.languages)))
        and (c.specialisms is None or mentee.extremism_type in c.specialisms)
        and c.max_mentors > 0
        and (c.max_mentees is None or c.max_mentees > 0)
        for c in roster.coaches
    )


@examples(40)
@given(roster=rosters_with_coaches(max_mentees=4, max_mentors=3), data=st.data())
def test_coach_verdict_agrees_with_the_coaches_profiles(roster: Roster, data) -> None:
    problem = build_problem(roster)
    n, m = problem.shape
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, m - 1))
    why = explain(
        problem,
        roster.mentees[i].id,
        mentor_id=roster.mentors[j].id,
        matching=empty_matching(problem),
        runners_up=m,
        costs=False,
    )
    verdict = dict(zip(why.rules["rule"], why.rules["passed"], strict=True))
    assert list(verdict)[-2:] == ["capacity", "coach"]
    assert verdict["coach"] == coach_may_supervise(roster, i, j)
    for row in why.runners_up.itertuples(index=False):
        k = problem.mentor_ids.index(row.mentor_id)
        assert ("coach" in row.blocked_by.split(", ")) == (not coach_may_supervise(roster, i, k))


# ---------------------------------------------------------------------------------------------------------------
# Costs: a re-solve with the pair fixed, against brute force


def assert_costs_match_brute_force(problem: Problem, i: int) -> Explanation:
    m = problem.shape[1]
    result = solve(problem)
    assert result.status is Status.OPTIMAL
    why = explain(problem, problem.mentee_ids[i], matching=result, runners_up=m)
    best = best_totals(problem)
    assert (result.priority_sum, pytest.approx(result.objective, abs=1e-5)) == best
    for row in why.runners_up.itertuples(index=False):
        k = problem.mentor_ids.index(row.mentor_id)
        if not row.possible:
            assert row.blocked_by
            assert not (problem.allowed[i, k] and problem.capacity[k] >= problem.workload[i]) or (
                "coach" in row.blocked_by
            )
            continue
        assert problem.allowed[i, k] and problem.capacity[k] >= problem.workload[i]
        forced = best_totals(problem, (i, k))
        assert forced is not None, "a possible runner-up can always be placed"
        assert row.exact
        assert row.priority_change == forced[0] - best[0]
        assert row.score_change == pytest.approx(forced[1] - best[1], abs=2e-5)
        assert (row.priority_change, row.score_change) <= (0, 2e-5)
    return why


RELAXED = MatchConfig(
    rules=Rules(shared_language=False, min_availability_overlap=0, gender_preference=False, high_risk_levels=())
)
"""Only exclusions stay: pairs are mostly allowed, so that capacity and coaches decide (random profiles under the
default rules rarely allow a pair)."""


def contested(roster: Roster) -> Roster:
    """Every mentor with room for one or two cases: with :data:`RELAXED`, mentees compete for capacity."""
    mentors = tuple(p.model_copy(update={"capacity": 1 + p.capacity % 2}) for p in roster.mentors)
    return Roster(mentees=roster.mentees, mentors=mentors, coaches=roster.coaches, exclusions=roster.exclusions)


def cases(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """(roster, config): as drawn under the default rules, or contested under :data:`RELAXED`."""
    return st.one_of(strategy.map(lambda r: (r, MatchConfig())), strategy.map(lambda r: (contested(r), RELAXED)))


@examples(60)
@given(case=cases(rosters(max_mentees=5, max_mentors=3, min_mentees=2, min_mentors=2)), data=st.data())
def test_runner_up_costs_agree_with_brute_force(case: tuple[Roster, MatchConfig], data) -> None:
    problem = build_problem(*case)
    assert_costs_match_brute_force(problem, data.draw(st.integers(0, problem.shape[0] - 1)))


@examples(40)
@given(
    case=cases(rosters_with_coaches(max_mentees=4, max_mentors=3, max_coaches=2, min_mentees=2, min_mentors=2)),
    data=st.data(),
)
def test_runner_up_costs_agree_with_brute_force_with_coaches(case: tuple[Roster, MatchConfig], data) -> None:
    problem = build_problem(*case)
    assert_costs_match_brute_force(problem, data.draw(st.integers(0, problem.shape[0] - 1)))


# ---------------------------------------------------------------------------------------------------------------
# The bundled rosters


def holders_of(result, mentor_id: str) -> str:
    table = result.table
    return ";".join(table.loc[table["mentor_id"] == mentor_id, "mentee_id"])


def test_matched_pair_on_the_small_roster(small) -> None:
    problem, result = small
    why = explain(problem, "ME00005", matching=result)
    row = result.table.set_index("mentee_id").loc["ME00005"]
    assert why.mentor_id == why.matched_mentor_id == row["mentor_id"]
    assert why.coach_id is None and why.reason is None and why.allowed
    assert why.score == row["score"]
    assert why.criteria["value"].tolist() == [row[c] for c in CRITERIA]
    assert why.criteria["share"].sum() == pytest.approx(why.score, abs=1e-9)
    assert why.rules["rule"].tolist() == [
        "language",
        "availability",
        "gender_preference",
        "high_risk",
        "exclusion",
        "capacity",
    ]
    assert why.rules["passed"].all()
    assert set(why.tables()) == {"criteria", "rules", "runners_up", "rule_counts"}

    runners = why.runners_up
    assert runners["rank"].tolist() == [1, 2, 3]
    assert why.mentor_id not in runners["mentor_id"].tolist()
    j = problem.mentor_ids.index(why.mentor_id)
    others = [k for k in np.argsort(-problem.score[problem.mentee_ids.index("ME00005")], kind="stable") if k != j]
    assert runners["mentor_id"].tolist() == [problem.mentor_ids[k] for k in others[:3]]
    assert runners["score"].is_monotonic_decreasing
    assert "this matching" in why.method
    i = problem.mentee_ids.index("ME00005")
    for r in runners.itertuples(index=False):
        assert r.holders == holders_of(result, r.mentor_id)
        if not r.possible:
            continue
        assert r.exact and r.priority_change <= 0 and r.score_change <= 1e-6
        assert f"placing ME00005 there costs {-r.priority_change} priority points" in r.detail
        # the same variant through the array-level API
        k = problem.mentor_ids.index(r.mentor_id)
        allowed = problem.allowed.copy()
        allowed[i] = False
        allowed[i, k] = True
        boost = int(problem.priority.sum()) + 1
        priority = problem.priority.copy()
        priority[i] = boost
        forced = assign(
            problem.score, capacity=problem.capacity, load=problem.workload, allowed=allowed, priority=priority
        )
        assert forced.mentor_of[i] == k
        assert r.priority_change == forced.priority_sum - boost + problem.priority[i] - result.priority_sum
        assert r.score_change == pytest.approx(forced.objective - result.objective, abs=2e-5)


def test_matched_pair_with_coaches(coached) -> None:
    problem, result = coached
    why = explain(problem, "ME00001", matching=result)
    row = result.table.set_index("mentee_id").loc["ME00001"]
    assert why.mentor_id == row["mentor_id"] and why.coach_id == row["coach_id"]
    verdict = dict(zip(why.rules["rule"], why.rules["passed"], strict=True))
    assert verdict["coach"] and all(verdict.values())
    i = problem.mentee_ids.index("ME00001")
    coverable = problem.coaches.coverable()[i]
    for r in why.runners_up.itertuples(index=False):
        k = problem.mentor_ids.index(r.mentor_id)
        assert ("coach" in r.blocked_by.split(", ")) == (not coverable[k])
        if r.possible:
            assert r.exact and (r.priority_change, r.score_change) <= (0, 1e-6)
    assert f"(matched, coach {why.coach_id})" in why.text().splitlines()[0]


def test_unmatched_mentee_gets_the_reason_and_rule_counts(small) -> None:
    problem, result = small
    table = result.table.set_index("mentee_id")
    for mentee_id in ("ME00007", "ME00002"):
        why = explain(problem, mentee_id, matching=result)
        assert why.mentor_id is None and why.matched_mentor_id is None and why.score is None and not why.allowed
        assert why.criteria.empty and why.rules.empty
        assert why.reason == table.loc[mentee_id, "reason"]
        assert why.reason_detail == table.loc[mentee_id, "reason_detail"]
        counts = rule_failures(problem.roster, problem.config, np.array([problem.mentee_ids.index(mentee_id)]))
        assert dict(zip(why.rule_counts["rule"], why.rule_counts["mentors_excluded"], strict=True)) == {
            rule: int(counts[rule][0]) for rule in why.rule_counts["rule"]
        }
        text = why.text()
        assert f"{mentee_id}: unmatched" in text and why.reason in text
    why = explain(problem, "ME00002", matching=result)
    assert why.reason == "no_allowed_mentor"
    assert not why.runners_up["possible"].any()
    for r in why.rule_counts.itertuples(index=False):
        if r.mentors_excluded:
            assert f"{r.rule} {r.mentors_excluded}" in why.reason_detail
    why = explain(problem, "ME00007", matching=result)
    assert why.reason == "capacity"
    possible = why.runners_up[why.runners_up["possible"]]
    assert len(possible) and possible["exact"].all()
    # capacity went to better cases: placing this one cannot improve the (proven optimal) matching
    assert all(
        (int(p), float(s)) <= (0, 1e-6)
        for p, s in zip(possible["priority_change"], possible["score_change"], strict=True)
    )


def test_why_not_this_mentor(small) -> None:
    problem, result = small
    why = explain(problem, "ME00005", mentor_id="MR00002", matching=result)
    assert (why.mentor_id, why.matched_mentor_id) == ("MR00002", "MR00006")
    assert why.alternative is not None and why.alternative["rank"].tolist() == [0]
    assert why.alternative["mentor_id"].tolist() == ["MR00002"]
    assert "alternative" in why.tables()
    assert not {"MR00002", "MR00006"} & set(why.runners_up["mentor_id"])
    assert why.alternative["possible"].iloc[0] and why.alternative["exact"].iloc[0]
    assert "choosing MR00002 instead" in why.text()
    # an excluded pair: the rule is named, the exclusion's reason text never leaves the library
    why = explain(problem, "ME00024", mentor_id="MR00010", matching=result)
    verdict = dict(zip(why.rules["rule"], why.rules["passed"], strict=True))
    assert not verdict["exclusion"] and not why.allowed
    assert "exclusion" in why.alternative["blocked_by"].iloc[0]
    assert "co-defendant" not in why.text()
    # the matched mentor asked about is no alternative
    assert explain(problem, "ME00005", mentor_id="MR00006", matching=result, costs=False).alternative is None


def test_unknown_ids_raise_naming_them(small) -> None:
    problem, result = small
    with pytest.raises(ValueError, match="unknown mentee id 'ME99999'"):
        explain(problem, "ME99999", matching=result)
    with pytest.raises(ValueError, match="unknown mentor id 'MR99999'"):
        explain(problem, "ME00005", mentor_id="MR99999", matching=result)
    other = build_problem(read_roster(COACHES))
    with pytest.raises(ValueError, match="not one of this problem's roster"):
        explain(problem, "ME00005", matching=solve(other))


def test_explaining_a_given_matches_file(small, tmp_path: Path) -> None:
    problem, result = small
    path = tmp_path / "matches.csv"
    write_matches(result, path)
    given_matching = load_matching(problem, path)
    assert given_matching.solver == "given"
    stages: list[str] = []
    why = explain(problem, "ME00005", matching=given_matching, progress=lambda stage, _t: stages.append(stage))
    assert "fresh solve" in why.method
    assert stages.count("solving for the reference matching") == 1
    from_solver = explain(problem, "ME00005", matching=result)
    columns = ["mentor_id", "possible", "priority_change", "exact", "holders", "blocked_by"]
    assert why.runners_up[columns].equals(from_solver.runners_up[columns])
    assert np.allclose(why.runners_up["score_change"], from_solver.runners_up["score_change"], equal_nan=True)


def test_no_costs_no_re_solves(small, monkeypatch) -> None:
    module = importlib.import_module("mentormatch.explain")

    problem, result = small

    def refuse(*args, **kwargs):
        raise AssertionError("costs=False must not re-solve")

    monkeypatch.setattr(module, "find_solution", refuse)
    monkeypatch.setattr(module, "solve", refuse)
    why = explain(problem, "ME00005", matching=result, costs=False)
    assert why.runners_up["priority_change"].isna().all() and why.runners_up["score_change"].isna().all()
    assert why.runners_up["exact"].isna().all()
    assert "costs not computed" in why.method
    assert all("cost not computed" in d or d.startswith("not possible") for d in why.runners_up["detail"])


def test_progress_before_each_re_solve_and_nothing_printed(small, capsys) -> None:
    problem, result = small
    stages: list[tuple[str, float]] = []
    why = explain(problem, "ME00005", progress=lambda stage, t: stages.append((stage, t)))
    names = [s for s, _ in stages]
    possible = why.runners_up[why.runners_up["possible"]]["mentor_id"].tolist()
    assert names[0] == "solving"
    resolves = [s for s in names if s.startswith("re-solving")]
    assert resolves == [
        f"re-solving with ME00005 - {k} fixed ({n}/{len(possible)})" for n, k in enumerate(possible, start=1)
    ]
    times = [t for _, t in stages]
    assert times == sorted(times)
    assert capsys.readouterr() == ("", "")


def profile_words(problem: Problem, mentee_id: str, mentor_id: str | None) -> tuple[set[str], set[int]]:
    """The pair's profile values that must not appear: words (casefolded) and ages."""
    roster = problem.roster
    people = [roster.mentees[problem.mentee_ids.index(mentee_id)]]
    if mentor_id is not None:
        people.append(roster.mentors[problem.mentor_ids.index(mentor_id)])
    words: set[str] = set()
    for p in people:
        words.update(p.languages)
        words.update(p.background)
        words.add(p.gender)
        if p.region:
            words.add(p.region)
    mentee, *mentor = people
    words.update(mentee.needs)
    words.add(mentee.extremism_type)
    for p in mentor:
        words.update(p.skills)
        words.update(p.expertise)
    return {w.casefold() for w in words}, {p.age for p in people}


@pytest.mark.parametrize(
    "roster, mentee_id", [("small", "ME00005"), ("small", "ME00007"), ("small", "ME00001"), ("coached", "ME00001")]
)
def test_text_has_no_profile_values(roster: str, mentee_id: str, request) -> None:
    problem, result = request.getfixturevalue(roster)
    why = explain(problem, mentee_id, matching=result)
    text = why.text()
    assert mentee_id in text
    words, ages = profile_words(problem, mentee_id, why.mentor_id)
    found = {w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text.casefold())}
    assert not found, f"profile values in the text: {found}"
    for age in ages:
        assert not re.search(rf"(?<![\w.]){age}(?![\w.])", text), f"an age ({age}) in the text"
    for frame in why.tables().values():
        cells = " ".join(str(v) for v in frame.to_numpy().ravel()).casefold()
        assert not {w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", cells)}
