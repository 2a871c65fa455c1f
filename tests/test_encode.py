"""The vectorised encoder against the plain-Python reading of PRODUCT.md section 3 in verify.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentormatch.config import CRITERIA, MatchConfig
from mentormatch.encode import build_problem, criterion_parts, rule_failures
from mentormatch.schema import Exclusion, Mentee, Mentor, Roster
from mentormatch.verify import broken_rules, pair_criteria, pair_score

from .strategies import rosters

configs = st.builds(
    lambda same_region, gap, min_score, overlap, lang, w: MatchConfig.model_validate(
        {
            "rules": {
                "same_region": same_region,
                "max_age_gap": gap,
                "min_score": min_score,
                "min_availability_overlap": overlap,
                "shared_language": lang,
            },
            "weights": dict(zip(CRITERIA, w)),
        }
    ),
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 40)),
    st.sampled_from([0.0, 30.0, 55.5]),
    st.sampled_from([0, 2, 5]),
    st.booleans(),
    st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=9, max_size=9).filter(any),
)


@settings(max_examples=60, deadline=None)
@given(roster=rosters(), config=configs)
def test_scores_and_mask_match_the_plain_reading(roster: Roster, config: MatchConfig) -> None:
    problem = build_problem(roster, config)
    excluded = {(e.mentee_id, e.mentor_id) for e in roster.exclusions}
    for i, mentee in enumerate(roster.mentees):
        for j, mentor in enumerate(roster.mentors):
            expected = pair_score(pair_criteria(mentee, mentor), config)
            assert problem.score[i, j] == pytest.approx(expected, abs=1e-5)
            broken = broken_rules(mentee, mentor, config, (mentee.id, mentor.id) in excluded)
            # min_score sits on a threshold: float32 vs float64 may differ within 1e-3 of it
            if broken == ["min_score"] and abs(expected * 100 - config.rules.min_score) < 1e-2:
                continue
            assert problem.allowed[i, j] == (not broken), (i, j, broken)


@settings(max_examples=40, deadline=None)
@given(roster=rosters())
def test_criterion_parts_for_pairs_equal_the_plain_reading(roster: Roster) -> None:
    config = MatchConfig()
    n, m = len(roster.mentees), len(roster.mentors)
    i, j = np.divmod(np.arange(n * m), m)
    parts, score = criterion_parts(roster, config, i, j)
    for k in range(n * m):
        expected = pair_criteria(roster.mentees[i[k]], roster.mentors[j[k]])
        assert parts[k] == pytest.approx([expected[c] for c in CRITERIA], abs=1e-6)
        assert score[k] == pytest.approx(pair_score(expected, config), abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(roster=rosters())
def test_rule_failures_count_each_family(roster: Roster) -> None:
    config = MatchConfig()
    counts = rule_failures(roster, config, np.arange(len(roster.mentees)))
    excluded = {(e.mentee_id, e.mentor_id) for e in roster.exclusions}
    for i, mentee in enumerate(roster.mentees):
        expected: dict[str, int] = {}
        for mentor in roster.mentors:
            for rule in broken_rules(mentee, mentor, config, (mentee.id, mentor.id) in excluded):
                expected[rule] = expected.get(rule, 0) + 1
        assert {r: int(c[i]) for r, c in counts.items() if c[i]} == expected


def _mentee(**kw) -> Mentee:
    base = dict(id="A", age=25, gender="male", languages=("english",), extremism_type="far_right")
    return Mentee(**{**base, **kw})


def _mentor(**kw) -> Mentor:
    base = dict(id="B", age=35, gender="male", languages=("english",))
    return Mentor(**{**base, **kw})


@pytest.mark.parametrize(
    ("mentee", "mentor", "criterion", "value"),
    [
        (_mentee(languages=("arabic", "english")), _mentor(languages=("english",)), "language", 0.6),
        (_mentee(languages=("arabic",)), _mentor(languages=("english", "arabic")), "language", 1.0),
        (_mentee(), _mentor(expertise=frozenset({"far_right"})), "extremism", 1.0),
        (_mentee(availability=0b111), _mentor(availability=0b110), "availability", 2 / 6),
        (_mentee(availability=None), _mentor(availability=0b110), "availability", 0.5),
        (_mentee(background=frozenset({"a", "b"})), _mentor(background=frozenset({"a"})), "background", 0.5),
        (_mentee(background=frozenset({"a"})), _mentor(background=frozenset({"a"})), "background", 1.0),
        (_mentee(age=20), _mentor(age=30), "age", 1.0),
        (_mentee(age=20), _mentor(age=20), "age", 1 - 10 / 30),
        (_mentee(age=60), _mentor(age=20), "age", 0.0),
        (_mentee(), _mentor(experience_years=10), "experience", 1.0),
        (_mentee(region="x"), _mentor(region=None), "region", 0.5),
        (_mentee(needs=frozenset({"housing", "anger"})), _mentor(skills=frozenset({"anger"})), "needs", 0.5),
        (_mentee(needs=frozenset({"housing"})), _mentor(), "needs", 0.0),
        (_mentee(), _mentor(), "needs", 0.5),
    ],
)
def test_named_criterion_values(mentee: Mentee, mentor: Mentor, criterion: str, value: float) -> None:
    roster = Roster(mentees=(mentee,), mentors=(mentor,))
    parts, _ = criterion_parts(roster, MatchConfig(), np.array([0]), np.array([0]))
    assert parts[0, CRITERIA.index(criterion)] == pytest.approx(value, abs=1e-6)
    assert pair_criteria(mentee, mentor)[criterion] == pytest.approx(value)


@pytest.mark.parametrize(
    ("mentee", "mentor", "rule"),
    [
        (_mentee(languages=("arabic",)), _mentor(), "language"),
        (_mentee(availability=0b1), _mentor(availability=0b11), "availability"),
        (_mentee(gender_preference="same", gender="female"), _mentor(gender="male"), "gender_preference"),
        (_mentee(gender_preference="female"), _mentor(gender="male"), "gender_preference"),
        (_mentee(risk_level="high"), _mentor(expertise=frozenset({"far_right"}), experience_years=1.5), "high_risk"),
        (_mentee(risk_level="high"), _mentor(experience_years=9), "high_risk"),
    ],
)
def test_each_default_hard_rule_excludes_its_pair(mentee: Mentee, mentor: Mentor, rule: str) -> None:
    roster = Roster(mentees=(mentee,), mentors=(mentor,))
    assert not build_problem(roster).allowed[0, 0]
    assert broken_rules(mentee, mentor, MatchConfig()) == [rule]
    assert rule_failures(roster, MatchConfig(), np.array([0]))[rule][0] == 1


def test_exclusion_forbids_the_pair_only() -> None:
    roster = Roster(
        mentees=(_mentee(),), mentors=(_mentor(), _mentor(id="C")), exclusions=(Exclusion(mentee_id="A", mentor_id="B"),)
    )
    assert build_problem(roster).allowed.tolist() == [[False, True]]


def test_optional_rules_are_off_by_default_and_work_when_on() -> None:
    roster = Roster(mentees=(_mentee(region="x", age=20),), mentors=(_mentor(region="y", age=70),))
    assert build_problem(roster).allowed[0, 0]
    on = MatchConfig.model_validate({"rules": {"same_region": True}})
    assert not build_problem(roster, on).allowed[0, 0]
    gap = MatchConfig.model_validate({"rules": {"max_age_gap": 30}})
    assert not build_problem(roster, gap).allowed[0, 0]
    strict = MatchConfig.model_validate({"rules": {"min_score": 99}})
    assert not build_problem(roster, strict).allowed[0, 0]


def test_score_matrix_is_float32_and_blocked_rows_agree() -> None:
    from mentormatch import encode as enc

    roster = Roster(
        mentees=tuple(_mentee(id=f"A{i}", age=20 + i) for i in range(7)),
        mentors=tuple(_mentor(id=f"B{j}", age=30 + 3 * j) for j in range(3)),
    )
    whole = build_problem(roster)
    saved = enc._PAIRS_PER_BLOCK
    enc._PAIRS_PER_BLOCK = 4  # one row per block
    try:
        blocked = build_problem(roster)
    finally:
        enc._PAIRS_PER_BLOCK = saved
    assert whole.score.dtype == np.float32
    np.testing.assert_array_equal(whole.score, blocked.score)
    np.testing.assert_array_equal(whole.allowed, blocked.allowed)
