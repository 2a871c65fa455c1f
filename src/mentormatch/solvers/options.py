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


@dataclass(frozen=True)
class SolverOptions:
    """Every solver's knobs: what ``run_solver(..., options=...)`` takes (None: these defaults)."""

    auto: AutoOptions = field(default_factory=AutoOptions)
    hungarian: HungarianOptions = field(default_factory=HungarianOptions)
    cpsat: CpsatOptions = field(default_factory=CpsatOptions)
    pricing: PricingOptions = field(default_factory=PricingOptions)
    relaxation: RelaxationOptions = field(default_factory=RelaxationOptions)
