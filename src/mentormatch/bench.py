"""Benchmark sweeps: a grid of roster sizes, seeds, solvers and time limits, each run measured in a fresh process.

:func:`expand_grid` turns the grid into :class:`RunSpec` objects, :func:`run_one` measures one of them and
:func:`benchmark` does both, appending each record to a CSV file as soon as its run ends (the ``mentormatch bench``
command calls it).

What a run does
---------------
Each run is a fresh Python process (``python -m mentormatch._bench_run``), so that its memory figures are its own
and nothing is cached from an earlier run. Untimed, it imports everything and solves a tiny synthetic roster once
(the warm-up), generates its roster with :func:`~mentormatch.synthetic_roster` (seeded: the same sizes, seed and
``coach_limits`` always give the same roster) and writes it to a temporary folder, or takes the roster folder it
was given. Then it times five stages:

========== ========================================================================================================
stage      what is timed
========== ========================================================================================================
read       :func:`~mentormatch.read_roster` of the folder (parsing and validating the CSV files)
score      :func:`~mentormatch.build_problem` (scores, hard rules' mask, priorities, capacities)
solve      the solver (``mentormatch.match.find_solution``), with the coach tier when the roster has coaches
verify     :func:`~mentormatch.evaluate`: every hard rule re-checked from the profiles, reasons, the result table
write      :func:`~mentormatch.write_matches` to a temporary file
========== ========================================================================================================

``solve`` + ``verify`` is what :func:`~mentormatch.solve` does. The run's ``seed`` is both the generator's seed and
the solver's random seed (CP-SAT's ``random_seed``). Memory is the process's peak resident set from the start of the
read stage (on Linux the high-water mark is reset after the untimed setup, so generating the roster is not counted;
the imports and warm-up that stay resident are).

Statuses
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
coach_limits      str     the generator's ``coach_limits`` (``default``, ``moderate``, ``hard``); empty for a folder
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
seconds_read      float   wall seconds of each timed stage (see above)
seconds_score     float
seconds_solve     float
seconds_verify    float
seconds_write     float
seconds_total     float   from the start of read to the end of write; for a ``timeout``, the seconds the process
                          ran before it was killed (setup included)
peak_memory_mb    float   peak resident memory of the run's process in MiB (``ru_maxrss``), see above
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
leaves whole rows; a half-written last line (power loss) is dropped on the next run and its run repeated. Beside it,
:func:`benchmark` writes ``<output>.machine.json``: the :func:`machine` of the process that called it, the Dask
workers' machines when a scheduler was given, and the TOML of each config by its digest (rewritten by each call that
has runs to do; every row carries its own machine columns).

Measuring honestly
------------------
With ``jobs > 1`` runs share the machine's cores and memory bandwidth, which slows each of them; measure timings
with ``jobs=1`` (the default) on an otherwise idle machine, and use more jobs to sweep objectives and statuses
quickly. On a Dask cluster each task starts its own fresh process on the worker's machine, so one worker thread
per core or fewer is the honest setting.
"""

from __future__ import annotations

import csv
import hashlib
import io as _stdio
import json
import math
import numbers
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from .config import MatchConfig
from .io import ROSTER_FILES, write_text_atomic
from .solvers import SOLVER_NAMES
from .synthetic import COACH_LIMITS

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

WORKLOADS = ("generated", "unit")
"""The generator's workloads as they come, or every workload set to 1."""
MAX_SEED = 2**31 - 1
"""Largest seed: CP-SAT's ``random_seed`` is a 32-bit signed integer."""

WALL_SLACK = 120.0
"""Seconds added to three times the time limit for the default wall limit (setup, scoring, verifying)."""

_SIZE_WORDS = "expected MENTEESxMENTORS or MENTEESxMENTORSxCOACHES in whole numbers, e.g. 300x100 or 300x100x20"

Size = tuple[int, int, "int | None"]
ProgressCallback = Callable[[int, int, str], None]
"""``progress(done, total, current)``: runs recorded so far, runs in the grid, and what just started or ended."""


