"""Min-cost flow on a few candidate pairs, proven optimal over every allowed pair by pricing (workloads all 1).

"Solve sparse, prove dense". The network is ``flow.py``'s (mentee → mentor → sink, a bypass arc per mentee, the
same integer gains from ``_scaling``), but only candidate pairs get an arc:

1. **Candidates.** Each mentee's ``k`` best mentors by weight, and for each mentor the best mentee (priority first)
   of every block of rows, so that unpopular mentors get arcs too; chosen a block of rows at a time with
   ``np.argpartition``, never sorting the matrix.
2. **Sparse solve.** OR-Tools ``SimpleMinCostFlow`` on the candidate arcs; every arc's flow is read back.
3. **Potentials.** OR-Tools exposes none. They are shortest-path distances from the sink in the residual graph of
   the optimal flow (which has no negative cycle), computed by a vectorised label-correcting Bellman–Ford in int64
   over the residual arc arrays (under 0.1 s for 10**6 arcs: each sweep touches only the arcs leaving nodes
   whose label just fell, where scipy's Bellman–Ford sweeps every arc). The flow is checked (capacities, one unit per mentee) and every residual
   arc is checked to have reduced cost ``cost + π(tail) − π(head) ≥ 0``: the certificate that the flow is optimal
   on the candidate arcs.
4. **Pricing.** A pass over the full allowed mask, in row blocks, computes the reduced cost
   ``−gain(i, j) + π(i) − π(j)`` of every candidate pair outside the network, exactly (int64, or float64 when all
   terms are below 2**53). A mentor without arcs takes the sink's potential (its capacity arc is unused: price 0).
   None negative: the potentials are feasible for the full network, so the flow is optimal over all allowed
   pairs. Otherwise each mentee's :data:`ADD_PER_ROW` most negative pairs join the candidates. If the flow is
   still optimal with them (label-correcting from the current potentials settles quickly: no negative cycle), the
   new labels are the new potentials and pricing runs again; otherwise the enlarged network is solved (step 2).

Candidates only grow, so the sparse optimum never falls and the loop ends; after :data:`MAX_ROUNDS` pricing
passes, or once the candidates pass :data:`MAX_CANDIDATE_FRACTION` of all candidate pairs, the dense
``flow.solve`` answers instead (exact, heavier) and ``Solution.message`` says why.

Memory: besides the instance, one block of rows at a time (a few arrays of ~4 M entries) and O(candidate pairs)
for the network (OR-Tools ~80 bytes per arc, the arc arrays ~100 bytes), not the dense flow's O(allowed pairs).
Measured on 2 cores, fresh processes: the synthetic roster at 20000 × 5000 (31 M candidate pairs, float32 scores,
workloads set to 1) takes 11–13 s at a peak RSS of 0.76 GB (0.6 GB of it the instance), 6 pricing passes and
5 flow solves ending on 0.52 M candidate pairs, where the dense ``flow.solve`` takes 26–28 s and 3.1 GB; 5000 ×
1000 with popular mentors, 1.3 s and 0.29 GB against 2.9 s and 0.58 GB.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from mentormatch.problem import Instance, Progress, Solution, Status
from mentormatch.solvers._common import Clock, SolverBug, answer_totals, block_rows, candidate_mask
from mentormatch.solvers._scaling import FLOAT_EXACT, INT64_HEADROOM, MAX_INT_WEIGHT, Scaling, fit_scaling
from mentormatch.solvers.flow import require_unit_loads

__all__ = ["solve", "DEFAULT_K", "ADD_PER_ROW", "MAX_ROUNDS", "MAX_CANDIDATE_FRACTION", "REPAIR_WORK"]

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

    clock.stage(f"{NAME}: choosing candidates (k={k})")
    rows, cols, total_pairs = _initial_candidates(instance, k)
    clock.stage(f"{NAME}: solving the flow on {rows.size} of {total_pairs} candidate pairs")
    sparse = _solve_sparse(instance, scaling, rows, cols)
    solves = 1
    for round_ in range(1, max_rounds + 1):
        clock.stage(f"{NAME}: round {round_}: pricing")
        new_rows, new_cols, violators = _price(instance, scaling, sparse)
        clock.stage(f"{NAME}: round {round_}: {violators} pairs with negative reduced cost")
        if violators == 0:
            message = (f"proven optimal by pricing: {_count(round_, 'round')}, {_count(solves, 'flow solve')}, "
                       f"{sparse.rows.size} of {total_pairs} candidate pairs")
            return _solution(instance, scaling, sparse, clock, message)
        if round_ == max_rounds:
            reason = f"pricing did not settle in {_count(max_rounds, 'round')}"
            break
        size = sparse.rows.size + new_rows.size
        if size > MAX_CANDIDATE_FRACTION * total_pairs:
            reason = f"the candidates grew to {size} of {total_pairs} pairs in {_count(round_, 'round')}"
            break
        kept = _extend(sparse, instance, scaling, new_rows, new_cols)
        if kept is not None:
            sparse = kept
            clock.stage(f"{NAME}: round {round_}: the flow stays optimal on {size} candidate pairs")
        else:
            clock.stage(f"{NAME}: round {round_}: solving the flow on {size} candidate pairs")
            sparse = _solve_sparse(instance, scaling, np.concatenate([sparse.rows, new_rows]),
                                   np.concatenate([sparse.cols, new_cols]))
            solves += 1
    return _fallback(instance, clock, reason, progress)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# ---------------------------------------------------------------------------------------------------------------
# Step 1: candidates.


def _initial_candidates(instance: Instance, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Each mentee's ``k`` best mentors by weight, and each mentor's best mentee by gain in every block of rows;
    as int32 ``(rows, cols)`` without duplicates (row-major order), and the number of all candidate pairs."""
    n, m = instance.shape
    step = block_rows(m)
    found_rows, found_cols = [], []
    total = 0
    level = np.unique(instance.priority, return_inverse=True)[1].astype(np.int32)  # priority rank, 0 = lowest
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
        # Mentor side: the block's best mentee for each mentor, by priority first, then weight.
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

    Nodes are mentees ``0..n-1``, mentors ``n..n+m-1`` and the sink ``n+m``. Arcs are pair arcs (mentee → mentor,
    capacity 1, cost −gain), bypass arcs (mentee → sink, capacity 1, cost 0: stay unmatched) and capacity arcs
    (mentor → sink, cost 0). Each mentee with a bypass arc supplies one unit; the sink absorbs them all.
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

    ``potential`` (int64, one per node) gives every residual arc ``(tail, head, cost)`` a reduced cost
    ``cost + potential[tail] − potential[head] ≥ 0``; the sink's is 0, and so is that of every node without arcs.
    ``gain`` is the flow's Σ gain (its negated cost).
    """

    rows: np.ndarray
    cols: np.ndarray
    network: _Network
    mentor_of: np.ndarray
    gain: int
    potential: np.ndarray


def _solve_sparse(instance: Instance, scaling: Scaling, rows: np.ndarray, cols: np.ndarray) -> _Sparse:
    """Solve the network over the candidate pairs ``(rows, cols)`` with OR-Tools; potentials from its residual
    graph by label-correcting from the sink."""
    from ortools.graph.python import min_cost_flow

    n, m = instance.shape
    sink = n + m
    num_nodes = n + m + 1
    if scaling.max_gain * (num_nodes + 1) >= INT64_HEADROOM:
        raise ValueError(f"{NAME}: gains up to {scaling.max_gain} on {num_nodes} nodes exceed OR-Tools' int64 cost "
                         f"range; use smaller priority values or fewer mentees")
    mentees = np.unique(rows)
    mentors = np.unique(cols)
    total = mentees.size
    tail = np.concatenate([rows, mentees, mentors + n]).astype(np.int64)
    head = np.concatenate([cols + n, np.full(mentees.size, sink), np.full(mentors.size, sink)]).astype(np.int64)
    capacity = np.concatenate([np.ones(rows.size + mentees.size, np.int64),
                               np.minimum(instance.capacity[mentors], total).astype(np.int64)])
    cost = np.concatenate([-scaling.gains(instance.priority[rows], instance.weights[rows, cols]),
                           np.zeros(mentees.size + mentors.size, np.int64)])
    flow = np.zeros(tail.size, np.int64)
    gain = 0
    if tail.size:
        network = min_cost_flow.SimpleMinCostFlow()
        network.add_arcs_with_capacity_and_unit_cost(tail.astype(np.int32), head.astype(np.int32), capacity, cost)
        network.set_nodes_supplies(np.append(mentees, sink).astype(np.int32),
                                   np.append(np.ones(total, np.int64), -total).astype(np.int64))
        _check_status(network.solve(), min_cost_flow)
        flow = np.asarray(network.flows(np.arange(tail.size, dtype=np.int32)), dtype=np.int64)
        gain = -int(network.optimal_cost())
        del network
    arcs = _Network(tail=tail, head=head, capacity=capacity, cost=cost, flow=flow)
    potential = np.full(num_nodes, _UNREACHED, dtype=np.int64)
    potential[sink] = 0
    if not _relax(potential, np.array([sink]), *arcs.residual()):
        raise SolverBug(f"{NAME}: the residual graph has a negative cycle; the sparse flow is not optimal")
    sparse = _certified(instance, rows, cols, arcs, potential)
    if sparse.gain != gain:
        raise SolverBug(f"{NAME}: the flow's gain {sparse.gain} differs from OR-Tools' optimum {gain}")
    return sparse


def _extend(sparse: _Sparse, instance: Instance, scaling: Scaling, rows: np.ndarray,
            cols: np.ndarray) -> _Sparse | None:
    """Add pair arcs ``(rows, cols)`` (no flow) to ``sparse``'s network and keep its flow if it stays optimal.

    The new arcs are residual arcs with negative reduced cost. Label-correcting from the current potentials, with
    their tails as the first frontier, either settles, which gives potentials proving the same flow optimal on
    the larger network, or is still going after :data:`REPAIR_WORK` relaxations per residual arc (most likely a
    negative cycle: the flow can improve); then None, and the caller solves the network again. None as well when a
    new arc reaches a mentee or mentor without its bypass or capacity arc (only a new solve builds those).
    """
    n, m = instance.shape
    old = sparse.network
    to_sink = np.zeros(n + m + 1, dtype=bool)
    to_sink[old.tail[old.head == n + m]] = True
    if not (to_sink[rows].all() and to_sink[cols.astype(np.int64) + n].all()):
        return None
    gains = scaling.gains(instance.priority[rows], instance.weights[rows, cols])
    arcs = _Network(tail=np.concatenate([old.tail, rows.astype(np.int64)]),
                    head=np.concatenate([old.head, cols.astype(np.int64) + n]),
                    capacity=np.concatenate([old.capacity, np.ones(rows.size, np.int64)]),
                    cost=np.concatenate([old.cost, -gains]),
                    flow=np.concatenate([old.flow, np.zeros(rows.size, np.int64)]))
    r_tail, r_head, r_cost = arcs.residual()
    potential = sparse.potential.copy()
    if not _relax(potential, np.unique(rows).astype(np.int64), r_tail, r_head, r_cost,
                  max_work=REPAIR_WORK * r_tail.size):
        return None
    return _certified(instance, np.concatenate([sparse.rows, rows]), np.concatenate([sparse.cols, cols]),
                      arcs, potential)


def _certified(instance: Instance, rows: np.ndarray, cols: np.ndarray, arcs: _Network,
               potential: np.ndarray) -> _Sparse:
    """Check the flow and the potentials; raise :class:`SolverBug` if either fails.

    The flow must be integral within capacities, send one unit from each supplying mentee into the sink, and
    split no mentee. Every residual arc must have reduced cost ≥ 0. Potentials are normalised: the sink's is 0,
    and so is that of a node without residual arcs (a mentor without arcs then prices at 0: its capacity arc is
    unused).
    """
    n, m = instance.shape
    sink = n + m
    num_nodes = n + m + 1
    flow = arcs.flow
    if np.any((flow < 0) | (flow > arcs.capacity)):
        raise SolverBug(f"{NAME}: a flow leaves its arc's capacity")
    supplying = arcs.tail[(arcs.head == sink) & (arcs.tail < n)]
    supply = np.zeros(num_nodes, np.int64)
    supply[supplying] = 1
    supply[sink] = -supplying.size
    out_flow = np.bincount(arcs.tail, flow, num_nodes) - np.bincount(arcs.head, flow, num_nodes)
    if not np.array_equal(out_flow, supply):
        raise SolverBug(f"{NAME}: the flow does not carry exactly one unit per mentee into the sink")
    pair = (arcs.head != sink) & (flow > 0)
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[arcs.tail[pair]] = arcs.head[pair] - n

    r_tail, r_head, r_cost = arcs.residual()
    isolated = np.bincount(r_tail, minlength=num_nodes) + np.bincount(r_head, minlength=num_nodes) == 0
    if np.any(~isolated & (potential == _UNREACHED)):
        raise SolverBug(f"{NAME}: a node of the residual graph is unreachable from the sink")
    potential = np.where(isolated, 0, potential - potential[sink])
    if np.abs(potential).max(initial=0) >= _LABEL_LIMIT:
        raise SolverBug(f"{NAME}: node potentials beyond ±2**61")
    reduced = r_cost + potential[r_tail] - potential[r_head]
    if reduced.size and int(reduced.min()) < 0:
        raise SolverBug(f"{NAME}: the potentials leave a residual arc with negative reduced cost")
    return _Sparse(rows=rows, cols=cols, network=arcs, mentor_of=mentor_of, gain=-int(np.dot(arcs.cost, flow)),
                   potential=potential)


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


def _check_status(code: object, min_cost_flow: object) -> None:
    """Map OR-Tools' flow status: OPTIMAL passes; BAD_COST_RANGE is bad input; anything else is a bug."""
    status = min_cost_flow.SimpleMinCostFlow  # type: ignore[attr-defined]
    if code == status.OPTIMAL:
        return
    if code == status.BAD_COST_RANGE:
        raise ValueError(f"{NAME}: OR-Tools rejected the cost range (BAD_COST_RANGE); the combined priority and "
                         f"weight gains are too large: use smaller priority values or fewer mentees")
    raise SolverBug(f"{NAME}: min-cost flow ended with status {getattr(code, 'name', code)}")


