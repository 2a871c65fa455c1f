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
    "GapOptions",
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
    """Knobs of the workload > 1 path (``relaxation.py``): the strengthened bound, the dive (``dive.py``) and the
    improvement step (step 3: CP-SAT on windows)."""

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

    strengthen: bool = True
    """Tighten the relaxation with class nodes (``_network.Classes``): the cases of workload ``w ≥ 2`` at mentor j
    number at most ``⌊capacity[j] / w⌋`` (for workloads 1–2 the integer hull of one mentor's
    ``k1 + 2 k2 ≤ capacity``). False: the plain transport, the bound before issue 15.

    Measured (``benchmarks/results/workload_grid.md``, workloads 1–2, ~15 % of 2, capacity = total workload): on
    ``arr`` 3000 × 1000 the Σ S bound (Σ priority proven) falls from 1537.4 to 1533.0, and the dive reaches
    Σ priority = the bound with Σ S 0.009 % below it."""

    dive: bool = True
    """Answer by an LP dive on the relaxation (``dive.py``: fix each split case to its largest share, re-solve,
    repeat) instead of keeping only its whole cases and placing the rest greedily. False: the repair before
    issue 15."""

    dive_priced_pairs: int = 100_000
    """With the dive on, the relaxation is priced (``pricing.priced_transport``) from this many candidate pairs
    (below ``AutoOptions.priced_pairs``, where ``auto`` would solve it densely): the same bound, and the dive then
    re-solves on the final network's candidate pairs instead of on every one. Measured at 3000 × 1000 (408 000
    pairs): relaxation and dive 1.3 s priced against 4.0 s dense, the same answer."""

    dive_near_pairs: int = 20
    """With a priced relaxation the dive re-solves on the final network's pairs and, per mentee, this many more:
    its best pairs priced within ``dive_near_window`` of zero under the final potentials (one more scan).
    Measured on ``wl`` 3000 × 1000 (dive alone, no windows): the network's pairs alone (9 328) end 14 priority
    points short; 10 within 0.2 two short; 20 within 0.5 reach the priority bound with Σ S 0.099 % below its
    bound (more pairs change nothing)."""

    dive_near_window: float = 0.5
    """That window, in weight ranges."""

    dive_rounds: int = 200
    """Re-solves of the dive at most (each fixes at least one case; measured 3–10 at 3000 × 1000 and
    20000 × 5000, ``benchmarks/results/workload_grid.md``)."""

    polish_gap: float = 1e-4
    """No CP-SAT windows when the answer already reaches the Σ priority bound and its Σ weights lie within this
    relative gap of their bound (windows on a problem that does not fit one window cannot prove it, and measured
    they gain nothing there: ``arr`` 20000 × 5000, gap 0.001 %, 8 windows without gain in ~25 s); 0 always runs
    them."""

    dive_share: float = 0.7
    """The dive stops, a safety net, once this share of the wall-clock time limit is spent (the rest is left to
    repair and windows); its rounds, not the clock, end it on every measured instance."""


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

    choice_rounds: int = 6
    """Rounds of coach choice and flow re-solve at most (:mod:`mentormatch.solvers.coaches.choice`, unit
    workloads, when greedy supervision drops something); 0 skips the step. A round that gains nothing ends it
    (measured at 5000 × 1000 × 60 ``binding``: the first round gains, the second does not; ~2–3 s a round)."""

    balance_sweeps: int = 20
    """Sweeps over the mentors at most of the local search that balances a coach choice
    (:func:`~mentormatch.solvers.coaches.choice.balance_coaches`; it stops earlier at a sweep without a move;
    ~1 s at 5000 × 1000 × 60)."""

    choice_wall_share: float = 0.5
    """No round of the coach choice starts after this share of ``time_limit`` has passed on the wall clock (a
    safety net: the rounds are counted, so a rerun on a quiet machine does the same)."""

    choice_final_pairs: int = 500_000
    """From this many candidate pairs up, when the coach choice ran and still falls short of the bound, the CP-SAT
    stages after it (supervision, repair) are skipped. Measured on ``binding``: at 5000 × 1000 × 60 they gained
    nothing in 76 s, past the caller's time limit; at 1000 × 250 × 20 (seed 2: the choice 16 priority points
    short) they reach the bound in 56 s."""

    dual_pairs: int = 150_000
    """Up to this many candidate pairs :func:`~mentormatch.solvers.coaches.transport_duals` starts the Lagrangian
    bound from LP duals (measured: 3 s at 73 000 pairs, 34 s at 400 000)."""


