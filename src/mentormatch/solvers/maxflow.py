"""The exact maximum (b-)matching of a dense (r, m) mask that :mod:`mentormatch.diagnose` counts with.

"The most mentees that can be matched at once" is a maximum flow: source → mentee (1) → allowed mentor → sink (the
mentor's capacity). :func:`max_matching` finds it exactly without a graph of all allowed pairs: OR-Tools'
``SimpleMaxFlow`` runs on a sparse sample (a few random allowed mentors per mentee, a few mentees per unit of each
mentor's capacity); a breadth-first search over the full mask, whole frontiers at a time, then either proves the
flow's matching maximum (no augmenting path: max-flow min-cut) or adds the pairs of its search tree to the sample,
and the flow runs again.

A matching to grow can be given (``start``): diagnose grows each group's from the whole roster's restricted to the
group, and the whole roster's from the solve's answer. Before any flow, the free rows take mentors with room
greedily (:func:`grow`), which often reaches the bound (every row with a pair matched, or every mentor full) and
proves the matching maximum at once. Measured at 20000 × 5000 (``synthetic_roster(20000, 5000, seed=0)``, 31 M
allowed pairs, 2 cores): the whole roster's maximum from nothing in about 1 s (two rounds) where the flow over
every allowed pair takes 6 s (3.6 s of it the flow).

Every mentee counts as one unit here (no workloads, no weights): the callers restrict the mask to the pairs where
the mentor's capacity holds the mentee's workload. Loops run over rounds, search layers and row blocks, never over
mentee × mentor pairs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_ROUNDS", "max_matching", "grow"]

MAX_ROUNDS = 40
"""Rounds of flow and search in :func:`max_matching` (its ``max_rounds`` default) before it runs the flow on every
allowed pair instead."""
_START_EDGES = 8
"""Allowed mentors per mentee (at random) in the sparse graph of :func:`max_matching`'s first flow, and mentees
per mentor added by each of its searches."""
_BLOCK_PAIRS = 1 << 21
"""Pairs per row block when the sample's pass over the (r, m) mask is made a block at a time."""
_GROW_PAIRS = 1 << 24
""":func:`grow` looks at most this many (free row, mentor) cells; above it :func:`max_matching` goes to the flow."""
_GROW_ROUNDS = 8
"""Rounds of :func:`grow` (each gives every free row one try at a mentor with room)."""


def max_matching(
    cand: np.ndarray,
    capacity: np.ndarray,
    start: np.ndarray | None = None,
    *,
    max_rounds: int = MAX_ROUNDS,
    seed: int = 0,
) -> np.ndarray:
    """A maximum matching of the rows of ``cand`` ((r, m) bool) into mentors of ``capacity`` (mentees each).

    Parameters
    ----------
    cand : (r, m) bool array
        The pairs that may be matched.
    capacity : (m,) int array
        How many rows each column may take.
    start : (r,) int array, optional
        A valid matching to grow (each mentor's count within capacity, pairs in ``cand``).
    max_rounds : int
        Rounds of flow on the sparse sample and search over the full mask before the flow runs on every pair of
        ``cand`` instead (0: at once).
    seed : int
        Seeds the random sample and search order; the count matched does not depend on it.

    Returns
    -------
    (r,) int64 array
        Each row's column, −1 unmatched; the number matched is the maximum (exact).

    Notes
    -----
    The flow runs on a sparse graph: the start's pairs and a few random allowed mentors per mentee. Then
    :func:`_search` either proves the flow's matching maximum over the full mask or adds the pairs of a search
    tree holding an augmenting path, and the flow runs again (each round matches at least one more mentee).
    After ``max_rounds`` rounds the flow runs on every allowed pair. Deterministic for a given ``seed``.

    Examples
    --------
    >>> import numpy as np
    >>> cand = np.array([[True, True], [True, False], [True, False]])
    >>> mentor_of = max_matching(cand, np.array([1, 1]))
    >>> int((mentor_of >= 0).sum()), int(mentor_of[0])
    (2, 1)
    >>> int((max_matching(cand, np.array([2, 1]), max_rounds=0) >= 0).sum())
    3
    """
    r, m = cand.shape
    if r == 0 or m == 0:
        return np.full(r, -1, dtype=np.int64)
    has = np.asarray(cand.any(axis=1))
    column_count = cand.sum(axis=0, dtype=np.int64)
    bound = min(int(has.sum()), int(np.minimum(capacity, column_count).sum()))
    mentor_of = np.full(r, -1, dtype=np.int64) if start is None else np.array(start, dtype=np.int64)
    if int((mentor_of >= 0).sum()) == bound:
        return mentor_of
    rng = np.random.default_rng(seed)
    free = np.flatnonzero((mentor_of < 0) & has)
    if len(free) * m <= _GROW_PAIRS:
        mentor_of = grow(cand, capacity, mentor_of, rows=free, seed=seed)
        if int((mentor_of >= 0).sum()) == bound:
            return mentor_of
    rows, cols = _sample(cand, capacity, column_count, rng)
    if start is not None:
        kept = np.flatnonzero(mentor_of >= 0)
        rows, cols = _sorted_pairs(np.concatenate([rows, kept]), np.concatenate([cols, mentor_of[kept]]), m)
    for _ in range(max_rounds):
        mentor_of = _flow_matching(rows, cols, r, m, capacity)
        if int((mentor_of >= 0).sum()) == bound:
            return mentor_of
        more = _search(cand, capacity, mentor_of, has, rng)
        if more is None:
            return mentor_of
        rows, cols = _sorted_pairs(np.concatenate([rows, more[0]]), np.concatenate([cols, more[1]]), m)
    rows, cols = np.nonzero(cand)
    return _flow_matching(rows, cols, r, m, capacity)


