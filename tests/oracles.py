"""The one brute-force oracle of the tests: every answer of a tiny problem, enumerated, and the best of them.

Two levels, each independent of the code under test:

- **arrays** (:class:`~mentormatch.problem.Instance`, optionally a :class:`~mentormatch.problem.CoachTier`):
  :func:`answers` enumerates every answer that keeps the allowed pairs and the capacities (a load per mentee or per
  pair), :func:`coachable` decides by enumeration whether some coach choice supervises an answer, and
  :func:`optimum` returns the lexicographic best (Λ locked pairs kept, then K / Σ priority / Σ weights in the
  instance's ``keep_tier`` order; Σ weights negated when minimising).
- **profiles** (:class:`~mentormatch.schema.Roster` and a config): :func:`profile_answers` enumerates every
  matching (and coach choice) that :func:`mentormatch.verify.verify_matching` accepts, re-deriving every rule from
  the profiles rather than from the encoder's mask.

Exponential on purpose: keep instances to a handful of mentees and mentors.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator

import numpy as np

from mentormatch.config import MatchConfig
from mentormatch.problem import CoachTier, Instance, Problem
from mentormatch.schema import Coach, Mentee, Mentor, Roster
from mentormatch.verify import MatchingBug, broken_rules, verify_matching

TIER_ORDER = {
    "first": ("kept", "priority", "weight"),
    "second": ("priority", "kept", "weight"),
    "last": ("priority", "weight", "kept"),
}
"""Where K sits among the objective's tiers, per ``Instance.keep_tier`` (Λ is always first)."""


def pair_loads(inst: Instance) -> np.ndarray:
    """(n, m) int64: the load of every pair (a per-mentee load repeated along the row)."""
    n, m = inst.shape
    load = np.asarray(inst.load, dtype=np.int64)
    return load if load.ndim == 2 else np.repeat(load[:, None], m, axis=1)


def answers(inst: Instance, fixed: tuple[int, int] | None = None) -> list[np.ndarray]:
    """Every answer (a mentor index or −1 per mentee) on allowed pairs whose loads fit every capacity; with
    ``fixed = (i, j)``, only those that match mentee i to mentor j (allowed or not)."""
    n, m = inst.shape
    load = pair_loads(inst)
    options = [[-1] + [j for j in range(m) if inst.allowed[i, j]] for i in range(n)]
    if fixed is not None:
        options[fixed[0]] = [fixed[1]]
    found = []
    for choice in itertools.product(*options):
        used = [0] * m
        for i, j in enumerate(choice):
            if j >= 0:
                used[j] += int(load[i, j])
        if all(used[j] <= inst.capacity[j] for j in range(m)):
            found.append(np.array(choice, dtype=np.int64))
    return found


def coach_choices(tier: CoachTier, mentor_of: np.ndarray) -> Iterator[dict[int, int]]:
    """Every coach choice ({used mentor: coach}) that supervises each used mentor of ``mentor_of`` within the
    tier's rules: eligibility, specialisms covering every type the mentor takes, and each coach's mentor and
    mentee limits."""
    k = tier.n_coaches
    mentor_of = np.asarray(mentor_of)
    used = sorted({int(j) for j in mentor_of if j >= 0})
    types = {j: {int(tier.mentee_type[i]) for i in np.flatnonzero(mentor_of == j)} for j in used}
    count = {j: int((mentor_of == j).sum()) for j in used}
    per_mentor = [
        [c for c in range(k) if tier.eligible[j, c] and all(tier.cover[c, t] for t in types[j])] for j in used
    ]
    for coaches_of in itertools.product(*per_mentor):
        mentors_of = Counter(coaches_of)
        mentees_of: Counter[int] = Counter()
        for j, c in zip(used, coaches_of, strict=True):
            mentees_of[c] += count[j]
        if all(mentors_of[c] <= tier.max_mentors[c] and mentees_of[c] <= tier.max_mentees[c] for c in range(k)):
            yield dict(zip(used, coaches_of, strict=True))


def coachable(tier: CoachTier, mentor_of: np.ndarray) -> bool:
    """Whether some coach choice supervises every used mentor of ``mentor_of`` within the tier's rules."""
    return next(coach_choices(tier, mentor_of), None) is not None


