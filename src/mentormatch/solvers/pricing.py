"""Min-cost transport on a few candidate pairs, proven optimal over every candidate pair by pricing.

"Solve sparse, prove dense". One engine, :func:`priced_transport`, solves the transportation network of
``flow.py`` / ``relaxation.py`` — mentee i supplies ``load[i]`` units, each pair arc (i, j) has capacity
``load[i]`` and per-unit gain :func:`unit_gains` (``⌈gain[i, j] · L / load[i]⌉``, the relaxation's rounding up), a
bypass arc per mentee (stay unmatched) and a capacity arc per mentor — with only candidate pairs as arcs. With every
load 1 and ``L = 1`` it is exactly ``flow.py``'s network and its answer a matching: :func:`solve` (``flow-priced``).
With larger loads it is the transportation relaxation whose optimum bounds ``relaxation.py``'s answers.

1. **Candidates.** Each mentee's ``k`` best mentors by weight, and for each mentor the best mentee (per-unit
   priority first) of every block of rows, so that unpopular mentors get arcs too; chosen a block of rows at a
   time with ``np.argpartition``, never sorting the matrix.
2. **Sparse solve.** OR-Tools ``SimpleMinCostFlow`` on the candidate arcs; every arc's flow is read back.
3. **Potentials.** OR-Tools exposes none. They are shortest-path distances from the sink in the residual graph of
   the optimal flow (which has no negative cycle), computed by a vectorised label-correcting Bellman–Ford in int64
   over the residual arc arrays (under 0.1 s for 10**6 arcs: each sweep touches only the arcs leaving nodes
   whose label just fell, where scipy's Bellman–Ford sweeps every arc). The flow is checked (capacities, each
   mentee's supply conserved) and every residual arc is checked to have reduced cost ``cost + π(tail) − π(head) ≥
   0``: the certificate that the flow is optimal on the candidate arcs. Nothing here assumes unit capacities.
4. **Pricing.** A pass over the full mask, in row blocks, computes the reduced cost ``−unit_gain(i, j) + π(i) −
   π(j)`` of every candidate pair whose arc carries no flow (with flow 0 its forward residual arc exists in the
   full network), exactly: int64, or float64 when every term is an integer below 2**53 (then ``L / load[i]`` must
   be an integer, so no rounding is needed). A mentor without arcs takes the sink's potential (its capacity arc is
   unused: price 0). None negative: the potentials are feasible for the full network, so the flow is optimal over
   all candidate pairs. Otherwise each mentee's :data:`ADD_PER_ROW` most negative pairs join the candidates. If the
   flow is still optimal with them (label-correcting from the current potentials settles quickly: no negative
   cycle), the new labels are the new potentials and pricing runs again; otherwise the enlarged network is solved
   (step 2).

Candidates only grow, so the sparse optimum never falls and the loop ends; after :data:`MAX_ROUNDS` pricing
passes, or once the candidates pass :data:`MAX_CANDIDATE_FRACTION` of all candidate pairs, the engine gives up and
its caller solves the dense network instead (exact, heavier), saying why in ``Solution.message``.

Memory: besides the instance, one block of rows at a time (a few arrays of ~4 M entries) and O(candidate pairs)
for the network (OR-Tools ~80 bytes per arc, the arc arrays ~100 bytes), not the dense flow's O(allowed pairs).
Measured on 2 cores, fresh processes: the synthetic roster at 20000 × 5000 (31 M candidate pairs, float32 scores,
workloads set to 1) takes 11–13 s at a peak RSS of 0.76 GB (0.6 GB of it the instance), 6 pricing passes and
5 flow solves ending on 0.52 M candidate pairs, where the dense ``flow.solve`` takes 26–28 s and 3.1 GB; 5000 ×
1000 with popular mentors, 1.3 s and 0.29 GB against 2.9 s and 0.58 GB. The same roster with its own workloads
(2037 of 2) as ``relaxation.py``'s bound: 6 pricing passes and 5 flow solves on 0.52 M of 29.7 M candidate pairs,
13 s, where the dense relaxation took ~35 s and a peak RSS of 3.2 GB (the whole ``auto`` run: 0.82 GB).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from mentormatch.problem import Instance, Progress, Solution, Status
from mentormatch.solvers._common import Clock, SolverBug, answer_totals, block_rows, candidate_mask
from mentormatch.solvers._scaling import FLOAT_EXACT, INT64_HEADROOM, MAX_INT_WEIGHT, Scaling, fit_scaling
from mentormatch.solvers.flow import Transport, require_unit_loads

__all__ = ["solve", "priced_transport", "unit_gains", "Priced", "DEFAULT_K", "ADD_PER_ROW", "MAX_ROUNDS",
           "MAX_CANDIDATE_FRACTION", "REPAIR_WORK"]

NAME = "flow-priced"

DEFAULT_K = 8
"""Candidate mentors per mentee in the first round."""
ADD_PER_ROW = 16
"""At most this many of a mentee's most negative reduced-cost pairs join the candidates per round."""
MAX_ROUNDS = 30
"""Pricing passes before the dense flow answers instead."""
MAX_CANDIDATE_FRACTION = 0.25
"""Above this fraction of all candidate pairs the dense flow answers instead (it is then not much larger)."""
REPAIR_WORK = 2
"""Relaxations per residual arc spent on re-proving the flow after pairs join, before solving again instead."""


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    k: int = DEFAULT_K,
    max_rounds: int = MAX_ROUNDS,
) -> Solution:
    """Solve a unit-workload ``instance`` exactly: min-cost flow on candidate pairs, proven by pricing.

    Parameters
    ----------
    instance : Instance
        Every ``load`` must be 1.
    time_limit, seed
        Ignored: the method is polynomial and deterministic.
    progress : callable, optional
        ``progress(stage, elapsed)`` at each stage and pricing round (candidates, violators, repairs).
    k : int
        Candidate mentors per mentee in the first round (≥ 1).
    max_rounds : int
        Pricing passes over the allowed pairs before falling back to the dense flow (≥ 1).

    Returns
    -------
    Solution
        Always ``optimal`` (to the stated weight resolution for float weights), with the same Σ priority and
        Σ integer gain as ``flow.solve``. ``solver`` is ``"flow-priced"``; ``message`` gives the rounds and
        candidate pairs, or the reason for a fallback to the dense flow.

    Raises
    ------
    SolverUnsuitable
        A workload above 1.
    ValueError
        ``k`` or ``max_rounds`` below 1; gains too large for OR-Tools' cost range.

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import Instance
    >>> inst = Instance(weights=np.array([[0.9, 0.2], [0.8, -0.5], [0.1, 0.1]]),
    ...                 allowed=np.array([[True, True], [True, True], [False, True]]),
    ...                 priority=np.array([1, 3, 1]), load=np.ones(3, int), capacity=np.array([1, 1]))
    >>> sol = solve(inst, k=1)
    >>> sol.mentor_of.tolist(), sol.priority_sum, round(sol.objective, 6), sol.solver
    ([1, 0, -1], 4, 1.0, 'flow-priced')
    """
    del time_limit, seed
    if k < 1 or max_rounds < 1:
        raise ValueError(f"{NAME}: k and max_rounds must be ≥ 1, got k={k!r}, max_rounds={max_rounds!r}")
    require_unit_loads(NAME, instance)
    clock = Clock(progress)
    scaling = fit_scaling(instance)
    priced = priced_transport(instance, scaling, clock=clock, label=NAME, k=k, max_rounds=max_rounds)
    if priced.flow is None:
        return _fallback(instance, clock, priced.message, progress)
    return _solution(instance, scaling, priced.flow, clock, priced.message)


