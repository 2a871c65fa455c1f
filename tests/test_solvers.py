"""Tests of the solver layer: interface, exactness, bounds, scaling, determinism, the large-workload path."""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentormatch.problem import Instance, Solution, Status
from mentormatch.solvers import (
    SOLVER_NAMES,
    SOLVERS,
    SolverBug,
    SolverUnsuitable,
    check_solution,
    cpsat,
    flow,
    hungarian,
    relaxation,
    run_solver,
)
from mentormatch.solvers._scaling import FLOAT_EXACT, fit_scaling
from mentormatch.solvers.options import (
    AutoOptions,
    CpsatOptions,
    GapOptions,
    HungarianOptions,
    RelaxationOptions,
    SolverOptions,
)

from .strategies import instances, tiny_instances, unit_load_instances

PROPERTY = settings(max_examples=60)


# --- helpers -----------------------------------------------------------------------------------------------------


def make(weights, allowed=None, *, priority=None, load=None, capacity=None) -> Instance:
    weights = np.asarray(weights)
    n, m = weights.shape
    return Instance(
        weights=weights,
        allowed=np.ones((n, m), bool) if allowed is None else np.asarray(allowed, bool),
        priority=np.ones(n, np.int64) if priority is None else np.asarray(priority, np.int64),
        load=np.ones(n, np.int64) if load is None else np.asarray(load, np.int64),
        capacity=np.ones(m, np.int64) if capacity is None else np.asarray(capacity, np.int64),
    )


def random_instance(seed: int, n: int, m: int, *, loads=(1,), density=0.5, kind="float") -> Instance:
    rng = np.random.default_rng(seed)
    if kind == "int":
        weights = rng.integers(-50, 100, (n, m))
    else:
        weights = (0.5 * rng.random(n)[:, None] + 0.5 * rng.random((n, m))).astype(np.float32)
    return Instance(
        weights=weights,
        allowed=rng.random((n, m)) < density,
        priority=rng.integers(1, 4, n),
        load=rng.choice(np.asarray(loads), n),
        capacity=rng.integers(0, 5, m),
    )


def brute_force(inst: Instance) -> tuple[int, float]:
    """The best (Σ priority, Σ weights) over every matching, by enumeration (tiny instances only)."""
    n, m = inst.shape
    best = (0, 0.0)
    for choice in itertools.product(range(-1, m), repeat=n):
        mentor_of = np.array(choice, dtype=np.int64)
        rows = np.flatnonzero(mentor_of >= 0)
        cols = mentor_of[rows]
        if not inst.allowed[rows, cols].all():
            continue
        if np.any(np.bincount(cols, weights=inst.load[rows], minlength=m) > inst.capacity):
            continue
        value = (int(inst.priority[rows].sum()), math.fsum(inst.weights[rows, cols].astype(float).tolist()))
        if value > best:
            best = value
    return best


def tolerance(inst: Instance) -> float:
    """How far the true Σ weights of a scaled optimum may fall below the true optimum: (k + k*) · 0.5 / scale."""
    if inst.weights.dtype.kind in "biu":
        return 0.0
    scaling = fit_scaling(inst)
    return scaling.max_matched / scaling.scale + 1e-9


def assert_optimal(solution: Solution, expected: tuple[int, float], inst: Instance) -> None:
    assert solution.priority_sum == expected[0]
    assert solution.objective == pytest.approx(expected[1], abs=tolerance(inst))
    if tolerance(inst) == 0.0:
        assert solution.objective == expected[1]


def assert_bounds_consistent(solution: Solution) -> None:
    if solution.priority_bound is not None:
        assert solution.priority_bound >= solution.priority_sum
    if solution.objective_bound is not None:
        assert solution.priority_bound == solution.priority_sum
        assert solution.objective_bound >= solution.objective - 1e-9
        assert solution.gap is not None and solution.gap >= 0.0
    if solution.status is Status.OPTIMAL:
        assert solution.priority_bound == solution.priority_sum


# --- interface ---------------------------------------------------------------------------------------------------