@dataclass(frozen=True)
class GapOptions:
    """Knobs of the generalised-assignment path (``gap.py``: LP bound, penalty tabu search, CP-SAT polish), used by
    ``auto`` for a load per pair. Measured on 2 shared cores with Chu and Beasley's tight types C, D and E
    (``benchmarks/gap_grid.py``)."""

    max_pairs: int = 100_000
    """Dense mentee × mentor pairs up to which the path runs (it holds a few (n, m) float arrays); beyond them
    ``auto`` keeps CP-SAT warm-started from the greedy answer, as before."""

    max_mentees: int = 1_000
    """Mentees up to which the path runs (a swap move is evaluated for every pair of mentees: an (n, n) array).
    Measured up to 400 mentees × 40 mentors; beyond 1000 an iteration takes ~0.05 s and the budget gets thin."""

    search_share: float = 0.5
    """Share of ``time_limit`` the tabu search's work budget is sized for (see :attr:`work_rate`)."""

    work_rate: float = 3.0e7
    """Array entries the tabu search evaluates per second (n² + 4 n m + :attr:`iteration_overhead` per iteration):
    the iteration budget is ``search_share × time_limit × work_rate / entries``, a count, so that reruns are
    identical. Measured 4.5–7·10⁷ on 2 cores shared with one other job, 1.6–2·10⁷ with three (then the wall
    clock cuts the search at 0.8 × ``time_limit`` and reruns may differ)."""

    iteration_overhead: int = 5_000
    """Entries one iteration costs besides its arrays (numpy's per-call overhead, ~100 µs), in the work budget."""

    max_iterations: int = 20_000
    """Tabu iterations at most (also the budget when ``time_limit`` is None)."""

    stall_stop: int = 4_000
    """Stop the tabu search after this many iterations without a better feasible answer."""

    restart_stall: int = 500
    """Iterations without a better feasible answer after which the search restarts from the best one, with
    :attr:`kick` random shifts and fresh penalties."""

    kick: int = 3
    """Random shifts applied at a restart."""

    tenure: tuple[int, int] = (5, 15)
    """A mentee moved off a mentor may not return to it for a number of iterations drawn from this range."""

    penalty_up: float = 1.02
    """Factor on every penalty weight after an iteration that ends over capacity."""

    penalty_down: float = 0.9
    """Factor on every penalty weight after an iteration that ends within capacity."""

    probe_pairs: int = 2_000
    """Pairs up to which CP-SAT first runs from the greedy answer for :attr:`probe_seconds` (small instances are
    often proven at once, and then the search is skipped)."""

    probe_seconds: float = 0.5
    """CP-SAT's deterministic seconds for the probe, at most :attr:`probe_share` × ``time_limit``."""

    probe_share: float = 0.025
    """The probe's deterministic seconds per second of ``time_limit`` at most (CP-SAT's deterministic second took
    up to 9 s of wall clock on 2 cores shared with three other jobs)."""

    cpsat_share: float = 0.1
    """CP-SAT's deterministic seconds per second of ``time_limit`` for the polish from the best answer (which
    proves small instances optimal); the wall clock stops it as a safety net at ``time_limit``."""


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
    gap: GapOptions = field(default_factory=GapOptions)
    """The generalised-assignment path's knobs (``gap.py``, ``auto`` with a load per pair)."""