# ---------------------------------------------------------------------------------------------------------------
# The grid


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: which roster, seed, solver, time limit and config.

    Give either the generator's sizes (``mentees``, ``mentors``, ``coaches``, ``coach_limits``) or a ``roster``
    folder, not both. Values are checked and normalised on construction: ``time_limit`` becomes a float, ``roster``
    an absolute path, ``config`` its canonical TOML (``None`` for the default config), ``coach_limits`` ``"default"``
    when there are no coaches (the generator ignores it then).

    Attributes
    ----------
    mentees, mentors : int or None
        Sizes for :func:`~mentormatch.synthetic_roster` (at least 1); None with a roster folder.
    coaches : int or None
        Coaches for the generator (0 = none); None with a roster folder.
    coach_limits : str or None
        The generator's ``coach_limits``; None with a roster folder.
    workloads : {"generated", "unit"} or None
        ``unit`` sets every generated mentee's workload to 1; None with a roster folder.
    current_share : float or None
        Turn the generated roster into a next month with current pairs (:func:`~mentormatch.synthetic.next_month`
        with this share and the run's seed); None: no current pairs.
    roster : str or None
        A roster folder to read instead of generating one.
    seed : int
        The generator's seed and the solver's random seed, 0 ≤ seed ≤ 2**31 − 1.
    solver : str
        ``auto``, ``hungarian``, ``flow`` or ``cpsat``.
    time_limit : float
        The solver's time limit in seconds, > 0.
    config : str or None
        The config as TOML (a :class:`~mentormatch.MatchConfig` is accepted and converted); None = defaults.
    memory_limit_gb : float or None
        Limit in GiB on the run process's address space (``RLIMIT_AS``, POSIX) from the read stage on; imports,
        thread stacks and allocator arenas count, so set it well above the peak resident memory you expect. Not
        part of :attr:`key`.

    Examples
    --------
    >>> spec = RunSpec(300, 100, seed=1, solver="cpsat", time_limit=30)
    >>> spec.time_limit, spec.coach_limits, spec.label
    (30.0, 'default', '300x100 seed 1 cpsat 30 s')
    >>> RunSpec(300, 100, solver="simplex")
    Traceback (most recent call last):
    ...
    ValueError: unknown solver 'simplex'; valid solvers: auto, hungarian, flow, cpsat
    """

    mentees: int | None = None
    mentors: int | None = None
    coaches: int | None = 0
    coach_limits: str | None = "default"
    roster: str | None = None
    seed: int = 0
    solver: str = "auto"
    time_limit: float = 60.0
    config: str | None = None
    memory_limit_gb: float | None = None
    workloads: str | None = "generated"
    current_share: float | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.current_share is not None:
            if (
                not isinstance(self.current_share, numbers.Real)
                or isinstance(self.current_share, bool)
                or not (0.0 <= float(self.current_share) <= 1.0)
            ):
                problems.append(f"current_share must be a number from 0 to 1 or None, got {self.current_share!r}")
            elif self.roster is not None:
                problems.append(
                    "current_share applies to generated rosters; a roster folder brings its own current.csv"
                )
            else:
                object.__setattr__(self, "current_share", float(self.current_share))
        if self.roster is not None:
            if (self.mentees, self.mentors) != (None, None) or self.coaches not in (None, 0):
                problems.append("give sizes or a roster folder, not both")
            folder = Path(self.roster).expanduser()
            if not folder.is_dir():
                problems.append(f"roster folder {str(self.roster)!r} does not exist or is not a folder")
            object.__setattr__(self, "roster", str(folder.resolve()))
            object.__setattr__(self, "coaches", None)
            object.__setattr__(self, "coach_limits", None)
            object.__setattr__(self, "workloads", None)
        else:
            if self.workloads not in WORKLOADS:
                problems.append(f"unknown workloads {self.workloads!r}; valid: {', '.join(WORKLOADS)}")
            for name, low in (("mentees", 1), ("mentors", 1), ("coaches", 0)):
                if not _is_int(getattr(self, name), low):
                    problems.append(f"{name} must be a whole number ≥ {low}, got {getattr(self, name)!r}")
            if self.coach_limits not in COACH_LIMITS:
                valid = ", ".join(COACH_LIMITS)
                problems.append(f"unknown coach_limits {self.coach_limits!r}; valid: {valid}")
            elif self.coaches == 0:
                object.__setattr__(self, "coach_limits", "default")  # the generator ignores it without coaches
        if not _is_int(self.seed, 0, MAX_SEED):
            problems.append(f"seed must be a whole number in 0..{MAX_SEED}, got {self.seed!r}")
        if self.solver not in SOLVER_NAMES:
            problems.append(f"unknown solver {self.solver!r}; valid solvers: {', '.join(SOLVER_NAMES)}")
        if not _is_positive(self.time_limit):
            problems.append(f"time_limit must be a number of seconds > 0, got {self.time_limit!r}")
        else:
            object.__setattr__(self, "time_limit", float(self.time_limit))
        if self.memory_limit_gb is not None and not _is_positive(self.memory_limit_gb):
            problems.append(f"memory_limit_gb must be a number > 0 or None, got {self.memory_limit_gb!r}")
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "config", _canonical_config(self.config))

    @cached_property
    def key(self) -> str:
        """12 hex digits identifying the run (see the ``key`` column); the same run always has the same key."""
        if self.roster is None:
            roster: dict[str, Any] = {
                "mentees": self.mentees, "mentors": self.mentors, "coaches": self.coaches,
                "coach_limits": self.coach_limits,
                **({} if self.workloads == "generated" else {"workloads": self.workloads}),
                **({} if self.current_share is None else {"current_share": self.current_share}),
            }  # fmt: skip
        else:
            roster = {"folder": self.roster, "content": _folder_digest(self.roster)}
        payload = {
            "roster": roster,
            "seed": self.seed,
            "solver": self.solver,
            "time_limit": self.time_limit,
            "config": self.config or "",
            "version": _version(),
        }
        return _digest(json.dumps(payload, sort_keys=True))

    @property
    def label(self) -> str:
        """A short description for progress lines: ``300x100x20 hard seed 1 cpsat 60 s``."""
        if self.roster is None:
            roster = f"{self.mentees}x{self.mentors}"
            if self.coaches:
                roster += f"x{self.coaches}" + ("" if self.coach_limits == "default" else f" {self.coach_limits}")
            if self.workloads == "unit":
                roster += " unit"
            if self.current_share is not None:
                roster += f" current {self.current_share:g}"
        else:
            roster = Path(self.roster).name
        config = "" if self.config is None else f" config {_digest(self.config)}"
        return f"{roster} seed {self.seed} {self.solver} {self.time_limit:g} s{config}"

    @property
    def default_wall_limit(self) -> float:
        """Seconds after which :func:`run_one` kills the run: ``3 × time_limit + 120``."""
        return 3 * self.time_limit + WALL_SLACK

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain values (JSON-ready); ``RunSpec(**spec.to_dict()) == spec``."""
        return asdict(self)


def _is_int(value: object, low: int, high: int | None = None) -> bool:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return False
    value = int(value)
    return value >= low and (high is None or value <= high)


def _is_positive(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return math.isfinite(float(value)) and float(value) > 0


def _canonical_config(config: MatchConfig | str | None) -> str | None:
    """The config's canonical TOML, or None when it is the default one. Raises InputError on bad TOML."""
    if config is None:
        return None
    if isinstance(config, str):
        config = MatchConfig.from_toml(config)
    if not isinstance(config, MatchConfig):
        raise TypeError(f"config must be a MatchConfig, TOML text or None, got {type(config).__name__}")
    text = config.to_toml()
    return None if text == MatchConfig().to_toml() else text


def _digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:12]


def _folder_digest(folder: str) -> str:
    """A hash of the roster files in ``folder``: names and bytes of those present."""
    sha = hashlib.sha256()
    for name in sorted(ROSTER_FILES.values()):
        path = Path(folder) / name
        if path.is_file():
            sha.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def _version() -> str:
    from . import __version__

    return __version__


def parse_sizes(text: str) -> list[Size]:
    """Parse roster sizes written as ``MENTEESxMENTORS[xCOACHES]``, comma-separated.

    Parameters
    ----------
    text : str
        For example ``"300x100,3000x1000x20"``; ``x``, ``X`` and ``×`` all separate, spaces are ignored.

    Returns
    -------
    list of (mentees, mentors, coaches) tuples
        ``coaches`` is None where the item gives no third number (the grid's ``coaches`` then apply).

    Raises
    ------
    ValueError
        Naming every bad item and its position.

    Examples
    --------
    >>> parse_sizes("300x100, 3000x1000x20")
    [(300, 100, None), (3000, 1000, 20)]
    >>> parse_sizes("300x100,3000by1000")
    Traceback (most recent call last):
    ...
    ValueError: size '3000by1000' (item 2 of 2): expected MENTEESxMENTORS or MENTEESxMENTORSxCOACHES ...
    """
    if not isinstance(text, str):
        raise TypeError(f"sizes must be text such as '300x100,3000x1000', got {type(text).__name__}")
    items = text.split(",")
    sizes: list[Size] = []
    problems: list[str] = []
    for number, item in enumerate(items, 1):
        where = f"(item {number} of {len(items)})"
        parts = [part.strip() for part in item.replace("×", "x").replace("X", "x").split("x")]
        if not item.strip():
            problems.append(f"size {where} is empty")
        elif len(parts) not in (2, 3) or not all(part.isascii() and part.isdigit() for part in parts):
            problems.append(f"size {item.strip()!r} {where}: {_SIZE_WORDS}")
        elif int(parts[0]) < 1 or int(parts[1]) < 1:
            problems.append(f"size {item.strip()!r} {where}: mentees and mentors must be at least 1")
        else:
            sizes.append((int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) == 3 else None))
    if problems:
        raise ValueError("; ".join(problems))
    return sizes


