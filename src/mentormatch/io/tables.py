"""What each file holds, and how one CSV file is read into located, parsed rows.

A :class:`_TableSpec` lists a file's columns, each with its cell parser (:mod:`mentormatch.io.cells`): mentees,
mentors, coaches, exclusions, current pairs and matches files. The public ``*_COLUMNS`` are the column orders
:func:`~mentormatch.io.write_roster` writes. :func:`_read_table` reads one file: bytes → UTF-8 text → CSV records
with the line each starts on → header (names ignore case and surrounding spaces) → parsed rows, adding every problem
to a :class:`_ProblemLog` collector, located by file, line (as a spreadsheet shows it), column (as written in the
header) and raw value.
"""

from __future__ import annotations

import csv
import difflib
import io as _stdio
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mentormatch.config import CRITERIA
from mentormatch.errors import InputProblem
from mentormatch.io.cells import (
    MAX_INT,
    _availability,
    _CellError,
    _coach_languages,
    _experience_years,
    _extremism_type,
    _extremism_types,
    _id,
    _integer,
    _iso_date,
    _languages,
    _risk_level,
    _specialisms,
    _status,
    _tags,
    _text,
    _verbatim,
    _yes_no,
)

_IGNORE_HINT = "pass --ignore-unknown-columns (ignore_unknown_columns=True) to ignore unknown columns"
_RESAVE = (
    "re-save it from the spreadsheet as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8; LibreOffice: character "
    "set Unicode (UTF-8)) or as Excel's 'Unicode Text'"
)

DELIMITERS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}
"""The separators a roster CSV may use, each with its name (``--delimiter`` takes the character or the name)."""


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
    decimal: bool = False
    """A decimal number: in a semicolon- or tab-separated file a decimal comma is accepted (``2,5`` = 2.5)."""


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
        _Column("experience_years", _experience_years, decimal=True),
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
        _Column("mentor_id", _id, is_id=True),  # empty: no current pair (roster.py checks the column)
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
CURRENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in _CURRENT.columns[:5])
"""The columns of ``current.csv`` as :func:`write_roster` writes them (``locked`` as ``yes`` / ``no``)."""


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
    decimal_comma: bool = False
    """Decimal numbers may use a decimal comma (a semicolon- or tab-separated file)."""
    unknown: list[str] = field(default_factory=list)
    """Headers (as written) of the columns the format does not define."""

    def raw(self, row: _Row, name: str) -> tuple[str, str] | None:
        """(header as written, raw cell) of a known column in a row, or None if the file lacks the column."""
        where = self.columns.get(name)
        if where is None:
            return None
        index, header = where
        return header, row.cells[index] if index < len(row.cells) else ""


class _ProblemLog:
    """Collects the problems of one read, all files together."""

    def __init__(self) -> None:
        self.items: list[InputProblem] = []

    def add(self, file: str, line: int | None, column: str | None, value: str | None, message: str) -> None:
        self.items.append(InputProblem(file, line, column, value, message))


def _read_bytes(file: str, problems: _ProblemLog) -> bytes | None:
    """The file's bytes, or None after adding a file-level problem (missing, a folder, unreadable)."""
    try:
        with open(file, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        problems.add(file, None, None, None, "file not found")
    except IsADirectoryError:
        problems.add(file, None, None, None, "is a folder, not a file")
    except OSError as err:
        problems.add(file, None, None, None, f"cannot be read: {err.strerror or type(err).__name__}")
    return None


def _read_text(file: str, problems: _ProblemLog) -> str | None:
    """The file's text decoded as UTF-8 (BOM dropped), or None after adding a file-level problem."""
    data = _read_bytes(file, problems)
    if data is None:
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM: Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            problems.add(
                file,
                None,
                None,
                None,
                f"starts as UTF-16 text but is not valid UTF-16 (at byte offset {err.start}); {_RESAVE}",
            )
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
            f"is not UTF-8 text (byte 0x{data[offset]:02X} at byte offset {offset}, line {line}); {_RESAVE}",
        )
        return None


