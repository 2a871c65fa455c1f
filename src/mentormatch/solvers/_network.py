"""The min-cost flow networks that ``flow.py``, ``pricing.py`` and ``relaxation.py`` share: the transportation
network, its per-unit gains, arc arrays solved by OR-Tools, and node potentials (label-correcting Bellman–Ford).

The transportation network over candidate pairs::

    mentee i ──(cap load[i], cost −unit_gain[i, j])──> mentor j ──(cap capacity[j], cost 0)──> sink
    mentee i ──(cap load[i], cost 0)─────────────────────────────────────────────────────────> sink   (unmatched)

Each mentee supplies its units and the sink absorbs them all. With every load 1 and per-unit gains equal to
``_scaling``'s combined gains it is the assignment flow of ``flow.py``; with larger loads the transportation
relaxation of ``relaxation.py``. :func:`transport` solves it densely (every candidate pair an arc, handed to OR-Tools
a block of rows at a time); ``pricing.py`` solves it on a few candidate arcs held as :class:`Network` arc arrays
(:func:`solve_arcs`) and proves the flow optimal with node potentials (:func:`sink_potentials`,
:func:`certify_potentials`), which OR-Tools does not expose.

**Class nodes (the strengthened relaxation).** With workloads above 1 the transport may also route each workload
class through a node per mentor (:class:`Classes`)::

    mentee i (load w ≥ 2) ──(cap w, cost −unit_gain[i, j])──> class node (w, j) ──(cap w·⌊capacity[j] / w⌋)──> mentor j

so that the cases of workload exactly ``w`` at mentor j carry at most ``w · ⌊capacity[j] / w⌋`` units, i.e. number
at most ``⌊capacity[j] / w⌋`` in the relaxation too. Every integral answer obeys that, so the network stays a valid
relaxation; for workloads 1 and 2 it is the integer hull of one mentor's ``k1 + 2 k2 ≤ capacity[j]``, which cuts the
fractional answers that put an odd capacity's last unit into half of a case of 2. (Cases of workload ≥ w taken
together would be a count constraint over different loads, not a network, so each class gets its own node.) Class
nodes sit between the mentors and the sink, which stays the last node: ``n + m + c · m + j`` for class ``c``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mentormatch.problem import Instance
from mentormatch.solvers._common import Clock, SolverBug, iter_candidate_blocks
from mentormatch.solvers._scaling import INT64_HEADROOM, Scaling

__all__ = [
    "Classes",
    "class_nodes",
    "Transport",
    "transport",
    "unit_gains",
    "check_status",
    "Network",
    "solve_arcs",
    "UNREACHED",
    "LABEL_LIMIT",
    "relax_labels",
    "sink_potentials",
    "certify_potentials",
]


# ---------------------------------------------------------------------------------------------------------------
# Class nodes: the strengthened transport.


@dataclass(frozen=True)
class Classes:
    """Workload-class nodes of the strengthened transport (the module docstring): which mentees route through
    one, and the node numbers.

    ``workloads[c]`` is class ``c``'s workload (≥ 2); ``of_row[i]`` is mentee i's class, −1 when its pair arcs go
    straight to the mentors (workload 1). Class ``c``'s node at mentor ``j`` is ``n + m + c · m + j``; the sink is
    the last node, ``n + m + C · m``. ``cuts[c, j]`` says whether that node cuts anything (``capacity[j]`` is no
    multiple of the workload); where it does not, class ``c``'s pair arcs go straight to mentor j and the node has
    no arcs (measured: OR-Tools solves the network several times faster without the redundant nodes).
    """

    workloads: np.ndarray
    of_row: np.ndarray
    n: int
    m: int
    cuts: np.ndarray

    @property
    def count(self) -> int:
        return int(self.workloads.size)

    @property
    def sink(self) -> int:
        return self.n + self.m + self.count * self.m

    @property
    def num_nodes(self) -> int:
        return self.sink + 1

    def head(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The head node (int64) of each pair arc ``(rows, cols)``: a class node, or the mentor itself."""
        c = self.of_row[rows]
        cols = cols.astype(np.int64)
        through = (c >= 0) & self.cuts[np.maximum(c, 0), cols]
        heads: np.ndarray = np.where(through, self.n + self.m + np.maximum(c, 0) * self.m + cols, self.n + cols)
        return heads

    def used(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Keys ``c · m + j`` (unique, int64) of the class nodes that the pair arcs ``(rows, cols)`` enter."""
        c = self.of_row[rows]
        through = (c >= 0) & self.cuts[np.maximum(c, 0), cols]
        keys: np.ndarray = np.unique(c[through] * self.m + cols[through].astype(np.int64))
        return keys

    def arcs(self, keys: np.ndarray, capacity: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Class node → mentor arcs ``(tail, head, capacity)`` for the nodes ``keys`` (``c · m + j``), each
        ``w · ⌊capacity[j] / w⌋`` units (at most ``total``)."""
        c, j = np.divmod(keys.astype(np.int64), self.m)
        w = self.workloads[c]
        cap = np.minimum(w * (capacity[j].astype(np.int64) // w), total)
        return self.n + self.m + keys.astype(np.int64), self.n + j, cap

    def column_potentials(self, potential: np.ndarray, present: np.ndarray) -> np.ndarray:
        """(C + 1, m) int64: the potential a pair arc of each class meets at each mentor (row 0: workload 1, the
        mentor's own). A class node outside the network (``present[c, j]`` False) prices as its mentor: with its
        arc to the mentor empty, that is the lowest potential that leaves the arc's reduced cost ≥ 0, so the
        pairs into it price the least they can."""
        n, m = self.n, self.m
        mentor = potential[n : n + m]
        nodes = potential[n + m : n + m + self.count * m].reshape(self.count, m)
        rows = np.where(present, nodes, mentor[None, :])
        terms: np.ndarray = np.vstack([mentor[None, :], rows])
        return terms

    def mentor(self, heads: np.ndarray) -> np.ndarray:
        """The mentor (int64) of each head node (a mentor or a class node)."""
        heads = heads.astype(np.int64) - self.n
        cols: np.ndarray = np.where(heads < self.m, heads, (heads - self.m) % max(self.m, 1))
        return cols


def class_nodes(instance: Instance, active: np.ndarray | None = None) -> Classes | None:
    """The class nodes that tighten ``instance``'s transport, or None when none would.

    A workload ``w ≥ 2`` gets a class when some mentor's capacity is not a multiple of it (elsewhere the node's
    capacity equals the mentor's, a constraint the network already has). ``active`` (n,) bool limits the
    workloads considered to those mentees (default: all). A load per pair has no classes.
    """
    if instance.generalised:
        return None
    n, m = instance.shape
    load = instance.load.astype(np.int64)
    values = np.unique(load if active is None else load[active])
    capacity = instance.capacity.astype(np.int64)
    workloads = np.array(
        [w for w in values.tolist() if w >= 2 and np.any((capacity >= w) & (capacity % w != 0))], dtype=np.int64
    )
    if workloads.size == 0:
        return None
    of_row = np.full(n, -1, dtype=np.int64)
    position = np.searchsorted(workloads, load)
    hit = (position < workloads.size) & (workloads[np.minimum(position, workloads.size - 1)] == load)
    of_row[hit] = position[hit]
    cuts = capacity[None, :] % workloads[:, None] != 0
    return Classes(workloads=workloads, of_row=of_row, n=n, m=m, cuts=cuts)


# ---------------------------------------------------------------------------------------------------------------
# The dense transportation network.


@dataclass(frozen=True)
class Transport:
    """The pair arcs that carry flow in an optimal transport: ``units[k]`` units from ``rows[k]`` to ``cols[k]``.

    ``gain`` is the optimum Σ per-unit gain × units (the negated optimal cost), exact.
    """

    rows: np.ndarray
    cols: np.ndarray
    units: np.ndarray
    gain: int


def transport(
    instance: Instance,
    *,
    supply: np.ndarray,
    pair_gains: Callable[[np.ndarray, np.ndarray], np.ndarray],
    max_unit_gain: int,
    clock: Clock,
    label: str,
    pair_capacity: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    classes: Classes | None = None,
) -> Transport:
    """Solve the transportation network over the candidate pairs by min-cost flow.

    Memory: arcs go to OR-Tools a block of rows at a time (int32 node indices, int64 costs), so besides OR-Tools'
    own arc arrays (~80 bytes per arc) only one block's temporaries are held; answers are read back only for arcs
    that carry flow.

    Parameters
    ----------
    instance : Instance
    supply : (n,) int64
        Units each mentee sends (to mentors or through its bypass arc).
    pair_gains : callable
        ``pair_gains(rows, cols)`` → int64 per-unit gain of each pair arc (all must be ≤ ``max_unit_gain``).
    max_unit_gain : int
        A bound on |per-unit gain|, for the overflow check.
    clock : Clock
    label : str
        Names the caller in progress messages and errors.
    pair_capacity : callable, optional
        ``pair_capacity(rows, cols)`` → int64 arc capacities; default ``supply[rows]``.
    classes : Classes, optional
        Route each class's pair arcs through its class nodes (the strengthened relaxation).

    Returns
    -------
    Transport
    """
    from ortools.graph.python import min_cost_flow

    n, m = instance.shape
    sink = n + m if classes is None else classes.sink
    num_nodes = sink + 1
    if max_unit_gain * (num_nodes + 1) >= INT64_HEADROOM or max_unit_gain * int(supply.sum()) >= INT64_HEADROOM:
        raise ValueError(
            f"{label}: gains up to {max_unit_gain} on {num_nodes} nodes exceed OR-Tools' int64 cost "
            f"range; use smaller priority values or fewer mentees"
        )
    network = min_cost_flow.SimpleMinCostFlow()
    clock.stage(f"{label}: building arcs")
    # Pair arcs first, so arc k < num_pair_arcs is a mentee → mentor arc.
    num_pair_arcs = 0
    has_pair = np.zeros(n, dtype=bool)
    mentor_used = np.zeros(m, dtype=bool)
    class_keys: list[np.ndarray] = []
    for rows, cols in iter_candidate_blocks(instance):
        if rows.size == 0:
            continue
        gains = pair_gains(rows, cols)
        capacity = supply[rows] if pair_capacity is None else pair_capacity(rows, cols)
        heads = cols + n if classes is None else classes.head(rows, cols)
        if classes is not None:
            class_keys.append(classes.used(rows, cols))
        network.add_arcs_with_capacity_and_unit_cost(rows, heads.astype(np.int32), capacity.astype(np.int64), -gains)
        num_pair_arcs += rows.size
        has_pair[rows] = True
        mentor_used[cols] = True
        del gains, capacity
    # Bypass arcs (stay unmatched) and mentor → sink arcs (capacity).
    mentees = np.flatnonzero(has_pair).astype(np.int32)
    mentors = np.flatnonzero(mentor_used).astype(np.int32)
    total = int(supply[mentees].sum())
    network.add_arcs_with_capacity_and_unit_cost(
        mentees,
        np.full(mentees.size, sink, np.int32),
        supply[mentees].astype(np.int64),
        np.zeros(mentees.size, np.int64),
    )
    network.add_arcs_with_capacity_and_unit_cost(
        (mentors + n).astype(np.int32),
        np.full(mentors.size, sink, np.int32),
        np.minimum(instance.capacity[mentors], total).astype(np.int64),
        np.zeros(mentors.size, np.int64),
    )
    if classes is not None and class_keys:
        c_tail, c_head, c_cap = classes.arcs(np.unique(np.concatenate(class_keys)), instance.capacity, total)
        network.add_arcs_with_capacity_and_unit_cost(
            c_tail.astype(np.int32), c_head.astype(np.int32), c_cap, np.zeros(c_tail.size, np.int64)
        )
    network.set_nodes_supplies(
        np.append(mentees, np.int32(sink)).astype(np.int32),
        np.append(supply[mentees].astype(np.int64), -total).astype(np.int64),
    )

    clock.stage(f"{label}: solving ({num_pair_arcs} pair arcs)")
    check_status(network.solve(), label, min_cost_flow)

    clock.stage(f"{label}: reading the flow")
    arcs = _arcs_with_flow(network, num_pair_arcs)
    units = network.flows(arcs).astype(np.int64) if arcs.size else np.zeros(0, np.int64)
    rows = np.array([network.tail(int(a)) for a in arcs], dtype=np.int64)
    heads = np.array([network.head(int(a)) for a in arcs], dtype=np.int64)
    cols = heads - n if classes is None else classes.mentor(heads)
    return Transport(rows=rows, cols=cols, units=units, gain=-int(network.optimal_cost()))


def _arcs_with_flow(network: Any, num_pair_arcs: int) -> np.ndarray:
    """Indices (int32) of the pair arcs with positive flow, read a block at a time."""
    step = 1 << 22
    found = []
    for a0 in range(0, num_pair_arcs, step):
        arcs = np.arange(a0, min(num_pair_arcs, a0 + step), dtype=np.int32)
        found.append(arcs[np.asarray(network.flows(arcs)) > 0])
    return np.concatenate(found) if found else np.zeros(0, np.int32)


def unit_gains(instance: Instance, scaling: Scaling, multiplier: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Per-unit gain (int64) of the transport arcs ``(rows, cols)``: ``⌈gain[i, j] · multiplier / load[i]⌉``.

    ``gain`` is ``_scaling``'s combined integer gain. Rounding **up** keeps the transport's optimum / multiplier an
    upper bound on Σ gain of every integral answer (``relaxation.py``); with every load 1 and ``multiplier`` 1 it is
    ``gain`` itself, and when ``multiplier`` is a multiple of ``load[i]`` nothing is rounded.
    """
    scaled = scaling.pair_gains(instance, rows, cols) * multiplier
    gains: np.ndarray = -((-scaled) // instance.load[rows].astype(np.int64))
    return gains


def check_status(code: Any, label: str, min_cost_flow: Any) -> None:
    """Map OR-Tools' flow status: OPTIMAL passes; BAD_COST_RANGE is bad input; anything else is a bug.

    The networks here are always feasible (every unit can take its bypass arc), so INFEASIBLE or UNBALANCED can
    only come from a construction error.
    """
    status = min_cost_flow.SimpleMinCostFlow
    if code == status.OPTIMAL:
        return
    if code == status.BAD_COST_RANGE:
        raise ValueError(
            f"{label}: OR-Tools rejected the cost range (BAD_COST_RANGE); the combined priority and "
            f"weight gains are too large: use smaller priority values or fewer mentees"
        )
    raise SolverBug(f"{label}: min-cost flow ended with status {getattr(code, 'name', code)}")


# ---------------------------------------------------------------------------------------------------------------
# Networks as arc arrays, solved by OR-Tools.


@dataclass(frozen=True)
class Network:
    """Arc arrays (int64) of a flow network and a flow on it.

    Nodes are mentees ``0..n-1``, mentors ``n..n+m-1`` and the sink ``n+m``. Arcs are pair arcs first (mentee →
    mentor, capacity ``load[i]``, cost −unit gain), then bypass arcs (mentee → sink, capacity ``load[i]``, cost 0:
    stay unmatched) and capacity arcs (mentor → sink, cost 0). Each mentee with a bypass arc supplies ``load[i]``
    units; the sink absorbs them all.
    """

    tail: np.ndarray
    head: np.ndarray
    capacity: np.ndarray
    cost: np.ndarray
    flow: np.ndarray

    def residual(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Residual arcs ``(tail, head, cost)``: forward where flow < capacity, backward (cost negated) where
        flow > 0."""
        forward = self.flow < self.capacity
        backward = self.flow > 0
        return (
            np.concatenate([self.tail[forward], self.head[backward]]),
            np.concatenate([self.head[forward], self.tail[backward]]),
            np.concatenate([self.cost[forward], -self.cost[backward]]),
        )


def solve_arcs(
    tail: np.ndarray,
    head: np.ndarray,
    capacity: np.ndarray,
    cost: np.ndarray,
    supply: np.ndarray,
    label: str,
    strict: bool = True,
) -> np.ndarray | None:
    """OR-Tools' optimal flow on these arcs and node supplies; with ``strict`` False, None instead of an error
    when it reports anything but OPTIMAL."""
    from ortools.graph.python import min_cost_flow

    if tail.size == 0:
        return np.zeros(0, np.int64)
    network = min_cost_flow.SimpleMinCostFlow()
    network.add_arcs_with_capacity_and_unit_cost(tail.astype(np.int32), head.astype(np.int32), capacity, cost)
    nodes = np.flatnonzero(supply)
    network.set_nodes_supplies(nodes.astype(np.int32), supply[nodes])
    status = network.solve()
    if not strict and status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        return None
    check_status(status, label, min_cost_flow)
    flow = np.asarray(network.flows(np.arange(tail.size, dtype=np.int32)), dtype=np.int64)
    if int(np.dot(cost, flow)) != int(network.optimal_cost()):
        raise SolverBug(f"{label}: the flow's cost differs from OR-Tools' optimum")
    return flow


# ---------------------------------------------------------------------------------------------------------------
# Node potentials: shortest-path labels from the sink in the residual graph.


UNREACHED = np.iinfo(np.int64).max
"""The label of a node not reached yet."""
LABEL_LIMIT = 2**61
"""Labels stay within ±this, so label + cost cannot overflow int64; falling below it means a negative cycle."""


def _by_tail(tail: np.ndarray, num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Arc indices grouped by tail, and where each node's group starts (CSR)."""
    order = np.argsort(tail, kind="stable")
    start = np.zeros(num_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=num_nodes), out=start[1:])
    return order, start


def _out_arcs(start: np.ndarray, frontier: np.ndarray) -> np.ndarray:
    """Positions ``start[v] .. start[v + 1] - 1`` for every node ``v`` of ``frontier``, concatenated."""
    first = start[frontier]
    count = start[frontier + 1] - first
    return np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))


def relax_labels(
    label: np.ndarray,
    frontier: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    cost: np.ndarray,
    max_work: int | None = None,
) -> bool:
    """Label-correcting shortest paths over arcs that may cost less than zero, in place on ``label`` (int64).

    Bellman–Ford in which each sweep relaxes only the arcs leaving nodes whose label fell in the last sweep
    (``frontier`` at first): work proportional to the arcs touched, not sweeps × all arcs. True when it settles:
    then every arc has ``label[head] ≤ label[tail] + cost`` (unreached nodes keep :data:`UNREACHED`). False after
    ``max_work`` relaxations, or ``len(label)`` sweeps, or a label below −2**61 (the last two mean a negative
    cycle).
    """
    order, start = _by_tail(tail, label.size)
    tail, head, cost = tail[order], head[order], cost[order]
    changed = np.zeros(label.size, dtype=bool)
    work = 0
    for _ in range(label.size + 1):
        if frontier.size == 0:
            return True
        arcs = _out_arcs(start, frontier)
        work += arcs.size
        if max_work is not None and work > max_work:
            return False
        target = head[arcs]
        offer = label[tail[arcs]] + cost[arcs]
        better = offer < label[target]
        target, offer = target[better], offer[better]
        if offer.size and int(offer.min()) <= -LABEL_LIMIT:
            return False
        np.minimum.at(label, target, offer)
        changed[target] = True
        frontier = np.flatnonzero(changed)
        changed[frontier] = False
    return False


def sink_potentials(arcs: Network, num_nodes: int, max_work: int | None = None) -> np.ndarray | None:
    """Labels of every node for the flow on ``arcs``, by label-correcting from the sink (the last node) over the
    residual graph; None when they do not settle (a negative cycle: the flow is not optimal), and with ``max_work``
    also when they take more relaxations than that or leave a node with residual arcs unreached."""
    sink = num_nodes - 1
    potential = np.full(num_nodes, UNREACHED, dtype=np.int64)
    potential[sink] = 0
    r_tail, r_head, r_cost = arcs.residual()
    if not relax_labels(potential, np.array([sink]), r_tail, r_head, r_cost, max_work=max_work):
        return None
    reached = potential != UNREACHED
    if max_work is not None and not np.all(reached[r_tail] & reached[r_head]):
        return None
    return potential


def certify_potentials(
    arcs: Network, load: np.ndarray, n: int, m: int, potential: np.ndarray, label: str, num_nodes: int | None = None
) -> np.ndarray:
    """Check the flow on ``arcs`` and the potentials that prove it optimal; return the potentials normalised.

    The flow must be integral within capacities, and every supplying mentee must send exactly its ``load`` units
    into the sink (through mentors or its bypass arc). Every residual arc must have reduced cost
    ``cost + π(tail) − π(head) ≥ 0``: the certificate that the flow is optimal on these arcs. Potentials are
    normalised: the sink's is 0, and so is that of a node without residual arcs (a mentor without arcs then prices
    at 0: its capacity arc is unused). ``num_nodes`` counts class nodes too (default ``n + m + 1``); the sink is
    the last node.

    Raises
    ------
    SolverBug
        Naming the check that failed, under ``label``.
    """
    num_nodes = n + m + 1 if num_nodes is None else num_nodes
    sink = num_nodes - 1
    flow = arcs.flow
    if np.any((flow < 0) | (flow > arcs.capacity)):
        raise SolverBug(f"{label}: a flow leaves its arc's capacity")
    supplying = arcs.tail[(arcs.head == sink) & (arcs.tail < n)]
    supply = np.zeros(num_nodes, np.int64)
    supply[supplying] = load[supplying]
    supply[sink] = -int(supply[:n].sum())
    out_flow = np.bincount(arcs.tail, flow, num_nodes) - np.bincount(arcs.head, flow, num_nodes)
    if not np.array_equal(out_flow, supply):
        raise SolverBug(f"{label}: the flow does not carry exactly each mentee's units into the sink")

    r_tail, r_head, r_cost = arcs.residual()
    isolated = np.bincount(r_tail, minlength=num_nodes) + np.bincount(r_head, minlength=num_nodes) == 0
    if np.any(~isolated & (potential == UNREACHED)):
        raise SolverBug(f"{label}: a node of the residual graph is unreachable from the sink")
    potential = np.where(isolated, 0, potential - potential[sink])
    if np.abs(potential).max(initial=0) >= LABEL_LIMIT:
        raise SolverBug(f"{label}: node potentials beyond ±2**61")
    reduced = r_cost + potential[r_tail] - potential[r_head]
    if reduced.size and int(reduced.min()) < 0:
        raise SolverBug(f"{label}: the potentials leave a residual arc with negative reduced cost")
    return potential
