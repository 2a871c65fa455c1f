"""The continuity tier in the solver layer (PRODUCT.md section 7): Λ locked and K current pairs kept, folded into
the integer gains of every solver path.

Brute force on tiny instances for every solver and every ``keep_tier``, bounds decoded tier by tier (and valid
among the answers they speak of), the weight scale chosen to fit int64 when the tier is present, the priced flow
with the tier's bonuses in its potentials, and ``keep=None`` exactly as before.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentormatch.problem import CoachTier, Instance, Solution, Status
from mentormatch.solvers import (
    SolverBug,
    _scaling,
    check_solution,
    coaches,
    cpsat,
    flow,
    pricing,
    relaxation,
    run_solver,
)
from mentormatch.solvers._common import keep_pairs
from mentormatch.solvers._scaling import FLOAT_EXACT, FLOW_HEADROOM, INT64_HEADROOM, MAX_INT_WEIGHT, fit_scaling

from .oracles import answers, coachable, key, order, tier_values
from .strategies import current_pairs, instances, instances_with_coach_tiers, instances_with_keep

TIERS = ("first", "second", "last")


def examples(n: int) -> settings:
    return settings(max_examples=n)


# --- bounds against the brute-force oracle (tests/oracles.py) ------------------------------------------------------


def assert_bounds_hold(inst: Instance, solution: Solution, pool: list[np.ndarray], trivial: bool = True) -> None:
    """Every reported bound holds among the answers of ``pool`` that reach the tiers above it as found; a bound
    below a tier that is not proven is not given (Σ priority's is then the trivial one, when ``trivial``);
    ``optimal`` only at the optimum."""
    found = tier_values(inst, solution.mentor_of)
    names = order(inst)
    reported = {"priority": solution.priority_bound, "weight": solution.objective_bound, "kept": solution.kept_bound}
    assert solution.kept == found["kept"]
    proven_above = True
    for index, name in enumerate(names):
        same = [a for a in pool if all(tier_values(inst, a)[above] == found[above] for above in names[:index])]
        values = [tier_values(inst, a)[name] for a in same]
        bound = reported.get(name)
        if bound is not None and name != "priority":
            assert proven_above, (name, solution)
        if bound is not None:
            if name == "weight" and not inst.maximize:
                assert bound <= min(values) + 1e-9
            else:
                assert bound >= max(values) - 1e-9
        if name == "priority" and not proven_above and trivial:
            assert bound == max(fit_scaling(inst.maximising()).priority_total, found["priority"])
        if name != "locked":
            proven_above = proven_above and bound is not None and bound == found[name]
    if solution.status is Status.OPTIMAL:
        assert key(inst, solution.mentor_of) == max(key(inst, a) for a in pool)


def assert_optimal(inst: Instance, solution: Solution, pool: list[np.ndarray] | None = None) -> None:
    pool = answers(inst) if pool is None else pool
    assert solution.status is Status.OPTIMAL
    assert key(inst, solution.mentor_of) == max(key(inst, a) for a in pool)
    assert solution.kept == inst.kept(solution.mentor_of) == solution.kept_bound
    assert_bounds_hold(inst, solution, pool)


# --- every solver against brute force ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["flow", "hungarian", "auto", "cpsat"])
@examples(30)
@given(inst=instances_with_keep(maximize=None))
def test_unit_load_solvers_match_brute_force(name: str, inst: Instance) -> None:
    solution = run_solver(inst, name)
    assert_optimal(inst, solution)


@pytest.mark.parametrize("name", ["auto", "cpsat"])
@examples(30)
@given(
    inst=st.one_of(instances_with_keep(max_load=2, maximize=None), instances_with_keep(max_load=2, per_pair_load=True))
)
def test_solvers_with_loads_of_one_and_two_match_brute_force(name: str, inst: Instance) -> None:
    solution = run_solver(inst, name)
    assert_optimal(inst, solution)


@examples(40)
@given(inst=instances_with_keep())
def test_priced_flow_matches_brute_force(inst: Instance) -> None:
    solution = pricing.solve(inst, k=1)
    check_solution(inst, solution)
    assert_optimal(inst, solution)


@examples(30)
@given(inst=instances_with_keep(max_load=2))
def test_relaxation_matches_brute_force(inst: Instance) -> None:
    pool = answers(inst)
    solution = relaxation.solve(inst)
    check_solution(inst, solution)
    assert_optimal(inst, solution, pool)
    for improve_pairs in (0, 3):  # repair only; small windows (bounds decoded from the relaxation)
        partial = relaxation.solve(inst, improve_pairs=improve_pairs)
        check_solution(inst, partial)
        assert_bounds_hold(inst, partial, pool)


@examples(30)
@given(case=instances_with_coach_tiers(), data=st.data())
def test_coach_tier_solve_matches_brute_force(case: tuple[Instance, CoachTier], data: st.DataObject) -> None:
    inst, tier = case
    keep, locked, keep_tier = data.draw(current_pairs(*inst.shape))
    inst = replace(inst, keep=keep, locked=locked, keep_tier=keep_tier)
    solution = coaches.solve(inst, tier)
    coaches.check_coaches(inst, tier, solution)
    pool = [a for a in answers(inst) if coachable(tier, a)]
    assert solution.status is Status.OPTIMAL
    assert key(inst, solution.mentor_of) == max(key(inst, a) for a in pool)
    assert solution.kept == inst.kept(solution.mentor_of) == solution.kept_bound
    assert_bounds_hold(inst, solution, pool, trivial=False)


def test_coach_tier_keeps_a_current_pair_the_weights_would_move() -> None:
    # Mentee 0 is current with mentor 1 (weight 1) but prefers mentor 0 (weight 5); K first keeps it there.
    inst = Instance(
        weights=np.array([[5, 1], [2, 4]]),
        allowed=np.ones((2, 2), bool),
        priority=np.array([1, 1]),
        load=np.array([1, 1]),
        capacity=np.array([1, 1]),
        keep=np.array([1, -1]),
        keep_tier="first",
    )
    tier = CoachTier(
        mentee_type=np.array([0, 0]),
        cover=np.ones((1, 1), bool),
        eligible=np.ones((2, 1), bool),
        max_mentors=np.array([2]),
        max_mentees=np.array([2]),
    )
    solution = coaches.solve(inst, tier)
    assert solution.mentor_of.tolist() == [1, 0] and solution.kept == 1 and solution.status is Status.OPTIMAL


@pytest.mark.parametrize("keep_tier", TIERS)
def test_each_tier_order_on_a_hand_case(keep_tier: str) -> None:
    # Mentor 0 has one place. Mentee 0 (priority 1) is current there; mentee 1 (priority 2) wants it too, and
    # mentor 1 is worse for both. K first keeps mentee 0; Σ priority first moves mentee 0; "last" lets weights
    # choose between two answers of equal priority.
    inst = Instance(
        weights=np.array([[10, 1], [9, 3]]),
        allowed=np.array([[True, True], [True, False]]),
        priority=np.array([1, 2]),
        load=np.array([1, 1]),
        capacity=np.array([1, 1]),
        keep=np.array([0, -1]),
        keep_tier=keep_tier,
    )
    solution = run_solver(inst, "flow")
    expected = {"first": [0, -1], "second": [1, 0], "last": [1, 0]}[keep_tier]
    assert solution.mentor_of.tolist() == expected
    assert solution.kept == (1 if keep_tier == "first" else 0)
    # equal priorities, both matched either way: "first" and "second" keep the current pair (Σ weights 6),
    # "last" takes the better weights (15)
    even = replace(inst, weights=np.array([[5, 6], [9, 1]]), priority=np.array([1, 1]), allowed=np.ones((2, 2), bool))
    solution = run_solver(even, "flow")
    assert solution.mentor_of.tolist() == ([0, 1] if keep_tier != "last" else [1, 0])


def test_locked_pairs_come_before_everything() -> None:
    # Mentor 0 has one place: mentee 1 (priority 3) is locked there, mentee 0 current there with K first.
    inst = Instance(
        weights=np.array([[5, 0], [0, 0]]),
        allowed=np.array([[True, False], [True, False]]),
        priority=np.array([3, 1]),
        load=np.array([1, 1]),
        capacity=np.array([1, 1]),
        keep=np.array([0, 0]),
        locked=np.array([False, True]),
        keep_tier="first",
    )
    for name in ("flow", "hungarian", "cpsat", "auto"):
        assert run_solver(inst, name).mentor_of.tolist() == [-1, 0], name
    assert pricing.solve(inst, k=1).mentor_of.tolist() == [-1, 0]


# --- keep=None: exactly as before --------------------------------------------------------------------------------


@examples(60)
@given(inst=instances(weight_kind=None))
def test_without_keep_the_gains_are_the_old_formula(inst: Instance) -> None:
    scaling = fit_scaling(inst)
    assert (scaling.weight_multiplier, scaling.kept_multiplier, scaling.locked_multiplier) == (1, 0, 0)
    assert scaling.keep_tier is None and scaling.weight_limit == MAX_INT_WEIGHT
    assert scaling.big == scaling.weight_high - scaling.weight_low + 1
    assert scaling.combined_high == scaling.priority_total * scaling.big + scaling.weight_high
    rows, cols = np.nonzero(inst.allowed)
    values = np.where(np.isfinite(inst.weights[rows, cols]), inst.weights[rows, cols], 0)
    old = inst.priority[rows].astype(np.int64) * scaling.big + scaling.weights_int(values)
    assert np.array_equal(scaling.pair_gains(inst, rows, cols, values), old)


@examples(40)
@given(inst=instances(weight_kind="small_int", max_load=1))
def test_keep_none_and_no_current_pair_give_the_same_answer(inst: Instance) -> None:
    plain = run_solver(inst, "flow")
    assert plain.kept is None and plain.kept_bound is None
    empty = replace(inst, keep=np.full(inst.shape[0], -1, np.int64))
    solution = run_solver(empty, "flow")
    assert np.array_equal(solution.mentor_of, plain.mentor_of)
    assert (solution.priority_sum, solution.objective, solution.kept) == (plain.priority_sum, plain.objective, 0)
    assert fit_scaling(empty).big == fit_scaling(inst).big


def test_maximising_carries_the_tier() -> None:
    inst = Instance(
        weights=np.array([[1, 2]]),
        allowed=np.ones((1, 2), bool),
        priority=np.array([1]),
        load=np.array([1]),
        capacity=np.array([1, 1]),
        maximize=False,
        keep=np.array([1]),
        locked=np.array([True]),
        keep_tier="last",
    )
    work = inst.maximising()
    assert work.keep is inst.keep and work.locked is inst.locked and work.keep_tier == "last"
    # minimising Σ weights, but the locked current pair (weight 2) is kept
    solution = run_solver(inst, "auto")
    assert solution.mentor_of.tolist() == [1] and solution.objective == 2.0 and solution.kept == 1


# --- validation and the checker ----------------------------------------------------------------------------------


def tiny(**fields) -> Instance:
    base = dict(
        weights=np.array([[1.0, 2.0], [3.0, 4.0]]),
        allowed=np.ones((2, 2), bool),
        priority=np.array([1, 1]),
        load=np.array([1, 1]),
        capacity=np.array([1, 1]),
    )
    return Instance(**{**base, **fields})


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"keep": np.array([0])}, r"keep: expected shape \(2,\), got \(1,\)"),
        ({"keep": np.array([0.0, 1.0])}, r"keep: expected an integer dtype, got float64"),
        ({"keep": np.array([0, 2])}, r"keep: every entry must be a mentor column 0..1 or -1 \(none\); entry 1 is 2"),
        ({"keep": np.array([-2, 0])}, r"entry 0 is -2"),
        ({"locked": np.array([True, False])}, r"locked: given without keep"),
        (
            {"keep": np.array([0, -1]), "locked": np.array([False, True])},
            r"locked: entry 1 is True but keep\[1\] is -1",
        ),
        ({"keep": np.array([0, 1]), "locked": np.array([1, 0])}, r"locked: expected dtype bool, got int64"),
        ({"keep": np.array([0, 1]), "locked": np.array([True])}, r"locked: expected shape \(2,\)"),
        (
            {"keep": np.array([0, 1]), "keep_tier": "middle"},
            r"keep_tier: expected one of 'first', 'second', 'last', got 'middle'",
        ),
    ],
)
def test_invalid_continuity_fields_are_named(fields: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_solver(tiny(**fields))


def test_check_solution_reads_kept() -> None:
    inst = tiny(keep=np.array([0, -1]))
    good = run_solver(inst, "flow")
    assert good.kept == 1
    with pytest.raises(SolverBug, match=r"reported kept 0, the matching keeps 1"):
        check_solution(inst, replace(good, kept=0))
    with pytest.raises(SolverBug, match=r"reported kept None"):
        check_solution(inst, replace(good, kept=None))
    with pytest.raises(SolverBug, match=r"kept_bound 0 is below the kept 1"):
        check_solution(inst, replace(good, kept_bound=0))
    with pytest.raises(SolverBug, match=r"status optimal but kept_bound 2 != 1"):
        check_solution(inst, replace(good, kept_bound=2))
    with pytest.raises(SolverBug, match=r"without current pairs"):
        check_solution(tiny(), replace(good, kept=1))


# --- scaling: decoding bounds, the resolution rule ----------------------------------------------------------------


@examples(60)
@given(inst=instances_with_keep(maximize=True), data=st.data())
def test_decoded_bounds_hold_among_the_answers_they_speak_of(inst: Instance, data: st.DataObject) -> None:
    scaling = fit_scaling(inst)
    pool = answers(inst)
    gains = [scaling.answer_gain(inst, a) for a in pool]
    found = pool[data.draw(st.integers(0, len(pool) - 1))]
    slack = data.draw(st.sampled_from([0, 1, scaling.weight_multiplier, scaling.big, scaling.big * 3]))
    tiers = scaling.tiers(inst, found)
    assert scaling.value(tiers) == scaling.answer_gain(inst, found)
    bounds = scaling.decode(max(gains) + slack, tiers)
    names = order(inst)
    found_values = tier_values(inst, found)
    proven = True
    for index, name in enumerate(names):
        bound = getattr(bounds, name)
        if name == "locked" and not scaling.locked_multiplier:
            assert bound is None
            continue
        if not proven:
            assert bound is None or name == "priority"
            continue
        same = [a for a in pool if all(tier_values(inst, a)[above] == found_values[above] for above in names[:index])]
        assert bound >= max(tier_values(inst, a)[name] for a in same)
        proven = bound == found_values[name]
    if scaling.answer_gain(inst, found) == max(gains) + slack:
        assert bounds.proven
    if bounds.proven:
        assert key(inst, found) == max(key(inst, a) for a in pool)


def all_pairs_instance(
    n: int, m: int, keep_count: int, keep_tier: str, seed: int, *, priority_high: int = 3, locked_count: int = 0
) -> Instance:
    """Float32 weights in [0, 1], every pair allowed, ``keep_count`` current pairs (``locked_count`` locked)."""
    rng = np.random.default_rng(seed)
    weights = 0.6 * rng.random((n, m), dtype=np.float32) + 0.4 * rng.random(m, dtype=np.float32)[None, :]
    keep = np.full(n, -1, np.int64)
    current = rng.choice(n, keep_count, replace=False)
    keep[current] = rng.integers(0, m, keep_count)
    locked = None
    if locked_count:
        locked = np.zeros(n, bool)
        locked[current[:locked_count]] = True
    return Instance(
        weights=weights.astype(np.float32),
        allowed=np.ones((n, m), bool),
        priority=rng.integers(1, priority_high + 1, n),
        load=np.ones(n, np.int64),
        capacity=rng.integers(1, 6, m),
        keep=keep,
        locked=locked,
        keep_tier=keep_tier,
    )


def test_a_tier_that_fits_keeps_the_full_resolution() -> None:
    inst = all_pairs_instance(200, 50, 120, "second", 0)
    scaling = fit_scaling(inst)
    assert scaling.weight_limit == MAX_INT_WEIGHT
    assert scaling.scale == fit_scaling(replace(inst, keep=None)).scale


def test_locks_that_fit_cost_a_few_bits_only() -> None:
    # Every locked pair fits at its mentor: Λ's multiplier is (ℓ + 1) · G + 1, not the product of every range.
    inst = all_pairs_instance(3000, 800, 2000, "second", 2, locked_count=300)
    inst = replace(inst, capacity=np.full(800, 6, np.int64))
    short, strict, unlocked = (
        fit_scaling(inst),
        fit_scaling(inst, strict_locks=True),
        fit_scaling(replace(inst, locked=None)),
    )
    non_locked_gain = unlocked.max_gain
    assert short.locked_multiplier == 2 * (short.max_gain - short.locked_multiplier) + 1
    assert short.locked_multiplier < 4 * non_locked_gain
    # the full product dominates everything below it, and costs resolution already here
    assert strict.locked_multiplier > strict.combined_high - strict.locked_high * strict.locked_multiplier
    assert short.weight_limit == unlocked.weight_limit == MAX_INT_WEIGHT > 10 * strict.weight_limit
    solution = run_solver(inst, "flow")
    assert inst.locked_kept(solution.mentor_of) == 300


def test_locks_that_do_not_fit_take_the_full_product() -> None:
    # two locked pairs at a mentor with one place: the tier must really dominate
    inst = Instance(
        weights=np.array([[1, 0], [0, 9], [5, 5]]),
        allowed=np.ones((3, 2), bool),
        priority=np.array([1, 1, 3]),
        load=np.ones(3, np.int64),
        capacity=np.array([1, 1]),
        keep=np.array([0, 0, -1]),
        locked=np.array([True, True, False]),
        keep_tier="second",
    )
    scaling = fit_scaling(inst)
    assert scaling.locked_multiplier > scaling.combined_high - scaling.locked_high * scaling.locked_multiplier
    for name in ("flow", "cpsat", "hungarian"):
        solution = run_solver(inst, name)
        assert inst.locked_kept(solution.mentor_of) == 1, name
        assert_optimal(inst, solution)


@pytest.mark.parametrize("keep_tier", TIERS)
def test_the_weight_scale_is_the_largest_that_fits(keep_tier: str) -> None:
    # Priorities up to 2**28 and 300 current pairs: at 10**6 the tiers would pass 2**62.
    inst = all_pairs_instance(60, 8, 40, keep_tier, 1, priority_high=2**28, locked_count=5)
    n, m = inst.shape
    scaling = fit_scaling(inst)
    target = scaling.weight_limit
    assert 1 <= target < MAX_INT_WEIGHT
    assert scaling.combined_high < INT64_HEADROOM and scaling.max_gain * (n + m + 2) < FLOW_HEADROOM
    # T + 1 would not fit (built the way fit_scaling builds it)
    weights = inst.weights.astype(np.float64)
    shape = _scaling._Shape(inst, weights.min(axis=1), weights.max(axis=1), np.ones(n, bool))
    largest = float(np.abs(weights).max())
    assert not shape.fits(shape.scaling((target + 1) / largest, exact=False, target=target + 1), None)
    assert shape.scaling(target / largest, exact=False, target=target) == scaling
    # a tighter limit (CP-SAT's float64) gives a coarser scale
    coarse = fit_scaling(inst, limit=FLOAT_EXACT)
    assert coarse.combined_high < FLOAT_EXACT and coarse.weight_limit < target
    # OR-Tools takes it (no BAD_COST_RANGE), dense and priced, with the same optimum
    by_flow = run_solver(inst, "flow")
    by_pricing = pricing.solve(inst, k=1)
    assert scaling.answer_gain(inst, by_flow.mentor_of) == scaling.answer_gain(inst, by_pricing.mentor_of)
    assert inst.locked_kept(by_flow.mentor_of) > 0


@pytest.mark.parametrize("keep_tier", TIERS)
def test_cpsat_takes_a_coarser_scale_when_the_tier_needs_it(keep_tier: str) -> None:
    # Priorities near 2**30 push the tiers past CP-SAT's 2**53 at T = 10**6; the weights (integers 0..9 stored as
    # floats) still differ by far more than the coarser resolution, so the optimum is exact.
    rng = np.random.default_rng(8)
    for _ in range(6):
        n, m = 6, 3
        inst = Instance(
            weights=rng.integers(0, 10, (n, m)).astype(np.float64),
            allowed=rng.random((n, m)) < 0.8,
            priority=rng.integers(2**30, 2**30 + 3, n),
            load=rng.integers(1, 3, n),
            capacity=rng.integers(1, 4, m),
            keep=rng.integers(-1, m, n),
            keep_tier=keep_tier,
        )
        assert fit_scaling(inst).combined_high >= FLOAT_EXACT
        assert fit_scaling(inst, limit=FLOAT_EXACT).combined_high < FLOAT_EXACT
        for name in ("cpsat", "auto"):
            assert_optimal(inst, run_solver(inst, name))


def test_integer_weights_with_a_tier_that_does_not_fit_are_refused() -> None:
    inst = all_pairs_instance(60, 8, 40, "first", 1, priority_high=2**28)
    inst = replace(inst, weights=np.rint(inst.weights * 10**6).astype(np.int64))
    with pytest.raises(
        ValueError,
        match=r"combined objective \(locked and kept current pairs, priority × .* "
        r"beyond what int64 holds exactly",
    ):
        run_solver(inst, "flow")
    assert fit_scaling(replace(inst, priority=np.ones(60, np.int64))).exact  # fits: exact as given


@pytest.mark.parametrize("keep_tier", ["first", "second"])
def test_flow_and_priced_flow_agree_at_scale(keep_tier: str) -> None:
    inst = all_pairs_instance(3000, 800, 2000, keep_tier, 7)
    scaling = fit_scaling(inst)
    dense = flow.solve(inst)
    priced = pricing.solve(inst)
    for solution in (dense, priced):
        check_solution(inst, solution)
    assert (priced.kept, priced.priority_sum) == (dense.kept, dense.priority_sum)
    assert scaling.answer_gain(inst, priced.mentor_of) == scaling.answer_gain(inst, dense.mentor_of)
    matched = int((dense.mentor_of >= 0).sum() + (priced.mentor_of >= 0).sum())
    assert abs(priced.objective - dense.objective) <= matched * 0.5 / scaling.scale + 1e-6
    assert priced.kept > 1000  # the tier is doing something


# --- the priced flow with the tier's bonuses in its potentials ----------------------------------------------------


@pytest.mark.parametrize("keep_tier, locked_count", [("first", 0), ("first", 60), ("second", 30), ("last", 0)])
def test_priced_flow_prices_rows_whose_potentials_carry_the_bonuses(keep_tier: str, locked_count: int) -> None:
    # popular mentors, tight capacity: pricing needs several rounds, and current pairs sit on busy mentors
    inst = all_pairs_instance(500, 60, 300, keep_tier, 11, locked_count=locked_count)
    inst = replace(inst, capacity=np.full(60, 6, np.int64))
    scaling = fit_scaling(inst)
    dense = flow.solve(inst)
    priced = pricing.solve(inst, k=1)
    check_solution(inst, priced)
    assert priced.method == "flow-priced"  # proven by pricing, no fallback to the dense flow
    assert scaling.answer_gain(inst, priced.mentor_of) == scaling.answer_gain(inst, dense.mentor_of)
    assert scaling.tiers(inst, priced.mentor_of).kept == dense.kept


def test_current_pairs_are_in_every_priced_network() -> None:
    inst = all_pairs_instance(300, 40, 200, "last", 3)
    rows, cols, _ = keep_pairs(inst)
    joined_rows, joined_cols = pricing._with_current_pairs(inst, np.array([0, 5], np.int32), np.array([1, 2], np.int32))
    keys = set((joined_rows.astype(np.int64) * 40 + joined_cols).tolist())
    assert set((rows * 40 + cols).tolist()) <= keys and {1, 5 * 40 + 2} <= keys
    assert np.all(np.diff(joined_rows.astype(np.int64) * 40 + joined_cols) > 0)  # unique, row-major


# --- the workload > 1 path: windows, the greedy start --------------------------------------------------------------


def test_relaxation_windows_slice_the_current_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(4)
    n, m = 120, 30
    inst = Instance(
        weights=rng.integers(0, 50, (n, m)),
        allowed=rng.random((n, m)) < 0.5,
        priority=rng.integers(1, 4, n),
        load=rng.integers(1, 3, n),
        capacity=rng.integers(1, 5, m),
        keep=rng.integers(-1, m, n),
        keep_tier="second",
    )
    inst = replace(inst, locked=(rng.random(n) < 0.2) & (inst.keep >= 0))
    seen: list[tuple[Instance, np.ndarray, np.ndarray]] = []
    original = relaxation._solve_window

    def spy(instance, mentor_of, rows, cols, *args, **kwargs):
        answer = original(instance, mentor_of, rows, cols, *args, **kwargs)
        seen.append((rows, cols))
        return answer

    solve = cpsat.solve
    subs: list[Instance] = []
    monkeypatch.setattr(relaxation, "_solve_window", spy)
    monkeypatch.setattr(relaxation.cpsat, "solve", lambda sub, **kw: (subs.append(sub), solve(sub, **kw))[1])
    solution = relaxation.solve(inst, improve_pairs=150)
    check_solution(inst, solution)
    assert seen and len(seen) == len(subs)
    for (rows, cols), sub in zip(seen, subs, strict=True):
        current = inst.keep[rows]
        inside = np.isin(current, cols)
        assert np.array_equal(sub.keep >= 0, inside)
        assert np.array_equal(cols[sub.keep[inside]], current[inside])
        assert np.array_equal(sub.locked, inst.locked[rows] & inside)
        assert sub.keep_tier == "second"


def test_greedy_start_places_current_pairs_first_when_they_rank_first() -> None:
    # by weight, mentee 0 would take mentor 0 and push mentee 1 (current there) to mentor 1
    inst = Instance(
        weights=np.array([[9, 1], [5, 4]]),
        allowed=np.ones((2, 2), bool),
        priority=np.array([2, 1]),
        load=np.array([2, 2]),
        capacity=np.array([2, 2]),
        keep=np.array([-1, 0]),
        keep_tier="first",
    )
    assert relaxation.greedy(inst).tolist() == [1, 0]
    assert relaxation.greedy(replace(inst, keep=None)).tolist() == [0, 1]
    assert relaxation.greedy(replace(inst, keep_tier="last")).tolist() == [0, 1]
    locked = replace(inst, keep_tier="last", locked=np.array([False, True]))
    assert relaxation.greedy(locked).tolist() == [1, 0]