def expand_grid(
    sizes: str | Iterable[Sequence[int | None]] | None = (),
    *,
    coaches: Iterable[int] = (0,),
    seeds: int = 1,
    seed_list: Iterable[int] | None = None,
    solvers: Iterable[str] = ("auto",),
    time_limits: Iterable[float] = (60.0,),
    roster: str | os.PathLike | None = None,
    config: MatchConfig | str | None = None,
    coach_limits: str = "default",
    memory_limit_gb: float | None = None,
    workloads: str = "generated",
    current_shares: Iterable[float | None] = (None,),
) -> list[RunSpec]:
    """The runs of a sweep, in a fixed order: sizes outermost, then coaches, seeds, solvers, time limits.

    Parameters
    ----------
    sizes : str or iterable of (mentees, mentors) or (mentees, mentors, coaches)
        Roster sizes for the generator; text is read by :func:`parse_sizes`. A size with its own coach count is
        run with that count only; the others are crossed with ``coaches``. Leave empty with ``roster``.
    coaches : iterable of int, default (0,)
        Coach counts (0 = no coach tier).
    seeds : int, default 1
        Run seeds ``0 .. seeds − 1``.
    seed_list : iterable of int, optional
        The seeds to run, instead of ``seeds``.
    solvers : iterable of str, default ("auto",)
    time_limits : iterable of float, default (60.0,)
        The solver's time limit in seconds.
    roster : path, optional
        A roster folder to run instead of generated rosters (then the seeds only seed the solver).
    config : MatchConfig or TOML text, optional
        The config of every run; None = the defaults.
    coach_limits : {"default", "moderate", "hard"}, default "default"
        The generator's ``coach_limits`` for runs with coaches.
    workloads : {"generated", "unit"}, default "generated"
        ``unit`` sets every generated mentee's workload to 1.
    current_shares : iterable of float or None, default (None,)
        Generated rosters with current pairs (see :class:`RunSpec`), one run per value; None = without. Crossed
        inside the sizes, before the coaches.
    memory_limit_gb : float, optional
        See :class:`RunSpec`.

    Returns
    -------
    list of RunSpec
        Each distinct run once, in the order above (a repeated value in a list adds no runs).

    Raises
    ------
    ValueError
        Bad sizes, seeds, solvers or time limits, or sizes together with a roster folder.
    mentormatch.InputError
        ``config`` is TOML that does not load.

    Examples
    --------
    >>> grid = expand_grid("300x100,3000x1000", coaches=(0, 20), seeds=2, solvers=("auto", "cpsat"))
    >>> len(grid)
    16
    >>> [(s.mentees, s.coaches, s.seed, s.solver) for s in grid[:5]]
    [(300, 0, 0, 'auto'), (300, 0, 0, 'cpsat'), (300, 0, 1, 'auto'), (300, 0, 1, 'cpsat'), (300, 20, 0, 'auto')]
    >>> [s.label for s in expand_grid("40x15x3", seed_list=[7], time_limits=[5])]
    ['40x15x3 seed 7 auto 5 s']
    """
    seed_values = _seeds(seeds, seed_list)
    coach_counts = tuple(coaches)
    solver_names = tuple(solvers)
    limits = tuple(time_limits)
    problems = []
    for name, values in (("coaches", coach_counts), ("solvers", solver_names), ("time_limits", limits)):
        if not values:
            problems.append(f"{name} must not be empty")
    parsed = parse_sizes(sizes) if isinstance(sizes, str) else [_size(s) for s in (sizes or ())]
    if roster is not None and parsed:
        problems.append("give sizes or a roster folder, not both")
    elif roster is not None and coach_counts != (0,):
        problems.append("coaches apply to generated rosters; a roster folder brings its own")
    elif roster is None and not parsed:
        problems.append("give at least one size (such as '300x100') or a roster folder")
    if problems:
        raise ValueError("; ".join(problems))
    config_text = _canonical_config(config)

    def runs(**roster_fields: Any) -> Iterable[RunSpec]:
        for seed in seed_values:
            for solver in solver_names:
                for limit in limits:
                    yield RunSpec(
                        **roster_fields,
                        seed=seed,
                        solver=solver,
                        time_limit=limit,
                        config=config_text,
                        memory_limit_gb=memory_limit_gb,
                    )

    shares = tuple(current_shares)
    if not shares:
        raise ValueError("current_shares must not be empty (None = without current pairs)")
    specs: list[RunSpec] = []
    if roster is not None:
        specs.extend(runs(roster=os.fspath(roster), coaches=None, coach_limits=None, workloads=None))
    for n, m, k in parsed:
        for share in shares:
            for count in coach_counts if k is None else (k,):
                specs.extend(
                    runs(
                        mentees=n,
                        mentors=m,
                        coaches=count,
                        coach_limits=coach_limits,
                        workloads=workloads,
                        current_share=share,
                    )
                )
    return list(dict.fromkeys(specs))


