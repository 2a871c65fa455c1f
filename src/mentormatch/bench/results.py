"""The results of a sweep: the file's columns and statuses, reading it, appending to it, and the machine.

This module owns the results format: :data:`BENCH_COLUMNS` (the columns, in order) and :data:`STATUSES`, the one
reader :func:`read_results`, the resumable writer that :func:`~mentormatch.bench.benchmark` appends through (one
whole row at a time, checked and repaired on open), and :func:`machine` and :func:`cpu_count`, what every row
records about the machine it ran on (the scripts in ``benchmarks/`` head their tables with the same).

Statuses
--------
--------
``optimal``, ``feasible``, ``no_solution``
    As :class:`~mentormatch.Status`: a search stopped by its ``time_limit`` is ``feasible`` (with ``bound`` and
    ``gap``) or ``no_solution``, not ``timeout``.
``timeout``
    The process ran past its wall limit (by default ``3 × time_limit + 120`` s, setup included) and was killed.
``out_of_memory``
    The run hit a ``MemoryError`` or an allocation failure: beyond ``memory_limit_gb`` (a limit on the process's
    address space from the read stage on, ``RLIMIT_AS``) or beyond what the machine had.
``error``
    Anything else: a solver that cannot take the roster, a crash, a killed process; ``error`` says what, by
    exception class and a short text, never by profile values.

Runs that time out, run out of memory or fail are recorded like the others, never dropped.

The results file
----------------
One row per run, columns :data:`BENCH_COLUMNS` in this order (an empty cell = not known or not applicable):

================= ======= ===========================================================================================
column            type    meaning
================= ======= ===========================================================================================
key               str     12 hex digits identifying the run: a hash of its roster (sizes and ``coach_limits``, or
                          the roster folder's absolute path and a hash of its files' content), seed, solver, time
                          limit, config (as TOML) and mentormatch version. A rerun skips the keys already in the file.
mentees           int     mentees in the roster
mentors           int     mentors
coaches           int     coaches (0 = no coach tier)
coach_limits      str     the generator's ``coach_limits`` (``default``, ``moderate``, ``hard``, ``binding``); empty
                          for a folder
workloads         str     ``generated`` (the generator's workloads, about 10 % of 2) or ``unit`` (every workload set
                          to 1, the pure flow path); empty for a folder
current_share     float   with current pairs (PRODUCT.md section 7): the generator's roster turned into a next month
                          by :func:`~mentormatch.synthetic.next_month` with this ``current_share`` (untimed; the
                          config's ``[continuity] mode`` applies); empty: no current pairs
roster            str     the roster folder's absolute path; empty for a generated roster
seed              int     the generator's and solver's seed
solver            str     the solver asked for (``auto``, ``hungarian``, ``flow``, ``cpsat``)
time_limit        float   the solver's time limit in seconds
config            str     ``default``, or the first 12 hex digits of the SHA-256 of the config's TOML (the TOML
                          itself is in the ``.machine.json`` file beside the results)
status            str     one of :data:`STATUSES`
solver_used       str     the method that produced the answer (``MatchResult.solver``, e.g. ``flow-priced``)
priority_sum      int     Σ priority over matched mentees
priority_bound    int     upper bound on Σ priority (equal to it when proven)
objective         float   Σ score over matched pairs, scores on the 0–1 scale (``MatchResult.objective``)
bound             float   upper bound on ``objective`` among answers reaching ``priority_sum``
gap               float   (bound − objective) / bound, a fraction (0.01 = 1 %)
matched           int     matched mentees
unmatched         int     unmatched mentees
matched_high      int     matched mentees of risk level high
matched_medium    int     ... medium
matched_low       int     ... low
mean_score        float   mean score of the matched pairs, 0–100 scale
min_score         float   lowest score of a matched pair, 0–100 scale
seconds_read      float   wall seconds of each timed stage (:mod:`mentormatch.bench.worker`)
seconds_score     float
seconds_solve     float
seconds_verify    float
seconds_write     float
seconds_total     float   from the start of read to the end of write; for a ``timeout``, the seconds the process
                          ran before it was killed (setup included)
peak_memory_mb    float   peak resident memory of the run's process in MiB (``ru_maxrss``), see the worker
version           str     mentormatch version of the process that ran it
python            str     Python version
numpy             str     numpy version
scipy             str     scipy version
ortools           str     OR-Tools version
platform          str     operating system (``platform.platform()``)
cpu_count         int     CPUs the process could use
memory_gb         float   the machine's physical memory in GiB
host              str     host name (runs on a Dask cluster may land on different machines)
started           str     when the run started, UTC, ISO 8601 (``2026-11-22T10:04:05Z``)
error             str     what went wrong, for ``timeout``, ``out_of_memory`` and ``error``; else empty
================= ======= ===========================================================================================

The file is UTF-8 CSV with ``\\n`` line endings, read back by :func:`read_results`. Rows are appended in the order
runs finish, each in a single write followed by ``fsync``, so an interrupted sweep (Ctrl-C, a killed process)
leaves whole rows; a half-written last line (power loss) is dropped on the next run and its run repeated. Beside
it, :func:`~mentormatch.bench.benchmark` writes ``<output>.machine.json``: the :func:`machine` of the process that
called it, the Dask workers' machines when a scheduler was given, and the TOML of each config by its digest
(rewritten by each call that has runs to do; every row carries its own machine columns).
"""

