"""Measure ``flow-priced`` (``solvers/pricing.py``) against dense exact peers, each run in a fresh process.

Two goals, as in the pricing work's brief:

``structured``
    5000 × 1000 costs from :func:`mentormatch.synthetic.matrices.cost_matrix` (``structured``, ``uniform``,
    ``correlated``; seeds given by ``--seeds``) minimised under :func:`~mentormatch.synthetic.matrices.tight_capacity`:
    weights = −cost, every pair allowed, priorities and workloads 1. Methods: ``priced`` (``pricing.solve``), ``auto``
    (``run_solver(instance, "auto")``, checks included); the dense exact peers ``mcf`` (bare OR-Tools
    ``SimpleMinCostFlow`` on all 5 M arcs, source → mentee → mentor → sink with the raw costs, as
    ``assign_grid.py``'s "ortools mcf"), ``flow`` (``flow.solve``: the same network as ours, with the bypass arcs
    and the priority-first gains), ``lap`` and ``scipy`` (capacity slots ``cost[:, repeat(arange(m), capacity)]``
    solved by ``lap.lapjv`` and ``scipy.optimize.linear_sum_assignment``, the slot matrix's construction
    included).
``roster``
    The synthetic roster at 20000 × 5000 with every workload set to 1 (``synthetic_roster(20000, 5000, seed=0)``,
    ``build_problem(roster, MatchConfig())``), its instance arrays cached as ``.npy`` files in ``--cache``.
    Methods: ``priced`` and ``flow``.

Each (method, instance) runs ``--repeats`` times, each time in a new Python process that builds or loads the
instance, then reports the solve's wall time and its peak RSS above the process's RSS before solving (``VmHWM``,
OR-Tools' memory included). The table shows medians; every answer's Σ priority and Σ weights must agree.

```sh
python benchmarks/pricing_probe.py                                   # structured seeds 0–4, all kinds, roster
python benchmarks/pricing_probe.py --goals structured --kinds structured --seeds 0 --repeats 5
python benchmarks/pricing_probe.py --goals roster --methods priced --repeats 3
```
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIZE = (5000, 1000)
ROSTER = (20000, 5000)
METHODS = {"structured": ("priced", "auto", "mcf", "flow", "lap", "scipy"), "roster": ("priced", "flow")}


def _rss_mb(field: str) -> float:
    """``VmRSS`` or ``VmHWM`` of this process in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    """Make ``VmHWM`` restart from the current RSS (Linux: write 5 to ``/proc/self/clear_refs``)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _structured_instance(kind: str, seed: int):
    from mentormatch.problem import Instance
    from mentormatch.synthetic.matrices import cost_matrix, tight_capacity

    n, m = SIZE
    cost = cost_matrix(kind, n, m, seed=seed)
    capacity = tight_capacity(n, m, seed=seed)
    instance = Instance(
        weights=-cost,
        allowed=np.ones((n, m), bool),
        priority=np.ones(n, np.int64),
        load=np.ones(n, np.int64),
        capacity=capacity,
    )
    return instance, cost, capacity


def _roster_instance(cache: Path):
    from mentormatch.problem import Instance

    names = ("weights", "allowed", "priority", "capacity")
    if not all((cache / f"roster_{name}.npy").exists() for name in names):
        from mentormatch import MatchConfig, build_problem, synthetic_roster

        cache.mkdir(parents=True, exist_ok=True)
        problem = build_problem(synthetic_roster(*ROSTER, seed=0), MatchConfig())
        instance = problem.instance()
        for name in names:
            np.save(cache / f"roster_{name}.npy", getattr(instance, name))
    arrays = {name: np.load(cache / f"roster_{name}.npy") for name in names}
    return Instance(
        weights=arrays["weights"],
        allowed=arrays["allowed"],
        priority=arrays["priority"],
        load=np.ones(ROSTER[0], np.int64),
        capacity=arrays["capacity"],
    )


def _slots(cost: np.ndarray, capacity: np.ndarray, solver: str) -> tuple[int, float]:
    """Σ priority (all matched) and Σ weights of the capacity-slot assignment."""
    slot_mentor = np.repeat(np.arange(cost.shape[1]), capacity)
    expanded = cost[:, slot_mentor]
    if solver == "lap":
        import lap

        _, rows_to_slot, _ = lap.lapjv(expanded.astype(np.float64), extend_cost=True)
        rows = np.arange(cost.shape[0])
        slots = rows_to_slot
    else:
        from scipy.optimize import linear_sum_assignment

        rows, slots = linear_sum_assignment(expanded)
    return int(rows.size), -float(cost[rows, slot_mentor[slots]].sum())


def _mcf(cost: np.ndarray, capacity: np.ndarray) -> tuple[int, float]:
    """Σ priority (all placed) and Σ weights of the bare dense min-cost flow."""
    from ortools.graph.python import min_cost_flow

    n, m = cost.shape
    source, sink = n + m, n + m + 1
    network = min_cost_flow.SimpleMinCostFlow()
    network.add_arcs_with_capacity_and_unit_cost(
        np.full(n, source, np.int32), np.arange(n, dtype=np.int32), np.ones(n, np.int64), np.zeros(n, np.int64)
    )
    network.add_arcs_with_capacity_and_unit_cost(
        np.repeat(np.arange(n, dtype=np.int32), m),
        np.tile(np.arange(n, n + m, dtype=np.int32), n),
        np.ones(n * m, np.int64),
        cost.ravel().astype(np.int64),
    )
    network.add_arcs_with_capacity_and_unit_cost(
        np.arange(n, n + m, dtype=np.int32),
        np.full(m, sink, np.int32),
        capacity.astype(np.int64),
        np.zeros(m, np.int64),
    )
    network.set_nodes_supplies(np.array([source, sink], np.int32), np.array([n, -n], np.int64))
    if network.solve() != network.OPTIMAL:
        raise RuntimeError("the dense min-cost flow is not optimal")
    return n, -float(network.optimal_cost())


def worker(spec: dict) -> dict:
    """Build the instance, run one method, report seconds, peak RSS above the start and the totals."""
    from mentormatch.solvers import flow, pricing, run_solver

    importlib.import_module("ortools.graph.python.min_cost_flow")  # imported before timing, as in a warm CLI

    if spec["goal"] == "roster":
        instance, cost, capacity = _roster_instance(Path(spec["cache"])), None, None
    else:
        instance, cost, capacity = _structured_instance(spec["kind"], spec["seed"])
    before = _rss_mb("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    message = ""
    if spec["method"] == "mcf":
        priority, objective = _mcf(cost, capacity)
    elif spec["method"] in ("lap", "scipy"):
        priority, objective = _slots(cost, capacity, spec["method"])
    else:
        if spec["method"] == "priced":
            solution = pricing.solve(instance)
        elif spec["method"] == "auto":
            solution = run_solver(instance, "auto")
        else:
            solution = flow.solve(instance)
        priority, objective, message = solution.priority_sum, solution.objective, solution.message
    seconds = time.perf_counter() - start
    return dict(
        seconds=seconds, peak_mb=_rss_mb("VmHWM") - before, priority=priority, objective=objective, message=message
    )


def _run(spec: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--goals", default="structured,roster")
    parser.add_argument("--kinds", default="structured,uniform,correlated")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--methods", default=None, help="comma-separated subset of each goal's methods")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cache", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "pricing_probe"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    wanted = set(args.methods.split(",")) if args.methods else None
    print("| instance | method | seconds (median) | peak RSS above start (MB) | Σ priority | Σ weights | note |")
    print("|---|---|---|---|---|---|---|")
    for goal in args.goals.split(","):
        cases = (
            [dict(kind=kind, seed=int(seed)) for kind in args.kinds.split(",") for seed in args.seeds.split(",")]
            if goal == "structured"
            else [dict()]
        )
        for case in cases:
            label = f"{case['kind']} s{case['seed']}" if case else "roster 20000 × 5000"
            totals = set()
            for method in METHODS[goal]:
                if wanted is not None and method not in wanted:
                    continue
                runs = [_run(dict(goal=goal, method=method, cache=args.cache, **case)) for _ in range(args.repeats)]
                seconds = statistics.median(run["seconds"] for run in runs)
                peak = statistics.median(run["peak_mb"] for run in runs)
                totals.add((runs[0]["priority"], round(runs[0]["objective"], 3)))
                print(
                    f"| {label} | {method} | {seconds:.3f} | {peak:.0f} | {runs[0]['priority']} | "
                    f"{runs[0]['objective']:.6g} | {runs[0]['message']} |",
                    flush=True,
                )
            if len(totals) > 1:
                print(f"| {label} | **answers differ** | | | | | {sorted(totals)} |", flush=True)


if __name__ == "__main__":
    main()
