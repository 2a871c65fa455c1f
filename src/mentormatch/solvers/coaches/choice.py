"""Coach choice with flow re-solves (step 2b of the coach tier, unit workloads): choose a coach for every mentor,
re-solve the whole matching exactly through the chosen coaches, and repeat from the new answer.

Once every mentor's coach is fixed, what is left is a min-cost flow (SOLVER_NOTES, "Coach supervision")::

    mentee i ──(cap 1, cost −gain[i, j])──> mentor j ──(cap capacity[j])──> coach c(j) ──(cap max_mentees[c])──> sink
    mentee i ──(cap 1, cost 0)─────────────────────────────────────────────────────────────────────────────> sink

with a pair arc only where c(j) covers mentee i's type: :func:`flow_through` solves it over every candidate pair,
so for the chosen coaches its answer is optimal (``max_mentors`` holds by the choice, one coach per mentor by
construction, and the case-loads are the coach arcs' capacities). Unlike supervising a fixed answer, the flow moves
mentees to where the chosen coaches can take them: at 5000 × 1000 × 60 ``binding`` it recovers more than half of
what greedy supervision of the coach-free answer drops, in a few seconds.

The choice, per round (:func:`choose_and_flow`): greedy supervision of the current answer
(:func:`~mentormatch.solvers.coaches.greedy.greedy_supervision`), then coaches for the mentors it left without one
(:func:`free_places`: a free place, or one freed by moving a supervised mentor to a coach who keeps all its
mentees), then the places still left (:func:`spare_places`), so that the flow can use every mentor with capacity;
then a local search that balances the choice (:func:`balance_coaches`: relocate a mentor or swap two mentors'
coaches while that lowers the mentor capacity a coach's case-load cannot hold plus the priority of the mentees
whose type the coach does not cover). When capacity is scarce every unit of it counts, and a case-load that cannot
hold its mentors' capacity loses mentees in the flow: balancing is what reaches the coverable bound at
5000 × 1000 × 60 ``binding`` (greedy choice and flow alone end 113 priority points short, greedy supervision of
the fixed answer 268).
Rounds start from the coach-free answer and stop when a round gains nothing, the answer reaches the coach-free bound,
or after :attr:`CoachOptions.choice_rounds` rounds: decided by counts, so reruns are identical; the wall clock only
keeps a round from starting past the caller's deadline.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mentormatch.problem import CoachTier, Instance
from mentormatch.solvers._common import Clock, SolverBug, iter_candidate_blocks
from mentormatch.solvers._network import solve_arcs
from mentormatch.solvers._scaling import INT64_HEADROOM, Scaling
from mentormatch.solvers.coaches.greedy import greedy_supervision
from mentormatch.solvers.coaches.options import CoachOptions

__all__ = [
    "PairTable",
    "pair_table",
    "flow_through",
    "free_places",
    "spare_places",
    "balance_coaches",
    "choose_and_flow",
]


@dataclass(frozen=True)
class PairTable:
    """Every candidate pair of an instance (row-major, int64), with its combined gain and its mentee's type."""

    rows: np.ndarray
    cols: np.ndarray
    gains: np.ndarray
    types: np.ndarray


def pair_table(instance: Instance, tier: CoachTier, scaling: Scaling) -> PairTable:
    """The candidate pairs of ``instance`` with ``scaling``'s gains."""
    blocks = [(r.astype(np.int64), c.astype(np.int64)) for r, c in iter_candidate_blocks(instance) if r.size]
    rows = np.concatenate([r for r, _ in blocks]) if blocks else np.zeros(0, np.int64)
    cols = np.concatenate([c for _, c in blocks]) if blocks else np.zeros(0, np.int64)
    gains = scaling.pair_gains(instance, rows, cols) if rows.size else np.zeros(0, np.int64)
    return PairTable(rows=rows, cols=cols, gains=gains, types=tier.mentee_type[rows].astype(np.int64))


