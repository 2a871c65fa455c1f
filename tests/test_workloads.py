"""Workloads above 1 (issue 15, goal 2): the strengthened relaxation (class nodes) and the LP dive.

Brute force on tiny instances (the bound never below the optimum; the dive's answer feasible, and optimal where it
says so), with a continuity tier too; a differential against scipy's HiGHS MILP on small rosters (the bound is the
floor of the strengthened LP, the answer no better than the MILP's optimum); the same bound dense and priced; and
determinism.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from mentormatch.problem import Instance, Status
from mentormatch.solvers import relaxation, run_solver
from mentormatch.solvers._check import check_solution
from mentormatch.solvers._network import class_nodes
from mentormatch.solvers._scaling import fit_scaling
from mentormatch.solvers.options import AutoOptions, PricingOptions, RelaxationOptions, SolverOptions

from .oracles import answers, key, optimum
from .strategies import instances_with_keep, tiny_instances

PLAIN = SolverOptions(relaxation=RelaxationOptions(strengthen=False, dive=False))
NO_WINDOWS = 0  # improve_pairs=0: relaxation and dive only


def random_instance(seed: int, n: int, m: int, *, density: float = 0.5, share_two: float = 0.3) -> Instance:
    """Workloads 1–2, capacities 1–5 scaled to about the total workload, popular mentors, priorities 1–3."""
    rng = np.random.default_rng(seed)
    popularity = rng.random(m)
    weights = (0.8 * popularity[None, :] ** 2 + 0.2 * rng.random((n, m))).round(3)
    load = np.where(rng.random(n) < share_two, 2, 1)
    capacity = rng.integers(1, 6, m)
    capacity = np.maximum(1, np.round(capacity * load.sum() / capacity.sum())).astype(np.int64)
    return Instance(
        weights=weights,
        allowed=rng.random((n, m)) < density,
        priority=rng.integers(1, 4, n),
        load=load,
        capacity=capacity,
    )


def strengthened_milp(inst: Instance, gains: np.ndarray, integral: bool) -> float:
    """Σ gain optimum of the strengthened formulation (x[i, j] ≤ 1 per candidate pair; Σ_j x ≤ 1; Σ load · x ≤
    capacity; Σ_{load = w} x ≤ ⌊capacity / w⌋ per workload w ≥ 2) by scipy's HiGHS, as an LP or a MILP."""
    n, m = inst.shape
    rows, cols = np.nonzero(inst.allowed & (inst.load[:, None] <= inst.capacity[None, :]))
    if rows.size == 0:
        return 0.0
    loads = inst.load[rows].astype(np.int64)
    classes = np.unique(inst.load[inst.load >= 2])
    k = np.arange(rows.size)
    class_row = n + m + np.searchsorted(classes, loads) * m + cols
    two = loads >= 2
    matrix = coo_matrix(
        (
            np.r_[np.ones(rows.size), loads, np.ones(int(two.sum()))],
            (np.r_[rows, n + cols, class_row[two]], np.r_[k, k, k[two]]),
        ),
        shape=(n + m + classes.size * m, rows.size),
    )
    upper = np.r_[np.ones(n), inst.capacity, (inst.capacity[None, :] // classes[:, None]).ravel()]
    result = milp(
        -gains[rows, cols].astype(float),
        constraints=LinearConstraint(matrix.tocsr(), -np.inf, upper),
        bounds=Bounds(0, 1),
        integrality=np.full(rows.size, int(integral)),
    )
    assert result.success
    return float(-result.fun)


def all_gains(inst: Instance) -> np.ndarray:
    n, m = inst.shape
    scaling = fit_scaling(inst)
    rows, cols = np.divmod(np.arange(n * m), m)
    return scaling.pair_gains(inst, rows, cols).reshape(n, m)


# --- brute force ---------------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(tiny_instances(min_rows=1, min_cols=1, max_load=3, max_capacity=5))
def test_strengthened_bound_and_dive_against_brute_force(inst):
    scaling = fit_scaling(inst)
    best = optimum(inst)
    assert best is not None
    best_gain = max(scaling.answer_gain(inst, answer) for answer in answers(inst))
    strong = relaxation.relax(inst, scaling)
    plain = relaxation.relax(inst, scaling, options=PLAIN)
    assert best_gain <= strong.bound <= plain.bound  # valid, and never looser than the plain transport
    assert relaxation.relax(inst, scaling, priced=True).bound == strong.bound
    sol = relaxation.solve(inst, improve_pairs=NO_WINDOWS)
    check_solution(inst, sol)
    assert scaling.answer_gain(inst, sol.mentor_of) <= best_gain
    assert sol.priority_bound is None or sol.priority_bound >= key(inst, best[1])[1]
    if sol.status is Status.OPTIMAL:
        assert scaling.answer_gain(inst, sol.mentor_of) == best_gain


@settings(max_examples=40, deadline=None)
@given(instances_with_keep(max_rows=5, max_cols=3, max_load=2))
def test_dive_carries_the_continuity_tier(inst):
    scaling = fit_scaling(inst)
    best_gain = max(scaling.answer_gain(inst, answer) for answer in answers(inst))
    sol = relaxation.solve(inst, improve_pairs=NO_WINDOWS)
    check_solution(inst, sol)
    gain = scaling.answer_gain(inst, sol.mentor_of)
    assert gain <= best_gain <= relaxation.relax(inst, scaling).bound
    assert sol.kept_bound is None or sol.kept_bound >= inst.kept(sol.mentor_of)
    if sol.status is Status.OPTIMAL:
        assert gain == best_gain


def test_class_nodes_only_where_they_cut():
    inst = Instance(
        weights=np.ones((3, 2)),
        allowed=np.ones((3, 2), bool),
        priority=np.ones(3, np.int64),
        load=np.array([1, 2, 3]),
        capacity=np.array([4, 6]),
    )
    classes = class_nodes(inst)
    assert classes is not None and classes.workloads.tolist() == [3] and classes.of_row.tolist() == [-1, -1, 0]
    assert class_nodes(replace(inst, capacity=np.array([4, 8]), load=np.array([1, 2, 2]))) is None


def test_odd_capacities_are_not_filled_with_halves():
    # Three cases of 2 and mentors of capacity 3: the plain transport fills each mentor with one and a half cases;
    # the strengthened one, like every answer, places one case per mentor.
    inst = Instance(
        weights=np.ones((3, 2)),
        allowed=np.ones((3, 2), bool),
        priority=np.ones(3, np.int64),
        load=np.full(3, 2),
        capacity=np.array([3, 3]),
    )
    scaling = fit_scaling(inst)
    assert scaling.split_bound(relaxation.relax(inst, scaling, options=PLAIN).bound, 0)[0] == 3
    sol = relaxation.solve(inst)
    assert (sol.priority_sum, sol.priority_bound, sol.status) == (2, 2, Status.OPTIMAL)
    assert "strengthened" in sol.method.split("+") and "dive" in sol.method.split("+")


# --- differential against scipy's HiGHS ----------------------------------------------------------------------------


def test_bound_and_answer_against_highs_milp():
    for seed in range(4):
        inst = random_instance(seed, 30, 8)
        scaling = fit_scaling(inst)
        gains = all_gains(inst)
        lp = strengthened_milp(inst, gains, integral=False)
        best = strengthened_milp(inst, gains, integral=True)
        relaxed = relaxation.relax(inst, scaling)
        assert relaxed.bound == np.floor(lp + 1e-6)  # the network is the strengthened LP (loads 1–2: L = 2, exact)
        assert best <= relaxed.bound + 1e-6
        sol = relaxation.solve(inst, improve_pairs=NO_WINDOWS)
        check_solution(inst, sol)
        gain = scaling.answer_gain(inst, sol.mentor_of)
        assert gain <= best + 1e-6
        if sol.status is Status.OPTIMAL:
            assert gain == round(best)


# --- the priced path, auto, determinism ----------------------------------------------------------------------------


def test_priced_relaxation_prices_through_class_nodes():
    inst = random_instance(7, 400, 120, density=0.3, share_two=0.15)
    scaling = fit_scaling(inst)
    dense = relaxation.relax(inst, scaling, priced=False)
    priced = relaxation.relax(
        inst, scaling, priced=True, options=SolverOptions(pricing=PricingOptions(k=1, initial_column_factor=(1, 1)))
    )
    assert priced.method == "priced" and priced.stats["rounds"] > 1  # pricing had work to do
    assert priced.bound == dense.bound and priced.classes is not None


def test_dive_reaches_the_priority_bound_and_is_deterministic():
    inst = random_instance(3, 300, 80, density=0.3, share_two=0.15)
    options = SolverOptions(
        auto=AutoOptions(cpsat_pairs=10),
        relaxation=RelaxationOptions(improve_pairs=2_000, improve_deterministic_seconds=0.5),
    )
    first = run_solver(inst, "auto", time_limit=10, options=options)
    second = run_solver(inst, "auto", time_limit=10, options=options)
    assert first.solver == "relaxation" and "dive" in first.method.split("+")
    assert first.priority_sum == first.priority_bound
    assert first.mentor_of.tolist() == second.mentor_of.tolist()
    assert (first.message, first.method, dict(first.stats)) == (second.message, second.method, dict(second.stats))
    plain = replace(options.relaxation, strengthen=False, dive=False)
    old = run_solver(inst, "auto", time_limit=10, options=replace(options, relaxation=plain))
    assert old.priority_bound is not None and old.priority_bound >= first.priority_bound
    assert (old.priority_sum, old.objective) <= (first.priority_sum, first.objective)
