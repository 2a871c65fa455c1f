"""A sweep's median table and charts: what a reader compares after ``mentormatch bench``.

:func:`summary_table` gives the medians per roster size, solver and time limit, with counts of how runs ended; its
terminal and markdown renderings are :func:`summary_text` and :func:`summary_markdown`; :func:`plot_results` draws
time against problem size, and gap against time, in one PNG. Their input is the results table of
:func:`~mentormatch.bench.read_results` or :func:`~mentormatch.bench.benchmark`.

Medians are taken over the runs that returned an answer (status ``optimal`` or ``feasible``); runs that did not
(``timeout``, ``out_of_memory``, ``error``, ``no_solution``) are counted as failed and drawn distinctly. Charts need
the optional ``plot`` extra (matplotlib), imported only when :func:`plot_results` draws.
"""

from __future__ import annotations

import os
from io import BytesIO
from typing import Any

import numpy as np
import pandas as pd

from mentormatch.bench.results import _check_columns, _check_statuses
from mentormatch.io import write_bytes_atomic
from mentormatch.report import PLOT_ADVICE

__all__ = [
    "FAILED",
    "SUMMARY_COLUMNS",
    "plot_results",
    "summary_markdown",
    "summary_table",
    "summary_text",
]

FAILED: tuple[str, ...] = ("no_solution", "timeout", "out_of_memory", "error")
"""The statuses of runs that returned no answer: counted as failed and left out of the medians."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    "size",
    "solver",
    "method",
    "time_limit",
    "runs",
    "optimal",
    "feasible",
    "failed",
    "seconds_total",
    "seconds_solve",
    "peak_memory_mb",
    "gap",
    "objective",
)
"""The columns of :func:`summary_table`; ``method`` is what answered (the runs' ``solver_used``: the method ``auto``
chose, and its steps); the last five are medians over the runs that returned an answer."""

_MEDIANS = ("seconds_total", "seconds_solve", "peak_memory_mb", "gap", "objective")

# How summary_text and summary_markdown show each column: header and format of a value ("–" when missing).
_DISPLAY: dict[str, tuple[str, str]] = {
    "time_limit": ("limit s", "{:g}"),
    "seconds_total": ("total s", "seconds"),
    "seconds_solve": ("solve s", "seconds"),
    "peak_memory_mb": ("peak MB", "{:.0f}"),
    "gap": ("gap %", "{:.3g}"),
    "objective": ("objective", "{:.2f}"),
}
_NOTE = (
    "medians over the runs that returned an answer (optimal or feasible); "
    "failed = no_solution, timeout, out_of_memory or error"
)
_MISSING = "–"
_DPI = 100


def summary_table(results: pd.DataFrame) -> pd.DataFrame:
    """Medians and outcome counts per roster, solver and time limit.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per run, as from :func:`~mentormatch.bench.read_results` or :func:`~mentormatch.bench.benchmark`.
        Needs the columns of :data:`~mentormatch.bench.REQUIRED_COLUMNS`; ``coaches``, ``coach_limits``,
        ``roster``, ``config``, ``time_limit``, ``seconds_solve``, ``peak_memory_mb``, ``gap`` and ``objective``
        are used when present.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`SUMMARY_COLUMNS`, one row per roster (size, coach limits, folder, config), solver
        and time limit. ``size`` is ``"mentees×mentors"``, or ``"mentees×mentors×coaches"`` with coaches,
        followed by the coach limits when not ``default``, the roster folder's name and ``config <digest>`` when
        not ``default`` (``?×?`` while a roster folder's size is unknown: it is taken from the folder's other
        runs). ``runs`` counts every run, ``optimal`` and ``feasible`` the runs with that status, ``failed`` the
        others (:data:`FAILED`); ``seconds_total``, ``seconds_solve``, ``peak_memory_mb``, ``gap`` (a fraction)
        and ``objective`` are medians over the optimal and feasible runs (``NaN`` when there are none). Rows are
        sorted by the number of pairs (mentees × mentors), then mentees, coaches, size, solver and time limit.

    Raises
    ------
    ValueError
        A required column is missing, or a status is not one of :data:`~mentormatch.bench.STATUSES`.

    Examples
    --------
    >>> runs = pd.DataFrame({"mentees": [300, 300], "mentors": [100, 100], "solver": ["auto", "auto"],
    ...                      "status": ["optimal", "timeout"], "seconds_total": [1.5, 12.0]})
    >>> summary_table(runs)[["size", "solver", "runs", "optimal", "failed", "seconds_total"]]
          size solver  runs  optimal  failed  seconds_total
    0  300×100   auto     2        1       1            1.5
    """
    runs = _runs(results)
    keys = ["mentees", "mentors", "coaches", "size", "solver", "time_limit"]
    table = runs.groupby(keys, dropna=False, sort=False).agg(
        runs=("status", "size"),
        optimal=("status", lambda s: int((s == "optimal").sum())),
        feasible=("status", lambda s: int((s == "feasible").sum())),
        failed=("failed", "sum"),
    )
    answered = runs[runs["status"].isin(("optimal", "feasible"))]
    medians = answered.groupby(keys, dropna=False, sort=False)[list(_MEDIANS)].median()
    methods = answered.groupby(keys, dropna=False, sort=False)["solver_used"].agg(_methods).rename("method")
    table = table.join(medians).join(methods).reset_index()
    table["method"] = table["method"].fillna("")
    table["pairs"] = table["mentees"] * table["mentors"]
    table = table.sort_values(["pairs", *keys], kind="stable", na_position="last")
    table = table[list(SUMMARY_COLUMNS)].reset_index(drop=True)
    return table.astype({"runs": "int64", "optimal": "int64", "feasible": "int64", "failed": "int64"})


def _methods(used: pd.Series) -> str:
    """The methods that answered a group's runs, the most frequent first (``a, b`` when they differ)."""
    counts = used[used != ""].value_counts(sort=False)
    order = sorted(counts.index, key=lambda name: (-counts[name], name))
    return ", ".join(order)


