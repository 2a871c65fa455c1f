"""Benchmark ``assign`` on tight generalised assignment (issue 15, goal 3) against a long HiGHS MILP reference.

Instances: Chu and Beasley's tight types C and D and Laguna et al.'s type E (:func:`mentormatch.synthetic.gap_instance`:
capacities 80 % of the even-spread load), minimised, jobs = mentees and agents = mentors. Per instance, three
methods, each in a fresh Python process (instance generated and modules imported before the clock starts; time
is ``time.perf_counter`` around the call, memory the process's peak RSS):

``ours``
    ``assign(cost, capacity=, load=, maximize=False, time_limit=T)`` (``auto``: the GAP path of
    ``solvers/gap.py``).
``before``
    ``assign(..., solver="cpsat", time_limit=T)``: CP-SAT warm-started from the greedy answer, what ``auto`` ran
    for a load per pair before issue 15 (T deterministic seconds, the wall clock at 2 T + 5).
``reference``
    scipy's HiGHS MILP on the plain GAP (every job assigned: ``Σ_i x_ij = 1``), ``mip_rel_gap=0``, for
    ``--reference-time-limit`` seconds (default 300): the optimum when proven, else best known and HiGHS's dual
    bound. Cached in ``benchmarks/results/gap_references.json`` by (type, jobs, agents, seed, time limit), so
    reruns reuse it (``--fresh-references`` recomputes).

Columns: our cost, jobs left unassigned, our bound on the cost (the library's ``bound`` of a minimisation: a lower
bound), the reference (optimum or best/bound) and its time, our gap to the reference optimum (or to its best
answer and to the best proven bound), status, wall seconds and peak MB, and the ``before`` method's cost,
unassigned and wall seconds. Checks: our answer is re-verified (loads within capacity), our bound may not exceed the
reference's best cost, and the reference's bound may not exceed our cost.

Goal (the issue's): every job assigned, cost within 1 % of the optimum (or of a proven bound) at ``time_limit=20``
on 2 cores, the bound never wrong. A row meets it when the cost is within 1 % of the best proven lower bound (ours
or the reference's), or of the reference's proven optimum.

Usage::

    python benchmarks/gap_grid.py                                # 3 types × 6 sizes × 1 seed (~2 h with references)
    python benchmarks/gap_grid.py --sizes 100x5,200x20 --seeds 2 --reference-time-limit 60
    python benchmarks/gap_grid.py --quick                        # 3 instances, short references (~5 min)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _measure import machine, machine_line, run_child  # noqa: E402

RESULTS = HERE / "results"
OUT = RESULTS / "gap_grid.md"
CACHE = RESULTS / "gap_references.json"
SIZES = ((100, 5), (100, 10), (200, 10), (200, 20), (400, 20), (400, 40))
TYPES = ("c", "d", "e")


def run_ours(kind: str, jobs: int, agents: int, seed: int, time_limit: float, solver: str) -> dict:
    """One ``assign`` call (run in the child process)."""
    import mentormatch
    from mentormatch.synthetic.gap import gap_instance

    cost, load, capacity = gap_instance(kind, jobs, agents, seed=seed)
    mentormatch.assign(cost[:3, :2], capacity=capacity[:2], load=load[:3, :2], maximize=False, time_limit=1)  # warm
    start = time.perf_counter()
    answer = mentormatch.assign(
        cost, capacity=capacity, load=load, maximize=False, solver=solver, time_limit=time_limit
    )
    seconds = time.perf_counter() - start
    mentor_of = np.asarray(answer.mentor_of)
    matched = np.flatnonzero(mentor_of >= 0)
    used = np.bincount(mentor_of[matched], weights=load[matched, mentor_of[matched]], minlength=agents)
    return {
        "cost": int(cost[matched, mentor_of[matched]].sum()),
        "reported": float(answer.objective),
        "unassigned": int(jobs - matched.size),
        "bound": None if answer.bound is None else float(answer.bound),
        "status": str(answer.status),
        "within_capacity": bool(np.all(used <= capacity)),
        "seconds": seconds,
    }


def run_reference(kind: str, jobs: int, agents: int, seed: int, time_limit: float) -> dict:
    """scipy's HiGHS MILP on the plain GAP (run in the child process)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    from mentormatch.synthetic.gap import gap_instance

    cost, load, capacity = gap_instance(kind, jobs, agents, seed=seed)
    start = time.perf_counter()
    size = jobs * agents
    k = np.arange(size)
    once = csr_array((np.ones(size), (np.repeat(np.arange(jobs), agents), k)), shape=(jobs, size))
    room = csr_array((load.ravel().astype(float), (np.tile(np.arange(agents), jobs), k)), shape=(agents, size))
    result = milp(
        cost.ravel().astype(float),
        constraints=[LinearConstraint(once, 1, 1), LinearConstraint(room, -np.inf, capacity)],
        integrality=np.ones(size),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "mip_rel_gap": 0.0},
    )
    seconds = time.perf_counter() - start
    best = None if result.x is None else int(round(float(cost.ravel() @ np.rint(result.x))))
    bound = getattr(result, "mip_dual_bound", None)
    return {
        "best": best,
        "bound": None if bound is None else float(np.ceil(bound - 1e-6)),
        "optimal": bool(result.status == 0),
        "seconds": seconds,
        "message": str(result.message)[:80],
    }


def child(args: list[str]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(args)]


