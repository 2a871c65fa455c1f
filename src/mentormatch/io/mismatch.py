"""Warnings a roster raises without being wrong: spellings that silently fail to match, and columns not read.

A compared category (gender, language, region, background tag, need / skill, a coach's language) only works when
both sides spell a value alike: ``M`` among mentees and ``male`` among mentors never match, and nothing fails. So a
value used on one side only is a warning, with a guess when it differs from a value of the other side only by
abbreviation, spacing or punctuation (PRODUCT.md section 2). An unknown column ignored under
``--ignore-unknown-columns`` is a warning too, named once per file, so that a coordinator sees it was not read.

Warnings are :class:`~mentormatch.errors.RosterWarning` objects, each an :class:`~mentormatch.errors.InputProblem`
(file, first line using the value, column, value as normalised: one list item, casefolded) and whether it is likely
a slip; they land in :attr:`mentormatch.schema.Roster.warnings`;
``read_roster(strict=True)`` (the CLI's ``--strict``) makes them errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mentormatch.errors import InputProblem, RosterWarning
from mentormatch.io.tables import _Table

_PUNCTUATION_RE = re.compile(r"[\W_]+")
_LISTED = 6
"""How many of the other side's values a warning lists (the most used first)."""


@dataclass(frozen=True)
class _Category:
    name: str
    """What the message calls a value of it (``gender``, ``language``…)."""
    mentee_column: str
    mentor_column: str


_CATEGORIES = (
    _Category("gender", "gender", "gender"),
    _Category("language", "languages", "languages"),
    _Category("region", "region", "region"),
    _Category("background tag", "background", "background"),
    _Category("need / skill", "needs", "skills"),
)


@dataclass
class _Uses:
    """Who uses one value on one side: how many rows, and the first line and header."""

    count: int
    line: int
    header: str


def _values(value: object) -> Iterable[str]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return value  # type: ignore[return-value]  # tuples and frozensets of str


def _uses(table: _Table, column: str) -> dict[str, _Uses]:
    uses: dict[str, _Uses] = {}
    for row in table.rows:
        value = row.values.get(column)
        if value is None:
            continue
        for item in _values(value):
            seen = uses.get(item)
            if seen is None:
                uses[item] = _Uses(1, row.line, table.columns[column][1])
            else:
                seen.count += 1
    return uses


def _key(value: str) -> str:
    return _PUNCTUATION_RE.sub("", value.casefold())


def _similar(value: str, others: Iterable[str]) -> list[str]:
    """Values of ``others`` that ``value`` differs from only by spacing and punctuation, or as an abbreviation
    (one's letters begin the other's)."""
    key = _key(value)
    if not key:
        return []
    found = []
    for other in others:
        other_key = _key(other)
        if other_key and (other_key == key or other_key.startswith(key) or key.startswith(other_key)):
            found.append(other)
    return found


def _people(count: int, side: str) -> str:
    return f"{count} {side}{'s' if count != 1 else ''}"


def ordered(warnings: Iterable[RosterWarning]) -> tuple[RosterWarning, ...]:
    """The warnings as :attr:`Roster.warnings <mentormatch.schema.Roster.warnings>` holds them: likely slips
    first, then the rest, each group by file and line."""
    return tuple(sorted(warnings, key=lambda w: (not w.likely_slip, *InputProblem.sort_key(w.problem))))


def _one_side(
    category: str, value: str, uses: _Uses, file: str, side: str, other_side: str, others: dict[str, _Uses]
) -> RosterWarning:
    message = f"{category} {value!r} is used by {_people(uses.count, side)} and no {other_side}"
    if others:
        common = sorted(others, key=lambda v: (-others[v].count, v))
        shown = ", ".join(repr(v) for v in common[:_LISTED]) + (
            f" and {len(common) - _LISTED} more" if len(common) > _LISTED else ""
        )
        message += f"; {other_side}s use {shown}"
        similar = _similar(value, common)
        if similar:
            message += f": a different spelling of {' or '.join(repr(v) for v in similar[:3])}?"
            return RosterWarning(InputProblem(file, uses.line, uses.header, value, message), likely_slip=True)
    return RosterWarning(InputProblem(file, uses.line, uses.header, value, message), likely_slip=False)


def category_warnings(mentees: _Table, mentors: _Table, coaches: _Table | None) -> list[RosterWarning]:
    """One warning per value of a compared category that one side uses and the other does not.

    Mentees against mentors for gender, languages, region, background and needs / skills; coaches' languages
    against the mentors' (a coach's language no mentor speaks supervises nobody).
    """
    warnings: list[RosterWarning] = []
    for category in _CATEGORIES:
        if category.mentee_column not in mentees.columns or category.mentor_column not in mentors.columns:
            continue  # a column nobody filled in compares nothing
        ours = _uses(mentees, category.mentee_column)
        theirs = _uses(mentors, category.mentor_column)
        if not ours or not theirs:
            continue
        ours_only = [value for value in ours if value not in theirs]
        for value in ours_only:
            warnings.append(_one_side(category.name, value, ours[value], mentees.file, "mentee", "mentor", theirs))
        for value, uses in theirs.items():
            if value not in ours and not _similar(value, ours_only):  # else said once, from the mentees' side
                warnings.append(_one_side(category.name, value, uses, mentors.file, "mentor", "mentee", ours))
    if coaches is not None and "languages" in coaches.columns:
        spoken = _uses(mentors, "languages")
        for value, uses in _uses(coaches, "languages").items():
            if value not in spoken:
                warnings.append(_one_side("language", value, uses, coaches.file, "coach", "mentor", spoken))
    return warnings


def ignored_columns(table: _Table) -> RosterWarning | None:
    """The one warning naming a file's columns that ``--ignore-unknown-columns`` left unread, or None."""
    if not table.unknown:
        return None
    names = ", ".join(repr(name) for name in table.unknown)
    plural = "s" if len(table.unknown) != 1 else ""
    message = f"column{plural} {names} not read (--ignore-unknown-columns)"
    return RosterWarning(InputProblem(table.file, table.header_line, None, None, message), likely_slip=True)