def unit_gains(instance: Instance, scaling: Scaling, multiplier: int, rows: np.ndarray,
               cols: np.ndarray) -> np.ndarray:
    """Per-unit gain (int64) of the transport arcs ``(rows, cols)``: ``⌈gain[i, j] · multiplier / load[i]⌉``.

    ``gain`` is ``_scaling``'s combined integer gain. Rounding **up** keeps the transport's optimum / multiplier an
    upper bound on Σ gain of every integral answer (``relaxation.py``); with every load 1 and ``multiplier`` 1 it is
    ``gain`` itself, and when ``multiplier`` is a multiple of ``load[i]`` nothing is rounded.
    """
    scaled = scaling.gains(instance.priority[rows], instance.weights[rows, cols]) * multiplier
    return -((-scaled) // instance.load[rows].astype(np.int64))


@dataclass(frozen=True)
class Priced:
    """What :func:`priced_transport` found: the optimal transport proven by pricing, or ``None`` when it gave up.

    ``message`` says how it was proven (rounds, flow solves, candidate pairs) or why it gave up; ``candidates``
    is the number of candidate pairs in the final network.
    """

    flow: Transport | None
    message: str
    candidates: int


def priced_transport(
    instance: Instance,
    scaling: Scaling,
    multiplier: int = 1,
    *,
    clock: Clock,
    label: str,
    k: int = DEFAULT_K,
    max_rounds: int = MAX_ROUNDS,
) -> Priced:
    """The optimal transport over all candidate pairs (supply ``load[i]``, per-unit gains :func:`unit_gains`),
    solved on a few of them and proven by pricing (steps 1–4 of the module docstring).

    Parameters
    ----------
    instance : Instance
    scaling : Scaling
        Fitted to ``instance``.
    multiplier : int
        ``L`` of :func:`unit_gains` (1 for the unit-load flow).
    clock : Clock
    label : str
        Names the caller in progress messages and errors.
    k, max_rounds : int
        Candidate mentors per mentee in the first round; pricing passes before giving up.

    Returns
    -------
    Priced
        ``flow`` holds every pair arc with flow and the exact optimum ``gain`` (the negated cost), like
        ``flow.transport``; ``None`` after ``max_rounds`` passes or when the candidates grow past
        :data:`MAX_CANDIDATE_FRACTION` of all candidate pairs (``message`` says which).
    """
    model = _Model(instance=instance, scaling=scaling, multiplier=int(multiplier), label=label,
                   in_play=np.zeros(instance.shape[0], dtype=bool))
    clock.stage(f"{label}: choosing candidates (k={k})")
    rows, cols, total_pairs = _initial_candidates(model, k)
    model.in_play[rows] = True  # every mentee with a candidate pair has one among its k best
    clock.stage(f"{label}: solving the flow on {rows.size} of {total_pairs} candidate pairs")
    sparse = _solve_sparse(model, rows, cols)
    solves = 1
    for round_ in range(1, max_rounds + 1):
        clock.stage(f"{label}: round {round_}: pricing")
        new_rows, new_cols, violators = _price(model, sparse)
        clock.stage(f"{label}: round {round_}: {violators} pairs with negative reduced cost")
        if violators == 0:
            message = (f"proven optimal by pricing: {_count(round_, 'round')}, {_count(solves, 'flow solve')}, "
                       f"{sparse.rows.size} of {total_pairs} candidate pairs")
            return Priced(flow=sparse.transport(), message=message, candidates=sparse.rows.size)
        if round_ == max_rounds:
            reason = f"pricing did not settle in {_count(max_rounds, 'round')}"
            break
        size = sparse.rows.size + new_rows.size
        if size > MAX_CANDIDATE_FRACTION * total_pairs:
            reason = f"the candidates grew to {size} of {total_pairs} pairs in {_count(round_, 'round')}"
            break
        kept = _extend(model, sparse, new_rows, new_cols)
        if kept is not None:
            sparse = kept
            clock.stage(f"{label}: round {round_}: the flow stays optimal on {size} candidate pairs")
        else:
            clock.stage(f"{label}: round {round_}: solving the flow on {size} candidate pairs")
            sparse = _solve_sparse(model, np.concatenate([sparse.rows, new_rows]),
                                   np.concatenate([sparse.cols, new_cols]))
            solves += 1
    return Priced(flow=None, message=reason, candidates=sparse.rows.size)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class _Model:
    """The transport being priced: the instance, its scaling, ``L``, the caller's label, and which mentees have
    a candidate pair at all (``in_play``)."""

    instance: Instance
    scaling: Scaling
    multiplier: int
    label: str
    in_play: np.ndarray

    def gains(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return unit_gains(self.instance, self.scaling, self.multiplier, rows, cols)

    @property
    def max_unit_gain(self) -> int:
        """A bound on every |per-unit gain| (``⌈g · L / load⌉ ≤ g · L``)."""
        return self.scaling.max_gain * self.multiplier


# ---------------------------------------------------------------------------------------------------------------
# Step 1: candidates.


def _initial_candidates(model: _Model, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Each mentee's ``k`` best mentors by weight, and each mentor's best mentee by per-unit gain in every block of
    rows; as int32 ``(rows, cols)`` without duplicates (row-major order), and the number of all candidate pairs."""
    instance = model.instance
    n, m = instance.shape
    step = block_rows(m)
    found_rows, found_cols = [], []
    total = 0
    # Per-unit priority rank, 0 = lowest (with every load 1: the priority's rank).
    per_unit = instance.priority.astype(np.float64) * model.multiplier / instance.load.astype(np.float64)
    level = np.unique(per_unit, return_inverse=True)[1].astype(np.int32)
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        mask = candidate_mask(instance, slice(r0, r1))
        total += int(np.count_nonzero(mask))
        block = instance.weights[r0:r1]
        if block.dtype.kind != "f":
            block = block.astype(np.float64)
        # Mentee side: the k smallest of −weight (a small kth keeps argpartition fast when many values tie).
        cost = np.where(mask, -block, np.inf)
        del block
        if k < m:
            pick = np.argpartition(cost, k - 1, axis=1)[:, :k]
        else:
            pick = np.broadcast_to(np.arange(m), cost.shape)
        within = np.broadcast_to(np.arange(r1 - r0)[:, None], pick.shape)
        keep = mask[within, pick]
        found_rows.append((within[keep] + r0).astype(np.int32))
        found_cols.append(pick[keep].astype(np.int32))
        # Mentor side: the block's best mentee for each mentor, by per-unit priority first, then weight.
        levels = np.where(mask, level[r0:r1, None], -1)
        cost[levels < levels.max(axis=0)] = np.inf
        del levels
        best = cost.argmin(axis=0)
        keep = mask[best, np.arange(m)]
        found_rows.append((best[keep] + r0).astype(np.int32))
        found_cols.append(np.flatnonzero(keep).astype(np.int32))
        del cost, mask
    if not found_rows:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), total
    keys = np.unique(np.concatenate(found_rows).astype(np.int64) * m + np.concatenate(found_cols))
    return (keys // m).astype(np.int32), (keys % m).astype(np.int32), total


# ---------------------------------------------------------------------------------------------------------------
# Steps 2 and 3: the sparse min-cost flow, its potentials, and its repair when arcs are added.


@dataclass(frozen=True)
class _Network:
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
        return (np.concatenate([self.tail[forward], self.head[backward]]),
                np.concatenate([self.head[forward], self.tail[backward]]),
                np.concatenate([self.cost[forward], -self.cost[backward]]))


@dataclass(frozen=True)
class _Sparse:
    """An optimal flow on the candidate pairs ``(rows, cols)`` and node potentials proven on its residual graph.

    The network's first ``rows.size`` arcs are the pair arcs of ``(rows, cols)``, in that order. ``potential``
    (int64, one per node) gives every residual arc ``(tail, head, cost)`` a reduced cost
    ``cost + potential[tail] − potential[head] ≥ 0``; the sink's is 0, and so is that of every node without arcs.
    ``gain`` is the flow's Σ per-unit gain × units (its negated cost).
    """

    rows: np.ndarray
    cols: np.ndarray
    network: _Network
    gain: int
    potential: np.ndarray

    def transport(self) -> Transport:
        """The pair arcs with flow, as ``flow.transport`` reports them."""
        units = self.network.flow[:self.rows.size]
        used = np.flatnonzero(units > 0)
        return Transport(rows=self.rows[used].astype(np.int64), cols=self.cols[used].astype(np.int64),
                         units=units[used].copy(), gain=self.gain)


def _solve_sparse(model: _Model, rows: np.ndarray, cols: np.ndarray) -> _Sparse:
    """Solve the network over the candidate pairs ``(rows, cols)`` with OR-Tools; potentials from its residual
    graph by label-correcting from the sink."""
    from ortools.graph.python import min_cost_flow

    instance, label = model.instance, model.label
    n, m = instance.shape
    sink = n + m
    num_nodes = n + m + 1
    load = instance.load.astype(np.int64)
    mentees = np.unique(rows)
    mentors = np.unique(cols)
    total = int(load[mentees].sum())
    if model.max_unit_gain * max(num_nodes + 1, total) >= INT64_HEADROOM:
        raise ValueError(f"{label}: gains up to {model.max_unit_gain} on {num_nodes} nodes exceed OR-Tools' int64 "
                         f"cost range; use smaller priority values or fewer mentees")
    tail = np.concatenate([rows, mentees, mentors + n]).astype(np.int64)
    head = np.concatenate([cols + n, np.full(mentees.size, sink), np.full(mentors.size, sink)]).astype(np.int64)
    capacity = np.concatenate([load[rows], load[mentees],
                               np.minimum(instance.capacity[mentors], total).astype(np.int64)])
    cost = np.concatenate([-model.gains(rows, cols), np.zeros(mentees.size + mentors.size, np.int64)])
    flow = np.zeros(tail.size, np.int64)
    gain = 0
    if tail.size:
        network = min_cost_flow.SimpleMinCostFlow()
        network.add_arcs_with_capacity_and_unit_cost(tail.astype(np.int32), head.astype(np.int32), capacity, cost)
        network.set_nodes_supplies(np.append(mentees, sink).astype(np.int32),
                                   np.append(load[mentees], -total).astype(np.int64))
        _check_status(network.solve(), min_cost_flow, label)
        flow = np.asarray(network.flows(np.arange(tail.size, dtype=np.int32)), dtype=np.int64)
        gain = -int(network.optimal_cost())
        del network
    arcs = _Network(tail=tail, head=head, capacity=capacity, cost=cost, flow=flow)
    potential = np.full(num_nodes, _UNREACHED, dtype=np.int64)
    potential[sink] = 0
    if not _relax(potential, np.array([sink]), *arcs.residual()):
        raise SolverBug(f"{label}: the residual graph has a negative cycle; the sparse flow is not optimal")
    sparse = _certified(model, rows, cols, arcs, potential)
    if sparse.gain != gain:
        raise SolverBug(f"{label}: the flow's gain {sparse.gain} differs from OR-Tools' optimum {gain}")
    return sparse


def _extend(model: _Model, sparse: _Sparse, rows: np.ndarray, cols: np.ndarray) -> _Sparse | None:
    """Add pair arcs ``(rows, cols)`` (no flow) to ``sparse``'s network and keep its flow if it stays optimal.

    The new arcs are residual arcs with negative reduced cost. Label-correcting from the current potentials, with
    their tails as the first frontier, either settles, which gives potentials proving the same flow optimal on
    the larger network, or is still going after :data:`REPAIR_WORK` relaxations per residual arc (most likely a
    negative cycle: the flow can improve); then None, and the caller solves the network again. None as well when a
    new arc reaches a mentee or mentor without its bypass or capacity arc (only a new solve builds those).
    """
    instance = model.instance
    n, m = instance.shape
    old = sparse.network
    to_sink = np.zeros(n + m + 1, dtype=bool)
    to_sink[old.tail[old.head == n + m]] = True
    if not (to_sink[rows].all() and to_sink[cols.astype(np.int64) + n].all()):
        return None
    pairs = sparse.rows.size
    # Pair arcs stay first: old pair arcs, new pair arcs, then the old bypass and capacity arcs.
    arcs = _Network(
        tail=np.concatenate([old.tail[:pairs], rows.astype(np.int64), old.tail[pairs:]]),
        head=np.concatenate([old.head[:pairs], cols.astype(np.int64) + n, old.head[pairs:]]),
        capacity=np.concatenate([old.capacity[:pairs], instance.load[rows].astype(np.int64), old.capacity[pairs:]]),
        cost=np.concatenate([old.cost[:pairs], -model.gains(rows, cols), old.cost[pairs:]]),
        flow=np.concatenate([old.flow[:pairs], np.zeros(rows.size, np.int64), old.flow[pairs:]]),
    )
    r_tail, r_head, r_cost = arcs.residual()
    potential = sparse.potential.copy()
    if not _relax(potential, np.unique(rows).astype(np.int64), r_tail, r_head, r_cost,
                  max_work=REPAIR_WORK * r_tail.size):
        return None
    return _certified(model, np.concatenate([sparse.rows, rows]), np.concatenate([sparse.cols, cols]), arcs,
                      potential)


def _certified(model: _Model, rows: np.ndarray, cols: np.ndarray, arcs: _Network,
               potential: np.ndarray) -> _Sparse:
    """Check the flow and the potentials; raise :class:`SolverBug` if either fails.

    The flow must be integral within capacities, and every supplying mentee must send exactly its ``load`` units
    into the sink (through mentors or its bypass arc). Every residual arc must have reduced cost ≥ 0. Potentials
    are normalised: the sink's is 0, and so is that of a node without residual arcs (a mentor without arcs then
    prices at 0: its capacity arc is unused).
    """
    instance, label = model.instance, model.label
    n, m = instance.shape
    sink = n + m
    num_nodes = n + m + 1
    flow = arcs.flow
    if np.any((flow < 0) | (flow > arcs.capacity)):
        raise SolverBug(f"{label}: a flow leaves its arc's capacity")
    supplying = arcs.tail[(arcs.head == sink) & (arcs.tail < n)]
    supply = np.zeros(num_nodes, np.int64)
    supply[supplying] = instance.load[supplying]
    supply[sink] = -int(supply[:n].sum())
    out_flow = np.bincount(arcs.tail, flow, num_nodes) - np.bincount(arcs.head, flow, num_nodes)
    if not np.array_equal(out_flow, supply):
        raise SolverBug(f"{label}: the flow does not carry exactly each mentee's units into the sink")

    r_tail, r_head, r_cost = arcs.residual()
    isolated = np.bincount(r_tail, minlength=num_nodes) + np.bincount(r_head, minlength=num_nodes) == 0
    if np.any(~isolated & (potential == _UNREACHED)):
        raise SolverBug(f"{label}: a node of the residual graph is unreachable from the sink")
    potential = np.where(isolated, 0, potential - potential[sink])
    if np.abs(potential).max(initial=0) >= _LABEL_LIMIT:
        raise SolverBug(f"{label}: node potentials beyond ±2**61")
    reduced = r_cost + potential[r_tail] - potential[r_head]
    if reduced.size and int(reduced.min()) < 0:
        raise SolverBug(f"{label}: the potentials leave a residual arc with negative reduced cost")
    return _Sparse(rows=rows, cols=cols, network=arcs, gain=-int(np.dot(arcs.cost, flow)), potential=potential)


_UNREACHED = np.iinfo(np.int64).max
"""The label of a node not reached yet."""
_LABEL_LIMIT = 2**61
"""Labels stay within ±this, so label + cost cannot overflow int64; falling below it means a negative cycle."""


def _by_tail(tail: np.ndarray, num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Arc indices grouped by tail, and where each node's group starts (CSR)."""
    order = np.argsort(tail)
    start = np.zeros(num_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=num_nodes), out=start[1:])
    return order, start


def _out_arcs(start: np.ndarray, frontier: np.ndarray) -> np.ndarray:
    """Positions ``start[v] .. start[v + 1] - 1`` for every node ``v`` of ``frontier``, concatenated."""
    first = start[frontier]
    count = start[frontier + 1] - first
    return np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))


