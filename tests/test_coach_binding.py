"""Coach choice with flow re-solves (``solvers/coaches/choice.py``) and the ``binding`` synthetic scenario: the flow
through fixed coaches against brute force, every answer of the step valid and never above the brute-force coach
optimum, the coverable bound never below it, and reruns identical."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mentormatch import build_problem, synthetic_roster
from mentormatch.problem import CoachTier, Instance, Solution, Status
from mentormatch.solvers import coaches as coach_solver
from mentormatch.solvers._common import Clock
from mentormatch.solvers._scaling import fit_scaling
from mentormatch.solvers.coaches import CoachOptions, check_coaches, greedy_supervision
from mentormatch.solvers.coaches.choice import choose_and_flow, flow_through, pair_table

from .oracles import answers, key, optimum, tier_values


def unit_case(rng: np.random.Generator) -> tuple[Instance, CoachTier]:
    """A tiny integer instance with unit workloads and a coach tier (seeded, every entry drawn independently)."""
    n, m, k, t = int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    inst = Instance(
        weights=rng.integers(-3, 7, size=(n, m)),
        allowed=rng.random((n, m)) < 0.8,
        priority=rng.integers(1, 4, size=n),
        load=np.ones(n, np.int64),
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


def through(inst: Instance, tier: CoachTier, coach_of: np.ndarray, mentor_of: np.ndarray) -> bool:
    """Whether ``mentor_of`` fits the fixed coaches ``coach_of``: every used mentor has one, who covers its
    mentees' types, and each coach's case-load holds (``max_mentors`` is the choice's business)."""
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    if (coach_of[cols] < 0).any() or not tier.cover[coach_of[cols], tier.mentee_type[rows]].all():
        return False
    load = np.bincount(coach_of[cols], minlength=tier.n_coaches)
    return bool((load <= tier.max_mentees).all())


def test_flow_through_fixed_coaches_matches_brute_force() -> None:
    rng = np.random.default_rng(1507)
    for _ in range(150):
        inst, tier = unit_case(rng)
        m, k = inst.shape[1], tier.n_coaches
        coach_of = np.where(rng.random(m) < 0.8, rng.integers(0, k, size=m), -1).astype(np.int64)
        scaling = fit_scaling(inst)
        got = flow_through(inst, tier, pair_table(inst, tier, scaling), coach_of)
        assert through(inst, tier, coach_of, got)
        best = max(key(inst, a) for a in answers(inst) if through(inst, tier, coach_of, a))
        assert key(inst, got) == best


def test_choice_rounds_give_valid_answers_never_above_the_coach_optimum() -> None:
    rng = np.random.default_rng(2611)
    improved = 0
    for _ in range(200):
        inst, tier = unit_case(rng)
        base = replace(inst, allowed=inst.allowed & tier.coverable())
        scaling = fit_scaling(base, strict_locks=True)
        free = optimum(base)
        assert free is not None
        start = free[1]
        greedy = greedy_supervision(base, tier, scaling, start)
        target = scaling.answer_gain(base, start)
        found = choose_and_flow(base, tier, scaling, start, greedy, target, options=CoachOptions(), clock=Clock(None))
        solution = Solution(
            mentor_of=found.mentor_of, status=Status.FEASIBLE, priority_sum=0, objective=0.0,
            priority_bound=None, objective_bound=None, solver="choice", seconds=0.0, coach_of=found.coach_of,
        )  # fmt: skip
        check_coaches(base, tier, solution)
        best = optimum(inst, tier)
        assert best is not None
        assert key(inst, found.mentor_of) <= best[0]
        # the coverable bound (the coach-free optimum over coverable pairs) is never below the coach optimum
        assert key(base, start) >= best[0]
        improved += found.gain > scaling.answer_gain(base, greedy[0])
    assert improved >= 2  # the flow re-solve does recover what greedy supervision drops


def test_binding_scenario_draws_what_it_says() -> None:
    roster = synthetic_roster(400, 100, 8, seed=3, coach_limits="binding")
    assert all(me.workload == 1 for me in roster.mentees)
    assert all(10 <= c.max_mentors <= 25 or c.max_mentors < 10 for c in roster.coaches)
    places = sum(c.max_mentors for c in roster.coaches)
    active = sum(mr.capacity > 0 for mr in roster.mentors)
    assert places <= np.ceil(1.09 * active)
    assert sum(c.specialisms is not None for c in roster.coaches) == round(0.75 * 8)
    assert sum(c.max_mentees is not None for c in roster.coaches) == round(0.6 * 8)
    other = synthetic_roster(400, 100, 8, seed=3, coach_limits="moderate")
    assert [mr.id for mr in other.mentors] == [mr.id for mr in roster.mentors]


def test_binding_roster_solves_validly_and_reruns_identically() -> None:
    problem = build_problem(synthetic_roster(200, 60, 5, seed=2, coach_limits="binding"))
    options = CoachOptions(exact_pairs=0)  # the large-roster path: choice and flow, no CP-SAT repair
    inst, tier = problem.instance(), problem.coaches
    first = coach_solver.solve(inst, tier, time_limit=5.0, options=options)
    again = coach_solver.solve(inst, tier, time_limit=5.0, options=options)
    assert np.array_equal(first.mentor_of, again.mentor_of) and np.array_equal(first.coach_of, again.coach_of)
    assert (first.priority_sum, first.objective, first.priority_bound) == (
        again.priority_sum,
        again.objective,
        again.priority_bound,
    )
    assert first.priority_bound is not None and first.priority_sum <= first.priority_bound
    if first.status is not Status.OPTIMAL:
        assert "choice" in first.method.split("+")
    check_coaches(inst, tier, first)
    assert tier_values(inst, first.mentor_of)["priority"] == first.priority_sum


def test_solve_with_current_pairs_through_the_choice_matches_brute_force() -> None:
    rng = np.random.default_rng(7015)
    through_choice = 0
    for _ in range(80):
        inst, tier = unit_case(rng)
        n, m = inst.shape
        keep = np.full(n, -1, np.int64)
        for i in range(n):
            mentors = np.flatnonzero(inst.allowed[i] & (inst.capacity > 0))
            if mentors.size and rng.random() < 0.6:
                keep[i] = int(rng.choice(mentors))
        locked = (keep >= 0) & (rng.random(n) < 0.3)
        per_mentor = np.bincount(keep[locked], minlength=m)
        if (per_mentor > inst.capacity).any():
            locked[:] = False
        tier_name = ("first", "second", "last")[int(rng.integers(0, 3))]
        inst = replace(inst, keep=keep, locked=locked, keep_tier=tier_name)
        solution = coach_solver.solve(inst, tier)
        check_coaches(inst, tier, solution)
        best = optimum(inst, tier)
        assert best is not None
        assert key(inst, solution.mentor_of) <= best[0]
        if solution.status is Status.OPTIMAL:
            assert key(inst, solution.mentor_of) == best[0]
        through_choice += "choice" in solution.method.split("+")
    assert through_choice >= 3
