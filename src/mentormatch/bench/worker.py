"""One benchmark run in a fresh process: ``python -m mentormatch.bench.worker``.

Started by :func:`mentormatch.bench.run_one`; not meant to be run by hand. It reads a
:class:`~mentormatch.bench.RunSpec` as JSON on stdin (``spec.to_dict()``) and prints the run's result columns
(:data:`~mentormatch.bench.BENCH_COLUMNS`) as one JSON line on stdout.

What a run does
---------------
Each run is a fresh Python process, so that its memory figures are its own and nothing is cached from an earlier
run. Untimed, it imports everything and solves a tiny synthetic roster once (the warm-up), generates its roster with
:func:`~mentormatch.synthetic_roster` (seeded: the same sizes, seed and ``coach_limits`` always give the same
roster) and writes it to a temporary folder, or takes the roster folder it was given. Then it times five stages:

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

A failure inside the run is a record (status ``error`` or ``out_of_memory``, with the exception's class and a short
text that never carries profile values), so that the sweep records it and goes on.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from mentormatch.bench.grid import RunSpec
from mentormatch.config import MatchConfig
from mentormatch.encode import build_problem
from mentormatch.errors import InputError
from mentormatch.io import read_roster, write_matches, write_roster
from mentormatch.match import evaluate, find_solution
from mentormatch.synthetic import next_month, synthetic_roster

try:
    import resource
except ImportError:  # not on Windows: no peak memory, no memory limit
    resource = None  # type: ignore[assignment]

WARM_UP_SIZE = (24, 10)
"""Mentees × mentors of the warm-up roster (two coaches more when the run has coaches)."""

STAGES = ("read", "score", "solve", "verify", "write")


def main() -> int:
    spec = RunSpec(**json.loads(sys.stdin.read()))
    record: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="mentormatch-bench-") as tmp:
            _measure(spec, Path(tmp), record)
    except MemoryError:
        limit = "" if spec.memory_limit_gb is None else f" of {spec.memory_limit_gb:g} GB"
        record.update(status="out_of_memory", error=f"MemoryError: the run needed more memory than the limit{limit}")
    except InputError as err:
        record.update(status="error", error=_roster_words(err))
    except ValueError as err:  # a solver that cannot take the roster (SolverUnsuitable), a bad config
        record.update(status="error", error=_words(err))
    # anything else is a bug: the process ends with its traceback, and run_one records it from the exit code
    record["peak_memory_mb"] = _peak_memory_mb()
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()
    return 0


def _measure(spec: RunSpec, tmp: Path, record: dict[str, Any]) -> None:
    config = MatchConfig() if spec.config is None else MatchConfig.from_toml(spec.config)
    _warm_up(spec, config, tmp)
    if spec.roster is None:
        assert spec.mentees is not None and spec.mentors is not None and spec.coaches is not None
        assert spec.coach_limits is not None  # a generated roster's spec has them all
        folder = tmp / "roster"
        roster = synthetic_roster(
            spec.mentees, spec.mentors, spec.coaches, seed=spec.seed, coach_limits=spec.coach_limits
        )
        if spec.workloads == "unit":
            roster = replace(roster, mentees=tuple(p.model_copy(update={"workload": 1}) for p in roster.mentees))
        if spec.current_share is not None:
            roster = next_month(roster, current_share=spec.current_share, seed=spec.seed, config=config)
        write_roster(roster, folder)
        del roster
    else:
        folder = Path(spec.roster)
    if spec.memory_limit_gb is not None:
        _preload()  # not otherwise: modules a run does not use would count in its peak memory
    gc.collect()
    _reset_peak_memory()
    _limit_memory(spec.memory_limit_gb)

    start = time.perf_counter()
    try:
        with _stage(record, "read"):
            roster = read_roster(folder)
        record.update(mentees=len(roster.mentees), mentors=len(roster.mentors), coaches=len(roster.coaches))
        with _stage(record, "score"):
            problem = build_problem(roster, config)
        with _stage(record, "solve"):
            solution = find_solution(problem, spec.solver, time_limit=spec.time_limit, seed=spec.seed)
        with _stage(record, "verify"):
            result = evaluate(problem, solution.mentor_of, solution.coach_of, solution=solution)
        with _stage(record, "write"):
            write_matches(result, tmp / "matches.csv")
    finally:
        record["seconds_total"] = time.perf_counter() - start
    record.update(
        status=str(result.status), solver_used=result.solver, priority_sum=result.priority_sum,
        priority_bound=result.priority_bound, objective=result.objective, bound=result.bound, gap=result.gap,
    )  # fmt: skip
    record.update(_counts(problem, solution.mentor_of))


@contextlib.contextmanager
def _stage(record: dict[str, Any], name: str) -> Iterator[None]:
    """Time one stage into ``seconds_<name>``, also when it fails."""
    start = time.perf_counter()
    try:
        yield
    finally:
        record[f"seconds_{name}"] = time.perf_counter() - start


def _warm_up(spec: RunSpec, config: MatchConfig, tmp: Path) -> None:
    """Run every stage once on a tiny roster, untimed, so that imports and first calls are not measured."""
    n, m = WARM_UP_SIZE
    folder = tmp / "warm-up"
    with_coaches = bool(spec.coaches) if spec.roster is None else (Path(spec.roster) / "coaches.csv").exists()
    roster = synthetic_roster(n, m, 2 if with_coaches else 0, seed=0)
    if spec.current_share is not None:
        roster = next_month(roster, current_share=spec.current_share, seed=0, config=config)
    write_roster(roster, folder)
    problem = build_problem(read_roster(folder), config)
    for solver in dict.fromkeys(("auto", spec.solver)):
        try:
            solution = find_solution(problem, solver, time_limit=5.0, seed=0)
        except ValueError:  # a solver that cannot take the tiny roster; the timed run reports its own errors
            continue
        result = evaluate(problem, solution.mentor_of, solution.coach_of, solution=solution)
        write_matches(result, tmp / "warm-up.csv")


PRELOAD = (
    "mentormatch.solvers.auto",
    "mentormatch.solvers.hungarian",
    "mentormatch.solvers.flow",
    "mentormatch.solvers.pricing",
    "mentormatch.solvers.relaxation",
    "mentormatch.solvers.cpsat",
    "mentormatch.solvers.coaches",
    "ortools.graph.python.min_cost_flow",
    "ortools.sat.python.cp_model",
    "scipy.optimize",
    "scipy.sparse.csgraph",
)
"""Modules a run may load lazily, imported before a memory limit (only then): the warm-up's tiny roster need not take
every solver path the timed one takes, and an extension module that loads under a tight ``RLIMIT_AS`` can crash the
process (SIGSEGV) instead of raising MemoryError."""


def _preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)


def _counts(problem, mentor_of: np.ndarray) -> dict[str, Any]:
    """Matched mentees (in total and by risk level) and the mean and lowest score of the matched pairs (0–100)."""
    matched = mentor_of >= 0
    risk = np.asarray([p.risk_level for p in problem.roster.mentees], dtype=object)
    counts: dict[str, Any] = {"matched": int(matched.sum()), "unmatched": int((~matched).sum())}
    for level in ("high", "medium", "low"):
        counts[f"matched_{level}"] = int((matched & (risk == level)).sum())
    rows = np.flatnonzero(matched)
    scores = np.asarray(problem.score[rows, mentor_of[rows]], dtype=np.float64) * 100
    counts["mean_score"] = float(scores.mean()) if len(scores) else None
    counts["min_score"] = float(scores.min()) if len(scores) else None
    return counts


def _reset_peak_memory() -> None:
    """Reset the process's resident high-water mark (and so ``ru_maxrss``) to its current size, where Linux lets
    us (``/proc/self/clear_refs``); elsewhere the peak includes the untimed setup."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


def _peak_memory_mb() -> float | None:
    """Peak resident memory in MiB (``ru_maxrss``: KiB on Linux, bytes on macOS); None where unknown."""
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def _limit_memory(gb: float | None) -> None:
    """Limit the address space to ``gb`` GiB from here on (``RLIMIT_AS``)."""
    if gb is None:
        return
    if resource is None:
        raise RuntimeError("memory_limit_gb needs the resource module (POSIX)")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = int(gb * 2**30)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _first_line(text: str, limit: int = 200) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _words(err: BaseException) -> str:
    """The exception's class and the first line of its message, shortened."""
    text = _first_line(str(err))
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _roster_words(err: InputError) -> str:
    """A roster's problems by count and the first one's place and words, never its cell value."""
    first = err.problems[0] if err.problems else None
    count = len(err.problems)
    text = f"InputError: {count} problem{'s' if count != 1 else ''} in the input"
    if first is not None:
        where = Path(first.file).name + (f", line {first.line}" if first.line is not None else "")
        where += f", column {first.column!r}" if first.column is not None else ""
        text += f"; first: {where}: {_first_line(first.message)}"
    return text


if __name__ == "__main__":
    sys.exit(main())
