"""Benchmark the whole roster pipeline on synthetic rosters: read CSV → score → solve → write CSV.

For each size (``small`` 300 × 100, ``medium`` 3000 × 1000, ``large`` 20000 × 5000 mentees × mentors) and each
workload variant (``generated``: the synthetic roster as it is, about 10 % of mentees with workload 2, so ``auto``
takes its knapsack-capable path; ``unit``: the same roster with every workload set to 1, so the pure flow path is
measured), the script

1. generates the roster once, untimed, into a cache folder (``--cache``; keyed by the generator's source, so a
   changed generator never reuses stale files);
2. runs the pipeline in a fresh Python subprocess, timing each stage with ``time.perf_counter``:
   ``read`` = ``read_roster(folder)``, ``score`` = ``build_problem(roster, MatchConfig())``,
   ``solve`` = ``solve(problem, solver, time_limit=..., seed=0)`` (verification and reasons included),
   ``write`` = ``write_matches(result, path)``; the median of ``--repeats`` runs (the large size runs once);
3. reports the subprocess's peak resident memory (``VmHWM`` from ``/proc/self/status``, else ``ru_maxrss``) and
   its resident memory after imports, before the first run.

The markdown table goes to stdout and to ``benchmarks/results/roster_pipeline.md`` (``--output``), with the machine
and the date. Usage::

    python benchmarks/roster_pipeline.py                          # all sizes, both variants
    python benchmarks/roster_pipeline.py --sizes small,medium --repeats 5
    python benchmarks/roster_pipeline.py --unit-workloads         # only the unit-workload (flow) variant
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # _measure lives beside this file
    sys.path.insert(0, str(HERE))

from _measure import machine, peak_rss_mb, rss_mb, run_json  # noqa: E402

DEFAULT_OUTPUT = HERE / "results" / "roster_pipeline.md"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "mentormatch-bench"

SIZES: dict[str, tuple[int, int]] = {"small": (300, 100), "medium": (3000, 1000), "large": (20000, 5000)}
"""Name → (mentees, mentors). No coaches: supervision is benchmarked separately."""
SINGLE_RUN = {"large"}
"""Sizes measured once whatever ``--repeats`` says."""
VARIANTS = ("generated", "unit")
ROSTER_SEED = 0
STAGES = ("read", "score", "solve", "write")


# ---------------------------------------------------------------------------------------------------------------
# Setup (untimed): one roster folder per size and variant.


def _generator_digest() -> str:
    import mentormatch.synthetic.rosters as generator

    return hashlib.sha256(Path(generator.__file__).read_bytes()).hexdigest()[:10]


def roster_folder(cache: Path, size: str, variant: str) -> Path:
    """The folder holding the synthetic roster for ``size`` and ``variant``, generated on first use."""
    from mentormatch.io import write_roster
    from mentormatch.synthetic import synthetic_roster

    n, m = SIZES[size]
    folder = cache / f"{size}-{n}x{m}-seed{ROSTER_SEED}-{variant}-{_generator_digest()}"
    if (folder / "mentees.csv").exists() and (folder / "mentors.csv").exists():
        return folder
    roster = synthetic_roster(n, m, seed=ROSTER_SEED)
    if variant == "unit":
        mentees = tuple(p.model_copy(update={"workload": 1}) for p in roster.mentees)
        roster = dataclasses.replace(roster, mentees=mentees)
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    write_roster(roster, partial)
    partial.rename(folder)
    return folder


# ---------------------------------------------------------------------------------------------------------------
# The measured part, run in a fresh subprocess per size and variant.


def _preload_backends() -> None:
    """Import the solver backends up front, so that their import time is not counted as solving."""
    for name in ("ortools.graph.python.min_cost_flow", "ortools.sat.python.cp_model", "scipy.optimize"):
        with contextlib.suppress(ImportError):
            __import__(name)


def worker(folder: Path, repeats: int, solver: str, time_limit: float) -> dict:
    from mentormatch import MatchConfig, build_problem, read_roster, solve, write_matches

    _preload_backends()
    baseline = rss_mb("VmRSS") or 0.0
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "matches.csv"
        for _ in range(repeats):
            t0 = time.perf_counter()
            roster = read_roster(folder)
            t1 = time.perf_counter()
            problem = build_problem(roster, MatchConfig())
            t2 = time.perf_counter()
            result = solve(problem, solver, time_limit=time_limit, seed=0)
            t3 = time.perf_counter()
            write_matches(result, out)
            t4 = time.perf_counter()
            runs.append(
                {
                    "read": t1 - t0,
                    "score": t2 - t1,
                    "solve": t3 - t2,
                    "write": t4 - t3,
                    "total": t4 - t0,
                    "allowed": float(problem.allowed.mean()),
                    "matched": result.n_matched,
                    "n_mentees": problem.shape[0],
                    "status": str(result.status),
                    "solver": result.solver,
                    "gap": result.gap,
                    "priority_missing": result.priority_missing,
                    "objective": result.objective,
                }
            )
            del roster, problem, result
    return {"runs": runs, "peak_rss_mb": peak_rss_mb(), "baseline_rss_mb": baseline}


def measure(folder: Path, repeats: int, solver: str, time_limit: float, timeout: float) -> dict:
    """Run :func:`worker` in a fresh interpreter and return its report (or an ``error``)."""
    command = [
        sys.executable, str(Path(__file__).resolve()), "--worker", str(folder),
        "--repeats", str(repeats), "--solver", solver, "--time-limit", str(time_limit),
    ]  # fmt: skip
    return run_json(command, timeout)


# ---------------------------------------------------------------------------------------------------------------
# Report.


def _seconds(t: float) -> str:
    return f"{t:.0f}" if t >= 100 else f"{t:.3g}"


def _row(size: str, variant: str, report: dict) -> str:
    n, m = SIZES[size]
    head = f"| {size} | {n} × {m} | {variant} "
    if "error" in report:
        return head + "| " + " | ".join([""] * 9 + [report["error"], ""]) + " |"
    runs = report["runs"]
    med = {stage: statistics.median(run[stage] for run in runs) for stage in (*STAGES, "total")}
    last = runs[-1]
    unmatched = last["n_mentees"] - last["matched"]
    if last["status"] == "optimal":
        status = "optimal"
    elif last["gap"] is not None:
        status = f"{last['status']}, gap {100 * last['gap']:.2g} %"
    elif last["priority_missing"]:
        points = last["priority_missing"]
        status = f"{last['status']}, ≤ {points} priority point{'s' if points != 1 else ''} short"
    else:
        status = last["status"]
    times = " | ".join(_seconds(med[stage]) for stage in (*STAGES, "total"))
    return (
        head + f"| {100 * last['allowed']:.1f} % | {len(runs)} | {times} | {report['peak_rss_mb']:,.0f} "
        f"| {last['solver']} | {status} | {unmatched} |"
    )


def render(rows: list[str], info: dict, argv: list[str]) -> str:
    lines = [
        "# Roster pipeline benchmark",
        "",
        f"Date: {info['date']}. Command: `{' '.join(['python benchmarks/roster_pipeline.py', *argv])}`",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, {info['os']}; Python {info['python']}, "
        f"mentormatch {info['mentormatch']}, numpy {info['numpy']}, scipy {info['scipy']}, pandas {info['pandas']}, "
        f"ortools {info['ortools']}.",
        "",
        f"Synthetic rosters `synthetic_roster(n, m, seed={ROSTER_SEED})`, no coaches; `unit` = the same roster with "
        "every workload set to 1. Times in seconds (median of the runs; `large` runs once), each size and variant in "
        "a fresh process; peak RSS is that process's high-water mark in MB (imports included). Stages: read = "
        "`read_roster`, score = `build_problem` (scores and allowed mask), solve = "
        f"`solve(problem, {info['solver']!r}, time_limit={info['time_limit']:g}, seed=0)` (verification and "
        "reasons for unmatched mentees included), write = `write_matches`. `unmatched` counts mentees left "
        "unmatched; status `feasible` gives the proven bound on what is missing.",
        "",
        "| size | mentees × mentors | workloads | allowed pairs | runs | read s | score s | solve s | write s "
        "| total s | peak RSS MB | solver | status | unmatched |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated, from {', '.join(SIZES)}")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (median reported); large runs once")
    parser.add_argument("--workloads", choices=(*VARIANTS, "both"), default="both", help="roster variants to run")
    parser.add_argument("--unit-workloads", action="store_true", help="same as --workloads unit")
    parser.add_argument("--solver", default="auto", help="solver name passed to solve() (default auto)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solve() time limit in seconds")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before a subprocess is abandoned")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="folder for the generated rosters")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown file for the results")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.repeats, args.solver, args.time_limit)))
        return 0

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown or args.repeats < 1:
        parser.error(f"unknown size(s) {unknown}; choose from {', '.join(SIZES)}" if unknown else "--repeats >= 1")
    variants = ("unit",) if args.unit_workloads else VARIANTS if args.workloads == "both" else (args.workloads,)

    rows = []
    for size in sizes:
        for variant in variants:
            print(f"[{size} {variant}] setting up ...", file=sys.stderr, flush=True)
            folder = roster_folder(args.cache, size, variant)
            repeats = 1 if size in SINGLE_RUN else args.repeats
            print(f"[{size} {variant}] measuring {repeats} run(s) ...", file=sys.stderr, flush=True)
            rows.append(_row(size, variant, measure(folder, repeats, args.solver, args.time_limit, args.timeout)))
            print(rows[-1], file=sys.stderr, flush=True)

    info = {**machine(), "solver": args.solver, "time_limit": args.time_limit}
    text = render(rows, info, argv)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
