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
from mentormatch.problem import CoachTier, Instance
from mentormatch.schema import Roster
from mentormatch.verify import MatchingBug, verify_matching

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


def answers(inst: Instance) -> list[np.ndarray]:
    """Every answer (a mentor index or −1 per mentee) on allowed pairs whose loads fit every capacity."""
    n, m = inst.shape
    load = pair_loads(inst)
    options = [[-1] + [j for j in range(m) if inst.allowed[i, j]] for i in range(n)]
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


def optimum(inst: Instance, tier: CoachTier | None = None) -> tuple[tuple[float, ...], np.ndarray]:
    """The lexicographic best key and one answer reaching it (the first in enumeration order), among the answers
    of :func:`answers` that the coach tier, when given, can supervise. The empty answer always qualifies."""
    best: tuple[tuple[float, ...], np.ndarray] | None = None
    for answer in answers(inst):
        value = key(inst, answer)
        if (best is None or value > best[0]) and (tier is None or coachable(tier, answer)):
            best = (value, answer)
    assert best is not None, "unreachable: the empty answer keeps every rule"
    return best


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