def test_unknown_solver_lists_valid_names():
    with pytest.raises(ValueError, match=r"unknown solver 'lp'; valid solvers: 'auto', 'hungarian', 'flow', 'cpsat'"):
        run_solver(make([[1.0]]), "lp")


def test_solver_names():
    assert SOLVER_NAMES == ("auto", "hungarian", "flow", "cpsat")


def test_the_registry_lists_every_method_once_with_one_signature():
    assert tuple(name for name, method in SOLVERS.items() if method.public) == SOLVER_NAMES
    assert set(SOLVERS) == set(SOLVER_NAMES) | {"flow-priced", "relaxation", "greedy"}
    assert all(method.name == name and method.takes for name, method in SOLVERS.items())
    # Every method, internal ones included, answers the same call; each answer passes the check.
    inst = make([[3, 1], [2, 2]], load=[1, 1], capacity=[1, 1], priority=[2, 1])  # greedy reaches the bounds too
    for name, method in SOLVERS.items():
        sol = method.solve(inst, time_limit=None, seed=0, progress=None, options=SolverOptions())
        check_solution(inst, sol)
        assert sol.mentor_of.tolist() == [0, 1] and sol.status is Status.OPTIMAL, name
        assert sol.solver == ("hungarian" if name == "auto" else name)  # auto: a complete graph, every load 1


def test_options_must_be_solver_options():
    with pytest.raises(ValueError, match=r"options must be None or a SolverOptions, got dict"):
        run_solver(make([[1.0]]), "flow", options={})


def test_error_classes():
    assert issubclass(SolverUnsuitable, ValueError)
    assert issubclass(SolverBug, RuntimeError)


@pytest.mark.parametrize("name", ["flow", "hungarian"])
def test_unit_load_solvers_refuse_larger_loads(name):
    inst = make(np.ones((3, 2)), load=[2, 1, 3], capacity=[3, 3])
    with pytest.raises(
        SolverUnsuitable,
        match=rf"solver '{name}' is exact only when every workload is 1 "
        r"\(2 mentees have a workload above 1\); use solver 'cpsat' or 'auto'",
    ):
        run_solver(inst, name)


def test_hungarian_memory_guard_names_flow():
    options = SolverOptions(hungarian=HungarianOptions(max_matrix_bytes=100))
    with pytest.raises(SolverUnsuitable, match=r"GB, limit .*use solver 'flow'"):
        run_solver(make(np.ones((4, 4))), "hungarian", options=options)
    # the same guard on the capacity-slot path (priorities differ, fewer slots than mentees)
    with pytest.raises(SolverUnsuitable, match=r"GB, limit .*use solver 'flow'"):
        run_solver(make(np.ones((6, 3)), priority=[1, 2, 3, 4, 5, 6]), "hungarian", options=options)


def test_cpsat_pair_limit_names_auto():
    options = SolverOptions(cpsat=CpsatOptions(max_pairs=3))
    with pytest.raises(SolverUnsuitable, match=r"4 candidate pairs \(limit 3.*use solver 'auto'"):
        run_solver(make(np.ones((2, 2))), "cpsat", options=options)


