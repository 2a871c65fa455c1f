"""Benchmark workloads of 1 and 2 with binding capacity: the strengthened relaxation and its LP dive (issue 15, goal 2)
against the method before them, in one run.

Per instance, two methods side by side, each in a fresh Python process:

``new``
    ``mentormatch.solve(problem, time_limit=T)`` with the default options: the ``relaxation`` path with the
    strengthened bound (class nodes, ``RelaxationOptions.strengthen``), the LP dive (``dive``), greedy repair and
    CP-SAT windows.
``old``
    the same call with ``RelaxationOptions(strengthen=False, dive=False)``: the plain transport bound, its whole
    cases kept and the rest placed greedily, CP-SAT windows (the behaviour before issue 15).

Both report Σ priority and Σ S (scores 0..1) with the bounds the result gives; the new run's bounds are the
strengthened relaxation's, the old run's the plain one's (the "old bound" column), so both bounds appear in one
table. ``gap %`` is (score bound − Σ S) / score bound, where the priority part is proven. The time is
``time.perf_counter`` around ``mentormatch.solve`` in process (solver, verification, reasons and the result table:
everything after ``build_problem``, which is timed separately as "build s"); the memory is the process's peak RSS
(``VmHWM``) after the call.

Instances (``roster_for``):

``wl`` N×M (seed s)
    ``mentormatch.synthetic_roster(N, M, seed=s)`` with workloads and capacities replaced: a seeded 15 % of the
    mentees (``numpy.random.default_rng(s + 1000)``, chosen without replacement) get workload 2, the others 1;
    then each mentor's capacity is changed so that the capacities sum to the total workload: units are added
    proportionally to the generator's capacities (a multinomial draw), or removed from units drawn uniformly
    without replacement (never below 0). Mentors with capacity 0 stay at 0 when units are added.
``synth`` N×M (seed s)
    ``mentormatch.synthetic_roster(N, M, seed=s)`` as it is (the issue's 20000 × 5000 seed 3 roster:
    ``mentormatch synth --mentees 20000 --mentors 5000 --seed 3``).
``arr`` N×M (seed s)
    an array-level instance (``arrays_for``), independent of the roster generator and binding like the issue's
    rosters (almost every mentee matchable, so capacity binds everywhere): ``rng = numpy.random.default_rng(s)``;
    mentor popularity ``p = rng.random(M)``; weights ``0.8 · p[j]² + 0.2 · U(0, 1)`` (float32); each pair allowed
    with probability 0.14 (about the issue's 408 000 pairs at 3000 × 1000); workload 2 with probability 0.15;
    capacities drawn from {1, 2, 3, 3, 5, 7}, scaled to sum to the total workload (floor, then one more unit to
    mentors drawn without replacement); priorities 1–3 uniform. Solved by ``mentormatch.solvers.run_solver(instance,
    "auto", time_limit=T)`` in process (the solver and the array-level answer check; there is no roster to
    verify or tabulate).

Goals (issue 15, goal 2): at 3000 × 1000 and 20000 × 5000 (``wl``), Σ priority equal to the strengthened bound, Σ S
within 0.1 % of its score bound, ≤ 60 s wall at 20000 × 5000.

Usage::

    python benchmarks/workload_grid.py              # arr and wl at 3000×1000 and 20000×5000, synth 20000×5000
                                                    # seed 3; new and old (about 9 minutes on 2 cores)
    python benchmarks/workload_grid.py --quick      # wl 600×200 only (CP-SAT's size: about a minute)
    python benchmarks/workload_grid.py --instances wl:3000x1000:0 --methods new

The markdown goes to stdout and replaces ``benchmarks/results/workload_grid.md`` (``--output``; ``--quick`` only
prints it unless ``--output`` is given).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_INSTANCES = ["arr:3000x1000:0", "arr:20000x5000:0", "wl:3000x1000:0", "wl:20000x5000:0", "synth:20000x5000:3"]
QUICK_INSTANCES = ["wl:600x200:0"]
METHODS = ("new", "old")
SHARE_TWO = 0.15


def roster_for(kind: str, n: int, m: int, seed: int):
    """The roster of one instance (module docstring: ``wl`` or ``synth``)."""
    from mentormatch import synthetic_roster

    roster = synthetic_roster(n, m, seed=seed)
    if kind == "synth":
        return roster
    if kind != "wl":
        raise ValueError(f"unknown instance kind {kind!r}: use wl or synth")
    rng = np.random.default_rng(seed + 1000)
    workload = np.ones(n, dtype=np.int64)
    workload[rng.choice(n, size=int(round(SHARE_TWO * n)), replace=False)] = 2
    capacity = np.array([mentor.capacity for mentor in roster.mentors], dtype=np.int64)
    extra = int(workload.sum() - capacity.sum())
    if extra > 0:
        capacity += rng.multinomial(extra, capacity / capacity.sum())
    elif extra < 0:
        units = np.repeat(np.arange(m), capacity)
        np.subtract.at(capacity, units[rng.choice(units.size, size=-extra, replace=False)], 1)
    mentees = tuple(
        mentee.model_copy(update={"workload": int(w)}) for mentee, w in zip(roster.mentees, workload, strict=True)
    )
    mentors = tuple(
        mentor.model_copy(update={"capacity": int(c)}) for mentor, c in zip(roster.mentors, capacity, strict=True)
    )
    return type(roster)(mentees=mentees, mentors=mentors, exclusions=roster.exclusions)


def arrays_for(n: int, m: int, seed: int):
    """The ``arr`` instance (module docstring) as a ``mentormatch.problem.Instance``."""
    from mentormatch.problem import Instance

    rng = np.random.default_rng(seed)
    popularity = rng.random(m)
    weights = (0.8 * popularity[None, :] ** 2 + 0.2 * rng.random((n, m))).astype(np.float32)
    allowed = rng.random((n, m)) < 0.14
    load = np.where(rng.random(n) < SHARE_TWO, 2, 1)
    capacity = rng.choice([1, 2, 3, 3, 5, 7], m)
    total = int(load.sum())
    capacity = np.floor(capacity * total / capacity.sum()).astype(np.int64)
    capacity[rng.choice(m, total - int(capacity.sum()), replace=False)] += 1
    return Instance(weights=weights, allowed=allowed, priority=rng.integers(1, 4, n), load=load, capacity=capacity)


def _solve_arrays(spec: dict, n: int, m: int, seed: int, options) -> dict:
    from mentormatch.solvers import run_solver

    instance = arrays_for(n, m, seed)
    t0 = time.perf_counter()
    solution = run_solver(instance, "auto", time_limit=spec["time_limit"], options=options)
    seconds = time.perf_counter() - t0
    gap = None
    if solution.objective_bound is not None and solution.priority_bound == solution.priority_sum:
        gap = (solution.objective_bound - solution.objective) / max(solution.objective_bound, 1e-9)
    return {
        "twos": int((instance.load == 2).sum()),
        "priority": int(solution.priority_sum),
        "priority_bound": solution.priority_bound,
        "score": float(solution.objective),
        "score_bound": solution.objective_bound,
        "gap": gap,
        "status": str(solution.status),
        "solver": solution.solver,
        "method_steps": solution.method,
        "message": solution.message,
        "seconds": seconds,
        "build_seconds": 0.0,
    }


def worker(spec: dict) -> dict:
    """One measurement in this process: build the problem (timed apart), solve, read the result."""
    sys.path.insert(0, str(HERE))
    import mentormatch
    from _measure import peak_rss_mb
    from mentormatch.solvers.options import RelaxationOptions, SolverOptions

    kind, shape, seed = spec["instance"].split(":")
    n, m = (int(v) for v in shape.split("x"))
    options = None
    if spec["method"] == "old":
        options = SolverOptions(relaxation=RelaxationOptions(strengthen=False, dive=False))
    if kind == "arr":
        record = _solve_arrays(spec, n, m, int(seed), options)
        return {"instance": spec["instance"], "method": spec["method"], **record, "peak_mb": peak_rss_mb()}
    roster = roster_for(kind, n, m, int(seed))
    t0 = time.perf_counter()
    problem = mentormatch.build_problem(roster, mentormatch.MatchConfig())
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = mentormatch.solve(problem, time_limit=spec["time_limit"], options=options)
    seconds = time.perf_counter() - t0
    workload = np.array([mentee.workload for mentee in roster.mentees])
    return {
        "instance": spec["instance"],
        "method": spec["method"],
        "twos": int((workload == 2).sum()),
        "total_workload": int(workload.sum()),
        "total_capacity": int(sum(mentor.capacity for mentor in roster.mentors)),
        "priority": int(result.priority_sum),
        "matched": int(result.table["mentor_id"].notna().sum()),
        "priority_bound": result.priority_bound,
        "score": float(result.objective),
        "score_bound": result.bound,
        "gap": result.gap,
        "status": str(result.status),
        "solver": result.solver,
        "method_steps": "",
        "message": result.message,
        "seconds": seconds,
        "build_seconds": build,
        "peak_mb": peak_rss_mb(),
    }


def measure(instance: str, method: str, time_limit: float) -> dict:
    spec = {"instance": instance, "method": method, "time_limit": time_limit}
    out = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        return {**spec, "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _num(x, digits: int = 1) -> str:
    if x is None:
        return "–"
    return f"{x:,.{digits}f}" if isinstance(x, float) else f"{x:,}"


def render(records: list[dict], time_limit: float) -> str:
    lines = [
        "# Workloads of 1 and 2 with binding capacity: strengthened relaxation + LP dive (new) against the plain "
        "relaxation + repair (old)",
        "",
        f"`python benchmarks/workload_grid.py`: `wl` and `synth` rosters by `mentormatch.solve(problem, "
        f"time_limit={time_limit:g})` in process (solve s: everything after `build_problem`), `arr` arrays by "
        f"`run_solver(instance, 'auto', time_limit={time_limit:g})`; each run in a fresh process; instances as in the "
        "script's docstring. `old` is the same call with `RelaxationOptions(strengthen=False, dive=False)`: its "
        "bounds are the plain relaxation's. Σ S in score units (0..1 per pair).",
        "",
        "| instance | cases of 2 | method | Σ priority | priority bound | Σ S | score bound | gap % | status "
        "| solve s | build s | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        if "error" in r:
            lines.append(f"| {r['instance']} | | {r['method']} | error: {r['error']} | | | | | | | | |")
            continue
        gap = None if r["gap"] is None else 100 * r["gap"]
        lines.append(
            f"| {r['instance']} | {r['twos']} | {r['method']} | {r['priority']:,} | {_num(r['priority_bound'])} | "
            f"{r['score']:,.1f} | {_num(r['score_bound'])} | {_num(gap, 3)} | {r['status']} | "
            f"{r['seconds']:.1f} | {r['build_seconds']:.1f} | {r['peak_mb']:,.0f} |"
        )
    lines += ["", "Methods as the solver reported them:", ""]
    for r in records:
        if "error" not in r:
            lines.append(f"- {r['instance']} {r['method']}: `{r['method_steps']}`; {r['message']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="wl 600x200 only")
    parser.add_argument("--instances", help="comma-separated kind:NxM:seed (kind wl or synth)")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    instances = args.instances.split(",") if args.instances else QUICK_INSTANCES if args.quick else DEFAULT_INSTANCES
    records = [
        measure(instance, method, args.time_limit) for instance in instances for method in args.methods.split(",")
    ]
    text = render(records, args.time_limit)
    print(text)
    output = args.output or (None if args.quick else HERE / "results" / "workload_grid.md")
    if output is not None:
        output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