def grow(
    cand: np.ndarray,
    capacity: np.ndarray,
    mentor_of: np.ndarray,
    *,
    rows: np.ndarray | None = None,
    seed: int = 0,
) -> np.ndarray:
    """``mentor_of`` with free rows given mentors with room, greedily (a valid matching, not always maximum).

    Parameters
    ----------
    cand : (r, m) bool array
        The pairs that may be matched (rows are indices into it).
    capacity : (m,) int array
        How many rows each column may take.
    mentor_of : (r,) int array
        A valid matching (−1 unmatched); not changed.
    rows : int array, optional
        The free rows to try (default: every unmatched row).
    seed : int
        Seeds the random choice among a row's mentors with room.

    Returns
    -------
    (r,) int64 array
        The matching grown: in each of up to :data:`_GROW_ROUNDS` rounds every row still free picks one of its
        mentors with room at random, and each mentor keeps as many pickers as it has room for, those with the
        fewest mentors with room first.

    Examples
    --------
    >>> import numpy as np
    >>> cand = np.array([[True, True], [True, False], [False, False]])
    >>> grow(cand, np.array([1, 1]), np.array([-1, -1, -1])).tolist()
    [1, 0, -1]
    """
    mentor_of = np.array(mentor_of, dtype=np.int64)
    r, m = cand.shape
    free = np.flatnonzero(mentor_of < 0) if rows is None else np.asarray(rows, dtype=np.int64)
    free = free[mentor_of[free] < 0]
    if len(free) == 0 or m == 0:
        return mentor_of
    room = np.asarray(capacity, dtype=np.int64) - np.bincount(mentor_of[mentor_of >= 0], minlength=m)
    options = cand[free]  # the free rows' pairs, looked up once
    rng = np.random.default_rng(seed)
    for _ in range(_GROW_ROUNDS):
        live = options & (room > 0)[None, :]
        some = live.any(axis=1)
        if not some.any():
            break
        free, options, live = free[some], options[some], live[some]
        keys = rng.random(live.shape, dtype=np.float32)
        keys[~live] = -1.0
        pick = keys.argmax(axis=1)
        order = np.lexsort((live.sum(axis=1), pick))  # by mentor; the rows with the fewest options first
        picked = pick[order]
        first = np.searchsorted(picked, picked, side="left")
        taken = order[np.arange(len(order)) - first < room[picked]]
        mentor_of[free[taken]] = pick[taken]
        room -= np.bincount(pick[taken], minlength=m)
        left = np.ones(len(free), dtype=bool)
        left[taken] = False
        free, options = free[left], options[left]
        if len(free) == 0:
            break
    return mentor_of


def _flow_matching(rows: np.ndarray, cols: np.ndarray, r: int, m: int, capacity: np.ndarray) -> np.ndarray:
    """A maximum matching on the listed pairs, by OR-Tools' maximum flow (``SimpleMaxFlow``).

    Nodes: 0 the source, 1..r the mentees (capacity 1 from the source), r+1..r+m the mentors (their capacity to the
    sink), r+m+1 the sink. Returns each mentee's mentor, −1 unmatched.
    """
    from ortools.graph.python import max_flow  # loaded with the solvers anyway; no scipy.sparse start-up

    mentor_of = np.full(r, -1, dtype=np.int64)
    if len(rows) == 0:
        return mentor_of
    sink = r + m + 1
    tail = np.concatenate([np.zeros(r, np.int64), rows + 1, np.arange(r + 1, r + m + 1)])
    head = np.concatenate([np.arange(1, r + 1), cols + r + 1, np.full(m, sink)])
    cap = np.concatenate([np.ones(r + len(rows), np.int64), np.minimum(capacity, r).astype(np.int64)])
    network = max_flow.SimpleMaxFlow()
    network.add_arcs_with_capacity(tail.astype(np.int32), head.astype(np.int32), cap)
    if network.solve(0, sink) != network.OPTIMAL:
        raise RuntimeError("OR-Tools' maximum flow did not finish")  # cannot happen on these capacities
    pair_arcs = np.arange(r, r + len(rows), dtype=np.int32)
    used = np.asarray(network.flows(pair_arcs)) > 0
    mentor_of[rows[used]] = cols[used]
    return mentor_of