def test_auto_answers_greedily_beyond_the_cpsat_pair_limit():
    inst = make([[3.0, 1.0], [2.0, 2.0]], load=[[1, 2], [2, 1]], capacity=[2, 2])
    beyond_gap = GapOptions(max_pairs=3)  # past the generalised-assignment path's size too
    options = SolverOptions(cpsat=CpsatOptions(max_pairs=3), gap=beyond_gap)
    sol = run_solver(inst, "auto", options=options)
    assert (sol.solver, sol.method, dict(sol.stats)) == ("greedy", "greedy", {"pairs": 4})
    assert sol.message == "greedy answer: 4 candidate pairs are beyond CP-SAT's 3; the bound is the trivial one"
    assert run_solver(inst, "auto", options=SolverOptions(gap=beyond_gap)).solver == "cpsat"
    assert run_solver(inst, "auto").solver == "gap"


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(allowed=np.ones((2, 2), int)), r"allowed: expected dtype bool"),
        (dict(weights=np.ones((2, 3))), r"weights: expected shape \(2, 2\)"),
        (dict(weights=np.ones((2, 2), complex)), r"weights: expected an integer or float dtype"),
        (dict(capacity=np.array([1, -1])), r"capacity: every entry must be ≥ 0; entry 1 is -1"),
        (dict(load=np.array([0, 1])), r"load: every entry must be ≥ 1; entry 0 is 0"),
        (dict(priority=np.array([1, 0])), r"priority: every entry must be ≥ 1; entry 1 is 0"),
        (dict(load=np.array([1.0, 1.0])), r"load: expected an integer dtype"),
        (dict(priority=np.array([1])), r"priority: expected shape \(2,\)"),
        (dict(weights=np.array([[1.0, np.nan], [0.0, 0.0]])), r"weights\[0, 1\] is nan on an allowed pair"),
        (dict(weights=np.array([[1, 2_000_000], [0, 0]])), r"weights\[0, 1\] is 2000000: .*±1000000"),
    ],
)
def test_invalid_instance(change, message):
    inst = replace(make(np.ones((2, 2))), **change)
    with pytest.raises(ValueError, match=message):
        run_solver(inst, "flow")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(time_limit=-1.0), r"time_limit must be None or a number ≥ 0, got -1.0"),
        (dict(time_limit=float("nan")), r"time_limit must be None or a number ≥ 0, got nan"),
        (dict(seed=-1), r"seed must be an integer in 0..2\*\*31-1"),
        (dict(seed=2**31), r"seed must be an integer in 0..2\*\*31-1"),
    ],
)
def test_invalid_time_limit_or_seed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_solver(make(np.ones((2, 2))), "cpsat", **kwargs)


def test_bad_values_on_forbidden_pairs_are_ignored():
    weights = np.array([[np.inf, 1.0], [np.nan, 2.0]])
    sol = run_solver(make(weights, [[False, True], [False, True]], capacity=[1, 2]), "auto")
    assert sol.mentor_of.tolist() == [1, 1]
    assert sol.objective == 3.0


@pytest.mark.parametrize("name", SOLVER_NAMES)
@pytest.mark.parametrize(
    "inst",
    [
        make(np.zeros((0, 0))),
        make(np.zeros((0, 3))),
        make(np.zeros((3, 0))),
        make(np.ones((3, 2)), np.zeros((3, 2), bool)),
        make(np.ones((3, 2)), capacity=[0, 0]),
        make(np.ones((3, 2), np.int64), load=[1, 1, 1], capacity=[0, 0]),
    ],
    ids=["0x0", "0x3", "3x0", "all-forbidden", "zero-capacity", "zero-capacity-int"],
)
def test_empty_answers(name, inst):
    sol = run_solver(inst, name)
    assert sol.mentor_of.tolist() == [-1] * inst.shape[0]
    assert (sol.status, sol.priority_sum, sol.objective) == (Status.OPTIMAL, 0, 0.0)
    assert sol.gap == 0.0


@pytest.mark.parametrize("name", SOLVER_NAMES)
def test_negative_weight_pair_taken_when_priority_needs_it(name):
    # Mentee 0 can only go to mentor 0 at weight -5; taking it gains a priority point, which comes first.
    inst = make([[-5, 0], [3, 4]], [[True, False], [True, True]], capacity=[1, 1])
    sol = run_solver(inst, name)
    assert sol.mentor_of.tolist() == [0, 1]
    assert (sol.priority_sum, sol.objective) == (2, -1.0)


@pytest.mark.parametrize("name", SOLVER_NAMES)
def test_priority_first_even_against_the_largest_weights(name):
    inst = make([[-(10**6)], [10**6]], priority=[2, 1])
    sol = run_solver(inst, name)
    assert sol.mentor_of.tolist() == [0, -1]


@pytest.mark.parametrize("name", ["cpsat", "auto"])
def test_two_medium_cases_outweigh_one_high_case(name):
    # PRODUCT section 4: priority counts per person, not per capacity unit.
    inst = make([[1.0], [0.1], [0.1]], priority=[3, 2, 2], load=[2, 1, 1], capacity=[2])
    sol = run_solver(inst, name)
    assert sol.mentor_of.tolist() == [-1, 0, 0]
    assert sol.priority_sum == 4