def _seeds(seeds: int, seed_list: Iterable[int] | None) -> tuple[int, ...]:
    if seed_list is not None:
        if seeds != 1:
            raise ValueError("give seeds (a count) or seed_list (the seeds), not both")
        values = tuple(seed_list)
        if not values:
            raise ValueError("seed_list must not be empty")
        bad = [s for s in values if not _is_int(s, 0, MAX_SEED)]
        if bad:
            raise ValueError(f"seeds must be whole numbers in 0..{MAX_SEED}, got {bad[0]!r}")
        return values
    if not _is_int(seeds, 1, MAX_SEED + 1):
        raise ValueError(f"seeds must be a whole number ≥ 1 (runs seeds 0 .. seeds − 1), got {seeds!r}")
    assert seeds is not None  # _is_int above
    return tuple(range(int(seeds)))


def _size(size: Sequence[int | None]) -> Size:
    values = tuple(size)
    if len(values) not in (2, 3):
        raise ValueError(f"size {values!r}: expected (mentees, mentors) or (mentees, mentors, coaches)")
    n, m, k = (*values, None) if len(values) == 2 else values
    if not (_is_int(n, 1) and _is_int(m, 1) and (k is None or _is_int(k, 0))):
        raise ValueError(f"size {values!r}: mentees and mentors must be whole numbers ≥ 1, coaches ≥ 0")
    assert n is not None and m is not None  # _is_int above
    return (int(n), int(m), None if k is None else int(k))


