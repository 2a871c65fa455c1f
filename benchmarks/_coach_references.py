"""Two reference solvers for the coach tier, written from the rules alone, for :mod:`coach_grid`.

Both take the arrays of a :class:`mentormatch.problem.Problem` with coaches (``problem.instance()`` and
``problem.coaches``) and solve the same problem as ``mentormatch.solve``: maximise Σ priority over matched mentees,
then Σ score, each mentee at most once, each mentor's workload within capacity, and every mentor who gets a mentee
supervised by one eligible coach who covers all of that mentor's mentees' types, within the coach's mentor and
mentee limits (PRODUCT.md section 4, "With coaches"). Languages, fixed coaches and "nobody supervises themselves"
are in ``CoachTier.eligible``.

The data (:func:`coach_data`)
    Candidate pairs are the allowed pairs (i, j) for which mentor j's capacity holds mentee i's load and some coach
    eligible for mentor j covers mentee i's type (any other pair is forced to 0 by the rules below; dropping it is
    a presolve, the library's own). The objective is one integer gain per pair,
    ``priority[i] · BIG + rint(score[i, j] · scale)`` with ``scale = 10⁶ / max |score|`` over the candidate pairs
    and ``BIG = Σ_i max_j w_int − Σ_i min(0, min_j w_int) + 1``, larger than any change in Σ w_int, so that one
    priority point outweighs any scores. This is computed here, not taken from ``mentormatch.solvers._scaling``
    (:mod:`coach_grid` checks that the two agree, so integer gains compare exactly).

:func:`solve_milp`: scipy's HiGHS (``scipy.optimize.milp``), the direct formulation of SOLVER_NOTES::

    x[k]    binary, candidate pair k = (i, j)      y[e]  binary, eligible (mentor j, coach c)
    z[e]    continuous in [0, U_j], for coaches with a case-load limit: j's mentee count when c supervises j

    maximise   Σ_k gain[k] · x[k]
    subject to Σ_j x[i, j] ≤ 1                                 each mentee at most once
               Σ_c y[j, c] ≤ 1                                 one coach per mentor
               Σ_i load[i] · x[i, j] ≤ cap[j] · Σ_c y[j, c]    capacity; only a supervised mentor takes mentees
               x[i, j] ≤ Σ_{c covers type(i)} y[j, c]          specialisms, per pair
               Σ_j y[j, c] ≤ max_mentors[c]
               z[j, c] ≥ Σ_i x[i, j] − U_j · (1 − y[j, c])     U_j = min(candidate pairs of j, cap[j] // min load)
               Σ_j z[j, c] ≤ max_mentees[c]                     case-load (a count of mentees)

``z`` may be continuous: at integer x and y its smallest value is the integer ``max(0, count − U_j (1 − y))``.
The matrix is built as COO arrays with numpy (no Python loop over pairs), ``mip_rel_gap=0``.

:func:`solve_cpsat`: CP-SAT on the compact model of SOLVER_NOTES, 2 workers, default parameters otherwise::

    x[k], y[j, c] Booleans as above; w[j, t] Boolean per mentor and mentee type among its candidate pairs
    Σ_j x[i, j] ≤ 1;  Σ_c y[j, c] ≤ 1;  Σ_i load · x[i, j] ≤ cap[j] · Σ_c y[j, c]
    w[j, t] = Σ_{c covers t} y[j, c]                           the mentor's coach covers type t
    ¬w[j, t] ⇒ x[i, j] = 0 for every mentee i of type t        (x[i, j] ⇒ w[j, type(i)], one bool_and per group)
    Σ_j y[j, c] ≤ max_mentors[c]
    y[j, c] ⇒ l[j, c] ≥ Σ_i x[i, j],  l[j, c] ∈ [0, U_j]       per-(mentor, coach) integer loads
    Σ_j l[j, c] ≤ max_mentees[c]

The proto is written directly (one constraint per mentee, mentor, (mentor, type) or (mentor, coach); variable
lists from numpy slices). Each solver returns a :class:`Reference` with the answer as index arrays, its integer
gain and the solver's proven upper bound on Σ gain; :mod:`coach_grid` turns them into Σ priority and Σ score.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CoachData",
    "MilpModel",
    "Reference",
    "coach_data",
    "milp_model",
    "solve_milp",
    "solve_cpsat",
    "answer_gain",
    "check_answer",
]

MAX_SCALED = 10**6
"""The largest score is scaled to this integer (the library's resolution, 10⁻⁶ of the largest score)."""


@dataclass(frozen=True)
class CoachData:
    """One coach problem as flat arrays: candidate pairs (row-major) and eligible (mentor, coach) pairs."""

    n: int
    m: int
    k: int
    rows: np.ndarray
    """(p,) mentee of each candidate pair."""
    cols: np.ndarray
    """(p,) mentor of each candidate pair."""
    gain: np.ndarray
    """(p,) int64 ``priority · big + rint(score · scale)``."""
    pair_load: np.ndarray
    pair_type: np.ndarray
    y_mentor: np.ndarray
    """(q,) mentor of each eligible (mentor, coach) pair, sorted by mentor then coach."""
    y_coach: np.ndarray
    capacity: np.ndarray
    reach: np.ndarray
    """(m,) U_j: the most mentees mentor j can take (≤ candidate pairs, ≤ capacity // smallest load)."""
    cover: np.ndarray
    max_mentors: np.ndarray
    max_mentees: np.ndarray
    scale: float
    big: int
    weight_low: int
    weight_high: int
    max_matched: int
    """An upper bound on the number of pairs in any answer (for the rounding slack of a score bound)."""
    priority_total: int
    """Σ priority over mentees with a candidate pair: a trivial bound on Σ priority."""

    @property
    def pairs(self) -> int:
        return int(self.rows.size)

    @property
    def limited(self) -> np.ndarray:
        """(K,) bool: coaches with a case-load limit below the number of mentees."""
        return self.max_mentees < self.n

    def weights_int(self, score: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(score, dtype=np.float64) * self.scale).astype(np.int64)

    def split(self, gain_bound: float, priority_found: int) -> tuple[int, float | None]:
        """(Σ priority bound, Σ score bound or None) from an upper bound on Σ gain (as ``Scaling.split_bound``,
        plus the rounding slack of ``max_matched`` pairs on the score bound)."""
        combined = math.floor(gain_bound + 1e-9 * abs(gain_bound))
        priority_bound = max(priority_found, min(self.priority_total, (combined - self.weight_low) // self.big))
        if priority_bound != priority_found:
            return int(priority_bound), None
        weight = min(self.weight_high, combined - priority_found * self.big)
        return int(priority_bound), (weight + self.max_matched * 0.5) / self.scale


def coach_data(instance, tier) -> CoachData:
    """The candidate pairs, gains and coach arrays of ``instance`` (maximising) under ``tier``."""
    n, m = instance.shape
    k = int(tier.cover.shape[0])
    cover = np.asarray(tier.cover, dtype=bool)
    eligible = np.asarray(tier.eligible, dtype=bool)
    mentee_type = np.asarray(tier.mentee_type, dtype=np.int64)
    # a pair is a candidate when it is allowed, the mentor can hold the mentee's load, and an eligible coach of the
    # mentor covers the mentee's type
    mentor_types = (eligible.astype(np.int32) @ cover.astype(np.int32)) > 0  # (m, T)
    load = np.asarray(instance.load, dtype=np.int64)
    capacity = np.asarray(instance.capacity, dtype=np.int64)
    fits = (load if load.ndim == 2 else load[:, None]) <= capacity[None, :]
    candidate = np.asarray(instance.allowed, dtype=bool) & mentor_types[:, mentee_type].T & fits
    rows, cols = np.nonzero(candidate)  # row-major
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    score = np.asarray(instance.weights)[rows, cols].astype(np.float64)

    # the integer gains (priority first): scale the largest |score| to 10⁶, BIG above any change in Σ w_int
    largest = float(np.abs(score).max(initial=0.0))
    scale = MAX_SCALED / largest if largest > 0 else 1.0
    w_int = np.rint(score * scale).astype(np.int64)
    row_high = np.zeros(n, np.int64)
    row_low = np.zeros(n, np.int64)
    np.maximum.at(row_high, rows, w_int)
    np.minimum.at(row_low, rows, w_int)
    weight_high, weight_low = int(row_high.sum()), int(row_low.sum())
    big = weight_high - weight_low + 1
    priority = np.asarray(instance.priority, dtype=np.int64)
    gain = priority[rows] * big + w_int

    pair_load = load[rows, cols] if load.ndim == 2 else load[rows]
    degree = np.bincount(cols, minlength=m)
    smallest = np.full(m, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(smallest, cols, pair_load)
    reach = np.where(degree > 0, np.minimum(degree, capacity // np.maximum(smallest, 1)), 0)
    y_mentor, y_coach = np.nonzero(eligible)  # sorted by mentor, then coach
    with_pair = np.unique(rows)
    max_matched = min(int(with_pair.size), int(np.minimum(capacity, n).sum()))
    return CoachData(
        n=n, m=m, k=k, rows=rows, cols=cols, gain=gain, pair_load=pair_load, pair_type=mentee_type[rows],
        y_mentor=y_mentor.astype(np.int64), y_coach=y_coach.astype(np.int64), capacity=capacity,
        reach=reach.astype(np.int64), cover=cover, max_mentors=np.asarray(tier.max_mentors, np.int64),
        max_mentees=np.asarray(tier.max_mentees, np.int64), scale=scale, big=int(big), weight_low=weight_low,
        weight_high=weight_high, max_matched=max_matched, priority_total=int(priority[with_pair].sum()),
    )  # fmt: skip


@dataclass(frozen=True)
class Reference:
    """A reference solver's answer: index arrays, Σ gain, the proven bound on Σ gain, the solver's status."""

    status: str
    """``optimal``, ``feasible`` (stopped by the time limit with an answer) or ``no_solution``."""
    mentor_of: np.ndarray
    coach_of: np.ndarray
    gain: int | None
    gain_bound: float | None
    seconds: float
    """Model building and solving."""
    detail: str = ""


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups g with ``counts[g]`` members from ``starts[g]``: (group of each member, member index)."""
    group = np.repeat(np.arange(counts.size), counts)
    offsets = np.arange(group.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return group, np.repeat(starts, counts) + offsets


def _covering_links(d: CoachData) -> tuple[np.ndarray, np.ndarray]:
    """(pair k, eligible pair e) for every e = (j, c) of pair k's mentor j whose coach c covers k's type."""
    y_ptr = np.searchsorted(d.y_mentor, np.arange(d.m + 1))
    counts = np.diff(y_ptr)[d.cols]
    pair, e = _expand(y_ptr[d.cols], counts)
    keep = d.cover[d.y_coach[e], d.pair_type[pair]]
    return pair[keep], e[keep]


def _mentor_pairs(d: CoachData) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): candidate pairs sorted by mentor, and each mentor's first position in that order."""
    order = np.argsort(d.cols, kind="stable")
    return order, np.searchsorted(d.cols[order], np.arange(d.m + 1))


def _read_out(d: CoachData, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mentor_of, coach_of) from 0/1 vectors over the pairs and the eligible pairs; unused mentors get no coach."""
    mentor_of = np.full(d.n, -1, np.int64)
    mentor_of[d.rows[x]] = d.cols[x]
    coach_of = np.full(d.m, -1, np.int64)
    coach_of[d.y_mentor[y]] = d.y_coach[y]
    used = np.bincount(mentor_of[mentor_of >= 0], minlength=d.m) > 0
    coach_of[~used] = -1
    return mentor_of, coach_of


@dataclass(frozen=True)
class MilpModel:
    """The direct formulation as arrays: maximise −cost · v subject to matrix · v ≤ upper, low ≤ v ≤ high."""

    cost: np.ndarray
    matrix: object
    """scipy.sparse CSR array."""
    upper: np.ndarray
    low: np.ndarray
    high: np.ndarray
    integrality: np.ndarray
    limited_e: np.ndarray
    """The eligible pairs that have a z variable (columns p + q + arange(r))."""


def milp_model(d: CoachData) -> MilpModel:
    """The direct formulation of the module docstring; columns x (p), then y (q), then z (r)."""
    import scipy.sparse as sp

    p, q = d.pairs, d.y_mentor.size
    limited_e = np.flatnonzero(d.limited[d.y_coach])  # eligible pairs whose coach has a case-load limit
    r = limited_e.size
    x_of = np.arange(p)
    y_of = p + np.arange(q)
    z_of = p + q + np.arange(r)
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, column, value) per family
    upper: list[np.ndarray] = []
    row0 = 0

    def family(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, ub: np.ndarray) -> None:
        nonlocal row0
        blocks.append((row0 + rows, cols, values.astype(np.float64)))
        upper.append(ub.astype(np.float64))
        row0 += ub.size

    ones_p, ones_q = np.ones(p), np.ones(q)
    # each mentee at most once
    family(d.rows, x_of, ones_p, np.ones(d.n))
    # one coach per mentor
    family(d.y_mentor, y_of, ones_q, np.ones(d.m))
    # capacity, and only a supervised mentor takes mentees: Σ load x − cap Σ_c y ≤ 0
    family(np.concatenate([d.cols, d.y_mentor]), np.concatenate([x_of, y_of]),
           np.concatenate([d.pair_load, -d.capacity[d.y_mentor]]), np.zeros(d.m))  # fmt: skip
    # specialisms, per pair: x[k] − Σ_{c covers type} y[j, c] ≤ 0
    pair, e = _covering_links(d)
    family(np.concatenate([x_of, pair]), np.concatenate([x_of, y_of[e]]),
           np.concatenate([ones_p, -np.ones(e.size)]), np.zeros(p))  # fmt: skip
    # max mentors per coach
    family(d.y_coach, y_of, ones_q, d.max_mentors)
    # z[j, c] ≥ Σ_i x[i, j] − U_j (1 − y[j, c]):  Σ_i x[i, j] + U_j y[j, c] − z[j, c] ≤ U_j
    order, starts = _mentor_pairs(d)
    mentor_e = d.y_mentor[limited_e]
    link, member = _expand(starts[mentor_e], np.diff(starts)[mentor_e])
    reach_e = d.reach[mentor_e]
    family(np.concatenate([link, np.arange(r), np.arange(r)]),
           np.concatenate([x_of[order[member]], y_of[limited_e], z_of]),
           np.concatenate([np.ones(link.size), reach_e, -np.ones(r)]), reach_e)  # fmt: skip
    # case-load per coach: Σ_j z[j, c] ≤ max_mentees[c] (limited coaches only)
    coach_rows = np.cumsum(d.limited) - 1
    family(coach_rows[d.y_coach[limited_e]], z_of, np.ones(r), d.max_mentees[d.limited])

    rows = np.concatenate([b[0] for b in blocks])
    cols = np.concatenate([b[1] for b in blocks])
    vals = np.concatenate([b[2] for b in blocks])
    return MilpModel(
        cost=np.concatenate([-d.gain.astype(np.float64), np.zeros(q + r)]),
        matrix=sp.csr_array((vals, (rows, cols)), shape=(row0, p + q + r)),
        upper=np.concatenate(upper),
        low=np.zeros(p + q + r),
        high=np.concatenate([np.ones(p + q), d.reach[mentor_e].astype(np.float64)]),
        integrality=np.concatenate([np.ones(p + q), np.zeros(r)]),
        limited_e=limited_e,
    )


def solve_milp(d: CoachData, time_limit: float) -> Reference:
    """The direct formulation (module docstring) with ``scipy.optimize.milp`` (HiGHS), ``mip_rel_gap=0``."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    start = time.perf_counter()
    p, q = d.pairs, d.y_mentor.size
    model = milp_model(d)
    matrix = model.matrix
    result = milp(model.cost, constraints=LinearConstraint(matrix, -np.inf, model.upper),
                  integrality=model.integrality, bounds=Bounds(model.low, model.high),
                  options={"time_limit": float(time_limit), "mip_rel_gap": 0.0})  # fmt: skip
    seconds = time.perf_counter() - start
    dual = getattr(result, "mip_dual_bound", None)
    gain_bound = None if dual is None or not np.isfinite(dual) else -float(dual)
    detail = f"{matrix.shape[0]} rows × {matrix.shape[1]} columns, {matrix.nnz} nonzeros; {result.message}"
    if result.x is None:
        empty = np.full(d.n, -1, np.int64), np.full(d.m, -1, np.int64)
        return Reference("no_solution", *empty, None, gain_bound, seconds, detail)
    x = result.x[:p] > 0.5
    y = result.x[p : p + q] > 0.5
    mentor_of, coach_of = _read_out(d, x, y)
    status = "optimal" if result.status == 0 else "feasible"
    gain = int(d.gain[x].sum())
    if status == "optimal":
        gain_bound = float(gain) if gain_bound is None else max(gain_bound, float(gain))
    return Reference(status, mentor_of, coach_of, gain, gain_bound, seconds, detail)


def solve_cpsat(d: CoachData, time_limit: float, workers: int = 2) -> Reference:
    """The compact CP-SAT model (module docstring), ``workers`` workers, default parameters otherwise."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    p, q = d.pairs, d.y_mentor.size
    model = cp_model.CpModel()
    proto = model.proto
    unbounded = 2**62

    def new_vars(count: int, high: int = 1) -> np.ndarray:
        first = len(proto.variables)
        if count:
            proto.merge_text_format(f"variables {{ domain: [0, {int(high)}] }}\n" * count)
        return first + np.arange(count)

    def linear(variables: np.ndarray, coeffs: np.ndarray, low: int, high: int, enforce: int | None = None) -> None:
        ct = proto.constraints.add()
        if enforce is not None:
            ct.enforcement_literal.append(int(enforce))
        ct.linear.vars.extend(np.asarray(variables, np.int64).tolist())
        ct.linear.coeffs.extend(np.asarray(coeffs, np.int64).tolist())
        ct.linear.domain.extend([int(low), int(high)])

    # --- variables: x per candidate pair (proto indices 0..p-1), y per eligible (mentor, coach); w and l below
    x = new_vars(p)
    y = new_vars(q)
    order, starts = _mentor_pairs(d)
    y_ptr = np.searchsorted(d.y_mentor, np.arange(d.m + 1))
    loads_of_coach: dict[int, list[int]] = {int(c): [] for c in np.flatnonzero(d.limited)}

    # --- each mentee at most once
    row_ptr = np.searchsorted(d.rows, np.arange(d.n + 1))
    for i in np.flatnonzero(np.diff(row_ptr) > 1):
        proto.constraints.add().at_most_one.literals.extend(x[row_ptr[i] : row_ptr[i + 1]].tolist())
    for j in np.flatnonzero(np.diff(starts) > 0):
        mine = order[starts[j] : starts[j + 1]]
        xs, ys = x[mine], y[y_ptr[j] : y_ptr[j + 1]]
        coaches = d.y_coach[y_ptr[j] : y_ptr[j + 1]]
        # one coach per mentor
        if ys.size > 1:
            proto.constraints.add().at_most_one.literals.extend(ys.tolist())
        # capacity, and only a supervised mentor takes mentees: Σ load x − cap Σ_c y ≤ 0
        linear(
            np.concatenate([xs, ys]),
            np.concatenate([d.pair_load[mine], np.full(ys.size, -d.capacity[j])]),
            -unbounded,
            0,
        )
        # specialisms: w[j, t] = Σ_{c covers t} y[j, c], and ¬w[j, t] ⇒ x[i, j] = 0 for each mentee i of type t
        types = d.pair_type[mine]
        for t in np.unique(types):
            (w,) = new_vars(1)
            covering = ys[d.cover[coaches, t]]
            linear(np.concatenate([[w], covering]), np.concatenate([[1], -np.ones(covering.size)]), 0, 0)
            ct = proto.constraints.add()
            ct.enforcement_literal.append(-int(w) - 1)
            ct.bool_and.literals.extend((-xs[types == t] - 1).tolist())
        # case-load: y[j, c] ⇒ l[j, c] ≥ Σ_i x[i, j], for coaches with a limit
        for e in np.flatnonzero(d.limited[coaches]):
            (load_jc,) = new_vars(1, int(d.reach[j]))
            linear(np.append(xs, load_jc), np.append(np.ones(xs.size), -1), -unbounded, 0, enforce=int(ys[e]))
            loads_of_coach[int(coaches[e])].append(int(load_jc))
    # max mentors per coach
    for c in range(d.k):
        ys = y[d.y_coach == c]
        if ys.size > d.max_mentors[c]:
            linear(ys, np.ones(ys.size), 0, int(d.max_mentors[c]))
    # case-load per coach
    for c, loads in loads_of_coach.items():
        if loads:
            linear(np.asarray(loads), np.ones(len(loads)), 0, int(d.max_mentees[c]))

    # --- objective: maximise Σ gain · x (the proto minimises: negated, scaling_factor −1)
    proto.objective.vars.extend(x.tolist())
    proto.objective.coeffs.extend((-d.gain).tolist())
    proto.objective.scaling_factor = -1.0

    # --- solve and read out
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = float(time_limit)
    code = solver.solve(model)
    seconds = time.perf_counter() - start
    detail = f"{len(proto.variables)} variables, {len(proto.constraints)} constraints; {solver.status_name(code)}"
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = solver.best_objective_bound if code == cp_model.UNKNOWN else None
        empty = np.full(d.n, -1, np.int64), np.full(d.m, -1, np.int64)
        return Reference(
            "no_solution" if code == cp_model.UNKNOWN else solver.status_name(code).lower(),
            *empty,
            None,
            bound,
            seconds,
            detail,
        )
    values = np.asarray(solver.response_proto.solution, dtype=np.int64)
    mentor_of, coach_of = _read_out(d, values[x] > 0, values[y] > 0)
    gain = int(d.gain[values[x] > 0].sum())
    status = "optimal" if code == cp_model.OPTIMAL else "feasible"
    bound = float(gain) if status == "optimal" else max(float(gain), float(solver.best_objective_bound))
    return Reference(status, mentor_of, coach_of, gain, bound, seconds, detail)


def answer_gain(d: CoachData, priority: np.ndarray, score: np.ndarray, mentor_of: np.ndarray) -> int:
    """Σ gain of any matching under ``d``'s scaling (pairs need not be candidates)."""
    rows = np.flatnonzero(mentor_of >= 0)
    values = np.asarray(score)[rows, mentor_of[rows]]
    return int((np.asarray(priority, np.int64)[rows] * d.big + d.weights_int(values)).sum())


def check_answer(instance, tier, mentor_of: np.ndarray, coach_of: np.ndarray) -> list[str]:
    """Every rule an answer breaks (indices only; empty when it keeps them all), re-derived from the arrays."""
    n, m = instance.shape
    problems = []
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    if not np.asarray(instance.allowed)[rows, cols].all():
        problems.append("a pair that is not allowed")
    load = np.asarray(instance.load)
    pair_load = load[rows, cols] if load.ndim == 2 else load[rows]
    used_load = np.bincount(cols, weights=pair_load, minlength=m)
    if (used_load > np.asarray(instance.capacity)).any():
        problems.append("a mentor over capacity")
    count = np.bincount(cols, minlength=m)
    used = count > 0
    if (coach_of[used] < 0).any():
        problems.append("a mentor with mentees but no coach")
    if (coach_of[~used] >= 0).any():
        problems.append("a mentor without mentees but with a coach")
    supervised = np.flatnonzero(used & (coach_of >= 0))
    k = tier.cover.shape[0]
    if not np.asarray(tier.eligible)[supervised, coach_of[supervised]].all():
        problems.append("a coach who may not supervise their mentor")
    pair_coach = coach_of[cols]
    ok = pair_coach >= 0
    if not np.asarray(tier.cover)[pair_coach[ok], np.asarray(tier.mentee_type)[rows[ok]]].all():
        problems.append("a mentee whose type the coach does not cover")
    mentors_per_coach = np.bincount(coach_of[supervised], minlength=k)
    mentees_per_coach = np.bincount(coach_of[supervised], weights=count[supervised], minlength=k)
    if (mentors_per_coach > tier.max_mentors).any():
        problems.append("a coach over max_mentors")
    if (mentees_per_coach > tier.max_mentees).any():
        problems.append("a coach over max_mentees")
    return problems