def test_progress_is_reported_and_nothing_printed(capsys):
    seen = []
    for name in SOLVER_NAMES:
        run_solver(
            random_instance(1, 20, 5, loads=(1, 2)) if name in ("cpsat", "auto") else random_instance(1, 20, 5),
            name,
            progress=lambda stage, elapsed: seen.append((stage, elapsed)),
        )
    assert seen and all(isinstance(s, str) and isinstance(e, float) and e >= 0 for s, e in seen)
    assert {s.split(":")[0] for s, _ in seen} >= {"flow", "hungarian", "cpsat", "relaxation"}
    assert capsys.readouterr() == ("", "")


def test_run_solver_checks_every_answer(monkeypatch):
    inst = make([[1.0, 2.0]], [[True, False]], capacity=[1, 1])

    def broken(instance, **kwargs):
        return Solution(
            mentor_of=np.array([1]),
            status=Status.OPTIMAL,
            priority_sum=1,
            objective=2.0,
            priority_bound=1,
            objective_bound=2.0,
            solver="flow",
            seconds=0.0,
        )

    monkeypatch.setattr(flow, "solve", broken)
    with pytest.raises(SolverBug, match="not allowed"):
        run_solver(inst, "flow")


# --- check_solution: one test per rule ---------------------------------------------------------------------------

CHECK_INSTANCE = make(
    [[1.0, 2.0], [3.0, 4.0]], [[True, False], [True, True]], priority=[1, 2], load=[1, 2], capacity=[2, 2]
)


def answer(mentor_of, **fields) -> Solution:
    values = dict(
        status=Status.FEASIBLE,
        priority_sum=3,
        objective=5.0,
        priority_bound=None,
        objective_bound=None,
        solver="test",
        seconds=0.0,
    )
    values.update(fields)
    return Solution(mentor_of=np.asarray(mentor_of), **values)


def test_check_accepts_a_good_answer():
    check_solution(CHECK_INSTANCE, answer([0, 1], priority_bound=3, objective_bound=6.0))


@pytest.mark.parametrize(
    "bad, message",
    [
        (answer([0]), r"shape \(2,\)"),
        (answer([0.0, 1.0]), r"integer array"),
        (answer([0, 2]), r"mentee 1 has mentor index 2, outside -1..1"),
        (answer([-2, 1]), r"mentee 0 has mentor index -2"),
        (answer([1, 0]), r"mentee 0 is matched to mentor 1, a pair that is not allowed"),
        (answer([0, 0]), r"mentor 0 carries load 3 above capacity 2"),
        (answer([0, 1], priority_sum=2), r"reported priority_sum 2, the matching gives 3"),
        (answer([0, 1], objective=5.5), r"reported objective 5.5, the matching gives 5.0"),
        (answer([0, 1], status="optimal"), r"is not a Status"),
        (answer([0, -1], status=Status.NO_SOLUTION, priority_sum=1, objective=1.0), r"no_solution with 1 mentees"),
        (answer([0, 1], priority_bound=2), r"priority_bound 2 is below the priority_sum 3"),
        (answer([0, 1], status=Status.OPTIMAL, priority_bound=4), r"optimal but priority_bound 4"),
        (answer([0, 1], priority_bound=4, objective_bound=9.0), r"objective_bound given although"),
        (answer([0, 1], priority_bound=3, objective_bound=4.0), r"objective_bound 4.0 is below the objective 5.0"),
    ],
)
def test_check_rejects(bad, message):
    with pytest.raises(SolverBug, match=message):
        check_solution(CHECK_INSTANCE, bad)


@PROPERTY
@given(instances(10, 6))
def test_every_answer_passes_check(inst):
    methods = [cpsat.solve, relaxation.solve, lambda i: relaxation.solve(i, improve_pairs=0)]
    if inst.unit_loads:
        methods += [flow.solve, hungarian.solve]
    for method in methods:
        sol = method(inst)
        check_solution(inst, sol)
        assert_bounds_consistent(sol)


