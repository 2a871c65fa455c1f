"""Tests of the priced sparse flow (``solvers/pricing.py``): it must give the dense flow's optimum on every kind of
instance, including the ones where each mentee's k best mentors alone are not enough."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import bellman_ford

from mentormatch.problem import Instance, Solution, Status
from mentormatch.solvers import SolverUnsuitable, _network, _scaling, check_solution, cpsat, flow, pricing, relaxation
from mentormatch.solvers._common import Clock, candidate_mask
from mentormatch.solvers._scaling import fit_scaling
from mentormatch.solvers.options import AutoOptions, PricingOptions, RelaxationOptions, SolverOptions
from mentormatch.synthetic.matrices import cost_matrix, tight_capacity

from .strategies import instances, unit_load_instances

PROPERTY = settings(max_examples=60)

PRICING = PricingOptions()
"""The default knobs."""


def pricing_options(**fields) -> SolverOptions:
    """The default options with these pricing knobs changed."""
    return SolverOptions(pricing=replace(PRICING, **fields))


def steps(solution: Solution) -> list[str]:
    """The steps of ``Solution.method`` (``"relaxation+priced+windows"`` → its three names)."""
    return solution.method.split("+")


# --- instances ---------------------------------------------------------------------------------------------------


def make(weights, allowed=None, *, priority=None, capacity=None) -> Instance:
    weights = np.asarray(weights)
    n, m = weights.shape
    return Instance(
        weights=weights,
        allowed=np.ones((n, m), bool) if allowed is None else np.asarray(allowed, bool),
        priority=np.ones(n, np.int64) if priority is None else np.asarray(priority, np.int64),
        load=np.ones(n, np.int64),
        capacity=np.ones(m, np.int64) if capacity is None else np.asarray(capacity, np.int64),
    )


def random_instance(
    seed: int, n: int, m: int, *, kind: str = "uniform", density: float = 0.5, max_capacity: int = 4
) -> Instance:
    """Priorities 1–3, capacities 0..max_capacity. ``kind``: uniform int weights 0–1000, ``correlated`` float32
    (a per-mentee level plus noise), ``float`` float64 in [-1, 1]."""
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        weights = rng.integers(0, 1001, (n, m))
    elif kind == "correlated":
        weights = (0.5 * rng.random(n)[:, None] + 0.5 * rng.random((n, m))).astype(np.float32)
    else:
        weights = rng.uniform(-1, 1, (n, m))
    return Instance(
        weights=weights,
        allowed=rng.random((n, m)) < density,
        priority=rng.integers(1, 4, n),
        load=np.ones(n, np.int64),
        capacity=rng.integers(0, max_capacity + 1, m),
    )


def popular_instance(seed: int, n: int, m: int, density: float = 1.0) -> Instance:
    """Many mentees want the same mentors: integer weights 0–1000 from the distance between random 4-d profiles
    plus a per-mentor popularity drawn from Beta(2, 5); capacities ≥ 1 summing to ``n`` (tight)."""
    rng = np.random.default_rng(seed)
    mentees, mentors = rng.random((n, 4)), rng.random((m, 4))
    distance = np.sqrt(((mentees[:, None, :] - mentors[None, :, :]) ** 2).sum(axis=2))
    popularity = rng.beta(2, 5, m)
    weights = np.rint(1000 * np.clip(1 - distance / 2 + popularity[None, :] - 0.3, 0, 1)).astype(np.int64)
    capacity = 1 + rng.multinomial(n - m, np.full(m, 1 / m))
    return Instance(
        weights=weights,
        allowed=rng.random((n, m)) < density,
        priority=rng.integers(1, 4, n),
        load=np.ones(n, np.int64),
        capacity=capacity.astype(np.int64),
    )


def combined_gain(inst: Instance, solution: Solution) -> int:
    """Σ of the integer gains (priority · big + scaled weight) of the matched pairs: equal for equal optima."""
    rows = np.flatnonzero(solution.mentor_of >= 0)
    cols = solution.mentor_of[rows]
    return int(fit_scaling(inst).gains(inst.priority[rows], inst.weights[rows, cols]).sum())


def assert_same_optimum(inst: Instance, solution: Solution, dense: Solution) -> None:
    check_solution(inst, solution)
    assert solution.solver == "flow-priced"
    assert solution.status is Status.OPTIMAL
    assert solution.priority_sum == dense.priority_sum
    assert combined_gain(inst, solution) == combined_gain(inst, dense)
    if inst.weights.dtype.kind in "biu":
        assert solution.objective == dense.objective
    else:
        scaling = fit_scaling(inst)
        assert solution.objective == pytest.approx(dense.objective, abs=scaling.max_matched / scaling.scale + 1e-9)
    assert (solution.priority_bound, solution.objective_bound) == (solution.priority_sum, solution.objective)
    assert solution.gap == 0.0


def top_k_mask(inst: Instance, k: int) -> np.ndarray:
    """Each mentee's k best allowed mentors by weight (what plain top-k pruning keeps)."""
    order = np.argsort(-np.where(inst.allowed, inst.weights, np.iinfo(np.int64).min), axis=1, kind="stable")
    mask = np.zeros_like(inst.allowed)
    np.put_along_axis(mask, order[:, :k], True, axis=1)
    return mask & inst.allowed