from __future__ import annotations

import csv
import io as _stdio
import json
import math
import os
import platform
import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mentormatch._threads import cpu_count  # the one CPU count (the scoring threads use it too)
from mentormatch.io import write_text_atomic

__all__ = [
    "BENCH_COLUMNS",
    "STATUSES",
    "INT_COLUMNS",
    "FLOAT_COLUMNS",
    "MACHINE_COLUMNS",
    "REQUIRED_COLUMNS",
    "read_results",
    "machine",
    "cpu_count",
    "package_version",
]

BENCH_COLUMNS: tuple[str, ...] = (
    "key", "mentees", "mentors", "coaches", "coach_limits", "workloads", "current_share", "roster", "seed", "solver",
    "time_limit", "config",
    "status", "solver_used", "priority_sum", "priority_bound", "objective", "bound", "gap",
    "matched", "unmatched", "matched_high", "matched_medium", "matched_low", "mean_score", "min_score",
    "seconds_read", "seconds_score", "seconds_solve", "seconds_verify", "seconds_write", "seconds_total",
    "peak_memory_mb", "version", "python", "numpy", "scipy", "ortools", "platform", "cpu_count", "memory_gb",
    "host", "started", "error",
)  # fmt: skip
"""Columns of the results file, in order (described in the module docstring)."""

STATUSES: tuple[str, ...] = ("optimal", "feasible", "no_solution", "timeout", "out_of_memory", "error")
"""Values of the ``status`` column."""

INT_COLUMNS: frozenset[str] = frozenset({
    "mentees", "mentors", "coaches", "seed", "priority_sum", "priority_bound", "matched", "unmatched",
    "matched_high", "matched_medium", "matched_low", "cpu_count",
})  # fmt: skip
FLOAT_COLUMNS: frozenset[str] = frozenset({
    "current_share", "time_limit", "objective", "bound", "gap", "mean_score", "min_score", "seconds_read",
    "seconds_score", "seconds_solve", "seconds_verify", "seconds_write", "seconds_total", "peak_memory_mb", "memory_gb",
})  # fmt: skip
"""The numeric columns; every other column is text. :func:`read_results` gives ints as ``Int64`` (nullable)."""

MACHINE_COLUMNS: tuple[str, ...] = (
    "version", "python", "numpy", "scipy", "ortools", "platform", "cpu_count", "memory_gb", "host",
)  # fmt: skip
"""The columns filled from :func:`machine`."""

REQUIRED_COLUMNS: tuple[str, ...] = ("mentees", "mentors", "solver", "status", "seconds_total")
"""Columns every results table needs; the others are optional here (missing values when absent)."""


# ---------------------------------------------------------------------------------------------------------------
# Reading