# ---------------------------------------------------------------------------------------------------------------
# Step 4: pricing every candidate pair.


def _price(instance: Instance, scaling: Scaling, sparse: _Sparse) -> tuple[np.ndarray, np.ndarray, int]:
    """Find the candidate pairs with negative reduced cost: up to :data:`ADD_PER_ROW` of each mentee's most
    negative ones as int32 ``(rows, cols)`` (unique, row-major), and how many there are in all.

    A pair (i, j) outside the network is a forward residual arc of cost ``−gain``; its reduced cost is negative
    exactly when ``slack = w_int[i, j] + π(j) − (π(i) − priority[i] · big) > 0``. Matched pairs carry flow (their
    forward arc is saturated) and are skipped; unmatched pairs already in the network have reduced cost ≥ 0, so
    every pair found is new.
    """
    n, m = instance.shape
    mentor_term = sparse.potential[n:n + m]
    row_term = sparse.potential[:n] - instance.priority.astype(np.int64) * scaling.big
    # float64 holds every integer below 2**53 exactly: then the slack needs no int64 temporaries.
    in_float = (int(np.abs(mentor_term).max(initial=0)) + int(np.abs(row_term).max(initial=0))
                + MAX_INT_WEIGHT < FLOAT_EXACT)
    if in_float:
        # A mentor with capacity 0 gets −2**60 (every slack negative), so the allowed mask is enough: with loads 1
        # it is candidate_mask.
        mentor_term = np.where(instance.capacity > 0, mentor_term.astype(np.float64), -(2.0**60))
        row_term = row_term.astype(np.float64)
    step = block_rows(m)
    found_rows, found_cols = [], []
    violators = 0
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        values = instance.weights[r0:r1]
        if in_float:
            mask = instance.allowed[r0:r1]
            slack = values.astype(np.float64)  # the arithmetic of Scaling.weights_int, kept in float64
            if not scaling.exact:
                slack *= scaling.scale
                np.rint(slack, out=slack)
        else:
            mask = candidate_mask(instance, slice(r0, r1))
            slack = scaling.weights_int(np.where(mask, values, 0))  # forbidden pairs may hold NaN
        slack += mentor_term[None, :]
        slack -= row_term[r0:r1, None]
        matched = np.flatnonzero(sparse.mentor_of[r0:r1] >= 0)
        slack[matched, sparse.mentor_of[r0:r1][matched]] = 0
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


