"""The synthetic roster generator: seeded, sized, always valid, realistic as documented, and the bundled rosters."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from mentormatch import io
from mentormatch.schema import Roster
from mentormatch.synthetic import COACH_LIMITS, next_month, synthetic_roster

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "synthetic"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SIZES = [(1, 1, 0), (3, 1, 0), (1, 5, 0), (2, 2, 1), (5, 3, 2), (4, 1, 3), (30, 12, 0), (60, 20, 4), (200, 40, 7)]


def _parts(roster: Roster) -> tuple:
    return roster.mentees, roster.mentors, roster.coaches, roster.exclusions


def _rule_problems(roster: Roster) -> list[str]:
    """Every cross-row rule of PRODUCT.md section 2 that the models alone do not check."""
    problems = []
    if not roster.mentees or not roster.mentors:
        problems.append("mentees and mentors need at least one row each")
    for kind, people in (("mentee", roster.mentees), ("mentor", roster.mentors), ("coach", roster.coaches)):
        ids = [p.id for p in people]
        if len(set(ids)) != len(ids):
            problems.append(f"duplicate {kind} ids")
        problems += [f"{kind} id {i!r} looks like a formula" for i in ids if i.startswith(FORMULA_START)]
    genders = {p.gender for p in roster.mentees} | {p.gender for p in roster.mentors}
    problems += [
        f"{p.id} prefers unknown gender {p.gender_preference!r}"
        for p in roster.mentees
        if p.gender_preference not in ("any", "same") and p.gender_preference not in genders
    ]
    coach_ids = {c.id for c in roster.coaches}
    for mentor in roster.mentors:
        if mentor.coach_id is not None and (mentor.coach_id not in coach_ids or mentor.coach_id == mentor.id):
            problems.append(f"{mentor.id} has bad coach_id {mentor.coach_id!r}")
    mentee_ids = {p.id for p in roster.mentees}
    mentor_ids = {p.id for p in roster.mentors}
    pairs = [(e.mentee_id, e.mentor_id) for e in roster.exclusions]
    if len(set(pairs)) != len(pairs):
        problems.append("duplicate exclusions")
    problems += [
        f"exclusion {pair} names an unknown id"
        for pair in pairs
        if pair[0] not in mentee_ids or pair[1] not in mentor_ids
    ]
    return problems


# --- determinism and sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(30, 12, 0), (60, 20, 4)])
def test_same_seed_gives_the_same_roster(size):
    assert _parts(synthetic_roster(*size, seed=5)) == _parts(synthetic_roster(*size, seed=5))


def test_different_seeds_give_different_rosters():
    a, b = synthetic_roster(60, 20, 4, seed=1), synthetic_roster(60, 20, 4, seed=2)
    assert a.mentees != b.mentees
    assert a.mentors != b.mentors


def test_default_seed_is_zero():
    assert _parts(synthetic_roster(10, 4)) == _parts(synthetic_roster(10, 4, seed=0))


@pytest.mark.parametrize("size", SIZES)
def test_sizes_and_ids(size):
    n, m, k = size
    roster = synthetic_roster(n, m, k, seed=0)
    assert (len(roster.mentees), len(roster.mentors), len(roster.coaches)) == size
    assert [p.id for p in roster.mentees] == [f"ME{i:05d}" for i in range(1, n + 1)]
    assert [p.id for p in roster.mentors] == [f"MR{j:05d}" for j in range(1, m + 1)]
    assert all(re.fullmatch(r"CO\d{3}|MR\d{5}", c.id) for c in roster.coaches)


def test_ids_widen_past_99999():
    assert synthetic_roster(1, 1, seed=0).mentees[0].id == "ME00001"
    from mentormatch.synthetic.rosters import _ids

    assert _ids("ME", 123456, 5)[-1] == "ME123456"
    assert len(set(_ids("ME", 123456, 5))) == 123456


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 5), "n_mentees must be an integer >= 1"),
        ((5, 0), "n_mentors must be an integer >= 1"),
        ((5, 5, -1), "n_coaches must be an integer >= 0"),
        ((2.5, 5), "n_mentees must be an integer"),
        ((True, 5), "n_mentees must be an integer"),
    ],
)
def test_bad_sizes_raise(args, message):
    with pytest.raises(ValueError, match=message):
        synthetic_roster(*args)


def test_negative_seed_raises():
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        synthetic_roster(3, 3, seed=-1)


# --- validity ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_cross_row_rules_hold(size, seed):
    assert _rule_problems(synthetic_roster(*size, seed=seed)) == []


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [0, 11, 12])
def test_write_then_read_gives_the_same_roster(tmp_path, size, seed):
    roster = synthetic_roster(*size, seed=seed)
    io.write_roster(roster, tmp_path)
    assert _parts(io.read_roster(tmp_path)) == _parts(roster)


def test_roster_with_no_capacity_at_all_round_trips(tmp_path):
    seed = next(s for s in range(1000) if synthetic_roster(3, 1, seed=s).mentors[0].capacity == 0)
    roster = synthetic_roster(3, 1, seed=seed)
    assert sum(p.capacity for p in roster.mentors) == 0
    io.write_roster(roster, tmp_path)
    assert _parts(io.read_roster(tmp_path)) == _parts(roster)


# --- realism (the claims in the module docstring) ------------------------------------------------------------


@pytest.fixture(scope="module")
def big() -> Roster:
    return synthetic_roster(3000, 1000, 30, seed=3)


@pytest.mark.parametrize("n", [10, 37, 200, 3000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_high_risk_share_is_20_to_30_percent(n, seed):
    roster = synthetic_roster(n, max(n // 3, 1), seed=seed)
    high = sum(p.risk_level == "high" for p in roster.mentees)
    assert round(0.2 * n) <= high <= round(0.3 * n)


def test_risk_levels_all_occur(big):
    assert {p.risk_level for p in big.mentees} == {"low", "medium", "high"}


def test_about_a_tenth_of_workloads_are_two(big):
    workloads = Counter(p.workload for p in big.mentees)
    assert set(workloads) == {1, 2}
    assert 0.07 <= workloads[2] / len(big.mentees) <= 0.13


@pytest.mark.parametrize("n", [1, 99, 100, 101, 3000])
def test_exclusions_are_one_percent_of_mentees(n):
    assert len(synthetic_roster(n, 7, seed=0).exclusions) == math.ceil(n / 100)


def test_extremism_types_are_skewed(big):
    types = Counter(p.extremism_type for p in big.mentees)
    (first, _), (second, _) = types.most_common(2)
    assert {first, second} == {"islamist", "far_right"}
    assert len(types) == 8
    assert all(types[t] < 0.1 * len(big.mentees) for t in ("far_left", "separatist", "single_issue", "other"))


def test_expertise_covers_one_to_three_types_and_rare_ones_are_scarce(big):
    sizes = Counter(len(p.expertise) for p in big.mentors)
    assert set(sizes) == {1, 2, 3}
    covers = Counter(t for p in big.mentors for t in p.expertise)
    assert covers["islamist"] > 3 * covers["far_left"]
    assert covers["far_right"] > 3 * covers["separatist"]


def test_languages_dominant_and_scarce(big):
    primary = Counter(p.languages[0] for p in big.mentees)
    assert primary.most_common(1)[0][0] == "english"
    assert 0.6 <= primary["english"] / len(big.mentees) <= 0.85
    assert {"arabic", "somali", "kurdish", "urdu", "polish", "tigrinya"} <= set(primary)
    multilingual = sum(len(p.languages) > 1 for p in big.mentors) / len(big.mentors)
    assert multilingual >= 0.3
    assert any(p.languages[0] != "english" for p in big.mentors)


def test_gender_preferences(big):
    prefs = Counter(p.gender_preference for p in big.mentees)
    assert 0.08 <= prefs["same"] / len(big.mentees) <= 0.16
    named = sum(v for k, v in prefs.items() if k not in ("any", "same"))
    assert 0.01 <= named / len(big.mentees) <= 0.05
    assert prefs.most_common(1)[0][0] == "any"


def test_ages(big):
    mentee_ages = np.array([p.age for p in big.mentees])
    mentor_ages = np.array([p.age for p in big.mentors])
    assert mentee_ages.min() >= 14 and mentor_ages.min() >= 18
    assert np.mean((mentee_ages >= 16) & (mentee_ages <= 45)) >= 0.85
    assert np.mean((mentor_ages >= 25) & (mentor_ages <= 70)) >= 0.9


def test_experience_years(big):
    years = np.array([p.experience_years for p in big.mentors])
    assert years.min() == 0 and 12 <= years.max() <= 25
    assert 0.6 <= np.mean(years >= 2) <= 0.9
    assert np.all(years * 2 == np.round(years * 2))  # half years: exact in decimal text


def test_lists_and_availability(big):
    for people, attr in ((big.mentees, "background"), (big.mentees, "needs"), (big.mentors, "skills")):
        empty = sum(not getattr(p, attr) for p in people) / len(people)
        assert 0.05 <= empty <= 0.2, attr
    for people in (big.mentees, big.mentors):
        masks = [p.availability for p in people]
        none = sum(mask is None for mask in masks) / len(masks)
        assert 0.03 <= none <= 0.2
        assert all(mask is None or 0 < mask < 1 << 168 for mask in masks)
    regions = Counter(p.region for p in big.mentees)
    assert 5 <= len(regions) <= 6 and None in regions


def test_capacity(big):
    capacity = np.array([p.capacity for p in big.mentors])
    assert 0.8 <= capacity.sum() / len(big.mentees) <= 1.2
    assert 0.01 <= np.mean(capacity == 0) <= 0.1
    assert np.mean((capacity >= 1) & (capacity <= 3)) >= 0.6  # volunteers
    assert np.mean(capacity >= 5) >= 0.05 and capacity.max() <= 12  # staff mentors


def test_more_mentors_than_mentees_take_one_each():
    capacity = {p.capacity for p in synthetic_roster(50, 100, seed=0).mentors}
    assert capacity == {0, 1}


@pytest.mark.parametrize("size", [(10, 5), (300, 100), (3000, 1000)])
@pytest.mark.parametrize("seed", [0, 1])
def test_total_capacity_is_close_to_demand(size, seed):
    roster = synthetic_roster(*size, seed=seed)
    assert 0.8 <= sum(p.capacity for p in roster.mentors) / size[0] <= 1.2


def test_coaches(big):
    coaches = big.coaches
    mentor_ids = {p.id for p in big.mentors}
    dual = [c for c in coaches if c.id in mentor_ids]
    assert 1 <= len(dual) <= len(coaches) // 2
    assert any(c.max_mentees is not None for c in coaches)
    assert any(c.max_mentees is None for c in coaches)
    assert any(c.specialisms is not None for c in coaches)
    assert any(c.specialisms is None for c in coaches)
    assert any(c.languages is not None for c in coaches)
    active = sum(p.capacity > 0 for p in big.mentors)
    assert sum(c.max_mentors for c in coaches) >= active
    fixed = [p for p in big.mentors if p.coach_id is not None]
    assert 0.05 <= len(fixed) / len(big.mentors) <= 0.25
    by_id = {c.id: c for c in coaches}
    for mentor in fixed:  # a fixed coach can supervise its mentor
        coach = by_id[mentor.coach_id]
        assert coach.languages is None or coach.languages & set(mentor.languages)
        assert coach.specialisms is None or coach.specialisms & mentor.expertise
    load = Counter(p.coach_id for p in fixed)
    assert all(load[c.id] <= c.max_mentors for c in coaches)


@pytest.mark.parametrize("k", [2, 3, 4, 10])
def test_some_coaches_are_also_mentors(k):
    roster = synthetic_roster(40, 15, k, seed=0)
    mentor_ids = {p.id for p in roster.mentors}
    assert any(c.id in mentor_ids for c in roster.coaches)
    assert any(c.specialisms is None for c in roster.coaches)


def test_no_coaches_means_no_coach_ids():
    roster = synthetic_roster(50, 20, seed=0)
    assert roster.coaches == () and all(p.coach_id is None for p in roster.mentors)


def test_solvable_in_a_meaningful_way():
    """Under the default hard rules: a good share of pairs allowed, most mentees with several mentors, few with none."""
    from mentormatch import MatchConfig, build_problem

    roster = synthetic_roster(1500, 500, seed=0)
    allowed = build_problem(roster, MatchConfig()).allowed
    assert 0.15 <= allowed.mean() <= 0.45
    per_mentee = allowed.sum(axis=1)
    assert np.mean(per_mentee >= 5) >= 0.95
    assert 1 <= np.sum(per_mentee == 0) <= 0.03 * len(per_mentee)


def test_generating_20000_by_5000_is_fast():
    import time

    start = time.perf_counter()
    roster = synthetic_roster(20000, 5000, 100, seed=0)
    assert time.perf_counter() - start < 10
    assert len(roster.mentees) == 20000


# --- coach scenarios ("moderate", "hard": limits that bind) -------------------------------------------------

BINDING = ("moderate", "hard")


def _coach_problems(roster: Roster) -> list[str]:
    """What a fixed coach must satisfy beyond existing: compatible language and specialism, room for it."""
    by_id = {c.id: c for c in roster.coaches}
    fixed = [p for p in roster.mentors if p.coach_id is not None]
    problems = [
        f"{p.id}: coach {p.coach_id} shares no language"
        for p in fixed
        if by_id[p.coach_id].languages is not None and not by_id[p.coach_id].languages & set(p.languages)
    ]
    problems += [
        f"{p.id}: coach {p.coach_id} covers none of its expertise"
        for p in fixed
        if by_id[p.coach_id].specialisms is not None and not by_id[p.coach_id].specialisms & p.expertise
    ]
    load = Counter(p.coach_id for p in fixed)
    problems += [f"{c.id} has {load[c.id]} fixed mentors" for c in roster.coaches if load[c.id] > c.max_mentors // 2]
    if roster.coaches and all(c.specialisms is not None for c in roster.coaches):
        problems.append("no generalist coach")
    return problems


def test_coach_limits_values():
    assert COACH_LIMITS == ("default", "moderate", "hard", "binding")


@pytest.mark.parametrize("value", ["Hard", "tight", "", None, 2])
def test_bad_coach_limits_raise(value):
    with pytest.raises(ValueError, match="coach_limits must be one of 'default', 'moderate', 'hard'"):
        synthetic_roster(10, 4, 2, coach_limits=value)


@pytest.mark.parametrize("size", [(60, 20, 4), (200, 40, 7), (5, 3, 0)])
def test_default_coach_limits_is_todays_generator(size):
    assert _parts(synthetic_roster(*size, seed=3, coach_limits="default")) == _parts(synthetic_roster(*size, seed=3))


@pytest.mark.parametrize("limits", BINDING)
@pytest.mark.parametrize("size", [(60, 20, 4), (300, 100, 12)])
def test_coach_scenarios_are_deterministic(limits, size):
    a, b = synthetic_roster(*size, seed=4, coach_limits=limits), synthetic_roster(*size, seed=4, coach_limits=limits)
    assert _parts(a) == _parts(b)
    assert synthetic_roster(*size, seed=5, coach_limits=limits).coaches != a.coaches


@pytest.mark.parametrize("limits", BINDING)
def test_coach_scenarios_change_only_the_coaches(limits):
    default = synthetic_roster(200, 40, 7, seed=2)
    roster = synthetic_roster(200, 40, 7, seed=2, coach_limits=limits)
    assert roster.mentees == default.mentees and roster.exclusions == default.exclusions
    assert [p.model_copy(update={"coach_id": None}) for p in roster.mentors] == [
        p.model_copy(update={"coach_id": None}) for p in default.mentors
    ]
    assert roster.coaches != default.coaches
    assert synthetic_roster(200, 40, seed=2, coach_limits=limits).coaches == ()


@pytest.mark.parametrize("limits", BINDING)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coach_scenarios_are_valid(limits, size, seed):
    roster = synthetic_roster(*size, seed=seed, coach_limits=limits)
    assert _rule_problems(roster) == []
    assert _coach_problems(roster) == []


@pytest.mark.parametrize("limits", BINDING)
@pytest.mark.parametrize("size", [(5, 3, 2), (60, 20, 4), (200, 40, 7)])
def test_coach_scenarios_round_trip(tmp_path, limits, size):
    roster = synthetic_roster(*size, seed=8, coach_limits=limits)
    io.write_roster(roster, tmp_path)
    assert _parts(io.read_roster(tmp_path)) == _parts(roster)


def _coach_figures(roster: Roster) -> dict[str, float]:
    coaches = roster.coaches
    return {
        "supply": sum(c.max_mentors for c in coaches) / sum(p.capacity > 0 for p in roster.mentors),
        "caseload": np.mean([c.max_mentees is not None for c in coaches]),
        "specialised": np.mean([c.specialisms is not None for c in coaches]),
        "languages": np.mean([c.languages is not None for c in coaches]),
        "fixed": np.mean([p.coach_id is not None for p in roster.mentors]),
        "dual": np.mean([c.id.startswith("MR") for c in coaches]),
    }


def _specialisms_and_languages_as_documented(roster: Roster) -> None:
    for coach in roster.coaches:
        if coach.specialisms is not None:  # 2-4 types, always a common one
            assert 2 <= len(coach.specialisms) <= 4 and coach.specialisms & {"islamist", "far_right"}, coach
        if coach.languages is not None:  # english and 0-2 others
            assert "english" in coach.languages and 1 <= len(coach.languages) <= 3, coach
    mentors = {p.id: p for p in roster.mentors}
    for coach in roster.coaches:  # a mentor-coach supervises what it is trained in, in languages it speaks
        if coach.id in mentors and coach.specialisms is not None:
            assert mentors[coach.id].expertise <= coach.specialisms
        if coach.id in mentors and coach.languages is not None:
            assert coach.languages <= set(mentors[coach.id].languages) | {"english"}


def test_moderate_coaches_as_documented():
    roster = synthetic_roster(3000, 1000, 60, seed=3, coach_limits="moderate")
    figures = _coach_figures(roster)
    assert all(10 <= c.max_mentors <= 25 for c in roster.coaches)  # not scaled down: many mentors
    assert 1.0 <= figures["supply"] <= 1.3
    assert figures["caseload"] == figures["specialised"] == figures["languages"] == 0.3  # round(0.3 * 60) each
    assert 0.08 <= figures["fixed"] <= 0.1  # round(0.1 * 1000) drawn, nearly all placed
    assert 0.25 <= figures["dual"] <= 0.35
    _specialisms_and_languages_as_documented(roster)
    # with fewer coaches than the mentors need, nothing is scaled (up or down): 10-25 each
    few = synthetic_roster(3000, 1000, 20, seed=3, coach_limits="moderate")
    assert all(10 <= c.max_mentors <= 25 for c in few.coaches)


@pytest.mark.parametrize(("size", "seed"), [((200, 40, 7), 0), ((200, 40, 7), 1), ((60, 20, 4), 0), ((30, 12, 9), 2)])
def test_moderate_scales_down_only_with_few_mentors(size, seed):
    """Σ max_mentors is brought down to ceil(f × the mentors with capacity), f in [1.1, 1.3], never lower."""
    roster = synthetic_roster(*size, seed=seed, coach_limits="moderate")
    active = sum(p.capacity > 0 for p in roster.mentors)
    total = sum(c.max_mentors for c in roster.coaches)
    assert all(1 <= c.max_mentors <= 25 for c in roster.coaches)
    assert 1.1 * active <= total <= max(math.ceil(1.3 * active), len(roster.coaches))
    _specialisms_and_languages_as_documented(roster)


def test_moderate_case_loads_are_near_max_mentors_times_mentees_per_mentor():
    roster = synthetic_roster(3000, 1000, 60, seed=3, coach_limits="moderate")
    capacity = sum(p.capacity for p in roster.mentors)
    per_mentor = min(3000, capacity / np.mean([p.workload for p in roster.mentees])) / sum(
        p.capacity > 0 for p in roster.mentors
    )
    ratios = [c.max_mentees / (c.max_mentors * per_mentor) for c in roster.coaches if c.max_mentees and c.max_mentors]
    assert len(ratios) == 18 and min(ratios) >= 1.0 and max(ratios) <= 1.5 + 1 / per_mentor


def test_hard_coaches_as_documented():
    roster = synthetic_roster(3000, 1000, 60, seed=3, coach_limits="hard")
    figures = _coach_figures(roster)
    assert all(2 <= c.max_mentors <= 4 for c in roster.coaches)  # never scaled
    assert figures["supply"] <= 0.25
    assert figures["caseload"] == figures["specialised"] == 0.4 and figures["languages"] == 0.2
    assert 0.04 <= figures["fixed"] <= 0.1
    _specialisms_and_languages_as_documented(roster)
    per_mentor = min(3000, sum(p.capacity for p in roster.mentors) / np.mean([p.workload for p in roster.mentees]))
    per_mentor /= sum(p.capacity > 0 for p in roster.mentors)
    ratios = [c.max_mentees / (c.max_mentors * per_mentor) for c in roster.coaches if c.max_mentees]
    assert len(ratios) == 24 and min(ratios) >= 0.8 and max(ratios) <= 1.2 + 1 / per_mentor
    for size, seed in (((200, 50, 5), 1), ((5, 3, 2), 0)):
        assert all(2 <= c.max_mentors <= 4 for c in synthetic_roster(*size, seed=seed, coach_limits="hard").coaches)


def _binds(roster: Roster) -> None:
    """The coach-free optimum cannot be supervised as it is: the coach tier must move mentees."""
    from dataclasses import replace

    from mentormatch import build_problem
    from mentormatch.solvers import run_solver
    from mentormatch.solvers.coaches import solve as coach_solve

    problem = build_problem(roster)
    inst, tier = problem.instance(), problem.coaches
    # a certificate that needs no coach search: the coach-free optimum uses more mentors than the coaches may take
    free = run_solver(replace(inst, allowed=inst.allowed & tier.coverable()), "auto")
    assert np.unique(free.mentor_of[free.mentor_of >= 0]).size > tier.max_mentors.sum()
    sol = coach_solve(inst, problem.coaches, time_limit=1.0)  # the message is set before the (timed) repair
    assert "bind" in sol.message
    assert sol.priority_sum < free.priority_sum or sol.objective < free.objective


def test_bundled_hard_roster_binds():
    _binds(io.read_roster(BUNDLED / "coaches-binding"))


@pytest.mark.parametrize(("limits", "size", "seed"), [("hard", (60, 20, 4), 6), ("moderate", (200, 60, 3), 0)])
def test_coach_limits_bind(limits, size, seed):
    """Moderate binds this way only with few coaches for the mentors (here 3 for 60: Σ max_mentors 43 < 55 used)."""
    _binds(synthetic_roster(*size, seed=seed, coach_limits=limits))


@pytest.mark.parametrize("seed", [0, 1])
def test_moderate_limits_are_active_with_enough_coaches(seed):
    """With coaches enough for every mentor (Σ max_mentors above the mentors the coach-free optimum uses), the
    moderate roster still carries every kind of limit (case-loads, specialisms, languages, fixed coaches), and the
    coach tier's answer keeps them."""
    from dataclasses import replace

    from mentormatch import build_problem
    from mentormatch.solvers import run_solver
    from mentormatch.solvers.coaches import solve as coach_solve

    roster = synthetic_roster(200, 60, 4, seed=seed, coach_limits="moderate")
    problem = build_problem(roster)
    inst, tier = problem.instance(), problem.coaches
    base = replace(inst, allowed=inst.allowed & tier.coverable())
    free = run_solver(base, "auto", time_limit=5)
    assert np.unique(free.mentor_of[free.mentor_of >= 0]).size <= tier.max_mentors.sum()
    assert any(c.max_mentees is not None for c in roster.coaches)
    assert any(c.specialisms is not None for c in roster.coaches)
    assert any(c.languages is not None for c in roster.coaches)
    assert any(m.coach_id is not None for m in roster.mentors)
    assert coach_solve(inst, tier, time_limit=2).coach_of is not None  # checked against every coach rule inside