def tier_values(inst: Instance, mentor_of: np.ndarray) -> dict[str, float]:
    """Λ (``locked``), K (``kept``), Σ priority and Σ weights of an answer (Σ weights exact for integer weights,
    ``math.fsum`` for float ones)."""
    mentor_of = np.asarray(mentor_of)
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    weights = np.asarray(inst.weights)[rows, cols]
    weight = int(weights.astype(np.int64).sum()) if weights.dtype.kind in "biu" else math.fsum(weights.tolist())
    return {
        "locked": inst.locked_kept(mentor_of),
        "kept": inst.kept(mentor_of),
        "priority": int(np.asarray(inst.priority)[rows].sum()),
        "weight": weight,
    }


def order(inst: Instance) -> list[str]:
    """The objective's tiers from the highest: Λ, then the others in ``keep_tier``'s order (without current pairs,
    Λ and K are 0 for every answer)."""
    return ["locked", *TIER_ORDER[inst.keep_tier]]


def key(inst: Instance, mentor_of: np.ndarray) -> tuple[float, ...]:
    """The lexicographic objective of an answer, to be maximised (Σ weights negated when minimising)."""
    values = tier_values(inst, mentor_of)
    if not inst.maximize:
        values["weight"] = -values["weight"]
    return tuple(values[name] for name in order(inst))


def optimum(
    inst: Instance, tier: CoachTier | None = None, fixed: tuple[int, int] | None = None
) -> tuple[tuple[float, ...], np.ndarray] | None:
    """The lexicographic best key and one answer reaching it (the first in enumeration order), among the answers
    of :func:`answers` (with ``fixed``) that the coach tier, when given, can supervise; None when there is none
    (without ``fixed`` the empty answer always qualifies)."""
    best: tuple[tuple[float, ...], np.ndarray] | None = None
    for answer in answers(inst, fixed):
        value = key(inst, answer)
        if (best is None or value > best[0]) and (tier is None or coachable(tier, answer)):
            best = (value, answer)
    return best


def plain_instance(problem: Problem) -> Instance:
    """The problem's arrays without a continuity tier: Σ priority first, then Σ score."""
    return Instance(
        weights=problem.score,
        allowed=problem.allowed,
        priority=problem.priority,
        load=problem.workload,
        capacity=problem.capacity,
    )


def best_totals(problem: Problem, fixed: tuple[int, int] | None = None) -> tuple[int, float] | None:
    """The best (Σ priority, Σ score) of ``problem`` over every answer its allowed mask, capacities and coach tier
    permit (with ``fixed = (i, j)``: among those matching mentee i to mentor j); None when there is none."""
    inst = plain_instance(problem)
    best = optimum(inst, problem.coaches, fixed)
    if best is None:
        return None
    values = tier_values(inst, best[1])
    return int(values["priority"]), float(values["weight"])


def profile_answers(
    roster: Roster, config: MatchConfig, *, coaches: bool = False
) -> Iterator[tuple[tuple[int, ...], list[int] | None]]:
    """Every (mentor_of, coach_of) that :func:`~mentormatch.verify.verify_matching` accepts, read from the profiles:
    every hard rule, the capacities, mentor status, locks, and with ``coaches`` every coach rule (``coach_of`` a
    coach index or −1 per mentor; None without ``coaches``)."""
    n, m, k = len(roster.mentees), len(roster.mentors), len(roster.coaches)
    for mentor_of in itertools.product(range(-1, m), repeat=n):
        if not coaches:
            try:
                verify_matching(roster, config, mentor_of)
            except MatchingBug:
                continue
            yield mentor_of, None
            continue
        used = sorted({j for j in mentor_of if j >= 0})
        for chosen in itertools.product(range(k), repeat=len(used)):
            coach_of = [-1] * m
            for j, c in zip(used, chosen, strict=True):
                coach_of[j] = c
            try:
                verify_matching(roster, config, mentor_of, coach_of=coach_of)
            except MatchingBug:
                continue
            yield mentor_of, coach_of


