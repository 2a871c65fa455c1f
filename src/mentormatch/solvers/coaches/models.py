"""The coach tier's CP-SAT models, built in labelled stages (data → variables → constraints → objective → solve
→ read out), and the choice between them (:func:`new_model`):

* :class:`TripleModel`, one Boolean per (mentee, mentor, coach) triple: a far tighter LP relaxation, used up to
  :attr:`CoachOptions.strong_triples` triples;
* :class:`PairModel`, one Boolean per (mentee, mentor) pair, with y[j, c] per mentor and eligible coach and z[j, c]
  per mentor and coach with a case-load limit (the formulation in :mod:`mentormatch.solvers.coaches`).

Both hold the candidate pairs they are given (:mod:`mentormatch.solvers.coaches.pairs`), take a warm start, and
return an :class:`Answer` with CP-SAT's bound. Without a continuity tier the triple model is solved one tier at a
time after a share of its time on the combined objective (:func:`_solve_tiers`: Σ priority proven first, then Σ S
under it), which proves far sooner than the combined coefficients alone. Parameters, limits and status mapping
are :mod:`mentormatch.solvers._cpsat`'s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from mentormatch.problem import CoachTier, Instance, Status
from mentormatch.solvers._cpsat import found, new_solver, proven_bound, search_limits, status_of
from mentormatch.solvers._scaling import FLOAT_EXACT, Scaling
from mentormatch.solvers.coaches.options import CoachOptions

__all__ = ["Answer", "PairModel", "TripleModel", "new_model"]


@dataclass(frozen=True)
class Answer:
    """What a model's search found: ``found`` False (stopped before any answer) leaves the arrays all −1;
    ``gain`` is Σ gain of the answer, ``bound`` CP-SAT's bound on it (None without an answer)."""

    found: bool
    mentor_of: np.ndarray
    coach_of: np.ndarray
    gain: int
    bound: int | None


