"""Matches files: :func:`write_matches` writes a matching as the CSV of PRODUCT.md section 5; :func:`read_matches`
reads one (or any CSV with ``mentee_id`` and ``mentor_id`` columns) against a roster as a :class:`GivenMatching`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mentormatch.errors import InputError
from mentormatch.io._paths import PathLike, _as_str
from mentormatch.io.atomic import write_bytes_atomic, write_csv_atomic
from mentormatch.io.tables import _MATCHES, _ProblemLog, _read_table, is_workbook
from mentormatch.schema import Roster


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
    problems = _ProblemLog()
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


def _score_cell(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return "" if math.isnan(number) else f"{number + 0.0:.1f}"


def _score_number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else round(number + 0.0, 1)


def _text_cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def write_matches(result: Any, path: PathLike) -> None:
    """Write a matching as the matches CSV of PRODUCT.md section 5 (or, for a name ending in ``.xlsx``, as an Excel
    workbook with the same columns and rows, scores as numbers: the ``excel`` extra), all or nothing.

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
    if is_workbook(_as_str(path)):  # the same cells, numbers as numbers
        from mentormatch.io.workbook import workbook_bytes

        columns = [
            [(_score_number if name in number_columns else _text_cell)(v) for v in table[name].tolist()]
            for name in names
        ]
        write_bytes_atomic(path, workbook_bytes(names, zip(*columns, strict=True), sheet="matches"))
        return
    columns = [
        [(_score_cell if name in number_columns else _text_cell)(v) for v in table[name].tolist()] for name in names
    ]
    write_csv_atomic(path, names, zip(*columns, strict=True))