def flow_through(instance: Instance, tier: CoachTier, table: PairTable, coach_of: np.ndarray) -> np.ndarray:
    """The best answer (Σ gain, unit workloads) in which mentor j may take only mentees whose type ``coach_of[j]``
    covers, and each coach at most ``max_mentees`` of them: a min-cost flow through the coaches (module docstring).
    Mentors with ``coach_of`` −1 take no one. Returns ``mentor_of``."""
    n, m = instance.shape
    k = tier.n_coaches
    mentor_of = np.full(n, -1, dtype=np.int64)
    chosen = coach_of[table.cols]
    usable = chosen >= 0
    usable[usable] = tier.cover[chosen[usable], table.types[usable]]
    rows, cols, gains = table.rows[usable], table.cols[usable], table.gains[usable]
    if rows.size == 0:
        return mentor_of
    sink = n + m + k
    if int(gains.max()) * (sink + 2) >= INT64_HEADROOM:
        raise ValueError("coaches: the combined gains exceed OR-Tools' int64 cost range; use smaller priorities")
    mentees = np.unique(rows)
    mentors = np.unique(cols)
    coaches = np.unique(coach_of[mentors])
    total = int(mentees.size)
    tail = np.concatenate([rows, mentees, n + mentors, n + m + coaches])
    head = np.concatenate(
        [n + cols, np.full(mentees.size, sink), n + m + coach_of[mentors], np.full(coaches.size, sink)]
    )
    capacity = np.concatenate(
        [
            np.ones(rows.size + mentees.size, np.int64),
            np.minimum(instance.capacity[mentors], total),
            np.minimum(tier.max_mentees[coaches], total),
        ]
    ).astype(np.int64)
    cost = np.concatenate([-gains, np.zeros(mentees.size + mentors.size + coaches.size, np.int64)])
    supply = np.zeros(sink + 1, np.int64)
    supply[mentees] = 1
    supply[sink] = -total
    flow = solve_arcs(tail, head, capacity, cost, supply, "coaches: flow through the chosen coaches")
    assert flow is not None  # strict
    taken = np.flatnonzero(flow[: rows.size] > 0)
    mentor_of[rows[taken]] = cols[taken]
    return mentor_of


def spare_places(tier: CoachTier, instance: Instance, coach_of: np.ndarray, mentor_of: np.ndarray) -> np.ndarray:
    """``coach_of`` with the coach places left given to mentors with capacity and no coach: most capacity first
    (ties by index), each to the eligible coach with room covering the most types (then the most mentee room, then
    the lowest index). The case-loads are not spent here: the flow decides who uses them."""
    m = instance.shape[1]
    coach_of = coach_of.copy()
    places = tier.max_mentors.astype(np.int64) - np.bincount(coach_of[coach_of >= 0], minlength=tier.n_coaches)
    load = np.bincount(coach_of[mentor_of[mentor_of >= 0]], minlength=tier.n_coaches)
    room = tier.max_mentees.astype(np.int64) - load
    breadth = tier.cover.sum(axis=1)
    waiting = np.flatnonzero((coach_of < 0) & (instance.capacity > 0))
    for j in sorted(waiting.tolist(), key=lambda j: (-int(instance.capacity[j]), j)):
        able = np.flatnonzero(tier.eligible[j] & (places > 0) & (room > 0))
        if able.size == 0:
            continue
        c = int(able[np.lexsort((able, -room[able], -breadth[able]))[0]])
        coach_of[j] = c
        places[c] -= 1
    if places.min(initial=0) < 0 or coach_of.size != m:
        raise SolverBug("coaches: spare places overfilled a coach")
    return coach_of


@dataclass(frozen=True)
class ChoiceResult:
    """What :func:`choose_and_flow` found: the best answer, its coaches and gain, and the rounds run."""

    mentor_of: np.ndarray
    coach_of: np.ndarray
    gain: int
    rounds: int