class PairModel:
    """The coach model over candidate pairs ``(rows[k], cols[k])`` (row-major), built in labelled stages. Up to
    ``pair_links`` pairs the specialism link is written per pair (a tighter LP), beyond per (mentor, mentee type)
    group (:attr:`CoachOptions.pair_links`)."""

    def __init__(
        self,
        instance: Instance,
        tier: CoachTier,
        scaling: Scaling,
        rows: np.ndarray,
        cols: np.ndarray,
        *,
        pair_links: int,
    ) -> None:
        from ortools.sat.python import cp_model

        scaling.require(FLOAT_EXACT, "CP-SAT's float64 objective bound")
        self.instance, self.tier, self.scaling = instance, tier, scaling
        n, m = instance.shape
        # --- data
        order = np.lexsort((cols, rows))
        self.rows = np.asarray(rows, np.int64)[order]
        self.cols = np.asarray(cols, np.int64)[order]
        self.gains = scaling.pair_gains(instance, self.rows, self.cols)
        self.loads = instance.pair_load(self.rows, self.cols)
        self.types = tier.mentee_type[self.rows]
        p = self.rows.size
        self.model = model = cp_model.CpModel()

        # --- variables: x[k] are proto variables 0..p-1; then y[j, c], then z[j, c]
        if p:
            model.proto.merge_text_format("variables { domain: [0, 1] }\n" * p)
        by_mentor = np.argsort(self.cols, kind="stable")
        starts = np.searchsorted(self.cols[by_mentor], np.arange(m + 1))
        self.mentors = np.flatnonzero(np.diff(starts) > 0).tolist()
        self.y: dict[int, dict[int, Any]] = {}
        mentor_types = {}
        for j in self.mentors:
            pairs = by_mentor[starts[j] : starts[j + 1]]
            present = np.unique(self.types[pairs])
            mentor_types[j] = (pairs, present)
            coaches = np.flatnonzero(tier.eligible[j] & tier.cover[:, present].any(axis=1))
            self.y[j] = {int(c): model.new_bool_var(f"y_{j}_{c}") for c in coaches}

        # --- constraints: each mentee at most once
        row_starts = np.searchsorted(self.rows, np.arange(n + 1))
        for i in np.flatnonzero(np.diff(row_starts) > 1):
            model.proto.constraints.add().at_most_one.literals.extend(range(int(row_starts[i]), int(row_starts[i + 1])))
        per_pair = p <= pair_links
        limited = np.flatnonzero(tier.max_mentees < n)
        z_of_coach: dict[int, list[Any]] = {int(c): [] for c in limited}
        for j in self.mentors:
            pairs, present = mentor_types[j]
            ys = self.y[j]
            x_vars = [model.get_bool_var_from_proto_index(int(k)) for k in pairs]
            # one coach per mentor
            if len(ys) > 1:
                model.add_at_most_one(ys.values())
            # capacity, and only a supervised mentor takes mentees
            loads = self.loads[pairs]
            model.add(
                sum(int(a) * v for a, v in zip(loads, x_vars, strict=True))
                <= int(instance.capacity[j]) * sum(ys.values())
            )
            # specialisms: each mentee's type is covered by the mentor's coach (per pair: also a tighter link)
            pair_types = self.types[pairs]
            for t in present:
                covering = [v for c, v in ys.items() if tier.cover[c, t]]
                group = [v for v, tk in zip(x_vars, pair_types, strict=True) if tk == t]
                if per_pair:
                    for v in group:
                        model.add(v <= sum(covering))
                elif len(covering) < len(ys):
                    reach_t = min(len(group), int(instance.capacity[j]) // max(1, int(loads.min())))
                    model.add(sum(group) <= reach_t * sum(covering))
            # case-load: z[j, c] ≥ (j's mentee count) when c supervises j
            reach = min(len(pairs), int(instance.capacity[j]) // max(1, int(loads.min())))
            count = sum(x_vars)
            for c, yc in ys.items():
                if c in z_of_coach and reach > 0:
                    z = model.new_int_var(0, reach, f"z_{j}_{c}")
                    model.add(z <= reach * yc)
                    model.add(count - z + reach * yc <= reach)
                    z_of_coach[c].append(z)
        # max mentors and case-loads per coach
        for c in range(tier.n_coaches):
            supervised = [self.y[j][c] for j in self.mentors if c in self.y[j]]
            if len(supervised) > tier.max_mentors[c]:
                model.add(sum(supervised) <= int(tier.max_mentors[c]))
        for c, zs in z_of_coach.items():
            if zs:
                model.add(sum(zs) <= int(tier.max_mentees[c]))

        # --- objective: maximise Σ gain · x (the proto minimises: negated, scaling_factor −1)
        objective = model.proto.objective
        objective.vars.extend(range(p))
        objective.coeffs.extend((-self.gains).tolist())
        objective.scaling_factor = -1.0

    def solve(
        self,
        time_limit: float | None,
        seed: int,
        hint: tuple[np.ndarray, np.ndarray] | None = None,
        wall: float | None = None,
    ) -> Answer:
        """Run CP-SAT (``time_limit`` in deterministic units; the wall clock as a safety net, at most ``wall``
        seconds when given) and read the answer."""
        n, m = self.instance.shape
        # --- warm start: the hint's pairs and coaches
        if hint is not None:
            mentor_of, coach_of = hint
            proto_hint = self.model.proto.solution_hint
            proto_hint.vars.extend(range(self.rows.size))
            proto_hint.values.extend((mentor_of[self.rows] == self.cols).astype(np.int64).tolist())
            for j, ys in self.y.items():
                for c, v in ys.items():
                    self.model.add_hint(v, bool(coach_of[j] == c))
        # --- solve (in one stage: on these larger models the tiers of :func:`_solve_tiers` do not prove either,
        # and the priority-only stage measured worse answers: 1000 × 250 × 20 ``binding`` seed 2, 16 priority
        # points short of the combined objective's answer)
        solver, code = _run_cpsat(self.model, time_limit, seed, wall)
        # --- read out: the chosen pairs (proto variables 0..p-1) and each mentor's coach
        mentor_of = np.full(n, -1, dtype=np.int64)
        coach_of = np.full(m, -1, dtype=np.int64)
        if not _found(solver, code):
            return Answer(False, mentor_of, coach_of, 0, None)
        chosen = np.asarray(solver.response_proto.solution, dtype=np.int64)[: self.rows.size].astype(bool)
        mentor_of[self.rows[chosen]] = self.cols[chosen]
        for j, ys in self.y.items():
            for c, v in ys.items():
                if solver.boolean_value(v):
                    coach_of[j] = c
        gain = int(self.gains[chosen].sum())
        return Answer(True, mentor_of, coach_of, gain, _proven_bound(solver, code, gain))


class TripleModel:
    """The coach model with one Boolean per (mentee, mentor, coach) triple instead of per pair: w[i, j, c] ≤ y[j, c]
    for every triple makes its LP relaxation far tighter (on the bundled 200 × 50 × 5 ``coaches-binding`` roster,
    with the combined objective in one stage, CP-SAT's bound after 60 s was 223 priority points against 249 with one
    Boolean per pair; the optimum is 221, which the two stages of :func:`_solve_tiers` prove in about 20 s).
    Used for every model up to :attr:`CoachOptions.strong_triples` triples. Same interface as :class:`PairModel`."""

    def __init__(
        self, instance: Instance, tier: CoachTier, scaling: Scaling, rows: np.ndarray, cols: np.ndarray
    ) -> None:
        from ortools.sat.python import cp_model

        scaling.require(FLOAT_EXACT, "CP-SAT's float64 objective bound")
        self.instance, self.tier, self.scaling = instance, tier, scaling
        n, m = instance.shape
        k = tier.n_coaches
        # --- data: triples (pair, coach) with the coach eligible for the mentor and covering the mentee's type
        rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
        fits = tier.eligible[cols] & tier.cover[:, tier.mentee_type[rows]].T  # (pairs, k)
        pair, coach = np.nonzero(fits)
        self.rows, self.cols, self.coach = rows[pair], cols[pair], coach.astype(np.int64)
        self.gains = scaling.pair_gains(instance, self.rows, self.cols)
        loads = instance.pair_load(self.rows, self.cols)
        t = self.rows.size
        y_key = np.unique(self.cols * k + self.coach)
        self.y_mentor, self.y_coach = np.divmod(y_key, k)
        y_of = t + np.searchsorted(y_key, self.cols * k + self.coach)  # proto index of each triple's y
        self.model = model = cp_model.CpModel()
        proto = model.proto

        # --- variables: w[0..t-1] per triple, then y per (mentor, coach)
        proto.merge_text_format("variables { domain: [0, 1] }\n" * (t + y_key.size))
        # --- constraints: each mentee at most once
        order = np.argsort(self.rows, kind="stable")
        starts = np.searchsorted(self.rows[order], np.arange(n + 1))
        for i in np.flatnonzero(np.diff(starts) > 1):
            proto.constraints.add().at_most_one.literals.extend(order[starts[i] : starts[i + 1]].tolist())
        # w[i, j, c] ≤ y[j, c]: only a supervised mentor takes mentees, and only types its coach covers
        for w, y in zip(range(t), y_of.tolist(), strict=True):
            linear = proto.constraints.add().linear
            linear.vars.extend([w, y])
            linear.coeffs.extend([1, -1])
            linear.domain.extend([-1, 0])
        # capacity: Σ load · w[·, j, c] ≤ cap[j] · y[j, c]
        by_y = np.argsort(y_of, kind="stable")
        y_starts = np.searchsorted(y_of[by_y], t + np.arange(y_key.size + 1))
        for y in range(y_key.size):
            members = by_y[y_starts[y] : y_starts[y + 1]]
            j = int(self.y_mentor[y])
            if loads[members].sum() <= instance.capacity[j]:
                continue
            linear = proto.constraints.add().linear
            linear.vars.extend(members.tolist() + [t + y])
            linear.coeffs.extend(loads[members].tolist() + [-int(instance.capacity[j])])
            linear.domain.extend([-(2**40), 0])
        # one coach per mentor
        mentor_starts = np.searchsorted(self.y_mentor, np.arange(m + 1))
        for j in np.flatnonzero(np.diff(mentor_starts) > 1).tolist():
            proto.constraints.add().at_most_one.literals.extend(
                range(t + int(mentor_starts[j]), t + int(mentor_starts[j + 1]))
            )
        # max mentors and case-load per coach
        for c in range(k):
            ys = t + np.flatnonzero(self.y_coach == c)
            if ys.size > tier.max_mentors[c]:
                linear = proto.constraints.add().linear
                linear.vars.extend(ys.tolist())
                linear.coeffs.extend([1] * ys.size)
                linear.domain.extend([0, int(tier.max_mentors[c])])
            ws = np.flatnonzero(self.coach == c)
            if ws.size > tier.max_mentees[c]:
                linear = proto.constraints.add().linear
                linear.vars.extend(ws.tolist())
                linear.coeffs.extend([1] * ws.size)
                linear.domain.extend([0, int(tier.max_mentees[c])])
        # --- objective: maximise Σ gain · w
        proto.objective.vars.extend(range(t))
        proto.objective.coeffs.extend((-self.gains).tolist())
        proto.objective.scaling_factor = -1.0

    def solve(
        self,
        time_limit: float | None,
        seed: int,
        hint: tuple[np.ndarray, np.ndarray] | None = None,
        wall: float | None = None,
    ) -> Answer:
        """Run CP-SAT (``time_limit`` in deterministic units; the wall clock as a safety net, at most ``wall``
        seconds when given) and read the answer."""
        n, m = self.instance.shape
        t = self.rows.size
        # --- warm start: the hint's triples and (mentor, coach) choices
        if hint is not None:
            mentor_of, coach_of = hint
            w = (mentor_of[self.rows] == self.cols) & (coach_of[self.cols] == self.coach)
            y = coach_of[self.y_mentor] == self.y_coach
            self.model.proto.solution_hint.vars.extend(range(t + self.y_mentor.size))
            self.model.proto.solution_hint.values.extend(np.concatenate([w, y]).astype(np.int64).tolist())
        # --- solve
        solver, code, bound = _solve_tiers(
            self.model, self.instance, self.scaling, self.rows, self.gains, time_limit, seed, wall
        )
        # --- read out: the chosen triples (proto variables 0..t-1) give the pairs and the coaches
        mentor_of = np.full(n, -1, dtype=np.int64)
        coach_of = np.full(m, -1, dtype=np.int64)
        if not _found(solver, code):
            return Answer(False, mentor_of, coach_of, 0, None)
        values = np.asarray(solver.response_proto.solution, dtype=np.int64).astype(bool)
        chosen = values[:t]
        mentor_of[self.rows[chosen]] = self.cols[chosen]
        coach_of[self.cols[chosen]] = self.coach[chosen]
        return Answer(True, mentor_of, coach_of, int(self.gains[chosen].sum()), bound)


def new_model(
    instance: Instance,
    tier: CoachTier,
    scaling: Scaling,
    rows: np.ndarray,
    cols: np.ndarray,
    options: CoachOptions,
) -> TripleModel | PairModel:
    """The coach model over the candidate pairs ``(rows, cols)``: the triple model (a Boolean per triple) up to
    ``options.strong_triples`` triples, else the pair model."""
    triples = int((tier.eligible[cols] & tier.cover[:, tier.mentee_type[rows]].T).sum()) if rows.size else 0
    if triples <= options.strong_triples:
        return TripleModel(instance, tier, scaling, rows, cols)
    return PairModel(instance, tier, scaling, rows, cols, pair_links=options.pair_links)


def _run_cpsat(model: Any, time_limit: float | None, seed: int, wall_left: float | None = None) -> tuple[Any, Any]:
    """Solve ``model`` with :data:`mentormatch.solvers._cpsat.PARAMETERS`, ``time_limit`` in deterministic units
    (the wall clock as a safety net, :data:`mentormatch.solvers._cpsat.WALL_SAFETY`, and at most ``wall_left``
    seconds: what is left of the caller's time limit); returns (solver, status)."""
    wall, deterministic = search_limits(time_limit)
    if wall_left is not None:
        wall = wall_left if wall is None else min(wall, wall_left)
    solver = new_solver(seed=seed, wall=wall, deterministic=deterministic)
    return solver, solver.solve(model)


COMBINED_SHARE = 0.3
"""Share of a coach model's time limit spent on the combined objective before the two stages of
:func:`_solve_tiers` (200 × 50 × 5 ``hard``: seeds 1 and 2 prove there, seed 0 only in stages)."""


def _solve_tiers(
    model: Any,
    instance: Instance,
    scaling: Scaling,
    rows: np.ndarray,
    gains: np.ndarray,
    time_limit: float | None,
    seed: int,
    wall: float | None,
) -> tuple[Any, Any, int | None]:
    """Solve ``model`` (its objective: maximise Σ ``gains`` · x over proto variables ``0..len(rows)-1``, mentee
    ``rows[k]`` each) one tier at a time where it can; return (solver holding the best answer, its status, the
    bound on Σ gain; None when no stage found an answer).

    Without a continuity tier the gain is ``priority · big + w_int``. With a time limit, the combined objective
    first gets :data:`COMBINED_SHARE` of it (it proves the easy models soonest; its answer becomes the hint). Where
    that does not prove, CP-SAT proves far faster in two stages than on the combined coefficients (200 × 50 × 5
    ``hard`` seed 0: Σ priority in 5.6 and Σ S in 11 deterministic seconds, where the one-stage model had not
    proven Σ priority after 60): (1) maximise Σ priority; once that is proven (P*), (2) require it and maximise
    Σ w_int from the better start, with the deterministic time left. Every stage's bound holds for every answer:
    the combined one, ``P_bound · big + weight_high`` after stage 1 (it decodes to P_bound on Σ priority and to
    no bound on Σ S), ``P* · big + `` stage 2's bound after stage 2; the tightest is reported, for the best
    answer found in any stage. With a continuity tier the combined model is solved in one stage, as before.
    """
    n_vars = rows.size

    def answer(solver: Any) -> np.ndarray:
        return np.asarray(list(solver.response_proto.solution), dtype=np.int64)[:n_vars].astype(bool)

    if scaling.keep_tier is not None or scaling.weight_multiplier != 1 or n_vars == 0:
        solver, code = _run_cpsat(model, time_limit, seed, wall)
        found = _found(solver, code)
        return solver, code, _proven_bound(solver, code, int(gains[answer(solver)].sum())) if found else None
    proto = model.proto
    priority = instance.priority[rows].astype(np.int64)
    weights = gains - priority * np.int64(scaling.big)
    began = time.perf_counter()
    used = 0.0  # deterministic time spent
    held: tuple[Any, Any, int] | None = None  # the best answer so far: (solver, status, its Σ gain)
    bound: int | None = None  # on every answer's Σ gain

    def keep(solver: Any, code: Any) -> None:
        nonlocal held
        gain = int(gains[answer(solver)].sum())
        if held is None or gain > held[2]:
            held = solver, code, gain

    def result() -> tuple[Any, Any, int | None]:
        assert held is not None  # called once an answer is held
        solver, code, gain = held
        return solver, code, gain if bound is None else max(gain, bound)

    def left() -> tuple[float | None, float | None]:
        return (
            None if time_limit is None else time_limit - used,
            None if wall is None else wall - (time.perf_counter() - began),
        )

    def spent(limits: tuple[float | None, float | None]) -> bool:
        return any(limit is not None and limit <= 0 for limit in limits)

    if time_limit is not None:
        # --- stage 0: the combined objective for a share of the time (it proves the easy models soonest)
        combined, code = _run_cpsat(model, COMBINED_SHARE * time_limit, seed, wall)
        used += combined.deterministic_time
        if _found(combined, code):
            gain = int(gains[answer(combined)].sum())
            proven = _proven_bound(combined, code, gain)
            if proven == gain:
                return combined, code, gain
            keep(combined, code)
            bound = proven
            _set_hint(proto, list(combined.response_proto.solution))
    # --- stage 1: Σ priority alone
    limits = left()
    if spent(limits) and held is not None:
        return result()
    proto.objective.coeffs.clear()
    proto.objective.coeffs.extend((-priority).tolist())
    first, code = _run_cpsat(model, limits[0], seed, limits[1])
    used += first.deterministic_time
    if not _found(first, code):
        return result() if held is not None else (first, code, None)
    x_first = answer(first)
    best = _proven_bound(first, code, int(priority[x_first].sum()))  # a bound on Σ priority
    bound = _tier_bound(scaling, best) if bound is None else min(bound, _tier_bound(scaling, best))
    keep(first, code)
    limits = left()
    if status_of(code, first, "coaches: CP-SAT") is not Status.OPTIMAL or spent(limits):
        return result()
    # --- stage 2: Σ priority held at its optimum, Σ w_int maximised from the better start: stage 1's answer, or
    # the answer held, when that reaches the optimal Σ priority with more Σ w_int
    linear = proto.constraints.add().linear
    linear.vars.extend(range(n_vars))
    linear.coeffs.extend(priority.tolist())
    linear.domain.extend([best, int(priority.sum())])
    proto.objective.coeffs.clear()
    proto.objective.coeffs.extend((-weights).tolist())
    x_hint = np.zeros(n_vars, dtype=bool)
    hint_vars = np.asarray(list(proto.solution_hint.vars), dtype=np.int64)
    hint_values = np.asarray(list(proto.solution_hint.values), dtype=np.int64)
    in_x = hint_vars < n_vars
    x_hint[hint_vars[in_x]] = hint_values[in_x] > 0
    if not (int(priority[x_hint].sum()) >= best and int(weights[x_hint].sum()) > int(weights[x_first].sum())):
        _set_hint(proto, list(first.response_proto.solution))
    second, code2 = _run_cpsat(model, limits[0], seed, limits[1])
    if _found(second, code2):
        w_bound = _proven_bound(second, code2, int(weights[answer(second)].sum()))
        bound = min(bound, best * scaling.big + w_bound)
        keep(second, code2)
    return result()


def _set_hint(proto: Any, solution: list[int]) -> None:
    """Replace the model's hint by a full solution (every proto variable)."""
    proto.solution_hint.vars.clear()
    proto.solution_hint.values.clear()
    proto.solution_hint.vars.extend(range(len(solution)))
    proto.solution_hint.values.extend(solution)


def _tier_bound(scaling: Scaling, priority_bound: int) -> int:
    """A bound on Σ gain from a bound on Σ priority alone: ``priority_bound · big + weight_high``."""
    return int(priority_bound) * scaling.big + int(scaling.weight_high)


def _found(solver: Any, code: Any) -> bool:
    """True when CP-SAT has an answer; False when stopped before one. Any other status is a bug: the empty
    matching satisfies every coach model."""
    return found(code, solver, "coaches: CP-SAT")


def _proven_bound(solver: Any, code: Any, gain: int) -> int:
    """CP-SAT's bound on Σ gain (integral, so floored) after checking that ``gain`` is its objective."""
    return proven_bound(solver, code, gain, "coaches")