def summary_text(results: pd.DataFrame) -> str:
    """:func:`summary_table` as plain text for a terminal, with a note saying what the medians are over.

    The text has no final newline (``print`` adds one).

    Times in seconds (3 significant digits below 100 s), peak memory in MB, the gap in percent, missing values
    as ``–``; ``"no runs recorded"`` when there are none.

    Examples
    --------
    >>> runs = pd.DataFrame({"mentees": [300], "mentors": [100], "solver": ["auto"], "status": ["optimal"],
    ...                      "seconds_total": [1.5]})
    >>> print(summary_text(runs).splitlines()[0])
       size solver method limit s  runs  optimal  feasible  failed total s solve s peak MB gap % objective
    """
    shown = _display(summary_table(results))
    if not len(shown):
        return "no runs recorded"
    return shown.to_string(index=False) + "\n" + _NOTE


def summary_markdown(results: pd.DataFrame) -> str:
    """:func:`summary_table` as a markdown (GitHub pipe) table, formatted as :func:`summary_text`, with the note.

    The text ends with a newline, ready to be written to a file.

    Examples
    --------
    >>> runs = pd.DataFrame({"mentees": [300], "mentors": [100], "solver": ["auto"], "status": ["optimal"],
    ...                      "seconds_total": [1.5]})
    >>> print(summary_markdown(runs).splitlines()[2])
    | 300×100 | auto | – | – | 1 | 1 | 0 | 0 | 1.5 | – | – | – | – |
    """
    shown = _display(summary_table(results))
    right = [column not in ("size", "solver", "method") for column in shown.columns]
    lines = [
        "| " + " | ".join(shown.columns) + " |",
        "|" + "|".join("---:" if r else "---" for r in right) + "|",
        *("| " + " | ".join(_escape_pipe(str(value)) for value in row) + " |" for row in shown.to_numpy()),
    ]
    return "\n".join(lines) + "\n\n" + _NOTE[0].upper() + _NOTE[1:] + ".\n"


