"""Hypothesis strategies for mentormatch tests: matrices and solver instances.

A plain module of strategy functions; import what you need (``from .strategies import instances``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mentormatch.problem import Instance

__all__ = ["shapes", "masks", "weight_matrices", "instances", "tiny_instances", "unit_load_instances"]

WEIGHT_KINDS = ("small_int", "int", "float", "float32", "near_tie")


def shapes(max_rows: int = 8, max_cols: int = 5, min_rows: int = 0, min_cols: int = 0) -> st.SearchStrategy:
    """(n_mentees, n_mentors), zeros included by default."""
    return st.tuples(st.integers(min_rows, max_rows), st.integers(min_cols, max_cols))


def masks(shape: tuple[int, int]) -> st.SearchStrategy:
    """A bool ``allowed`` mask: all allowed, none allowed, or any pattern."""
    return st.one_of(
        st.just(np.ones(shape, dtype=bool)),
        st.just(np.zeros(shape, dtype=bool)),
        hnp.arrays(np.bool_, shape),
    )


def weight_matrices(shape: tuple[int, int], kind: str | None = None) -> st.SearchStrategy:
    """Weights of one kind (or any of :data:`WEIGHT_KINDS`), negatives included.

    ``small_int`` makes ties likely; ``int`` spans the exact range ±10**6; ``float`` and ``float32`` are in
    [-1, 1]; ``near_tie`` are floats that differ below the 1e-6 scaling resolution.
    """
    if kind is None:
        return st.sampled_from(WEIGHT_KINDS).flatmap(lambda k: weight_matrices(shape, k))
    if kind == "small_int":
        return hnp.arrays(np.int64, shape, elements=st.integers(-3, 6))
    if kind == "int":
        return hnp.arrays(np.int64, shape, elements=st.integers(-10**6, 10**6))
    if kind == "float":
        return hnp.arrays(np.float64, shape, elements=st.floats(-1, 1, allow_nan=False, width=64))
    if kind == "float32":
        return hnp.arrays(np.float32, shape, elements=st.floats(-1, 1, allow_nan=False, width=32))
    if kind == "near_tie":
        base = st.sampled_from([0.25, 0.5, 1.0])
        return st.tuples(base, hnp.arrays(np.int64, shape, elements=st.integers(-3, 3))).map(
            lambda t: t[0] + t[1] * 1.7e-7)
    raise ValueError(f"unknown weight kind {kind!r}; valid: {WEIGHT_KINDS}")


@st.composite
def instances(
    draw: st.DrawFn,
    max_rows: int = 8,
    max_cols: int = 5,
    *,
    min_rows: int = 0,
    min_cols: int = 0,
    max_load: int = 3,
    max_capacity: int = 4,
    max_priority: int = 3,
    weight_kind: str | None = None,
) -> Instance:
    """A random :class:`~mentormatch.problem.Instance`: shapes incl. 0, masks, capacities incl. 0, loads
    1..``max_load``, priorities 1..``max_priority``, integer or float weights with negatives."""
    n, m = draw(shapes(max_rows, max_cols, min_rows, min_cols))
    return Instance(
        weights=draw(weight_matrices((n, m), weight_kind)),
        allowed=draw(masks((n, m))),
        priority=draw(hnp.arrays(np.int64, n, elements=st.integers(1, max_priority))),
        load=draw(hnp.arrays(np.int64, n, elements=st.integers(1, max_load))),
        capacity=draw(hnp.arrays(np.int64, m, elements=st.integers(0, max_capacity))),
    )


def unit_load_instances(max_rows: int = 10, max_cols: int = 6, **kwargs) -> st.SearchStrategy:
    """Instances whose workloads are all 1 (what flow and Hungarian take)."""
    return instances(max_rows, max_cols, max_load=1, **kwargs)


def tiny_instances(**kwargs) -> st.SearchStrategy:
    """At most 5 mentees × 3 mentors: small enough to enumerate every matching."""
    return instances(5, 3, **kwargs)
