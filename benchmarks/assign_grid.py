"""Benchmark :func:`mentormatch.assign` against its peers: an asv-style grid of case × size × cost kind × solver.

Every cost matrix is an integer matrix in ``0..1000`` from :func:`mentormatch.synthetic.matrices.cost_matrix`
(``uniform``, ``correlated``, ``structured``; seed 0), to be minimised, all pairs allowed, every priority 1. Three
cases:

``one_to_one``
    n × n, capacity 1. Peers: scipy ``linear_sum_assignment``, ``lap.lapjv``, OR-Tools
    ``SimpleLinearSumAssignment`` and ``SimpleMinCostFlow`` (every arc, added with the vectorised
    ``add_arcs_with_capacity_and_unit_cost``), CP-SAT (n ≤ :data:`CPSAT_MAX_N`). Ours: ``assign(cost,
    maximize=False, solver=s)`` for s in auto, hungarian, flow (and cpsat for n ≤ :data:`CPSAT_MAX_N`).
``capacitated``
    n × m, m = n / 5, capacity ``tight_capacity(n, m)`` (sums to n: every mentee must be placed). Peers: capacity
    slots (``cost[:, np.repeat(np.arange(m), capacity)]``, n × n, float64) solved by ``lap.lapjv`` and by scipy, and
    a dense OR-Tools min-cost flow source → mentee → mentor → sink. Ours: auto, flow, hungarian.
``gap``
    The generalised assignment problem: a 2-D load ``gap_loads(n, m, high=25)`` in 1..25, capacities as in
    Beasley's "type C" instances, ``capacity[j] = floor(0.8 · Σ_i load[i, j] / m)``. The objective is assign's:
    place as many mentees as possible (all priorities 1), then minimise Σ cost. Peer: scipy ``milp`` (HiGHS) on
    the direct formulation (x[i, j] binary, Σ_j x[i, j] ≤ 1, Σ_i load[i, j] x[i, j] ≤ capacity[j], minimise
    Σ (cost[i, j] − BIG) x[i, j] with BIG = Σ_i max_j cost[i, j] + 1, ``mip_rel_gap=0``). Ours: ``assign(cost,
    load=load, capacity=capacity, maximize=False, solver="auto" | "cpsat", time_limit=...)``.

How it is measured (asv-style):

* each (case, size, kind) row runs in a fresh Python process; the matrix, capacities and loads are built there
  untimed, and every method is first run once, untimed, on a tiny instance of the same case (imports and lazy
  initialisation are not timed);
* the methods of a row are timed in interleaved rounds (every method once per round, ``--repeats`` rounds); a
  method stops repeating once its runs total ``--budget`` seconds; the cell shows the **median**;
* each timed call starts with ``gc.collect()`` and a reset of the peak RSS (``/proc/self/clear_refs``); the cell's
  memory is the largest over its runs of peak RSS during the call − RSS before it ("extra"), so the inputs are not
  counted. Where the peak cannot be reset, each (row, method) runs in its own process instead;
* the time ratio is to the fastest peer of the row; the objective mark compares the answer's Σ cost (recomputed
  from ``mentor_of`` for our answers, which are also checked against the capacities and loads) and its number of
  placed mentees with the peers' (all integers: equal means exactly equal);
* methods whose estimated memory passes ``--max-gb`` are skipped and the cell says so; so are, to keep the default
  grid near 15 minutes, the slow cells of :data:`SLOW_CELLS` (each with the time it took when measured) and GAP
  200 × 40; ``--all`` runs them.

The "Speed goals" table (issue 4): (a) ``assign(cost, solver="hungarian", maximize=False)`` against bare scipy
``linear_sum_assignment`` on a 2000 × 2000 uniform matrix, alternating the two for ``--goal-repeats`` rounds in one
process; (b) capacitated 5000 × 1000 structured, ``auto`` against the fastest dense exact peer (taken from the
grid's row, run even when filtered out); (c) ``mentormatch solve`` against the plain pipeline on the 20000 × 5000
unit-workload roster (:mod:`plain_pipeline`, each a fresh process, run by :mod:`end_to_end`).

Usage::

    python benchmarks/assign_grid.py                       # the full grid and the goals (15-20 minutes)
    python benchmarks/assign_grid.py --all                 # also the slow cells (adds about 20 minutes)
    python benchmarks/assign_grid.py --quick               # a one-minute subset (goal c on 3000 × 1000)
    python benchmarks/assign_grid.py --cases capacitated --sizes 1000,5000 --kinds structured --no-goals

The markdown goes to stdout and replaces ``benchmarks/results/assign_grid.md`` (``--output``; ``--quick`` only prints
it unless ``--output`` is given).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # _measure, end_to_end and roster_pipeline live beside this file
    sys.path.insert(0, str(HERE))

from _measure import PeakMeter, can_reset_peak, machine, machine_line, run_json  # noqa: E402

DEFAULT_OUTPUT = HERE / "results" / "assign_grid.md"

CASES = ("one_to_one", "capacitated", "gap")
KINDS = ("uniform", "correlated", "structured")
GRID: dict[str, tuple[int, ...]] = {
    "one_to_one": (200, 500, 1000, 2000, 4000),
    "capacitated": (1000, 5000, 20000),
    "gap": (30, 60, 100),
}
"""Mentee counts per case; mentors are n (one_to_one) or n / 5."""
ALL_GRID: dict[str, tuple[int, ...]] = {**GRID, "gap": (30, 60, 100, 200)}
"""``--all``: the grid plus GAP 200 × 40 (MILP ~10 s, CP-SAT up to the time limit, per kind)."""
QUICK_GRID: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "one_to_one": ((100, 1000), ("uniform", "structured")),
    "capacitated": ((1000,), KINDS),
    "gap": ((30,), ("structured",)),
}
"""``--quick``: (sizes, kinds) per case."""
CPSAT_MAX_N = 200
"""CP-SAT (peer and ours) runs on one-to-one rows up to this n only (24 s already at n = 500)."""
SLOW_CELLS: tuple[tuple[str, str, int, tuple[str, ...], str], ...] = (
    ("capacitated", "slots + scipy", 5000, KINDS, "348 s at 20000 structured"),
    ("capacitated", "slots + lap", 5000, ("correlated",), "329 s at 20000 correlated"),
    ("capacitated", "ours flow", 5000, KINDS, "80 M arcs, ~8 GB"),
    ("capacitated", "ours hungarian", 1000, KINDS, "64 s at 5000 correlated; auto never picks it"),
)
"""(case, method, n above which, kinds, why): cells run only with ``--all``, to keep the default grid near 15
minutes. The times were measured on 2 shared cores."""
GAP_LOAD_HIGH = 25
"""GAP loads are ``gap_loads(n, m, high=25)``, 1..25 (Beasley's are 5..25): with loads 1..3 every instance up to
100 × 20 solved in 0.1 s, uninteresting."""
SEED = 0
GOAL_A_N = 2000
GOAL_B = ("capacitated", 5000, "structured")
TINY = 8
"""Mentees in the untimed warm-up instance."""


def mentors_for(case: str, n: int) -> int:
    return n if case == "one_to_one" else max(1, n // 5)


# ---------------------------------------------------------------------------------------------------------------
# Setup (untimed).


@dataclass(frozen=True)
class Setup:
    """One row's input: an (n, m) int64 cost to minimise, capacities (None = 1 each) and a 2-D load (GAP)."""

    case: str
    cost: np.ndarray
    capacity: np.ndarray | None = None
    load: np.ndarray | None = None


def make_setup(case: str, n: int, kind: str) -> Setup:
    from mentormatch.synthetic.matrices import cost_matrix, gap_loads, tight_capacity

    m = mentors_for(case, n)
    cost = cost_matrix(kind, n, m, seed=SEED)
    if case == "one_to_one":
        return Setup(case, cost)
    if case == "capacitated":
        return Setup(case, cost, capacity=tight_capacity(n, m, seed=SEED))
    load = gap_loads(n, m, seed=SEED, high=GAP_LOAD_HIGH)
    capacity = np.floor(0.8 * load.sum(axis=0) / m).astype(np.int64)  # Beasley type C
    return Setup(case, cost, capacity=capacity, load=load)


# ---------------------------------------------------------------------------------------------------------------
# The methods. Each takes the setup and the options and returns an Answer; only that call is timed.


@dataclass
class Answer:
    objective: int | None
    """Σ cost over placed mentees, as the method reports it."""
    placed: int
    """Mentees placed."""
    status: str = "optimal"
    mentor_of: np.ndarray | None = None
    """Our answers only: checked and re-scored untimed."""
    solver: str = ""
    """What ``auto`` chose."""
    reported: float | None = None
    """Our answers only: the objective ``assign`` reported, compared with the recomputed Σ cost."""


@dataclass(frozen=True)
class Options:
    time_limit: float
    threads: int = 2


def _slot_matrix(cost: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """The n × Σcapacity float64 matrix of capacity slots, filled a block of rows at a time."""
    slots = np.repeat(np.arange(cost.shape[1]), capacity)
    out = np.empty((cost.shape[0], len(slots)), dtype=np.float64)
    for r0 in range(0, cost.shape[0], 1024):
        out[r0 : r0 + 1024] = cost[r0 : r0 + 1024][:, slots]
    return out


def scipy_lsa(s: Setup, o: Options) -> Answer:
    from scipy.optimize import linear_sum_assignment

    matrix = s.cost if s.capacity is None else _slot_matrix(s.cost, s.capacity)
    rows, cols = linear_sum_assignment(matrix)
    return Answer(int(matrix[rows, cols].sum()), len(rows))


def lap_lapjv(s: Setup, o: Options) -> Answer:
    import lap

    matrix = s.cost if s.capacity is None else _slot_matrix(s.cost, s.capacity)
    _, x, _ = lap.lapjv(matrix)
    return Answer(int(matrix[np.arange(len(x)), x].sum()), int((x >= 0).sum()))


def ortools_lsa(s: Setup, o: Options) -> Answer:
    from ortools.graph.python import linear_sum_assignment

    n, m = s.cost.shape
    solver = linear_sum_assignment.SimpleLinearSumAssignment()
    solver.add_arcs_with_cost(np.repeat(np.arange(n), m), np.tile(np.arange(m), n), s.cost.ravel())
    if solver.solve() != solver.OPTIMAL:
        return Answer(None, 0, "not optimal")
    return Answer(int(solver.optimal_cost()), n)


def ortools_mcf(s: Setup, o: Options) -> Answer:
    """Dense min-cost flow: source → mentee (cap 1) → mentor (cap 1) → sink (cap capacity[j])."""
    from ortools.graph.python import min_cost_flow

    n, m = s.cost.shape
    capacity = np.ones(m, np.int64) if s.capacity is None else s.capacity
    source, sink = n + m, n + m + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n, source, np.int32), np.arange(n, dtype=np.int32), np.ones(n, np.int64), np.zeros(n, np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.repeat(np.arange(n, dtype=np.int32), m),
        np.tile(np.arange(n, n + m, dtype=np.int32), n),
        np.ones(n * m, np.int64),
        s.cost.ravel(),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n, n + m, dtype=np.int32), np.full(m, sink, np.int32), capacity, np.zeros(m, np.int64)
    )
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n, -n]))  # fmt: skip
    if flow.solve() != flow.OPTIMAL:
        return Answer(None, 0, "not optimal")
    return Answer(int(flow.optimal_cost()), n)


