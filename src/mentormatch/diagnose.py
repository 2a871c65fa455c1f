"""Before solving: shortages of supply against demand, mentees nobody may take, and minimum relaxation sets.

Two questions a coordinator asks before (or instead of) solving (PRODUCT.md section 6, "Before solving"):

- :func:`diagnose`: where are mentors short? Supply against demand per extremism type, primary language, risk
  level and region, the mentees with no allowed mentor and the rule families that exclude their mentors, the
  coach tier's limits, each shortage with a remedy in words, and the most mentees that can be matched at once.
- :func:`relaxations`: which rule families, fewest first, would have to be relaxed for every mentee (or some
  chosen mentees, keeping everyone already matched) to be matched at once? Exclusions are never offered.

Both work on the (n, m) masks of a :class:`~mentormatch.problem.Problem`, vectorised: loops run over groups,
family sets, search layers and mentees with a workload above 1, never over mentee × mentor pairs.

**Maximum matchings.** "The most mentees that can be matched at once" is a maximum flow: source → mentee (1) →
allowed mentor → sink (the mentor's capacity). :func:`_max_matching` finds it exactly without a graph of all
allowed pairs: ``scipy.sparse.csgraph.maximum_flow`` runs on a sparse sample (a few random allowed mentors per
mentee, a few mentees per unit of each mentor's capacity); a breadth-first search over the full mask, whole
frontiers at a time, then either proves the flow's matching maximum (no augmenting path: max-flow min-cut) or adds
the pairs of its search tree to the sample, and the flow runs again. A group's matching grows from the whole
roster's restricted to the group. Measured at 20000 × 5000 (``synthetic_roster(20000, 5000, seed=0)``, 31 M
allowed pairs, 2 cores): the whole roster's maximum in about 1 s (two rounds) where the flow over every allowed
pair takes 6 s (3.6 s of it the flow), and :func:`diagnose` with its 24 groups in 3 s.

**Workloads.** With a workload above 1, capacity becomes a knapsack constraint; the matchings above then count
each mentee as one unit, on the pairs where the mentor's capacity holds the mentee's workload at all. Every
matching that respects workloads respects these unit loads too, so the count is an upper bound on the mentees
that can be matched (``Diagnosis.exact`` is False); with unit workloads it is exact.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

from .config import MatchConfig
from .continuity import closed_by_status
from .encode import encode, rule_bits
from .problem import Instance, Problem
from .result import MatchResult
from .rules import FAMILY_WORDS, RELAXABLE, RULES, Shortfall, relaxable_rules, relaxed_config, remedy
from .schema import EXTREMISM_TYPES, RISK_LEVELS

__all__ = [
    "Diagnosis",
    "diagnose",
    "Relaxation",
    "relaxations",
    "relaxed_config",
    "RELAXABLE",
    "SHORTAGE_COLUMNS",
    "EXACT_PAIRS",
]

SHORTAGE_COLUMNS: tuple[str, ...] = (
    "kind",
    "group",
    "mentees",
    "demand",
    "mentors",
    "supply",
    "shortfall",
    "no_allowed_mentor",
    "max_matched",
    "unmatched",
    "remedy",
)
"""Columns of :attr:`Diagnosis.shortages`."""

_KIND_WORDS = {
    "all": "all mentees",
    "extremism_type": "extremism type",
    "language": "language",
    "risk_level": "risk level",
    "region": "region",
    "coach": "coaches",
}
_START_EDGES = 8
"""Allowed mentors per mentee (at random) in the sparse graph of :func:`_max_matching`'s first flow, and mentees
per mentor added by each of its searches."""
_MAX_ROUNDS = 40
"""Rounds of flow and search in :func:`_max_matching` before it runs the flow on every allowed pair instead."""
EXACT_PAIRS = 50_000
"""With workloads above 1, :func:`relaxations` decides a set by an exact solve only up to this many candidate pairs
(the size up to which ``auto`` hands such problems to CP-SAT whole); larger undecided sets make the answer
unproven."""
_BLOCK_PAIRS = 1 << 21
"""Pairs per row block when a pass over an (r, m) mask is made a block at a time."""


# ---------------------------------------------------------------------------------------------------------------
# Maximum matchings on a dense mask


def _flow_matching(rows: np.ndarray, cols: np.ndarray, r: int, m: int, capacity: np.ndarray) -> np.ndarray:
    """A maximum matching on the listed pairs (``rows`` sorted), by ``scipy.sparse.csgraph.maximum_flow``.

    Nodes: 0 the source, 1..r the mentees (capacity 1 from the source), r+1..r+m the mentors (their capacity to the
    sink), r+m+1 the sink. Returns each mentee's mentor, −1 unmatched.
    """
    mentor_of = np.full(r, -1, dtype=np.int64)
    if len(rows) == 0:
        return mentor_of
    size = r + m + 2
    per_row = np.bincount(rows, minlength=r)
    degree = np.concatenate([[r], per_row, np.ones(m, dtype=np.int64), [0]])
    indptr = np.concatenate([[0], np.cumsum(degree)])
    indices = np.concatenate([np.arange(1, r + 1), cols + r + 1, np.full(m, size - 1)])
    data = np.concatenate([np.ones(r + len(rows), dtype=np.int64), np.minimum(capacity, r)])
    index_type = np.int32 if len(indices) < 2**31 else np.int64
    graph = sp.csr_array(
        (data.astype(np.int32), indices.astype(index_type), indptr.astype(index_type)), shape=(size, size)
    )
    flow = maximum_flow(graph, 0, size - 1, method="dinic").flow.tocsr()
    block = flow[1 : r + 1][:, r + 1 : r + m + 1].tocoo()
    used = block.data > 0
    mentor_of[block.row[used]] = block.col[used]
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
    rows, cols = [], []
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
    rows, cols = [], []
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


def _max_matching(cand: np.ndarray, capacity: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """A maximum matching of the rows of ``cand`` ((r, m) bool) into mentors of ``capacity`` (mentees each).

    Parameters
    ----------
    cand : (r, m) bool array
    capacity : (m,) int array
    start : (r,) int array, optional
        A valid matching to grow (each mentor's count within capacity, pairs in ``cand``).

    Returns
    -------
    (r,) int64 array
        Each row's column, −1 unmatched; the number matched is the maximum (exact).

    Notes
    -----
    The flow runs on a sparse graph: the start's pairs and a few random allowed mentors per mentee. Then
    :func:`_search` either proves the flow's matching maximum over the full mask or adds the pairs of a search
    tree holding an augmenting path, and the flow runs again (each round matches at least one more mentee).
    After :data:`_MAX_ROUNDS` rounds the flow runs on every allowed pair. Deterministic (a fixed seed).
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
    rng = np.random.default_rng(0)
    rows, cols = _sample(cand, capacity, column_count, rng)
    if start is not None:
        kept = np.flatnonzero(mentor_of >= 0)
        rows, cols = _sorted_pairs(np.concatenate([rows, kept]), np.concatenate([cols, mentor_of[kept]]), m)
    for _ in range(_MAX_ROUNDS):
        mentor_of = _flow_matching(rows, cols, r, m, capacity)
        if int((mentor_of >= 0).sum()) == bound:
            return mentor_of
        more = _search(cand, capacity, mentor_of, has, rng)
        if more is None:
            return mentor_of
        rows, cols = _sorted_pairs(np.concatenate([rows, more[0]]), np.concatenate([cols, more[1]]), m)
    rows, cols = np.nonzero(cand)
    return _flow_matching(rows, cols, r, m, capacity)


# ---------------------------------------------------------------------------------------------------------------
# diagnose


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """Shortages before solving (PRODUCT.md section 6, "Before solving"), from :func:`diagnose`.

    Attributes
    ----------
    shortages : DataFrame
        One row per group, columns :data:`SHORTAGE_COLUMNS`. ``kind`` is ``all`` (one row, every mentee),
        ``extremism_type``, ``language`` (by primary language, the first listed), ``risk_level``, ``region`` (mentees
        who gave one) or ``coach``. For a group G: ``mentees`` = |G|; ``demand`` = Σ workload of G; ``mentors`` =
        mentors allowed to at least one mentee of G; ``supply`` = Σ their capacity (a mentor counts for every group
        it may serve); ``shortfall`` = max(0, demand − supply), a lower bound (Hall) on the capacity units of G left
        unmet; ``no_allowed_mentor`` = mentees of G with no allowed mentor; ``max_matched`` = the most mentees of G
        that can be matched at once, with every mentor free for G (a maximum flow; see :attr:`exact`);
        ``unmatched`` = ``mentees − max_matched``: at least this many of G stay unmatched in any matching (the
        severity); ``remedy`` = what to do, in words, or "" where nothing is short.

        ``coach`` rows (only with a coach tier; every column as above but over the pairs a coach may supervise):
        one per extremism type, where ``no_allowed_mentor`` counts mentees with no allowed mentor whom an
        eligible coach covering their type may supervise, and ``unmatched`` is how many more mentees than under
        the hard rules alone are lost; ``mentor slots``: ``demand`` = mentors needed at least (the fewest whose
        capacities carry ``max_matched`` of the whole roster), ``supply`` = Σ max_mentors, ``max_matched`` = the
        mentees that the ``supply`` mentors with the most capacity can carry; ``case-load``: ``demand`` = mentees
        matchable under the hard rules, ``supply`` = Σ max_mentees. Coach rows bound the coach problem from one
        side only: the limits interact, so a problem with no coach shortage here may still lose mentees to
        supervision.
    no_allowed_mentor : DataFrame
        The mentees with no allowed mentor: ``mentee_id``, ``risk_level``, one column per family of
        :data:`mentormatch.rules.RULES` (how many mentors it excludes; a mentor excluded by several is counted
        under each) and ``fixed_by`` (the families whose relaxation alone would give the mentee an allowed
        mentor, ``;``-separated; ``status`` when a paused or leaving mentor passes every rule).
    max_matched : int
        The most mentees that can be matched at once under the hard rules and capacities (coach tier aside).
    n_mentees : int
    exact : bool
        True when every workload is 1, so that every ``max_matched`` is exact; otherwise they count each mentee
        as one unit on the pairs where the mentor's capacity holds its workload, an upper bound.
    """

    shortages: pd.DataFrame
    no_allowed_mentor: pd.DataFrame
    max_matched: int
    n_mentees: int
    exact: bool = True
    coach_bound: int | None = None
    """With a coach tier: at most this many mentees can be matched under the coach limits too (an upper bound:
    specialisms, languages and fixed coaches per mentee type, Σ max_mentors and Σ max_mentees); else None."""

    @property
    def short(self) -> pd.DataFrame:
        """The rows of :attr:`shortages` with a shortage, most severe first."""
        table = self.shortages
        rows = table[table["remedy"] != ""]
        order = np.lexsort(
            (
                np.arange(len(rows)),
                -rows["no_allowed_mentor"].to_numpy(),
                -rows["shortfall"].to_numpy(),
                -rows["unmatched"].to_numpy(),
            )
        )
        return rows.iloc[order].reset_index(drop=True)

    def lines(self, limit: int = 12) -> list[str]:
        """Lines for the terminal: a headline, then up to ``limit`` shortages with remedies, most severe first.

        Carries counts, group values (a type, a language, a region) and rule names, never a person's id or
        profile values.
        """
        n, best = self.n_mentees, self.max_matched
        short = self.short
        bound = "" if self.exact else " (workloads above 1 counted as 1: an upper bound)"
        if short.empty and best == n:
            if self.exact:
                return [f"no shortage: {_all(n)} can be matched at once under the hard rules"]
            return [f"no shortage found: every group's demand fits the capacity of its allowed mentors{bound}"]
        lines = [f"at most {best} of {n} {_mentees(n)} can be matched under the hard rules{bound}"]
        if self.coach_bound is not None and self.coach_bound < best:
            lines[0] += f"; the coach limits allow at most {self.coach_bound}"
        nobody = len(self.no_allowed_mentor)
        if nobody:
            lines.append(f"{nobody} {_mentees(nobody)} {'has' if nobody == 1 else 'have'} no allowed mentor")
        for row in short.head(max(limit, 0)).itertuples(index=False):
            parts = row.remedy.split("; ")  # one remedy per line: the parts never hold "; " themselves
            if row.kind == "all":
                lines.extend(parts)
            else:
                lines.append(f"{_KIND_WORDS[row.kind]} {row.group}:")
                lines.extend(f"  - {part}" for part in parts)
        rest = len(short) - max(limit, 0)
        if rest > 0:
            lines.append(f"... and {rest} more {'shortage' if rest == 1 else 'shortages'} (see the shortages table)")
        return lines


def _mentees(k: int) -> str:
    return "mentee" if k == 1 else "mentees"


def _all(k: int) -> str:
    """ "all 30 mentees", "the 1 mentee"."""
    return "the 1 mentee" if k == 1 else f"all {k} mentees"


def _groups(problem: Problem) -> list[tuple[str, list[tuple[str, np.ndarray]]]]:
    """(kind, [(group value, mentee indices)]) for each kind of group, groups in a fixed order."""
    mentees = problem.roster.mentees

    def by(values: list, order: Sequence | None = None) -> list[tuple[str, np.ndarray]]:
        codes: dict = {}
        for k, value in enumerate(values):
            if value is not None:
                codes.setdefault(value, []).append(k)
        keys = [v for v in order if v in codes] if order is not None else sorted(codes)
        return [(key, np.asarray(codes[key], dtype=np.int64)) for key in keys]

    return [
        ("extremism_type", by([p.extremism_type for p in mentees], EXTREMISM_TYPES)),
        ("language", by([p.languages[0] for p in mentees])),
        ("risk_level", by([p.risk_level for p in mentees], RISK_LEVELS)),
        ("region", by([p.region for p in mentees])),
    ]


@dataclass
class _Context:
    """What every group's numbers and words are computed from (one per :func:`diagnose` call)."""

    problem: Problem
    cand: np.ndarray
    """Allowed pairs whose mentor's capacity holds the mentee's workload (the unit relaxation's pairs)."""
    has_allowed: np.ndarray
    mentor_of: np.ndarray
    fixed_by: dict[str, np.ndarray]
    """For each family, (n,) bool: relaxing it alone gives this mentee (with no allowed mentor) one."""
    qualified: np.ndarray
    """(types,) how many mentors have each type's expertise and the high-risk experience."""


def _group_numbers(
    ctx: _Context,
    rows: np.ndarray | slice,
    allowed: np.ndarray,
    cand: np.ndarray,
    columns: np.ndarray | None = None,
    start: np.ndarray | None = None,
    maximum: bool = False,
) -> dict:
    """Counts and the maximum matching of one group, over every mentor or the ``columns`` mask of mentors.

    ``allowed`` and ``cand`` are the group's rows of the allowed and candidate masks (scratch: with ``columns``
    they are masked in place). ``start`` is a valid matching of the group to grow (by default the whole
    roster's, restricted to the group and to ``columns``); ``maximum=True`` says it is already maximum.
    """
    p = ctx.problem
    if columns is not None:
        allowed &= columns[None, :]
        cand &= columns[None, :]
    has = np.asarray(allowed.any(axis=1))
    serves = allowed.any(axis=0)
    begin = ctx.mentor_of[rows] if start is None else start
    if columns is not None:
        begin = np.where((begin >= 0) & columns[np.maximum(begin, 0)], begin, -1)
    mentor_of = begin if maximum else _max_matching(cand, p.capacity, begin)
    demand = int(p.workload[rows].sum())
    supply = int(p.capacity[serves].sum())
    return {
        "mentees": len(has),
        "demand": demand,
        "mentors": int(serves.sum()),
        "supply": supply,
        "shortfall": max(0, demand - supply),
        "no_allowed_mentor": int((~has).sum()),
        "max_matched": int((mentor_of >= 0).sum()),
        "misfit": int((has & ~cand.any(axis=1)).sum()),
        "_mentor_of": mentor_of,
    }


def _who(count: int, kind: str, group: str, high_type: str | None = None) -> str:
    """``count`` mentees of a group in words: "1 islamist mentee", "3 high-risk islamist mentees in north"."""
    noun = "mentee" if count == 1 else "mentees"
    risk = f"high-risk {high_type} " if high_type is not None else ""
    if kind == "extremism_type":
        return f"{count} high-risk {group} {noun}" if high_type is not None else f"{count} {group} {noun}"
    if kind == "risk_level":
        return f"{count} {risk or group + '-risk '}{noun}"
    if kind == "language":
        return f"{count} {risk}{noun} with primary language {group}"
    if kind == "region":
        return f"{count} {risk}{noun} in {group}"
    return f"{count} {risk}{noun}"


def _capacity_words(kind: str, group: str, numbers: dict, config: MatchConfig) -> str:
    """The remedy when capacity, not the rules, limits a group."""
    k, best = numbers["mentees"], numbers["max_matched"]
    what = f"at most {best} of {k} {_mentees(k)}" if kind == "all" else f"at most {best} of its {k} {_mentees(k)}"
    mentors = numbers["mentors"]
    offer = f"{mentors} allowed {'mentor offers' if mentors == 1 else 'mentors offer'} {numbers['supply']} capacity"
    offer += " units"
    if numbers["shortfall"] > 0:
        head = f"{what} can be matched at once: {offer} for a demand of {numbers['demand']}"
    else:
        head = (
            f"{what} can be matched at once: {offer} for a demand of {numbers['demand']}, but some mentees "
            "depend on the same few mentors"
        )
    if kind == "extremism_type":
        return f"{head}: recruit or train mentors for {group}, or raise their capacities"
    if kind == "language":
        return f"{head}: recruit a mentor who speaks {group}, or raise capacities"
    if kind == "region":
        return f"{head}: recruit mentors in {group}, or raise capacities"
    if kind == "risk_level" and group in config.rules.high_risk_levels:
        return (
            f"{head}: recruit or train mentors with the expertise and ≥ "
            f"{config.rules.high_risk_min_experience:g} years, or raise their capacities"
        )
    return f"{head}: recruit mentors or raise capacities"


def _remedy(ctx: _Context, kind: str, group: str, rows: np.ndarray, numbers: dict) -> str:
    """The words for one group: mentees nobody may take (by the family that alone blocks them), workloads no
    allowed mentor can hold, and capacity; "" when the group is not short."""
    config = ctx.problem.config
    if numbers["max_matched"] == numbers["mentees"] and numbers["shortfall"] == 0:
        return ""
    parts = []
    nobody = rows[~ctx.has_allowed[rows]]
    if kind != "all" and len(nobody):
        left = np.ones(len(nobody), dtype=bool)
        type_of = ctx.problem.features.mentee_type
        status = ctx.fixed_by.get("status")
        if status is not None and status[nobody].any():
            hit = status[nobody]
            c = int(hit.sum())
            parts.append(
                f"{_who(c, kind, group)} {'has' if c == 1 else 'have'} no suitable mentor but paused or "
                "leaving ones: ask one of them to take the case, or recruit"
            )
            left &= ~hit
        for family in RELAXABLE[:-1]:
            fixed = ctx.fixed_by.get(family)
            hit = left & fixed[nobody] if fixed is not None else np.zeros(len(nobody), dtype=bool)
            if not hit.any():
                continue
            if family == "high_risk":  # by type, so that the words can name the expertise
                for t in np.unique(type_of[nobody[hit]]).tolist():
                    c = int((type_of[nobody[hit]] == t).sum())
                    who = _who(c, kind, group, EXTREMISM_TYPES[t])
                    words = Shortfall(who, c, kind, group, EXTREMISM_TYPES[t], int(ctx.qualified[t]))
                    parts.append(remedy(family, ctx.problem.config, words))
            else:
                c = int(hit.sum())
                parts.append(remedy(family, ctx.problem.config, Shortfall(_who(c, kind, group), c, kind, group)))
            left &= ~hit
        if left.any() and ctx.problem.shape[1] == 0:
            parts.append("there are no mentors: recruit mentors")
        elif left.any():
            c = int(left.sum())
            parts.append(
                f"{_who(c, kind, group)} {'breaks' if c == 1 else 'break'} several rules (or an exclusion) "
                "with every mentor: see the no-allowed-mentor table"
            )
    if numbers["misfit"]:
        c = numbers["misfit"]
        parts.append(
            f"{_who(c, kind, group)} {'has' if c == 1 else 'have'} a workload that no allowed mentor's "
            "capacity holds: raise a capacity or split the case"
        )
    capacity_lost = numbers["mentees"] - numbers["max_matched"] - numbers["no_allowed_mentor"] - numbers["misfit"]
    if capacity_lost > 0 or (numbers["shortfall"] > 0 and not parts):
        parts.append(_capacity_words(kind, group, numbers, config))
    return "; ".join(parts)  # Diagnosis.lines splits on "; ": no part may contain it


def _fewest_mentors(capacity: np.ndarray, units: int) -> int:
    """The fewest mentors whose capacities add up to ``units`` (len + 1 if all of them cannot)."""
    total = np.cumsum(np.sort(capacity)[::-1])
    return int(np.searchsorted(total, units, side="left")) + 1 if units > 0 else 0


def _supervisable_types(ctx: _Context) -> np.ndarray:
    """(m, types) bool: some coach eligible for mentor j, with room for a mentor and a mentee at all, covers t."""
    tier = ctx.problem.coaches
    assert tier is not None  # asked only with coaches
    usable = (tier.max_mentors > 0) & (tier.max_mentees > 0)
    return ((tier.eligible & usable[None, :]).astype(np.uint8) @ tier.cover.astype(np.uint8)) > 0


def _coach_type_row(
    ctx: _Context, group: str, idx: np.ndarray, allowed: np.ndarray, cand: np.ndarray, base: dict
) -> dict:
    """The coach row of one extremism type: its numbers over the mentors a coach covering it may supervise."""
    tier = ctx.problem.coaches
    assert tier is not None  # asked only with coaches
    t = EXTREMISM_TYPES.index(group)
    numbers = _group_numbers(ctx, idx, allowed, cand, _supervisable_types(ctx)[:, t], start=base["_mentor_of"])
    lost = base["max_matched"] - numbers["max_matched"]
    newly = numbers["no_allowed_mentor"] - base["no_allowed_mentor"]
    words = []
    if newly > 0:
        who = f"{newly} {group} {_mentees(newly)} {'has' if newly == 1 else 'have'} allowed mentors but none"
        covering = (tier.max_mentors > 0) & (tier.max_mentees > 0) & tier.cover[:, t]
        if not covering.any():
            words.append(
                f"{who} that a coach may supervise (no coach with room covers {group}): recruit a coach "
                f"with specialism {group}, or add it to a coach's specialisms"
            )
        else:
            words.append(
                f"{who} that a coach covering {group} may supervise (coach languages or fixed coaches): "
                f"recruit a coach for {group} who shares a language with these mentors"
            )
    if lost > max(newly, 0):
        words.append(
            f"at most {numbers['max_matched']} of its {numbers['mentees']} mentees can be matched to mentors "
            f"a coach may supervise ({base['max_matched']} without coaches): recruit a coach with "
            f"specialism {group}, or raise max_mentors"
        )
    return {"kind": "coach", "group": group, **numbers, "unmatched": max(lost, 0), "remedy": "; ".join(words)}


def _coach_totals(ctx: _Context, best: int) -> tuple[list[dict], int]:
    """The coach tier's ``mentor slots`` and ``case-load`` rows (see :class:`Diagnosis`), and the most mentees
    its limits allow (an upper bound)."""
    p = ctx.problem
    tier = p.coaches
    assert tier is not None  # asked only with coaches
    n = p.shape[0]
    usable = (tier.max_mentors > 0) & (tier.max_mentees > 0)
    slots = int(tier.max_mentors[usable].sum())
    # in the units of ``best`` (each mentee one unit): the fewest mentors that carry ``best`` mentees, and the
    # most mentees that the ``slots`` largest capacities carry
    serving = p.capacity[ctx.cand.any(axis=0)]
    needed = _fewest_mentors(serving, best)
    carried = min(best, int(np.sort(serving)[::-1][:slots].sum()))
    remedy = ""
    if carried < best:
        remedy = (
            f"matching {best} {_mentees(best)} takes at least {needed} {'mentor' if needed == 1 else 'mentors'}, "
            f"but the coaches may supervise at most {slots} (at most {carried} {_mentees(carried)}): raise "
            "max_mentors or recruit a coach"
        )
    rows = [
        {
            "kind": "coach",
            "group": "mentor slots",
            "mentees": n,
            "demand": needed,
            "mentors": int(len(serving)),
            "supply": slots,
            "shortfall": max(0, needed - slots),
            "no_allowed_mentor": 0,
            "max_matched": carried,
            "unmatched": best - carried,
            "remedy": remedy,
        }
    ]
    load = int(np.minimum(tier.max_mentees[usable], n).sum())
    remedy = ""
    if load < best:
        remedy = (
            f"{best} {_mentees(best)} can be matched under the hard rules, but the coaches' case-loads allow "
            f"{load}: raise max_mentees or recruit a coach"
        )
    rows.append(
        {
            "kind": "coach",
            "group": "case-load",
            "mentees": n,
            "demand": best,
            "mentors": int(len(serving)),
            "supply": load,
            "shortfall": max(0, best - load),
            "no_allowed_mentor": 0,
            "max_matched": min(best, load),
            "unmatched": max(0, best - load),
            "remedy": remedy,
        }
    )
    # the whole roster on the pairs a coach may supervise: a maximum matching, grown from the plain one
    supervisable = ctx.cand & _supervisable_types(ctx)[:, tier.mentee_type].T
    held = ctx.mentor_of >= 0
    begin = np.where(held & supervisable[np.arange(n), np.where(held, ctx.mentor_of, 0)], ctx.mentor_of, -1)
    covered = int((_max_matching(supervisable, p.capacity, begin) >= 0).sum())
    return rows, min(covered, carried, load)


def diagnose(problem: Problem) -> Diagnosis:
    """Supply against demand before solving: shortages with remedies, mentees nobody may take, coach limits.

    Parameters
    ----------
    problem : Problem
        From :func:`mentormatch.build_problem` (it needs the roster and config the problem keeps).

    Returns
    -------
    Diagnosis
        See :class:`Diagnosis` for every number. ``lines()`` gives the terminal summary.

    Notes
    -----
    The shortfall compares a group's demand with the capacity of every mentor allowed to any of its mentees, so a
    mentor counts for several groups; ``max_matched`` is the exact (unit workloads) answer to "how many of these
    mentees can be matched at once", by a maximum flow (see the module docstring). The whole roster's maximum is
    computed once; a group's starts from it restricted to the group.

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem
    >>> d = diagnose(build_problem(read_roster("data/synthetic/small")))
    >>> d.max_matched, d.n_mentees, d.exact
    (22, 30, False)
    >>> for line in d.lines(limit=1):
    ...     print(line)
    at most 22 of 30 mentees can be matched under the hard rules (workloads above 1 counted as 1: an upper bound)
    4 mentees have no allowed mentor
    at most 22 of 30 mentees can be matched at once: 12 allowed mentors offer 29 capacity units for a demand of 33:
    recruit mentors or raise capacities
    ... and 11 more shortages (see the shortages table)
    >>> list(d.shortages.columns[:6])
    ['kind', 'group', 'mentees', 'demand', 'mentors', 'supply']
    """
    if problem.roster is None or problem.config is None:
        raise ValueError("diagnose needs a problem built by build_problem (it keeps the roster and config)")
    roster, config = problem.roster, problem.config
    features = problem.features if problem.features is not None else encode(roster, config)
    problem = problem if problem.features is not None else replace(problem, features=features)
    n, m = problem.shape
    workload, capacity = problem.workload, problem.capacity
    cand = problem.allowed & (capacity[None, :] >= workload[:, None])
    has_allowed = np.asarray(problem.allowed.any(axis=1))
    mentor_of = _max_matching(cand, capacity)
    best = int((mentor_of >= 0).sum())

    nobody = np.flatnonzero(~has_allowed)
    bits = rule_bits(roster, config, nobody, features=features)
    open_ = ~closed_by_status(roster, problem.current, nobody)  # a paused or leaving mentor: no rule relaxation helps
    fixed_by: dict[str, np.ndarray] = {}
    if not open_.all():  # "status": a paused or leaving mentor passes every rule
        fixed_by["status"] = np.zeros(n, dtype=bool)
        fixed_by["status"][nobody] = ((bits == 0) & ~open_).any(axis=1) if m else False
    for family in relaxable_rules(config)[:-1]:
        keep = ~np.array(1 << RULES.index(family), dtype=bits.dtype)
        fixed = np.zeros(n, dtype=bool)
        fixed[nobody] = (((bits & keep) == 0) & open_).any(axis=1) if m else False
        fixed_by[family] = fixed
    experienced = features.experience >= config.rules.high_risk_min_experience
    qualified = (features.expertise_table & experienced[None, :]).sum(axis=1)
    ctx = _Context(problem, cand, has_allowed, mentor_of, fixed_by, qualified)

    total = _group_numbers(ctx, slice(None), problem.allowed, cand, maximum=True)
    rows = [
        {
            "kind": "all",
            "group": "all",
            **total,
            "unmatched": n - best,
            "remedy": _remedy(ctx, "all", "all", np.arange(n), total),
        }
    ]
    # each kind's mentees sorted by group into two reused buffers, so that a group's rows are a view
    allowed_buffer = np.empty((n, m), dtype=bool)
    cand_buffer = np.empty((n, m), dtype=bool)
    groups = _groups(problem)
    coach_rows: list[dict] = []
    for kind, members in groups:
        order = np.concatenate([idx for _, idx in members]) if members else np.zeros(0, dtype=np.int64)
        np.take(problem.allowed, order, axis=0, out=allowed_buffer[: len(order)])
        np.take(cand, order, axis=0, out=cand_buffer[: len(order)])
        at = 0
        for group, idx in members:
            view = slice(at, at + len(idx))
            at += len(idx)
            numbers = _group_numbers(ctx, idx, allowed_buffer[view], cand_buffer[view])
            rows.append(
                {
                    "kind": kind,
                    "group": group,
                    **numbers,
                    "unmatched": len(idx) - numbers["max_matched"],
                    "remedy": _remedy(ctx, kind, group, idx, numbers),
                }
            )
            if kind == "extremism_type" and problem.coaches is not None:
                coach_rows.append(_coach_type_row(ctx, group, idx, allowed_buffer[view], cand_buffer[view], numbers))
    del allowed_buffer, cand_buffer
    coach_limited = None
    if problem.coaches is not None:
        coach, coach_limited = _coach_totals(ctx, best)
        rows.extend(coach_rows + coach)
    shortages = pd.DataFrame(rows, columns=list(SHORTAGE_COLUMNS))
    for column in SHORTAGE_COLUMNS[2:-1]:
        shortages[column] = shortages[column].astype(np.int64)

    table = {
        "mentee_id": [problem.mentee_ids[i] for i in nobody],
        "risk_level": [roster.mentees[i].risk_level for i in nobody],
    }
    for k, rule in enumerate(RULES):
        table[rule] = ((bits >> k) & 1).sum(axis=1, dtype=np.int64)
    table["fixed_by"] = [";".join(f for f, fixed in fixed_by.items() if fixed[i]) for i in nobody]
    return Diagnosis(
        shortages=shortages,
        no_allowed_mentor=pd.DataFrame(table),
        max_matched=best,
        n_mentees=n,
        exact=bool(np.all(workload == 1)),
        coach_bound=coach_limited,
    )


# ---------------------------------------------------------------------------------------------------------------
# relaxations


@dataclass(frozen=True, eq=False)
class Relaxation:
    """A minimum set of rule families whose relaxation lets the required mentees be matched, from
    :func:`relaxations`.

    Attributes
    ----------
    mentee_ids : tuple of str
        The mentees required to be matched at once, in input order.
    families : tuple of str
        A minimum set (fewest families; ties broken in :data:`RELAXABLE` order); ``()`` when the required mentees
        can already be matched together, or when they cannot be at all (see ``matchable``).
    matchable : bool
        False when even relaxing every family does not do it: some required mentee has every mentor excluded
        (``blocked``), or there are no mentors.
    config : MatchConfig
        The problem's config with the rules of ``families`` switched off.
    capacity_relaxed : bool
        ``capacity`` is in ``families``: the answer needs mentors' capacities lifted (as if unlimited).
    alternatives : list of tuple of str
        The other sets of the same size that work too (those decided within the time limit).
    proven : bool
        Every smaller set was proven not to work (within the time limit, every check ended); otherwise
        ``families`` works but a smaller set might.
    requested : tuple of str
        The ids asked about (all mentees when none were given).
    kept : int
        How many already matched mentees were required to stay matched (with ``matching``).
    blocked : tuple of str
        Required mentees with no mentor outside their exclusions.
    given : int
        Running pairs taken as given (PRODUCT.md section 7: locked pairs and kept ones), whose mentees count as
        matched and are not in ``mentee_ids``.
    """

    mentee_ids: tuple[str, ...]
    families: tuple[str, ...]
    matchable: bool
    config: MatchConfig
    capacity_relaxed: bool
    alternatives: list[tuple[str, ...]] = field(default_factory=list)
    proven: bool = True
    requested: tuple[str, ...] = ()
    kept: int = 0
    blocked: tuple[str, ...] = ()
    everyone: bool = False
    given: int = 0

    def __repr__(self) -> str:  # counts, not the (possibly thousands of) ids
        return (
            f"Relaxation(families={self.families!r}, matchable={self.matchable}, proven={self.proven}, "
            f"required={len(self.mentee_ids)}, alternatives={len(self.alternatives)})"
        )

    def words(self) -> str:
        """One sentence for the terminal, e.g. "relax language and availability to match all 30 mentees (no
        smaller set does)". Names ids and rule families, no profile values."""
        if self.everyone:
            what = _all(len(self.mentee_ids) + self.given)
            if self.given:
                what += f" ({self.given} running {'pair' if self.given == 1 else 'pairs'} kept as given)"
        else:
            what = _id_list(self.requested)
            if self.kept:
                what += f" without unmatching any of the {self.kept} matched {_mentees(self.kept)}"
        if not self.matchable:
            if not self.blocked:
                return f"no relaxation can match {what}: there are no mentors"
            names = _id_list(self.blocked)
            return (
                f"no relaxation can match {what}: {names} {'has' if len(self.blocked) == 1 else 'have'} no "
                "mentor outside the exclusions (exclusions are never relaxed)"
            )
        if not self.families:
            return f"{what} can be matched at once under the current rules: nothing needs relaxing"
        sentence = f"relax {_and(FAMILY_WORDS[f] for f in self.families)} to match {what}"
        if self.proven:
            sentence += " (no smaller set does)"
        else:
            sentence += " (a smaller set may exist: the search did not finish)"
        if self.alternatives:
            shown = [_and(FAMILY_WORDS[f] for f in alt) for alt in self.alternatives[:3]]
            more = len(self.alternatives) - len(shown)
            sentence += "; or relax " + " or ".join(shown) + (f" ({more} more sets of this size)" if more else "")
        return sentence


def _and(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _id_list(ids: Sequence[str], shown: int = 5) -> str:
    ids = list(ids)
    if len(ids) <= shown:
        return _and(ids) if ids else "no mentees"
    return ", ".join(ids[:shown]) + f" and {len(ids) - shown} more"


def _given(problem: Problem, matching: MatchResult | None) -> tuple[np.ndarray, np.ndarray]:
    """The pairs taken as given (PRODUCT.md section 7), as each mentee's mentor (−1 = none), and the capacity left
    for everyone else: locked pairs, the kept pairs of ``matching`` (or, before solving in mode ``keep``, every
    valid current pair whose mentor's capacity holds them all). Paused and leaving mentors take no one else."""
    n, m = problem.shape
    given = np.full(n, -1, dtype=np.int64)
    capacity = problem.capacity.astype(np.int64).copy()
    current = problem.current
    closed = np.zeros(m, dtype=bool)
    if problem.roster is not None:
        closed = np.asarray([p.status != "active" for p in problem.roster.mentors], dtype=bool)
    capacity[closed] = 0
    if current is None:
        return given, capacity
    fixed = current.locked.copy()
    if matching is not None and "change" in matching.table.columns:
        fixed |= matching.table["change"].isin(["kept", "locked"]).to_numpy()
    elif current.mode == "keep":
        fixed |= current.valid & ~current.over_capacity[np.maximum(current.mentor, 0)]
    given[fixed] = current.mentor[fixed]
    rows = np.flatnonzero(fixed)
    load = np.bincount(given[rows], weights=problem.workload[rows], minlength=m).astype(np.int64)
    capacity = np.maximum(problem.capacity - load, 0)
    capacity[closed] = 0
    return given, capacity


def _required(
    problem: Problem, mentee_ids: Sequence[str] | None, matching: MatchResult | None
) -> tuple[np.ndarray, tuple, int]:
    """Indices of the required mentees, the ids asked about, and how many matched mentees are kept."""
    n = problem.shape[0]
    if mentee_ids is None:
        return np.arange(n), tuple(problem.mentee_ids), 0
    if isinstance(mentee_ids, str):
        mentee_ids = [mentee_ids]
    index = {mid: k for k, mid in enumerate(problem.mentee_ids)}
    asked = list(dict.fromkeys(mentee_ids))
    unknown = [mid for mid in asked if mid not in index]
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:20])
        if len(unknown) > 20:
            shown += f" and {len(unknown) - 20} more"
        raise ValueError(f"unknown mentee {'id' if len(unknown) == 1 else 'ids'}: {shown}")
    rows = {index[mid] for mid in asked}
    kept = 0
    if matching is not None:
        table = matching.table
        if list(table["mentee_id"]) != list(problem.mentee_ids):
            raise ValueError("matching is not a matching of this problem's mentees (ids differ)")
        matched = set(np.flatnonzero(table["mentor_id"].notna().to_numpy()).tolist())
        kept = len(matched - rows)
        rows |= matched
    return np.asarray(sorted(rows), dtype=np.int64), tuple(asked), kept


