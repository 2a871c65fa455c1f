"""The generalised assignment problem (a load per pair): an LP bound, a penalty tabu search, a CP-SAT polish.

``auto`` step 3 runs this for an instance with a 2-D ``load`` of at most ``GapOptions.max_pairs`` dense pairs and
``GapOptions.max_mentees`` mentees. Everything works on the integer gains of ``_scaling`` (Σ priority, then Σ
weights, with the continuity tier's bonuses on current and locked pairs), so every tier is carried as it is by
``cpsat.py``:

1. **Bound.** The LP relaxation (scipy's HiGHS ``linprog``) over the candidate pairs gives capacity duals
   ``v ≥ 0``; the Lagrangian bound ``Σ_j cap_j v_j + Σ_i max(0, max_j (gain_ij − load_ij v_j))`` is valid for
   *any* ``v ≥ 0``, so it is recomputed here with a float margin and floored: a bound that no LP tolerance can make
   wrong, as tight as the LP.
2. **Probe.** Up to ``probe_pairs`` pairs, CP-SAT from the greedy answer for ``probe_seconds`` deterministic
   seconds: small instances are proven at once, and the search is skipped (what ``auto`` did before, so the small
   generalised instances it proved stay proven).
3. **Search.** A tabu search over complete assignments (every mentee with a candidate pair placed), started from
   the LP's largest share per mentee. Each iteration evaluates every shift (mentee i to mentor j) and every swap
   (mentees i and k exchange mentors) at once with numpy, scoring gain minus a penalty weight per unit over
   capacity; it takes the best move that is not tabu (a mentee may not return to the mentor it left for a few
   iterations). The penalty weights grow while the answer is over capacity and shrink while it fits (strategic
   oscillation, as in Yagiura, Ibaraki and Glover's GAP searches), restarts from the best answer after
   ``restart_stall`` idle iterations, and stops after an iteration budget computed from ``time_limit`` (a count:
   reruns are identical; the wall clock only as a safety net). The best answer within capacity is kept; if none is
   found, the least loaded one is repaired by sending home the mentees of lowest gain per load at each mentor over
   capacity and placing them again where they fit.
4. **Polish.** CP-SAT (one worker, ``_cpsat.PARAMETERS``) warm-started from the best answer, for
   ``cpsat_share × time_limit`` deterministic seconds and at most the wall-clock time left: it proves small
   instances optimal and adds its own bound. The answer is the best of CP-SAT's, the search's and the greedy one
   (by Σ gain, exactly); the bound the smaller of the Lagrangian's and CP-SAT's.

Measured on 2 cores shared with other jobs at ``time_limit=20`` (``benchmarks/gap_grid.py``, results in
``benchmarks/results/gap_grid.md``, with a 120 s HiGHS MILP as the reference): on Chu and Beasley's tight types C,
D, E with 100–400 jobs and 5–40 agents, CP-SAT alone (warm-started from the greedy answer, what ``auto`` ran before)
left 1–15 jobs unassigned on 4 of 12 instances, ended up to 3 % above the optimum and took 45 s of wall clock; this
path assigns every job, ends 0–0.3 % above the reference's best answer (below it on two), within 0.9 % of the best
proven bound, in 1–19 s. The bound is the LP's (the knapsack Lagrangian, relaxing the assignment rows, tightened it
by only 0.05 % in 4 s: not used).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from mentormatch.problem import Instance, Progress, Solution, Status
from mentormatch.solvers._common import Clock, answer_totals, candidate_mask, kept_of
from mentormatch.solvers._cpsat import found, new_solver, proven_bound
from mentormatch.solvers._scaling import FLOAT_EXACT, Scaling, fit_scaling
from mentormatch.solvers.options import GapOptions, SolverOptions

__all__ = ["solve", "takes_gap", "lagrangian_bound", "tabu_search"]

NAME = "gap"

_NEG = -1e30
"""The score of a move that may not be taken (a pair that is no candidate, a tabu move)."""

_DEFAULT_SECONDS = 20.0
"""The time the search's budget is sized for when ``time_limit`` is None (then ``max_iterations`` bounds it)."""