def _solution(instance: Instance, scaling: Scaling, sparse: _Sparse, clock: Clock, message: str) -> Solution:
    """The proven answer, its totals re-derived from the matching and its gain checked against the flow's."""
    rows = np.flatnonzero(sparse.mentor_of >= 0)
    cols = sparse.mentor_of[rows]
    value = int(scaling.gains(instance.priority[rows], instance.weights[rows, cols]).sum())
    if value != sparse.gain:
        raise SolverBug(f"{NAME}: the matching's gain {value} differs from the flow's optimum {sparse.gain}")
    priority_sum, objective = answer_totals(instance, sparse.mentor_of)
    clock.stage(f"{NAME}: done")
    return Solution(mentor_of=sparse.mentor_of, status=Status.OPTIMAL, priority_sum=priority_sum,
                    objective=objective, priority_bound=priority_sum, objective_bound=objective, solver=NAME,
                    seconds=clock.elapsed(), message=message)


def _fallback(instance: Instance, clock: Clock, reason: str, progress: Progress | None) -> Solution:
    """The dense flow's answer, labelled as this solver's, with the reason in ``message``."""
    from mentormatch.solvers import flow

    clock.stage(f"{NAME}: {reason}; solving the dense flow instead")
    dense = flow.solve(instance, progress=progress)
    return dataclasses.replace(dense, solver=NAME, seconds=clock.elapsed(),
                               message=f"{reason}; answered by the dense flow")