def choose_and_flow(
    instance: Instance,
    tier: CoachTier,
    scaling: Scaling,
    start: np.ndarray,
    best: tuple[np.ndarray, np.ndarray],
    target: int,
    *,
    options: CoachOptions,
    clock: Clock,
    table: PairTable | None = None,
    deadline: float | None = None,
) -> ChoiceResult:
    """Rounds of coach choice and flow re-solve (module docstring) from the answer ``start`` (the coach-free
    optimum), given ``best``, a valid (mentor_of, coach_of) to beat; stop at ``target`` (the coach-free bound),
    after a round without gain, or after :attr:`CoachOptions.choice_rounds` rounds. ``deadline``
    (``time.perf_counter()`` seconds) is a safety net: no round starts past it."""
    m = instance.shape[1]
    table = pair_table(instance, tier, scaling) if table is None else table
    best_mentor, best_coach = best
    best_gain = scaling.answer_gain(instance, best_mentor)
    current = start
    rounds = 0
    for _ in range(options.choice_rounds):
        if best_gain >= target or (deadline is not None and time.perf_counter() >= deadline):
            break
        rounds += 1
        clock.stage(f"coaches: choosing coaches, round {rounds} (Σ gain {best_gain}, bound {target})")
        kept, chosen = greedy_supervision(instance, tier, scaling, current)
        chosen = spare_places(tier, instance, free_places(tier, instance, chosen, kept), kept)
        chosen = balance_coaches(tier, instance, chosen, current, max_sweeps=options.balance_sweeps)
        clock.stage(f"coaches: re-solving the flow through the chosen coaches, round {rounds}")
        mentor_of = flow_through(instance, tier, table, chosen)
        gain = scaling.answer_gain(instance, mentor_of)
        if gain <= best_gain:
            break
        best_mentor, best_coach, best_gain = mentor_of, _used_only(chosen, mentor_of, m), gain
        current = mentor_of
    return ChoiceResult(best_mentor, best_coach, best_gain, rounds)


def _used_only(coach_of: np.ndarray, mentor_of: np.ndarray, m: int) -> np.ndarray:
    used = np.bincount(mentor_of[mentor_of >= 0], minlength=m) > 0
    return np.where(used, coach_of, -1).astype(np.int64)


def free_places(tier: CoachTier, instance: Instance, coach_of: np.ndarray, mentor_of: np.ndarray) -> np.ndarray:
    """``coach_of`` with a coach for more of the mentors with capacity: a mentor without one takes a free place at
    an eligible coach with case-load room, or one freed by moving a supervised mentor to another coach who keeps
    all its mentees (eligible, covering their types, with a place and the case-load room). Most capacity first,
    ties by index; the first such move in index order is taken."""
    n, m = instance.shape
    k = tier.n_coaches
    coach_of = coach_of.copy()
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    count = np.bincount(cols, minlength=m)
    has_type = np.zeros((m, tier.cover.shape[1]), dtype=bool)
    has_type[cols, tier.mentee_type[rows]] = True
    # keeps_all[j, c]: coach c covers every type mentor j has
    keeps_all = ~((has_type.astype(np.uint8) @ (~tier.cover).T.astype(np.uint8)) > 0)
    supervised = coach_of >= 0
    places = tier.max_mentors.astype(np.int64) - np.bincount(coach_of[supervised], minlength=k)
    load = np.bincount(coach_of[supervised], weights=count[supervised], minlength=k).astype(np.int64)
    room = tier.max_mentees.astype(np.int64) - load
    waiting = np.flatnonzero(~supervised & (instance.capacity > 0))
    for u in sorted(waiting.tolist(), key=lambda j: (-int(instance.capacity[j]), j)):
        able = np.flatnonzero(tier.eligible[u] & (room > 0) & (tier.max_mentors > 0))
        if able.size == 0:
            continue
        free = able[places[able] > 0]
        if free.size:
            c = int(free[0])
            coach_of[u], places[c] = c, places[c] - 1
            continue
        for c in able.tolist():
            moved = False
            for j in np.flatnonzero(coach_of == c).tolist():
                to = np.flatnonzero(
                    tier.eligible[j] & keeps_all[j] & (places > 0) & (room >= count[j]) & (np.arange(k) != c)
                )
                if to.size:
                    c2 = int(to[0])
                    coach_of[j], places[c2], room[c2] = c2, places[c2] - 1, room[c2] - count[j]
                    room[c] += count[j]
                    coach_of[u] = c
                    moved = True
                    break
            if moved:
                break
    return coach_of


