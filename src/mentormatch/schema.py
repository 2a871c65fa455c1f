"""Validated, normalised profiles: what a roster is once its CSV files have been read.

Every text value except ids is casefolded and trimmed; lists are de-duplicated (``languages`` keeps its order,
the first entry is the primary language); availability is a 168-bit weekly mask (bit ``24 * day + hour``,
Monday = day 0), or ``None`` where the person gave none.

The parsing of CSV cells into these models, with its error messages, lives in :mod:`mentormatch.io`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import MAX_LISTED_PROBLEMS, InputError, InputProblem, RosterError, RosterWarning  # re-exported

__all__ = [
    "EXTREMISM_TYPES",
    "EXTREMISM_ALIASES",
    "RISK_LEVELS",
    "HOURS_PER_WEEK",
    "Mentee",
    "Mentor",
    "Coach",
    "Exclusion",
    "CurrentPair",
    "MENTOR_STATUSES",
    "Roster",
    "InputProblem",
    "InputError",
    "RosterError",
    "MAX_LISTED_PROBLEMS",
]

EXTREMISM_TYPES: tuple[str, ...] = (
    "islamist",
    "far_right",
    "far_left",
    "separatist",
    "single_issue",
    "hate_crime",
    "vulnerable",
    "other",
)
"""The extremism-type vocabulary of PRODUCT.md section 2, in a fixed order (encoders index into it)."""

EXTREMISM_ALIASES: dict[str, str] = {
    "right_wing": "far_right",
    "left_wing": "far_left",
    "jihadist": "islamist",
    "ethno_nationalist": "separatist",
}
"""Accepted aliases (after casefolding and turning ``-`` and spaces into ``_``)."""

RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high")
MENTOR_STATUSES: tuple[str, ...] = ("active", "paused", "leaving")
"""A mentor's ``status`` (PRODUCT.md section 7): ``active`` takes mentees; ``paused`` keeps current mentees and
takes no one else; ``leaving`` takes no one and their current pairs end."""
HOURS_PER_WEEK = 168

ExtremismType = Literal[
    "islamist", "far_right", "far_left", "separatist", "single_issue", "hate_crime", "vulnerable", "other"
]
RiskLevel = Literal["low", "medium", "high"]
MentorStatus = Literal["active", "paused", "leaving"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Mentee(BaseModel):
    """One row of ``mentees.csv``, normalised."""

    model_config = _FROZEN

    id: str
    age: int = Field(ge=14, le=100)
    gender: str
    gender_preference: str = "any"
    """``"any"``, ``"same"`` or a (casefolded) gender."""
    languages: tuple[str, ...] = Field(min_length=1)
    background: frozenset[str] = frozenset()
    availability: int | None = None
    extremism_type: ExtremismType
    risk_level: RiskLevel = "medium"
    region: str | None = None
    needs: frozenset[str] = frozenset()
    workload: int = Field(default=1, ge=1)


class Mentor(BaseModel):
    """One row of ``mentors.csv``, normalised."""

    model_config = _FROZEN

    id: str
    age: int = Field(ge=18, le=100)
    gender: str
    languages: tuple[str, ...] = Field(min_length=1)
    background: frozenset[str] = frozenset()
    availability: int | None = None
    expertise: frozenset[ExtremismType] = frozenset()
    capacity: int = Field(default=1, ge=0)
    experience_years: float = Field(default=0.0, ge=0)
    region: str | None = None
    skills: frozenset[str] = frozenset()
    coach_id: str | None = None
    status: MentorStatus = "active"


class Coach(BaseModel):
    """One row of ``coaches.csv``, normalised. ``None`` means "no limit" / "any"."""

    model_config = _FROZEN

    id: str
    max_mentors: int = Field(ge=0)
    max_mentees: int | None = Field(default=None, ge=0)
    specialisms: frozenset[ExtremismType] | None = None
    languages: frozenset[str] | None = None


class Exclusion(BaseModel):
    """A mentee-mentor pair that must never be matched. ``reason`` never leaves the library."""

    model_config = _FROZEN

    mentee_id: str
    mentor_id: str
    reason: str = Field(default="", repr=False)


class CurrentPair(BaseModel):
    """One running mentorship from ``current.csv`` (PRODUCT.md section 7), with the line it was read from.

    ``since`` is an ISO date kept as text (shown as tenure in the report; never used by the solve). ``line`` is the
    spreadsheet line of the row (None for pairs built in code), so that a pair that breaks a rule can be located.
    """

    model_config = _FROZEN

    mentee_id: str
    mentor_id: str
    coach_id: str | None = None
    since: str | None = None
    locked: bool = False
    line: int | None = None


@dataclass(frozen=True, eq=False)
class Roster:
    """A validated roster: the profiles in input order and where they came from.

    Build one with :func:`mentormatch.read_roster`; constructing it directly skips the file checks but not the
    model checks of each profile.
    """

    mentees: tuple[Mentee, ...]
    mentors: tuple[Mentor, ...]
    coaches: tuple[Coach, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    current: tuple[CurrentPair, ...] | None = None
    """The running mentorships (``current.csv``), or None when no current pairs were given (a header-only file
    gives ``()``: current pairs given, none running)."""
    files: dict[str, str] = field(default_factory=dict)
    """Which file each part came from (``"mentees"`` → path as given), for messages."""
    warnings: tuple[RosterWarning, ...] = ()
    """What reading found odd but not wrong (:mod:`mentormatch.io.mismatch`): a compared category's value used on
    one side only or spelt differently, columns left unread; located like input problems, likely slips (a
    different spelling, an unread column) first."""

    def __repr__(self) -> str:  # counts only: profiles are special-category data
        return (
            f"Roster(mentees={len(self.mentees)}, mentors={len(self.mentors)}, "
            f"coaches={len(self.coaches)}, exclusions={len(self.exclusions)}"
            + ("" if self.current is None else f", current={len(self.current)}")
            + ")"
        )