def _relax(label: np.ndarray, frontier: np.ndarray, tail: np.ndarray, head: np.ndarray, cost: np.ndarray,
           max_work: int | None = None) -> bool:
    """Label-correcting shortest paths over arcs that may cost less than zero, in place on ``label`` (int64).

    Bellman–Ford in which each sweep relaxes only the arcs leaving nodes whose label fell in the last sweep
    (``frontier`` at first): work proportional to the arcs touched, not sweeps × all arcs. True when it settles:
    then every arc has ``label[head] ≤ label[tail] + cost`` (unreached nodes keep :data:`_UNREACHED`). False after
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
        if offer.size and int(offer.min()) <= -_LABEL_LIMIT:
            return False
        np.minimum.at(label, target, offer)
        changed[target] = True
        frontier = np.flatnonzero(changed)
        changed[frontier] = False
    return False


def _check_status(code: object, min_cost_flow: object, label: str = NAME) -> None:
    """Map OR-Tools' flow status: OPTIMAL passes; BAD_COST_RANGE is bad input; anything else is a bug."""
    status = min_cost_flow.SimpleMinCostFlow  # type: ignore[attr-defined]
    if code == status.OPTIMAL:
        return
    if code == status.BAD_COST_RANGE:
        raise ValueError(f"{label}: OR-Tools rejected the cost range (BAD_COST_RANGE); the combined priority and "
                         f"weight gains are too large: use smaller priority values or fewer mentees")
    raise SolverBug(f"{label}: min-cost flow ended with status {getattr(code, 'name', code)}")


