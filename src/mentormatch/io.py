"""Roster files in, CSV files out: the only module of mentormatch that touches the file system.

Reading (:func:`read_roster`) turns the CSV files of PRODUCT.md section 2 into validated profiles
(:mod:`mentormatch.schema`), or raises :class:`~mentormatch.errors.InputError` listing every problem found in
every file, each located by file, line (as a spreadsheet shows it), column (as written in the header) and value.
Writing (:func:`write_text_atomic`, :func:`write_csv_atomic`, :func:`write_roster`, :func:`write_matches`) goes
through a temporary file in the target folder and an atomic rename, so a failed write never leaves a half-written
file or touches an existing one.

Cell values are never logged or printed here; they appear only in the problems handed back to the caller.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io as _stdio
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mentormatch.availability import format_availability, parse_availability
from mentormatch.config import CRITERIA
from mentormatch.errors import InputError, InputProblem
from mentormatch.schema import (
    EXTREMISM_ALIASES,
    EXTREMISM_TYPES,
    MENTOR_STATUSES,
    RISK_LEVELS,
    Coach,
    CurrentPair,
    Exclusion,
    Mentee,
    Mentor,
    Roster,
)

__all__ = [
    "ROSTER_FILES",
    "MENTEE_COLUMNS",
    "MENTOR_COLUMNS",
    "COACH_COLUMNS",
    "EXCLUSION_COLUMNS",
    "CURRENT_COLUMNS",
    "MAX_INT",
    "read_roster",
    "write_roster",
    "write_text_atomic",
    "write_bytes_atomic",
    "write_csv_atomic",
    "write_matches",
    "read_matches",
    "GivenMatching",
]

PathLike = str | os.PathLike

ROSTER_FILES: dict[str, str] = {
    "mentees": "mentees.csv",
    "mentors": "mentors.csv",
    "coaches": "coaches.csv",
    "exclusions": "exclusions.csv",
    "current": "current.csv",
}
"""The file name of each part of a roster inside a roster folder."""

MAX_INT = 1_000_000_000
"""Largest integer accepted for a count without an upper bound of its own (capacity, workload, max_mentors,
max_mentees): larger numbers are surely typos and would overflow fixed-width arrays further down."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_INT_RE = re.compile(r"[+-]?[0-9]+")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_VOCAB_SEP_RE = re.compile(r"[- ]")
_VOCAB_HINT = "expected one of " + ", ".join(EXTREMISM_TYPES) + " (aliases: " + ", ".join(EXTREMISM_ALIASES) + ")"
_IGNORE_HINT = "pass --ignore-unknown-columns (ignore_unknown_columns=True) to ignore unknown columns"


# --------------------------------------------------------------------------------------------------------------
# Cell parsers: each takes the trimmed, non-empty cell text and returns the value, or raises _CellError.
# --------------------------------------------------------------------------------------------------------------


class _CellError(Exception):
    """A cell that cannot be read; the argument is the message for the user."""


def _id(text: str) -> str:
    if text.startswith(_FORMULA_STARTS):
        first = {"\t": "a tab", "\r": "a carriage return"}.get(text[0], repr(text[0]))
        raise _CellError(f"an id must not begin with {first}: a spreadsheet would run it as a formula")
    return text


def _text(text: str) -> str:
    return text.casefold()


def _verbatim(text: str) -> str:
    return text


def _items(text: str) -> list[str]:
    """Trimmed, casefolded, non-empty list items, duplicates removed, first-seen order kept."""
    if ";" not in text:
        return [text.casefold()]
    return list(dict.fromkeys(item.strip().casefold() for item in text.split(";") if item and not item.isspace()))


def _tags(text: str) -> frozenset[str]:
    return frozenset(_items(text))


def _languages(text: str) -> tuple[str, ...]:
    items = _items(text)
    if not items:
        raise _CellError("needs at least one language")
    return tuple(items)


def _coach_languages(text: str) -> frozenset[str] | None:
    return frozenset(_items(text)) or None


def _extremism_type(text: str) -> str:
    key = _VOCAB_SEP_RE.sub("_", text.casefold())
    if key in EXTREMISM_TYPES:
        return key
    alias = EXTREMISM_ALIASES.get(key)
    if alias is None:
        raise _CellError(f"unknown extremism type {text!r}; {_VOCAB_HINT}")
    return alias


def _extremism_types(text: str) -> frozenset[str]:
    values, bad = [], []
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        try:
            values.append(_extremism_type(item))
        except _CellError:
            bad.append(item)
    if bad:
        names = ", ".join(repr(b) for b in bad)
        raise _CellError(f"unknown extremism type{'s' if len(bad) > 1 else ''} {names}; {_VOCAB_HINT}")
    return frozenset(values)


def _specialisms(text: str) -> frozenset[str] | None:
    return _extremism_types(text) or None