# --- exactness -----------------------------------------------------------------------------------------------------


@PROPERTY
@given(unit_load_instances())
def test_exact_solvers_agree_on_unit_loads(inst):
    answers = [run_solver(inst, name) for name in ("flow", "hungarian", "auto")]
    plain = cpsat.solve(inst)  # no warm start: an independent answer
    check_solution(inst, plain)
    answers.append(plain)
    assert all(a.status is Status.OPTIMAL for a in answers)
    assert len({a.priority_sum for a in answers}) == 1
    objectives = [a.objective for a in answers]
    assert max(objectives) - min(objectives) <= 2 * tolerance(inst)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("kind", ["int", "float"])
def test_exact_solvers_agree_fixed_seeds(seed, kind):
    inst = random_instance(seed, 40, 12, kind=kind)
    answers = [run_solver(inst, name) for name in ("flow", "hungarian")] + [cpsat.solve(inst)]
    assert {a.status for a in answers} == {Status.OPTIMAL}
    assert len({a.priority_sum for a in answers}) == 1
    if kind == "int":
        assert len({a.objective for a in answers}) == 1
    else:
        assert max(a.objective for a in answers) - min(a.objective for a in answers) <= 2 * tolerance(inst)


@PROPERTY
@given(tiny_instances())
def test_brute_force_tiny(inst):
    expected = brute_force(inst)
    names = ["auto"] + (["flow", "hungarian"] if inst.unit_loads else [])
    for name in names:
        assert_optimal(run_solver(inst, name), expected, inst)
    plain = cpsat.solve(inst)
    check_solution(inst, plain)
    assert plain.status is Status.OPTIMAL
    assert_optimal(plain, expected, inst)
    # The relaxation's bounds hold against the true optimum, with or without improvement.
    for improve in (0, RelaxationOptions().improve_pairs):
        sol = relaxation.solve(inst, improve_pairs=improve)
        check_solution(inst, sol)
        assert_bounds_consistent(sol)
        assert sol.priority_bound >= expected[0]
        if sol.status is Status.OPTIMAL:
            assert_optimal(sol, expected, inst)
        if sol.objective_bound is not None and sol.priority_sum == expected[0]:
            # A feasible answer's bound is valid outright; an optimal one is optimal to the stated resolution.
            slack = tolerance(inst) if sol.status is Status.OPTIMAL else 1e-9
            assert sol.objective_bound >= expected[1] - slack


@PROPERTY
@given(tiny_instances(weight_kind="near_tie"))
def test_scaling_cannot_change_the_optimum_beyond_its_resolution(inst):
    # Weights differing below 1e-6 of the largest |weight| may round together; the answer still has the optimal
    # Σ priority exactly and Σ weights within (k + k*) · 0.5 / scale of the true optimum.
    expected = brute_force(inst)
    for sol in (run_solver(inst, "auto"), cpsat.solve(inst)):
        assert sol.priority_sum == expected[0]
        assert expected[1] - sol.objective <= tolerance(inst)


def test_scaling_resolution_is_what_is_stated():
    # Two answers differ by 4e-7 of the largest weight: below the resolution (1e-6 relative), so either may be
    # returned, and both are within the stated tolerance of the true optimum.
    inst = make([[1.0, 0.0], [1.0 - 4e-7, 0.0]], [[True, False], [True, True]], capacity=[1, 1])
    expected = brute_force(inst)
    sol = run_solver(inst, "flow")
    assert sol.priority_sum == expected[0] == 2
    assert expected[1] - sol.objective <= tolerance(inst)
    scaling = fit_scaling(inst)
    assert scaling.scale == 10**6 and scaling.weights_int(np.array([1.0, 1.0 - 4e-7])).tolist() == [10**6, 10**6]


def test_integer_weights_are_exact_at_the_limit():
    inst = make(np.array([[10**6, 10**6 - 1], [10**6 - 1, 10**6 - 3]]), capacity=[1, 1])
    for name in ("flow", "hungarian", "cpsat"):
        sol = run_solver(inst, name)
        assert sol.objective == 2 * 10**6 - 2  # 10**6 + (10**6 - 3) would be 1 less
    assert fit_scaling(inst).exact