def _workloads_fit(
    cand: np.ndarray, allowed: np.ndarray, capacity: np.ndarray, workload: np.ndarray, deadline: float | None
) -> bool | None:
    """Can every row be matched at once with its workload within capacity? True (a matching found), False
    (proven impossible) or None (undecided). For rows that a unit-load matching already covers.

    1. A witness: the workloads above 1, largest first, each to the allowed mentor with the most room left, then
       the unit workloads by a maximum matching on what is left (exact for them).
    2. A refutation: each mentee split into ``workload`` unit copies, which may go to different mentors; every
       matching within capacity gives one of these, so if the copies cannot all be matched, nothing can.
    3. An exact solve (:func:`mentormatch.solvers.run_solver`, priority 1 each, weights 0) while the instance has
       at most :data:`EXACT_PAIRS` candidate pairs: it works if the solve matches everyone, and fails if its
       bound proves it cannot. Larger instances stay undecided.
    """
    from .solvers import run_solver

    r, m = cand.shape
    heavy = np.flatnonzero(workload > 1)
    heavy = heavy[np.argsort(-workload[heavy], kind="stable")]
    left = capacity.astype(np.int64).copy()
    mentor_of = np.full(r, -1, dtype=np.int64)
    placed = True
    for i in heavy.tolist():
        room = np.where(cand[i] & (left >= workload[i]), left, -1)
        j = int(np.argmax(room))
        if room[j] < 0:
            placed = False
            break
        mentor_of[i] = j
        left[j] -= workload[i]
    if placed:
        light = np.flatnonzero(workload == 1)
        rest = _max_matching(cand[light] & (left > 0)[None, :], left)
        if np.all(rest >= 0):
            return True
    copies = np.repeat(np.arange(r), workload)
    if np.any(_max_matching(cand[copies], capacity) < 0):
        return False
    if int(cand.sum()) > EXACT_PAIRS:
        return None
    remaining = None if deadline is None else max(0.0, deadline - time.perf_counter())
    instance = Instance(
        weights=np.zeros((r, m), dtype=np.int64),
        allowed=allowed,
        priority=np.ones(r, dtype=np.int64),
        load=workload.astype(np.int64),
        capacity=capacity.astype(np.int64),
    )
    solution = run_solver(instance, "auto", time_limit=remaining)
    if solution.priority_sum == r:
        return True
    if solution.priority_bound is not None and solution.priority_bound < r:
        return False
    return None