def takes_gap(instance: Instance, options: GapOptions) -> bool:
    """Whether the path runs: a load per pair, at most ``options.max_pairs`` dense pairs and
    ``options.max_mentees`` mentees."""
    n, m = instance.shape
    return instance.generalised and 0 < n * m <= options.max_pairs and n <= options.max_mentees


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    scaling: Scaling | None = None,
    options: SolverOptions | None = None,
) -> Solution:
    """Bound, search and polish a maximising generalised ``instance`` (the module docstring's steps).

    Parameters
    ----------
    instance : Instance
        Maximising (``auto`` passes :meth:`Instance.maximising`), with a 2-D load.
    time_limit : float, optional
        Seconds on the wall clock for every stage together; the search's budget and CP-SAT's deterministic limit
        are sized from it so that reruns are identical. None: ``max_iterations`` and CP-SAT to the end.
    seed : int
        Seeds the search's tabu tenures and restarts, and CP-SAT.
    progress : callable, optional
        ``progress(stage, elapsed)``.
    scaling : Scaling, optional
        Fitted to ``instance`` with ``combined_high`` below ``FLOAT_EXACT``; default fitted here.
    options : SolverOptions, optional
        ``options.gap`` (:class:`~mentormatch.solvers.options.GapOptions`); None: the defaults.

    Returns
    -------
    Solution
        ``solver`` "gap", ``method`` the steps that ran (``gap+lp``, then ``+probe``, ``+tabu``, ``+cpsat``),
        ``stats``: ``iterations`` (of the search), ``lp_bound`` (the Lagrangian bound on Σ gain from the LP's
        duals), ``gain_bound`` (the bound reported: the smaller of it and CP-SAT's), ``cpsat_deterministic_time``.

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import Instance
    >>> inst = Instance(weights=np.array([[5, 1], [4, 3], [1, 2]]), allowed=np.ones((3, 2), bool),
    ...                 priority=np.ones(3, np.int64), load=np.array([[2, 1], [1, 2], [1, 1]]),
    ...                 capacity=np.array([2, 2]))
    >>> sol = solve(inst, time_limit=5)
    >>> sol.mentor_of.tolist(), sol.priority_sum, sol.objective, str(sol.status), sol.method
    ([1, 0, 1], 3, 7.0, 'optimal', 'gap+lp+probe')
    """
    from mentormatch.solvers import relaxation

    knobs = (options or SolverOptions()).gap
    clock = Clock(progress)
    if scaling is None:
        scaling = fit_scaling(instance, limit=FLOAT_EXACT)
    scaling.require(FLOAT_EXACT, "the GAP path's float64 bound")
    n, m = instance.shape
    seconds = _DEFAULT_SECONDS if time_limit is None else max(0.0, float(time_limit))
    deadline = None if time_limit is None else clock.start + seconds

    # --- data: dense gains (float64: every combined value is below 2**53) and loads, candidates only
    clock.stage("gap: building the arrays")
    mask = candidate_mask(instance)
    rows, cols = np.nonzero(mask)
    gain = np.full((n, m), _NEG)
    gain[rows, cols] = scaling.pair_gains(instance, rows, cols).astype(np.float64)
    load = np.broadcast_to(instance.row_load(), (n, m)).astype(np.int64)
    capacity = instance.capacity.astype(np.int64)

    # --- bound: the LP's capacity duals, and the Lagrangian bound they give
    clock.stage("gap: LP relaxation")
    offset = (instance.priority[rows].astype(np.int64) * scaling.big).astype(np.float64)
    share, duals = _lp(gain, load, capacity, rows, cols, offset)
    bound = lp_bound = lagrangian_bound(gain, load, capacity, duals, mask)
    steps = ["gap", "lp"]

    best = relaxation.greedy(instance)
    best_gain = scaling.answer_gain(instance, best)
    cpsat_time = 0.0

    # --- probe: a small instance is often proven by CP-SAT from the greedy answer at once
    if best_gain < bound and n * m <= knobs.probe_pairs:
        clock.stage("gap: CP-SAT probe")
        answer, probe_bound, cpsat_time = _polish(
            instance,
            scaling,
            best,
            seed=seed,
            stop=_stop(deadline, seconds),
            deterministic=min(knobs.probe_seconds, knobs.probe_share * seconds),
        )
        steps.append("probe")
        best, best_gain = _better(scaling, instance, (best, best_gain), answer)
        bound = min(bound, probe_bound)

    # --- search: every mentee with a candidate placed; start at its largest LP share
    placed: np.ndarray = np.asarray(mask.any(axis=1), dtype=bool)
    iterations = 0
    if best_gain < bound and placed.any():
        clock.stage("gap: tabu search")
        start = np.where(placed, np.argmax(np.where(mask, share, -1.0), axis=1), -1)
        entries = n * n + 4 * n * m + knobs.iteration_overhead
        budget = min(knobs.max_iterations, int(knobs.search_share * seconds * knobs.work_rate / entries))
        wall = None if deadline is None else clock.start + 0.8 * seconds
        found_answer, iterations = tabu_search(
            gain, load, capacity, start, placed, budget=budget, seed=seed, options=knobs, deadline=wall, target=bound
        )
        steps.append("tabu")
        best, best_gain = _better(scaling, instance, (best, best_gain), found_answer)

    # --- polish: CP-SAT from the best answer
    stop = _stop(deadline, seconds)
    if best_gain < bound and knobs.cpsat_share > 0 and (stop is None or stop - time.perf_counter() > 0.2):
        clock.stage("gap: CP-SAT polish")
        deterministic = None if time_limit is None else knobs.cpsat_share * seconds
        answer, cpsat_bound, polish_time = _polish(
            instance, scaling, best, seed=seed, stop=stop, deterministic=deterministic
        )
        steps.append("cpsat")
        cpsat_time += polish_time
        best, best_gain = _better(scaling, instance, (best, best_gain), answer)
        bound = min(bound, cpsat_bound)

    # --- read out
    combined_bound = max(min(bound, scaling.combined_high), best_gain)
    priority_sum, objective = answer_totals(instance, best)
    optimal = combined_bound == best_gain
    priority_bound: int | None
    objective_bound: float | None
    if optimal:  # proven: every bound is the answer's own value (no rounding slack added)
        priority_bound, objective_bound, kept_bound = priority_sum, objective, kept_of(instance, best)
    else:
        priority_bound, objective_bound, kept_bound = scaling.solution_bounds(
            combined_bound, scaling.tiers(instance, best), objective
        )
    clock.stage("gap: done")
    return Solution(
        mentor_of=best,
        status=Status.OPTIMAL if optimal else Status.FEASIBLE,
        priority_sum=priority_sum,
        objective=objective,
        priority_bound=priority_bound,
        objective_bound=objective_bound,
        solver=NAME,
        seconds=clock.elapsed(),
        kept=kept_of(instance, best),
        kept_bound=kept_bound,
        method="+".join(steps),
        stats={
            "iterations": iterations,
            "lp_bound": lp_bound,
            "gain_bound": bound,
            "cpsat_deterministic_time": cpsat_time,
        },
    )


