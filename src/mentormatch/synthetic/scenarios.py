"""The coach scenarios of the synthetic roster generator: what ``synthetic_roster(..., coach_limits=...)`` may be
(:data:`COACH_LIMITS`) and how each binding scenario draws its coaches. Plain data, so that the command line can
offer the names without loading the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COACH_LIMITS"]


@dataclass(frozen=True)
class _CoachScenario:
    """How a binding coach scenario draws its coaches (the shares are targets; see the module docstring)."""

    max_mentors: tuple[int, int]
    """Each coach's ``max_mentors`` is drawn uniformly in this range (inclusive) ..."""
    supply: tuple[float, float] | None
    """... and, when not None, scaled down when the sum exceeds ``ceil(f × the mentors with capacity)``, ``f``
    drawn in this range, so that it is that (never lower; each coach keeps at least 1)."""
    caseload_share: float
    """Share of coaches with a case-load limit ``max_mentees``."""
    caseload_factor: tuple[float, float]
    """``max_mentees = ceil(g × max_mentors × mean mentees per mentor with capacity)``, ``g`` drawn in this range
    (with :attr:`caseload_apart`, the mean ``max_mentors`` of all coaches in place of the coach's own)."""
    specialised_share: float
    """Share of coaches with specialisms (at least one coach is always a generalist)."""
    specialism_sizes: tuple[float, float, float]
    """P(2, 3, 4 types) for a specialised coach (one of them always islamist or far_right)."""
    languages_share: float
    """Share of coaches who list languages (always english)."""
    extra_languages: tuple[float, float, float]
    """P(0, 1, 2 languages besides english) for a coach who lists languages."""
    fixed_share: float
    """Share of mentors drawn for a fixed ``coach_id``."""
    specialisms_as_mentees: bool = False
    """A specialised coach's types are drawn weighted by how common each type is among mentees (False: as mentor
    expertise is drawn, which gives the rare types more weight)."""
    caseload_apart: bool = False
    """A coach's case-load is drawn apart from its ``max_mentors`` (so a coach with many mentor places may have a
    small case-load, and the other way round)."""
    unit_workloads: bool = False
    """Every mentee's workload is 1 (the mentees are otherwise those of ``"default"``)."""


_COACH_SCENARIOS = {
    "moderate": _CoachScenario(
        max_mentors=(10, 25),
        supply=(1.10, 1.30),
        caseload_share=0.3,
        caseload_factor=(1.0, 1.5),
        specialised_share=0.3,
        specialism_sizes=(0.40, 0.35, 0.25),
        languages_share=0.3,
        extra_languages=(0.30, 0.45, 0.25),
        fixed_share=0.1,
    ),
    "hard": _CoachScenario(
        max_mentors=(2, 4),
        supply=None,
        caseload_share=0.4,
        caseload_factor=(0.8, 1.2),
        specialised_share=0.4,
        specialism_sizes=(0.40, 0.35, 0.25),
        languages_share=0.2,
        extra_languages=(0.30, 0.45, 0.25),
        fixed_share=0.1,
    ),
    "binding": _CoachScenario(
        max_mentors=(10, 25),
        supply=(1.05, 1.09),
        caseload_share=0.6,
        caseload_factor=(0.5, 1.33),
        caseload_apart=True,
        specialised_share=0.75,
        specialism_sizes=(0.40, 0.35, 0.25),
        languages_share=0.3,
        extra_languages=(0.30, 0.45, 0.25),
        fixed_share=0.1,
        specialisms_as_mentees=True,
        unit_workloads=True,
    ),
}
COACH_LIMITS = ("default", *_COACH_SCENARIOS)
"""The values of ``coach_limits``: ``"default"``, ``"moderate"``, ``"hard"``, ``"binding"``."""