def cpsat_peer(s: Setup, o: Options) -> Answer:
    """One Boolean per pair, exactly one per row and column; subsolvers max_lp + default_lp (SOLVER_NOTES)."""
    from ortools.sat.python import cp_model

    n, m = s.cost.shape
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{j}") for j in range(m)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
    for j in range(m):
        model.add_exactly_one([x[i][j] for i in range(n)])
    model.minimize(cp_model.LinearExpr.weighted_sum([v for row in x for v in row], s.cost.ravel().tolist()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = o.threads
    solver.parameters.subsolvers.extend(["max_lp", "default_lp"])
    solver.parameters.max_time_in_seconds = o.time_limit
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Answer(None, 0, solver.status_name(status).lower())
    return Answer(int(round(solver.objective_value)), n, "optimal" if status == cp_model.OPTIMAL else "feasible")


def scipy_milp(s: Setup, o: Options) -> Answer:
    """The direct GAP formulation with scipy's HiGHS (see the module docstring)."""
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    n, m = s.cost.shape
    big = int(s.cost.max(axis=1).sum()) + 1
    k = np.arange(n * m)
    one_each = sp.csr_array((np.ones(n * m), (k // m, k)), shape=(n, n * m))
    loads = sp.csr_array((s.load.ravel().astype(float), (k % m, k)), shape=(m, n * m))
    result = milp(
        (s.cost.ravel() - big).astype(float),
        constraints=[LinearConstraint(one_each, -np.inf, 1), LinearConstraint(loads, -np.inf, s.capacity)],
        integrality=np.ones(n * m),
        bounds=Bounds(0, 1),
        options={"time_limit": o.time_limit, "mip_rel_gap": 0.0},
    )
    if result.x is None:
        return Answer(None, 0, "no solution")
    x = result.x.reshape(n, m) > 0.5
    status = "optimal" if result.status == 0 else "feasible"
    return Answer(int(s.cost[x].sum()), int(x.sum()), status)


def ours(solver: str) -> Callable[[Setup, Options], Answer]:
    def run(s: Setup, o: Options) -> Answer:
        from mentormatch import assign

        extra = {} if s.capacity is None else {"capacity": s.capacity}
        if s.load is not None:
            extra["load"] = s.load
        a = assign(s.cost, maximize=False, solver=solver, time_limit=o.time_limit, **extra)
        mentor_of = np.asarray(a.mentor_of)
        reported = None if a.objective is None else float(a.objective)
        objective = None if reported is None else int(round(reported))
        return Answer(objective, int((mentor_of >= 0).sum()), str(a.status), mentor_of, str(a.solver), reported)

    run.__name__ = f"ours_{solver}"
    return run


@dataclass(frozen=True)
class Method:
    label: str
    run: Callable[[Setup, Options], Answer]
    peer: bool
    max_n: int | None = None
    """Largest n the method is run at (CP-SAT)."""
    bytes_per: Callable[[int, int, int], float] | None = None
    """Estimated peak extra bytes for (n, m, slots); above ``--max-gb`` the method is skipped."""


def _slots_bytes(n: int, m: int, slots: int) -> float:
    return 8.0 * n * slots  # the float64 slot matrix (scipy and lap work on it in place)


def _dense_flow_bytes(n: int, m: int, slots: int) -> float:
    return 110.0 * n * m  # OR-Tools' arcs (measured ~90 bytes each) plus the numpy arc arrays (16 bytes each)


def _our_flow_bytes(n: int, m: int, slots: int) -> float:
    return 100.0 * n * m  # measured 94-107 bytes per arc (arcs are added a block of rows at a time)


def _assignment_bytes(n: int, m: int, slots: int) -> float:
    return 60.0 * n * m  # OR-Tools SimpleLinearSumAssignment: measured ~50 bytes per arc


METHODS: dict[str, tuple[Method, ...]] = {
    "one_to_one": (
        Method("scipy", scipy_lsa, True, bytes_per=_slots_bytes),
        Method("lap", lap_lapjv, True, bytes_per=_slots_bytes),
        Method("ortools lsa", ortools_lsa, True, bytes_per=_assignment_bytes),
        Method("ortools mcf", ortools_mcf, True, bytes_per=_dense_flow_bytes),
        Method("cp-sat", cpsat_peer, True, max_n=CPSAT_MAX_N),
        Method("ours auto", ours("auto"), False),
        Method("ours hungarian", ours("hungarian"), False),
        Method("ours flow", ours("flow"), False, bytes_per=_our_flow_bytes),
        Method("ours cpsat", ours("cpsat"), False, max_n=CPSAT_MAX_N),
    ),
    "capacitated": (
        Method("slots + lap", lap_lapjv, True, bytes_per=_slots_bytes),
        Method("slots + scipy", scipy_lsa, True, bytes_per=_slots_bytes),
        Method("ortools mcf", ortools_mcf, True, bytes_per=_dense_flow_bytes),
        Method("ours auto", ours("auto"), False),
        Method("ours flow", ours("flow"), False, bytes_per=_our_flow_bytes),
        Method("ours hungarian", ours("hungarian"), False),
    ),
    "gap": (
        Method("scipy milp", scipy_milp, True),
        Method("ours auto", ours("auto"), False),
        Method("ours cpsat", ours("cpsat"), False),
    ),
}


# ---------------------------------------------------------------------------------------------------------------
# The worker: one row (or one row and method) in a fresh process.


def _slow_cell(case: str, label: str, n: int, kind: str) -> str:
    """Why the cell is left to ``--all`` (see :data:`SLOW_CELLS`), or ''."""
    for slow_case, slow_label, above, kinds, why in SLOW_CELLS:
        if (case, label) == (slow_case, slow_label) and n > above and kind in kinds:
            return why
    return ""


def _check_ours(s: Setup, a: Answer) -> str:
    """Check our answer against the rules and its reported objective; '' when fine, else what is wrong."""
    mentor_of = a.mentor_of
    n, m = s.cost.shape
    if mentor_of is None or mentor_of.shape != (n,) or mentor_of.min(initial=-1) < -1 or mentor_of.max(initial=-1) >= m:
        return "mentor_of has a bad shape or index"
    placed = np.flatnonzero(mentor_of >= 0)
    load = np.ones(len(placed)) if s.load is None else s.load[placed, mentor_of[placed]]
    used = np.bincount(mentor_of[placed], weights=load, minlength=m)
    capacity = np.ones(m) if s.capacity is None else s.capacity
    if np.any(used > capacity):
        return f"capacity exceeded at {int(np.argmax(used - capacity))}"
    recomputed = int(s.cost[placed, mentor_of[placed]].sum())
    if a.reported is not None and a.reported != recomputed:
        return f"reported objective {a.reported} ≠ Σ cost {recomputed}"
    a.objective = recomputed
    return ""


def _exception_text(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}".splitlines()[0]
    return text if len(text) <= 120 else text[:117] + "..."


def worker(spec: dict) -> dict:
    """Measure one row: build the setup, warm up, time the methods in interleaved rounds."""
    case, n, kind = spec["case"], spec["n"], spec["kind"]
    options = Options(time_limit=spec["time_limit"])
    methods = [mt for mt in METHODS[case] if not spec.get("only") or mt.label in spec["only"]]
    setup = make_setup(case, n, kind)
    m = setup.cost.shape[1]
    slots = n if setup.capacity is None else int(setup.capacity.sum())
    cells: dict[str, dict] = {}
    tiny = make_setup(case, TINY, kind)
    for method in methods:
        cell = cells.setdefault(method.label, {"peer": method.peer, "seconds": [], "extra_mb": 0.0})
        if method.max_n is not None and n > method.max_n:
            cell["skipped"] = f"only n ≤ {method.max_n}"
            continue
        slow = _slow_cell(case, method.label, n, kind)
        if slow and not spec.get("all"):
            cell["skipped"] = f"slow ({slow}); --all runs it"
            continue
        estimate = method.bytes_per(n, m, slots) / 1e9 if method.bytes_per else 0.0
        if estimate > spec["max_gb"]:
            cell["skipped"] = f"needs ~{estimate:.1f} GB > {spec['max_gb']:g} GB"
            continue
        try:
            method.run(tiny, options)  # warm-up: imports, lazy initialisation
        except Exception as err:  # noqa: BLE001 - a benchmark reports any failure in its cell
            cell["error"] = _exception_text(err)
    for _ in range(spec["repeats"]):
        for method in methods:
            cell = cells[method.label]
            if "skipped" in cell or "error" in cell or sum(cell["seconds"]) >= spec["budget"]:
                continue
            try:
                with PeakMeter() as meter:
                    answer = method.run(setup, options)
            except Exception as err:  # noqa: BLE001
                cell["error"] = _exception_text(err)
                continue
            cell["seconds"].append(meter.seconds)
            cell["extra_mb"] = max(cell["extra_mb"], meter.extra_mb)
            cell["peak_reset"] = meter.reset
            problem = "" if method.peer else _check_ours(setup, answer)
            cell.update(objective=answer.objective, placed=answer.placed, status=answer.status,
                        solver=answer.solver, invalid=problem)  # fmt: skip
    return {"case": case, "n": n, "m": m, "kind": kind, "cells": cells}


def goal_a_worker(spec: dict) -> dict:
    """Goal (a): bare scipy against ``assign(solver="hungarian")`` on 2000 × 2000 uniform, alternating."""
    from scipy.optimize import linear_sum_assignment

    from mentormatch import assign
    from mentormatch.synthetic.matrices import cost_matrix

    cost = cost_matrix("uniform", GOAL_A_N, GOAL_A_N, seed=SEED)
    tiny = cost_matrix("uniform", TINY, TINY, seed=SEED)
    linear_sum_assignment(tiny)
    assign(tiny, maximize=False, solver="hungarian")
    out = {"scipy": [], "ours": [], "scipy_mb": 0.0, "ours_mb": 0.0}
    for _ in range(spec["repeats"]):
        with PeakMeter() as meter:
            rows, cols = linear_sum_assignment(cost)
        out["scipy"].append(meter.seconds)
        out["scipy_mb"] = max(out["scipy_mb"], meter.extra_mb)
        with PeakMeter() as meter:
            a = assign(cost, maximize=False, solver="hungarian")
        out["ours"].append(meter.seconds)
        out["ours_mb"] = max(out["ours_mb"], meter.extra_mb)
    mentor_of = np.asarray(a.mentor_of)
    out["equal"] = bool((mentor_of >= 0).all()) and int(cost[np.arange(GOAL_A_N), mentor_of].sum()) == int(
        cost[rows, cols].sum()
    )
    out["status"] = str(a.status)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Driving the rows.


def _worker_command(spec: dict) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]


def measure_row(spec: dict, timeout: float, fresh_per_method: bool) -> dict:
    """One row in a fresh process, or (without a peak reset) each of its methods in its own process."""
    if not fresh_per_method:
        return run_json(_worker_command(spec), timeout)
    row: dict = {}
    for method in METHODS[spec["case"]]:
        if spec.get("only") and method.label not in spec["only"]:
            continue
        part = run_json(_worker_command({**spec, "only": [method.label]}), timeout)
        if "error" in part:
            row.setdefault("cells", {})[method.label] = {"peer": method.peer, "seconds": [], "error": part["error"]}
            continue
        row = {**part, "cells": {**row.get("cells", {}), **part["cells"]}}
    return row


def select_rows(args: argparse.Namespace) -> list[tuple[str, int, str]]:
    """The (case, n, kind) rows to run, in order, from --quick and the filters."""
    cases = args.cases.split(",") if args.cases else list(CASES)
    sizes = {int(s) for s in args.sizes.split(",")} if args.sizes else None
    kinds = args.kinds.split(",") if args.kinds else None
    rows = []
    for case in cases:
        case_sizes, case_kinds = QUICK_GRID[case] if args.quick else ((ALL_GRID if args.all else GRID)[case], KINDS)
        for n in case_sizes:
            if sizes is not None and n not in sizes:
                continue
            for kind in case_kinds:
                if kinds is None or kind in kinds:
                    rows.append((case, n, kind))
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Report.


def _secs(t: float) -> str:
    return f"{t:.0f}" if t >= 100 else f"{t:.3g}"


def _reference(cells: dict) -> tuple[tuple[int, int] | None, str]:
    """The peers' (placed, objective) when they agree (optimal peers only), and a note when they do not."""
    found = {
        label: (c["placed"], c["objective"])
        for label, c in cells.items()
        if c["peer"] and c.get("seconds") and c.get("status") == "optimal" and c.get("objective") is not None
    }
    values = set(found.values())
    if not values:
        return None, ""
    if len(values) > 1:
        return None, "peers disagree: " + ", ".join(f"{k} {v[1]} ({v[0]} placed)" for k, v in found.items())
    return values.pop(), ""


def render_cell(label: str, cell: dict, best_peer: float | None, reference: tuple[int, int] | None) -> str:
    if "skipped" in cell:
        return f"skipped: {cell['skipped']}"
    if "error" in cell:
        return f"error: {cell['error']}"
    if not cell.get("seconds"):
        return "—"
    t = statistics.median(cell["seconds"])
    ratio = f" ×{t / best_peer:.2f}" if best_peer else ""
    text = f"{_secs(t)} s{ratio} · {cell['extra_mb']:,.0f} MB"
    if cell.get("invalid"):
        return text + f" **invalid: {cell['invalid']}**"
    if reference is None:
        mark = ""
    elif (cell["placed"], cell["objective"]) == reference:
        mark = " ✓"
    else:
        mark = f" **✗ {cell['objective']} ({cell['placed']} placed)**"
    status = "" if cell.get("status") == "optimal" else f" ({cell.get('status')})"
    chose = f" [{cell['solver']}]" if label == "ours auto" and cell.get("solver") else ""
    return text + mark + status + chose


def render_case(case: str, rows: list[dict]) -> list[str]:
    labels = [mt.label for mt in METHODS[case]]
    titles = {
        "one_to_one": "One-to-one (n × n, capacity 1)",
        "capacitated": "Capacitated (n × n/5, `tight_capacity`, Σ capacity = n)",
        "gap": f"Generalised assignment (n × n/5, 2-D load 1..{GAP_LOAD_HIGH}, Beasley type C capacities)",
    }
    lines = [f"## {titles[case]}", "", "| n × m | kind | " + " | ".join(labels) + " |",
             "|---|---|" + "---|" * len(labels)]  # fmt: skip
    notes = []
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['n']} | {row['kind']} | row failed: {row['error']} |" + " |" * (len(labels) - 1))
            continue
        cells = row["cells"]
        peer_times = [statistics.median(c["seconds"]) for c in cells.values() if c["peer"] and c.get("seconds")]
        best = min(peer_times) if peer_times else None
        reference, note = _reference(cells)
        if not peer_times:
            note = "no peer ran (see the cells), so there is no ratio and no objective to compare with"
        if note:
            notes.append(f"{row['n']} × {row['m']} {row['kind']}: {note}")
        rendered = [render_cell(label, cells[label], best, reference) if label in cells else "—" for label in labels]
        lines.append(f"| {row['n']} × {row['m']} | {row['kind']} | " + " | ".join(rendered) + " |")
    lines.append("")
    lines += [f"- {note}" for note in notes] + ([""] if notes else [])
    return lines


def goals_table(goal_a: dict | None, row_b: dict | None, goal_c: dict | None, quick: bool) -> list[str]:
    lines = ["## Speed goals", "", "| goal | measured | target | met |", "|---|---|---|---|"]

    def met(ok: bool | None) -> str:
        return {True: "yes", False: "**no**", None: "—"}[ok]

    if goal_a is not None:
        if "error" in goal_a:
            lines.append(f"| a. hungarian / bare scipy, 2000 × 2000 | error: {goal_a['error']} | ≤ 1.10 | — |")
        else:
            scipy_t, ours_t = statistics.median(goal_a["scipy"]), statistics.median(goal_a["ours"])
            ratio = ours_t / scipy_t
            lines.append(
                f'| a. `assign(cost, solver="hungarian", maximize=False)` / bare scipy `linear_sum_assignment`, '
                f"2000 × 2000 uniform 0..1000 | {ratio:.2f} ({_secs(ours_t)} s vs {_secs(scipy_t)} s, median of "
                f"{len(goal_a['ours'])} alternating runs; objective {'equal' if goal_a['equal'] else '**differs**'}) "
                f"| ≤ 1.10 | {met(ratio <= 1.10 and goal_a['equal'])} |"
            )
    if row_b is not None:
        cells = row_b.get("cells", {})
        peers = {k: statistics.median(c["seconds"]) for k, c in cells.items() if c["peer"] and c.get("seconds")}
        auto = cells.get("ours auto", {})
        if not peers or not auto.get("seconds"):
            why = row_b.get("error") or auto.get("error") or "no timing"
            lines.append(f"| b. capacitated 5000 × 1000 structured, auto | {why} | ≥ 4×, ≤ 1 GB | — |")
        else:
            fastest = min(peers, key=peers.get)
            t = statistics.median(auto["seconds"])
            speedup = peers[fastest] / t
            reference, _ = _reference(cells)
            equal = reference is not None and (auto["placed"], auto["objective"]) == reference
            ok = speedup >= 4 and auto["extra_mb"] <= 1024 and auto.get("status") == "optimal" and equal
            lines.append(
                f"| b. `assign(cost, capacity=cap, maximize=False)` (auto → {auto.get('solver')}), capacitated "
                f"5000 × 1000 structured, tight capacity | speed-up {speedup:.2f}× over the fastest dense peer, "
                f"{fastest} ({_secs(t)} s vs {_secs(peers[fastest])} s); {auto['extra_mb']:,.0f} MB extra, "
                f"{auto.get('status')}, objective "
                f"{'equal' if equal else '**differs**'} | ≥ 4× faster, ≤ 1 GB, optimal | {met(ok)} |"
            )
    if goal_c is not None:
        mm, plain = goal_c.get("mentormatch", {}), goal_c.get("plain", {})
        n, m = goal_c["shape"]
        size_note = " (quick: not the goal size)" if quick else ""
        if goal_c.get("ratio") is None:
            lines.append(f"| c. roster {n} × {m}{size_note} | a run failed | ≤ 0.25, ≤ 2 GB | — |")
        else:
            ok = goal_c["ratio"] <= 0.25 and mm["peak_rss_mb"] <= 2048 and goal_c["agree"] is not False
            lines.append(
                f"| c. `mentormatch solve ROSTER -o out.csv` / plain pipeline, {n} × {m} unit workloads{size_note} "
                f"| {goal_c['ratio']:.2f} ({_secs(mm['seconds'])} s vs {_secs(plain['seconds'])} s), peak RSS "
                f"{mm['peak_rss_mb']:,.0f} MB vs {plain['peak_rss_mb']:,.0f} MB, objectives "
                f"{'agree' if goal_c['agree'] else '**differ**'} | ≤ 0.25, ≤ 2 GB | {met(ok)} |"
            )
    return lines + [""]


def render(results: dict[str, list[dict]], goals: list[str], info: dict, argv: list[str], args) -> str:
    lines = [
        "# `assign()` against its peers",
        "",
        f"Date: {info['date']}. Command: `{' '.join(['python benchmarks/assign_grid.py', *argv])}`",
        "",
        machine_line(info),
        "",
        "Integer costs 0..1000 from `mentormatch.synthetic.matrices.cost_matrix(kind, n, m, seed=0)`, minimised, "
        "all pairs allowed. Each row runs in a fresh process; matrices are built untimed and each method is warmed "
        f"up on a tiny instance first. A cell is `median time ×ratio to the row's fastest peer · peak extra memory` "
        f"(peak RSS during the call − RSS before it, largest over runs), then ✓ when the answer's Σ cost and "
        f"number of placed mentees equal the peers' (✗ with our value otherwise), the status when not optimal, and "
        f"what `auto` chose in brackets. Up to {args.repeats} interleaved runs per cell, fewer once a cell's runs "
        f"total {args.budget:g} s. Time limit for CP-SAT, MILP and `assign` searches: {args.time_limit:g} s; "
        f"methods estimated above {args.max_gb:g} GB are skipped.",
        "",
        *goals,
    ]
    for case in CASES:
        if results.get(case):
            lines += render_case(case, results[case])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a one-minute subset (and goal c at 3000 × 1000)")
    parser.add_argument("--all", action="store_true", help="also the slow cells (20000 slots + scipy, GAP 200, ...)")
    parser.add_argument("--cases", help=f"comma-separated, from {', '.join(CASES)}")
    parser.add_argument("--sizes", help="comma-separated mentee counts, e.g. 500,1000")
    parser.add_argument("--kinds", help=f"comma-separated, from {', '.join(KINDS)}")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per cell (default 3, quick 1)")
    parser.add_argument("--budget", type=float, default=10.0, help="stop repeating a cell after this many seconds")
    parser.add_argument("--time-limit", type=float, default=None, help="CP-SAT/MILP/search seconds (default 30)")
    parser.add_argument("--max-gb", type=float, default=8.0, help="skip methods estimated to need more memory")
    parser.add_argument("--no-goals", action="store_true", help="skip the speed-goal measurements")
    parser.add_argument("--goal-repeats", type=int, default=None, help="alternating runs for goal a (default 7)")
    parser.add_argument("--roster-size", default=None, help="roster_pipeline size for goal c (default large)")
    parser.add_argument("--roster-repeats", type=int, default=None, help="runs per pipeline for goal c (default 3)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds before a row's process is abandoned")
    parser.add_argument(
        "--output",
        type=Path,
        help="markdown file for the results (default: the committed "
        "results file; --quick and --check write none unless given)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        spec = json.loads(args.worker)
        print(json.dumps(goal_a_worker(spec) if spec["case"] == "goal_a" else worker(spec)))
        return 0

    for name, given, valid in (("case", args.cases, CASES), ("kind", args.kinds, KINDS)):
        bad = [x for x in (given or "").split(",") if x and x not in valid]
        if bad:
            parser.error(f"unknown {name}(s) {bad}; choose from {', '.join(valid)}")
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.time_limit = args.time_limit or (10.0 if args.quick else 30.0)
    goal_repeats = args.goal_repeats or (3 if args.quick else 7)
    roster_size = args.roster_size or ("medium" if args.quick else "large")
    roster_repeats = args.roster_repeats or (1 if args.quick else 3)
    fresh_per_method = not can_reset_peak()

    rows = select_rows(args)
    shown = set(rows)  # goal b's row is measured even when filtered out, but then not listed in the grid
    if not args.no_goals and GOAL_B not in shown:
        rows.append(GOAL_B)
    base = {
        "repeats": args.repeats,
        "budget": args.budget,
        "time_limit": args.time_limit,
        "max_gb": args.max_gb,
        "all": args.all,
    }
    results: dict[str, list[dict]] = {case: [] for case in CASES}
    row_b = None
    for case, n, kind in rows:
        print(f"[{case} {n} {kind}] measuring ...", file=sys.stderr, flush=True)
        spec = {**base, "case": case, "n": n, "kind": kind}
        if (case, n, kind) not in shown:  # goal b only: its dense peers and auto
            spec["only"] = [mt.label for mt in METHODS[case] if mt.peer or mt.label == "ours auto"]
        row = measure_row(spec, args.timeout, fresh_per_method)
        row = {"case": case, "n": n, "m": mentors_for(case, n), "kind": kind, **row}
        if (case, n, kind) in shown:
            results[case].append(row)
        if (case, n, kind) == GOAL_B:
            row_b = row
        for label, cell in row.get("cells", {}).items():
            print(f"    {label}: {render_cell(label, cell, None, None)}", file=sys.stderr, flush=True)

    goals: list[str] = []
    if not args.no_goals:
        print("[goal a] measuring ...", file=sys.stderr, flush=True)
        goal_a = run_json(_worker_command({"case": "goal_a", "repeats": goal_repeats}), args.timeout)
        print(f"[goal c] roster comparison at {roster_size} ...", file=sys.stderr, flush=True)
        from end_to_end import run_all, summarize
        from roster_pipeline import DEFAULT_CACHE, SIZES, roster_folder

        # mentormatch solve against plain_pipeline.py on roster_pipeline's unit-workload roster, as end_to_end.py runs
        runs = run_all({"unit": roster_folder(DEFAULT_CACHE, roster_size, "unit")}, roster_repeats, args.timeout)
        goal_c = {"shape": SIZES[roster_size], **summarize(runs)}
        goals = goals_table(goal_a, row_b, goal_c, args.quick)

    text = render(results, goals, machine(("mentormatch", "numpy", "scipy", "ortools", "lap", "pandas")), argv, args)
    print(text)
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