def _stop(deadline: float | None, seconds: float) -> float | None:
    """When (``time.perf_counter()``) a CP-SAT stage must end on the wall clock (a safety net; its deterministic
    limit decides): ``time_limit`` less a margin of 5 % for the read-out and the checks; None without a limit."""
    return None if deadline is None else deadline - 0.05 * seconds


def _better(
    scaling: Scaling, instance: Instance, best: tuple[np.ndarray, int], answer: np.ndarray
) -> tuple[np.ndarray, int]:
    """The better of ``best`` (an answer and its Σ gain) and ``answer``, by Σ gain (ties keep ``best``)."""
    value = scaling.answer_gain(instance, answer)
    return (answer, value) if value > best[1] else best


def _lp(
    gain: np.ndarray,
    load: np.ndarray,
    capacity: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    offset: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The LP relaxation over the candidate pairs: maximise Σ gain x, Σ_j x_ij ≤ 1, Σ_i load x ≤ capacity,
    0 ≤ x ≤ 1. Returns the (n, m) shares and the capacity duals ``v ≥ 0`` (zeros if HiGHS fails: the bound then
    is the trivial one).

    First with every mentee who has a candidate placed (``Σ_j x_ij = 1``) and the pair's gain less its priority
    part (``offset``, the same for all of a mentee's pairs) as the objective: the same optimum when it is feasible,
    and well scaled (measured: 0.4 s instead of 2.3 s at 400 × 40, type E). When it is not, with the whole gains and
    ``≤ 1``. Either way the capacity duals give :func:`lagrangian_bound`, which is valid whatever they are.
    """
    from scipy.optimize import linprog
    from scipy.sparse import csr_array

    n, m = gain.shape
    share = np.zeros((n, m))
    if rows.size == 0:
        return share, np.zeros(m)
    k = np.arange(rows.size)
    placed = np.unique(rows)
    position = np.searchsorted(placed, rows)
    once = csr_array((np.ones(rows.size), (position, k)), shape=(placed.size, rows.size))
    room = csr_array((load[rows, cols].astype(np.float64), (cols, k)), shape=(m, rows.size))
    values = gain[rows, cols]
    result = linprog(
        -(values - offset),
        A_ub=room,
        b_ub=capacity.astype(np.float64),
        A_eq=once,
        b_eq=np.ones(placed.size),
        bounds=(0.0, 1.0),
        method="highs",
    )
    if result.status == 0:
        duals = -np.asarray(result.ineqlin.marginals)
    else:
        from scipy.sparse import vstack

        result = linprog(
            -values,
            A_ub=vstack([once, room]).tocsr(),
            b_ub=np.r_[np.ones(placed.size), capacity.astype(np.float64)],
            bounds=(0.0, 1.0),
            method="highs",
        )
        if result.status != 0:
            return share, np.zeros(m)
        duals = -np.asarray(result.ineqlin.marginals)[placed.size :]
    share[rows, cols] = result.x
    return share, np.maximum(duals, 0.0)


def lagrangian_bound(
    gain: np.ndarray, load: np.ndarray, capacity: np.ndarray, duals: np.ndarray, mask: np.ndarray
) -> int:
    """An upper bound on Σ gain of every answer, from any capacity multipliers ``duals ≥ 0``:
    ``Σ_j capacity_j v_j + Σ_i max(0, max_j (gain_ij − load_ij v_j))`` over candidate pairs, floored after a margin
    that covers float64 rounding (so it is valid whatever ``duals`` are).

    Examples
    --------
    >>> gain = np.array([[10.0, 8.0], [9.0, 1.0]]); load = np.array([[2, 1], [2, 1]])
    >>> lagrangian_bound(gain, load, np.array([2, 2]), np.zeros(2), np.ones((2, 2), bool))
    19
    >>> lagrangian_bound(gain, load, np.array([2, 2]), np.array([1.0, 0.0]), np.ones((2, 2), bool))
    17
    """
    v = np.maximum(np.asarray(duals, dtype=np.float64), 0.0)
    reduced = np.where(mask, gain - load * v[None, :], 0.0)
    per_row = np.maximum(reduced.max(axis=1, initial=0.0), 0.0)
    total = float(capacity @ v) + float(per_row.sum())
    size = float(np.abs(capacity * v).sum() + per_row.sum() + np.abs(load * v[None, :]).max(axis=1, initial=0).sum())
    return math.floor(total + 1e-9 * size + 1e-6)


def tabu_search(
    gain: np.ndarray,
    load: np.ndarray,
    capacity: np.ndarray,
    start: np.ndarray,
    placed: np.ndarray,
    *,
    budget: int,
    seed: int,
    options: GapOptions,
    deadline: float | None = None,
    target: float = math.inf,
) -> tuple[np.ndarray, int]:
    """The penalty tabu search of the module docstring over the mentees ``placed`` (each keeps a mentor).

    Parameters
    ----------
    gain : (n, m) float array
        Per-pair gains, ``_NEG`` where a pair is no candidate.
    load, capacity
        Per-pair loads and the mentors' capacities.
    start : (n,) int array
        A mentor for every placed mentee (−1 elsewhere), any loads.
    budget : int
        Iterations at most (the search also stops after ``options.stall_stop`` idle ones).
    deadline : float, optional
        ``time.perf_counter()`` value at which the search stops early (a safety net).
    target : float
        Stop once an answer within capacity reaches this Σ gain (a bound: it is then optimal).

    Returns
    -------
    mentor_of : (n,) int64 array
        The best answer within capacity found, else the repaired least-overloaded one.
    iterations : int
    """
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(placed)
    g = gain[rows]
    r = load[rows].astype(np.float64)
    b = capacity.astype(np.float64)
    p, m = g.shape
    idx = np.arange(p)
    a = start[rows].astype(np.int64).copy()
    used = np.bincount(a, weights=r[idx, a], minlength=m)
    spread = np.where(g > _NEG / 2, g, np.nan)
    row_spread = np.nanmax(spread, axis=1) - np.nanmin(spread, axis=1)
    w0 = max(float(np.median(row_spread)) / max(float(r.mean()), 1.0) / 2.0, 1e-9)
    w = np.full(m, w0)
    tabu_until = np.zeros((p, m), dtype=np.int64)
    upper = np.triu(np.ones((p, p), dtype=bool), 1)
    best: np.ndarray | None = None
    best_value = -math.inf
    least = (math.inf, a.copy())
    last_better = last_restart = 0
    t = 0
    for t in range(budget):
        if deadline is not None and time.perf_counter() > deadline:
            break
        over = np.maximum(used - b, 0.0)
        total_over = float(over.sum())
        if total_over == 0.0:
            value = float(g[idx, a].sum())
            if value > best_value:
                best_value, best, last_better = value, a.copy(), t
                if value >= target:
                    break
        elif total_over < least[0]:
            least = (total_over, a.copy())
        if t - last_better > options.stall_stop and best is not None:
            break
        if best is not None and t - max(last_better, last_restart) > options.restart_stall:
            last_restart = t
            a = best.copy()
            for _ in range(options.kick):
                a[int(rng.integers(p))] = int(rng.integers(m))
            a = np.where(g[idx, a] > _NEG / 2, a, best)
            used = np.bincount(a, weights=r[idx, a], minlength=m)
            w = np.full(m, w0)
            tabu_until[:] = 0
            continue
        own_gain = g[idx, a]
        own_load = r[idx, a]
        # shifts: mentee i to mentor j
        leave = w[a] * (np.maximum(used[a] - own_load - b[a], 0.0) - over[a])
        enter = w[None, :] * (np.maximum(used[None, :] + r - b[None, :], 0.0) - over[None, :])
        shift = g - own_gain[:, None] - enter - leave[:, None]
        shift[idx, a] = _NEG
        shift[tabu_until > t] = _NEG
        shift[g <= _NEG / 2] = _NEG
        s = int(np.argmax(shift))
        # swaps: i takes k's mentor and k takes i's ([i, k], i < k, different mentors)
        cross_gain = g[:, a]  # [k, i] = gain of mentee k at mentee i's mentor
        cross_load = r[:, a]
        delta = cross_gain + cross_gain.T - own_gain[:, None] - own_gain[None, :]
        after = (used[a] - own_load)[:, None] + cross_load.T  # i's mentor's load once k replaces i
        cost = w[a][:, None] * (np.maximum(after - b[a][:, None], 0.0) - over[a][:, None])
        swap = delta - cost - cost.T
        banned = tabu_until[:, a] > t
        swap[~upper | (a[:, None] == a[None, :]) | banned | banned.T | (cross_gain.T <= _NEG / 2)] = _NEG
        swap[cross_gain <= _NEG / 2] = _NEG
        q = int(np.argmax(swap))
        if max(shift.flat[s], swap.flat[q]) <= _NEG / 2:
            break
        if shift.flat[s] >= swap.flat[q]:
            i, j = divmod(s, m)
            old = int(a[i])
            used[old] -= r[i, old]
            used[j] += r[i, j]
            a[i] = j
            tabu_until[i, old] = t + int(rng.integers(*options.tenure))
        else:
            i, k = divmod(q, p)
            ai, ak = int(a[i]), int(a[k])
            used[ai] += r[k, ai] - r[i, ai]
            used[ak] += r[i, ak] - r[k, ak]
            a[i], a[k] = ak, ai
            tabu_until[i, ai] = t + int(rng.integers(*options.tenure))
            tabu_until[k, ak] = t + int(rng.integers(*options.tenure))
        w = w * (options.penalty_up if bool((used > b).any()) else options.penalty_down)
    if best is None:
        best = _repair(g, r, b, least[1])
    mentor_of = np.full(gain.shape[0], -1, dtype=np.int64)
    mentor_of[rows] = best
    return mentor_of, t + 1


def _repair(g: np.ndarray, r: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """An answer within capacity from ``a`` (over it somewhere): at each mentor over capacity send home the
    mentees of lowest gain per load until it fits, then place each one sent home (highest gain first) at its best
    mentor with room."""
    p, m = g.shape
    a = a.copy()
    idx = np.arange(p)
    used = np.bincount(a, weights=r[idx, a], minlength=m)
    for j in np.flatnonzero(used > b):
        members = np.flatnonzero(a == j)
        order = members[np.lexsort((members, g[members, j] / r[members, j]))]
        for i in order:
            if used[j] <= b[j]:
                break
            used[j] -= r[i, j]
            a[i] = -1
    home = np.flatnonzero(a < 0)
    for i in home[np.lexsort((home, -g[home].max(axis=1)))]:
        fits = (g[i] > _NEG / 2) & (used + r[i] <= b)
        if fits.any():
            best = int(np.argmax(np.where(fits, g[i], _NEG)))
            a[i] = best
            used[best] += r[i, best]
    return a


def _polish(
    instance: Instance,
    scaling: Scaling,
    hint: np.ndarray,
    *,
    seed: int,
    stop: float | None,
    deterministic: float | None,
) -> tuple[np.ndarray, int, float]:
    """CP-SAT on ``instance`` warm-started from ``hint``, stopped by ``deterministic`` seconds or at ``stop`` on the
    wall clock: (its answer or ``hint``, its bound on Σ gain, its deterministic time)."""
    from ortools.sat.python import cp_model

    from mentormatch.solvers import cpsat

    rows, cols = cpsat._candidate_pairs(instance)
    gains = scaling.pair_gains(instance, rows, cols)
    model = cp_model.CpModel()
    cpsat._add_pair_variables(model, rows.size)
    cpsat._add_one_mentor_per_mentee(model, rows, instance.shape[0])
    cpsat._add_mentor_capacity(model, cols, instance.pair_load(rows, cols), instance.capacity)
    cpsat._set_objective(model, gains)
    cpsat._add_hint(model, rows, cols, hint)
    wall = None if stop is None else max(0.0, stop - time.perf_counter())  # after building the model
    solver: Any = new_solver(seed=seed, wall=wall, deterministic=deterministic)
    code = solver.solve(model)
    if not found(code, solver, NAME):
        return hint, scaling.combined_high, float(solver.deterministic_time)
    chosen = np.asarray(solver.response_proto.solution, dtype=np.int64).astype(bool)
    mentor_of = np.full(instance.shape[0], -1, dtype=np.int64)
    mentor_of[rows[chosen]] = cols[chosen]
    bound = proven_bound(solver, code, int(gains[chosen].sum()), NAME)
    return mentor_of, bound, float(solver.deterministic_time)
