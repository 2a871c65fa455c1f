"""assign(): input checks at the boundary, the objective of PRODUCT.md sections 4–5 for every solver and status."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from scipy.optimize import linear_sum_assignment

import mentormatch.solvers as solvers
from mentormatch import Assignment, Status, assign
from mentormatch.problem import Instance
from mentormatch.solvers import AutoOptions, GapOptions, SolverOptions, SolverUnsuitable
from mentormatch.synthetic.matrices import cost_matrix, gap_loads, tight_capacity

from .oracles import optimum, tier_values
from .strategies import assign_arguments

PROPERTY = settings(max_examples=60)


# ---------------------------------------------------------------------------------------------------------------
# Input errors: one test each, scipy style.

W = np.arange(6).reshape(2, 3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"weights": np.arange(3)}, r"weights must be a 2-D array \(mentees × mentors\), got shape \(3,\)"),
        ({"weights": np.zeros((2, 2, 2))}, r"2-D array .* got shape \(2, 2, 2\)"),
        ({"weights": np.array([["a", "b"]])}, r"weights must hold integers or floats, got dtype <U1"),
        ({"weights": np.array([[1 + 2j]])}, r"integers or floats, got dtype complex128"),
        ({"weights": [[1, 2], [3]]}, r"weights must be a rectangular numeric array"),
        ({"weights": scipy.sparse.csr_matrix(W)}, r"weights must be a dense array; got a sparse"),
        ({"weights": np.array([[0.0, np.nan]])}, r"weights\[0, 1\] is nan on an allowed pair"),
        ({"weights": np.array([[np.inf, 0.0]])}, r"weights\[0, 0\] is inf on an allowed pair"),
        ({"weights": np.array([[0.0], [-np.inf]])}, r"weights\[1, 0\] is -inf on an allowed pair"),
        (
            {"weights": np.array([[1, 2_000_000]])},
            r"weights\[0, 1\] is 2000000: integer weights must lie within "
            r"±1000000",
        ),
        (
            {"weights": np.array([[1e-300, 0.0]]), "solver": "flow"},
            r"largest \|weight\| on an allowed pair is 1e-300, too small to scale",
        ),
        ({"weights": W, "capacity": [1, -1, 1]}, r"capacity must be ≥ 0 everywhere; entry 1 is -1"),
        ({"weights": W, "capacity": [1, 1]}, r"capacity must have shape \(3,\) to match weights, got \(2,\)"),
        ({"weights": W, "capacity": [1.5, 1, 1]}, r"capacity must hold integers; entry 0 is 1.5"),
        ({"weights": W, "capacity": [np.nan, 1, 1]}, r"capacity must hold integers; entry 0 is nan"),
        ({"weights": W, "capacity": ["1", "1", "1"]}, r"capacity must hold integers, got dtype <U1"),
        ({"weights": W, "load": [1, 0]}, r"load must be ≥ 1 everywhere; entry 1 is 0"),
        ({"weights": W, "load": [[1, 1, 1], [1, 0, 1]]}, r"load must be ≥ 1 everywhere; entry \[1, 1\] is 0"),
        ({"weights": W, "load": [1, 1, 1]}, r"load must have shape \(2,\) or \(2, 3\) to match weights, got \(3,\)"),
        (
            {"weights": W, "allowed": np.ones((3, 2), bool)},
            r"allowed must have the shape of weights \(2, 3\), "
            r"got \(3, 2\)",
        ),
        (
            {"weights": W, "allowed": np.ones((2, 3))},
            r"allowed must be a boolean mask \(or 0/1 integers\), got "
            r"dtype float64",
        ),
        ({"weights": W, "allowed": np.full((2, 3), 2)}, r"boolean mask .* got dtype int64"),
        ({"weights": W, "priority": [1, 0]}, r"priority must be ≥ 1 everywhere; entry 1 is 0"),
        ({"weights": W, "priority": [1, 1, 1]}, r"priority must have shape \(2,\) to match weights, got \(3,\)"),
        ({"weights": W, "priority": [1, 2**41]}, r"priority entry 1 is 2199023255552, above the supported 2\*\*40"),
        (
            {"weights": W, "solver": "simplex"},
            r"unknown solver 'simplex'; valid solvers: 'auto', 'hungarian', "
            r"'flow', 'cpsat'",
        ),
        ({"weights": W, "time_limit": -1}, r"time_limit must be None or a number ≥ 0, got -1"),
        ({"weights": W, "time_limit": "10"}, r"time_limit must be None or a number ≥ 0, got '10'"),
        ({"weights": W, "seed": -1}, r"seed must be an integer in 0..2\*\*31-1, got -1"),
        ({"weights": W, "seed": 1.5}, r"seed must be an integer"),
        ({"weights": W, "maximize": "no"}, r"maximize must be True or False, got 'no'"),
    ],
)
def test_bad_input_raises_value_error_naming_it(kwargs, match):
    weights = kwargs.pop("weights")
    with pytest.raises(ValueError, match=match):
        assign(weights, **kwargs)


def test_solver_that_cannot_take_the_problem_names_one_that_can():
    with pytest.raises(SolverUnsuitable, match=r"solver 'flow' cannot take a load per pair .*use solver 'cpsat'"):
        assign(W, load=[[1, 2, 1], [1, 1, 1]], capacity=[2, 2, 2], solver="flow")
    with pytest.raises(
        SolverUnsuitable,
        match=r"solver 'hungarian' is exact only when every workload is 1 "
        r"\(1 mentee has a workload above 1\); use solver 'cpsat'",
    ):
        assign(W, load=[1, 2], capacity=[2, 2, 2], solver="hungarian")
    assert issubclass(SolverUnsuitable, ValueError)


def test_non_finite_weights_on_forbidden_pairs_are_ignored():
    weights = np.array([[np.nan, 1.0], [2.0, np.inf]])
    allowed = np.isfinite(weights)
    for solver in ("auto", "hungarian", "flow", "cpsat"):
        a = assign(weights, allowed=allowed, solver=solver)
        assert a.mentor_of.tolist() == [1, 0] and a.objective == 3.0 and a.status is Status.OPTIMAL


def test_accepted_input_forms():
    # Lists, 0/1 masks, integral floats, bool and unsigned weights, float16 weights.
    a = assign([[1, 0], [0, 1]], allowed=[[1, 1], [1, 0]], capacity=[1.0, 1.0], priority=np.array([1, 2], np.uint8))
    assert a.mentor_of.tolist() == [1, 0] and a.priority_sum == 3
    assert assign(np.eye(3, dtype=bool)).objective == 3.0
    assert assign(np.eye(3, dtype=np.uint8), maximize=False).objective == 0.0
    assert assign(np.eye(3, dtype=np.float16) * 0.5).objective == 1.5


# ---------------------------------------------------------------------------------------------------------------
# Shapes and degenerate problems.


@pytest.mark.parametrize("solver", ["auto", "hungarian", "flow", "cpsat"])
@pytest.mark.parametrize("shape", [(0, 0), (0, 4), (4, 0)])
def test_zero_mentees_or_mentors(solver, shape):
    a = assign(np.zeros(shape), solver=solver)
    assert a.mentor_of.shape == (shape[0],) and np.all(a.mentor_of == -1)
    assert a.status is Status.OPTIMAL and a.objective == 0.0 and a.priority_sum == 0 and a.gap == 0.0


@pytest.mark.parametrize("solver", ["auto", "hungarian", "flow", "cpsat"])
def test_all_pairs_forbidden(solver):
    a = assign(np.ones((3, 2)), allowed=np.zeros((3, 2), bool), solver=solver)
    assert a.matched == 0 and a.status is Status.OPTIMAL and a.objective == 0.0


@pytest.mark.parametrize("solver", ["auto", "hungarian", "flow", "cpsat"])
@pytest.mark.parametrize("shape", [(7, 4), (4, 7), (6, 6)])
@pytest.mark.parametrize("kind", ["int", "float"])
def test_matches_scipy_linear_sum_assignment(solver, shape, kind):
    rng = np.random.default_rng(sum(shape))
    cost = rng.integers(-50, 100, shape) if kind == "int" else rng.normal(size=shape)
    for maximize in (False, True):
        rows, cols = linear_sum_assignment(cost, maximize=maximize)
        a = assign(cost, maximize=maximize, solver=solver)
        assert a.matched == min(shape)
        assert a.objective == pytest.approx(cost[rows, cols].sum(), abs=1e-5 * np.abs(cost).max() * min(shape))
        if kind == "int":
            assert a.objective == cost[rows, cols].sum()
        assert a.status is Status.OPTIMAL and a.bound == a.objective and a.gap == 0.0


def test_what_auto_picks_by_shape():
    # Every pair allowed, loads 1, small: scipy on the weights; a forbidden pair or a load above 1: the flow or
    # CP-SAT; per-pair loads: the generalised-assignment path.
    cost = np.arange(12).reshape(4, 3)
    assert assign(cost, capacity=[2, 1, 1]).solver == "hungarian"
    assert assign(cost, allowed=cost != 5).solver == "flow"
    assert assign(cost, load=[1, 2, 1, 1], capacity=[2, 2, 2]).solver in ("cpsat", "relaxation")
    assert assign(cost, load=np.arange(1, 13).reshape(4, 3) % 3 + 1, capacity=[3, 3, 3]).solver == "gap"


def test_priority_first_when_minimising():
    # Minimising cost never drops a high-priority mentee to save cost.
    cost = np.array([[1, 1], [1000, 1000], [1, 1]])
    for solver in ("auto", "hungarian", "flow", "cpsat"):
        a = assign(cost, maximize=False, priority=[1, 3, 1], capacity=[1, 1], solver=solver)
        assert a.mentor_of[1] >= 0 and a.priority_sum == 4 and a.objective == 1001.0


def test_assignment_fields():
    a = assign(np.array([[3.0, 1.0], [2.0, 5.0]]))
    assert isinstance(a, Assignment) and a.mentor_of.dtype == np.int64
    rows, cols = a.pairs()
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    assert a.priority_bound == a.priority_sum == 2 and a.seconds >= 0 and a.solver == "hungarian"
    assert "status='optimal', matched=2/2" in repr(a)


# ---------------------------------------------------------------------------------------------------------------
# Brute force and differential.


def brute_force(weights, *, capacity=None, load=None, allowed=None, priority=None, maximize=True):
    """The best (Σ priority, Σ weights) over every matching (maximal or minimal Σ weights), by the shared oracle."""
    weights = np.asarray(weights)
    n, m = weights.shape
    inst = Instance(
        weights=weights,
        allowed=np.ones((n, m), bool) if allowed is None else np.asarray(allowed, bool),
        priority=np.ones(n, np.int64) if priority is None else np.asarray(priority),
        load=np.ones(n, np.int64) if load is None else np.asarray(load),
        capacity=np.ones(m, np.int64) if capacity is None else np.asarray(capacity),
        maximize=maximize,
    )
    best = optimum(inst)
    assert best is not None  # the empty answer always qualifies
    values = tier_values(inst, best[1])
    return int(values["priority"]), float(values["weight"])


def tolerance(weights) -> float:
    """Float weights are optimal to 1e-6 of the largest |weight| per pair (two answers of ≤ n pairs)."""
    weights = np.asarray(weights)
    if weights.dtype.kind in "biu" or not weights.size:
        return 0.0
    return weights.shape[0] * 1e-6 * float(np.abs(weights).max()) + 1e-9


def solvers_for(arguments) -> list[str]:
    load = arguments.get("load")
    unit = load is None or np.all(np.asarray(load) == 1)
    return ["auto", "cpsat"] + (["flow", "hungarian"] if unit else [])


@PROPERTY
@given(assign_arguments())
def test_every_solver_reaches_the_brute_force_optimum(arguments):
    expected = brute_force(**arguments)
    weights = arguments.pop("weights")
    for solver in solvers_for(arguments):
        a = assign(weights, solver=solver, **arguments)
        assert a.status is Status.OPTIMAL, solver
        assert a.priority_sum == expected[0], solver
        assert a.objective == pytest.approx(expected[1], abs=tolerance(weights)), solver
        assert a.bound is not None and a.gap is not None and a.gap <= 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_generalised_assignment_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m = 6, 3
    cost = cost_matrix("structured", n, m, seed=seed)
    load = gap_loads(n, m, seed=seed)
    capacity = rng.integers(2, 6, m)
    allowed = rng.random((n, m)) < 0.8
    priority = rng.integers(1, 4, n)
    for maximize in (False, True):
        expected = brute_force(
            cost, capacity=capacity, load=load, allowed=allowed, priority=priority, maximize=maximize
        )
        for solver in ("auto", "cpsat"):
            a = assign(
                cost, capacity=capacity, load=load, allowed=allowed, priority=priority, maximize=maximize, solver=solver
            )
            assert (a.priority_sum, a.objective) == expected and a.status is Status.OPTIMAL


def test_per_pair_load_that_is_per_mentee_goes_to_the_exact_flow():
    # A 2-D load that is constant on each mentee's allowed pairs is a 1-D load: flow and hungarian take it.
    allowed = np.array([[True, True, False], [True, True, True]])
    a = assign(W, load=[[1, 1, 9], [1, 1, 1]], allowed=allowed, solver="flow")
    b = assign(W, allowed=allowed, solver="flow")
    assert a.mentor_of.tolist() == b.mentor_of.tolist() and a.objective == b.objective
    c = assign(W, load=[[2, 2, 9], [2, 2, 2]], allowed=allowed, capacity=[2, 2, 3])
    d = assign(W, load=[2, 2], allowed=allowed, capacity=[2, 2, 3])
    assert c.solver == d.solver != "cpsat" and c.mentor_of.tolist() == d.mentor_of.tolist()


@pytest.mark.parametrize("kind", ["uniform", "correlated", "structured"])
def test_exact_solvers_agree_on_capacitated_instances(kind):
    n, m = 120, 30
    cost = cost_matrix(kind, n, m, seed=3)
    capacity = tight_capacity(n, m, seed=3)
    rng = np.random.default_rng(3)
    allowed = rng.random((n, m)) < 0.6
    priority = rng.integers(1, 4, n)
    answers = {
        solver: assign(cost, capacity=capacity, allowed=allowed, priority=priority, maximize=False, solver=solver)
        for solver in ("auto", "hungarian", "flow", "cpsat")
    }
    values = {(a.priority_sum, a.objective) for a in answers.values()}
    assert len(values) == 1, values
    assert all(a.status is Status.OPTIMAL for a in answers.values())


@pytest.mark.parametrize("seed", range(3))
def test_sparse_pricing_equals_the_dense_optimum_on_popular_mentors(seed):
    # Structured costs: most mentees want the same few mentors, so each one's k best mentors are not enough.
    n, m = 1500, 300
    cost = cost_matrix("structured", n, m, seed=seed)
    capacity = tight_capacity(n, m, seed=seed)
    # assign() takes no solver options: the same minimising instance, with auto's pricing threshold at 1 pair
    instance = Instance(
        weights=cost,
        allowed=np.ones((n, m), bool),
        priority=np.ones(n, np.int64),
        load=np.ones(n, np.int64),
        capacity=np.asarray(capacity, np.int64),
        maximize=False,
    )
    priced = solvers.run_solver(instance, "auto", options=SolverOptions(auto=AutoOptions(priced_pairs=1)))
    dense = assign(cost, capacity=capacity, maximize=False, solver="flow")
    assert priced.solver == "flow-priced" and priced.method == "flow-priced" and dense.solver == "flow"
    assert priced.status is Status.OPTIMAL and int((priced.mentor_of >= 0).sum()) == n
    assert (priced.priority_sum, priced.objective) == (dense.priority_sum, dense.objective)
    # Each mentee's 8 best mentors alone would leave mentees unmatched: the instance does need pricing.
    best = np.argpartition(cost, 8, axis=1)[:, :8]
    assert np.bincount(best.ravel(), minlength=m).astype(bool).sum() < m


# ---------------------------------------------------------------------------------------------------------------
# Time limits: feasible with an honest bound, reproducible.


def knapsack_gap():
    """80 × 8 with per-pair loads 4–11 and room for about half the mentees: CP-SAT proves it in ~0.2 s."""
    rng = np.random.default_rng(1)
    n, m = 80, 8
    return dict(
        weights=cost_matrix("correlated", n, m, seed=1),
        load=rng.integers(4, 12, (n, m)),
        priority=rng.integers(1, 4, n),
        capacity=np.full(m, 19),
        maximize=False,
    )


def test_time_limited_cpsat_returns_feasible_with_a_bound_the_optimum_respects():
    arguments = knapsack_gap()
    weights = arguments.pop("weights")
    optimum = assign(weights, solver="cpsat", **arguments)
    assert optimum.status is Status.OPTIMAL
    stops = [assign(weights, solver="cpsat", time_limit=limit, **arguments) for limit in (0.005, 0.01, 0.02)]
    stopped = [a for a in stops if a.status is Status.FEASIBLE]
    assert stopped, [a.status for a in stops]
    for a in stopped:
        assert optimum.priority_sum <= a.priority_bound and a.priority_sum <= optimum.priority_sum
        if a.bound is not None:  # minimising: a lower bound on the cost of answers with this Σ priority
            assert a.priority_sum == optimum.priority_sum and a.bound <= optimum.objective
            assert a.gap == pytest.approx(abs(a.bound - a.objective) / max(abs(a.bound), 1e-9))
        else:
            assert a.gap is None
    # Rerun with the same seed: the same answer (CP-SAT stops on deterministic time).
    again = assign(weights, solver="cpsat", time_limit=0.01, **arguments)
    assert again.mentor_of.tolist() == stops[1].mentor_of.tolist() and again.objective == stops[1].objective


def test_no_solution_when_nothing_is_found_in_time():
    arguments = knapsack_gap()
    a = assign(arguments.pop("weights"), solver="cpsat", time_limit=0, **arguments)
    assert a.status is Status.NO_SOLUTION and a.matched == 0 and a.bound is None and a.gap is None
    assert a.objective == 0.0 and str(a.objective) == "0.0"


def test_auto_on_a_generalised_problem_keeps_the_greedy_answer_when_cpsat_finds_none():
    arguments = knapsack_gap()
    weights = arguments.pop("weights")
    optimum = assign(weights, **arguments)
    assert optimum.solver == "gap" and optimum.status is Status.OPTIMAL
    # without the generalised-assignment path: CP-SAT from the greedy answer, which it keeps when it finds none
    plain = SolverOptions(gap=GapOptions(max_pairs=0))
    instance = Instance(
        weights=weights,
        allowed=np.ones(weights.shape, bool),
        priority=arguments["priority"],
        load=arguments["load"],
        capacity=arguments["capacity"],
        maximize=False,
    )
    a = solvers.run_solver(instance, "auto", time_limit=0, options=plain)
    assert a.solver == "greedy" and a.status is Status.FEASIBLE and (a.mentor_of >= 0).sum() > 0
    assert a.priority_sum <= optimum.priority_sum <= a.priority_bound
    quick = assign(weights, time_limit=0, **arguments)  # the path with no time: a valid answer and bound all the same
    assert quick.solver == "gap" and quick.priority_sum <= optimum.priority_sum <= quick.priority_bound