def relaxations(
    problem: Problem,
    mentee_ids: Sequence[str] | None = None,
    *,
    matching: MatchResult | None = None,
    time_limit: float | None = 60.0,
) -> Relaxation:
    """A minimum set of rule families whose relaxation lets the required mentees be matched all at once.

    Parameters
    ----------
    problem : Problem
        From :func:`mentormatch.build_problem`.
    mentee_ids : sequence of str, optional
        The mentees that must be matched. None: every mentee (the ``--require-all`` question).
    matching : MatchResult, optional
        With ``mentee_ids``: everyone this matching matches must stay matched too (possibly to another mentor),
        answering "what would let these be matched without unmatching anyone".
    time_limit : float or None
        Seconds for the whole search (the exact checks with workloads above 1 share it); None: no limit.

    Returns
    -------
    Relaxation

    Raises
    ------
    ValueError
        Unknown mentee ids (all of them named), or a ``matching`` of other mentees.

    Notes
    -----
    Families: those of :data:`RELAXABLE` switched on in ``problem.config``, and ``capacity`` (every mentor's
    capacity unlimited). Exclusions are never relaxed. The coach tier is not considered here: relaxing rules
    cannot help a mentee that coaches cannot supervise; :func:`diagnose` reports the coach tier's shortages.

    The method: which families each required pair breaks is computed once (:func:`mentormatch.encode.rule_bits`).
    Sets R of families are tried by increasing size, in :data:`RELAXABLE` order within a size. A set works when a
    matching exists, on the pairs whose broken families all lie in R (and that are not excluded), that matches
    every required mentee within capacity (or with any capacity, if R holds ``capacity``). The checks, cheapest
    first: every required mentee has such a pair (for all sets at once: the patterns of broken families each
    mentee has, closed under supersets); total capacity covers the demand; a maximum flow with unit workloads
    (exact when every required workload is 1, and a necessary condition otherwise, since a matching within
    capacity also respects unit loads). With larger workloads, a set that passes these is decided by a matching
    found greedily (a witness), by the flow of every mentee split into unit copies (a refutation), and else by an
    exact solve (:func:`mentormatch.solvers.run_solver`, priority 1 each) of up to :data:`EXACT_PAIRS` candidate
    pairs, which works when it matches them all and fails when its bound proves that it cannot; a larger set
    stays undecided. Relaxing more never removes a pair or
    capacity, so once every set of size k − 1 has failed, no set smaller than k can work: the first size at which
    a set works is the minimum, and the enumeration proves it (``proven``) unless the time limit or an unfinished
    exact check leaves a smaller set undecided.

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem
    >>> problem = build_problem(read_roster("data/synthetic/small"))
    >>> r = relaxations(problem)
    >>> r.families, r.proven
    (('language', 'gender_preference', 'high_risk', 'capacity'), True)
    >>> r.words()
    'relax language, gender preference, high-risk expertise and capacity to match all 30 mentees (no smaller set does)'
    >>> relaxations(problem, ["ME00001"]).words()
    'ME00001 can be matched at once under the current rules: nothing needs relaxing'
    """
    start_time = time.perf_counter()
    deadline = None if time_limit is None else start_time + float(time_limit)
    if problem.roster is None or problem.config is None:
        raise ValueError("relaxations needs a problem built by build_problem (it keeps the roster and config)")
    roster, config = problem.roster, problem.config
    features = problem.features if problem.features is not None else encode(roster, config)
    rows, requested, kept = _required(problem, mentee_ids, matching)
    given, capacity = _given(problem, matching)
    n_given = int((given >= 0).sum()) if mentee_ids is None else 0
    rows = rows[given[rows] < 0]  # a mentee kept with their current mentor is matched already
    everyone = mentee_ids is None
    required_ids = tuple(problem.mentee_ids[i] for i in rows)
    n, m = problem.shape
    r = len(rows)
    offered = relaxable_rules(config)

    def result(families: tuple[str, ...], **kwargs) -> Relaxation:
        return Relaxation(
            mentee_ids=required_ids,
            families=families,
            config=relaxed_config(config, families),
            capacity_relaxed="capacity" in families,
            requested=requested,
            kept=kept,
            everyone=everyone,
            given=n_given,
            **kwargs,
        )

    if r == 0:
        return result((), matchable=True)
    if m == 0:
        return result((), matchable=False)

    # data: which families each required pair breaks; per mentee, which patterns of broken families occur
    bits = rule_bits(roster, config, rows, features=features)
    # a paused or leaving mentor's pairs stay closed whatever is relaxed, like exclusions
    bits[closed_by_status(roster, problem.current, rows)] |= 1 << RULES.index("exclusion")
    patterns = 1 << len(RULES)
    present = np.zeros((r, patterns), dtype=bool)
    step = max(1, _BLOCK_PAIRS // m)
    for lo in range(0, r, step):
        block = bits[lo : lo + step]
        codes = (np.arange(len(block), dtype=np.int64)[:, None] * patterns + block).ravel()
        present[lo : lo + len(block)] = np.bincount(codes, minlength=len(block) * patterns).reshape(-1, patterns) > 0
    # reachable[i, M]: mentee i has a pair whose broken families all lie in mask M (superset closure)
    reachable = present
    for b in range(len(RULES)):
        with_b = np.flatnonzero(np.arange(patterns) & (1 << b))
        reachable[:, with_b] |= reachable[:, with_b ^ (1 << b)]
    bit_of = {family: 1 << RULES.index(family) for family in offered if family != "capacity"}
    everything = sum(bit_of.values())
    blocked_rows = ~reachable[:, everything]
    if blocked_rows.any():
        blocked = tuple(required_ids[k] for k in np.flatnonzero(blocked_rows))
        return result((), matchable=False, blocked=blocked)

    workload = problem.workload[rows]
    unit = bool(np.all(workload == 1))
    matchings: dict[frozenset, np.ndarray] = {}

    def works(families: tuple[str, ...]) -> bool | None:
        """True: a matching exists; False: proven not to; None: undecided (time limit)."""
        mask = sum(bit_of[f] for f in families if f != "capacity")
        if not reachable[:, mask].all():
            return False
        if "capacity" in families:
            return True
        if int(workload.sum()) > int(capacity.sum()):  # every workload is ≥ 1
            return False
        if deadline is not None and time.perf_counter() > deadline:
            return None
        allowed = (bits & ~np.array(mask, dtype=bits.dtype)) == 0
        cand = allowed & (capacity[None, :] >= workload[:, None])
        key = frozenset(families)
        begin = None
        for f in families:  # a matching of a subset is valid here too: grow the largest one known
            known = matchings.get(key - {f})
            if known is not None and (begin is None or (known >= 0).sum() > (begin >= 0).sum()):
                begin = known
        mentor_of = _max_matching(cand, capacity, begin)
        matchings[key] = mentor_of
        if (mentor_of < 0).any():
            return False
        used = np.bincount(mentor_of, weights=workload, minlength=m)
        if unit or np.all(used <= capacity):
            return True
        return _workloads_fit(cand, allowed, capacity, workload, deadline)

    # by increasing size; past the deadline only the cheap checks decide, the others stay undecided
    proven = True
    for size in range(len(offered) + 1):
        verdicts = {families: works(families) for families in combinations(offered, size)}
        found = [families for families, verdict in verdicts.items() if verdict is True]
        if found:
            return result(found[0], matchable=True, alternatives=found[1:], proven=proven)
        proven = proven and None not in verdicts.values()
    raise AssertionError("relaxing every offered family always works once no mentee is blocked")  # pragma: no cover