# ---------------------------------------------------------------------------------------------------------------
# The machine


def machine() -> dict[str, Any]:
    """The machine and versions a run is measured on.

    Returns
    -------
    dict
        ``version`` (mentormatch), ``python``, ``numpy``, ``scipy``, ``ortools`` (versions; None when missing),
        ``platform``, ``cpu_count`` (CPUs this process may use), ``memory_gb`` (physical memory, GiB), ``host``,
        and ``cpu`` (the processor's model name). All but ``cpu`` are columns of every results row
        (:data:`MACHINE_COLUMNS`); :func:`benchmark` also writes the whole dict to ``<output>.machine.json``.
    """
    return {
        "version": _version(),
        "python": platform.python_version(),
        "numpy": _distribution_version("numpy"),
        "scipy": _distribution_version("scipy"),
        "ortools": _distribution_version("ortools"),
        "platform": platform.platform(),
        "cpu_count": _cpu_count(),
        "memory_gb": _memory_gb(),
        "host": socket.gethostname(),
        "cpu": _cpu_model(),
    }


def _distribution_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


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


# ---------------------------------------------------------------------------------------------------------------
# One run


def run_one(spec: RunSpec, *, wall_limit: float | None = None) -> dict[str, Any]:
    """Measure one run in a fresh Python process and return its record.

    Parameters
    ----------
    spec : RunSpec
    wall_limit : float, optional
        Seconds after which the process is killed and the run recorded as ``timeout``; default
        :attr:`RunSpec.default_wall_limit` (``3 × time_limit + 120``).

    Returns
    -------
    dict
        One value per column of :data:`BENCH_COLUMNS` (None where unknown). A run that times out, runs out of
        memory or fails is a record with that status and an ``error`` text, not an exception.
    """
    return _run(spec, wall_limit)


