"""Min-cost transport on a few candidate pairs, proven optimal over every candidate pair by pricing.

"Solve sparse, prove dense". One engine, :func:`priced_transport`, solves the transportation network of
``flow.py`` / ``relaxation.py`` — mentee i supplies ``load[i]`` units, each pair arc (i, j) has capacity
``load[i]`` and per-unit gain :func:`unit_gains` (``⌈gain[i, j] · L / load[i]⌉``, the relaxation's rounding up), a
bypass arc per mentee (stay unmatched) and a capacity arc per mentor — with only candidate pairs as arcs. With every
load 1 and ``L = 1`` it is exactly ``flow.py``'s network and its answer a matching: :func:`solve` (``flow-priced``).
With larger loads it is the transportation relaxation whose optimum bounds ``relaxation.py``'s answers.

1. **Scans.** Everything that looks at all candidate pairs is one pass over the weights in row blocks of ~1 M
   pairs (:class:`_Scanner`), a few float32 and bool operations per pair and nothing sorted. Per block it forms
   ``y = w · f[i] + a[j] − b[i]`` in float32 (``f = L / load``; ``a`` and ``b`` the potentials in weight units,
   centred), each term widened by a bound on the float32 rounding so that a violator always shows ``y > 0``
   (:meth:`_Scanner.scan` derives it); only pairs with ``y > 0`` are priced exactly, in int64. The same pass
   picks new candidate pairs (:class:`_Picks`):

   * **row side:** each mentee's ``add_per_row`` largest ``y`` above ``−window`` (``near_window`` of the
     weight range): its violators and near-violators, since a pair just short of violating is often a violator
     after the next solve, and taking it now saves a round; each violating mentee's largest exact violator joins
     in any case;
   * **column side:** each mentor with room left in the flow takes its best rows by ``y``, about twice its room
     plus its share of the mentees left unmatched. This fills the mentors that the mentees' own choices leave
     empty, which is what settles Σ priority in a round or two when many mentees want the same mentors.

   The first scan (no potentials yet) ranks by weight (per unit): each mentee's ``k`` best mentors and each
   mentor's ``factor · capacity + 1`` best mentees (``initial_column_factor``).
   A mentor's ranking of mentees does not depend on its own price, which makes the column side a good first guess
   when many mentees want the same mentors (priority is left to the rounds: ranking by it first measured slower).
2. **Sparse solve.** OR-Tools ``SimpleMinCostFlow`` on the candidate arcs. Once pricing has settled (fewer than
   ``settled_rows`` of the mentees violate), the solve takes the reduced costs under the last potentials and
   holds fixed the bypass and capacity arcs they price more than ``fix_factor`` weight ranges out of play:
   the same optimum, without the ``priority · big`` extremes that make OR-Tools' cost scaling slow (measured
   2–4 times faster). Whether the fixing was right is proven in step 3 like any flow; if not, the network is
   solved again as it is.
3. **Potentials.** OR-Tools exposes none. They are shortest-path distances from the sink in the residual graph of
   the optimal flow, computed by a vectorised label-correcting Bellman–Ford in int64 over the residual arc arrays
   (each sweep touches only the arcs leaving nodes whose label just fell; ``_network.py``). The flow is checked
   (capacities, each mentee's supply conserved) and every residual arc is checked to have reduced cost
   ``cost + π(tail) − π(head) ≥ 0``: the certificate that the flow is optimal on the candidate arcs. A mentor
   without arcs takes the sink's potential (its capacity arc is unused: price 0). Nothing here assumes unit
   capacities.
4. **Pricing.** A scan under these potentials; a candidate pair off the network is a violator when its reduced
   cost ``−unit_gain(i, j) + π(i) − π(j)`` is negative (pairs in the network are covered by step 3). None: the
   potentials are feasible for the full network, so the flow is optimal over all candidate pairs. Otherwise the
   picked pairs join. Once settled, if the flow is still optimal with them (label-correcting from the current
   potentials settles quickly: no negative cycle), the new labels are the new potentials and pricing runs again;
   otherwise the network is solved again (step 2), first dropping the arcs without flow priced more than
   ``prune_factor`` weight ranges above zero, but only when the sparse optimum rose since the last pruning.

With a continuity tier (``Instance.keep``) every current pair that is a candidate pair is in the first network
and in every later one: never pruned (and pair arcs are never fixed), so the scans price only pairs without the
tier's bonuses (see :meth:`_Scanner.scan` for why the filter stays rigorous).

Arcs with flow are never pruned, so the sparse optimum never falls; it rises between prunings, and without pruning
the candidates only grow, so the loop ends. After ``max_rounds`` pricing scans, or once the candidates pass
``max_candidate_fraction`` of all candidate pairs, the engine gives up and its caller solves the dense network
instead (exact, heavier), saying why in ``Solution.message`` (``Solution.method`` ``"flow-priced+dense"``).

The knobs named here are the fields of :class:`~mentormatch.solvers.options.PricingOptions`, with the measurements
that set them.

Memory: besides the instance, one block's few arrays (~1 M entries each) and O(candidate pairs) for the network
(OR-Tools ~80 bytes per arc, the arc arrays ~100 bytes), not the dense flow's O(allowed pairs).

Measured on 2 shared cores, each run in a fresh process (``benchmarks/pricing_probe.py``, medians of 3; "before"
is the previous version of this module: each mentee's 8 best mentors first, float64/int64 pricing with a row sort
per pass, ever larger networks solved from scratch). Every pair allowed, workloads 1:

======================================= ====================== ============ ====================================
instance                                flow-priced            before       dense exact peers
======================================= ====================== ============ ====================================
5000 × 1000 structured, tight capacity, 0.23–0.33 s, 2–3       1.6–2.5 s    bare OR-Tools min-cost flow
seeds 0–4                               rounds, +32 MB                      1.5–1.9 s (+0.46 GB); ``flow.solve``
                                                                            2.4–2.7 s; capacity slots with
                                                                            ``lap`` 3.1–4.3 s, scipy 10–15 s
same, uniform costs                     0.16–0.25 s            0.25–0.44 s  bare min-cost flow 2.0–2.3 s
same, correlated costs                  0.67–0.97 s            3.6–6.2 s    bare min-cost flow 2.6–3.0 s
synthetic roster 20000 × 5000 (31 M     3.7 s, 4 rounds,       12.2 s,      ``flow.solve`` 25 s, +2.5 GB
allowed pairs, priorities 1–3)          +75 MB                 +153 MB
======================================= ====================== ============ ====================================

The roster's 3.7 s: ``fit_scaling`` 0.5 s, the first scan 0.5 s, 4 OR-Tools solves 1.4 s (0.5 and 0.75 s before
pricing settled, ~0.2 s each after, with fixed arcs), 3 pricing scans and the last, proving one 0.8 s. With its own
workloads (2037 of 2) the priced transportation relaxation (``relaxation.py``'s bound) takes 3.7 s instead of
10.8 s, with the same bound.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from mentormatch._threads import map_ordered, workers
from mentormatch.problem import Instance, Progress, Solution
from mentormatch.solvers._common import Clock, SolverBug, keep_pairs, optimal_solution
from mentormatch.solvers._network import (
    Classes,
    Network,
    Transport,
    certify_potentials,
    relax_labels,
    sink_potentials,
    solve_arcs,
    unit_gains,  # re-exported: its earlier home
)
from mentormatch.solvers._scaling import INT64_HEADROOM, Scaling, fit_scaling
from mentormatch.solvers.flow import require_unit_loads
from mentormatch.solvers.options import PricingOptions, SolverOptions

__all__ = [
    "solve",
    "priced_transport",
    "unit_gains",
    "Priced",
    "DEFAULT_K",
    "INITIAL_COLUMN_FACTOR",
    "ADD_PER_ROW",
    "NEAR_WINDOW",
    "SETTLED_ROWS",
    "PRUNE_FACTOR",
    "FIX_FACTOR",
    "SAMPLE_STRIDE",
    "SCAN_ENTRIES",
    "EXACT_LIMIT",
    "MAX_ROUNDS",
    "MAX_CANDIDATE_FRACTION",
    "REPAIR_WORK",
    "CERTIFY_WORK",
]

# The defaults of options.PricingOptions, kept under their earlier public names (read them;
# tune a solve with ``run_solver(..., options=SolverOptions(...))``: setting these changes nothing).
DEFAULT_K = PricingOptions().k
INITIAL_COLUMN_FACTOR = PricingOptions().initial_column_factor
ADD_PER_ROW = PricingOptions().add_per_row
NEAR_WINDOW = PricingOptions().near_window
SETTLED_ROWS = PricingOptions().settled_rows
PRUNE_FACTOR = PricingOptions().prune_factor
FIX_FACTOR = PricingOptions().fix_factor
SAMPLE_STRIDE = PricingOptions().sample_stride
SCAN_ENTRIES = PricingOptions().scan_entries
EXACT_LIMIT = PricingOptions().exact_limit
MAX_ROUNDS = PricingOptions().max_rounds
MAX_CANDIDATE_FRACTION = PricingOptions().max_candidate_fraction
REPAIR_WORK = PricingOptions().repair_work
CERTIFY_WORK = PricingOptions().certify_work

NAME = "flow-priced"


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    options: SolverOptions | None = None,
    k: int | None = None,
    max_rounds: int | None = None,
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
    options : SolverOptions, optional
        ``options.pricing`` holds the knobs (:class:`~mentormatch.solvers.options.PricingOptions`); None: the
        defaults.
    k : int, optional
        Candidate mentors per mentee in the first scan (≥ 1); default ``options.pricing.k``.
    max_rounds : int, optional
        Pricing scans before falling back to the dense flow (≥ 1); default ``options.pricing.max_rounds``.

    Returns
    -------
    Solution
        Always ``optimal`` (to the stated weight resolution for float weights), with the same Σ priority and
        Σ integer gain as ``flow.solve``. ``solver`` is ``"flow-priced"``; ``method`` is ``"flow-priced"`` when
        pricing proved the sparse flow, ``"flow-priced+dense"`` when it gave up and the dense flow answered;
        ``stats`` has ``rounds``, ``flow_solves``, ``candidates`` (in the last network) and ``candidate_pairs``
        (all of them); ``message`` says the same in words, or why pricing gave up.

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
    >>> sol.mentor_of.tolist(), sol.priority_sum, round(sol.objective, 6), sol.solver, sol.method
    ([1, 0, -1], 4, 1.0, 'flow-priced', 'flow-priced')
    """
    del time_limit, seed
    knobs = (options or SolverOptions()).pricing
    k = knobs.k if k is None else k
    max_rounds = knobs.max_rounds if max_rounds is None else max_rounds
    if k < 1 or max_rounds < 1:
        raise ValueError(f"{NAME}: k and max_rounds must be ≥ 1, got k={k!r}, max_rounds={max_rounds!r}")
    require_unit_loads(NAME, instance)
    clock = Clock(progress)
    scaling = fit_scaling(instance)
    priced = priced_transport(instance, scaling, clock=clock, label=NAME, options=knobs, k=k, max_rounds=max_rounds)
    if priced.flow is None:
        return _fallback(instance, clock, priced, progress)
    return _solution(instance, scaling, priced.flow, clock, priced)


