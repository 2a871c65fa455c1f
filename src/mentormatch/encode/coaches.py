"""The coach tier's arrays (:class:`~mentormatch.problem.CoachTier`) from the roster: who may supervise whom."""

from __future__ import annotations

import numpy as np

from ..problem import CoachTier
from ..schema import EXTREMISM_TYPES, Roster


def has_coach_tier(roster: Roster) -> bool:
    """True when the roster has coaches, or a coaches file was given (a header-only one means nobody may
    supervise, so no mentor can be used)."""
    return bool(roster.coaches) or "coaches" in roster.files


def coach_tier(roster: Roster) -> CoachTier | None:
    """The coach tier's arrays (see :class:`~mentormatch.problem.CoachTier`), or None without coaches.

    Examples
    --------
    >>> from mentormatch import synthetic_roster
    >>> tier = coach_tier(synthetic_roster(60, 20, 4, seed=7))
    >>> tier.eligible.shape, tier.cover.shape
    ((20, 4), (4, 8))
    """
    if not has_coach_tier(roster):
        return None
    n, m, k = len(roster.mentees), len(roster.mentors), len(roster.coaches)
    type_index = {t: i for i, t in enumerate(EXTREMISM_TYPES)}
    mentee_type = np.fromiter((type_index[p.extremism_type] for p in roster.mentees), np.int64, n)
    cover = np.ones((k, len(EXTREMISM_TYPES)), dtype=bool)
    eligible = np.ones((m, k), dtype=bool)
    coach_index = {c.id: c_ for c_, c in enumerate(roster.coaches)}
    for c_, coach in enumerate(roster.coaches):
        if coach.specialisms is not None:
            cover[c_] = [t in coach.specialisms for t in EXTREMISM_TYPES]
        if coach.languages is not None:
            eligible[:, c_] = [not coach.languages.isdisjoint(p.languages) for p in roster.mentors]
    for j, mentor in enumerate(roster.mentors):
        own = coach_index.get(mentor.id)
        if own is not None:  # nobody supervises themselves
            eligible[j, own] = False
        if mentor.coach_id is not None:
            fixed = coach_index.get(mentor.coach_id)
            keep = eligible[j, fixed] if fixed is not None else False
            eligible[j] = False
            if fixed is not None:
                eligible[j, fixed] = keep
    return CoachTier(
        mentee_type=mentee_type,
        cover=cover,
        eligible=eligible,
        max_mentors=np.fromiter((c.max_mentors for c in roster.coaches), np.int64, k),
        max_mentees=np.fromiter(
            (n if c.max_mentees is None else min(c.max_mentees, n) for c in roster.coaches), np.int64, k
        ),
    )
