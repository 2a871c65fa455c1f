"""Tests of the generalised-assignment path (``solvers/gap.py``) and the published GAP generator
(``synthetic/gap.py``): brute force on tiny instances, bound validity, a differential against scipy's HiGHS MILP,
determinism and the time limit."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mentormatch
from mentormatch.problem import Instance, Status
from mentormatch.solvers import check_solution, gap, relaxation, run_solver
from mentormatch.solvers._scaling import FLOAT_EXACT, fit_scaling
from mentormatch.solvers.options import GapOptions, SolverOptions
from mentormatch.synthetic.gap import GAP_TYPES, gap_instance

from . import oracles
from .strategies import instances_with_keep

SMALL = SolverOptions(gap=GapOptions(max_iterations=150, stall_stop=60, restart_stall=30))
"""Short searches for the property tests (the brute force decides; CP-SAT's polish proves most of them)."""


@st.composite
def gap_instances(draw: st.DrawFn, max_rows: int = 5, max_cols: int = 3) -> Instance:
    """A tiny instance with a load per pair 1..4, capacities 0..5, priorities 1..3, integer weights with
    negatives, pairs mostly allowed, maximised or minimised."""
    n = draw(st.integers(1, max_rows))
    m = draw(st.integers(1, max_cols))
    mostly = st.sampled_from((True, True, True, False))
    return Instance(
        weights=draw(hnp.arrays(np.int64, (n, m), elements=st.integers(-20, 20))),
        allowed=draw(hnp.arrays(np.bool_, (n, m), elements=mostly)),
        priority=draw(hnp.arrays(np.int64, n, elements=st.integers(1, 3))),
        load=draw(hnp.arrays(np.int64, (n, m), elements=st.integers(1, 4))),
        capacity=draw(hnp.arrays(np.int64, m, elements=st.integers(0, 5))),
        maximize=draw(st.booleans()),
    )


def check_against_brute_force(inst: Instance, time_limit: float = 5.0) -> None:
    """Solve with the GAP path directly; the answer keeps every rule, no answer beats its bound on Σ gain, and
    ``optimal`` means the brute-force optimum."""
    maximising = inst.maximising()
    scaling = fit_scaling(maximising, limit=FLOAT_EXACT)
    sol = gap.solve(maximising, time_limit=time_limit, scaling=scaling, options=SMALL)
    check_solution(maximising, sol)
    every = oracles.answers(inst)
    best_key, best_answer = oracles.optimum(inst)
    best_gain = max(scaling.answer_gain(maximising, answer) for answer in every)
    assert sol.stats["lp_bound"] >= best_gain and sol.stats["gain_bound"] >= best_gain  # the bounds are valid
    assert oracles.key(inst, sol.mentor_of) <= best_key
    if sol.status is Status.OPTIMAL:
        assert oracles.key(inst, sol.mentor_of) == best_key
    if sol.priority_bound is not None and inst.keep is None:
        assert sol.priority_bound >= oracles.tier_values(inst, best_answer)["priority"]
        if sol.objective_bound is not None and sol.priority_bound == sol.priority_sum:
            weights = [
                oracles.tier_values(maximising, answer)["weight"]
                for answer in every
                if oracles.tier_values(inst, answer)["priority"] == sol.priority_sum
            ]
            assert sol.objective_bound >= max(weights) - 1e-9


# --- the generator ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", GAP_TYPES)
def test_generator_shapes_ranges_and_seed(kind):
    cost, load, capacity = gap_instance(kind, 60, 7, seed=3)
    assert cost.shape == load.shape == (60, 7) and capacity.shape == (7,)
    assert cost.dtype == load.dtype == capacity.dtype == np.int64
    assert load.min() >= 1
    np.testing.assert_array_equal(capacity, np.trunc(0.8 * load.sum(axis=0) / 7).astype(np.int64))
    if kind == "c":
        assert load.min() >= 5 and load.max() <= 25 and cost.min() >= 10 and cost.max() <= 50
    elif kind == "d":
        assert load.max() <= 100
        assert np.all(np.abs(cost - (111 - load)) <= 10)
    else:
        assert np.all(cost <= 1000 // load) and np.all(cost >= 1000 // load - 11)
    again = gap_instance(kind, 60, 7, seed=3)
    other = gap_instance(kind, 60, 7, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip((cost, load, capacity), again, strict=True))
    assert not np.array_equal(cost, other[0])


def test_generator_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown GAP type 'b'"):
        gap_instance("b", 10, 2)
    with pytest.raises(ValueError, match="jobs and agents must be ≥ 1"):
        gap_instance("c", 0, 2)


def test_generator_is_exported():
    from mentormatch import synthetic

    assert synthetic.gap_instance is gap_instance


# --- brute force and bounds -----------------------------------------------------------------------------------


@settings(max_examples=20)
@given(gap_instances())
def test_gap_path_against_brute_force(inst):
    check_against_brute_force(inst)


@settings(max_examples=15)
@given(instances_with_keep(max_rows=4, max_cols=3, per_pair_load=True, max_load=3, maximize=None))
def test_gap_path_carries_the_continuity_tier(inst):
    check_against_brute_force(inst)


def test_lagrangian_bound_is_valid_for_any_multipliers():
    rng = np.random.default_rng(0)
    inst = Instance(
        weights=rng.integers(0, 10, (5, 3)),
        allowed=np.ones((5, 3), bool),
        priority=np.ones(5, np.int64),
        load=rng.integers(1, 4, (5, 3)),
        capacity=np.array([3, 2, 4]),
    )
    scaling = fit_scaling(inst)
    gain = scaling.pair_gains(inst, np.arange(5)[:, None], np.arange(3)[None, :]).astype(float)
    best = max(scaling.answer_gain(inst, answer) for answer in oracles.answers(inst))
    for _ in range(20):
        duals = rng.exponential(5.0, 3) * rng.integers(0, 2, 3)
        assert gap.lagrangian_bound(gain, inst.load, inst.capacity, duals, np.ones((5, 3), bool)) >= best


def test_auto_takes_the_gap_path_for_a_load_per_pair():
    cost, load, capacity = gap_instance("c", 12, 3, seed=0)
    inst = Instance(cost, np.ones(cost.shape, bool), np.ones(12, np.int64), load, capacity, maximize=False)
    sol = run_solver(inst, "auto", time_limit=5)
    assert sol.solver == "gap" and sol.method.startswith("gap+lp")
    assert sol.status is Status.OPTIMAL
    beyond = SolverOptions(gap=GapOptions(max_pairs=10))
    assert run_solver(inst, "auto", time_limit=5, options=beyond).solver in ("cpsat", "greedy")


# --- differential against scipy's HiGHS MILP ------------------------------------------------------------------


def milp_optimum(cost: np.ndarray, load: np.ndarray, capacity: np.ndarray) -> int:
    """The plain GAP's optimum (every job assigned), by scipy's HiGHS."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    n, m = cost.shape
    k = np.arange(n * m)
    once = csr_array((np.ones(n * m), (np.repeat(np.arange(n), m), k)), shape=(n, n * m))
    room = csr_array((load.ravel().astype(float), (np.tile(np.arange(m), n), k)), shape=(m, n * m))
    result = milp(
        cost.ravel().astype(float),
        constraints=[LinearConstraint(once, 1, 1), LinearConstraint(room, -np.inf, capacity)],
        integrality=np.ones(n * m),
        bounds=Bounds(0, 1),
    )
    assert result.status == 0
    return int(round(result.fun))


@pytest.mark.parametrize(("kind", "jobs", "agents", "seed"), [("c", 12, 3, 1), ("d", 12, 3, 2), ("e", 14, 3, 3)])
def test_gap_path_against_milp(kind, jobs, agents, seed):
    cost, load, capacity = gap_instance(kind, jobs, agents, seed=seed)
    optimum = milp_optimum(cost, load, capacity)
    answer = mentormatch.assign(cost, capacity=capacity, load=load, maximize=False, time_limit=1)
    assert answer.solver == "gap" and answer.matched == jobs
    assert answer.bound is not None and answer.bound <= optimum <= answer.objective
    if answer.status is Status.OPTIMAL:
        assert answer.objective == optimum


# --- the search on tight instances, determinism, the time limit -----------------------------------------------


def warm_imports() -> None:
    """Load what the path imports on first use (scipy's HiGHS, OR-Tools: a second or more on a loaded machine),
    so that a timed call measures the solve."""
    import scipy.optimize  # noqa: F401
    from ortools.sat.python import cp_model  # noqa: F401


def test_search_assigns_every_job_where_greedy_does_not():
    cost, load, capacity = gap_instance("d", 60, 6, seed=0)
    inst = Instance(cost, np.ones(cost.shape, bool), np.ones(60, np.int64), load, capacity, maximize=False)
    assert (relaxation.greedy(inst.maximising()) < 0).any()
    options = SolverOptions(gap=GapOptions(cpsat_share=0.0, probe_pairs=0))  # the search alone
    sol = run_solver(inst, "auto", time_limit=1, options=options)
    assert sol.method == "gap+lp+tabu"
    assert (sol.mentor_of >= 0).all() and sol.priority_bound == sol.priority_sum == 60
    assert sol.objective_bound is not None and sol.gap is not None and sol.gap < 0.02


def test_reruns_are_identical_and_within_the_time_limit():
    cost, load, capacity = gap_instance("e", 50, 6, seed=5)
    inst = Instance(cost, np.ones(cost.shape, bool), np.ones(50, np.int64), load, capacity, maximize=False)
    # budgets the wall clock cannot cut on a loaded machine (the defaults are sized to the time limit)
    options = SolverOptions(gap=GapOptions(max_iterations=300, probe_pairs=0, cpsat_share=0.02))
    warm_imports()
    runs = []
    for _ in range(2):
        start = time.perf_counter()
        runs.append(run_solver(inst, "auto", time_limit=2.0, options=options))
        assert time.perf_counter() - start < 2.0 + 0.5
    first, second = runs
    np.testing.assert_array_equal(first.mentor_of, second.mentor_of)
    assert (first.objective, first.objective_bound, first.status) == (
        second.objective,
        second.objective_bound,
        second.status,
    )
    assert first.method == second.method == "gap+lp+tabu+cpsat"
    assert first.stats["iterations"] == second.stats["iterations"] == 300  # the budget, not the clock, stopped it
    assert first.stats["gain_bound"] == second.stats["gain_bound"]


def test_the_wall_clock_stops_every_stage():
    cost, load, capacity = gap_instance("d", 120, 10, seed=1)
    inst = Instance(cost, np.ones(cost.shape, bool), np.ones(120, np.int64), load, capacity, maximize=False)
    hurried = SolverOptions(gap=GapOptions(work_rate=1e12, cpsat_share=10.0))  # budgets far beyond the time limit
    warm_imports()
    start = time.perf_counter()
    sol = run_solver(inst, "auto", time_limit=1.0, options=hurried)
    assert time.perf_counter() - start < 1.0 + 0.5
    assert sol.stats["gain_bound"] <= sol.stats["lp_bound"] and sol.priority_sum == 120


def test_small_generalised_instances_stay_proven_optimal():
    inst = Instance(
        weights=np.array([[3.0, 1.0], [2.0, 2.0]]),
        allowed=np.ones((2, 2), bool),
        priority=np.ones(2, np.int64),
        load=np.array([[1, 2], [2, 1]]),
        capacity=np.array([2, 2]),
    )
    sol = run_solver(inst, "auto")
    assert sol.status is Status.OPTIMAL and sol.objective == 5.0
    locked = replace(inst, keep=np.array([1, -1]), locked=np.array([True, False]), keep_tier="first")
    kept = run_solver(locked, "auto", time_limit=5)
    assert kept.mentor_of[0] == 1 and kept.status is Status.OPTIMAL


def test_a_proven_answer_reports_its_own_value_as_the_bound():
    """Minimising float weights: a proven answer's bound is its objective, with no rounding slack added."""
    a = mentormatch.assign(np.array([[0.0, 0.0]]), maximize=False, load=np.array([[1, 2]]))
    assert a.solver == "gap" and a.status is Status.OPTIMAL
    assert (a.objective, a.bound, a.gap) == (0.0, 0.0, 0.0)