def test_synth_command_passes_coach_limits(tmp_path):
    from typer.testing import CliRunner

    from mentormatch.cli import app

    args = ["synth", "--mentees", "40", "--mentors", "15", "--coaches", "3", "--seed", "2", "-o"]
    result = CliRunner().invoke(app, [*args, str(tmp_path / "hard"), "--coach-limits", "hard"])
    assert result.exit_code == 0, result.output
    assert _parts(io.read_roster(tmp_path / "hard")) == _parts(synthetic_roster(40, 15, 3, seed=2, coach_limits="hard"))
    result = CliRunner().invoke(app, [*args, str(tmp_path / "default")])
    assert result.exit_code == 0, result.output
    assert _parts(io.read_roster(tmp_path / "default")) == _parts(synthetic_roster(40, 15, 3, seed=2))
    result = CliRunner().invoke(app, [*args, str(tmp_path / "bad"), "--coach-limits", "tight"])
    assert result.exit_code == 2 and not (tmp_path / "bad").exists()


# --- the bundled rosters -------------------------------------------------------------------------------------

_COMMAND = re.compile(
    r"`mentormatch synth --mentees (\d+) --mentors (\d+)(?: --coaches (\d+))? --seed (\d+)"
    r"(?: --coach-limits (\w+))?(?: --current-share ([0-9.]+))? -o data/synthetic/([\w-]+)`"
)