# ---------------------------------------------------------------------------------------------------------------
# Step 4: pricing every candidate pair.


def _price(model: _Model, sparse: _Sparse) -> tuple[np.ndarray, np.ndarray, int]:
    """Find the candidate pairs with negative reduced cost: up to :data:`ADD_PER_ROW` of each mentee's most
    negative ones as int32 ``(rows, cols)`` (unique, row-major), and how many there are in all.

    A pair (i, j) whose arc carries no flow (in the network or not) is a forward residual arc of cost
    ``−unit_gain``; its reduced cost is negative exactly when ``slack = unit_gain(i, j) − π(i) + π(j) > 0``. Pairs
    carrying flow are skipped: their forward arc is saturated (no residual arc) or in the network and certified.
    Pairs in the network without flow have reduced cost ≥ 0, so every pair found is new.

    When ``L / load[i]`` is an integer ``f[i]`` for every mentee, ``unit_gain = f[i] · (priority[i] · big +
    w_int[i, j])`` with no rounding, and the slack is ``f[i] · w_int[i, j] + π(j) − (π(i) − f[i] ·
    priority[i] · big)``: computed in float64 when every term is an integer below 2**53, else in int64.
    """
    instance, scaling = model.instance, model.scaling
    n, m = instance.shape
    load = instance.load.astype(np.int64)
    mentor_potential = sparse.potential[n:n + m]
    row_potential = sparse.potential[:n]
    # Mentees without candidate pairs are never priced (their mask rows are empty): factor 1, row term 0.
    factor = np.where(model.in_play, model.multiplier // load, 1)
    divisible = bool(np.all(factor[model.in_play] * load[model.in_play] == model.multiplier))
    in_float = False
    if divisible:
        row_term = np.where(model.in_play,
                            row_potential - factor * instance.priority.astype(np.int64) * scaling.big, 0)
        # float64 holds every integer below 2**53 exactly: then the slack needs no int64 temporaries.
        in_float = (int(np.abs(mentor_potential).max(initial=0)) + int(np.abs(row_term).max(initial=0))
                    + MAX_INT_WEIGHT * int(factor.max(initial=1)) < FLOAT_EXACT)
    if in_float:
        mentor_float = mentor_potential.astype(np.float64)
        row_float = row_term.astype(np.float64)
        factor_float = factor.astype(np.float64)
        scale_rows = bool(np.any(factor != 1))
    # Pairs carrying flow, grouped by mentee, to be skipped.
    carried = sparse.network.flow[:sparse.rows.size] > 0
    carried_rows = sparse.rows[carried].astype(np.int64)
    carried_cols = sparse.cols[carried].astype(np.int64)
    order = np.argsort(carried_rows, kind="stable")
    carried_rows, carried_cols = carried_rows[order], carried_cols[order]
    step = block_rows(m)
    found_rows, found_cols = [], []
    violators = 0
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        mask = candidate_mask(instance, slice(r0, r1))
        values = instance.weights[r0:r1]
        if in_float:
            slack = values.astype(np.float64)  # the arithmetic of Scaling.weights_int, kept in float64
            if not scaling.exact:
                slack *= scaling.scale
                np.rint(slack, out=slack)
            if scale_rows:
                slack *= factor_float[r0:r1, None]
            slack += mentor_float[None, :]
            slack -= row_float[r0:r1, None]
        else:
            w_int = scaling.weights_int(np.where(mask, values, 0))  # forbidden pairs may hold NaN
            slack = (instance.priority[r0:r1, None].astype(np.int64) * scaling.big + w_int) * model.multiplier
            del w_int
            slack = -((-slack) // load[r0:r1, None])  # unit_gains' rounding up
            slack += mentor_potential[None, :]
            slack -= row_potential[r0:r1, None]
        lo, hi = np.searchsorted(carried_rows, [r0, r1])
        slack[carried_rows[lo:hi] - r0, carried_cols[lo:hi]] = 0
        bad = mask & (slack > 0)
        del mask
        count = int(np.count_nonzero(bad))
        if count == 0:
            continue
        violators += count
        np.copyto(slack, 0, where=~bad)  # 0 where there is no violation
        bad_rows = np.flatnonzero(bad.any(axis=1))
        del bad
        if 2 * bad_rows.size < r1 - r0:
            slack = slack[bad_rows]
        else:
            bad_rows = np.arange(r1 - r0)
        if ADD_PER_ROW < m:
            pick = np.argpartition(-slack, ADD_PER_ROW - 1, axis=1)[:, :ADD_PER_ROW]
        else:
            pick = np.broadcast_to(np.arange(m), slack.shape)
        within = np.broadcast_to(np.arange(bad_rows.size)[:, None], pick.shape)
        keep = slack[within, pick] > 0
        found_rows.append((bad_rows[within[keep]] + r0).astype(np.int32))
        found_cols.append(pick[keep].astype(np.int32))
        del slack
    if not found_rows:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), violators
    keys = np.unique(np.concatenate(found_rows).astype(np.int64) * m + np.concatenate(found_cols))
    return (keys // m).astype(np.int32), (keys % m).astype(np.int32), violators


# ---------------------------------------------------------------------------------------------------------------
# The answer.


def _solution(instance: Instance, scaling: Scaling, flow: Transport, clock: Clock, message: str) -> Solution:
    """The proven matching, its totals re-derived from it and its gain checked against the flow's."""
    n = instance.shape[0]
    if np.unique(flow.rows).size != flow.rows.size or np.any(flow.units != 1):
        raise SolverBug(f"{NAME}: a mentee's unit was split across mentors")
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[flow.rows] = flow.cols
    value = int(scaling.gains(instance.priority[flow.rows], instance.weights[flow.rows, flow.cols]).sum())
    if value != flow.gain:
        raise SolverBug(f"{NAME}: the matching's gain {value} differs from the flow's optimum {flow.gain}")
    priority_sum, objective = answer_totals(instance, mentor_of)
    clock.stage(f"{NAME}: done")
    return Solution(mentor_of=mentor_of, status=Status.OPTIMAL, priority_sum=priority_sum,
                    objective=objective, priority_bound=priority_sum, objective_bound=objective, solver=NAME,
                    seconds=clock.elapsed(), message=message)


def _fallback(instance: Instance, clock: Clock, reason: str, progress: Progress | None) -> Solution:
    """The dense flow's answer, labelled as this solver's, with the reason in ``message``."""
    from mentormatch.solvers import flow

    clock.stage(f"{NAME}: {reason}; solving the dense flow instead")
    dense = flow.solve(instance, progress=progress)
    return dataclasses.replace(dense, solver=NAME, seconds=clock.elapsed(),
                               message=f"{reason}; answered by the dense flow")
