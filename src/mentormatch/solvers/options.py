"""The solvers' tuning knobs: one frozen dataclass per method, gathered in :class:`SolverOptions`.

Every knob a solver reads is a field here, with the measurement that set its default. Options travel as an
argument (``run_solver(..., options=SolverOptions(...))``; None means these defaults), never as module state, so
two calls with different options cannot disturb each other and a test changes a knob by passing it.

Examples
--------
>>> from dataclasses import replace
>>> options = SolverOptions(auto=AutoOptions(cpsat_pairs=10))
>>> options.auto.cpsat_pairs, options.auto.priced_pairs, options.pricing.max_rounds
(10, 2000000, 30)
>>> replace(options.pricing, k=1).k
1
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AutoOptions",
    "HungarianOptions",
    "CpsatOptions",
    "PricingOptions",
    "RelaxationOptions",
    "CoachOptions",
    "SolverOptions",
]


@dataclass(frozen=True)
class AutoOptions:
    """The thresholds of the ``auto`` policy (``auto.py``; the package docstring's table). By shape and size only,
    never by timing."""

    cpsat_pairs: int = 50_000
    """``auto`` gives a problem with workloads above 1 to CP-SAT whole up to this many candidate pairs.

    Measured (``cpsat.py``): at 45 000 pairs CP-SAT proves or nearly proves workload-1–3 instances in 20 s; at 87 000
    it does not improve on its warm start in 30 s, while the relaxation's CP-SAT windows reach the priority bound.
    CP-SAT's memory (~5 KB per Boolean) is 0.25 GB here."""

    priced_pairs: int = 2_000_000
    """From this many candidate pairs, ``auto`` solves unit-workload problems by ``pricing.py`` (a flow on a few
    candidate pairs, proven optimal over all of them by reduced costs) instead of the dense flow; the relaxation of
    the workload > 1 path is priced the same way from this size.

    Measured: 20000 × 5000 with 31 M pairs, 11.6 s and 0.76 GB against 27 s and 3.1 GB dense; below about a
    million pairs the dense flow is as fast or faster (1000 × 250: 0.09 s against 0.13 s)."""

    hungarian_entries: int = 1_100_000
    """``auto`` solves a problem with every pair allowed and every load 1 by ``hungarian`` (scipy on the weights as
    given, or on their capacity slots) up to this many mentee × slot entries.

    Measured (``benchmarks/results/assign_grid.md``, costs 0..1000): at 1000 × 1000 scipy takes 0.06 / 0.77 / 0.24 s
    on uniform / correlated / structured costs where the dense flow takes 0.64 / 0.78 / 0.59 s; at 2000 × 2000 it
    is 0.27 / 6.2 / 1.1 s against ``flow-priced``'s 0.45 / 3.1 / 1.6 s, and beyond that ``flow-priced`` wins on
    every kind (4000 × 4000: 2.7 / 34 / 7.1 s against 1.2 / 7.9 / 2.6 s)."""


@dataclass(frozen=True)
class HungarianOptions:
    """Limits of ``hungarian.py`` (scipy ``linear_sum_assignment``)."""

    max_matrix_bytes: int = 2 * 10**9
    """Largest expanded float64 cost matrix built; above it the solver refuses and names 'flow'."""


@dataclass(frozen=True)
class CpsatOptions:
    """Limits of ``cpsat.py``; CP-SAT's own parameters, time limits and status mapping are ``_cpsat.py``'s."""

    max_pairs: int = 2_000_000
    """Above this many candidate pairs CP-SAT (~5 KB per Boolean) would need ~10 GB: the solver refuses the problem
    (``auto`` answers greedily instead)."""

    progress_every: float = 1.0
    """Seconds between two progress reports from the solution callback."""


@dataclass(frozen=True)
class PricingOptions:
    """Knobs of the priced transport (``pricing.py``; steps 1–4 of its docstring). Measured on 2 shared cores with
    ``benchmarks/pricing_probe.py`` (the table in ``pricing.py``)."""

    k: int = 2
    """Candidate mentors per mentee in the first scan (its ``k`` best by weight)."""

    max_rounds: int = 30
    """Pricing scans before the dense flow answers instead."""

    max_candidate_fraction: float = 0.25
    """Above this fraction of all candidate pairs the dense flow answers instead (it is then not much larger)."""

    initial_column_factor: tuple[int, int] = (10, 6)
    """In the first scan each mentor also gets its ``factor · capacity + 1`` best mentees by weight: the first factor
    when every mentee has the same per-unit priority, the second otherwise (then the deeper lists mostly add mentees
    who lose their place to higher priorities; measured best: 10 on one-level popular-mentor costs, 6 on the
    roster)."""

    add_per_row: tuple[int, int] = (3, 8)
    """Pairs a mentee adds per scan, its largest ``y`` above ``−window`` (before pricing has settled, after)."""

    near_window: tuple[float, float] = (0.01, 0.05)
    """The window below zero, as a fraction of the weight range (before pricing has settled, after)."""

    settled_rows: float = 0.5
    """Pricing has settled once fewer than this fraction of the mentees in play violate: from then on the wider
    window applies, solves fix arcs and arcs are pruned."""

    prune_factor: float = 0.05
    """Once settled, arcs without flow priced more than this many weight ranges above zero leave the network."""

    fix_factor: float = 20
    """Once settled, solves hold fixed the bypass and capacity arcs priced more than this many weight ranges from
    zero (measured 2–4 times faster OR-Tools solves than without fixing)."""

    sample_stride: int = 16
    """Every this-many-th row sets the column side's thresholds, every this-many-th entry of a row its row-side
    cut."""

    scan_entries: int = 1 << 20
    """Pairs per block of a scan (~1 M: the block's few float32 and bool arrays stay in cache between
    operations)."""

    exact_limit: int = 1 << 14
    """A block with more flagged pairs prices exactly only the row side's picks among them (they hold each flagged
    row's largest); once that confirms a violator the block's count is the filter's, an upper bound reported as
    "at most"."""

    repair_work: int = 2
    """Relaxations per residual arc spent on re-proving the flow after pairs join, before solving again instead."""

    certify_work: int = 40
    """Relaxations per arc spent on the potentials of a flow solved with fixed arcs (they take about 5–15) before
    solving the network again as it is."""


@dataclass(frozen=True)
class RelaxationOptions:
    """Knobs of the workload > 1 path's improvement step (``relaxation.py``, step 3: CP-SAT on windows)."""

    improve_pairs: int = 15_000
    """Candidate pairs per CP-SAT window (measured: ~1–3 s each at this size on 2 cores); 0 skips the
    improvement."""

    improve_deterministic_seconds: float = 20.0
    """CP-SAT deterministic-time budget of the whole improvement step (reproducible, unlike a wall-clock limit)."""

    window_deterministic_seconds: float = 1.0
    """CP-SAT deterministic-time limit per window."""

    max_stalled_windows: int = 8
    """Stop after this many windows in a row without improvement."""

    min_improve_seconds: float = 0.5
    """Start no window when less than this remains of the wall-clock time limit."""


@dataclass(frozen=True, kw_only=True)
class CoachOptions:
    """Tuning knobs of the coach tier (see :mod:`mentormatch.solvers.coaches` for the method they tune).

    The ``*_share`` fields are shares of ``time_limit`` and are counted in CP-SAT's deterministic time, never in
    the wall clock left, so that a rerun gives the same answer byte for byte; the wall clock stops a search only as
    a safety net (``2 × share + 5`` seconds, :data:`mentormatch.solvers._cpsat.WALL_SAFETY`).

    Examples
    --------
    >>> CoachOptions().exact_pairs
    40000
    >>> CoachOptions(exact_pairs=0, neighbours=1).neighbours
    1
    """

    exact_pairs: int = 40_000
    """Up to this many candidate pairs the repair model holds every pair, so CP-SAT's bound is a proof."""

    neighbours: int = 12
    """Beyond :attr:`exact_pairs`, the repair model holds each mentee's best pairs, this many per mentee."""

    strong_triples: int = 150_000
    """Up to this many (mentee, mentor, coach) triples the repair model has a Boolean per triple (a far tighter LP);
    beyond, one per pair (the pair model)."""

    pair_links: int = 60_000
    """Up to this many pairs the specialism and supervision link is written per pair (a tighter LP); beyond, per
    (mentor, mentee type) group."""

    free_share: float = 0.25
    """Share of ``time_limit`` for the coach-free solve (step 1; it only matters for its searches)."""

    neighbourhood_seconds: float = 60.0
    """Without a time limit, the repair model over a neighbourhood (which cannot prove anything) still stops here."""

    supervision_share: float = 0.1
    """Share of ``time_limit`` for CP-SAT on the coach-free answer's own pairs when the greedy supervision drops
    some."""

    fixed_share: float = 0.2
    """Share of ``time_limit`` for the solve with the Lagrangian's coach choice fixed (step 3)."""

    repair_share: float = 0.55
    """Share of ``time_limit`` for the repair model (step 3)."""

    lagrange_iterations: int = 300
    """Subgradient rounds of :func:`~mentormatch.solvers.coaches.lagrangian_bound` at most (it also stops when its
    step has shrunk to nothing)."""

    lagrange_pair_rounds: int = 10_000_000
    """Work budget of :func:`~mentormatch.solvers.coaches.lagrangian_bound`: rounds × pairs × coaches / 8 (a count,
    not a clock, so that reruns give the same bound and the same answer), at least :attr:`lagrange_min_rounds`
    rounds; a problem where those would exceed it gets no Lagrangian bound (measured: a round costs ~0.1 s at
    1000 × 250 × 20 and ~6 s at 5000 × 1000 × 60)."""

    lagrange_min_rounds: int = 10
    """The fewest rounds :func:`~mentormatch.solvers.coaches.lagrangian_bound` must afford within
    :attr:`lagrange_pair_rounds` to run at all."""

    lagrange_step: float = 0.005
    """The first Polyak step factor of :func:`~mentormatch.solvers.coaches.lagrangian_bound` (× 1.5 after a round
    that lowers the bound, up to 2; halved after three rounds without progress)."""

    dual_pairs: int = 150_000
    """Up to this many candidate pairs :func:`~mentormatch.solvers.coaches.transport_duals` starts the Lagrangian
    bound from LP duals (measured: 3 s at 73 000 pairs, 34 s at 400 000)."""


@dataclass(frozen=True)
class SolverOptions:
    """Every solver's knobs: what ``run_solver(..., options=...)`` takes (None: these defaults)."""

    auto: AutoOptions = field(default_factory=AutoOptions)
    hungarian: HungarianOptions = field(default_factory=HungarianOptions)
    cpsat: CpsatOptions = field(default_factory=CpsatOptions)
    pricing: PricingOptions = field(default_factory=PricingOptions)
    relaxation: RelaxationOptions = field(default_factory=RelaxationOptions)
    coaches: CoachOptions = field(default_factory=CoachOptions)
    """The coach tier's knobs (:func:`mentormatch.solvers.coaches.solve`; :func:`mentormatch.solve` passes them)."""