def read_results(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a results CSV of ``mentormatch bench``, typed by column.

    Counts (:data:`INT_COLUMNS`) become nullable integers (``Int64``), times, memory, objective, bound, gap and
    the other :data:`FLOAT_COLUMNS` floats (``NaN`` where the cell is empty), everything else text with empty
    cells missing (``None``); a half-written last line (a sweep still running, or cut off) is ignored. Any CSV
    with the columns of :data:`REQUIRED_COLUMNS` is read: files that :func:`~mentormatch.bench.benchmark` writes
    (typed as it returns them), files of other versions, files joined or trimmed by hand. Columns this version
    does not know are kept, as text. Rows come in file order (the order runs finished).

    Parameters
    ----------
    path : str or path-like
        The CSV file (UTF-8, header row first).

    Returns
    -------
    pandas.DataFrame
        One row per run, columns in file order.

    Raises
    ------
    ValueError
        The file is empty or not UTF-8 text, a row has more or fewer cells than the header (each such line is
        named), the file lacks a column of :data:`REQUIRED_COLUMNS` (all missing ones are named), a numeric cell
        is not a number, or a status is not one of :data:`STATUSES` (each offending row is named).
    OSError
        The file cannot be read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.csv"
    >>> _ = path.write_text("mentees,mentors,solver,status,seconds_total,gap\\n300,100,auto,optimal,1.5,\\n")
    >>> runs = read_results(path)
    >>> runs.dtypes["mentees"], runs.dtypes["gap"], runs.loc[0, "solver"]
    (Int64Dtype(), dtype('float64'), 'auto')
    """
    where = os.fspath(path)
    with open(path, "rb") as handle:
        data = handle.read()
    complete = data[: data.rfind(b"\n") + 1] or data  # a half-written last line is dropped, a lone header kept
    if not complete.strip():
        raise ValueError(f"{where} is empty: expected a header row with the columns {', '.join(REQUIRED_COLUMNS)}")
    _check_cell_counts(complete, where)
    frame = pd.read_csv(BytesIO(complete), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    _check_columns(frame, where)
    problems: list[str] = []
    frame = _typed(frame, problems)
    if problems:
        raise ValueError(f"{where}: " + "; ".join(_first(problems)))
    _check_statuses(frame, where)
    return frame


def _check_cell_counts(data: bytes, where: str) -> None:
    """ValueError unless ``data`` is UTF-8 text whose every row has as many cells as its header."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not a mentormatch bench results file (not UTF-8 text)") from None
    reader = csv.reader(_stdio.StringIO(text))
    header = next(reader, [])
    bad = [
        f"line {reader.line_num}: {len(row)} cells, expected {len(header)}"
        for row in reader
        if row and len(row) != len(header)
    ]
    if bad:
        which = "that line" if len(bad) == 1 else "those lines"
        raise ValueError(f"{where}, {'; '.join(_first(bad))}: the file was changed by hand; repair {which}")


def _check_columns(frame: pd.DataFrame, where: str) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(
            f"{where} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(needed: {', '.join(REQUIRED_COLUMNS)})"
        )


def _check_statuses(frame: pd.DataFrame, where: str) -> None:
    status = frame["status"].astype(str)
    unknown = ~status.isin(STATUSES)
    if unknown.any():
        rows = [f"row {k + 1}: {value!r}" for k, value in zip(np.flatnonzero(unknown), status[unknown], strict=True)]
        raise ValueError(
            f"{where}: unknown status in " + "; ".join(_first(rows)) + f" (expected one of {', '.join(STATUSES)})"
        )


def _typed(frame: pd.DataFrame, problems: list[str]) -> pd.DataFrame:
    """A frame of text cells typed by column: :data:`INT_COLUMNS` as Int64, :data:`FLOAT_COLUMNS` as float64,
    other columns text with empty cells missing (None); cells that are not numbers are added to ``problems``."""
    for column in frame.columns:
        if column in INT_COLUMNS or column in FLOAT_COLUMNS:
            frame[column] = _numbers(frame[column], integer=column in INT_COLUMNS, problems=problems)
        else:
            frame[column] = frame[column].astype(object).mask(frame[column] == "", None)
    return frame


def _numbers(cells: pd.Series, *, integer: bool, problems: list[str]) -> pd.Series:
    """Text cells as numbers (empty → missing); cells that are not numbers are added to ``problems``."""
    text = cells.str.strip()
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = values.isna() & (text != "")
    if integer:
        fractional = values.notna() & (values != np.round(values))
        bad |= fractional
    for k in np.flatnonzero(bad):
        kind = "an integer" if integer else "a number"
        problems.append(f"row {k + 1}, column {cells.name}: {cells.iloc[k]!r} is not {kind}")
    if integer:
        return values.where(~bad).astype("Float64").round().astype("Int64")
    return values.astype("float64")


def _first(items: list[str], limit: int = 10) -> list[str]:
    """At most ``limit`` items, and how many more there are."""
    if len(items) <= limit:
        return items
    return [*items[:limit], f"and {len(items) - limit} more"]