def _bundled_commands() -> list[tuple]:
    text = (BUNDLED / "README.md").read_text(encoding="utf-8")
    return [
        (name, int(n), int(m), int(k or 0), int(s), limits or "default", float(share) if share else None)
        for n, m, k, s, limits, share, name in _COMMAND.findall(text)
    ]


def test_readme_lists_every_bundled_roster():
    folders = sorted(p.name for p in BUNDLED.iterdir() if p.is_dir())
    assert sorted(name for name, *_ in _bundled_commands()) == folders
    assert {"small", "medium", "coaches", "coaches-binding"} <= set(folders)
    assert ("coaches-binding", 200, 50, 5, 0, "hard", None) in _bundled_commands()
    assert ("next-month", 30, 12, 0, 7, "default", 0.7) in _bundled_commands()


@pytest.mark.parametrize("command", _bundled_commands() if (BUNDLED / "README.md").exists() else [], ids=lambda c: c[0])
def test_bundled_roster_is_what_its_command_generates(tmp_path, command):
    name, n, m, k, seed, limits, share = command
    roster = synthetic_roster(n, m, k, seed=seed, coach_limits=limits)
    if share is not None:
        roster = next_month(roster, current_share=share, seed=seed)
    io.write_roster(roster, tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert sorted(p.name for p in (BUNDLED / name).iterdir()) == written
    for file in written:
        assert (BUNDLED / name / file).read_bytes() == (tmp_path / file).read_bytes(), file
    assert _parts(io.read_roster(BUNDLED / name)) == _parts(roster)


def test_package_and_old_instances_path_give_the_same_names():
    import mentormatch.instances
    import mentormatch.synthetic
    from mentormatch.synthetic import gap, matrices, rosters

    assert set(mentormatch.synthetic.__all__) == {*rosters.__all__, *matrices.__all__, *gap.__all__}
    for module in (rosters, matrices, gap):
        for name in module.__all__:
            assert getattr(mentormatch.synthetic, name) is getattr(module, name), name
    for name in (*mentormatch.instances.__all__, "COST_MAX"):
        assert getattr(mentormatch.instances, name) is getattr(matrices, name), name