def measure(kind: str, jobs: int, agents: int, seed: int, method: str, time_limit: float) -> dict:
    run = run_child(child([kind, jobs, agents, seed, method, time_limit]), timeout=10 * time_limit + 600)
    lines = run.stdout.strip().splitlines()
    if run.returncode != 0 or not lines:
        return {"error": (run.stderr.strip().splitlines() or ["no output"])[-1]}
    out = json.loads(lines[-1])
    out["peak_mb"] = run.peak_rss_mb
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default=",".join(f"{n}x{m}" for n, m in SIZES))
    parser.add_argument("--types", default=",".join(TYPES))
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--reference-time-limit", type=float, default=300.0)
    parser.add_argument("--fresh-references", action="store_true")
    parser.add_argument("--no-before", action="store_true", help="skip the plain CP-SAT method")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.child:
        kind, jobs, agents, seed, method, limit = json.loads(args.child)
        if method == "reference":
            print(json.dumps(run_reference(kind, jobs, agents, seed, limit)))
        else:
            print(json.dumps(run_ours(kind, jobs, agents, seed, limit, "auto" if method == "ours" else "cpsat")))
        return
    if args.quick:
        instances = [("c", 100, 5, 0), ("d", 200, 20, 0), ("e", 400, 40, 0)]
        args.reference_time_limit = min(args.reference_time_limit, 60.0)
    else:
        sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes.split(",")]
        instances = [
            (kind, n, m, seed) for kind in args.types.split(",") for n, m in sizes for seed in range(args.seeds)
        ]
    cache = {} if args.fresh_references or not CACHE.exists() else json.loads(CACHE.read_text())
    rows = []
    started = time.perf_counter()
    for kind, n, m, seed in instances:
        key = f"{kind}-{n}x{m}-s{seed}-t{args.reference_time_limit:g}"
        if key not in cache:
            cache[key] = measure(kind, n, m, seed, "reference", args.reference_time_limit)
            RESULTS.mkdir(exist_ok=True)
            CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
        reference = cache[key]
        ours = measure(kind, n, m, seed, "ours", args.time_limit)
        before = {} if args.no_before else measure(kind, n, m, seed, "before", args.time_limit)
        rows.append((kind, n, m, seed, ours, before, reference))
        print(kind, n, m, seed, ours, before, reference, flush=True)
    write_table(args, rows, time.perf_counter() - started)


def percent(value: float | None, base: float | None) -> str:
    if value is None or base is None or base == 0:
        return "–"
    return f"{100 * (value - base) / abs(base):.2f}"


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def write_table(args: argparse.Namespace, rows: list, seconds: float) -> None:
    lines = [
        "# Tight generalised assignment (issue 15, goal 3)",
        "",
        f"`python benchmarks/gap_grid.py {' '.join(sys.argv[1:])}` ({seconds / 60:.0f} min; references cached in "
        f"`{CACHE.name}`). {machine_line(machine())}",
        "",
        f"Chu–Beasley types C, D and Laguna et al.'s E (capacity 80 % of the even-spread load), minimised; ours and "
        f"before at `time_limit={args.time_limit:g}`; reference: HiGHS MILP on the plain GAP for "
        f"{args.reference_time_limit:g} s. Gap % = (our cost − reference optimum, or best) / it; vs bound % = (our "
        f"cost − the best proven lower bound of ours and the reference's) / it.",
        "",
        "| type | jobs × agents | seed | our cost | unassigned | our bound | reference (best / bound) | ref s "
        "| gap % | vs bound % | status | wall s | peak MB | before: cost | unassigned | wall s |",
        "|---|---|---|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    checks = []
    met = True
    for kind, n, m, seed, ours, before, ref in rows:
        if "error" in ours or "error" in ref:
            lines.append(f"| {kind} | {n} × {m} | {seed} | error: {ours.get('error', '')} {ref.get('error', '')} |")
            met = False
            continue
        best, ref_bound = ref["best"], ref["bound"]
        ref_text = f"{best} (optimal)" if ref["optimal"] else f"{best} / {fmt(ref_bound)}"
        bounds = [b for b in (ours["bound"], ref_bound) if b is not None]
        proven = max(bounds) if bounds else None
        vs_bound = percent(ours["cost"], proven)
        gap = percent(ours["cost"], best)
        if ours["unassigned"] or not ours["within_capacity"]:
            met = False
        within_bound = vs_bound != "–" and float(vs_bound) <= 1.0
        within_optimum = ref["optimal"] and gap != "–" and float(gap) <= 1.0
        if not (within_bound or within_optimum):
            met = False
        if ours["bound"] is not None and best is not None and ours["bound"] > best + 1e-6:
            checks.append(f"{kind} {n}×{m} s{seed}: our bound {ours['bound']} above the reference's answer {best}")
        if ref_bound is not None and ours["unassigned"] == 0 and ref_bound > ours["cost"] + 1e-6:
            checks.append(f"{kind} {n}×{m} s{seed}: the reference's bound {ref_bound} above our answer")
        if not ours["within_capacity"]:
            checks.append(f"{kind} {n}×{m} s{seed}: our answer breaks a capacity")
        b_cost = before.get("cost", "–")
        b_un = before.get("unassigned", "–")
        b_s = f"{before['seconds']:.1f}" if "seconds" in before else "–"
        lines.append(
            f"| {kind} | {n} × {m} | {seed} | {ours['cost']} | {ours['unassigned']} | {fmt(ours['bound'])} "
            f"| {ref_text} "
            f"| {ref['seconds']:.0f} | {gap} | {vs_bound} | {ours['status']} | {ours['seconds']:.1f} "
            f"| {ours['peak_mb']:.0f} | {b_cost} | {b_un} | {b_s} |"
        )
    lines += [
        "",
        f"Goal (every job assigned, within 1 % of the optimum or a proven bound): {'met' if met else 'NOT met'}.",
    ]
    lines += ["", "Checks: " + ("none failed." if not checks else "")] + [f"- {c}" for c in checks]
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