@dataclass(frozen=True)
class Priced:
    """What :func:`priced_transport` found: the optimal transport proven by pricing, or ``None`` when it gave up.

    ``message`` says how it was proven (rounds, flow solves, candidate pairs) or why it gave up; ``candidates``
    is the number of candidate pairs in the final network, ``rounds`` the pricing scans made, ``solves`` the
    flow solves and ``total`` the number of all candidate pairs.
    """

    flow: Transport | None
    message: str
    candidates: int
    rounds: int = 0
    solves: int = 0
    total: int = 0
    pairs: tuple[np.ndarray, np.ndarray] | None = None
    """The candidate pairs ``(rows, cols)`` of the final network (proven or not) and, when proven, the last scan's
    picks (each mentee's pairs just short of violating): a small set that holds the optimum and its near-optimal
    alternatives, on which ``dive.py`` re-solves."""

    @property
    def stats(self) -> Mapping[str, int]:
        """``rounds``, ``flow_solves``, ``candidates`` and ``candidate_pairs``, as ``Solution.stats`` reports them."""
        return {
            "rounds": self.rounds,
            "flow_solves": self.solves,
            "candidates": self.candidates,
            "candidate_pairs": self.total,
        }


def priced_transport(
    instance: Instance,
    scaling: Scaling,
    multiplier: int = 1,
    *,
    clock: Clock,
    label: str,
    options: PricingOptions | None = None,
    k: int | None = None,
    max_rounds: int | None = None,
    classes: Classes | None = None,
    near: tuple[int, float] | None = None,
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
    options : PricingOptions, optional
        The knobs; None: the defaults.
    k, max_rounds : int, optional
        Candidate mentors per mentee in the first scan; pricing scans before giving up (default: ``options``').
    classes : Classes, optional
        Route each workload class's pair arcs through its class nodes (``_network.Classes``: the strengthened
        relaxation). A pair (i, j) of class ``c`` then prices against the potential of its class node ``(c, j)``
        instead of mentor j's; a class node outside the network prices as its mentor (the lowest potential its
        empty arc to the mentor allows, see ``Classes.column_potentials``), so a scan without violators still proves
        the flow optimal over every candidate pair and every class arc.
    near : (k, window), optional
        Once proven, one more scan picks each mentee's ``k`` best pairs priced within ``window`` weight ranges of
        zero, returned in ``pairs`` beside the network's (for ``dive.py``: where a case displaced by a fixed one
        can go).

    Returns
    -------
    Priced
        ``flow`` holds every pair arc with flow and the exact optimum ``gain`` (the negated cost), like
        ``flow.transport``; ``None`` after ``max_rounds`` scans or when the candidates grow past
        ``options.max_candidate_fraction`` of all candidate pairs (``message`` says which).
    """
    options = PricingOptions() if options is None else options
    k = options.k if k is None else k
    max_rounds = options.max_rounds if max_rounds is None else max_rounds
    model = _Model(
        instance=instance,
        scaling=scaling,
        multiplier=int(multiplier),
        label=label,
        in_play=np.zeros(instance.shape[0], dtype=bool),
        options=options,
        classes=classes,
    )
    scanner = _Scanner(model)
    clock.stage(f"{label}: choosing candidates (k={k})")
    first = scanner.initial(k)
    model.in_play[:] = first.in_play
    total_pairs = first.total
    rows, cols = _with_current_pairs(instance, first.rows, first.cols)
    clock.stage(f"{label}: solving the flow on {rows.size} of {total_pairs} candidate pairs")
    sparse = _solve_sparse(model, rows, cols)
    solves, settled, pruned_at = 1, False, None
    for round_ in range(1, max_rounds + 1):
        clock.stage(f"{label}: round {round_}: pricing")
        found = scanner.scan(sparse, settled)
        count = f"{'at most ' if found.approximate else ''}{found.violators}"
        clock.stage(f"{label}: round {round_}: {count} pairs with negative reduced cost")
        if found.violators == 0:
            if near is not None:
                wide = dataclasses.replace(options, add_per_row=(near[0],) * 2, near_window=(near[1],) * 2)
                scanner.model = dataclasses.replace(model, options=wide)
                found = scanner.scan(sparse, True)
                scanner.model = model
            message = (
                f"proven optimal by pricing: {_count(round_, 'round')}, {_count(solves, 'flow solve')}, "
                f"{sparse.rows.size} of {total_pairs} candidate pairs"
            )
            return Priced(
                flow=sparse.transport(),
                message=message,
                candidates=sparse.rows.size,
                rounds=round_,
                solves=solves,
                total=total_pairs,
                # the network's pairs and the last scan's picks: the pairs just short of violating
                pairs=(np.concatenate([sparse.rows, found.rows]), np.concatenate([sparse.cols, found.cols])),
            )
        if round_ == max_rounds:
            reason = f"pricing did not settle in {_count(max_rounds, 'round')}"
            break
        size = sparse.rows.size + found.rows.size
        if size > options.max_candidate_fraction * total_pairs:
            reason = f"the candidates grew to {size} of {total_pairs} pairs in {_count(round_, 'round')}"
            break
        settled = found.violating_rows < options.settled_rows * max(1, int(model.in_play.sum()))
        kept = _extend(model, sparse, found.rows, found.cols) if settled else None
        if kept is not None:
            sparse = kept
            clock.stage(f"{label}: round {round_}: the flow stays optimal on {size} candidate pairs")
            continue
        rows, cols = np.concatenate([sparse.rows, found.rows]), np.concatenate([sparse.cols, found.cols])
        if settled and (pruned_at is None or sparse.gain > pruned_at):
            pruned_at = sparse.gain
            keep = np.concatenate(
                [
                    _keep_after_pruning(sparse, options.prune_factor * scanner.unit)
                    | _current(instance, sparse.rows, sparse.cols),
                    np.ones(found.rows.size, dtype=bool),
                ]
            )
            rows, cols = rows[keep], cols[keep]
        clock.stage(f"{label}: round {round_}: solving the flow on {rows.size} candidate pairs")
        sparse = _solve_sparse(
            model,
            rows,
            cols,
            guide=model.guide(sparse) if settled else None,
            fix_margin=options.fix_factor * scanner.unit,
        )
        solves += 1
    return Priced(
        flow=None,
        message=reason,
        candidates=sparse.rows.size,
        rounds=round_,
        solves=solves,
        total=total_pairs,
        pairs=(sparse.rows, sparse.cols),
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _with_current_pairs(instance: Instance, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs ``(rows, cols)`` together with every current pair that is a candidate pair (the
    continuity tier's; none without it), unique, row-major, int32.

    Current pairs are in every network and never pruned: the scans leave pairs in the network out, and the
    float32 filter's error bound (:meth:`_Scanner.scan`) holds for pairs without the tier's bonuses only.
    """
    current_rows, current_cols, _ = keep_pairs(instance)
    if current_rows.size == 0:
        return rows, cols
    m = instance.shape[1]
    keys = np.unique(np.concatenate([rows.astype(np.int64) * m + cols, current_rows * m + current_cols]))
    return (keys // m).astype(np.int32), (keys % m).astype(np.int32)


def _on_current_pair(instance: Instance, sparse: _Sparse) -> np.ndarray:
    """(n,) bool: the mentees whose flow in ``sparse`` runs on their current pair."""
    pairs = sparse.rows.size
    used = np.flatnonzero(sparse.network.flow[:pairs] > 0)
    rows, cols = sparse.rows[used], sparse.cols[used]
    on = np.zeros(instance.shape[0], dtype=bool)
    on[rows[_current(instance, rows, cols)]] = True
    return on


def _current(instance: Instance, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Which pairs ``(rows, cols)`` are current pairs (bool; all False without a continuity tier)."""
    if instance.keep is None:
        return np.zeros(rows.size, dtype=bool)
    current: np.ndarray = instance.keep[rows] == cols
    return current


@dataclass(frozen=True)
class _Model:
    """The transport being priced: the instance, its scaling, ``L``, the caller's label, which mentees have a
    candidate pair at all (``in_play``), and the knobs."""

    instance: Instance
    scaling: Scaling
    multiplier: int
    label: str
    in_play: np.ndarray
    options: PricingOptions = field(default_factory=PricingOptions)
    classes: Classes | None = None

    def gains(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return unit_gains(self.instance, self.scaling, self.multiplier, rows, cols)

    @property
    def sink(self) -> int:
        n, m = self.instance.shape
        return n + m if self.classes is None else self.classes.sink

    @property
    def num_nodes(self) -> int:
        return self.sink + 1

    def head(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The head node (int64) of each pair arc: mentor j, or the pair's class node at j."""
        if self.classes is None:
            return cols.astype(np.int64) + self.instance.shape[0]
        return self.classes.head(rows, cols)

    def column_potentials(self, sparse: _Sparse) -> np.ndarray:
        """(C + 1, m) int64: the potential each class's pairs meet at each mentor (``Classes.column_potentials``;
        one row, the mentors' own, without classes)."""
        n, m = self.instance.shape
        potential = sparse.potential
        if self.classes is None:
            return potential[None, n : n + m]
        network = sparse.network
        tails = network.tail[sparse.rows.size :]
        first = n + m
        nodes = tails[(tails >= first) & (tails < self.sink)] - first
        present = np.zeros(self.classes.count * m, dtype=bool)
        present[nodes] = True
        return self.classes.column_potentials(potential, present.reshape(self.classes.count, m))

    def guide(self, sparse: _Sparse) -> np.ndarray:
        """``sparse``'s potentials as a guide for the next solve, with each class node outside its network at its
        mentor's potential (as :meth:`column_potentials` prices it), not at the sink's 0 of a node without arcs."""
        if self.classes is None:
            return sparse.potential
        n, m = self.instance.shape
        guide = sparse.potential.copy()
        first = n + m
        guide[first : self.sink] = self.column_potentials(sparse)[1:].ravel()
        return guide

    def class_index(self, rows: np.ndarray | slice) -> np.ndarray:
        """Row of :meth:`column_potentials` for each mentee of ``rows`` (0: no class)."""
        if self.classes is None:
            return np.zeros(np.arange(self.instance.shape[0])[rows].size, np.int64)
        index: np.ndarray = self.classes.of_row[rows] + 1
        return index

    @property
    def max_unit_gain(self) -> int:
        """A bound on every |per-unit gain| (``⌈g · L / load⌉ ≤ g · L``)."""
        return self.scaling.max_gain * self.multiplier


# ---------------------------------------------------------------------------------------------------------------
# Step 1 and 4: scans over every candidate pair.


@dataclass
class _Block:
    """What a scan found in one block of rows (``_Scanner.scan``), merged in row order."""

    part: _Part
    column_parts: list[_Part]
    violators: int = 0
    violating_rows: int = 0
    approximate: bool = False
    forced: np.ndarray | None = None


@dataclass(frozen=True)
class _Found:
    """What a scan found: new candidate pairs ``(rows, cols)`` (int32, unique, row-major, none already in the
    network), the number of violators (exact unless ``approximate``: then an upper bound) and of mentees with
    one. The first scan also reports ``in_play`` (mentees with a candidate pair) and ``total`` candidate pairs."""

    rows: np.ndarray
    cols: np.ndarray
    violators: int = 0
    violating_rows: int = 0
    approximate: bool = False
    in_play: np.ndarray | None = None
    total: int = 0


class _Scanner:
    """Passes over the (n, m) weights in row blocks (steps 1 and 4 of the module docstring).

    Set up once per transport: which pairs are candidates (``allowed``, and ``load[i] ≤ capacity[j]``, folded into
    the column terms when that only excludes whole mentors), the per-row factor ``f = L / load``, and, after the
    first scan, the weight range (``unit``, in integer-weight units) that scales the windows, pruning and fixing.
    """

    def __init__(self, model: _Model) -> None:
        instance, scaling = model.instance, model.scaling
        self.model = model
        self.n, self.m = n, m = instance.shape
        self.weights = instance.weights
        self.allowed = instance.allowed
        self.load = instance.load.astype(np.int64)
        self.capacity = instance.capacity.astype(np.int64)
        self.factor = model.multiplier / self.load.astype(np.float64)
        self.scaled_rows = bool(np.any(self.factor != 1.0))
        # |w| ≤ weight_limit / scale on every candidate pair (integer weights: 10**6 / 1), with 1 % to spare.
        self.w_max = 1.01 * scaling.weight_limit / scaling.scale
        # Gain units per unit of y (weight units): one unit of w is worth scale · weight_multiplier.
        self.y_scale = scaling.scale * scaling.weight_multiplier
        smallest = int(self.load.min()) if n else 1
        self.usable = self.capacity >= smallest  # mentors that can hold some mentee
        # A per-pair mask is needed only when a pair is forbidden or some usable mentor cannot hold some load.
        self.fits_all = n == 0 or not self.usable.any() or int(self.load.max()) <= int(self.capacity[self.usable].min())
        self.all_allowed = bool(self.allowed.all())
        self.dtype: type = np.float32
        self.stride = model.options.sample_stride
        self.step = max(1, model.options.scan_entries // max(m, 1))
        self.threads = workers(n * m)  # blocks of a scan run on this many threads (results merged in row order)
        self.one_each = np.ones(n, np.int64)
        self.unit = 1.0
        self.row_class = model.class_index(slice(None))

    def _float32_range(self) -> bool:
        """Whether weights are large enough for float32: the filter's error bounds are relative, so the weight
        range must lie far above float32's underflow (2**-126), where rounding is no longer relative."""
        return self.w_max > 2.0**-90

    def _mask(self, rows: slice, cols: slice | np.ndarray = slice(None)) -> np.ndarray | None:
        """Candidate pairs among ``rows`` × ``cols`` (bool), or None when every pair with a usable mentor is one."""
        if self.all_allowed and self.fits_all:
            return None
        mask = self.allowed[rows][:, cols]
        if not self.fits_all:
            mask = mask & (self.load[rows][:, None] <= self.capacity[cols][None, :])
        return mask

    def _values(
        self, rows: slice, col_term: np.ndarray, row_term: np.ndarray, cols: slice | np.ndarray = slice(None)
    ) -> np.ndarray:
        """``y = w · f + col_term − row_term`` in the working type for ``rows`` × ``cols`` (a fresh array).

        Off the candidate pairs ``y`` is meaningless (forbidden pairs may hold NaN or ±inf): every use ANDs the
        mask into its comparison or masks the few values it reads.
        """
        block = self.weights[rows][:, cols]
        # One column term for every row, or (with class nodes) one row of terms per class, gathered per mentee.
        term = col_term[cols][None, :] if col_term.ndim == 1 else col_term[self.row_class[rows]][:, cols]
        with np.errstate(invalid="ignore", over="ignore"):
            if block.dtype == self.dtype and not self.scaled_rows:
                y = np.add(block, term)
            else:
                y = block.astype(self.dtype)
                if self.scaled_rows:
                    y *= self.factor[rows][:, None].astype(self.dtype)
                y += term
            y -= row_term[rows][:, None]
        values: np.ndarray = y
        return values

    def _masked(self, values: np.ndarray, rows: slice, cols: slice | np.ndarray) -> np.ndarray:
        """``values`` (of ``rows`` × ``cols``) with ``−inf`` off the candidate pairs."""
        mask = self._mask(rows, cols)
        return values if mask is None else np.where(mask, values, self.dtype(-np.inf))

    def _columns(self, picks: _Picks, want: np.ndarray, col_term: np.ndarray, row_term: np.ndarray) -> None:
        """Give ``picks`` its column side, wanting ``want[j]`` rows of column ``j``, with thresholds from every
        ``sample_stride``-th row."""
        columns = np.flatnonzero(want > 0)
        if columns.size:
            rows = slice(0, self.n, self.stride)
            picks.set_columns(want, self._masked(self._values(rows, col_term, row_term, columns), rows, columns))

    def initial(self, k: int) -> _Found:
        """The first scan, by per-unit weight ``w · f``: each mentee's ``k`` best mentors and each mentor's
        ``factor · capacity + 1`` best mentees (``initial_column_factor``; capacity in units of the smallest
        load); also which mentees have a candidate pair, how many pairs there are, and the weight range (sampled)."""
        n, m = self.n, self.m
        in_play = np.zeros(n, dtype=bool)
        if n == 0 or m == 0:
            return _Found(rows=np.zeros(0, np.int32), cols=np.zeros(0, np.int32), in_play=in_play)
        largest = self.w_max * float(self.factor.max())
        self.dtype = np.float32 if largest < 2.0**100 and self._float32_range() else np.float64
        col_term = np.where(self.usable, 0.0, -np.inf).astype(self.dtype)
        row_term = np.zeros(n, self.dtype)
        levels = np.unique(self.model.instance.priority.astype(np.float64) * self.factor).size
        factor = self.model.options.initial_column_factor[0 if levels == 1 else 1]
        want = np.where(self.usable, factor * -(-self.capacity // self.load.min()) + 1, 0)
        picks = _Picks(k=k, floor=float(np.finfo(self.dtype).min), stride=self.stride)
        self._columns(picks, want, col_term, row_term)
        unusable = np.flatnonzero(~self.usable)

        def block(r0: int) -> tuple[np.ndarray, float, float, _Part, list[_Part]]:
            rows = slice(r0, min(n, r0 + self.step))
            mask = self._mask(rows)
            if mask is None:
                counts = np.full(rows.stop - r0, m - unusable.size)
            else:
                counts = np.count_nonzero(mask, axis=1) - np.count_nonzero(mask[:, unusable], axis=1)
            sample = (slice(r0, rows.stop, self.stride), slice(None, None, self.stride))
            values = self._masked(self.weights[sample].astype(np.float64), sample[0], sample[1])
            values = values[np.isfinite(values) & self.usable[sample[1]][None, :]]
            low = float(values.min()) if values.size else np.inf
            high = float(values.max()) if values.size else -np.inf
            return (counts, low, high, *picks.pick(r0, self._values(rows, col_term, row_term), mask))

        total = 0
        low, high = np.inf, -np.inf
        for r0, (counts, block_low, block_high, part, column_parts) in zip(
            range(0, n, self.step), map_ordered(block, range(0, n, self.step), self.threads), strict=True
        ):
            total += int(counts.sum())
            in_play[r0 : r0 + counts.size] = counts > 0
            low, high = min(low, block_low), max(high, block_high)
            picks.collect(part, column_parts)
        if high > low:
            self.unit = (high - low) * self.y_scale
        rows, cols = picks.result(n, m)
        return _Found(rows=rows, cols=cols, in_play=in_play, total=total)

    def scan(self, sparse: _Sparse, settled: bool) -> _Found:
        """Price every candidate pair under ``sparse``'s potentials (step 4) and pick new candidates (step 1).

        The float32 filter is rigorous. With ``f = L / load[i]`` the per-unit gain of a pair that is no current
        pair is ``U = ⌈(p[i] · big + w_int · M) · f⌉ < (p[i] · big + (w · s + 1/2) · M) · f + 1`` (``s`` the
        scale, ``w_int = rint(w · s)``, ``M`` the weight multiplier, 1 without a continuity tier), so a violator
        (``U + π(j) − π(i) ≥ 1``) has ``w · f + a[j] − b[i] > 0`` with ``a[j] = (π(j) − c) / (s · M)`` and
        ``b[i] = (π(i) − p[i] · big · f − M · f / 2 − c) / (s · M)`` for any centre ``c``.
        That sum computed in float32 (terms rounded to float32, then three roundings) errs by less than
        ``2**-22 · (|w · f| + |a[j]| + |b[i]|)``; raising ``a[j]`` by ``2**-21 · |a[j]|`` and lowering ``b[i]`` by
        ``2**-21 · (|b[i]| + w_max · f)`` (and by the float64 error of forming ``b``) absorbs it, so every violator
        has float32 ``y > 0``. Flagged pairs are then priced exactly in int64.

        Current pairs (the continuity tier's, whose gains carry the kept and locked bonuses) are always in the
        network and so never scanned: the bound above is only needed, and only holds, for the other pairs. The
        bonuses still reach the scan through the potentials: a mentee kept on its current pair has ``π(i)`` about
        a bonus higher, hence a huge ``b[i]`` and ``y`` far below zero on its other pairs (which do price far
        above zero). The error terms are relative, so they stay rigorous at any magnitude; where large ``a[j]``
        and ``b[i]`` nearly cancel, the filter only flags more pairs for exact pricing. So that they do not, the
        centre ``c`` is the median over the mentees *not* kept on their current pair: with most mentees kept (and
        K above Σ priority) a median over all of them sits a bonus away from the mentors' potentials, and the
        filter then flagged most pairs (measured 10 s instead of 1 s per scan at 20000 × 5000).
        """
        model, scaling = self.model, self.model.scaling
        n, m = self.n, self.m
        potential = sparse.potential
        empty = np.zeros(0, np.int32)
        if n == 0 or m == 0:
            return _Found(rows=empty, cols=empty)
        in_play = model.in_play
        centred = in_play & ~_on_current_pair(model.instance, sparse) if scaling.keep_tier is not None else in_play
        if not centred.any():
            centred = in_play
        priority = model.instance.priority.astype(np.int64)
        if np.all(self.factor == np.rint(self.factor)):  # π(i) − p · big · f exact in int64
            row_int = potential[:n] - priority * scaling.big * self.factor.astype(np.int64)
            centre = int(np.median(row_int[centred])) if centred.any() else 0
            row = (row_int - centre).astype(np.float64)
            row_error = np.abs(row) * 2.0**-52
        else:
            centre = int(np.median(potential[:n][centred])) if centred.any() else 0
            big_part = priority * float(scaling.big) * self.factor
            row = (potential[:n] - centre).astype(np.float64) - big_part
            row_error = (np.abs(row) + big_part) * 2.0**-50
        half = scaling.weight_multiplier * self.factor / 2.0
        row = (row - half) / self.y_scale
        row = row - (np.abs(row) + self.w_max * self.factor) * 2.0**-21 - row_error / self.y_scale
        # The potential each pair meets at its head: mentor j's, or (class nodes) its class node's at j.
        column_potential = model.column_potentials(sparse)
        col = (column_potential - centre).astype(np.float64) / self.y_scale
        col = col + np.abs(col) * 2.0**-21
        if col.shape[0] == 1:
            col = col[0]
        largest = max(np.abs(col).max(), np.abs(row[in_play]).max(initial=0.0), self.w_max * self.factor.max())
        self.dtype = np.float32 if largest < 2.0**100 and self._float32_range() else np.float64
        col_term = np.where(self.usable, col, -np.inf).astype(self.dtype)
        row_term = np.where(in_play, row, np.inf).astype(self.dtype)

        # Pairs in the network are not priced: without flow they are certified (reduced cost ≥ 0), with flow their
        # forward arc is full or certified.
        order = np.argsort(sparse.rows, kind="stable")
        net_rows, net_cols = sparse.rows[order].astype(np.int64), sparse.cols[order].astype(np.int64)
        # The column side: a mentor with room left takes about twice its room in rows, plus its share of twice the
        # units left unmatched.
        spare = self._spare(sparse)
        share = -(-2 * self._unplaced(sparse) // max(1, int(np.count_nonzero(spare))))
        options = model.options
        picks = _Picks(
            k=options.add_per_row[settled],
            floor=-options.near_window[settled] * self.unit / self.y_scale,
            stride=self.stride,
        )
        self._columns(picks, np.where(spare > 0, 2 * spare + 2 + share, 0), col_term, row_term)

        def block(r0: int) -> _Block:
            r1 = min(n, r0 + self.step)
            y = self._values(slice(r0, r1), col_term, row_term)
            mask = self._mask(slice(r0, r1))
            lo, hi = np.searchsorted(net_rows, [r0, r1])
            y[net_rows[lo:hi] - r0, net_cols[lo:hi]] = -np.inf
            with np.errstate(invalid="ignore"):
                flagged = y > 0
            if mask is not None:
                flagged &= mask
            count = int(np.count_nonzero(flagged))
            part, column_parts = picks.pick(r0, y, mask)
            found = _Block(part, column_parts)
            if count == 0:
                return found
            rows, cols, values = part
            # The row side's entries above zero are flagged, and hold each flagged row's largest entry; often they
            # are all of them. Beyond ``exact_limit``, a violator among them settles that there are violators, and the
            # filter's count (an upper bound) is reported.
            above = values > 0
            if count > options.exact_limit or np.count_nonzero(above) == count:
                rows, cols = rows[above], cols[above]
            else:
                rows, cols = _where(flagged)
                rows = rows + r0
            slack = model.gains(rows, cols) + column_potential[self.row_class[rows], cols] - potential[rows]
            exact = slack > 0
            if count > options.exact_limit and exact.any():
                found.approximate = True
                found.violators = count
                found.violating_rows = int(np.count_nonzero(flagged.any(axis=1)))
            else:
                if count > options.exact_limit:  # no violator among them: price every flagged pair
                    rows, cols = _where(flagged)
                    rows = rows + r0
                    slack = model.gains(rows, cols) + column_potential[self.row_class[rows], cols] - potential[rows]
                    exact = slack > 0
                found.violators = int(np.count_nonzero(exact))
                found.violating_rows = np.unique(rows[exact]).size
            if exact.any():  # each violating row's largest exact violator joins whatever the float32 ranking says
                found.forced = _best_per_group(rows[exact], cols[exact], slack[exact], rows[exact], self.one_each, m)
            return found

        violators = violating_rows = 0
        approximate = False
        for found in map_ordered(block, range(0, n, self.step), self.threads):
            picks.collect(found.part, found.column_parts)
            if found.forced is not None:
                picks.force(found.forced)
            violators += found.violators
            violating_rows += found.violating_rows
            approximate |= found.approximate
        rows, cols = picks.result(n, m)
        return _Found(rows=rows, cols=cols, violators=violators, violating_rows=violating_rows, approximate=approximate)

    def _unplaced(self, sparse: _Sparse) -> int:
        """Units that ``sparse``'s flow sends through bypass arcs (mentees left unmatched)."""
        network = sparse.network
        bypass = (network.head == self.model.sink) & (network.tail < self.n)
        return int(network.flow[bypass].sum())

    def _spare(self, sparse: _Sparse) -> np.ndarray:
        """Units of capacity each usable mentor has left in ``sparse``'s flow."""
        m = self.m
        network = sparse.network
        pairs = sparse.rows.size
        used = np.bincount(sparse.cols, weights=network.flow[:pairs], minlength=m).astype(np.int64)
        return np.where(self.usable, np.maximum(self.capacity - used, 0), 0)


_Part = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Picks of one block: absolute rows, columns and values."""


class _Picks:
    """New candidate pairs collected over the blocks of one scan (step 1 of the module docstring).

    Row side: each row's ``k`` largest ``y`` at or above ``floor``; a row with many such entries (judged from every
    ``stride``-th one, ``PricingOptions.sample_stride``) is first cut at the smaller of the maxima of two disjoint
    strided samples (about ``2 · stride`` entries lie above it), so no row is ever sorted.
    Column side (:meth:`set_columns`): each column ``j`` with ``want[j] > 0`` takes its ``want[j]`` largest ``y``,
    looked for among the entries at or above a threshold set from every ``stride``-th row. Blocks hold ``−inf``
    where a pair is not a new candidate.
    """

    def __init__(self, k: int, floor: float, stride: int) -> None:
        self.k = k
        self.floor = floor
        self.stride = stride
        self.want = np.zeros(0, np.int64)
        self.columns = np.zeros(0, np.int64)
        self.threshold = np.zeros(0)
        self.parts: list[_Part] = []
        self.column_parts: list[_Part] = []
        self.forced: list[np.ndarray] = []

    def set_columns(self, want: np.ndarray, sample: np.ndarray) -> None:
        """The column side: ``want[j]`` rows of column ``j``. ``sample`` is ``y`` of every ``stride``-th row
        at the columns with ``want > 0``; each threshold is the ``⌈2 · want / stride⌉``-th largest sampled
        value (at least ``floor``), with about ``2 · want`` entries of the full column above it."""
        columns = np.flatnonzero(want > 0)
        if columns.size == 0 or sample.shape[0] == 0:
            return
        rank = np.minimum(-(-2 * want[columns] // self.stride), sample.shape[0])
        depth = int(rank.max())
        top = -np.partition(-sample, depth - 1, axis=0)[:depth] if depth < sample.shape[0] else sample
        top = -np.sort(-top, axis=0)
        self.want, self.columns = want, columns
        self.threshold = np.full(want.size, np.inf)
        self.threshold[columns] = np.maximum(top[rank - 1, np.arange(columns.size)].astype(np.float64), self.floor)

    def add(self, r0: int, y: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Collect the picks of the block ``y`` whose first row is ``r0`` (``mask``: its candidate pairs, None for
        all); return the row side's entries of the block (absolute rows, columns, values), which hold each row's
        largest entry whenever that is above the floor."""
        part, column_parts = self.pick(r0, y, mask)
        self.collect(part, column_parts)
        return part

    def collect(self, part: _Part, column_parts: list[_Part]) -> None:
        """Keep one block's picks (:meth:`pick`); blocks are collected in row order, so ties break the same way
        whichever thread picked them."""
        self.parts.append(part)
        self.column_parts.extend(column_parts)

    def pick(self, r0: int, y: np.ndarray, mask: np.ndarray | None) -> tuple[_Part, list[_Part]]:
        """The picks of one block, without keeping them (safe on several threads at once once the column side is
        set): the row side's entries and the column side's."""
        column_parts: list[_Part] = []
        stride = self.stride
        half = stride // 2
        kind = y.dtype.type
        with np.errstate(invalid="ignore"):
            samples = []
            for start in (0, half):
                sample = y[:, start::stride]
                if mask is not None:
                    sample = np.where(mask[:, start::stride], sample, kind(-np.inf))
                samples.append(sample)
            cut = np.full(y.shape[0], self.floor)
            crowded = sum(np.count_nonzero(sample >= self.floor, axis=1) for sample in samples) * half > 2 * self.k
            # The smaller of two disjoint samples' maxima: about 2 · stride entries of the row lie above it.
            highest = np.minimum(*(sample[crowded].max(axis=1, initial=-np.inf) for sample in samples))
            cut[crowded] = np.maximum(cut[crowded], highest)
            cut = cut.astype(kind)
            # A column side over many columns shares one extraction with the row side: entries at or above the
            # row's cut or the column's threshold. Over a few columns it looks at those columns only.
            wide = 4 * self.columns.size > y.shape[1]
            taken = y >= np.minimum(cut[:, None], self.threshold.astype(kind)[None, :]) if wide else y >= cut[:, None]
            if mask is not None:
                taken &= mask
            rows, cols = _where(taken)
            values = y[rows, cols]
            rows = rows + r0
            if wide:
                by_column = values >= self.threshold[cols]
                column_parts.append((rows[by_column], cols[by_column], values[by_column].astype(float)))
                by_row = values >= cut[rows - r0]
                rows, cols, values = rows[by_row], cols[by_row], values[by_row]
            part = (rows, cols, values.astype(float))
            if self.columns.size and not wide:
                sub = y[:, self.columns]
                hits = sub >= self.threshold[self.columns].astype(kind)[None, :]
                if mask is not None:
                    hits &= mask[:, self.columns]
                hit_rows, at = _where(hits)
                column_parts.append((hit_rows + r0, self.columns[at], sub[hit_rows, at].astype(float)))
        return part, column_parts

    def force(self, keys: np.ndarray) -> None:
        """Pairs (keys ``row · m + col``) that join whatever their rank."""
        self.forced.append(keys)

    def result(self, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
        """The picks as unique int32 ``(rows, cols)`` in row-major order."""
        keys = list(self.forced)
        if self.parts:
            rows, cols, values = (np.concatenate(part) for part in zip(*self.parts, strict=True))
            keys.append(_best_per_group(rows, cols, values, rows, np.full(n, self.k, np.int64), m))
        if self.column_parts:
            rows, cols, values = (np.concatenate(part) for part in zip(*self.column_parts, strict=True))
            keys.append(_best_per_group(rows, cols, values, cols, self.want, m))
        if not keys:
            return np.zeros(0, np.int32), np.zeros(0, np.int32)
        unique = np.unique(np.concatenate(keys))
        return (unique // m).astype(np.int32), (unique % m).astype(np.int32)


def _where(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a C-contiguous 2-D bool block, by its flat indices (several times faster)."""
    return np.divmod(np.flatnonzero(block), block.shape[1])


def _best_per_group(
    rows: np.ndarray, cols: np.ndarray, values: np.ndarray, group: np.ndarray, limit: np.ndarray, m: int
) -> np.ndarray:
    """Keys ``row · m + col`` of the ``limit[g]`` largest values in each group ``g`` (ties by position)."""
    order = np.lexsort((-values, group))
    group = group[order]
    start = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    rank = np.arange(group.size) - np.repeat(start, np.diff(np.r_[start, group.size]))
    keep = order[rank < limit[group]]
    keys: np.ndarray = rows[keep].astype(np.int64) * m + cols[keep]
    return keys


# ---------------------------------------------------------------------------------------------------------------
# Steps 2 and 3: the sparse min-cost flow, its potentials, and its repair when arcs are added.


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
    network: Network
    gain: int
    potential: np.ndarray

    def transport(self) -> Transport:
        """The pair arcs with flow, as ``flow.transport`` reports them."""
        units = self.network.flow[: self.rows.size]
        used = np.flatnonzero(units > 0)
        return Transport(
            rows=self.rows[used].astype(np.int64),
            cols=self.cols[used].astype(np.int64),
            units=units[used].copy(),
            gain=self.gain,
        )


def _keep_after_pruning(sparse: _Sparse, limit: float) -> np.ndarray:
    """Which of ``sparse``'s pair arcs stay: those with flow, and those priced at most ``limit`` above zero."""
    network, potential = sparse.network, sparse.potential
    pairs = sparse.rows.size
    reduced = network.cost[:pairs] + potential[network.tail[:pairs]] - potential[network.head[:pairs]]
    kept: np.ndarray = (network.flow[:pairs] > 0) | (reduced <= limit)
    return kept


def _solve_sparse(
    model: _Model, rows: np.ndarray, cols: np.ndarray, guide: np.ndarray | None = None, fix_margin: float = 0.0
) -> _Sparse:
    """Solve the network over the candidate pairs ``(rows, cols)`` with OR-Tools; potentials from its residual
    graph by label-correcting from the sink.

    With ``guide`` (potentials of an earlier network), OR-Tools gets the reduced costs and the arcs fixed that
    ``guide`` prices more than ``fix_margin`` out of play (step 2 of the module docstring); when the certificate
    then fails, the network is solved again as it is.
    """
    instance, label = model.instance, model.label
    n, m = instance.shape
    sink = model.sink
    num_nodes = model.num_nodes
    load = instance.load.astype(np.int64)
    mentees = np.unique(rows)
    mentors = np.unique(cols)
    total = int(load[mentees].sum())
    if model.max_unit_gain * max(num_nodes + 1, total) >= INT64_HEADROOM:
        raise ValueError(
            f"{label}: gains up to {model.max_unit_gain} on {num_nodes} nodes exceed OR-Tools' int64 "
            f"cost range; use smaller priority values or fewer mentees"
        )
    # Pair arcs, bypass arcs, capacity arcs, then (class nodes) class node → mentor arcs.
    c_tail, c_head, c_cap = (
        (np.zeros(0, np.int64),) * 3
        if model.classes is None
        else model.classes.arcs(model.classes.used(rows, cols), instance.capacity, total)
    )
    tail = np.concatenate([rows, mentees, mentors + n, c_tail]).astype(np.int64)
    head = np.concatenate(
        [model.head(rows, cols), np.full(mentees.size, sink), np.full(mentors.size, sink), c_head]
    ).astype(np.int64)
    capacity = np.concatenate(
        [load[rows], load[mentees], np.minimum(instance.capacity[mentors], total).astype(np.int64), c_cap]
    )
    cost = np.concatenate([-model.gains(rows, cols), np.zeros(mentees.size + mentors.size + c_tail.size, np.int64)])
    supply = np.zeros(num_nodes, np.int64)
    supply[mentees] = load[mentees]
    supply[sink] = -total
    if guide is not None and tail.size:
        flow = _fixed_flow(tail, head, capacity, cost, supply, guide, fix_margin, rows.size, label)
        if flow is not None:
            arcs = Network(tail=tail, head=head, capacity=capacity, cost=cost, flow=flow)
            sparse = _certify_flow(model, rows, cols, arcs, max_work=model.options.certify_work * arcs.tail.size + 64)
            if sparse is not None:
                return sparse
    flow = solve_arcs(tail, head, capacity, cost, supply, label)
    assert flow is not None  # strict: an error rather than None
    arcs = Network(tail=tail, head=head, capacity=capacity, cost=cost, flow=flow)
    sparse = _certify_flow(model, rows, cols, arcs)
    if sparse is None:
        raise SolverBug(f"{label}: the residual graph has a negative cycle; the sparse flow is not optimal")
    return sparse


def _fixed_flow(
    tail: np.ndarray,
    head: np.ndarray,
    capacity: np.ndarray,
    cost: np.ndarray,
    supply: np.ndarray,
    guide: np.ndarray,
    margin: float,
    pairs: int,
    label: str,
) -> np.ndarray | None:
    """An optimal flow of the network with reduced costs under ``guide`` and bypass arcs priced above ``margin``
    held empty, capacity arcs priced below ``−margin`` held full; None when OR-Tools refuses it."""
    reduced = cost + guide[tail] - guide[head]
    others = np.arange(tail.size) >= pairs
    empty = others & (reduced > margin)
    full = others & (reduced < -margin)
    supply = supply.copy()
    np.add.at(supply, tail[full], -capacity[full])
    np.add.at(supply, head[full], capacity[full])
    free = ~(empty | full)
    flow = solve_arcs(tail[free], head[free], capacity[free], reduced[free], supply, label, strict=False)
    if flow is None:
        return None
    result = np.zeros(tail.size, np.int64)
    result[free] = flow
    result[full] = capacity[full]
    return result


def _certify_flow(
    model: _Model, rows: np.ndarray, cols: np.ndarray, arcs: Network, max_work: int | None = None
) -> _Sparse | None:
    """Potentials for the flow on ``arcs`` by label-correcting from the sink (``_network.sink_potentials``),
    checked by :func:`_certified`; None when the labels do not settle (a negative cycle), and with ``max_work`` (a
    flow solved with fixed arcs) also when they take more relaxations than that or leave a node with residual arcs
    unreached."""
    potential = sink_potentials(arcs, model.num_nodes, max_work=max_work)
    if potential is None:
        return None
    return _certified(model, rows, cols, arcs, potential)


def _extend(model: _Model, sparse: _Sparse, rows: np.ndarray, cols: np.ndarray) -> _Sparse | None:
    """Add pair arcs ``(rows, cols)`` (no flow) to ``sparse``'s network and keep its flow if it stays optimal.

    The new arcs with negative reduced cost are residual arcs that break the potentials. Label-correcting from the
    current potentials, with their tails as the first frontier, either settles, which gives potentials proving the
    same flow optimal on the larger network, or is still going after ``repair_work`` relaxations per residual
    arc (most likely a negative cycle: the flow can improve); then None, and the caller solves the network again.
    None as well when a new arc reaches a mentee or mentor without its bypass or capacity arc (only a new solve
    builds those); a class node the network lacks joins here, with its arc to the mentor.
    """
    instance = model.instance
    n, m = instance.shape
    old = sparse.network
    pairs = sparse.rows.size
    heads = model.head(rows, cols)
    out = np.zeros(model.num_nodes, dtype=bool)  # nodes with their bypass, capacity or class arc
    out[old.tail[pairs:]] = True
    if not (out[rows].all() and out[cols.astype(np.int64) + n].all()):
        return None
    potential = sparse.potential.copy()
    extra_tail = extra_head = extra_capacity = np.zeros(0, np.int64)
    if model.classes is not None and not out[heads].all():
        # Class nodes the network lacks join with their arc to the mentor (empty) at the mentor's potential: that
        # arc's reduced cost is 0, and the label-correcting below lowers the node where a new pair arc needs it.
        keys = np.unique(heads[~out[heads]]) - n - m
        supplying = old.tail[(old.head == model.sink) & (old.tail < n)]
        total = int(instance.load[supplying].sum())
        extra_tail, extra_head, extra_capacity = model.classes.arcs(keys, instance.capacity, total)
        potential[extra_tail] = potential[extra_head]
    # Pair arcs stay first: old pair arcs, new pair arcs, then the old bypass, capacity and class arcs, then new
    # class arcs.
    extra = extra_tail.size
    arcs = Network(
        tail=np.concatenate([old.tail[:pairs], rows.astype(np.int64), old.tail[pairs:], extra_tail]),
        head=np.concatenate([old.head[:pairs], heads, old.head[pairs:], extra_head]),
        capacity=np.concatenate(
            [old.capacity[:pairs], instance.load[rows].astype(np.int64), old.capacity[pairs:], extra_capacity]
        ),
        cost=np.concatenate([old.cost[:pairs], -model.gains(rows, cols), old.cost[pairs:], np.zeros(extra, np.int64)]),
        flow=np.concatenate(
            [old.flow[:pairs], np.zeros(rows.size, np.int64), old.flow[pairs:], np.zeros(extra, np.int64)]
        ),
    )
    r_tail, r_head, r_cost = arcs.residual()
    work = model.options.repair_work * r_tail.size
    if not relax_labels(potential, np.unique(rows).astype(np.int64), r_tail, r_head, r_cost, max_work=work):
        return None
    return _certified(model, np.concatenate([sparse.rows, rows]), np.concatenate([sparse.cols, cols]), arcs, potential)


def _certified(model: _Model, rows: np.ndarray, cols: np.ndarray, arcs: Network, potential: np.ndarray) -> _Sparse:
    """Check the flow and the potentials (``_network.certify_potentials``; a :class:`SolverBug` if either fails)
    and hold them as the sparse flow on the candidate pairs ``(rows, cols)``."""
    n, m = model.instance.shape
    potential = certify_potentials(arcs, model.instance.load, n, m, potential, model.label, model.num_nodes)
    return _Sparse(rows=rows, cols=cols, network=arcs, gain=-int(np.dot(arcs.cost, arcs.flow)), potential=potential)


# ---------------------------------------------------------------------------------------------------------------
# The answer.


def _solution(instance: Instance, scaling: Scaling, flow: Transport, clock: Clock, priced: Priced) -> Solution:
    """The proven matching, its totals re-derived from it and its gain checked against the flow's."""
    n = instance.shape[0]
    if np.unique(flow.rows).size != flow.rows.size or np.any(flow.units != 1):
        raise SolverBug(f"{NAME}: a mentee's unit was split across mentors")
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[flow.rows] = flow.cols
    value = int(scaling.pair_gains(instance, flow.rows, flow.cols).sum())
    if value != flow.gain:
        raise SolverBug(f"{NAME}: the matching's gain {value} differs from the flow's optimum {flow.gain}")
    clock.stage(f"{NAME}: done")
    return optimal_solution(
        instance, mentor_of, NAME, clock.elapsed(), message=priced.message, method=NAME, stats=priced.stats
    )


def _fallback(instance: Instance, clock: Clock, priced: Priced, progress: Progress | None) -> Solution:
    """The dense flow's answer, labelled as this solver's, with the reason in ``message`` and ``method``
    ``"flow-priced+dense"``."""
    from mentormatch.solvers import flow

    reason = priced.message
    clock.stage(f"{NAME}: {reason}; solving the dense flow instead")
    dense = flow.solve(instance, progress=progress)
    return dataclasses.replace(
        dense,
        solver=NAME,
        seconds=clock.elapsed(),
        message=f"{reason}; answered by the dense flow",
        method=f"{NAME}+dense",
        stats=priced.stats,
    )
