"""The vectorised encoder against the plain-Python reading of PRODUCT.md section 3 in verify.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentormatch import encode as enc
from mentormatch import synthetic_roster
from mentormatch.config import CRITERIA, MatchConfig
from mentormatch.encode import blocks, build_problem, criterion_parts, features, formulas, rule_failures, tables
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
            "weights": dict(zip(CRITERIA, w, strict=True)),
        }
    ),
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 40)),
    st.sampled_from([0.0, 30.0, 55.5]),
    st.sampled_from([0, 2, 5]),
    st.booleans(),
    st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=9, max_size=9).filter(any),
)


@settings(max_examples=60)
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


@settings(max_examples=40)
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


@settings(max_examples=30)
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
        mentees=(_mentee(),),
        mentors=(_mentor(), _mentor(id="C")),
        exclusions=(Exclusion(mentee_id="A", mentor_id="B"),),
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
    roster = Roster(
        mentees=tuple(_mentee(id=f"A{i}", age=20 + i) for i in range(7)),
        mentors=tuple(_mentor(id=f"B{j}", age=30 + 3 * j) for j in range(3)),
    )
    whole = build_problem(roster)
    with _patched((features, "_PAIRS_PER_BLOCK", 4), (enc, "_TABLE_PAIRS_PER_BLOCK", 4)):  # one row per block
        blocked = build_problem(roster)
    assert whole.score.dtype == np.float32
    np.testing.assert_array_equal(whole.score, blocked.score)
    np.testing.assert_array_equal(whole.allowed, blocked.allowed)


# The table method of build_problem against the reference formulas (_evaluate, _total), bit for bit.


@contextmanager
def _patched(*knobs: tuple[ModuleType, str, object]):
    """Set ``module.name = value`` for each knob for the duration (hypothesis forbids the monkeypatch fixture).

    The module is the one that reads the name (``enc`` for what ``build_problem`` and ``_scorer`` read): a name
    imported from a sibling module is the importer's own binding.
    """
    saved = [(module, name, getattr(module, name)) for module, name, _ in knobs]
    for module, name, value in knobs:
        setattr(module, name, value)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def _matrices(roster: Roster, config: MatchConfig, method: str, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    f = enc.encode(roster, config)
    n, m = len(roster.mentees), len(roster.mentors)
    score, allowed = np.zeros((n, m), np.float32), np.zeros((n, m), bool)
    with ThreadPoolExecutor(workers) as pool:
        scorer, step = enc._scorer(f, config, method, run=pool.map)
        assert isinstance(scorer, tables._TableScorer if method == "tables" else formulas._ReferenceScorer)
        blocks._score_blocks(scorer, step, score, allowed, None, 0.0, pool, workers)
    return score, allowed


KNOBS: dict[str, tuple[tuple[ModuleType, str, object], ...]] = {
    "defaults": (),
    "no leading code": ((tables, "_MAX_CODE", 1),),
    "lookup terms": ((tables, "_F32_TABLE_LIMIT", 0),),
    "no merges": ((tables, "_MERGE_LIMIT", 0),),
    "merge everything": ((tables, "_MERGE_LIMIT", 1 << 40),),
    "sparse vocabularies": ((features, "_DENSE_VOCAB_LIMIT", 1),),
    "row blocks on two threads": ((enc, "_TABLE_PAIRS_PER_BLOCK", 1),),
}


@settings(max_examples=80)
@given(roster=rosters(), config=configs, knobs=st.sampled_from(sorted(KNOBS)))
def test_table_method_equals_the_reference_formulas(roster: Roster, config: MatchConfig, knobs: str) -> None:
    with _patched(*KNOBS[knobs]):
        expected = _matrices(roster, config, "reference")
        score, allowed = _matrices(roster, config, "tables", workers=2 if "threads" in knobs else 1)
    np.testing.assert_array_equal(score, expected[0])
    np.testing.assert_array_equal(allowed, expected[1])


# rounding can lift the sum of the largest terms above 1: then the scores must be clipped as _total does
CLIPPED = MatchConfig.model_validate({"weights": dict(zip(CRITERIA, [0.5, 1.0, 0.7] * 3, strict=True))})


@pytest.mark.parametrize("knobs", ["defaults", "no merges", "lookup terms"])
@pytest.mark.parametrize("seed", [0, 1])
def test_table_method_equals_the_reference_on_a_synthetic_roster(seed: int, knobs: str) -> None:
    roster = synthetic_roster(300, 90, seed=seed)
    assert enc._scorer(enc.encode(roster, CLIPPED), CLIPPED)[0].clip
    with _patched(*KNOBS[knobs]):
        _assert_table_method_equals_reference(roster)


def _assert_table_method_equals_reference(roster: Roster) -> None:
    for config in (
        MatchConfig(),
        MatchConfig.model_validate({"rules": {"min_availability_overlap": 9, "same_region": True, "min_score": 40}}),
        MatchConfig.model_validate(
            {"weights": {"language": 0, "availability": 0, "age": 5}, "rules": {"max_age_gap": 25}}
        ),
        CLIPPED,
    ):
        expected = _matrices(roster, config, "reference")
        score, allowed = _matrices(roster, config, "tables")
        np.testing.assert_array_equal(score, expected[0])
        np.testing.assert_array_equal(allowed, expected[1])


def test_leading_criteria_with_one_value_each() -> None:
    # one pair: every criterion takes a single value, so no leading criterion needs a table
    roster = Roster(mentees=(_mentee(),), mentors=(_mentor(),))
    config = MatchConfig.model_validate({"weights": {"availability": 0}, "rules": {"min_availability_overlap": 0}})
    scorer = enc._scorer(enc.encode(roster, config), config)[0]
    assert scorer.partial is not None and not scorer.lead and not scorer.narrow
    expected = _matrices(roster, config, "reference")
    np.testing.assert_array_equal(_matrices(roster, config, "tables")[0], expected[0])


def test_threaded_scoring_equals_single_threaded() -> None:
    roster = synthetic_roster(400, 120, seed=3)
    with _patched((enc, "thread_count", lambda pairs: 1)):
        single = build_problem(roster)
    # one row per block, two threads
    with _patched((enc, "thread_count", lambda pairs: 2), (enc, "_TABLE_PAIRS_PER_BLOCK", 1)):
        threaded = build_problem(roster)
    np.testing.assert_array_equal(threaded.score, single.score)
    np.testing.assert_array_equal(threaded.allowed, single.allowed)


def test_large_tables_fall_back_to_the_reference_formulas() -> None:
    roster = synthetic_roster(120, 40, seed=4)
    by_tables = build_problem(roster)
    with _patched((tables, "_TABLE_BUDGET", 0), (tables, "_TABLE_BUDGET_SHARE", 0.0)):
        f = enc.encode(roster, MatchConfig())
        assert isinstance(enc._scorer(f, MatchConfig())[0], formulas._ReferenceScorer)
        fallback = build_problem(roster)
    np.testing.assert_array_equal(fallback.score, by_tables.score)
    np.testing.assert_array_equal(fallback.allowed, by_tables.allowed)


def test_a_worker_error_is_raised() -> None:
    def fill(lo: int, hi: int, buffers: dict) -> None:
        if lo == 3:
            raise ValueError("boom")

    with ThreadPoolExecutor(2) as pool, pytest.raises(ValueError, match="boom"):
        blocks._run_blocks(10, 1, fill, dict, lambda done: None, pool, 2)


def test_empty_sides() -> None:
    no_mentors = build_problem(Roster(mentees=(_mentee(),), mentors=()))
    assert no_mentors.score.shape == no_mentors.allowed.shape == (1, 0)
    no_mentees = build_problem(Roster(mentees=(), mentors=(_mentor(),)))
    assert no_mentees.score.shape == (0, 1)