# --- profiles with coaches: every coach rule read from the profiles, not from the tier's arrays


def coach_allows(c: Coach, m: Mentor, types: frozenset[str]) -> bool:
    """May coach ``c`` supervise mentor ``m`` whose mentees have ``types``? (every rule but the limits)"""
    return (
        c.id != m.id
        and (m.coach_id is None or m.coach_id == c.id)
        and (c.languages is None or bool(c.languages & set(m.languages)))
        and (c.specialisms is None or types <= c.specialisms)
    )


def find_coaches(r: Roster, mentor_of: tuple[int, ...] | list[int], cache: dict | None = None) -> list[int] | None:
    """A coach index per mentor keeping every coach rule (−1 for mentors without mentees), or None."""
    cases: dict[int, list[Mentee]] = {}
    for i, j in enumerate(mentor_of):
        if j >= 0:
            cases.setdefault(j, []).append(r.mentees[i])
    key = tuple(sorted((j, frozenset(p.extremism_type for p in ms), len(ms)) for j, ms in cases.items()))
    if cache is not None and key in cache:
        return cache[key]
    used = [
        (j, count, [c for c, co in enumerate(r.coaches) if coach_allows(co, r.mentors[j], types)])
        for j, types, count in key
    ]
    used.sort(key=lambda u: len(u[2]))
    mentors_of, mentees_of = Counter(), Counter()
    chosen: dict[int, int] = {}

    def place(k: int) -> bool:
        if k == len(used):
            return True
        j, count, options = used[k]
        for c in options:
            co = r.coaches[c]
            if mentors_of[c] + 1 > co.max_mentors:
                continue
            if co.max_mentees is not None and mentees_of[c] + count > co.max_mentees:
                continue
            mentors_of[c] += 1
            mentees_of[c] += count
            chosen[j] = c
            if place(k + 1):
                return True
            mentors_of[c] -= 1
            mentees_of[c] -= count
        return False

    answer = [chosen.get(j, -1) for j in range(len(r.mentors))] if place(0) else None
    if cache is not None:
        cache[key] = answer
    return answer


def matchings(options: list[list[int]], workload: list[int], capacity: list[int]):
    """Every matching (a mentor index or −1 per mentee) over ``options`` that keeps the capacities."""
    room = list(capacity)
    choice = [-1] * len(options)

    def walk(i: int):
        if i == len(options):
            yield tuple(choice)
            return
        for j in options[i]:
            if j >= 0:
                if room[j] < workload[i]:
                    continue
                room[j] -= workload[i]
            choice[i] = j
            yield from walk(i + 1)
            if j >= 0:
                room[j] += workload[i]
        choice[i] = -1

    yield from walk(0)


def profile_coach_optimum(problem: Problem) -> tuple[int, float, list[int], list[int]]:
    """The best (Σ priority, Σ score) with coaches, read from the profiles: pairs allowed by ``broken_rules``,
    capacities from the mentors, every coach rule by :func:`find_coaches`. Returns the totals and one best
    answer."""
    r, config = problem.roster, problem.config
    priority = config.priority.model_dump()
    excluded = {(e.mentee_id, e.mentor_id) for e in r.exclusions}
    options = [
        [-1] + [j for j, mr in enumerate(r.mentors) if not broken_rules(me, mr, config, (me.id, mr.id) in excluded)]
        for me in r.mentees
    ]
    ranked = []
    for choice in matchings(options, [p.workload for p in r.mentees], [p.capacity for p in r.mentors]):
        matched = [(i, j) for i, j in enumerate(choice) if j >= 0]
        prio = sum(priority[r.mentees[i].risk_level] for i, _ in matched)
        score = math.fsum(float(problem.score[i, j]) for i, j in matched)
        ranked.append((prio, score, choice))
    ranked.sort(key=lambda t: (t[0], t[1]), reverse=True)
    cache: dict = {}
    for prio, score, choice in ranked:  # the empty matching is always supervisable
        coach_of = find_coaches(r, choice, cache)
        if coach_of is not None:
            return prio, score, list(choice), coach_of
    raise AssertionError("unreachable: the empty matching keeps every rule")