def test_big_is_derived_once_and_dominates():
    inst = make(np.array([[3, -2], [5, 0]]), priority=[1, 2])
    scaling = fit_scaling(inst)
    assert (scaling.big, scaling.weight_low, scaling.weight_high) == (11, -2, 8)
    assert scaling.big > scaling.weight_high - scaling.weight_low
    assert scaling.split_bound(36, priority_found=3) == (3, 3)
    assert scaling.split_bound(36, priority_found=2) == (3, None)


def test_overflow_guards():
    # int64: Σ priority × big beyond 2**62 is refused by every solver, with a clear message.
    huge = make(np.full((100, 1), 10**6), priority=np.full(100, 2**40))
    with pytest.raises(ValueError, match=r"combined objective .* beyond what int64 holds"):
        fit_scaling(huge)
    with pytest.raises(ValueError, match=r"combined objective"):
        run_solver(huge, "flow")
    # Between 2**53 and 2**62: flow is exact in int64; CP-SAT's float64 bound and scipy's float64 costs are not.
    large = make(np.full((10, 2), 10**6), priority=np.full(10, 2**30), capacity=[3, 3])
    assert fit_scaling(large).combined_high >= FLOAT_EXACT
    assert run_solver(large, "flow").priority_sum == 6 * 2**30
    with pytest.raises(ValueError, match=r"CP-SAT's float64 objective bound"):
        run_solver(large, "cpsat")
    with pytest.raises(SolverUnsuitable, match=r"float64.*use solver 'flow'"):
        run_solver(replace(large, priority=np.arange(2**30, 2**30 + 10)), "hungarian")
    # Equal priorities on a complete graph: scipy solves the weights as given, exactly, whatever the priority.
    assert run_solver(large, "hungarian").priority_sum == 6 * 2**30
    loads = replace(large, load=np.full(10, 2, np.int64))
    sol = run_solver(loads, "auto")  # too large for CP-SAT's bound: auto takes the relaxation
    assert sol.solver == "relaxation" and sol.priority_sum == 2 * 2**30


def test_time_limit_zero():
    inst = random_instance(4, 30, 8, loads=(1, 2), density=0.7)
    stopped = run_solver(inst, "cpsat", time_limit=0.0)
    assert stopped.status is Status.NO_SOLUTION
    assert stopped.mentor_of.tolist() == [-1] * 30 and stopped.priority_bound is None
    fallback = run_solver(inst, "auto", time_limit=0.0)  # auto returns the repaired warm start instead
    assert fallback.solver == "relaxation" and fallback.status in (Status.FEASIBLE, Status.OPTIMAL)
    assert fallback.priority_sum > 0
    assert run_solver(inst, "auto").priority_sum >= fallback.priority_sum


# --- determinism ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SOLVER_NAMES)
def test_same_input_same_answer(name):
    inst = random_instance(7, 60, 15, loads=(1,) if name in ("flow", "hungarian") else (1, 2, 3))
    first = run_solver(inst, name, time_limit=None if name in ("flow", "hungarian") else 30, seed=3)
    second = run_solver(inst, name, time_limit=None if name in ("flow", "hungarian") else 30, seed=3)
    assert np.array_equal(first.mentor_of, second.mentor_of)
    assert (first.status, first.priority_sum, first.objective) == (second.status, second.priority_sum, second.objective)


def test_cpsat_reproducible_when_stopped_by_a_deterministic_limit():
    inst = random_instance(11, 120, 30, loads=(1, 2, 3), density=0.6)
    first = cpsat.solve(inst, deterministic_limit=0.3, seed=5)
    second = cpsat.solve(inst, deterministic_limit=0.3, seed=5)
    assert np.array_equal(first.mentor_of, second.mentor_of)


# --- workloads above 1 at scale ------------------------------------------------------------------------------------


SMALL_BUDGET = SolverOptions(
    relaxation=RelaxationOptions(improve_deterministic_seconds=2.0, window_deterministic_seconds=0.5)
)
"""A small CP-SAT budget for the relaxation's windows."""