def balance_coaches(
    tier: CoachTier,
    instance: Instance,
    coach_of: np.ndarray,
    mentor_of: np.ndarray,
    *,
    max_sweeps: int,
) -> np.ndarray:
    """``coach_of`` improved by local search (relocate a mentor to a coach with a free place, or swap two mentors'
    coaches) on the cost Σ_c max(0, Σ_{j at c} capacity[j] − max_mentees[c]) + Σ_j (priority of j's mentees in
    ``mentor_of`` whose type j's coach does not cover): case-loads that cannot hold their mentors' capacity lose
    mentees in the flow, and uncovered mentees must move. Best-improvement moves, mentors in index order, at most
    ``max_sweeps`` sweeps (counts only: deterministic). Mentors without a coach stay without one."""
    n, m = instance.shape
    k = tier.n_coaches
    coach_of = coach_of.copy()
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    # miss[j, c]: priority of j's mentees whose type c does not cover; inf where c may not supervise j
    weight = np.zeros((m, tier.cover.shape[1]))
    np.add.at(weight, (cols, tier.mentee_type[rows]), instance.priority[rows].astype(np.float64))
    miss = weight @ (~tier.cover).T.astype(np.float64)
    open_coach = (tier.max_mentors > 0) & (tier.max_mentees > 0)
    miss[~(tier.eligible & open_coach[None, :])] = np.inf
    size = instance.capacity.astype(np.float64)
    limit = np.where(tier.max_mentees < n, tier.max_mentees, np.inf).astype(np.float64)
    on = coach_of >= 0
    load = np.bincount(coach_of[on], weights=size[on], minlength=k)
    places = tier.max_mentors.astype(np.int64) - np.bincount(coach_of[on], minlength=k)

    def over(values: np.ndarray, limits: np.ndarray) -> np.ndarray:
        excess: np.ndarray = np.maximum(values - limits, 0.0)
        return excess

    mentors = np.flatnonzero(on)
    for _ in range(max_sweeps):
        moved = 0
        for j in mentors.tolist():
            c = int(coach_of[j])
            if not np.isfinite(miss[j, c]):  # never chosen by the callers; a coach j may not have stays as it is
                continue
            # relocate j to c2 (a free place): the change at c, at c2, and in j's uncovered mentees
            at_c = over(load[c] - size[j], limit[c]) - over(load[c], limit[c])
            to = over(load + size[j], limit) - over(load, limit)
            delta = at_c + to + miss[j] - miss[j, c]
            delta[(places <= 0) | (np.arange(k) == c)] = np.inf
            # swap j with every mentor j2 at another coach c2
            others = mentors[coach_of[mentors] != c]
            c2 = coach_of[others]
            shift = size[others] - size[j]  # c gains shift, c2 loses it
            swap = (
                over(load[c] + shift, limit[c])
                - over(load[c], limit[c])
                + over(load[c2] - shift, limit[c2])
                - over(load[c2], limit[c2])
                + miss[j, c2]
                + miss[others, c]
                - miss[j, c]
                - miss[others, c2]
            )
            best_move = float(delta.min(initial=np.inf))
            best_swap = float(swap.min(initial=np.inf))
            if min(best_move, best_swap) >= -1e-9:
                continue
            moved += 1
            if best_move <= best_swap:
                c_new = int(np.argmin(delta))
                coach_of[j] = c_new
                load[c] -= size[j]
                load[c_new] += size[j]
                places[c] += 1
                places[c_new] -= 1
            else:
                pick = int(np.argmin(swap))
                j2, c_new = int(others[pick]), int(c2[pick])
                coach_of[j], coach_of[j2] = c_new, c
                load[c] += size[j2] - size[j]
                load[c_new] += size[j] - size[j2]
        if moved == 0:
            break
    return coach_of
