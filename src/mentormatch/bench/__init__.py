"""Benchmark sweeps: a grid of roster sizes, seeds, solvers and time limits, each run measured in a fresh process.

:func:`benchmark` expands the grid into runs, measures each one in a fresh Python process (so that its memory
figures are its own and nothing is cached from an earlier run) and appends each record to a results CSV as soon as
its run ends, so that an interrupted sweep resumes where it stopped; runs go one or more at a time on this machine,
or as tasks on a Dask cluster. :func:`read_results` reads the file back, :func:`summary_table` gives the medians
per size and solver, and :func:`plot_results` charts them. The ``mentormatch bench`` command calls these.

The package, one job per module (each imports only those above it)::

    results   the results file: BENCH_COLUMNS, STATUSES and the column types, read_results (the one reader),
              the resumable writer (whole rows, fsync, a half-written last line repaired), machine() and
              cpu_count(): what every row records about the machine it ran on
    grid      RunSpec (one run, its key and label), parse_sizes, expand_grid; run_one (a run in a fresh process,
              killed past its wall limit, a crash recorded as a status); benchmark (the sweep: local jobs or Dask)
    worker    the fresh process of one run (``python -m mentormatch.bench.worker``): untimed set-up, the five
              timed stages (read, score, solve, verify, write) and the peak memory
    plot      summary_table, summary_text, summary_markdown, plot_results (matplotlib imported only to draw)

``import mentormatch`` loads none of this; ``mentormatch.benchmark`` and the names below load their module on first
use, so the worker process does not load the plotting code.
"""

from typing import TYPE_CHECKING

from mentormatch._lazy import lazy_attributes

if TYPE_CHECKING:  # the names for type checkers and editors; at run time each loads on first use (below)
    from mentormatch.bench.grid import WORKLOADS, RunSpec, benchmark, expand_grid, parse_sizes, run_one
    from mentormatch.bench.plot import (
        FAILED,
        SUMMARY_COLUMNS,
        plot_results,
        summary_markdown,
        summary_table,
        summary_text,
    )
    from mentormatch.bench.results import (
        BENCH_COLUMNS,
        FLOAT_COLUMNS,
        INT_COLUMNS,
        MACHINE_COLUMNS,
        REQUIRED_COLUMNS,
        STATUSES,
        machine,
        read_results,
    )

_HOME: dict[str, str] = {
    "BENCH_COLUMNS": "results",
    "STATUSES": "results",
    "INT_COLUMNS": "results",
    "FLOAT_COLUMNS": "results",
    "MACHINE_COLUMNS": "results",
    "REQUIRED_COLUMNS": "results",
    "machine": "results",
    "read_results": "results",
    "WORKLOADS": "grid",
    "RunSpec": "grid",
    "parse_sizes": "grid",
    "expand_grid": "grid",
    "run_one": "grid",
    "benchmark": "grid",
    "FAILED": "plot",
    "SUMMARY_COLUMNS": "plot",
    "plot_results": "plot",
    "summary_markdown": "plot",
    "summary_table": "plot",
    "summary_text": "plot",
}
"""Where each public name lives."""


__getattr__, __dir__ = lazy_attributes(__name__, _HOME, globals())


__all__ = [
    "BENCH_COLUMNS",
    "STATUSES",
    "INT_COLUMNS",
    "FLOAT_COLUMNS",
    "MACHINE_COLUMNS",
    "WORKLOADS",
    "RunSpec",
    "parse_sizes",
    "expand_grid",
    "run_one",
    "benchmark",
    "machine",
    "read_results",
    "FAILED",
    "REQUIRED_COLUMNS",
    "SUMMARY_COLUMNS",
    "plot_results",
    "summary_markdown",
    "summary_table",
    "summary_text",
]
