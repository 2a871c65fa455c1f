"""Which candidate pairs the coach tier's CP-SAT models hold: every pair on small rosters (then the repair model's
bound is a proof), else each mentee's best pairs and the pairs of the best answer so far
(:attr:`CoachOptions.exact_pairs`, :attr:`CoachOptions.neighbours`).
"""

from __future__ import annotations

import numpy as np

from mentormatch.problem import Instance
from mentormatch.solvers._common import iter_candidate_blocks
from mentormatch.solvers._scaling import Scaling
from mentormatch.solvers.coaches.options import CoachOptions

__all__ = ["all_pairs", "candidate_count", "repair_pairs"]


def candidate_count(instance: Instance) -> int:
    """The number of candidate pairs."""
    return int(sum(r.size for r, _ in iter_candidate_blocks(instance)))


def all_pairs(instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Every candidate pair, row-major (int64)."""
    blocks = [(r, c) for r, c in iter_candidate_blocks(instance) if r.size]
    if not blocks:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return (
        np.concatenate([r for r, _ in blocks]).astype(np.int64),
        np.concatenate([c for _, c in blocks]).astype(np.int64),
    )


def repair_pairs(
    instance: Instance, scaling: Scaling, keep: np.ndarray, options: CoachOptions
) -> tuple[np.ndarray, np.ndarray, bool]:
    """(rows, cols, every_pair): all candidate pairs when there are at most ``options.exact_pairs``, else each
    mentee's ``options.neighbours`` best pairs and the pairs of ``keep``, row-major."""
    rows, cols = all_pairs(instance)
    if rows.size <= options.exact_pairs:
        return rows, cols, True
    del rows, cols
    rows, cols = _best_pairs(instance, scaling, options.neighbours)
    kept = np.flatnonzero(keep >= 0)
    m = instance.shape[1]
    key = np.unique(np.concatenate([rows * m + cols, kept * m + keep[kept]]))
    rows, cols = np.divmod(key, m)
    return rows, cols, False


def _best_pairs(instance: Instance, scaling: Scaling, per_mentee: int) -> tuple[np.ndarray, np.ndarray]:
    """Each mentee's ``per_mentee`` candidate pairs of largest gain (ties by mentor index), row-major, int64."""
    picked_rows, picked_cols = [], []
    for rows, cols in iter_candidate_blocks(instance):
        if rows.size == 0:
            continue
        gains = scaling.pair_gains(instance, rows, cols)
        order = np.lexsort((cols, -gains, rows))  # by mentee, gain descending, then mentor
        r_sorted = rows[order]
        rank = np.arange(r_sorted.size) - np.searchsorted(r_sorted, r_sorted, side="left")
        take = np.sort(order[rank < per_mentee])
        picked_rows.append(rows[take].astype(np.int64))
        picked_cols.append(cols[take].astype(np.int64))
    if not picked_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(picked_rows), np.concatenate(picked_cols)
