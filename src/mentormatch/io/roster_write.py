"""write_roster: profiles → roster CSV files that :func:`~mentormatch.io.read_roster` reads back into equal profiles.

One row writer per file turns a profile into cells, refusing with a ``ValueError`` that names the profile and column
any value that would not read back equal; each file is written all or nothing (:mod:`mentormatch.io.atomic`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from decimal import Decimal

from mentormatch.availability import format_availability
from mentormatch.io._paths import PathLike, _as_str
from mentormatch.io.atomic import write_csv_atomic
from mentormatch.io.cells import _FORMULA_STARTS, _CellError, _iso_date
from mentormatch.io.tables import COACH_COLUMNS, CURRENT_COLUMNS, EXCLUSION_COLUMNS, MENTEE_COLUMNS, MENTOR_COLUMNS
from mentormatch.schema import Coach, CurrentPair, Exclusion, Mentee, Mentor, Roster


def _plain_float(value: float) -> str:
    """A float in plain positional decimal (no exponent), reading back to the same float."""
    return format(Decimal(repr(float(value))), "f")


class _RosterWriter:
    """Turns profiles into cells, refusing values that would not read back equal."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def fail(self, who: str, column: str, what: str) -> ValueError:
        return ValueError(f"{self.kind} {who!r}, {column}: {what}; read_roster would not give it back")

    def text(self, who: str, column: str, value: str | None, *, fold: bool = True) -> str:
        if value is None:
            return ""
        if value != value.strip() or (fold and value != value.casefold()):
            raise self.fail(who, column, "text must be trimmed and casefolded")
        return value

    def ident(self, who: str, column: str, value: str | None) -> str:
        if value is None:
            return ""
        if not value.strip(" ") or value != value.strip(" ") or value.startswith(_FORMULA_STARTS):
            raise self.fail(who, column, "an id must be non-empty, trimmed and not begin with = + - @ tab or CR")
        return value

    def items(self, who: str, column: str, values: Iterable[str] | None, *, ordered: bool = False) -> str:
        if values is None:
            return ""
        items = list(values) if ordered else sorted(values)
        for item in items:
            if not item or ";" in item or item != item.strip() or item != item.casefold():
                raise self.fail(who, column, "list items must be non-empty, trimmed, casefolded, without ';'")
        return ";".join(items)


def _mentee_row(m: Mentee) -> list[object]:
    w = _RosterWriter("mentee")
    return [
        w.ident(m.id, "id", m.id),
        m.age,
        w.text(m.id, "gender", m.gender),
        w.text(m.id, "gender_preference", m.gender_preference),
        w.items(m.id, "languages", m.languages, ordered=True),
        w.items(m.id, "background", m.background),
        "" if m.availability is None else format_availability(m.availability),
        m.extremism_type,
        m.risk_level,
        w.text(m.id, "region", m.region),
        w.items(m.id, "needs", m.needs),
        m.workload,
    ]


def _mentor_row(m: Mentor) -> list[object]:
    w = _RosterWriter("mentor")
    return [
        w.ident(m.id, "id", m.id),
        m.age,
        w.text(m.id, "gender", m.gender),
        w.items(m.id, "languages", m.languages, ordered=True),
        w.items(m.id, "background", m.background),
        "" if m.availability is None else format_availability(m.availability),
        ";".join(sorted(m.expertise)),
        m.capacity,
        _plain_float(m.experience_years),
        w.text(m.id, "region", m.region),
        w.items(m.id, "skills", m.skills),
        w.ident(m.id, "coach_id", m.coach_id),
        m.status,
    ]


def _mentor_table(mentors: Sequence[Mentor]) -> tuple[tuple[str, ...], list[list[object]]]:
    """Header and rows of ``mentors.csv``; the ``status`` column only when some mentor is not active."""
    rows = [_mentor_row(m) for m in mentors]
    if any(m.status != "active" for m in mentors):
        return MENTOR_COLUMNS, rows
    return MENTOR_COLUMNS[:-1], [row[:-1] for row in rows]


