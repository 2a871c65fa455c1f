"""The grid and its runs: which runs a sweep makes, and each one measured in a fresh process, here or on Dask.

:func:`expand_grid` turns the grid (roster sizes or a roster folder, coaches, seeds, solvers, time limits, config)
into :class:`RunSpec` objects, :func:`run_one` measures one of them in a fresh process (``python -m
mentormatch.bench.worker``, killed past its wall limit) and :func:`benchmark` does both, appending each record to
the results file (:mod:`mentormatch.bench.results`) as soon as its run ends (the ``mentormatch bench`` command
calls it). Runs go ``jobs`` at a time on this machine, or as tasks on a Dask distributed cluster.

Measuring honestly
------------------
With ``jobs > 1`` runs share the machine's cores and memory bandwidth, which slows each of them; measure timings
with ``jobs=1`` (the default) on an otherwise idle machine, and use more jobs to sweep objectives and statuses
quickly. On a Dask cluster each task starts its own fresh process on the worker's machine, so one worker thread
per core or fewer is the honest setting.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from mentormatch.bench.results import (
    BENCH_COLUMNS,
    MACHINE_COLUMNS,
    _frame,
    _ResultsFile,
    _row,
    _version,
    machine,
)
from mentormatch.config import MatchConfig
from mentormatch.io import ROSTER_FILES
from mentormatch.solvers import SOLVER_NAMES
from mentormatch.synthetic import COACH_LIMITS

__all__ = ["WORKLOADS", "RunSpec", "parse_sizes", "expand_grid", "run_one", "benchmark"]

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
    coach_limits : {"default", "moderate", "hard", "binding"}, default "default"
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
        One value per column of :data:`~mentormatch.bench.BENCH_COLUMNS` (None where unknown). A run that times
        out, runs out of memory or fails is a record with that status and an ``error`` text, not an exception.
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
        [sys.executable, "-m", "mentormatch.bench.worker"],
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
        The results CSV (columns :data:`~mentormatch.bench.BENCH_COLUMNS`), created when missing or empty; one
        sweep at a time per file. Beside it, ``<output>.machine.json`` is (re)written when the call has runs to
        do: this process's :func:`~mentormatch.bench.machine`, the Dask workers' machines with a scheduler, and
        the TOML of each config by its digest. Without ``output`` nothing is written.
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
        :func:`~mentormatch.bench.read_results` types them. Rows of other grids in the same file stay in the
        file but are not returned.

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
