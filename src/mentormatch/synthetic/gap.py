"""Seeded generalised-assignment instances of the literature's published types C, D and E.

The generators of Chu and Beasley (1997, types C and D; the OR-Library's ``gap`` sets) and of Laguna et al. (1995,
type E, as Yagiura, Ibaraki and Glover 2004 describe it), with ``i`` an agent (a mentor) and ``j`` a job (a mentee),
all values integers (truncated toward zero, as the published C generators do):

``c``
    ``r_ij ~ U{5..25}``, ``c_ij ~ U{10..50}``.
``d``
    ``r_ij ~ U{1..100}``, ``c_ij = 111 − r_ij + e``, ``e ~ U{−10..10}``: costs inversely correlated with loads.
``e``
    ``r_ij = ⌊1 − 10 ln x⌋``, ``x ~ U(0, 1]``; ``c_ij = ⌊1000 / r_ij − 10 y⌋``, ``y ~ U[0, 1]``: a few jobs are
    very heavy, and cheap where they are heavy.

In every type the capacity is tight, ``b_i = ⌊0.8 Σ_j r_ij / m⌋`` (80 % of agent i's load if the jobs were spread
evenly). Types D and E are hard as **minimisation** problems (maximised they are trivial). The instance is returned
in this library's orientation, ``weights`` and ``load`` of shape (jobs, agents) = (n_mentees, n_mentors), to be
solved with ``assign(cost, capacity=capacity, load=load, maximize=False)``.

Examples
--------
>>> cost, load, capacity = gap_instance("d", 100, 5, seed=1)
>>> cost.shape, load.shape, capacity.shape
((100, 5), (100, 5), (5,))
>>> bool(capacity[0] == int(0.8 * load[:, 0].sum() / 5))
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["GAP_TYPES", "gap_instance"]

GAP_TYPES = ("c", "d", "e")
"""The published types :func:`gap_instance` generates."""

TIGHTNESS = 0.8
"""The capacity's share of an agent's even-spread load, ``b_i = ⌊0.8 Σ_j r_ij / m⌋`` (types C, D and E)."""


def gap_instance(kind: str, jobs: int, agents: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One seeded instance of Chu and Beasley's type C or D or Laguna et al.'s type E (module docstring).

    Parameters
    ----------
    kind : {"c", "d", "e"}
    jobs, agents : int
        Mentees (rows) and mentors (columns), ≥ 1.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    cost : (jobs, agents) int64 array
        To be minimised.
    load : (jobs, agents) int64 array, ≥ 1
        The units of agent j's capacity that job i takes.
    capacity : (agents,) int64 array
    """
    if kind not in GAP_TYPES:
        raise ValueError(f"unknown GAP type {kind!r}; valid types: {', '.join(map(repr, GAP_TYPES))}")
    if jobs < 1 or agents < 1:
        raise ValueError(f"jobs and agents must be ≥ 1, got {jobs!r} and {agents!r}")
    rng = np.random.default_rng(seed)
    shape = (jobs, agents)
    if kind == "c":
        load = rng.integers(5, 26, size=shape)
        cost = rng.integers(10, 51, size=shape)
    elif kind == "d":
        load = rng.integers(1, 101, size=shape)
        cost = 111 - load + rng.integers(-10, 11, size=shape)
    else:
        x = 1.0 - rng.random(shape)  # U(0, 1]
        load = np.trunc(1.0 - 10.0 * np.log(x)).astype(np.int64)
        cost = np.trunc(1000.0 / load - 10.0 * rng.random(shape)).astype(np.int64)
    capacity = np.trunc(TIGHTNESS * load.sum(axis=0) / agents).astype(np.int64)
    return cost.astype(np.int64), load.astype(np.int64), capacity