# --- agreement with the dense flow ---------------------------------------------------------------------------------


CASES = {
    "uniform": lambda: random_instance(1, 300, 60),
    "correlated-float32": lambda: random_instance(2, 300, 60, kind="correlated"),
    "float64-negatives": lambda: random_instance(3, 200, 50, kind="float"),
    "popular": lambda: popular_instance(0, 400, 100),
    "popular-masked": lambda: popular_instance(1, 400, 100, density=0.4),
    "sparse-mask": lambda: random_instance(4, 300, 80, density=0.05),
    "dense-mask-tight": lambda: random_instance(5, 300, 80, density=0.95, max_capacity=1),
    "wide": lambda: random_instance(6, 40, 300, kind="correlated"),
    "tall": lambda: random_instance(7, 600, 30, max_capacity=6),
    "zero-capacity-mentors": lambda: replace(
        popular_instance(2, 300, 60), capacity=np.tile(np.array([0, 3, 0, 9, 7]), 12).astype(np.int64)
    ),
    "single-mentor": lambda: random_instance(8, 50, 1, max_capacity=3),
    "single-mentee": lambda: random_instance(9, 1, 40),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("k", [1, PRICING.k])
def test_agrees_with_dense_flow(name, k):
    inst = CASES[name]()
    assert_same_optimum(inst, pricing.solve(inst, k=k), flow.solve(inst))


@pytest.mark.parametrize(
    "inst",
    [
        make(np.zeros((0, 0))),
        make(np.zeros((0, 3))),
        make(np.zeros((3, 0))),
        make(np.ones((3, 2)), np.zeros((3, 2), bool)),
        make(np.ones((3, 2)), capacity=[0, 0]),
        make(np.ones((3, 2), np.int64), capacity=[0, 0]),
    ],
    ids=["0x0", "0x3", "3x0", "all-forbidden", "zero-capacity", "zero-capacity-int"],
)
def test_empty_answers(inst):
    sol = pricing.solve(inst)
    check_solution(inst, sol)
    assert sol.mentor_of.tolist() == [-1] * inst.shape[0]
    assert (sol.status, sol.priority_sum, sol.objective, sol.gap) == (Status.OPTIMAL, 0, 0.0, 0.0)


def test_priority_first_through_a_pruned_pair():
    # With k = 1 the candidates are (0, 0), (1, 0) and mentor 1's best mentee (0, 1): the sparse optimum matches
    # both mentees at weight 9 − 100; pricing finds the pruned pair (1, 1), and both are matched at 5 + 2.
    inst = make([[5, -100], [9, 2]], priority=[3, 1], capacity=[1, 1])
    sol = pricing.solve(inst, k=1)
    assert sol.mentor_of.tolist() == [0, 1]
    assert (sol.priority_sum, sol.objective) == (4, 7.0)


def test_bad_values_on_forbidden_pairs_are_ignored():
    # Mentor 3 has capacity 0: its allowed pair (2, 3) is unusable, its forbidden ones hold inf and NaN.
    weights = np.array([[np.inf, 1.0, 0.5, np.inf], [np.nan, 2.0, -np.inf, np.nan], [0.3, np.nan, 0.2, 9.0]])
    inst = make(weights, np.isfinite(weights), capacity=[1, 1, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sol = pricing.solve(inst, k=1)
    assert sol.mentor_of.tolist() == [2, 1, 0]
    assert sol.objective == pytest.approx(2.8)


def scalable(inst: Instance) -> bool:
    """No nonzero weight below 1e-290: ``_scaling`` scales the largest |weight| to 10**6, and below ~6e-303 that
    scale overflows (a known gap of ``fit_scaling``, outside what these tests are about)."""
    weights = np.asarray(inst.weights, dtype=np.float64)
    return not np.any((weights != 0) & (np.abs(weights) < 1e-290))


@PROPERTY
@given(unit_load_instances(10, 6), st.integers(1, 3))
def test_agrees_with_dense_flow_on_any_instance(inst, k):
    assume(scalable(inst))
    assert_same_optimum(inst, pricing.solve(inst, k=k), flow.solve(inst))


def test_tiny_weights_price_in_float64():
    # Weights near 1e-33 would put the scan's float32 terms near float32's underflow, where rounding is no longer
    # relative: it works in float64 instead.
    for inst in (random_instance(12, 200, 50, kind="float"), popular_instance(4, 300, 75)):
        tiny = replace(inst, weights=inst.weights.astype(np.float64) * 1e-33)
        assert_same_optimum(tiny, pricing.solve(tiny, k=2), flow.solve(tiny))


def test_huge_weights_price_in_float64():
    # Weights near 1e300 put the scan's terms beyond float32: it works in float64 instead, with the same proof.
    for inst in (random_instance(10, 200, 50, kind="float"), popular_instance(3, 300, 75)):
        huge = replace(inst, weights=inst.weights.astype(np.float64) * 1e300)
        assert_same_optimum(huge, pricing.solve(huge, k=2), flow.solve(huge))


# --- pricing is what makes it exact --------------------------------------------------------------------------------


def test_plain_top_k_falls_short_and_pricing_recovers():
    inst = popular_instance(0, 400, 100)
    k = PRICING.k
    dense = flow.solve(inst)
    pruned = flow.solve(replace(inst, allowed=top_k_mask(inst, k)))
    assert pruned.priority_sum < dense.priority_sum - 100  # many mentees left out by top-k alone
    sol = pricing.solve(inst, k=k)
    assert_same_optimum(inst, sol, dense)
    assert sol.method == "flow-priced"  # proven by pricing, no fallback


def test_pricing_terminates_and_reports_rounds():
    inst = popular_instance(1, 1000, 250)
    seen = []
    sol = pricing.solve(inst, progress=lambda stage, elapsed: seen.append((stage, elapsed)))
    assert_same_optimum(inst, sol, flow.solve(inst))
    rounds = [stage for stage, _ in seen if "negative reduced cost" in stage]
    assert 1 < len(rounds) <= PRICING.max_rounds
    assert rounds[-1].endswith(": 0 pairs with negative reduced cost")
    assert sol.method == "flow-priced" and sol.stats["rounds"] == len(rounds)
    assert 0 < sol.stats["candidates"] < sol.stats["candidate_pairs"] and sol.stats["flow_solves"] >= 1
    assert all(stage.startswith("flow-priced: ") and elapsed >= 0 for stage, elapsed in seen)


def test_kept_flow_is_reproven_without_a_new_solve():
    # Pairs priced in one round may be unable to improve the flow: new potentials then prove it as it is, without
    # solving again. It happens on some of these instances; every answer must still be the dense optimum.
    kept = 0
    for inst in (
        random_instance(6, 300, 60, kind="correlated"),
        random_instance(7, 300, 60, kind="correlated"),
        popular_instance(3, 1000, 250),
    ):
        seen = []
        sol = pricing.solve(inst, progress=lambda stage, elapsed, seen=seen: seen.append(stage))
        kept += any("the flow stays optimal" in stage for stage in seen)
        assert_same_optimum(inst, sol, flow.solve(inst))
    assert kept >= 1


def unit_model(inst: Instance) -> pricing._Model:
    """The unit-load flow's model with every mentee in play."""
    return pricing._Model(
        instance=inst, scaling=fit_scaling(inst), multiplier=1, label=pricing.NAME, in_play=np.ones(inst.shape[0], bool)
    )


def mentor_of(sparse) -> list[int]:
    flow_ = sparse.transport()
    answer = [-1] * sparse.potential.size
    for i, j in zip(flow_.rows.tolist(), flow_.cols.tolist(), strict=True):
        answer[i] = j
    return answer


def test_extend_refuses_a_pair_that_improves_the_flow():
    inst = make([[5, -100], [9, 2]], priority=[3, 1], capacity=[1, 1])
    model = unit_model(inst)
    sparse = pricing._solve_sparse(model, np.array([0, 0, 1], np.int32), np.array([0, 1, 0], np.int32))
    assert mentor_of(sparse)[:2] == [1, 0]
    found = pricing._Scanner(model).scan(sparse, settled=False)
    assert (found.rows.tolist(), found.cols.tolist(), found.violators, found.violating_rows) == ([1], [1], 1, 1)
    assert pricing._extend(model, sparse, found.rows, found.cols) is None  # a negative cycle: solve again
    kept = pricing._extend(model, sparse, np.zeros(0, np.int32), np.zeros(0, np.int32))
    assert kept is not None and mentor_of(kept)[:2] == [1, 0]


def test_extend_refuses_a_mentor_without_its_capacity_arc():
    inst = make([[5, 1], [9, 2]], capacity=[1, 1])
    model = unit_model(inst)
    sparse = pricing._solve_sparse(model, np.array([0, 1], np.int32), np.array([0, 0], np.int32))
    assert mentor_of(sparse)[:2] == [-1, 0]
    assert pricing._extend(model, sparse, np.array([0], np.int32), np.array([1], np.int32)) is None


def test_fallback_after_the_round_limit():
    inst = popular_instance(0, 400, 100)
    sol = pricing.solve(inst, max_rounds=1)
    assert_same_optimum(inst, sol, flow.solve(inst))
    assert sol.method == "flow-priced+dense" and sol.stats["rounds"] == 1
    # the note users read, printed as it was
    assert sol.message == "pricing did not settle in 1 round; answered by the dense flow"


def test_fallback_when_candidates_grow():
    inst = popular_instance(0, 400, 100)
    sol = pricing.solve(inst, options=pricing_options(max_candidate_fraction=0.01))
    assert_same_optimum(inst, sol, flow.solve(inst))
    # the dense flow answered before the round limit: the candidates grew past the fraction
    assert sol.method == "flow-priced+dense" and sol.stats["rounds"] < PRICING.max_rounds


def test_nothing_printed(capsys):
    pricing.solve(popular_instance(0, 200, 50), progress=lambda stage, elapsed: None)
    assert capsys.readouterr() == ("", "")


def test_structured_popular_costs_give_the_dense_optimum():
    # The benchmark's hard kind at small size: structured costs (popular mentors), tight capacities, minimised.
    for seed in range(3):
        cost = cost_matrix("structured", 600, 120, seed=seed)
        inst = make(-cost, capacity=tight_capacity(600, 120, seed=seed))
        sol = pricing.solve(inst)
        assert_same_optimum(inst, sol, flow.solve(inst))
        assert sol.method == "flow-priced"


# --- the mechanisms: scans, picks, fixed solves, pruning ----------------------------------------------------------


def empty_sparse(inst: Instance, potential: np.ndarray) -> pricing._Sparse:
    """A network without arcs and arbitrary potentials: every candidate pair is priced by the scan."""
    nothing = np.zeros(0, np.int64)
    network = _network.Network(tail=nothing, head=nothing, capacity=nothing, cost=nothing, flow=nothing)
    return pricing._Sparse(
        rows=nothing.astype(np.int32), cols=nothing.astype(np.int32), network=network, gain=0, potential=potential
    )


def exact_violators(inst: Instance, model: pricing._Model, potential: np.ndarray) -> set[tuple[int, int]]:
    """Every candidate pair with negative reduced cost, priced one by one in Python integers."""
    n, m = inst.shape
    rows, cols = np.nonzero(candidate_mask(inst))
    gains = model.gains(rows, cols)
    return {
        (i, j)
        for i, j, g in zip(rows.tolist(), cols.tolist(), gains.tolist(), strict=True)
        if g + int(potential[n + j]) - int(potential[i]) > 0
    }


@settings(max_examples=40)
@given(
    instances(12, 6, max_capacity=4),
    st.sampled_from([1, 5, 6]),
    st.integers(0, 2**32 - 1),
    st.sampled_from([10, 2**40, 2**60]),
)
def test_the_float32_filter_never_misses_a_violator(inst, multiplier, seed, spread):
    # Potentials anywhere (up to ±2**60, far beyond float32's 24 bits), loads 1–3 with multipliers that round
    # (5) or not (6): the scan's violators are exactly those priced one by one, and each violating mentee gets a
    # new pair.
    assume(scalable(inst))
    scaling = fit_scaling(inst)
    model = pricing._Model(
        instance=inst, scaling=scaling, multiplier=multiplier, label="test", in_play=candidate_mask(inst).any(axis=1)
    )
    n, m = inst.shape
    rng = np.random.default_rng(seed)
    gains = model.gains(*np.nonzero(candidate_mask(inst)))
    centre = int(np.median(gains)) if gains.size else 0
    potential = np.zeros(n + m + 1, np.int64)
    potential[:n] = centre + rng.integers(-spread, spread, n, endpoint=True)
    potential[n : n + m] = rng.integers(-spread, spread, m, endpoint=True)
    # Some pairs exactly at the edge: reduced cost 0 (not a violator) and −1 (the smallest violation).
    for i, j in zip(*np.nonzero(candidate_mask(inst)), strict=True):
        if rng.random() < 0.3:
            potential[i] = int(model.gains(np.array([i]), np.array([j]))[0]) + potential[n + j] - rng.integers(0, 2)
            break
    found = pricing._Scanner(model).scan(empty_sparse(inst, potential), settled=False)
    expected = exact_violators(inst, model, potential)
    assert not found.approximate
    assert found.violators == len(expected)
    assert found.violating_rows == len({i for i, _ in expected})
    picked = set(zip(found.rows.tolist(), found.cols.tolist(), strict=True))
    assert {i for i, _ in expected} <= {i for i, j in picked if (i, j) in expected}


def test_counting_by_the_filter_reports_an_upper_bound():
    # With every block counted by the float32 filter once a violator is confirmed, progress says "at most"; the
    # answer is the same and the last round still proves it exactly.
    inst = popular_instance(1, 400, 100)
    seen = []
    sol = pricing.solve(
        inst, progress=lambda stage, elapsed: seen.append(stage), options=pricing_options(exact_limit=0)
    )
    assert_same_optimum(inst, sol, flow.solve(inst))
    assert any(": at most " in stage for stage in seen)
    assert seen[-2].endswith(": 0 pairs with negative reduced cost")


def test_picks_take_each_rows_best_and_each_columns_best():
    inf = -np.inf
    y = np.array(
        [[-0.9, 0.2, -0.5, inf, 0.1], [-0.3, -0.2, -0.25, -5.0, inf], [-2.0, -3.0, 0.0, -4.0, -1.5]], np.float32
    )
    picks = pricing._Picks(k=1, floor=-10.0, stride=PRICING.sample_stride)
    # Column 0 wants two rows, column 3 one; the sample (row 0 only) sets their thresholds at −0.9 and the floor.
    picks.set_columns(np.array([2, 0, 0, 1, 0]), y[:: PRICING.sample_stride][:, [0, 3]])
    picks.add(0, y, mask=None)
    picks.force(np.array([2 * 5 + 4]))
    rows, cols = picks.result(3, 5)
    # Row side: each row's largest, (0, 1), (1, 1), (2, 2); column 0's two best rows (0, 0), (1, 0); column 3's
    # best row (2, 3); and the forced (2, 4).
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (2, 2),
        (2, 3),
        (2, 4),
    ]


def test_a_crowded_row_is_cut_before_ranking():
    # 4000 entries above the floor: the cut keeps a few dozen, among them the row's 3 largest.
    rng = np.random.default_rng(0)
    y = rng.random((1, 4000)).astype(np.float32)
    picks = pricing._Picks(k=3, floor=-1.0, stride=PRICING.sample_stride)
    picks.add(0, y, mask=None)
    assert 3 <= picks.parts[0][0].size <= 400
    assert sorted(picks.result(1, 4000)[1].tolist()) == sorted(np.argsort(-y[0])[:3].tolist())


def test_a_wrong_fixing_is_caught_and_the_network_solved_again(monkeypatch):
    # Fixed solves are proven like any flow: a fixed flow that is feasible but not optimal (every mentee on its
    # bypass arc) fails the potentials' check, and the network is solved as it is.
    calls = []

    def everyone_unmatched(tail, head, capacity, cost, supply, guide, margin, pairs, label):
        calls.append(pairs)
        flow_ = np.zeros(tail.size, np.int64)
        bypass = (np.arange(tail.size) >= pairs) & (supply[tail] > 0)
        flow_[bypass] = capacity[bypass]
        return flow_

    monkeypatch.setattr(pricing, "_fixed_flow", everyone_unmatched)
    inst = popular_instance(2, 400, 100)
    assert_same_optimum(inst, pricing.solve(inst), flow.solve(inst))
    assert calls  # fixing was tried


def test_fixed_solves_give_the_dense_optimum():
    # Fixing everything the guide prices away from zero (margin 0) is a strong guess; whether it holds or not,
    # the answer is the dense optimum.
    for inst in (popular_instance(3, 400, 100), random_instance(11, 300, 60, kind="correlated")):
        assert_same_optimum(inst, pricing.solve(inst, options=pricing_options(fix_factor=0)), flow.solve(inst))


def test_pruning_keeps_every_arc_with_flow():
    inst = popular_instance(4, 400, 100)
    model = unit_model(inst)
    found = pricing._Scanner(model).initial(2)
    sparse = pricing._solve_sparse(model, found.rows, found.cols)
    carries = sparse.network.flow[: sparse.rows.size] > 0
    keep = pricing._keep_after_pruning(sparse, -1.0)
    assert np.array_equal(keep, carries)  # with a negative limit only the arcs with flow stay
    # Pruning everything without flow whenever allowed still ends at the dense optimum.
    assert_same_optimum(inst, pricing.solve(inst, options=pricing_options(prune_factor=0.0)), flow.solve(inst))


# --- input errors --------------------------------------------------------------------------------------------------


def test_refuses_workloads_above_one():
    inst = replace(make(np.ones((3, 2))), load=np.array([2, 1, 3]))
    with pytest.raises(
        SolverUnsuitable,
        match=r"solver 'flow-priced' is exact only when every workload is 1 "
        r"\(2 mentees have a workload above 1\)",
    ):
        pricing.solve(inst)


@pytest.mark.parametrize("kwargs", [dict(k=0), dict(max_rounds=0)])
def test_k_and_rounds_must_be_positive(kwargs):
    with pytest.raises(ValueError, match=r"flow-priced: k and max_rounds must be ≥ 1"):
        pricing.solve(make(np.ones((2, 2))), **kwargs)


# --- the potentials --------------------------------------------------------------------------------------------


def random_graph(seed: int, nodes: int, arcs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arcs with negative costs but no negative cycle (cost = non-negative + p[tail] − p[head])."""
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, nodes, arcs)
    head = rng.integers(0, nodes, arcs)
    keep = tail != head
    key = np.unique(tail[keep] * nodes + head[keep])
    tail, head = key // nodes, key % nodes
    p = rng.integers(-(10**9), 10**9, nodes)
    cost = rng.integers(0, 10**6, tail.size) + p[tail] - p[head]
    cost[cost == 0] = 1  # scipy's csgraph would drop a zero-cost arc
    return tail.astype(np.int64), head.astype(np.int64), cost.astype(np.int64)


@pytest.mark.parametrize("seed", range(5))
def test_label_correcting_matches_scipy_bellman_ford(seed):
    nodes = 60
    tail, head, cost = random_graph(seed, nodes, 240)
    label = np.full(nodes, _network.UNREACHED, np.int64)
    label[0] = 0
    assert _network.relax_labels(label, np.array([0]), tail, head, cost)
    expected = bellman_ford(csr_matrix((cost.astype(float), (tail, head)), shape=(nodes, nodes)), indices=0)
    reached = np.isfinite(expected)
    assert np.array_equal(label[reached], expected[reached].astype(np.int64))
    assert np.all(label[~reached] == _network.UNREACHED)


def test_label_correcting_detects_a_negative_cycle():
    tail, head, cost = np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([5, -3, -3])
    label = np.array([0, _network.UNREACHED, _network.UNREACHED], np.int64)
    assert not _network.relax_labels(label, np.array([0]), tail, head, cost)
    label = np.array([0, _network.UNREACHED, _network.UNREACHED], np.int64)
    assert not _network.relax_labels(label, np.array([0]), tail, head, cost, max_work=100)


def test_auto_uses_pricing_from_its_threshold_and_agrees_with_flow() -> None:
    import mentormatch.solvers as solvers

    rng = np.random.default_rng(3)
    n, m = 60, 15
    inst = Instance(
        weights=rng.integers(0, 1000, (n, m)),
        allowed=rng.random((n, m)) < 0.6,
        priority=rng.integers(1, 4, n),
        load=np.ones(n, np.int64),
        capacity=rng.integers(0, 5, m),
    )
    dense = solvers.run_solver(inst, "flow")
    assert solvers.run_solver(inst, "auto").solver == "flow"  # below the default threshold
    priced = solvers.run_solver(inst, "auto", options=SolverOptions(auto=AutoOptions(priced_pairs=10)))
    assert priced.solver == "flow-priced"
    assert (priced.priority_sum, priced.objective) == (dense.priority_sum, dense.objective)


# --- the priced transportation relaxation (workloads above 1) ------------------------------------------------------


def with_loads(inst: Instance, seed: int, loads=(1, 2, 3)) -> Instance:
    """``inst`` with workloads drawn from ``loads`` and capacities raised so that most pairs still fit."""
    rng = np.random.default_rng(seed)
    return replace(
        inst,
        load=rng.choice(np.asarray(loads, np.int64), inst.shape[0]),
        capacity=(inst.capacity * 2 + rng.integers(0, 2, inst.shape[1])).astype(np.int64),
    )


RELAXATION_CASES = {
    "uniform-loads-1-3": lambda: with_loads(random_instance(11, 300, 60), 0),
    "correlated-float32-loads-2": lambda: with_loads(random_instance(12, 300, 60, kind="correlated"), 1, (2,)),
    "float64-negatives": lambda: with_loads(random_instance(13, 200, 50, kind="float"), 2),
    "popular-loads-1-3": lambda: with_loads(popular_instance(4, 400, 100), 3),
    "popular-masked-loads-1-2": lambda: with_loads(popular_instance(5, 400, 100, density=0.4), 4, (1, 2)),
    "sparse-mask": lambda: with_loads(random_instance(14, 300, 80, density=0.05), 5),
    "tight": lambda: with_loads(random_instance(15, 300, 80, density=0.95, max_capacity=1), 6),
    "zero-capacity-and-unfitting": lambda: replace(
        with_loads(popular_instance(6, 300, 60), 7), capacity=np.tile(np.array([0, 2, 1, 9, 7]), 12).astype(np.int64)
    ),
}


NO_SIZE_LIMIT = pricing_options(max_candidate_fraction=1.0)
"""Small instances soon pass the candidate fraction at which pricing gives up: lift it, so pricing proves."""

SMALL_BUDGET = replace(
    NO_SIZE_LIMIT,
    relaxation=RelaxationOptions(improve_deterministic_seconds=0.5, window_deterministic_seconds=0.1),
)
"""No size limit, and a small CP-SAT budget for the relaxation's windows."""


def relaxations(inst: Instance, options: SolverOptions = NO_SIZE_LIMIT):
    scaling = fit_scaling(inst)
    return (
        relaxation.relax(inst, scaling, priced=False, options=options),
        relaxation.relax(inst, scaling, priced=True, options=options),
    )


def assert_same_transport(dense, priced) -> None:
    assert priced.method == "priced" and dense.method == "dense"  # proven by pricing, no fallback
    assert (priced.bound, priced.flow.gain, priced.multiplier) == (dense.bound, dense.flow.gain, dense.multiplier)
    # The priced flow is a valid transport: each arc within the mentee's units.
    assert np.all((priced.flow.units > 0) & (priced.flow.units <= 3))


@pytest.mark.parametrize("name", RELAXATION_CASES)
def test_priced_relaxation_gives_the_dense_bound(name):
    inst = RELAXATION_CASES[name]()
    dense, priced = relaxations(inst)
    assert_same_transport(dense, priced)


@pytest.mark.parametrize("multiplier", [1, 5, 7])
def test_priced_relaxation_rounds_up_like_the_dense_one(monkeypatch, multiplier):
    # A multiplier that is not a multiple of every workload rounds per-unit gains up (the int64 pricing path).
    monkeypatch.setattr(relaxation, "_multiplier", lambda *args: multiplier)
    for inst in (RELAXATION_CASES["popular-loads-1-3"](), RELAXATION_CASES["float64-negatives"]()):
        dense, priced = relaxations(inst)
        assert_same_transport(dense, priced)


def test_priced_relaxation_with_huge_weights():
    inst = RELAXATION_CASES["correlated-float32-loads-2"]()
    dense, priced = relaxations(replace(inst, weights=inst.weights.astype(np.float64) * 1e300))
    assert_same_transport(dense, priced)


@settings(max_examples=40)
@given(instances(10, 6, max_capacity=6))
@example(  # workloads of 3 at capacity 4: the class nodes cut the split a plain transport would allow
    Instance(
        weights=np.zeros((4, 2), np.int64),
        allowed=np.ones((4, 2), bool),
        priority=np.ones(4, np.int64),
        load=np.array([3, 1, 3, 3]),
        capacity=np.array([4, 4]),
    )
)
def test_priced_relaxation_agrees_on_any_instance(inst):
    assume(scalable(inst))
    scaling = fit_scaling(inst)
    dense = relaxation.relax(inst, scaling, priced=False)  # strengthened (class nodes) where workloads allow
    options = replace(NO_SIZE_LIMIT.pricing, k=1)
    priced = pricing.priced_transport(
        inst, scaling, dense.multiplier, clock=Clock(), label="test", options=options, classes=dense.classes
    )
    assert priced.flow is not None and priced.flow.gain == dense.flow.gain


def test_priced_relaxation_falls_back_to_the_dense_one():
    inst = RELAXATION_CASES["popular-loads-1-3"]()
    dense, priced = relaxations(inst, pricing_options(max_candidate_fraction=0.01))
    assert priced.method == "priced+dense" and priced.stats["rounds"] < PRICING.max_rounds
    assert (priced.bound, priced.flow.gain) == (dense.bound, dense.flow.gain)


def test_priced_path_answers_are_valid_and_bounded():
    for name, improves in (("popular-loads-1-3", (0, 1_000)), ("uniform-loads-1-3", (0,))):
        inst = RELAXATION_CASES[name]()
        dense = relaxation.solve(inst, improve_pairs=0, priced=False, options=SMALL_BUDGET)
        assert steps(dense)[:2] != ["relaxation", "priced"]
        for improve in improves:
            sol = relaxation.solve(inst, improve_pairs=improve, priced=True, options=SMALL_BUDGET)
            check_solution(inst, sol)
            assert steps(sol)[:2] == ["relaxation", "priced"] and "dense" not in steps(sol)  # proven by pricing
            assert sol.priority_bound == dense.priority_bound >= sol.priority_sum
            if sol.objective_bound is not None:
                assert sol.objective_bound >= sol.objective


def test_auto_prices_the_relaxation_from_its_threshold():
    import mentormatch.solvers as solvers

    options = replace(SMALL_BUDGET, auto=AutoOptions(cpsat_pairs=10, priced_pairs=10))
    inst = RELAXATION_CASES["popular-masked-loads-1-2"]()
    sol = solvers.run_solver(inst, "auto", time_limit=10, options=options)
    assert sol.solver == "relaxation"
    assert steps(sol)[:2] == ["relaxation", "priced"] and "dense" not in steps(sol)  # proven by pricing
    assert sol.priority_bound >= sol.priority_sum


@settings(max_examples=25)
@given(instances(12, 5, min_rows=1, min_cols=1, max_capacity=6))
def test_priced_path_agrees_with_cpsat_when_it_claims_optimal(inst):
    assume(scalable(inst))
    exact = cpsat.solve(inst)
    assert exact.status is Status.OPTIMAL
    sol = relaxation.solve(inst, improve_pairs=40, priced=True, options=NO_SIZE_LIMIT)
    check_solution(inst, sol)
    assert sol.priority_bound >= exact.priority_sum >= sol.priority_sum
    if sol.objective_bound is not None:
        assert sol.priority_bound == sol.priority_sum and sol.objective_bound >= sol.objective - 1e-9
    if sol.status is Status.OPTIMAL:
        assert sol.priority_sum == exact.priority_sum
        scaling = fit_scaling(inst)
        tolerance = 0.0 if inst.weights.dtype.kind in "biu" else scaling.max_matched / scaling.scale
        assert sol.objective == pytest.approx(exact.objective, abs=2 * tolerance + 1e-9)


@settings(max_examples=40)
@given(instances(12, 5, max_capacity=6))
def test_priority_relaxation_is_a_floored_bound(inst):
    assume(scalable(inst))
    exact = cpsat.solve(inst)
    scaling = fit_scaling(inst)
    split, _ = scaling.split_bound(relaxation.relax(inst, scaling).bound, 0)
    for priced in (False, True):
        bound = relaxation.priority_relaxation(inst, priced=priced)
        assert exact.priority_sum <= bound <= split
        assert bound >= split - 1 or split == scaling.priority_total


def test_priority_relaxation_proves_what_the_split_cannot():
    # Mentor capacity 3, loads 2 and 2, priorities 1 and 1: fractionally 1.5 priority fits, so the split of the
    # combined bound (which trades the half point for weight) says 2 while the floored priority-only bound says 1.
    inst = Instance(
        weights=np.array([[0.0], [1.0]]),
        allowed=np.ones((2, 1), bool),
        priority=np.array([1, 1]),
        load=np.array([2, 2]),
        capacity=np.array([3]),
    )
    scaling = fit_scaling(inst)
    plain = SolverOptions(relaxation=RelaxationOptions(strengthen=False))  # class nodes would cut the half point
    assert scaling.split_bound(relaxation.relax(inst, scaling, options=plain).bound, 1)[0] == 2
    assert relaxation.priority_relaxation(inst, options=plain) == 1
    sol = relaxation.solve(inst, options=plain)
    assert (sol.priority_sum, sol.priority_bound, str(sol.status)) == (1, 1, "optimal")


@pytest.mark.parametrize("name", ["popular-masked", "correlated-float32", "uniform"])
def test_scans_on_threads_give_the_same_answer_as_one_thread(monkeypatch, name):
    # from 8.4 M pairs the scans and the scaling's pass run their row blocks on several threads; force that here on
    # small blocks, so that many blocks finish out of order: the merged picks, and so every flow, must not change
    inst = CASES[name]()
    one = pricing.solve(inst, options=pricing_options(scan_entries=256))
    monkeypatch.setattr(pricing, "workers", lambda pairs: 3)
    monkeypatch.setattr(_scaling, "workers", lambda pairs: 3)
    threaded = pricing.solve(inst, options=pricing_options(scan_entries=256))
    assert np.array_equal(one.mentor_of, threaded.mentor_of)
    assert one.message == threaded.message
    assert_same_optimum(inst, threaded, flow.solve(inst))
