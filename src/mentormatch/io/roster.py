"""read_roster: a roster folder (or explicit files) → validated profiles, or every problem in every file at once.

It finds the file of each part (:data:`ROSTER_FILES`), reads each with :func:`~mentormatch.io.tables._read_table`,
then checks across files: gender preferences against the genders present, the mentors' coach ids, the exclusions'
ids, and the current pairs of ``current.csv`` (PRODUCT.md section 7) against the mentees, mentors and coaches.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ParamSpec, TypeVar

from mentormatch.errors import InputError
from mentormatch.io._paths import PathLike, _as_str
from mentormatch.io.mismatch import category_warnings, ignored_columns, ordered
from mentormatch.io.tables import (
    _COACHES,
    _CURRENT,
    _EXCLUSIONS,
    _MENTEES,
    _MENTORS,
    DELIMITERS,
    WORKBOOK_SUFFIXES,
    _ProblemLog,
    _read_table,
    _Table,
)
from mentormatch.schema import Coach, CurrentPair, Exclusion, Mentee, Mentor, Roster

P = ParamSpec("P")
R = TypeVar("R")

ROSTER_FILES: dict[str, str] = {
    "mentees": "mentees.csv",
    "mentors": "mentors.csv",
    "coaches": "coaches.csv",
    "exclusions": "exclusions.csv",
    "current": "current.csv",
}
"""The file name of each part of a roster inside a roster folder."""


# --------------------------------------------------------------------------------------------------------------
# Checks across files
# --------------------------------------------------------------------------------------------------------------


def _check_gender_preferences(mentees: _Table, mentors: _Table, problems: _ProblemLog) -> None:
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


def _check_coach_ids(mentors: _Table, coaches: _Table | None, coaches_given: bool, problems: _ProblemLog) -> None:
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
    exclusions: _Table, mentees: _Table | None, mentors: _Table | None, problems: _ProblemLog
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
    current: _Table, mentees: _Table | None, mentors: _Table | None, coaches: _Table | None, problems: _ProblemLog
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


def _roster_files(
    folder: PathLike | None, explicit: dict[str, PathLike | None], problems: _ProblemLog
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
            stem = os.path.splitext(candidate)[0]
            workbooks = [stem + suffix for suffix in WORKBOOK_SUFFIXES if os.path.lexists(stem + suffix)]
            if workbooks and os.path.lexists(candidate):
                problems.add(
                    base,
                    None,
                    None,
                    None,
                    f"holds both {name} and {os.path.basename(workbooks[0])}: keep one, or name it with --{part}",
                )
                given[part] = True
                continue
            if workbooks:
                candidate = workbooks[0]
            given[part] = required or os.path.lexists(candidate)
            if given[part]:
                files[part] = candidate
    return files, given


def _collector_paused(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` with Python's cyclic garbage collector paused while it runs (and restored after): reading
    allocates several objects per cell that all live on, so the collector's passes over them free nothing (at
    20000 × 5000, 0.55 s to read instead of 0.7 s)."""

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


@_collector_paused
def read_roster(
    folder: PathLike | None = None,
    *,
    mentees: PathLike | None = None,
    mentors: PathLike | None = None,
    coaches: PathLike | None = None,
    exclusions: PathLike | None = None,
    current: PathLike | None = None,
    ignore_unknown_columns: bool = False,
    delimiter: str | None = None,
    strict: bool = False,
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
    delimiter : {",", ";", "\\t"}, optional
        The files' separator (the CLI's ``--delimiter``). By default each file's is decided from its header line
        (:func:`~mentormatch.io.tables.sniff_delimiter`: the most frequent of comma, semicolon and tab outside
        quotes), so a semicolon-separated export from Excel in Danish, Norwegian, German or French settings reads
        as it is.
    strict : bool, default False
        Make the warnings errors (the CLI's ``--strict``): values of a compared category used on one side only or
        spelt differently (``M`` among mentees, ``male`` among mentors), and ignored unknown columns.

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
    problems = _ProblemLog()
    explicit = {
        "mentees": mentees,
        "mentors": mentors,
        "coaches": coaches,
        "exclusions": exclusions,
        "current": current,
    }
    files, given = _roster_files(folder, explicit, problems)

    ignore = ignore_unknown_columns
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ValueError(f"delimiter must be one of {', '.join(map(repr, DELIMITERS))}, not {delimiter!r}")
    specs = {
        "mentees": _MENTEES,
        "mentors": _MENTORS,
        "coaches": _COACHES,
        "exclusions": _EXCLUSIONS,
        "current": _CURRENT,
    }
    tables: dict[str, _Table | None] = {
        part: _read_table(files[part], specs[part], ignore, problems, delimiter) if part in files else None
        for part in specs
    }
    mentee_t, mentor_t, coach_t, exclusion_t, current_t = (tables[p] for p in specs)

    if mentee_t is not None and mentor_t is not None:
        _check_gender_preferences(mentee_t, mentor_t, problems)
    if mentor_t is not None:
        _check_coach_ids(mentor_t, coach_t, given["coaches"], problems)
    if exclusion_t is not None:
        _check_exclusion_ids(exclusion_t, mentee_t, mentor_t, problems)
    pairs = None if current_t is None else _current_pairs(current_t, mentee_t, mentor_t, coach_t, problems)

    found = [w for t in tables.values() if t is not None and (w := ignored_columns(t)) is not None]
    if mentee_t is not None and mentor_t is not None:
        found.extend(category_warnings(mentee_t, mentor_t, coach_t))
    warnings = ordered(found)
    if strict:
        problems.items.extend(
            replace(w.problem, message=f"{w.problem.message} (an error under --strict / strict=True)") for w in warnings
        )
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
        warnings=warnings,
    )
