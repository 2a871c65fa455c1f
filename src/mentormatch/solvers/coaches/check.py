"""The coach rules at both ends of the coach tier: :func:`validate_tier` checks the tier's arrays before a solve
(shapes, dtypes, ranges), :func:`check_coaches` checks an answer's coaches against every coach rule (indices only;
:func:`mentormatch.verify.verify_matching` re-derives the same rules from the profiles).
"""

from __future__ import annotations

import numpy as np

from mentormatch.problem import CoachTier, Instance, Solution
from mentormatch.solvers._common import SolverBug

__all__ = ["check_coaches", "validate_tier"]


def validate_tier(instance: Instance, tier: CoachTier) -> None:
    """Raise ValueError unless the tier's arrays fit ``instance`` (shapes, dtypes, ranges)."""
    n, m = instance.shape
    problems = []
    k = tier.cover.shape[0] if getattr(tier.cover, "ndim", 0) == 2 else -1
    checks = (
        ("mentee_type", tier.mentee_type, (n,), "iu"),
        ("cover", tier.cover, (k, tier.cover.shape[-1] if k >= 0 else -1), "b"),
        ("eligible", tier.eligible, (m, k), "b"),
        ("max_mentors", tier.max_mentors, (k,), "iu"),
        ("max_mentees", tier.max_mentees, (k,), "iu"),
    )
    for name, values, shape, kinds in checks:
        if not isinstance(values, np.ndarray) or values.shape != shape or values.dtype.kind not in kinds:
            problems.append(
                f"{name}: expected shape {shape} of kind {kinds!r}, got "
                f"{getattr(values, 'dtype', type(values).__name__)} {np.shape(values)}"
            )
    if not problems:
        if n and (tier.mentee_type.min() < 0 or tier.mentee_type.max() >= tier.cover.shape[1]):
            problems.append("mentee_type: every entry must index a column of cover")
        for name in ("max_mentors", "max_mentees"):
            values = getattr(tier, name)
            if values.size and values.min() < 0:
                problems.append(f"{name}: every entry must be ≥ 0")
    if problems:
        raise ValueError("coach tier: " + "; ".join(problems))


def check_coaches(instance: Instance, tier: CoachTier, solution: Solution) -> None:
    """Raise :class:`SolverBug` if ``solution.coach_of`` breaks a coach rule of ``tier`` (indices only).

    Every mentor with a mentee has exactly one eligible coach and mentors without mentees none; each coach's
    mentors ≤ ``max_mentors`` and mentees ≤ ``max_mentees``; each mentee's type is covered by its mentor's coach.
    """
    name = solution.solver
    n, m = instance.shape
    coach_of = solution.coach_of
    if not isinstance(coach_of, np.ndarray) or coach_of.shape != (m,) or coach_of.dtype.kind not in "iu":
        raise SolverBug(f"{name}: coach_of must be an integer array of shape {(m,)}")
    k = tier.n_coaches
    if ((coach_of < -1) | (coach_of >= k)).any():
        raise SolverBug(f"{name}: a coach index lies outside -1..{k - 1}")
    rows = np.flatnonzero(solution.mentor_of >= 0)
    cols = solution.mentor_of[rows]
    mentees_of = np.bincount(cols, minlength=m)
    used = mentees_of > 0
    if (coach_of[used] < 0).any():
        j = int(np.flatnonzero(used & (coach_of < 0))[0])
        raise SolverBug(f"{name}: mentor {j} has mentees but no coach")
    if (coach_of[~used] >= 0).any():
        j = int(np.flatnonzero(~used & (coach_of >= 0))[0])
        raise SolverBug(f"{name}: mentor {j} has no mentee but a coach")
    supervised = np.flatnonzero(used)
    if not tier.eligible[supervised, coach_of[supervised]].all():
        j = int(supervised[~tier.eligible[supervised, coach_of[supervised]]][0])
        raise SolverBug(f"{name}: mentor {j} is supervised by coach {int(coach_of[j])}, who may not supervise them")
    covered = tier.cover[coach_of[cols], tier.mentee_type[rows]]
    if not covered.all():
        i = int(rows[~covered][0])
        raise SolverBug(f"{name}: mentee {i}'s type is not among the specialisms of their mentor's coach")
    mentors_per_coach = np.bincount(coach_of[supervised], minlength=k)
    mentees_per_coach = np.bincount(coach_of[supervised], weights=mentees_of[supervised], minlength=k)
    for what, count, limit in (
        ("mentors", mentors_per_coach, tier.max_mentors),
        ("mentees", mentees_per_coach, tier.max_mentees),
    ):
        over = count > limit
        if over.any():
            c = int(np.flatnonzero(over)[0])
            raise SolverBug(f"{name}: coach {c} supervises {int(count[c])} {what}, above the limit {int(limit[c])}")