def test_relaxation_mid_size_loads_two():
    inst = random_instance(3, 300, 60, loads=(2,), density=0.3)
    sol = relaxation.solve(inst, improve_pairs=2_000, options=SMALL_BUDGET)
    check_solution(inst, sol)
    assert sol.solver == "relaxation"
    assert_bounds_consistent(sol)
    assert sol.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert sol.priority_bound is not None
    greedy = relaxation.solve(inst, improve_pairs=0, options=SMALL_BUDGET)
    check_solution(inst, greedy)
    assert (sol.priority_sum, sol.objective) >= (greedy.priority_sum, greedy.objective)
    assert sol.priority_bound == greedy.priority_bound  # the same relaxation bounds both


def test_relaxation_search_ends_on_deterministic_time_not_the_wall_clock(monkeypatch):
    # reruns must agree byte for byte (PRODUCT.md section 4): a slow machine may not change the answer
    inst = random_instance(3, 300, 60, loads=(2,), density=0.3)
    quick = relaxation.solve(inst, improve_pairs=2_000, time_limit=60, deterministic_limit=1.0, options=SMALL_BUDGET)
    import mentormatch.solvers._common as common

    real = time.perf_counter
    monkeypatch.setattr(common.time, "perf_counter", lambda: 7 * real())  # a wall clock running 7 times faster
    slow = relaxation.solve(inst, improve_pairs=2_000, time_limit=60, deterministic_limit=1.0, options=SMALL_BUDGET)
    assert slow.mentor_of.tolist() == quick.mentor_of.tolist() and slow.message == quick.message
    assert (slow.method, slow.stats) == (quick.method, quick.stats)
    none = relaxation.solve(inst, improve_pairs=2_000, deterministic_limit=0.0, options=SMALL_BUDGET)
    assert none.stats.get("windows", 0) == 0 and "windows" not in none.method.split("+")  # no budget, no window
    # auto hands its time limit on as the budget
    options = replace(SMALL_BUDGET, auto=AutoOptions(cpsat_pairs=10))
    tiny = run_solver(inst, "auto", time_limit=1e-9, options=options)
    assert tiny.solver == "relaxation" and "windows" not in tiny.method.split("+")


def test_relaxation_never_splits_a_case():
    inst = random_instance(5, 80, 20, loads=(2, 3), density=0.5)
    relaxed = relaxation.relax(inst, fit_scaling(inst))
    assert np.any(relaxed.flow.units < inst.load[relaxed.flow.rows])  # the relaxation does split cases
    mentor_of = relaxation.repair(inst, relaxed)
    assert mentor_of.shape == (80,) and mentor_of.dtype.kind == "i"  # one mentor or none per mentee
    sol = relaxation.solve(inst, options=SMALL_BUDGET)
    check_solution(inst, sol)


def test_auto_takes_the_relaxation_above_its_threshold():
    inst = random_instance(2, 100, 20, loads=(1, 2), density=0.4)
    sol = run_solver(inst, "auto", time_limit=20, options=replace(SMALL_BUDGET, auto=AutoOptions(cpsat_pairs=10)))
    assert sol.solver == "relaxation" and sol.method.split("+")[0] == "relaxation"
    assert_bounds_consistent(sol)


@settings(max_examples=25)
@given(instances(12, 5, min_rows=1, min_cols=1, max_capacity=6), st.integers(0, 3))
def test_relaxation_agrees_with_cpsat_when_it_claims_optimal(inst, seed):
    exact = cpsat.solve(inst)
    assert exact.status is Status.OPTIMAL
    for improve in (0, 40):
        sol = relaxation.solve(inst, improve_pairs=improve, seed=seed)
        check_solution(inst, sol)
        assert_bounds_consistent(sol)
        assert sol.priority_bound >= exact.priority_sum
        if sol.status is Status.OPTIMAL:
            assert sol.priority_sum == exact.priority_sum
            assert sol.objective == pytest.approx(exact.objective, abs=2 * tolerance(inst))
