"""The coach tier's tuning knobs: :class:`CoachOptions`, passed to :func:`mentormatch.solvers.coaches.solve` (and
from there to the bound, the candidate pairs and the models) instead of module globals.

The defaults are the measured values; a rerun with the same options gives the same answer byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CoachOptions"]


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
