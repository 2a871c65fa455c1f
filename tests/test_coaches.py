"""The coach tier (PRODUCT.md section 4, "With coaches"): every rule rejected by both checkers, brute force on tiny
rosters and arrays, a MILP on small rosters, the cases where coaches bind, reasons, and the coach table."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from mentormatch import (
    MatchConfig,
    MatchingBug,
    Roster,
    build_problem,
    read_roster,
    solve,
    synthetic_roster,
    verify_matching,
)
from mentormatch.problem import CoachTier, Instance, Problem, Solution, Status
from mentormatch.result import MatchResult
from mentormatch.schema import Coach, Exclusion, Mentee, Mentor
from mentormatch.solvers import SolverBug
from mentormatch.solvers import coaches as coach_solver
from mentormatch.solvers.coaches import CoachOptions, check_coaches
from mentormatch.verify import broken_rules

from .oracles import coach_allows, find_coaches, optimum, profile_coach_optimum, tier_values
from .strategies import instances_with_coach_tiers, rosters_with_coaches

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "synthetic" / "coaches"


def examples(n: int) -> settings:
    """Hypothesis settings for solver properties: ``n`` examples (the suite's profile, conftest.py, does the rest)."""
    return settings(max_examples=n)


# ---------------------------------------------------------------------------------------------------------------
# Profiles by hand


def mentee(
    id: str,
    kind: str = "islamist",
    *,
    workload: int = 1,
    languages: tuple[str, ...] = ("english",),
    risk: str = "medium",
    age: int = 30,
    gender: str = "male",
) -> Mentee:
    return Mentee(
        id=id, age=age, gender=gender, languages=languages, extremism_type=kind, risk_level=risk, workload=workload
    )


def mentor(
    id: str,
    *,
    capacity: int = 3,
    languages: tuple[str, ...] = ("english",),
    coach_id: str | None = None,
    expertise: frozenset[str] = frozenset(),
    experience: float = 0.0,
    age: int = 40,
    gender: str = "male",
) -> Mentor:
    return Mentor(
        id=id,
        age=age,
        gender=gender,
        languages=languages,
        capacity=capacity,
        coach_id=coach_id,
        expertise=expertise,
        experience_years=experience,
    )


def coach(
    id: str,
    max_mentors: int = 3,
    max_mentees: int | None = None,
    specialisms: set[str] | None = None,
    languages: set[str] | None = None,
) -> Coach:
    return Coach(
        id=id,
        max_mentors=max_mentors,
        max_mentees=max_mentees,
        specialisms=None if specialisms is None else frozenset(specialisms),
        languages=None if languages is None else frozenset(languages),
    )


def roster(mentees: list[Mentee], mentors: list[Mentor], coaches: list[Coach]) -> Roster:
    return Roster(mentees=tuple(mentees), mentors=tuple(mentors), coaches=tuple(coaches))


def hand_solution(mentor_of: list[int], coach_of: list[int]) -> Solution:
    return Solution(
        mentor_of=np.asarray(mentor_of, dtype=np.int64),
        status=Status.FEASIBLE,
        priority_sum=0,
        objective=0.0,
        priority_bound=None,
        objective_bound=None,
        solver="hand",
        seconds=0.0,
        coach_of=np.asarray(coach_of, dtype=np.int64),
    )


def answer_of(problem: Problem, result: MatchResult) -> tuple[list[int], list[int]]:
    """(mentor_of, coach_of) as indices, read back from the result's table; one coach per mentor throughout."""
    mentor_index = {mid: j for j, mid in enumerate(problem.mentor_ids)}
    coach_index = {cid: c for c, cid in enumerate(problem.coach_ids)}
    mentor_of = [-1] * problem.shape[0]
    coach_of = [-1] * problem.shape[1]
    seen: dict[int, str] = {}
    for i, (mid, cid) in enumerate(zip(result.table["mentor_id"], result.table["coach_id"], strict=True)):
        if not isinstance(mid, str):
            assert not isinstance(cid, str), "an unmatched mentee has a coach"
            continue
        j = mentor_index[mid]
        assert isinstance(cid, str), f"matched mentee {i} has no coach"
        assert seen.setdefault(j, cid) == cid, "one mentor, two coaches"
        mentor_of[i], coach_of[j] = j, coach_index[cid]
    return mentor_of, coach_of


# ---------------------------------------------------------------------------------------------------------------
# 1. Every coach rule, broken by hand, is rejected by both checkers; the repaired answer passes both


@dataclass(frozen=True)
class Broken:
    roster: Roster
    bad: tuple[list[int], list[int]]  # (mentor_of, coach_of) breaking the rule
    good: tuple[list[int], list[int]]  # a nearby answer keeping every rule
    verify_says: str
    check_says: str


TWO = [mentee("A"), mentee("B")]

BROKEN = {
    "max_mentors": Broken(
        roster(TWO, [mentor("M1"), mentor("M2")], [coach("C1", max_mentors=1), coach("C2", max_mentors=1)]),
        bad=([0, 1], [0, 0]),
        good=([0, 1], [0, 1]),
        verify_says=r"coach C1 supervises 2 mentors, above max_mentors 1",
        check_says=r"coach 0 supervises 2 mentors, above the limit 1",
    ),
    # a count of mentees, not workload: three cases of workload 1 break a limit of 2; two of workload 3 do not
    "max_mentees_counts_mentees_not_workload": Broken(
        roster(
            [mentee("A"), mentee("B"), mentee("C"), mentee("D", workload=3), mentee("E", workload=3)],
            [mentor("M1", capacity=6)],
            [coach("C1", max_mentors=2, max_mentees=2)],
        ),
        bad=([0, 0, 0, -1, -1], [0]),
        good=([-1, -1, -1, 0, 0], [0]),
        verify_says=r"coach C1 supervises 3 mentees, above max_mentees 2",
        check_says=r"coach 0 supervises 3 mentees, above the limit 2",
    ),
    "specialisms": Broken(
        roster(
            [mentee("A", "islamist"), mentee("B", "far_right")],
            [mentor("M1"), mentor("M2")],
            [coach("C1", specialisms={"islamist"}), coach("C2", specialisms={"far_right"})],
        ),
        bad=([0, 0], [0, -1]),
        good=([0, 1], [0, 1]),
        verify_says=r"coach C1 may not supervise mentee B's type \(mentor M1\)",
        check_says=r"mentee 1's type is not among the specialisms of their mentor's coach",
    ),
    "coach_languages": Broken(
        roster(
            [mentee("A")],
            [mentor("M1"), mentor("M2", languages=("english", "arabic"))],
            [coach("C1", languages={"arabic"})],
        ),
        bad=([0], [0, -1]),
        good=([1], [-1, 0]),
        verify_says=r"coach C1 shares no language with mentor M1",
        check_says=r"mentor 0 is supervised by coach 0, who may not supervise them",
    ),
    "fixed_coach_id": Broken(
        roster([mentee("A")], [mentor("M1", coach_id="C2")], [coach("C1"), coach("C2")]),
        bad=([0], [0]),
        good=([0], [1]),
        verify_says=r"mentor M1: fixed coach C2 not honoured \(got C1\)",
        check_says=r"mentor 0 is supervised by coach 0, who may not supervise them",
    ),
    "nobody_supervises_themselves": Broken(
        roster(TWO, [mentor("M1"), mentor("M2")], [coach("M1"), coach("C2")]),
        bad=([0, 1], [0, 1]),
        good=([0, 1], [1, 0]),
        verify_says=r"mentor M1 supervises themselves",
        check_says=r"mentor 0 is supervised by coach 0, who may not supervise them",
    ),
    "mentor_with_mentees_but_no_coach": Broken(
        roster(TWO, [mentor("M1"), mentor("M2")], [coach("C1")]),
        bad=([0, 1], [0, -1]),
        good=([0, 1], [0, 0]),
        verify_says=r"mentor M2 has mentees but no coach",
        check_says=r"mentor 1 has mentees but no coach",
    ),
    "mentor_without_mentees_given_a_coach": Broken(
        roster(TWO, [mentor("M1"), mentor("M2")], [coach("C1")]),
        bad=([0, 0], [0, 0]),
        good=([0, 0], [0, -1]),
        verify_says=r"mentor M2 has no mentee but a coach",
        check_says=r"mentor 1 has no mentee but a coach",
    ),
}


@pytest.mark.parametrize("rule", list(BROKEN))
def test_verify_matching_rejects_a_broken_coach_rule(rule: str) -> None:
    case = BROKEN[rule]
    config = MatchConfig()
    verify_matching(case.roster, config, case.good[0], coach_of=case.good[1])
    with pytest.raises(MatchingBug, match=case.verify_says):
        verify_matching(case.roster, config, case.bad[0], coach_of=case.bad[1])


@pytest.mark.parametrize("rule", list(BROKEN))
def test_check_coaches_rejects_a_broken_coach_rule(rule: str) -> None:
    case = BROKEN[rule]
    problem = build_problem(case.roster)
    instance, tier = problem.instance(), problem.coaches
    check_coaches(instance, tier, hand_solution(*case.good))
    with pytest.raises(SolverBug, match=case.check_says):
        check_coaches(instance, tier, hand_solution(*case.bad))


def test_verify_matching_needs_coaches_when_the_roster_has_them() -> None:
    case = BROKEN["max_mentors"]
    with pytest.raises(MatchingBug, match="the roster has coaches but the answer names none"):
        verify_matching(case.roster, MatchConfig(), case.good[0])


# ---------------------------------------------------------------------------------------------------------------
# A plain reading of the coach rules from the profiles, and brute force


def score_tolerance(problem: Problem, *mentor_ofs) -> float:
    """The documented resolution: scores are scaled so that the largest becomes 10**6 and rounded, so Σ S of an
    optimum of the scaled problem is within (k + k*) · 0.5e-6 · max S of the true optimum (k, k* pairs)."""
    top = float(problem.score[problem.allowed].max()) if problem.allowed.any() else 0.0
    pairs = sum(int((np.asarray(m) >= 0).sum()) for m in mentor_ofs)
    return pairs * 0.5e-6 * top + 1e-9


def test_brute_force_finds_what_the_rules_allow() -> None:
    # the reading above against hand-made answers: the good answers are supervisable, the bad ones are not
    for case in BROKEN.values():
        r = case.roster
        assert find_coaches(r, case.good[0]) is not None
        found = find_coaches(r, case.good[0])
        verify_matching(r, MatchConfig(), case.good[0], coach_of=found)
    assert find_coaches(BROKEN["specialisms"].roster, [0, 0]) is None
    assert find_coaches(BROKEN["max_mentees_counts_mentees_not_workload"].roster, [0, 0, 0, -1, -1]) is None


# ---------------------------------------------------------------------------------------------------------------
# 2. Brute force: rosters (profiles) and arrays


@examples(120)
@given(r=rosters_with_coaches())
def test_solve_with_coaches_matches_brute_force(r: Roster) -> None:
    problem = build_problem(r, MatchConfig())
    result = solve(problem)
    prio, score, best_mentor, best_coach = profile_coach_optimum(problem)
    verify_matching(r, problem.config, best_mentor, coach_of=best_coach)  # this reading agrees with verify's
    mentor_of, coach_of = answer_of(problem, result)
    verify_matching(r, problem.config, mentor_of, coach_of=coach_of)
    tolerance = score_tolerance(problem, mentor_of, best_mentor)
    assert result.status is Status.OPTIMAL
    assert result.priority_sum == prio
    assert result.objective == pytest.approx(score, abs=tolerance)
    assert result.priority_bound == prio and result.bound is not None and result.bound >= score - tolerance
    assert result.coaches is not None and int(result.coaches["mentees"].sum()) == result.n_matched
    assert_reasons_name_supervision(problem, result)


def assert_reasons_name_supervision(problem: Problem, result: MatchResult) -> None:
    """An unmatched mentee with an allowed mentor who has capacity for the case, where no such mentor could ever be
    given a coach who may supervise it (specialisms, languages, fixed coach, self, or a limit of 0; read from the
    profiles), has reason ``coach`` (PRODUCT.md section 6)."""
    r, config = problem.roster, problem.config
    excluded = {(e.mentee_id, e.mentor_id) for e in r.exclusions}
    for i, reason in enumerate(result.table["reason"]):
        if not isinstance(reason, str):
            continue
        me = r.mentees[i]
        fitting = [
            mr
            for mr in r.mentors
            if mr.capacity >= me.workload and not broken_rules(me, mr, config, (me.id, mr.id) in excluded)
        ]
        never = not any(
            coach_allows(co, mr, frozenset({me.extremism_type}))
            and co.max_mentors > 0
            and (co.max_mentees is None or co.max_mentees > 0)
            for mr in fitting
            for co in r.coaches
        )
        if fitting and never:
            assert reason == "coach", (me.id, reason)


def brute_force_tier(inst: Instance, tier: CoachTier) -> tuple[int, int]:
    """The best (Σ priority, Σ weights) of an integer instance under a coach tier (the shared oracle)."""
    best = optimum(inst, tier)
    assert best is not None  # the empty answer keeps every rule
    values = tier_values(inst, best[1])
    return int(values["priority"]), int(values["weight"])


@examples(200)
@given(case=instances_with_coach_tiers())
def test_array_level_coach_solve_matches_brute_force(case: tuple[Instance, CoachTier]) -> None:
    inst, tier = case
    solution = coach_solver.solve(inst, tier)
    assert solution.status is Status.OPTIMAL
    best = brute_force_tier(inst, tier)
    assert (solution.priority_sum, solution.objective) == best
    assert_bounds_hold(solution, best)
    check_coaches(inst, tier, solution)
    assert solution.solver.endswith("+coaches")


def random_tier_case(rng: np.random.Generator) -> tuple[Instance, CoachTier]:
    """A tiny integer instance with a coach tier, every entry drawn independently (seeded, wide coverage)."""
    n, m, k, t = int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    load = rng.integers(1, 3, size=(n, m) if rng.random() < 0.3 else n)
    inst = Instance(
        weights=rng.integers(-3, 7, size=(n, m)),
        allowed=rng.random((n, m)) < 0.8,
        priority=rng.integers(1, 4, size=n),
        load=load,
        capacity=rng.integers(0, 4, size=m),
    )
    tier = CoachTier(
        mentee_type=rng.integers(0, t, size=n),
        cover=rng.random((k, t)) < 0.6,
        eligible=rng.random((m, k)) < 0.7,
        max_mentors=rng.integers(0, 3, size=k),
        max_mentees=np.minimum(rng.integers(0, n + 2, size=k), n),
    )
    return inst, tier


def test_array_level_coach_solve_matches_brute_force_on_seeded_random_tiers() -> None:
    rng = np.random.default_rng(20240611)
    binding = 0
    for _ in range(250):
        inst, tier = random_tier_case(rng)
        solution = coach_solver.solve(inst, tier)
        assert solution.status is Status.OPTIMAL
        best = brute_force_tier(inst, tier)
        assert (solution.priority_sum, solution.objective) == best
        assert_bounds_hold(solution, best)
        check_coaches(inst, tier, solution)
        steps = solution.method.split("+")
        assert steps[1] == "coaches" and set(steps[2:]) <= {"choice", "supervision", "repair", "lagrange"}
        if solution.message:  # the coach rules bind: the structured record says how
            assert "repair" in steps and {"fewer_matched", "placed_differently"} <= set(solution.stats)
        binding += "repair" in steps
    assert binding >= 10  # the sweep reaches the repair step, not only the coach-free answer


def assert_bounds_hold(solution: Solution, best: tuple[int, int]) -> None:
    """The reported bounds are bounds: Σ priority ≤ priority_bound, and Σ weights ≤ objective_bound among answers
    reaching the reported Σ priority; ``optimal`` only when the answer is the optimum."""
    prio, weight = best
    assert solution.priority_sum <= prio
    if solution.priority_bound is not None:
        assert solution.priority_bound >= prio
    if solution.objective_bound is not None and solution.priority_sum == prio:
        assert solution.objective_bound >= weight
    if solution.status is Status.OPTIMAL:
        assert (solution.priority_sum, solution.objective) == best


@pytest.mark.parametrize(
    "setting",
    [
        {"strong_triples": -1},  # the pair model (PairModel), used above strong_triples triples
        {"strong_triples": -1, "pair_links": 0},  # the pair model with its grouped specialism link (large models)
        {"exact_pairs": 0, "neighbours": 1},  # the repair model on each mentee's best pair only: bounds must hold
    ],
)
def test_array_level_coach_solve_on_the_large_roster_paths(setting: dict) -> None:
    options = CoachOptions(**setting)
    rng = np.random.default_rng(99)
    exact = "exact_pairs" not in setting
    binding = tried = 0
    while binding < 12 and tried < 600:  # until the repair model has run a dozen times
        inst, tier = random_tier_case(rng)
        solution = coach_solver.solve(inst, tier, options=options)
        best = brute_force_tier(inst, tier)
        check_coaches(inst, tier, solution)
        assert_bounds_hold(solution, best)
        if exact:
            assert solution.status is Status.OPTIMAL and (solution.priority_sum, solution.objective) == best
        binding += "repair" in solution.method.split("+")
        tried += 1
    assert binding == 12


def test_lagrangian_bound_never_cuts_off_the_optimum() -> None:
    from dataclasses import replace

    from mentormatch.solvers._scaling import fit_scaling

    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(150):
        inst, tier = random_tier_case(rng)
        base = replace(inst, allowed=inst.allowed & tier.coverable())
        scaling = fit_scaling(base)
        prio, weight = brute_force_tier(inst, tier)
        optimum = prio * scaling.big + weight  # integer weights: w_int = w
        for start in (None, coach_solver.transport_duals(base, scaling)):
            for target in (0, optimum):  # steps towards 0 push the prices hardest
                bound, _ = coach_solver.lagrangian_bound(base, tier, scaling, target, start=start)
                if bound is not None:
                    assert bound >= optimum
                    checked += 1
    assert checked >= 200


def test_solve_with_coaches_matches_brute_force_on_small_synthetic_rosters() -> None:
    rng = np.random.default_rng(7)
    for seed in range(40):
        n, m, k = int(rng.integers(2, 7)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
        r = synthetic_roster(n, m, k, seed=seed)
        # tighten the coaches at random so that they bind
        tight = tuple(
            c.model_copy(
                update={
                    "max_mentors": int(rng.integers(0, 3)),
                    "max_mentees": None if rng.random() < 0.4 else int(rng.integers(0, n + 1)),
                }
            )
            for c in r.coaches
        )
        r = Roster(mentees=r.mentees, mentors=r.mentors, coaches=tight, exclusions=r.exclusions)
        problem = build_problem(r)
        result = solve(problem)
        prio, score, best_mentor, _ = profile_coach_optimum(problem)
        mentor_of, _ = answer_of(problem, result)
        assert result.status is Status.OPTIMAL, seed
        assert result.priority_sum == prio, seed
        assert result.objective == pytest.approx(score, abs=score_tolerance(problem, mentor_of, best_mentor)), seed


@examples(25)
@given(r=rosters_with_coaches(max_mentees=6, max_mentors=4))
def test_every_coach_free_method_gives_the_same_optimum_with_coaches(r: Roster) -> None:
    r = Roster(
        mentees=tuple(p.model_copy(update={"workload": 1}) for p in r.mentees),
        mentors=r.mentors,
        coaches=r.coaches,
        exclusions=r.exclusions,
    )
    problem = build_problem(r)
    results = {name: solve(problem, name) for name in ("auto", "flow", "hungarian", "cpsat")}
    assert {res.priority_sum for res in results.values()} == {results["auto"].priority_sum}
    objectives = [res.objective for res in results.values()]
    assert max(objectives) - min(objectives) <= 2 * score_tolerance(
        problem, *(answer_of(problem, res)[0] for res in results.values())
    )
    assert all(res.status is Status.OPTIMAL for res in results.values())
    assert all(res.solver.endswith("+coaches") for res in results.values())


@pytest.mark.parametrize("n, m, k", [(0, 2, 1), (2, 0, 1), (2, 2, 0), (0, 0, 0)])
def test_array_level_coach_solve_on_empty_shapes(n: int, m: int, k: int) -> None:
    inst = Instance(
        weights=np.ones((n, m), np.int64),
        allowed=np.ones((n, m), bool),
        priority=np.ones(n, np.int64),
        load=np.ones(n, np.int64),
        capacity=np.ones(m, np.int64),
    )
    tier = CoachTier(
        mentee_type=np.zeros(n, np.int64),
        cover=np.ones((k, 1), bool),
        eligible=np.ones((m, k), bool),
        max_mentors=np.ones(k, np.int64),
        max_mentees=np.ones(k, np.int64),
    )
    solution = coach_solver.solve(inst, tier)
    assert solution.status is Status.OPTIMAL
    assert (solution.mentor_of == -1).all() and solution.coach_of.tolist() == [-1] * m
    assert (solution.priority_sum, solution.objective) == (0, 0.0)


# ---------------------------------------------------------------------------------------------------------------
# 3. Differential: the same rules as a MILP (scipy / HiGHS) on small rosters


def milp_optimum(problem: Problem) -> tuple[int, float, list[int], list[int]]:
    """(Σ priority, Σ S, mentor_of, coach_of) of the MILP below, solved to proven optimality by HiGHS.

    Read from the profiles: x[i, j] per pair allowed by ``broken_rules``; y[j, c] per mentor and coach that may
    supervise them (shared language where the coach lists languages, the fixed coach_id, not themselves);
    z[j, c] ∈ [0, U_j] the case-load mentor j brings to coach c. Maximise Σ (priority · BIG + rint(10**6 · S)) x,
    BIG above any Σ rint(10**6 · S), subject to: each mentee at most once; Σ workload · x ≤ capacity · Σ_c y (a
    used mentor has a coach); Σ_c y ≤ 1; x[i, j] ≤ Σ_{c covers type(i)} y[j, c]; y[j, c] ≤ Σ_i x[i, j];
    Σ_j y[j, c] ≤ max_mentors; z[j, c] ≥ Σ_i x[i, j] − U_j (1 − y[j, c]) and Σ_j z[j, c] ≤ max_mentees.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_array

    r, config = problem.roster, problem.config
    n, m, k = len(r.mentees), len(r.mentors), len(r.coaches)
    priority = config.priority.model_dump()
    excluded = {(e.mentee_id, e.mentor_id) for e in r.exclusions}
    pairs = [
        (i, j)
        for i, me in enumerate(r.mentees)
        for j, mr in enumerate(r.mentors)
        if not broken_rules(me, mr, config, (me.id, mr.id) in excluded)
    ]
    everything = frozenset(p.extremism_type for p in r.mentees)
    links = [
        (j, c)
        for j, mr in enumerate(r.mentors)
        for c, co in enumerate(r.coaches)
        if coach_allows(co.model_copy(update={"specialisms": None}), mr, everything)
    ]
    case_load = [(j, c) for j, c in links if r.coaches[c].max_mentees is not None]
    nx, ny, nz = len(pairs), len(links), len(case_load)
    x = {p: v for v, p in enumerate(pairs)}
    y = {p: nx + v for v, p in enumerate(links)}
    z = {p: nx + ny + v for v, p in enumerate(case_load)}
    reach = [sum(1 for _, jj in pairs if jj == j) for j in range(m)]

    rows: list[tuple[dict[int, float], float]] = []  # (coefficients, upper bound) of rows "a · v ≤ ub"
    for i in range(n):
        rows.append(({x[p]: 1 for p in pairs if p[0] == i}, 1))
    for j, mr in enumerate(r.mentors):
        row = {x[(i, j)]: r.mentees[i].workload for i in range(n) if (i, j) in x}
        row.update({y[(j, c)]: -mr.capacity for c in range(k) if (j, c) in y})
        rows.append((row, 0))
        rows.append(({y[(j, c)]: 1 for c in range(k) if (j, c) in y}, 1))
        for c in range(k):
            if (j, c) in y:  # a mentor without mentees gets no coach
                rows.append(({y[(j, c)]: 1, **{x[(i, j)]: -1 for i in range(n) if (i, j) in x}}, 0))
    for (i, j), v in x.items():
        kind = r.mentees[i].extremism_type
        covering = [
            y[(j, c)]
            for c in range(k)
            if (j, c) in y and (r.coaches[c].specialisms is None or kind in r.coaches[c].specialisms)
        ]
        rows.append(({v: 1, **{w: -1 for w in covering}}, 0))
    for c, co in enumerate(r.coaches):
        rows.append(({y[(j, c)]: 1 for j in range(m) if (j, c) in y}, co.max_mentors))
        if co.max_mentees is not None:
            rows.append(({z[(j, c)]: 1 for j in range(m) if (j, c) in z}, co.max_mentees))
    for (j, c), v in z.items():  # Σ_i x[i, j] − z + U y ≤ U
        rows.append(({**{x[(i, j)]: 1 for i in range(n) if (i, j) in x}, v: -1, y[(j, c)]: reach[j]}, reach[j]))

    size = nx + ny + nz
    a = lil_array((len(rows), size))
    upper = np.empty(len(rows))
    for row, (coefficients, ub) in enumerate(rows):
        for col, value in coefficients.items():
            a[row, col] = value
        upper[row] = ub
    w_int = np.array([round(1e6 * float(problem.score[i, j])) for i, j in pairs], dtype=np.int64)
    big = int(w_int.clip(min=0).sum()) + 1
    gain = np.zeros(size)
    gain[:nx] = [priority[r.mentees[i].risk_level] * big + w for (i, _), w in zip(pairs, w_int, strict=True)]
    high = np.ones(size)
    for (j, _), v in z.items():
        high[v] = reach[j]
    res = milp(
        -gain,
        integrality=np.ones(size),
        bounds=Bounds(np.zeros(size), high),
        constraints=LinearConstraint(a.tocsr(), -np.inf, upper),
        options={"mip_rel_gap": 0.0, "time_limit": 30.0},
    )
    assert res.status == 0, res.message
    values = np.rint(res.x).astype(np.int64)
    mentor_of, coach_of = [-1] * n, [-1] * m
    for (i, j), v in x.items():
        if values[v]:
            mentor_of[i] = j
    for (j, c), v in y.items():
        if values[v]:
            coach_of[j] = c
    prio = sum(priority[r.mentees[i].risk_level] for i, j in enumerate(mentor_of) if j >= 0)
    score = math.fsum(float(problem.score[i, j]) for i, j in enumerate(mentor_of) if j >= 0)
    return prio, score, mentor_of, coach_of


def assert_agrees_with_milp(r: Roster) -> MatchResult:
    problem = build_problem(r, MatchConfig())
    result = solve(problem, time_limit=None)
    prio, score, milp_mentor, milp_coach = milp_optimum(problem)
    verify_matching(r, problem.config, milp_mentor, coach_of=milp_coach)  # the MILP keeps every rule
    mentor_of, coach_of = answer_of(problem, result)
    verify_matching(r, problem.config, mentor_of, coach_of=coach_of)
    assert result.status is Status.OPTIMAL
    assert result.priority_sum == prio
    # both sides round S to 1e-6 per pair; the MILP's own resolution is the same as the library's
    tolerance = 2 * score_tolerance(problem, mentor_of, milp_mentor)
    assert result.objective == pytest.approx(score, abs=tolerance)
    assert result.priority_bound == prio and result.bound is not None and result.bound >= score - tolerance
    assert_reasons_name_supervision(problem, result)
    return result


@examples(15)
@given(
    r=rosters_with_coaches(
        max_mentees=20, max_mentors=8, max_coaches=3, min_mentees=12, min_mentors=5, min_coaches=2, max_supervised=5
    )
)
def test_solve_with_coaches_agrees_with_a_milp_on_small_rosters(r: Roster) -> None:
    assert_agrees_with_milp(r)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_solve_with_coaches_agrees_with_a_milp_on_synthetic_rosters(seed: int) -> None:
    full = synthetic_roster(20, 8, 3, seed=seed)
    # tighten the coaches so that they bind: at most 2 mentors and 4 mentees each
    tight = tuple(c.model_copy(update={"max_mentors": min(c.max_mentors, 2), "max_mentees": 4}) for c in full.coaches)
    assert_agrees_with_milp(full)
    assert_agrees_with_milp(
        Roster(mentees=full.mentees, mentors=full.mentors, coaches=tight, exclusions=full.exclusions)
    )


# ---------------------------------------------------------------------------------------------------------------
# 4. Coaches that bind, fixed coaches, coaches who mentor, reasons


def without_coaches(r: Roster) -> Roster:
    mentors = tuple(p.model_copy(update={"coach_id": None}) for p in r.mentors)
    return Roster(mentees=r.mentees, mentors=mentors, exclusions=r.exclusions)


GOOD = dict(expertise=frozenset({"islamist", "far_right"}), experience=5.0, age=40, gender="male")
"""A mentor who fits the hand-made mentees (male, 30, english) far better than a plain one."""
PLAIN = dict(expertise=frozenset(), experience=0.0, age=75, gender="female")


def test_binding_coaches_move_a_mentee_away_from_the_coach_free_optimum() -> None:
    # both mentees fit M1 best, but no coach covers both of their types
    r = roster(
        [mentee("A", "islamist"), mentee("B", "far_right")],
        [mentor("M1", capacity=2, **GOOD), mentor("M2", capacity=2, **PLAIN)],
        [coach("C1", max_mentors=1, specialisms={"islamist"}), coach("C2", max_mentors=1, specialisms={"far_right"})],
    )
    free = solve(build_problem(without_coaches(r)))
    assert free.table["mentor_id"].tolist() == ["M1", "M1"]
    problem = build_problem(r)
    result = solve(problem)
    assert result.status is Status.OPTIMAL
    assert result.table["mentor_id"].tolist() != free.table["mentor_id"].tolist()
    assert sorted(result.table["mentor_id"]) == ["M1", "M2"]  # both still matched
    assert result.priority_sum == free.priority_sum and result.objective < free.objective
    assert "the coach rules bind" in result.message
    mentor_of, coach_of = answer_of(problem, result)
    verify_matching(r, problem.config, mentor_of, coach_of=coach_of)
    prio, score, *_ = profile_coach_optimum(problem)
    assert (result.priority_sum, result.objective) == (prio, pytest.approx(score, abs=1e-6))


def test_coaches_that_do_not_bind_leave_the_coach_free_optimum_and_say_nothing() -> None:
    r = roster(
        [mentee("A", "islamist"), mentee("B", "far_right")],
        [mentor("M1", capacity=2, **GOOD), mentor("M2", capacity=2, **PLAIN)],
        [coach("C1", max_mentors=1)],
    )
    free = solve(build_problem(without_coaches(r)))
    result = solve(build_problem(r))
    assert result.table["mentor_id"].tolist() == free.table["mentor_id"].tolist()
    assert result.table["coach_id"].tolist() == ["C1", "C1"]
    assert result.status is Status.OPTIMAL and result.message == ""


def test_fixed_coach_is_honoured_even_when_it_moves_a_mentee() -> None:
    mentees = [mentee("A", "islamist"), mentee("B", "far_right")]
    coaches = [coach("C1", specialisms={"islamist"}), coach("C2", specialisms={"far_right"})]
    # M1 is fixed to C2, who covers far_right only: A (islamist) must go to M2 although M1 fits better
    r = roster(mentees[:1], [mentor("M1", coach_id="C2", **GOOD), mentor("M2", **PLAIN)], coaches)
    result = solve(build_problem(r))
    assert result.table[["mentor_id", "coach_id"]].values.tolist() == [["M2", "C1"]]
    # fixed to C1: A stays with M1, under C1
    r = roster(mentees[:1], [mentor("M1", coach_id="C1", **GOOD), mentor("M2", **PLAIN)], coaches)
    assert solve(build_problem(r)).table[["mentor_id", "coach_id"]].values.tolist() == [["M1", "C1"]]
    # two generalists; both mentors fixed to C2, who has room for both
    r = roster(
        [mentee("A"), mentee("B")],
        [mentor("M1", capacity=1, coach_id="C2"), mentor("M2", capacity=1, coach_id="C2")],
        [coach("C1", max_mentors=5), coach("C2", max_mentors=2)],
    )
    result = solve(build_problem(r))
    assert result.n_matched == 2 and set(result.table["coach_id"]) == {"C2"}
    # the fixed coach is full (max_mentors 0): the mentor cannot be used at all
    r = roster(
        [mentee("A")],
        [mentor("M1", coach_id="C2", **GOOD), mentor("M2", **PLAIN)],
        [coach("C1"), coach("C2", max_mentors=0)],
    )
    assert solve(build_problem(r)).table[["mentor_id", "coach_id"]].values.tolist() == [["M2", "C1"]]


def test_coach_who_also_mentors_is_supervised_by_another_and_keeps_their_capacity() -> None:
    mentees = [mentee("A"), mentee("B")]
    mentors = [mentor("M1", capacity=1), mentor("M2", capacity=1)]
    r = roster(mentees, mentors, [coach("M1", max_mentors=1), coach("C2", max_mentors=1)])
    problem = build_problem(r)
    result = solve(problem)
    assert result.n_matched == 2 and result.status is Status.OPTIMAL
    coach_of_mentor = dict(zip(result.table["mentor_id"], result.table["coach_id"], strict=True))
    assert coach_of_mentor == {"M1": "C2", "M2": "M1"}  # M1 mentors at full capacity and supervises M2
    # with M1 the only coach, M1 cannot be supervised: only M2 mentors, the other mentee's reason is `coach`
    r = roster(mentees, mentors, [coach("M1", max_mentors=5)])
    result = solve(build_problem(r))
    assert result.status is Status.OPTIMAL
    assert result.pairs[["mentor_id", "coach_id"]].values.tolist() == [["M2", "M1"]]
    assert result.unmatched["reason"].tolist() == ["coach"]


def test_header_only_coaches_file_means_nobody_can_be_supervised(make_roster) -> None:
    folder = make_roster(coaches="id,max_mentors\n")
    r = read_roster(folder)
    assert r.coaches == ()
    problem = build_problem(r)
    assert problem.coaches is not None
    result = solve(problem)
    assert result.n_matched == 0 and result.status is Status.OPTIMAL
    assert result.table["reason"].tolist() == ["coach"] * len(r.mentees)
    assert result.table["coach_id"].isna().all()
    assert result.coaches is not None and len(result.coaches) == 0
    # the same through an explicit path, which wins over a folder's coaches.csv that has a coach
    folder = make_roster(coaches="id,max_mentors\nK1,5\n")
    assert solve(build_problem(read_roster(folder))).n_matched == 2
    r = read_roster(folder, coaches=make_roster(coaches="id,max_mentors\n") / "coaches.csv")
    assert r.coaches == () and solve(build_problem(r)).table["reason"].tolist() == ["coach", "coach"]


def test_reason_is_coach_when_the_only_coach_lacks_the_type() -> None:
    r = roster(
        [mentee("A", "islamist", risk="low"), mentee("B", "far_right", risk="high")],
        [mentor("M1", capacity=2, **GOOD)],
        [coach("C1", specialisms={"islamist"})],
    )
    result = solve(build_problem(r))
    assert result.pairs["mentee_id"].tolist() == ["A"]
    (row,) = result.unmatched.itertuples(index=False)
    assert (row.mentee_id, row.reason) == ("B", "coach")
    assert "specialism" in row.reason_detail


def test_reason_is_coach_when_the_coach_case_load_is_full() -> None:
    r = roster(
        [mentee("A", risk="high"), mentee("B", risk="low")],
        [mentor("M1", capacity=2, **GOOD)],
        [coach("C1", max_mentees=1)],
    )
    result = solve(build_problem(r))
    assert result.pairs["mentee_id"].tolist() == ["A"]
    assert result.unmatched["reason"].tolist() == ["coach"]
    assert "case-load" in result.unmatched["reason_detail"][0]


@pytest.mark.parametrize("limit", [dict(max_mentors=0), dict(max_mentees=0)])
def test_reason_is_coach_when_the_only_covering_coach_has_a_zero_limit(limit: dict) -> None:
    # C0 covers A's type but may supervise nobody; C1 may supervise, but not islamist cases. M1 goes to B.
    r = roster(
        [mentee("A", "islamist"), mentee("B", "far_right", risk="high")],
        [mentor("M1", capacity=1, **GOOD)],
        [coach("C0", **limit), coach("C1", max_mentors=1, specialisms={"far_right"})],
    )
    result = solve(build_problem(r))
    assert result.pairs[["mentee_id", "mentor_id", "coach_id"]].values.tolist() == [["B", "M1", "C1"]]
    assert result.unmatched["reason"].tolist() == ["coach"]


def test_reason_is_coach_when_only_a_mentor_without_capacity_could_be_supervised() -> None:
    # M1 is fixed to C1 (far_right only); C2 could supervise A's type, but only for M2, who has no capacity
    r = roster(
        [mentee("A", "islamist"), mentee("B", "far_right", risk="high")],
        [mentor("M1", capacity=1, coach_id="C1", **GOOD), mentor("M2", capacity=0, **GOOD)],
        [coach("C1", max_mentors=1, specialisms={"far_right"}), coach("C2", max_mentors=5)],
    )
    result = solve(build_problem(r))
    assert result.pairs[["mentee_id", "mentor_id", "coach_id"]].values.tolist() == [["B", "M1", "C1"]]
    assert result.unmatched["reason"].tolist() == ["coach"]


def test_reason_stays_capacity_when_coaches_do_not_bind() -> None:
    r = roster(
        [mentee("A", risk="high"), mentee("B", risk="low")],
        [mentor("M1", capacity=1, **GOOD)],
        [coach("C1", max_mentors=3, max_mentees=10)],
    )
    result = solve(build_problem(r))
    assert result.pairs["mentee_id"].tolist() == ["A"]
    assert result.unmatched["reason"].tolist() == ["capacity"]
    assert result.message == ""


# ---------------------------------------------------------------------------------------------------------------
# 5. The coach table and the summary's coach block


COACH_COLUMNS = ["coach_id", "mentors", "max_mentors", "mentees", "max_mentees", "workload"]
COACH_LINE = re.compile(r"  (\S+): mentors (\d+)/(\d+), mentees (\d+)(?:/(\d+)| \(no case-load limit\))")


def test_coach_table_counts_the_answer_on_the_bundled_roster() -> None:
    r = read_roster(BUNDLED)
    problem = build_problem(r)
    result = solve(problem)
    table = result.coaches
    assert list(table.columns) == COACH_COLUMNS
    assert table["coach_id"].tolist() == [c.id for c in r.coaches]
    assert int(table["mentees"].sum()) == result.n_matched
    assert int(table["mentors"].sum()) == result.mentors_used
    assert int(table["workload"].sum()) == result.capacity_used
    # per coach, the counts are those of the result's rows, within the limits as given
    pairs = result.pairs
    for row in table.itertuples(index=False):
        mine = pairs[pairs["coach_id"] == row.coach_id]
        assert row.mentees == len(mine) and row.mentors == mine["mentor_id"].nunique()
        limit = next(c.max_mentees for c in r.coaches if c.id == row.coach_id)
        assert row.max_mentees == limit or (limit is None and row.max_mentees is None)
        assert row.mentors <= row.max_mentors and (limit is None or row.mentees <= limit)


def test_summary_coach_block_carries_ids_and_counts_only() -> None:
    r = read_roster(BUNDLED)
    result = solve(build_problem(r))
    lines = result.summary().splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("coaches: "))
    assert re.fullmatch(r"coaches: (\d+)/(\d+) supervising, (\d+) mentors, (\d+) mentees", lines[start])
    assert lines[start] == (
        f"coaches: {int((result.coaches['mentors'] > 0).sum())}/{len(r.coaches)} supervising, "
        f"{result.mentors_used} mentors, {result.n_matched} mentees"
    )
    block = lines[start + 1 : start + 1 + len(r.coaches)]
    for line, row in zip(block, result.coaches.itertuples(index=False), strict=True):
        match = COACH_LINE.fullmatch(line)
        assert match, line
        assert match[1] == row.coach_id and int(match[2]) == row.mentors and int(match[4]) == row.mentees
    coach_ids = {c.id for c in r.coaches}
    text = result.summary()
    words = set(re.findall(r"[\w-]+", text))
    for person in [p.id for p in r.mentees] + [p.id for p in r.mentors if p.id not in coach_ids]:
        assert person not in words
    profile_values = {t for c in r.coaches for t in (c.specialisms or ())} | {
        lang for c in r.coaches for lang in (c.languages or ())
    }
    assert not profile_values & words


def test_summary_lists_the_busiest_coaches_and_counts_the_rest() -> None:
    r = synthetic_roster(60, 20, MatchResult.COACH_LINES + 3, seed=5)
    result = solve(build_problem(r))
    lines = result.summary().splitlines()
    listed = [line for line in lines if COACH_LINE.fullmatch(line)]
    assert len(listed) == MatchResult.COACH_LINES
    assert "  ... and 3 more coaches (all in MatchResult.coaches)" in lines
    assert len(result.coaches) == MatchResult.COACH_LINES + 3


# ---------------------------------------------------------------------------------------------------------------
# Exclusions still hold with coaches (a regression guard for the coach-free bound dropping pairs)


def test_exclusions_hold_with_coaches() -> None:
    base = roster([mentee("A")], [mentor("M1", **GOOD), mentor("M2", **PLAIN)], [coach("C1")])
    r = Roster(
        mentees=base.mentees,
        mentors=base.mentors,
        coaches=base.coaches,
        exclusions=(Exclusion(mentee_id="A", mentor_id="M1"),),
    )
    result = solve(build_problem(r))
    assert result.table[["mentor_id", "coach_id"]].values.tolist() == [["M2", "C1"]]


@pytest.mark.parametrize("share", [0.3, 0.0], ids=["combined-first", "stages-only"])
@pytest.mark.parametrize("strong_triples", [10**9, -1], ids=["triple-model", "pair-model"])
def test_coach_models_keep_their_bounds_tier_by_tier(monkeypatch, strong_triples: int, share: float) -> None:
    # the coach models prove Σ priority first, then Σ S under it (after a share of the time on the combined
    # objective); a search cut short in any stage must still report a bound on Σ gain that no answer beats, and a
    # full one the optimum itself
    from dataclasses import replace

    from mentormatch.solvers._scaling import fit_scaling
    from mentormatch.solvers.coaches import models
    from mentormatch.solvers.coaches.models import new_model
    from mentormatch.solvers.coaches.pairs import all_pairs

    monkeypatch.setattr(models, "COMBINED_SHARE", share)
    options = CoachOptions(strong_triples=strong_triples)
    rng = np.random.default_rng(11)
    cut = 0
    for _ in range(60):
        inst, tier = random_tier_case(rng)
        base = replace(inst, allowed=inst.allowed & tier.coverable())
        rows, cols = all_pairs(base)
        if rows.size == 0:
            continue
        scaling = fit_scaling(base)
        prio, weight = brute_force_tier(inst, tier)
        best = prio * scaling.big + weight  # integer weights: w_int = w
        for limit in (None, 60.0):
            full = new_model(base, tier, scaling, rows, cols, options).solve(limit, 0)
            assert full.found and full.gain == best and full.bound == best
        short = new_model(base, tier, scaling, rows, cols, options).solve(1e-6, 0)
        if short.found:
            assert short.gain <= best <= short.bound
            cut += short.bound > short.gain
    if share == 0.0 and strong_triples > 0:  # (combined first, or the pair model's one stage, prove these at once)
        assert cut >= 1  # some search was stopped with a gap: the unproven stages' bounds were checked too
