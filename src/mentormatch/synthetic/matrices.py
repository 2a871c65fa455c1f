"""Synthetic weight matrices for benchmarks and tests of :func:`mentormatch.assign`.

Three cost kinds, each an integer matrix in ``0..1000`` to be **minimised** (``assign(..., maximize=False)``):

``uniform``
    Independent uniform integers: the easy case, where each mentee's few cheapest mentors already hold the optimum.
``correlated``
    ``cost[i, j] = a[i] + b[j] + noise``: every mentee ranks the mentors nearly the same way.
``structured``
    The distance between random 4-d profiles plus a per-mentor popularity term drawn from Beta(2, 5), so that many
    mentees prefer the same few mentors (``cost = 500 · distance / 2 + 500 · (1 − popularity)``, rounded; the
    distance between points of the unit 4-cube is at most 2). Keeping only each mentee's k best mentors is wrong on
    these (SOLVER_NOTES: k = 20 left 1565 of 5000 mentees wrongly unassigned under tight capacity).

:func:`tight_capacity` gives capacities summing to the number of mentees (each mentor at least 1), and
:func:`gap_loads` a 2-D load for generalised-assignment instances. Everything is seeded and deterministic.

Examples
--------
>>> cost = cost_matrix("structured", 5, 3, seed=1)
>>> cost.shape, cost.dtype.kind, int(cost.min()) >= 0, int(cost.max()) <= 1000
((5, 3), 'i', True, True)
>>> int(tight_capacity(5000, 1000, seed=0).sum())
5000
"""

from __future__ import annotations

import numpy as np

__all__ = ["COST_KINDS", "cost_matrix", "tight_capacity", "gap_loads"]

COST_KINDS = ("uniform", "correlated", "structured")
"""The cost kinds :func:`cost_matrix` generates."""

COST_MAX = 1000
"""Costs lie in ``0..COST_MAX``."""

_BLOCK = 1024
"""Rows generated at a time for the structured kind (keeps float64 temporaries small)."""


def cost_matrix(kind: str, n: int, m: int, *, seed: int = 0, dtype: type = np.int64) -> np.ndarray:
    """An (n, m) integer cost matrix in ``0..1000`` of the given kind (module docstring), to be minimised.

    Parameters
    ----------
    kind : {"uniform", "correlated", "structured"}
    n, m : int
        Mentees (rows) and mentors (columns), ≥ 0.
    seed : int
        Seed of ``numpy.random.default_rng``.
    dtype : numpy integer type
        Of the result (default int64; int32 halves the memory at large sizes).

    Returns
    -------
    numpy.ndarray
    """
    if kind not in COST_KINDS:
        raise ValueError(f"unknown cost kind {kind!r}; valid kinds: {', '.join(map(repr, COST_KINDS))}")
    if n < 0 or m < 0:
        raise ValueError(f"n and m must be ≥ 0, got {n!r} and {m!r}")
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.integers(0, COST_MAX + 1, size=(n, m), dtype=dtype)
    if kind == "correlated":
        a = rng.random(n)
        b = rng.random(m)
        noise = rng.random((n, m))
        return np.rint(COST_MAX * (0.4 * a[:, None] + 0.4 * b[None, :] + 0.2 * noise)).astype(dtype)
    mentees = rng.random((n, 4))
    mentors = rng.random((m, 4))
    popularity = rng.beta(2.0, 5.0, size=m)
    out: np.ndarray = np.empty((n, m), dtype=dtype)
    for r0 in range(0, n, _BLOCK):
        block = mentees[r0 : r0 + _BLOCK]
        distance = np.sqrt(((block[:, None, :] - mentors[None, :, :]) ** 2).sum(axis=2))
        out[r0 : r0 + _BLOCK] = np.rint(COST_MAX / 2 * (distance / 2) + COST_MAX / 2 * (1.0 - popularity)[None, :])
    return out


def tight_capacity(n: int, m: int, *, seed: int = 0) -> np.ndarray:
    """Capacities (int64, shape (m,)) summing to ``max(n, m)``, each ≥ 1, split at random.

    With ``n ≥ m`` the mentors can hold exactly every mentee: the tight case where popularity matters most.
    """
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    extra = rng.multinomial(max(n - m, 0), np.full(m, 1.0 / m))
    return (1 + extra).astype(np.int64)


def gap_loads(n: int, m: int, *, seed: int = 0, high: int = 3) -> np.ndarray:
    """A 2-D load (int64, shape (n, m)) in ``1..high``: mentee i takes ``load[i, j]`` units of mentor j's capacity
    (the generalised assignment problem)."""
    rng = np.random.default_rng(seed)
    return rng.integers(1, high + 1, size=(n, m), dtype=np.int64)