def plot_results(results: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Chart a sweep into one PNG with two panels.

    Left: total seconds per run against problem size (mentees × mentors pairs), log-log, one line per solver (and
    workloads and time limit, when the sweep has several) through the median of the runs that returned an answer,
    with min–max error bars. Right: the gap (symlog scale, in percent) against total seconds, one point per run; runs
    without a gap are left out and counted under the axis. Failed runs (:data:`FAILED`) are drawn as crosses.

    The chart is rendered in full before anything is written, then written atomically: an existing file at
    ``path`` is replaced whole or left untouched.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per run (see :func:`summary_table`); ``gap`` and ``time_limit`` are used when present.
    path : str or path-like
        The PNG file to create or replace. Its folder must exist.

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install 'mentormatch[plot]'``).
    ValueError
        ``results`` has no rows, lacks a required column, or has an unknown status.
    OSError
        The folder does not exist or the disk refuses the write.
    """
    runs = _runs(results)
    if not len(runs):
        raise ValueError("results has no rows: there is nothing to plot")
    figure, line = _matplotlib()
    several_limits = runs["time_limit"].nunique(dropna=False) > 1
    several_loads = runs["workloads"].nunique() > 1  # a line per variant: unit workloads are another problem
    runs["series"] = [
        s + (f", {w} workloads" if several_loads and w else "") + (f", {_limit(t)}" if several_limits else "")
        for s, w, t in zip(runs["solver"], runs["workloads"], runs["time_limit"], strict=True)
    ]
    series = sorted(runs["series"].unique())
    colours = {name: f"C{k % 10}" for k, name in enumerate(series)}

    fig = figure(figsize=(11, 4.2), dpi=_DPI, layout="constrained")
    left, right = fig.subplots(1, 2)
    _time_panel(left, runs, colours)
    _gap_panel(right, runs, colours)
    handles = [line([], [], color=colours[name], marker="o", label=name) for name in series]
    if runs["failed"].any():
        handles.append(
            line([], [], color="0.3", marker="x", linestyle="none", label="failed run (" + ", ".join(FAILED) + ")")
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False)
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    write_bytes_atomic(path, buffer.getvalue())


# --------------------------------------------------------------------------------------------------------------
# Panels
# --------------------------------------------------------------------------------------------------------------


def _time_panel(ax: Any, runs: pd.DataFrame, colours: dict[str, str]) -> None:
    """Total seconds against pairs, log-log: medians with min–max bars, failed runs as crosses."""
    timed = runs[(runs["seconds_total"] > 0) & (runs["pairs"] > 0)]
    for name, colour in colours.items():
        own = timed[timed["series"] == name]
        ok = own[~own["failed"]].groupby("pairs")["seconds_total"].agg(["median", "min", "max"])
        if len(ok):
            x, median = ok.index.to_numpy(), ok["median"].to_numpy()
            bars = np.vstack([median - ok["min"].to_numpy(), ok["max"].to_numpy() - median])
            ax.errorbar(x, median, yerr=bars, color=colour, marker="o", markersize=4, capsize=3, linewidth=1.2)
        bad = own[own["failed"]]
        if len(bad):
            ax.plot(bad["pairs"], bad["seconds_total"], linestyle="none", marker="x", markersize=7, color=colour)
    if len(timed):
        _log_scale(ax, "x")
        _log_scale(ax, "y")
    ax.set_xlabel("problem size (mentees × mentors pairs)")
    ax.set_ylabel("total seconds per run")
    ax.set_title("Time against size (median, min–max)", fontsize=10)
    ax.grid(True, which="major", color="0.9")
    ax.spines[["top", "right"]].set_visible(False)


def _gap_panel(ax: Any, runs: pd.DataFrame, colours: dict[str, str]) -> None:
    """Gap (symlog, percent) against total seconds; runs without a gap counted under the axis."""
    from matplotlib.ticker import FuncFormatter

    shown = runs[runs["gap"].notna() & (runs["seconds_total"] > 0)]
    left_out = len(runs) - len(shown)
    for name, colour in colours.items():
        own = shown[shown["series"] == name]
        for failed, marker in ((False, "o"), (True, "x")):
            part = own[own["failed"] == failed]
            if len(part):
                ax.plot(
                    part["seconds_total"],
                    part["gap"],
                    linestyle="none",
                    marker=marker,
                    markersize=5,
                    color=colour,
                    alpha=0.8,
                )
    label = "total seconds per run"
    if left_out:
        label += f"\n{left_out} of {len(runs)} runs without a gap not shown"
    ax.set_xlabel(label)
    ax.set_ylabel("gap = (bound − objective) / bound")
    ax.set_title("Gap against time", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    if not len(shown):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no run reported a gap", transform=ax.transAxes, ha="center", va="center", color="0.4")
        return
    _log_scale(ax, "x")
    ax.set_yscale("symlog", linthresh=1e-4, linscale=0.5)
    ax.set_ylim(bottom=-2e-5, top=max(float(shown["gap"].max()) * 2, 1e-3))  # a zero gap drawn whole, not clipped
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{100 * value:g} %"))
    ax.grid(True, which="major", color="0.9")


def _log_scale(ax: Any, which: str) -> None:
    """A log scale on ``ax``'s ``which`` axis ("x" or "y") labelled with plain numbers (0.05, 2,000); minor ticks
    are labelled too where matplotlib would (a range of a decade or two)."""
    from matplotlib.ticker import LogFormatter

    class Plain(LogFormatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return _plain(x) if super().__call__(x, pos) else ""

    getattr(ax, f"set_{which}scale")("log")
    axis = getattr(ax, f"{which}axis")
    axis.set_major_formatter(Plain(labelOnlyBase=False))
    axis.set_minor_formatter(Plain(labelOnlyBase=False, minor_thresholds=(2, 0.5)))


def _plain(value: float) -> str:
    """A tick label without exponent: 0.002, 0.5, 30, 4,000, 1,000,000."""
    return f"{value:,.0f}" if value >= 1 else np.format_float_positional(value, precision=6, trim="-")


# --------------------------------------------------------------------------------------------------------------
# Conversions and formatting
# --------------------------------------------------------------------------------------------------------------


def _runs(results: pd.DataFrame) -> pd.DataFrame:
    """The columns the summary and the chart use, checked and normalised, one row per run.

    Sizes, times and other numbers as floats (NaN when missing or absent), text columns as str ("" when missing),
    a roster folder's unknown size (a run that failed before reading it) taken from the folder's other runs, and
    ``size`` (the label), ``pairs`` and ``failed`` added.
    """
    _check_columns(results, "results")
    _check_statuses(results, "results")
    runs = pd.DataFrame(index=results.index)
    for column in ("mentees", "mentors", "coaches", "time_limit", "current_share", *_MEDIANS):
        runs[column] = _number_column(results, column)
    for column in ("solver", "solver_used", "status", "coach_limits", "workloads", "roster", "config"):
        runs[column] = _text_column(results, column)
    folder = runs["roster"] != ""
    for column in ("mentees", "mentors", "coaches"):  # the same folder always has the same size
        known = runs.loc[folder, column].groupby(runs.loc[folder, "roster"]).transform("max")
        runs.loc[folder, column] = runs.loc[folder, column].fillna(known)
    runs["coaches"] = runs["coaches"].fillna(0)
    runs["pairs"] = runs["mentees"] * runs["mentors"]
    runs["failed"] = runs["status"].isin(FAILED)
    runs["size"] = [
        _size_label(*row)
        for row in runs[
            ["mentees", "mentors", "coaches", "coach_limits", "workloads", "roster", "config", "current_share"]
        ].to_numpy()
    ]
    return runs.reset_index(drop=True)


def _number_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A numeric column as floats (NaN for missing values), or all NaN when the frame lacks it."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    try:
        return pd.to_numeric(frame[column], errors="raise").astype("float64")
    except (TypeError, ValueError) as err:
        raise ValueError(f"results column {column} holds a value that is not a number: {err}") from None


def _text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column as str, "" for missing values or when the frame lacks it."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna(), "").astype(str)


def _size_label(
    mentees: float,
    mentors: float,
    coaches: float,
    limits: str,
    workloads: str,
    roster: str,
    config: str,
    current_share: float = np.nan,
) -> str:
    """``300×100``, ``300×100×20 hard``, ``300×100 unit``, ``300×100 current 0.7``, ``250×80 prison-a``,
    ``300×100 config 1a2b3c4d5e6f``."""

    def count(value: float) -> str:
        return "?" if np.isnan(value) else f"{value:.0f}"

    label = f"{count(mentees)}×{count(mentors)}" + (f"×{count(coaches)}" if coaches > 0 else "")
    if coaches > 0 and limits not in ("", "default"):
        label += f" {limits}"
    if workloads == "unit":
        label += " unit"
    if not np.isnan(current_share):
        label += f" current {current_share:g}"
    if roster:
        label += f" {os.path.basename(os.path.normpath(roster))}"
    if config not in ("", "default"):
        label += f" config {config}"
    return label


def _limit(seconds: float) -> str:
    return "no time limit" if pd.isna(seconds) else f"{seconds:g} s limit"


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """The summary with values formatted as text and short headers, the gap in percent."""
    shown = table.copy()
    shown["gap"] = shown["gap"] * 100
    shown["method"] = shown["method"].replace("", _MISSING)
    for column, (_header, form) in _DISPLAY.items():
        shown[column] = [
            _MISSING if pd.isna(v) else _seconds(v) if form == "seconds" else form.format(v) for v in shown[column]
        ]
    return shown.rename(columns={column: header for column, (header, _) in _DISPLAY.items()})


def _seconds(value: float) -> str:
    """Three significant digits, never an exponent: 0.0123, 1.23, 12.3, 1234."""
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def _escape_pipe(text: str) -> str:
    return text.replace("|", "\\|")


def _matplotlib() -> tuple[type, type]:
    """matplotlib's Figure and Line2D classes (no pyplot, no global state), or ImportError saying what to install."""
    try:
        import matplotlib  # noqa: F401  (the package first: a blocked package must block its modules too)
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
    except ImportError as err:
        raise ImportError(f"plot_results needs matplotlib: {PLOT_ADVICE} (pip install 'mentormatch[plot]')") from err
    return Figure, Line2D