def _sample(
    cand: np.ndarray, capacity: np.ndarray, column_count: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A sparse graph whose maximum flow is close to the full one's (pairs sorted by row).

    From each mentee's side, up to :data:`_START_EDGES` allowed mentors at random: every row scans one random
    order of the mentors from its own random starting point, in windows, until it has its share. From each
    mentor's side, topping up to twice its capacity plus :data:`_START_EDGES` allowed mentees (blocks of rows in
    random order, until every mentor has its share), so that no mentor's capacity is out of the flow's reach.
    """
    r, m = cand.shape
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    order = rng.permutation(m)
    offset = np.asarray(rng.integers(0, m, size=r))
    need = np.full(r, _START_EDGES, dtype=np.int64)
    live: np.ndarray = np.arange(r)
    at, width = 0, 4 * _START_EDGES
    while at < m and len(live):
        width = min(width, m - at)
        position = order[(offset[live, None] + (at + np.arange(width))[None, :]) % m]
        part = cand[live[:, None], position]
        taken = np.cumsum(part, axis=1, dtype=np.int32)
        i, k = np.nonzero(part & (taken <= need[live, None]))
        rows.append(live[i])
        cols.append(position[i, k])
        need[live] -= taken[:, -1]
        live = live[need[live] > 0]
        at, width = at + width, 4 * width
    want = np.minimum(2 * np.minimum(capacity, r) + _START_EDGES, column_count)
    have = np.bincount(np.concatenate(cols), minlength=m) if cols else np.zeros(m, dtype=np.int64)
    step = max(1, _BLOCK_PAIRS // max(m, 1))
    row_order = rng.permutation(r)
    for lo in range(0, r, step):
        open_cols = np.flatnonzero(have < want)
        if len(open_cols) == 0:
            break
        idx = row_order[lo : lo + step]
        part = cand[idx[:, None], open_cols[None, :]]
        taken = np.cumsum(part, axis=0, dtype=np.int32) + have[open_cols]
        i, k = np.nonzero(part & (taken <= want[open_cols]))
        rows.append(idx[i])
        cols.append(open_cols[k])
        have[open_cols] = taken[-1]
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return _sorted_pairs(np.concatenate(rows), np.concatenate(cols), m)


def _sorted_pairs(rows: np.ndarray, cols: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs without duplicates, sorted by row (as :func:`_flow_matching` takes them)."""
    code = np.sort(rows.astype(np.int64) * m + cols)
    code = code[np.concatenate([[True], code[1:] != code[:-1]])] if len(code) else code
    return code // m, code % m


def _search(
    cand: np.ndarray, capacity: np.ndarray, mentor_of: np.ndarray, has: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray] | None:
    """Look for augmenting paths of ``mentor_of`` over the full mask; None proves that there is none.

    A breadth-first search from every unmatched mentee at once, layer by layer: a layer's mentees reach every
    mentor any of them is allowed; a mentor reaches the mentees it holds. If it never reaches a mentor with room,
    no augmenting path exists and the matching is maximum (max-flow min-cut). Otherwise it returns pairs to add
    to the sparse graph: for every mentor when first reached, and for every mentor with room in every layer, up
    to :data:`_START_EDGES` (plus its free capacity) of the layer's mentees allowed to it, at random. They hold
    the search tree, so at least one augmenting path, and the last steps of paths of every length.
    """
    r, m = cand.shape
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=m)
    room = load < capacity
    free = np.flatnonzero((mentor_of < 0) & has)
    if len(free) == 0 or not room.any():
        return None
    matched = mentor_of >= 0
    holder = np.where(matched, mentor_of, 0)
    reached_row = np.zeros(r, dtype=bool)
    reached_row[free] = True
    reached_col = np.zeros(m, dtype=bool)
    frontier = free
    count_type = np.int16 if r < 2**15 else np.int32
    quota = _START_EDGES + np.minimum(capacity - load, r).clip(0)  # a mentor with room: a path per free unit
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    while len(frontier):
        frontier = frontier[rng.permutation(len(frontier))]  # so that the first mentees allowed are random ones
        sub = cand[frontier]
        new = sub.any(axis=0) & ~reached_col
        reached_col |= new
        targets = np.flatnonzero(new | (room & reached_col))
        reach = sub[:, targets]
        keep = reach & (np.cumsum(reach, axis=0, dtype=count_type) <= quota[targets])
        i, k = np.nonzero(keep)
        rows.append(frontier[i])
        cols.append(targets[k])
        frontier = np.flatnonzero(matched & new[holder] & ~reached_row)
        reached_row[frontier] = True
    if not (room & reached_col).any():
        return None
    return np.concatenate(rows), np.concatenate(cols)