def sniff_delimiter(text: str) -> str:
    """The separator of a CSV text, decided from its header line (PRODUCT.md section 2).

    The header line is the first line that is not blank. Outside quoted cells, its commas, semicolons and tabs are
    counted, and the one that occurs most often is the separator; a tie goes to the comma, then the semicolon; a
    line with none of them is comma-separated (a one-column file). Header names never hold a separator, so a
    semicolon-separated export (Excel in Danish, Norwegian, German or French settings) or a tab-separated one
    (Excel's "Unicode text") is told apart from a comma-separated file whose list cells hold semicolons, which are
    then quoted.

    Examples
    --------
    >>> sniff_delimiter("id;age;gender\\n")
    ';'
    >>> sniff_delimiter('\\nid,age,"languages"\\nm1,19,"en;ar"\\n')
    ','
    >>> sniff_delimiter("id\\tage\\n")
    '\\t'
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    seen = False  # any character of the header line yet (blank lines before it are skipped)
    for char in text:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "\r\n":
            if seen:
                break
            continue
        elif char in counts:
            counts[char] += 1
        if not char.isspace() or char == "\t":
            seen = True
    return max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equal counts: comma, then semicolon


def delimiter_of(value: str) -> str:
    """The separator a ``--delimiter`` value names: the character itself or its name (``comma``, ``semicolon``,
    ``tab``, also ``\\t``); ``ValueError`` for anything else."""
    text = value.strip().casefold() if value.strip() else value
    if text in DELIMITERS:
        return text
    if text == "\\t":
        return "\t"
    for char, name in DELIMITERS.items():
        if text == name:
            return char
    raise ValueError(f"unknown delimiter {value!r}: use comma, semicolon or tab (or the character , ; or \\t)")


def _records(file: str, text: str, problems: _ProblemLog, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line on which it starts (first line = 1; blank lines count)."""
    if csv.field_size_limit() < len(text) + 1:  # one huge cell must be a problem of its own, not a csv.Error
        csv.field_size_limit(min(len(text) + 1, 2**31 - 1))
    reader = csv.reader(_stdio.StringIO(text, newline=""), delimiter=delimiter, strict=True)
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


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
"""File name endings read as Excel workbooks (the ``excel`` extra)."""


def is_workbook(file: str) -> bool:
    """True when ``file`` names an Excel workbook (:data:`WORKBOOK_SUFFIXES`, any case)."""
    return file.casefold().endswith(WORKBOOK_SUFFIXES)


def header_key(written: str) -> str:
    """The column name a header cell means: casefolded, surrounding spaces dropped, runs of spaces, hyphens and
    underscores turned into one ``_`` (``Extremism Type`` and ``extremism-type`` mean ``extremism_type``).

    Examples
    --------
    >>> header_key(" Coach ID "), header_key("extremism-type"), header_key("Max  Mentees")
    ('coach_id', 'extremism_type', 'max_mentees')
    """
    return _SEPARATORS_RE.sub("_", written.strip().strip("\ufeff").strip()).casefold()


_SEPARATORS_RE = re.compile(r"[\s\-_]+")


def _read_table(
    file: str, spec: _TableSpec, ignore_unknown: bool, problems: _ProblemLog, delimiter: str | None = None
) -> _Table | None:
    """Read one file of kind ``spec``: a CSV file, or an Excel workbook when its name ends in ``.xlsx``
    (:mod:`mentormatch.io.workbook`); ``delimiter`` None decides a CSV file's separator from its header line
    (:func:`sniff_delimiter`)."""
    records: Iterator[tuple[int, list[str]]]
    if is_workbook(file):
        from mentormatch.io.workbook import workbook_records

        found = workbook_records(file, problems)
        if found is None:
            return None
        records, delimiter = found, ","
    else:
        text = _read_text(file, problems)
        if text is None:
            return None
        if delimiter is None:
            delimiter = sniff_delimiter(text)
        records = _records(file, text, problems, delimiter)
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
        name = header_key(shown)
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
                "(header names ignore case and surrounding spaces, and read spaces and hyphens as _)",
            )
            continue
        first_seen[name] = shown
        if name in known:
            columns[name] = (index, shown)
        else:
            unknown.append((index, shown))

    # An unknown column is one problem with at most one guess; a guess at a missing required column stands for
    # that column's "missing" problem too. The known columns are listed once per file.
    absent = [name for name in known if name not in columns]
    required_absent = {col.name for col in spec.columns if col.required and col.name not in columns}
    guessed: dict[str, str] = {}  # missing required column → the unknown header that seems to mean it
    first = min((shown for _, shown in unknown), default=None)  # the one listed first carries the column list
    for _, shown in unknown:
        guess = difflib.get_close_matches(header_key(shown), absent, n=1)
        if guess and guess[0] in required_absent and guess[0] not in guessed:
            guessed[guess[0]] = shown
            hint = f" (did you mean {guess[0]!r}? that required column is missing)"
        else:
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        if ignore_unknown:
            continue
        if shown != first:
            problems.add(file, header_line, shown, None, f"unknown column{hint}")
        else:
            problems.add(
                file,
                header_line,
                shown,
                None,
                f"unknown column{hint}; the columns of a {spec.kind} file are {', '.join(known)}; {_IGNORE_HINT}",
            )
    for col in spec.columns:
        if col.required and col.name not in columns:
            if col.name in guessed and not ignore_unknown:
                continue
            seems = f" (column {guessed[col.name]!r} was ignored: did you mean it?)" if col.name in guessed else ""
            problems.add(file, header_line, col.name, None, f"missing required column {col.name!r}{seems}")

    table = _Table(file, spec, header_line, columns, decimal_comma=delimiter != ",", unknown=[u for _, u in unknown])
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


def _parse_rows(table: _Table, records: Iterable[tuple[int, list[str]]], width: int, problems: _ProblemLog) -> None:
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
            if col.decimal and table.decimal_comma and text.count(",") == 1 and "." not in text:
                text = text.replace(",", ".")
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
