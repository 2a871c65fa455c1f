"""Greedy supervision (step 2 of the coach tier): coaches for a given mentee → mentor answer, dropping the mentees
the coach rules leave no room for. Always an answer in milliseconds, the optimum when the coach rules do not bind,
and the CP-SAT models' warm start when they do.
"""

from __future__ import annotations

import numpy as np

from mentormatch.problem import CoachTier, Instance
from mentormatch.solvers._scaling import Scaling

__all__ = ["greedy_supervision"]


def greedy_supervision(
    instance: Instance, tier: CoachTier, scaling: Scaling, mentor_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Coaches for the mentors of ``mentor_of``, dropping mentees the coach rules leave no room for.

    Most constrained first, as in bin packing: mentors with the fewest coaches who could keep all their mentees
    come first (then by the gain of their mentees, largest first; ties by index). Each takes, among the coaches
    with room who keep the most gain (every mentee whose type the coach covers, best first, up to the coach's
    remaining case-load), the one with the most mentor slots left, so that the scarce coaches stay free for the
    mentors who need them. Mentees no coach can keep are left unmatched. Returns ``(mentor_of, coach_of)``.
    """
    n, m = instance.shape
    mentor_of = mentor_of.copy()
    coach_of = np.full(m, -1, dtype=np.int64)
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    gains = scaling.pair_gains(instance, rows, cols)
    order = np.lexsort((-gains, cols))  # by mentor, then gain descending
    rows, cols, gains = rows[order], cols[order], gains[order]
    starts = np.searchsorted(cols, np.arange(m + 1))
    total = np.bincount(cols, weights=gains.astype(np.float64), minlength=m)
    mentors_left = tier.max_mentors.astype(np.int64).copy()
    mentees_left = tier.max_mentees.astype(np.int64).copy()
    types = tier.mentee_type
    used = np.flatnonzero(total > 0)
    # how many coaches could take each mentor with all its mentees (types and case-load, ignoring the others)
    options = np.zeros(m, dtype=np.int64)
    for j in used:
        mine = rows[starts[j] : starts[j + 1]]
        fits = tier.eligible[j] & tier.cover[:, types[mine]].all(axis=1) & (tier.max_mentees >= mine.size)
        options[j] = int((fits & (tier.max_mentors > 0)).sum())
    for j in sorted(used, key=lambda j: (options[j], -total[j], j)):
        mine = rows[starts[j] : starts[j + 1]]  # j's mentees, best first
        mine_gain = gains[starts[j] : starts[j + 1]]
        best = (0, 0, -1)  # (value kept, mentor slots left, -coach)
        best_keep = None
        for c in np.flatnonzero(tier.eligible[j] & (mentors_left > 0) & (mentees_left > 0)):
            keep = np.flatnonzero(tier.cover[c, types[mine]])[: int(mentees_left[c])]
            key = (int(mine_gain[keep].sum()), int(mentors_left[c]), -int(c))
            if key[0] > 0 and key > best:
                best, best_keep = key, keep
        if best_keep is None:
            mentor_of[mine] = -1
            continue
        c = np.intp(-best[2])
        drop = np.ones(mine.size, dtype=bool)
        drop[best_keep] = False
        mentor_of[mine[drop]] = -1
        coach_of[j] = c
        mentors_left[c] -= 1
        mentees_left[c] -= best_keep.size
    return mentor_of, coach_of