def _risk_level(text: str) -> str:
    value = text.casefold()
    if value not in RISK_LEVELS:
        raise _CellError(f"unknown risk level; expected {', '.join(RISK_LEVELS[:-1])} or {RISK_LEVELS[-1]}")
    return value


def _status(text: str) -> str:
    value = text.casefold()
    if value not in MENTOR_STATUSES:
        guess = difflib.get_close_matches(value, MENTOR_STATUSES, n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        raise _CellError(f"unknown status{hint}; expected {', '.join(MENTOR_STATUSES[:-1])} or {MENTOR_STATUSES[-1]}")
    return value


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YES = ("yes", "true", "1")
_NO = ("no", "false", "0")


def _iso_date(text: str) -> str:
    import datetime

    if _DATE_RE.fullmatch(text) is None:
        raise _CellError("since must be a date written YYYY-MM-DD, e.g. 2026-03-01")
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise _CellError("since is not a real date (YYYY-MM-DD)") from None
    return text


def _yes_no(text: str) -> bool:
    value = text.casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _CellError("locked must be yes or no (also true/false, 1/0)")


def _availability(text: str) -> int | None:
    try:
        return parse_availability(text) or None
    except ValueError as err:
        raise _CellError(f"bad availability: {err}") from None


def _integer(name: str, low: int, high: int) -> Callable[[str], int]:
    expected = f"a whole number of at least {low}" if high == MAX_INT else f"a whole number from {low} to {high}"
    out_of_range = f"{name} is out of range: expected {expected}"
    too_large = f"{name} is too large: expected at most {high}"

    def parse(text: str) -> int:
        if _INT_RE.fullmatch(text) is None:
            raise _CellError(f"{name} must be {expected}, written in plain digits")
        if len(text.lstrip("+-").lstrip("0")) > 10:  # never hand int() thousands of digits
            raise _CellError(out_of_range if text.startswith("-") else too_large)
        value = int(text)
        if value < low:
            raise _CellError(out_of_range)
        if value > high:
            raise _CellError(too_large if high == MAX_INT else out_of_range)
        return value

    return parse


def _experience_years(text: str) -> float:
    if _DECIMAL_RE.fullmatch(text) is None:
        raise _CellError("experience_years must be a plain decimal number of at least 0, e.g. 2.5")
    value = float(text) + 0.0  # + 0.0 turns -0.0 into 0.0
    if not math.isfinite(value):
        raise _CellError("experience_years is too large")
    if value < 0:
        raise _CellError("experience_years must be at least 0")
    return value


# --------------------------------------------------------------------------------------------------------------
# Table specifications
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = False
    is_id: bool = False
    """Ids are trimmed of spaces only, so that a leading tab or carriage return is seen (and refused)."""


@dataclass(frozen=True)
class _TableSpec:
    kind: str
    columns: tuple[_Column, ...]
    needs_rows: bool
    unique_id: bool

    @property
    def by_name(self) -> dict[str, _Column]:
        return {c.name: c for c in self.columns}


_MENTEES = _TableSpec(
    "mentees",
    (
        _Column("id", _id, required=True, is_id=True),
        _Column("age", _integer("age", 14, 100), required=True),
        _Column("gender", _text, required=True),
        _Column("gender_preference", _text),
        _Column("languages", _languages, required=True),
        _Column("background", _tags),
        _Column("availability", _availability),
        _Column("extremism_type", _extremism_type, required=True),
        _Column("risk_level", _risk_level),
        _Column("region", _text),
        _Column("needs", _tags),
        _Column("workload", _integer("workload", 1, MAX_INT)),
    ),
    needs_rows=True,
    unique_id=True,
)
_MENTORS = _TableSpec(
    "mentors",
    (
        _Column("id", _id, required=True, is_id=True),
        _Column("age", _integer("age", 18, 100), required=True),
        _Column("gender", _text, required=True),
        _Column("languages", _languages, required=True),
        _Column("background", _tags),
        _Column("availability", _availability),
        _Column("expertise", _extremism_types),
        _Column("capacity", _integer("capacity", 0, MAX_INT)),
        _Column("experience_years", _experience_years),
        _Column("region", _text),
        _Column("skills", _tags),
        _Column("coach_id", _id, is_id=True),
        _Column("status", _status),
    ),
    needs_rows=True,
    unique_id=True,
)
_COACHES = _TableSpec(
    "coaches",
    (
        _Column("id", _id, required=True, is_id=True),
        _Column("max_mentors", _integer("max_mentors", 0, MAX_INT), required=True),
        _Column("max_mentees", _integer("max_mentees", 0, MAX_INT)),
        _Column("specialisms", _specialisms),
        _Column("languages", _coach_languages),
    ),
    needs_rows=False,
    unique_id=True,
)
_EXCLUSIONS = _TableSpec(
    "exclusions",
    (
        _Column("mentee_id", _id, required=True, is_id=True),
        _Column("mentor_id", _id, required=True, is_id=True),
        _Column("reason", _verbatim),
    ),
    needs_rows=False,
    unique_id=False,
)

_MATCHES = _TableSpec(
    "matches",
    (
        _Column("mentee_id", _id, required=True, is_id=True),
        _Column("mentor_id", _id, is_id=True),
        _Column("coach_id", _id, is_id=True),
    ),
    needs_rows=False,
    unique_id=False,
)

# The matches file's own columns (PRODUCT.md sections 5 and 7) besides the ids: a previous run's output fed back
# as current.csv keeps them, and they are recognised and ignored (``change`` is read: ``locked`` there is a lock).
_MATCHES_OWN = ("score", *CRITERIA, "reason", "reason_detail", "previous_mentor_id", "change_reason")
_CURRENT = _TableSpec(
    "current",
    (
        _Column("mentee_id", _id, required=True, is_id=True),
        _Column("mentor_id", _id, is_id=True),  # an empty cell: no current pair (the column is checked below)
        _Column("coach_id", _id, is_id=True),
        _Column("since", _iso_date),
        _Column("locked", _yes_no),
        _Column("change", _text),
        *(_Column(name, _verbatim) for name in _MATCHES_OWN),
    ),
    needs_rows=False,
    unique_id=False,
)

MENTEE_COLUMNS: tuple[str, ...] = tuple(c.name for c in _MENTEES.columns)
"""The columns of ``mentees.csv``, in the order :func:`write_roster` writes them."""
MENTOR_COLUMNS: tuple[str, ...] = tuple(c.name for c in _MENTORS.columns)
"""The columns of ``mentors.csv``, in the order :func:`write_roster` writes them (``status``, the last, only when
some mentor is not active)."""
COACH_COLUMNS: tuple[str, ...] = tuple(c.name for c in _COACHES.columns)
"""The columns of ``coaches.csv``, in the order :func:`write_roster` writes them."""
EXCLUSION_COLUMNS: tuple[str, ...] = tuple(c.name for c in _EXCLUSIONS.columns)
"""The columns of ``exclusions.csv``, in the order :func:`write_roster` writes them."""


# --------------------------------------------------------------------------------------------------------------
# Reading one file: bytes → text → records with line numbers → header → parsed rows
# --------------------------------------------------------------------------------------------------------------


_MISSING = object()


@dataclass
class _Row:
    line: int
    cells: list[str]
    """The raw cells, for naming a value in a later check."""
    values: dict[str, Any]
    """Model field → parsed value, for every cell that parsed (empty optional cells are left out)."""


@dataclass
class _Table:
    """One file after reading: where each known column sits and every data row, parsed."""

    file: str
    spec: _TableSpec
    header_line: int
    columns: dict[str, tuple[int, str]]
    """Known column name → (index, header as written)."""
    rows: list[_Row] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    """Each valid id → the line of its first row."""

    def raw(self, row: _Row, name: str) -> tuple[str, str] | None:
        """(header as written, raw cell) of a known column in a row, or None if the file lacks the column."""
        where = self.columns.get(name)
        if where is None:
            return None
        index, header = where
        return header, row.cells[index] if index < len(row.cells) else ""


class _Problems:
    """Collects the problems of one read, all files together."""

    def __init__(self) -> None:
        self.items: list[InputProblem] = []

    def add(self, file: str, line: int | None, column: str | None, value: str | None, message: str) -> None:
        self.items.append(InputProblem(file, line, column, value, message))


def _read_text(file: str, problems: _Problems) -> str | None:
    """The file's text decoded as UTF-8 (BOM dropped), or None after adding a file-level problem."""
    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        problems.add(file, None, None, None, "file not found")
        return None
    except IsADirectoryError:
        problems.add(file, None, None, None, "is a folder, not a file")
        return None
    except OSError as err:
        problems.add(file, None, None, None, f"cannot be read: {err.strerror or type(err).__name__}")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        offset = err.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
        problems.add(
            file,
            None,
            None,
            None,
            f"is not UTF-8 text (byte 0x{data[offset]:02X} at byte offset {offset}, line {line}); "
            "save it as 'CSV UTF-8'",
        )
        return None


def _records(file: str, text: str, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line on which it starts (first line = 1; blank lines count)."""
    if csv.field_size_limit() < len(text) + 1:  # one huge cell must be a problem of its own, not a csv.Error
        csv.field_size_limit(min(len(text) + 1, 2**31 - 1))
    reader = csv.reader(_stdio.StringIO(text, newline=""), strict=True)
    done = 0  # physical lines consumed so far
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            problems.add(file, done + 1, None, None, _csv_error_message(str(err)))
            done = reader.line_num
            continue
        line = done + 1
        done = reader.line_num
        yield line, cells


def _csv_error_message(reason: str) -> str:
    if "expected after" in reason:
        return (
            "malformed CSV: text follows a closing quote (nothing may stand between a quoted cell and the next "
            'comma; a quote inside a quoted cell is written twice: "")'
        )
    if "unexpected end of data" in reason:
        return "malformed CSV: a quoted cell that starts here is never closed, so the rest of the file was lost"
    return f"malformed CSV: {reason}"


def _is_blank(cells: list[str]) -> bool:
    """True for a blank line or a row of empty cells (``,,,``); such rows are skipped but keep their line."""
    if cells and cells[0] and not cells[0].isspace():
        return False
    return all(not c or c.isspace() for c in cells)


def _read_table(file: str, spec: _TableSpec, ignore_unknown: bool, problems: _Problems) -> _Table | None:
    text = _read_text(file, problems)
    if text is None:
        return None
    records = _records(file, text, problems)
    for header_line, header in records:  # noqa: B007 - the header row found is read after the loop
        if not _is_blank(header):
            break
    else:
        problems.add(file, None, None, None, "is empty: expected a header row, then one row per person")
        return None

    known = spec.by_name
    columns: dict[str, tuple[int, str]] = {}
    first_seen: dict[str, str] = {}
    unknown: list[tuple[int, str]] = []
    unnamed: list[int] = []
    for index, written in enumerate(header):
        shown = written.strip().strip("\ufeff")  # a second BOM, left by joining files, is no part of a name
        name = shown.casefold()
        if not name:
            unnamed.append(index)
            continue
        if name in first_seen:
            problems.add(
                file,
                header_line,
                shown,
                None,
                f"duplicate column: {first_seen[name]!r} and {shown!r} name the same column "
                "(header names ignore case and surrounding spaces)",
            )
            continue
        first_seen[name] = shown
        if name in known:
            columns[name] = (index, shown)
        else:
            unknown.append((index, shown))

    if not ignore_unknown:
        for _, shown in unknown:
            guess = difflib.get_close_matches(shown.casefold(), list(known), n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            problems.add(
                file,
                header_line,
                shown,
                None,
                f"unknown column{hint}; known columns: {', '.join(known)}; {_IGNORE_HINT}",
            )
    for col in spec.columns:
        if col.required and col.name not in columns:
            problems.add(file, header_line, col.name, None, f"missing required column {col.name!r}")

    table = _Table(file, spec, header_line, columns)
    _parse_rows(table, records, len(header), problems)

    if unnamed and not ignore_unknown:
        for index in unnamed:
            used = next((r for r in table.rows if index < len(r.cells) and r.cells[index].strip()), None)
            if used is not None:
                problems.add(
                    file,
                    header_line,
                    "",
                    None,
                    f"column {index + 1} has no name in the header but holds values (line {used.line}); "
                    f"name it or delete it, or {_IGNORE_HINT}",
                )
    if spec.needs_rows and not table.rows:
        problems.add(file, None, None, None, "has no data rows, only a header")
    return table


def _parse_rows(table: _Table, records: Iterable[tuple[int, list[str]]], width: int, problems: _Problems) -> None:
    """Parse every data row, adding one problem per bad cell; fills ``table.rows`` and ``table.ids``."""
    file = table.file
    plan = [(col, *table.columns[col.name]) for col in table.spec.columns if col.name in table.columns]
    add = problems.add
    rows = table.rows
    ids = table.ids
    check_ids = table.spec.unique_id and "id" in table.columns
    # Cells repeat a lot (languages, tags, slots): parse each distinct text once per column (ids excepted, they
    # are unique). Parsed values are immutable, so rows may share them.
    caches: list[dict[str, Any] | None] = [None if col.is_id else {} for col, _, _ in plan]
    id_index, id_header = table.columns.get("id", (0, "id"))
    for line, cells in records:
        if _is_blank(cells):
            continue
        n = len(cells)
        if n > width:
            extra = next((c for c in cells[width:] if c), cells[width])
            add(file, line, None, extra, f"this row has {n} cells but the header has {width} columns")
        values: dict[str, Any] = {}
        for (col, index, header), cache in zip(plan, caches, strict=True):
            raw = cells[index] if index < n else ""
            text = raw.strip(" ") if col.is_id else raw.strip()
            if not text:
                if col.required:
                    add(file, line, header, raw, f"missing value: {col.name} is required")
                continue
            if cache is not None:
                value = cache.get(text, _MISSING)
                if value is not _MISSING:
                    values[col.name] = value
                    continue
            try:
                value = col.parse(text)
            except _CellError as err:
                add(file, line, header, raw, str(err))
                continue
            values[col.name] = value
            if cache is not None:
                cache[text] = value
        if check_ids and "id" in values:
            first = ids.setdefault(values["id"], line)
            if first != line:
                add(file, line, id_header, cells[id_index], f"duplicate id: first on line {first}")
        rows.append(_Row(line, cells, values))


# --------------------------------------------------------------------------------------------------------------
# Checks across files
# --------------------------------------------------------------------------------------------------------------


def _check_gender_preferences(mentees: _Table, mentors: _Table, problems: _Problems) -> None:
    genders = {row.values["gender"] for table in (mentees, mentors) for row in table.rows if "gender" in row.values}
    for row in mentees.rows:
        preference = row.values.get("gender_preference")
        if preference is None or preference in ("any", "same") or preference in genders:
            continue
        header, raw = mentees.raw(row, "gender_preference")  # type: ignore[misc]
        names = sorted(genders)
        known = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "") or "none"
        problems.add(
            mentees.file,
            row.line,
            header,
            raw,
            f"gender preference is not the gender of any mentee or mentor (a typo?); expected any, same or one "
            f"of: {known}",
        )


def _check_coach_ids(mentors: _Table, coaches: _Table | None, coaches_given: bool, problems: _Problems) -> None:
    for row in mentors.rows:
        coach_id = row.values.get("coach_id")
        if coach_id is None:
            continue
        header, raw = mentors.raw(row, "coach_id")  # type: ignore[misc]
        if coach_id == row.values.get("id"):
            message = "a mentor cannot be their own coach"
        elif not coaches_given:
            message = "names a coach, but no coaches file was given"
        elif coaches is None or "id" not in coaches.columns or coach_id in coaches.ids:  # reported already
            continue
        else:
            message = f"no coach with this id in {coaches.file}"
        problems.add(mentors.file, row.line, header, raw, message)


def _check_exclusion_ids(
    exclusions: _Table, mentees: _Table | None, mentors: _Table | None, problems: _Problems
) -> None:
    for name, table, who in (("mentee_id", mentees, "mentee"), ("mentor_id", mentors, "mentor")):
        if table is None or "id" not in table.columns:  # unreadable file or no id column: reported already
            continue
        for row in exclusions.rows:
            value = row.values.get(name)
            if value is not None and value not in table.ids:
                header, raw = exclusions.raw(row, name)  # type: ignore[misc]
                problems.add(exclusions.file, row.line, header, raw, f"no {who} with this id in {table.file}")


def _current_pairs(
    current: _Table, mentees: _Table | None, mentors: _Table | None, coaches: _Table | None, problems: _Problems
) -> tuple[CurrentPair, ...]:
    """The running mentorships of ``current.csv`` (PRODUCT.md section 7), every inconsistent row a problem.

    A row with an empty ``mentor_id`` is no current pair (a previous matches file lists unmatched mentees so) and
    is skipped unchecked. A row whose ``change`` is ``locked`` is locked unless its ``locked`` cell says otherwise.
    """
    file = current.file
    if "mentor_id" not in current.columns:
        problems.add(file, current.header_line, "mentor_id", None, "missing required column 'mentor_id'")
        return ()
    ended = "remove the row when the mentorship has ended"
    mentee_ids = None if mentees is None or "id" not in mentees.columns else mentees.ids
    mentor_ids = None if mentors is None or "id" not in mentors.columns else mentors.ids
    mentees_file = "" if mentees is None else mentees.file
    mentors_file = "" if mentors is None else mentors.file
    coach_ids = None if coaches is None or "id" not in coaches.columns else coaches.ids
    seen: dict[str, int] = {}
    coach_of: dict[str, tuple[str, int]] = {}
    pairs: list[CurrentPair] = []
    for row in current.rows:
        values = row.values
        mentee_id, mentor_id = values.get("mentee_id"), values.get("mentor_id")
        if mentor_id is None or mentee_id is None:
            continue
        bad = False
        if mentee_ids is not None and mentee_id not in mentee_ids:
            header, raw = current.raw(row, "mentee_id")  # type: ignore[misc]
            problems.add(file, row.line, header, raw, f"no mentee with this id in {mentees_file}; {ended}")
            bad = True
        elif mentee_id in seen:
            header, raw = current.raw(row, "mentee_id")  # type: ignore[misc]
            problems.add(
                file,
                row.line,
                header,
                raw,
                f"mentee listed twice: first on line {seen[mentee_id]}; a mentee has one current mentor",
            )
            bad = True
        else:
            seen[mentee_id] = row.line
        if mentor_ids is not None and mentor_id not in mentor_ids:
            header, raw = current.raw(row, "mentor_id")  # type: ignore[misc]
            problems.add(
                file,
                row.line,
                header,
                raw,
                f"no mentor with this id in {mentors_file}; {ended}, or add the mentor back with status 'leaving'",
            )
            bad = True
        coach_id = values.get("coach_id")
        if coach_id is not None:
            header, raw = current.raw(row, "coach_id")  # type: ignore[misc]
            if coaches is None:
                problems.add(file, row.line, header, raw, "a coach is named but the roster has no coaches file")
                bad = True
            elif coach_ids is not None and coach_id not in coach_ids:
                problems.add(file, row.line, header, raw, f"no coach with this id in {coaches.file}")
                bad = True
            elif mentor_id in coach_of and coach_of[mentor_id][0] != coach_id:
                first, line = coach_of[mentor_id]
                problems.add(
                    file,
                    row.line,
                    header,
                    raw,
                    f"mentor {mentor_id} already has coach {first} (line {line}); a mentor has one coach",
                )
                bad = True
            else:
                coach_of.setdefault(mentor_id, (coach_id, row.line))
        if bad:
            continue
        locked = values.get("locked")
        if locked is None:
            locked = values.get("change") == "locked"
        # every value was parsed and checked above into the model's own types: no second validation
        pairs.append(
            CurrentPair.model_construct(
                mentee_id=mentee_id,
                mentor_id=mentor_id,
                coach_id=coach_id,
                since=values.get("since"),
                locked=locked,
                line=row.line,
            )
        )
    return tuple(pairs)


# --------------------------------------------------------------------------------------------------------------
# read_roster
# --------------------------------------------------------------------------------------------------------------


def _as_str(path: PathLike) -> str:
    return os.fsdecode(os.fspath(path))


def _roster_files(
    folder: PathLike | None, explicit: dict[str, PathLike | None], problems: _Problems
) -> tuple[dict[str, str], dict[str, bool]]:
    """Which file to read for each part (explicit path first, then the folder's), and which parts were given.

    A part counts as given when the user named it or the folder holds it; mentees and mentors always count, so
    that their absence is reported. Parts that cannot be looked up because the folder is missing count as given
    too, so that the missing folder is reported once instead of through every reference into it.
    """
    files: dict[str, str] = {}
    given: dict[str, bool] = {}
    base = None if folder is None else _as_str(folder)
    if base is not None and not os.path.isdir(base) and any(path is None for path in explicit.values()):
        reason = "is not a folder" if os.path.lexists(base) else "roster folder not found"
        problems.add(base, None, None, None, reason)
        base_ok = False
    else:
        base_ok = True
    for part, name in ROSTER_FILES.items():
        required = part in ("mentees", "mentors")
        path = explicit[part]
        if path is not None:
            files[part] = _as_str(path)
            given[part] = True
        elif base is None:
            given[part] = False
            if required:
                problems.add(name, None, None, None, f"no {part} file given: pass a roster folder or its path")
        elif not base_ok:
            given[part] = True
        else:
            candidate = os.path.join(base, name)
            given[part] = required or os.path.lexists(candidate)
            if given[part]:
                files[part] = candidate
    return files, given


def read_roster(
    folder: PathLike | None = None,
    *,
    mentees: PathLike | None = None,
    mentors: PathLike | None = None,
    coaches: PathLike | None = None,
    exclusions: PathLike | None = None,
    current: PathLike | None = None,
    ignore_unknown_columns: bool = False,
) -> Roster:
    """Read and validate a roster: ``mentees.csv``, ``mentors.csv`` and optional ``coaches.csv``, ``exclusions.csv``.

    Parameters
    ----------
    folder : str or path-like, optional
        A roster folder holding the files under their standard names.
    mentees, mentors, coaches, exclusions, current : str or path-like, optional
        Explicit paths; each wins over the folder's file of that name. ``mentees`` and ``mentors`` are required
        (from the folder or explicitly); ``coaches``, ``exclusions`` and ``current`` (the running mentorships of
        PRODUCT.md section 7, or a previous run's matches file as it is) are read when given or present in the
        folder.
    ignore_unknown_columns : bool, default False
        Ignore columns the format does not define instead of reporting them (the CLI's
        ``--ignore-unknown-columns``).

    Returns
    -------
    Roster
        The profiles in file order, normalised as PRODUCT.md section 2 describes; ``files`` maps each part read to
        its path as given.

    Raises
    ------
    InputError
        Listing every problem in every file: file, line as a spreadsheet shows it (header = 1, blank lines count,
        a record spanning lines is named by its first line), column as written in the header, raw cell value and
        what is wrong.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "mentees.csv").write_text("id,age,gender,languages,extremism_type\\nm1,19,male,en;ar,jihadist\\n")
    >>> _ = (folder / "mentors.csv").write_text("ID , Age,Gender,Languages\\nM-7,45,male,AR\\n")
    >>> roster = read_roster(folder)
    >>> roster.mentees[0].languages, roster.mentees[0].extremism_type, roster.mentors[0].languages
    (('en', 'ar'), 'islamist', ('ar',))
    >>> _ = (folder / "mentees.csv").write_text("id,age,gender,languages,extremism_type\\n=m1,19,male,en,other\\n")
    >>> read_roster(folder)
    Traceback (most recent call last):
    ...
    mentormatch.errors.InputError: ...mentees.csv, line 2, column 'id', value '=m1': an id must not begin with '=': ...
    """
    problems = _Problems()
    explicit = {
        "mentees": mentees,
        "mentors": mentors,
        "coaches": coaches,
        "exclusions": exclusions,
        "current": current,
    }
    files, given = _roster_files(folder, explicit, problems)

    ignore = ignore_unknown_columns
    specs = {
        "mentees": _MENTEES,
        "mentors": _MENTORS,
        "coaches": _COACHES,
        "exclusions": _EXCLUSIONS,
        "current": _CURRENT,
    }
    tables: dict[str, _Table | None] = {
        part: _read_table(files[part], specs[part], ignore, problems) if part in files else None for part in specs
    }
    mentee_t, mentor_t, coach_t, exclusion_t, current_t = (tables[p] for p in specs)

    if mentee_t is not None and mentor_t is not None:
        _check_gender_preferences(mentee_t, mentor_t, problems)
    if mentor_t is not None:
        _check_coach_ids(mentor_t, coach_t, given["coaches"], problems)
    if exclusion_t is not None:
        _check_exclusion_ids(exclusion_t, mentee_t, mentor_t, problems)
    pairs = None if current_t is None else _current_pairs(current_t, mentee_t, mentor_t, coach_t, problems)

    if problems.items:
        raise InputError(problems.items)
    assert mentee_t is not None and mentor_t is not None  # noqa: S101 - no problems means both were read

    def build(table: _Table | None, model: Any) -> tuple[Any, ...]:
        # Every value was parsed and checked above against the rules the model states, into the model's own types
        # (a test compares this with full validation), so pydantic's second validation (0.4 s for 25 000 rows)
        # is skipped.
        return () if table is None else tuple(model.model_construct(**row.values) for row in table.rows)

    return Roster(
        mentees=build(mentee_t, Mentee),
        mentors=build(mentor_t, Mentor),
        coaches=build(coach_t, Coach),
        exclusions=build(exclusion_t, Exclusion),
        current=pairs,
        files=dict(files),
    )


@dataclass(frozen=True)
class GivenMatching:
    """A matching read from a matches file, in index space of the roster it was read against.

    ``mentor_of[i]`` is mentee i's mentor index (−1 = unmatched or not in the file); ``coach_of[j]`` mentor j's
    coach index (−1 = none), or None when the file has no ``coach_id`` column; ``line_of[i]`` the line of mentee
    i's row (None if absent), for locating a rule the matching breaks.
    """

    file: str
    mentor_of: list[int]
    coach_of: list[int] | None
    line_of: list[int | None]


def read_matches(path: PathLike, roster: Roster) -> GivenMatching:
    """Read a matches file (as :func:`write_matches` writes it, or any CSV with ``mentee_id`` and ``mentor_id``
    columns, and ``coach_id`` with coaches) against ``roster``.

    Other columns are ignored; a mentee missing from the file is unmatched. Hard rules are not checked here
    (:func:`mentormatch.match.load_matching` does that with the file's lines).

    Raises
    ------
    InputError
        Every problem at once: unknown ids, a mentee listed twice, a mentor given two coaches.
    """
    file = _as_str(path)
    problems = _Problems()
    table = _read_table(file, _MATCHES, True, problems)
    if table is None:
        raise InputError(problems.items)
    mentee_index = {p.id: i for i, p in enumerate(roster.mentees)}
    mentor_index = {p.id: j for j, p in enumerate(roster.mentors)}
    coach_index = {c.id: c_ for c_, c in enumerate(roster.coaches)}
    has_coaches = "coach_id" in table.columns
    mentor_of = [-1] * len(roster.mentees)
    line_of: list[int | None] = [None] * len(roster.mentees)
    coach_of = [-1] * len(roster.mentors) if has_coaches else None
    coach_line: dict[int, int] = {}
    for row in table.rows:
        header_of = {name: where[1] for name, where in table.columns.items()}
        mentee_id = row.values.get("mentee_id")
        if mentee_id is None:
            continue
        i = mentee_index.get(mentee_id)
        if i is None:
            problems.add(file, row.line, header_of["mentee_id"], mentee_id, "no mentee with this id in the roster")
            continue
        if line_of[i] is not None:
            problems.add(
                file, row.line, header_of["mentee_id"], mentee_id, f"mentee listed twice: first on line {line_of[i]}"
            )
            continue
        line_of[i] = row.line
        mentor_id = row.values.get("mentor_id")
        if mentor_id is None:
            continue
        j = mentor_index.get(mentor_id)
        if j is None:
            problems.add(file, row.line, header_of["mentor_id"], mentor_id, "no mentor with this id in the roster")
            continue
        mentor_of[i] = j
        coach_id = row.values.get("coach_id")
        if coach_of is None or coach_id is None:
            continue
        c = coach_index.get(coach_id)
        if c is None:
            problems.add(file, row.line, header_of["coach_id"], coach_id, "no coach with this id in the roster")
        elif coach_of[j] not in (-1, c):
            problems.add(
                file,
                row.line,
                header_of["coach_id"],
                coach_id,
                f"mentor {mentor_id} already has coach {roster.coaches[coach_of[j]].id} "
                f"(line {coach_line[j]}); a mentor has one coach",
            )
        else:
            coach_of[j] = c
            coach_line.setdefault(j, row.line)
    if problems.items:
        raise InputError(problems.items)
    return GivenMatching(file, mentor_of, coach_of, line_of)


# --------------------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------------------


def write_text_atomic(path: PathLike, text: str) -> None:
    """Write UTF-8 text to ``path`` all or nothing (see :func:`write_bytes_atomic`); line endings as given.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_text_atomic(target, "a\\nb\\n")
    >>> target.read_text()
    'a\\nb\\n'
    """
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` all or nothing.

    The bytes go to a temporary file in the same folder, are flushed to disk (``fsync``) and then renamed over
    ``path`` (``os.replace``). If anything fails, the temporary file is removed and an existing file at ``path`` is
    left exactly as it was. A new file is readable by its owner only (it may hold special-category data); a
    replaced file keeps its permissions.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace. Its folder must exist.
    data : bytes
        The whole content.

    Raises
    ------
    OSError
        If the folder does not exist, ``path`` is a folder, or the disk refuses the write.
    """
    target = os.path.abspath(_as_str(path))
    folder, name = os.path.split(target)
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    replaced = False
    try:
        with open(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, os.stat(target).st_mode & 0o7777)
        os.replace(temp, target)
        replaced = True
    finally:
        if not replaced:  # any failure, even an interrupt: remove the temporary file, keep the old one
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename durable where the platform allows it (POSIX); best effort."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_csv_atomic(path: PathLike, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a CSV file all or nothing: UTF-8 without BOM, ``\\n`` line endings, minimal quoting.

    Every row is formatted (``str()`` of each cell, ``None`` as an empty cell) before anything touches the disk,
    then the file is written with :func:`write_text_atomic`; an error in any row leaves an existing file untouched.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace.
    header : sequence of str
        The column names.
    rows : iterable of sequences
        One sequence of cells per row.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
    >>> write_csv_atomic(target, ["id", "note"], [["m1", "a, b"], ["m2", None]])
    >>> target.read_text()
    'id,note\\nm1,"a, b"\\nm2,\\n'
    """
    buffer = _stdio.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    # With "\n" as line terminator the csv module does not quote a cell holding a lone "\r", which a reader
    # (and a spreadsheet) would take as a line break; rows with one are written with "\r\n" and then re-ended.
    with_cr = _stdio.StringIO()
    cr_writer = csv.writer(with_cr, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in (header, *rows):
        cells = ["" if cell is None else str(cell) for cell in row]
        if any("\r" in cell for cell in cells):
            with_cr.seek(0)
            with_cr.truncate()
            cr_writer.writerow(cells)
            buffer.write(with_cr.getvalue()[:-2] + "\n")
        else:
            writer.writerow(cells)
    write_text_atomic(path, buffer.getvalue())


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


CURRENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in _CURRENT.columns[:5])
"""The columns of ``current.csv`` as :func:`write_roster` writes them (``locked`` as ``yes`` / ``no``)."""


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


def _score_cell(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return "" if math.isnan(number) else f"{number + 0.0:.1f}"


def _text_cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def write_matches(result: Any, path: PathLike) -> None:
    """Write a matching as the matches CSV of PRODUCT.md section 5, all or nothing.

    One row per mentee in input order with the columns of :data:`mentormatch.result.OUTPUT_COLUMNS` (then
    ``previous_mentor_id, change, change_reason`` when current pairs were given); ``score``
    and the criterion columns 0-100 with one decimal, empty where unmatched; UTF-8 without BOM, ``\n`` line
    endings, minimal quoting (:func:`write_csv_atomic`).

    Parameters
    ----------
    result : MatchResult
        From :func:`mentormatch.solve`; only its ``table`` is read.
    path : str or path-like
        The file to create or replace; an existing file is untouched if writing fails.
    """
    from mentormatch.result import CONTINUITY_COLUMNS, OUTPUT_COLUMNS

    table = result.table
    number_columns = set(OUTPUT_COLUMNS[3:-2])
    names = OUTPUT_COLUMNS + (CONTINUITY_COLUMNS if "change" in table.columns else ())
    columns = [
        [(_score_cell if name in number_columns else _text_cell)(v) for v in table[name].tolist()] for name in names
    ]
    write_csv_atomic(path, names, zip(*columns, strict=True))