class _Children:
    """The worker processes a local sweep has running, so that an interrupted sweep can stop them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self.stopped = False

    def add(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._running.add(process)
            if self.stopped:
                process.kill()

    def discard(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._running.discard(process)

    def stop(self) -> None:
        """Kill every running worker and refuse new ones."""
        with self._lock:
            self.stopped = True
            for process in self._running:
                process.kill()


def _run(spec: RunSpec, wall_limit: float | None, children: _Children | None = None) -> dict[str, Any]:
    """:func:`run_one`; with ``children`` (a local sweep), register the process there and raise
    KeyboardInterrupt when the worker was interrupted by SIGINT (the user's Ctrl-C reaches it too)."""
    limit = spec.default_wall_limit if wall_limit is None else wall_limit
    if not _is_positive(limit):
        raise ValueError(f"wall_limit must be a number of seconds > 0, got {wall_limit!r}")
    record = _base_record(spec)
    info = machine()
    record.update({name: info[name] for name in MACHINE_COLUMNS})
    record["started"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if children is not None and children.stopped:
        raise KeyboardInterrupt
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mentormatch._bench_run"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        errors="replace",
    )  # fmt: skip
    if children is not None:
        children.add(process)
    waited = False
    try:
        out, err = process.communicate(json.dumps(spec.to_dict()), timeout=limit)
        waited = True
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        waited = True
        record.update(
            status="timeout",
            seconds_total=time.perf_counter() - start,
            error=f"killed after the wall limit of {limit:g} s (time limit {spec.time_limit:g} s)",
        )
        return record
    finally:
        if not waited:  # interrupted while waiting: the worker goes too
            process.kill()
            process.wait()
        if children is not None:
            children.discard(process)
    if children is not None and (process.returncode == -signal.SIGINT or children.stopped):
        raise KeyboardInterrupt
    result = _last_json_line(out) if process.returncode == 0 else None
    if result is None:
        record.update(_crash(process.returncode, err, spec))
        record["seconds_total"] = time.perf_counter() - start
        return record
    record.update({name: result[name] for name in BENCH_COLUMNS if name in result})
    return record


def _base_record(spec: RunSpec) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(BENCH_COLUMNS)
    record.update(
        key=spec.key, mentees=spec.mentees, mentors=spec.mentors, coaches=spec.coaches,
        coach_limits=spec.coach_limits, workloads=spec.workloads, current_share=spec.current_share, roster=spec.roster,
        seed=spec.seed, solver=spec.solver,
        time_limit=spec.time_limit, config="default" if spec.config is None else _digest(spec.config),
    )  # fmt: skip
    return record


def _last_json_line(out: str) -> dict[str, Any] | None:
    for line in reversed(out.splitlines()):
        if line.strip():
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                return None
            return value if isinstance(value, dict) else None
    return None


_OUT_OF_MEMORY_SIGNS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory")


def _crash(returncode: int, stderr: str, spec: RunSpec) -> dict[str, Any]:
    """Status and words for a worker that ended without a record."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = lines[-1][:200] if lines else ""
    if any(sign in stderr for sign in _OUT_OF_MEMORY_SIGNS):
        limit = "" if spec.memory_limit_gb is None else f" (memory limit {spec.memory_limit_gb:g} GB)"
        return {"status": "out_of_memory", "error": f"the run ran out of memory{limit}: {last}"}
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        killed = getattr(signal, "SIGKILL", None)
        hint = " (often the system's out-of-memory killer)" if killed is not None and returncode == -killed else ""
        return {"status": "error", "error": f"the run's process was killed by {name}{hint}"}
    return {"status": "error", "error": f"the run's process ended with exit code {returncode} and no record: {last}"}


# ---------------------------------------------------------------------------------------------------------------
# The sweep


def benchmark(
    sizes: str | Iterable[Sequence[int | None]] | None = (),
    *,
    coaches: Iterable[int] = (0,),
    seeds: int = 1,
    seed_list: Iterable[int] | None = None,
    solvers: Iterable[str] = ("auto",),
    time_limits: Iterable[float] = (60.0,),
    roster: str | os.PathLike | None = None,
    config: MatchConfig | str | None = None,
    coach_limits: str = "default",
    workloads: str = "generated",
    current_shares: Iterable[float | None] = (None,),
    output: str | os.PathLike | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
    wall_limit: float | None = None,
    memory_limit_gb: float | None = None,
) -> pd.DataFrame:
    """Run a grid of benchmark runs, each in a fresh process, recording each as soon as it ends.

    The grid is :func:`expand_grid` of the grid arguments (see there). With ``output``, runs whose key is already
    in the file are skipped, so rerunning an interrupted sweep's call finishes it without repeating or losing a
    run; each new record is appended as its run ends.

    Parameters
    ----------
    sizes, coaches, seeds, seed_list, solvers, time_limits, roster, config, coach_limits, workloads, current_shares, \
memory_limit_gb
        The grid, as :func:`expand_grid` takes it.
    output : path, optional
        The results CSV (columns :data:`BENCH_COLUMNS`), created when missing or empty; one sweep at a time per
        file. Beside it, ``<output>.machine.json`` is (re)written when the call has runs to do: this process's
        :func:`machine`, the Dask workers' machines with a scheduler, and the TOML of each config by its digest.
        Without ``output`` nothing is written.
    jobs : int, default 1
        Runs at a time on this machine, each a fresh process started from a thread of this one.
    scheduler : str, optional
        Address of a running Dask distributed scheduler (``tcp://host:8786``): each run becomes a task calling
        :func:`run_one` on a worker, which starts the fresh process there. Needs the ``distributed`` extra and
        the same mentormatch version on the workers. ``jobs`` must then stay 1.
    progress : callable, optional
        ``progress(done, total, current)``: runs recorded so far (skipped ones included), runs in the grid, and
        ``"running <run>"`` when a local run starts or ``"<run>: <status>"`` when a run ends (``""`` at the
        start). Called from the calling thread; the library prints nothing.
    wall_limit : float, optional
        Seconds after which a run is killed and recorded as ``timeout``; default ``3 × time_limit + 120``.

    Returns
    -------
    DataFrame
        The records of the grid's runs, those found in ``output`` and the new ones, in grid order, typed as
        :func:`read_results` types them. Rows of other grids in the same file stay in the file but are not
        returned.

    Raises
    ------
    ValueError
        A bad grid, ``jobs`` < 1, an ``output`` file that is not a results file of this format (choose another
        file), or Dask workers with another mentormatch version.
    ImportError
        ``scheduler`` given without the ``distributed`` package.
    OSError
        ``output`` cannot be read or written.
    KeyboardInterrupt
        Re-raised after stopping the running worker processes (local runs) or cancelling the cluster's tasks; the
        rows already written stay whole. A task already running on a Dask worker finishes there, unrecorded.
    """
    grid = expand_grid(
        sizes, coaches=coaches, seeds=seeds, seed_list=seed_list, solvers=solvers, time_limits=time_limits,
        roster=roster, config=config, coach_limits=coach_limits, workloads=workloads, memory_limit_gb=memory_limit_gb,
        current_shares=current_shares,
    )  # fmt: skip
    if not _is_int(jobs, 1):
        raise ValueError(f"jobs must be a whole number ≥ 1, got {jobs!r}")
    if scheduler is not None and jobs != 1:
        raise ValueError("jobs applies to local runs; with a scheduler the cluster's workers run the tasks")
    if wall_limit is not None and not _is_positive(wall_limit):
        raise ValueError(f"wall_limit must be a number of seconds > 0, got {wall_limit!r}")
    keys = [spec.key for spec in grid]
    results = None if output is None else _ResultsFile(Path(output))
    rows: dict[str, list[str]] = {} if results is None else results.open()
    todo = [spec for spec in grid if spec.key not in rows]
    total = len(grid)
    done = total - len(todo)

    def report(current: str) -> None:
        if progress is not None:
            progress(done, total, current)

    def started(spec: RunSpec) -> None:
        report(f"running {spec.label}")

    def finished(spec: RunSpec, record: dict[str, Any]) -> None:
        nonlocal done
        row = _row(record)
        if results is not None:
            results.append(row)
        rows.setdefault(spec.key, row)
        done += 1
        report(f"{spec.label}: {record['status']}")

    sidecar = {"machine": machine(), "configs": {_digest(s.config): s.config for s in grid if s.config}}
    report("")
    if todo and scheduler is None:
        if results is not None:
            results.write_sidecar(sidecar)
        _run_local(todo, jobs, wall_limit, started, finished)
    elif todo and scheduler is not None:
        _run_dask(todo, scheduler, wall_limit, finished, sidecar, results)
    return _frame([rows[key] for key in keys if key in rows])


def _run_local(
    todo: list[RunSpec], jobs: int, wall_limit: float | None,
    started: Callable[[RunSpec], None], finished: Callable[[RunSpec, dict[str, Any]], None],
) -> None:  # fmt: skip
    """Run ``todo`` with at most ``jobs`` worker processes at a time; callbacks on the calling thread."""
    children = _Children()
    pending = iter(todo)
    running: dict[Future, RunSpec] = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="mentormatch-bench") as pool:

        def submit_next() -> None:
            spec = next(pending, None)
            if spec is not None:
                running[pool.submit(_run, spec, wall_limit, children)] = spec
                started(spec)

        try:
            for _ in range(jobs):
                submit_next()
            while running:
                ended, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in ended:
                    spec = running.pop(future)
                    finished(spec, future.result())
                    submit_next()
        finally:
            if running:  # stopped early (Ctrl-C, a failed write): stop the runs still going
                children.stop()
                for future in running:
                    future.cancel()


def _run_dask(
    todo: list[RunSpec], scheduler: str, wall_limit: float | None,
    finished: Callable[[RunSpec, dict[str, Any]], None], sidecar: dict[str, Any], results: _ResultsFile | None,
) -> None:  # fmt: skip
    """Run ``todo`` as tasks on the Dask cluster at ``scheduler``; ``finished`` on the calling thread."""
    try:
        from distributed import Client, KilledWorker, as_completed
    except ImportError:
        raise ImportError(
            "running on a Dask cluster needs the distributed package: pip install 'mentormatch[distributed]'"
        ) from None
    with Client(scheduler, set_as_default=False) as client:
        workers = client.run(machine)
        ours = _version()
        other = sorted({info["version"] for info in workers.values()} - {ours})
        if other:
            raise ValueError(
                f"the cluster's workers run mentormatch {', '.join(map(str, other))}, this process {ours}: "
                "install the same version on both sides"
            )
        if results is not None:
            results.write_sidecar({**sidecar, "workers": workers})
        futures = {client.submit(run_one, spec, wall_limit=wall_limit, pure=False): spec for spec in todo}
        left = set(futures)
        try:
            for future in as_completed(futures, loop=client.loop):
                spec = futures[future]
                try:
                    record = future.result()
                except KilledWorker:
                    record = {
                        **_base_record(spec),
                        "status": "error",
                        "version": ours,
                        "error": "the Dask worker running this run died (often out of memory)",
                    }
                finished(spec, record)
                left.discard(future)
        finally:
            if left:  # stopped early: cancel the tasks not yet recorded
                client.cancel(list(left))


# ---------------------------------------------------------------------------------------------------------------
# The results file


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
    """Rows of text cells as a typed DataFrame: ints as Int64, floats as float64, text with empty cells missing."""
    frame = pd.DataFrame(rows, columns=list(BENCH_COLUMNS), dtype=object)
    for name in BENCH_COLUMNS:
        column = frame[name].mask(frame[name] == "", None)
        if name in INT_COLUMNS:
            frame[name] = pd.to_numeric(column).astype("Int64")
        elif name in FLOAT_COLUMNS:
            frame[name] = pd.to_numeric(column).astype("float64")
        else:
            frame[name] = column
    return frame


def read_results(path: str | os.PathLike) -> pd.DataFrame:
    """Read a results file written by :func:`benchmark`, typed by column (see the module docstring).

    Every row in file order (the order runs finished); a half-written last line is ignored.

    Raises
    ------
    ValueError
        The file is not a results file of this format.
    """
    path = Path(path)
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    return _frame(_parse(path, complete) if complete else [])