def _coach_row(c: Coach) -> list[object]:
    w = _RosterWriter("coach")
    if c.specialisms is not None and not c.specialisms:
        raise w.fail(c.id, "specialisms", "an empty set is written as an empty cell, which means any type")
    if c.languages is not None and not c.languages:
        raise w.fail(c.id, "languages", "an empty set is written as an empty cell, which means any language")
    return [
        w.ident(c.id, "id", c.id),
        c.max_mentors,
        c.max_mentees,
        w.items(c.id, "specialisms", c.specialisms),
        w.items(c.id, "languages", c.languages),
    ]


def _exclusion_row(e: Exclusion) -> list[object]:
    w = _RosterWriter("exclusion")
    who = f"{e.mentee_id}/{e.mentor_id}"
    return [
        w.ident(who, "mentee_id", e.mentee_id),
        w.ident(who, "mentor_id", e.mentor_id),
        w.text(who, "reason", e.reason, fold=False),
    ]


def _current_row(c: CurrentPair) -> list[object]:
    w = _RosterWriter("current pair")
    who = f"{c.mentee_id}/{c.mentor_id}"
    if c.since is not None:
        try:
            _iso_date(c.since)  # what read_roster accepts back
        except _CellError:
            raise w.fail(who, "since", "a date must be written YYYY-MM-DD") from None
    return [
        w.ident(who, "mentee_id", c.mentee_id),
        w.ident(who, "mentor_id", c.mentor_id),
        w.ident(who, "coach_id", c.coach_id),
        c.since,
        "yes" if c.locked else "no",
    ]


def write_roster(roster: Roster, folder: PathLike) -> None:
    """Write a roster as CSV files that :func:`read_roster` reads back into equal profiles.

    Writes ``mentees.csv`` and ``mentors.csv``, plus ``coaches.csv`` and ``exclusions.csv`` when the roster has
    any, and ``current.csv`` when ``roster.current`` is not None (header only when it is empty; ``locked`` as
    ``yes`` / ``no``); each file atomically (:func:`write_csv_atomic`). Sets are written sorted, languages in
    their order, availability with :func:`~mentormatch.availability.format_availability`, ``None`` as an empty
    cell.

    Parameters
    ----------
    roster : Roster
        Profiles as :func:`read_roster` makes them (trimmed, casefolded text; availability ``None`` or non-zero).
    folder : str or path-like
        The roster folder; created (with its parents) if missing.

    Raises
    ------
    ValueError
        If a value could not be read back equal (e.g. a list item holding ``;``, or an id beginning with ``=``);
        the message names the profile and column. Nothing is written then.

    Examples
    --------
    >>> import tempfile
    >>> from mentormatch.io import read_roster
    >>> from mentormatch.schema import Mentee, Mentor, Roster
    >>> roster = Roster(
    ...     mentees=(Mentee(id="m1", age=30, gender="f", languages=("en",), extremism_type="other"),),
    ...     mentors=(Mentor(id="t1", age=50, gender="f", languages=("en", "fr")),),
    ... )
    >>> folder = tempfile.mkdtemp()
    >>> write_roster(roster, folder)
    >>> read_roster(folder).mentors == roster.mentors
    True
    """
    base = _as_str(folder)
    outputs = [
        ("mentees.csv", MENTEE_COLUMNS, [_mentee_row(m) for m in roster.mentees]),
        ("mentors.csv", *_mentor_table(roster.mentors)),
    ]
    if roster.coaches:
        outputs.append(("coaches.csv", COACH_COLUMNS, [_coach_row(c) for c in roster.coaches]))
    if roster.exclusions:
        outputs.append(("exclusions.csv", EXCLUSION_COLUMNS, [_exclusion_row(e) for e in roster.exclusions]))
    if roster.current is not None:
        outputs.append(("current.csv", CURRENT_COLUMNS, [_current_row(c) for c in roster.current]))
    os.makedirs(base, exist_ok=True)
    for name, header, rows in outputs:
        write_csv_atomic(os.path.join(base, name), header, rows)