# ---------------------------------------------------------------------------------------------------------------
# Writing: the resumable results file


class _ResultsFile:
    """A results CSV: checked and repaired on open, then appended one whole row at a time."""

    def __init__(self, path: Path):
        self.path = path

    def open(self) -> dict[str, list[str]]:
        """The rows already recorded, by key (first row of a key wins); writes the header to a new or empty file.

        A half-written last line is cut off (its run will be repeated).
        """
        rows: dict[str, list[str]] = {}
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = b""
        complete = data[: data.rfind(b"\n") + 1]
        if complete:
            for row in _parse(self.path, complete):
                rows.setdefault(row[0], row)
        elif data and not _header_line().startswith(data):
            _parse(self.path, data)  # raises: not a results file
        if len(complete) < len(data):
            os.truncate(self.path, len(complete))
        if not complete:
            self.append(list(BENCH_COLUMNS))
        return rows

    def append(self, row: list[str]) -> None:
        """Append one row in a single write, then fsync: an interrupt leaves whole rows."""
        data = _csv_line(row).encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)

    def write_sidecar(self, info: dict[str, Any]) -> None:
        info = {"written": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), **info}
        write_text_atomic(Path(f"{self.path}.machine.json"), json.dumps(info, indent=2, sort_keys=False) + "\n")


def _csv_line(cells: Sequence[str]) -> str:
    buffer = _stdio.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def _header_line() -> bytes:
    return _csv_line(BENCH_COLUMNS).encode("utf-8")


def _parse(path: Path, data: bytes) -> list[list[str]]:
    """The data rows of a results file's complete lines; ValueError when it is not a results file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(
            f"{path} is not a mentormatch bench results file (not UTF-8 text); choose another output file"
        ) from None
    reader = csv.reader(_stdio.StringIO(text))
    header = next(reader, [])
    if tuple(header) != BENCH_COLUMNS:
        raise ValueError(
            f"{path} is not a results file of this mentormatch version (its header is not the "
            f"{len(BENCH_COLUMNS)} columns key, mentees, ..., error); choose another output file"
        )
    rows = []
    for row in reader:
        if len(row) != len(BENCH_COLUMNS):
            raise ValueError(
                f"{path}, line {reader.line_num}: {len(row)} cells, expected {len(BENCH_COLUMNS)}; "
                "the file was changed by hand: repair that line or choose another output file"
            )
        rows.append(row)
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _row(record: dict[str, Any]) -> list[str]:
    return [_cell(record.get(name)) for name in BENCH_COLUMNS]


def _frame(rows: list[list[str]]) -> pd.DataFrame:
    """Rows of text cells as a typed DataFrame, typed as :func:`read_results` types a file."""
    return _typed(pd.DataFrame(rows, columns=list(BENCH_COLUMNS), dtype=object), [])


# ---------------------------------------------------------------------------------------------------------------
# The machine


def machine() -> dict[str, Any]:
    """The machine and versions a run is measured on.

    Returns
    -------
    dict
        ``version`` (mentormatch), ``python``, ``numpy``, ``scipy``, ``ortools`` (versions; None when missing),
        ``platform``, ``cpu_count`` (:func:`cpu_count`), ``memory_gb`` (physical memory, GiB), ``host``, and
        ``cpu`` (the processor's model name). All but ``cpu`` are columns of every results row
        (:data:`MACHINE_COLUMNS`); :func:`~mentormatch.bench.benchmark` also writes the whole dict to
        ``<output>.machine.json``.
    """
    return {
        "version": _version(),
        "python": platform.python_version(),
        "numpy": package_version("numpy"),
        "scipy": package_version("scipy"),
        "ortools": package_version("ortools"),
        "platform": platform.platform(),
        "cpu_count": cpu_count(),
        "memory_gb": _memory_gb(),
        "host": socket.gethostname(),
        "cpu": _cpu_model(),
    }


def package_version(name: str) -> str | None:
    """The installed version of the distribution ``name`` (``numpy``, ``lap``, ...), or None when missing.

    Examples
    --------
    >>> package_version("no-such-distribution") is None
    True
    """
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _memory_gb() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, ValueError, OSError):
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version() -> str:
    """mentormatch's version (read at each call, so that a test may change it)."""
    from mentormatch import __version__

    return __version__
