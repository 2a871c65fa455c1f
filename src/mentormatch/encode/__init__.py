"""Profiles → criterion parts, scores and the allowed mask, vectorised over pairs.

The roster is first turned into per-person arrays (:class:`Features`, a Python loop over people only). Every
criterion and hard rule of PRODUCT.md section 3 is then one numpy expression over index arrays ``i`` (mentees) and
``j`` (mentors) that works both on a block of rows against all mentors (``i`` a column, ``j`` a row: broadcasting
gives an (r, m) block) and on a list of pairs (``i`` and ``j`` 1-D of equal length): :func:`_evaluate`, the
reference reading, which :func:`criterion_parts` and :func:`rule_failures` use for the pairs they report.

The package, one job per module; each imports only the modules listed above it:

- ``blocks``: block sizes, the number of threads, the row-block runner and page pre-faulting (step 6 below);
- ``features``: profiles → :class:`Features` (vocabulary codes, packed-bitset incidence of lists, :func:`encode`);
- ``formulas``: the reference formulas (``_Pairs``: criterion parts and hard-rule tests; the total, the minimum
  score) and the reference scorer that runs them block by block;
- ``tables``: the table method (steps 1-5 below): classes of equal people, grids, tables, the table scorer;
- ``coaches``: the coach tier's arrays (:func:`coach_tier`);
- this ``__init__``: the public API, :func:`build_problem` (and its choice of scorer), :func:`criterion_parts`,
  :func:`rule_failures` and :func:`rule_bits`.

The hard rules' names, settings and words live in :mod:`mentormatch.rules` (:data:`RULES` and
:func:`checked_rules` are re-exported here, their earlier home).

:func:`build_problem` produces the same (n, m) float32 scores and bool mask, bit for bit, without evaluating the
formulas pair by pair:

1. **Classes.** A criterion or rule reads few features of each side (age reads ages, availability the hour
   masks), and people with equal features form a class. ``synthetic_roster(20000, 5000, seed=0)`` has 4980
   mentee classes for availability, 1356 for background, 1294 for needs, 166 for language (set and primary) and
   at most 65 for every other criterion and rule; mentors have 1621 or fewer.
2. **Grids.** Each criterion is evaluated once per (mentee class, mentor class) pair: by the reference formulas
   on those pairs, or, for the large grids of availability, background and needs, from integer statistics
   (overlap hours; list length and items shared, counted by uint8 popcounts) fed to the same part functions
   (``_availability_part``, ``_background_part``, ``_needs_part``). A part takes few distinct values; a grid cell
   holds the index of its value.
3. **Tables.** A grid is expanded, a few rows at a time, to one row per mentee class over all m mentors, so a
   block of mentees gets its rows by ``np.take(table, classes, axis=0)``: a row copy, 0.1-0.4 ns per pair.
4. **Score.** S is summed term by term in float32 (``_sum_terms``), so only the values and the order of
   the terms fix its bits. The leading criteria (while the combinations of their values fit a uint16: by default
   language, extremism, availability, background and gender, 2784 combinations) form one mixed-radix code per
   pair, summed from uint8/uint16 tables of digits, and one lookup (``np.take``) turns the code into the
   float32 partial sum that ``_sum_terms`` computed for every combination. Each later criterion then adds
   its float32 term w_k s_k from a float32 table (experience, mentor-only, is one broadcast row). The clip to
   [0, 1] is skipped when the largest terms cannot sum above 1.
5. **Rules.** Each rule is a bool table over its own classes; availability compares the availability digits
   with the threshold. Tables with few rows are merged into one over joint classes. The mask is the AND of the
   rules, then the minimum score, then exclusions.
6. **Threads.** From 8.4 M pairs, row blocks of 2^17 pairs are handed out to ``min(4, CPUs)`` threads (numpy
   releases the GIL in ``take``, ufuncs and copies); the table chunks are built on the same threads, and a helper
   touches the output's pages while the profiles are read (``blocks._Prefault``). Each block writes its own rows,
   so the result does not depend on scheduling.

If the tables would exceed their memory budget (``tables._TABLE_BUDGET``: 64 MB plus a quarter of the output) or a
grid evaluated pair by pair would be unreasonably large, the reference formulas run block by block instead.

Measured at 20000 × 5000 on the 2-core development VM, ``build_problem`` in fresh processes, medians of 5-9 runs
while other jobs kept one or both cores busy (see ``benchmarks/encode_probe.py``):

- the former method (reference formulas, one thread): 3.0-5.2 s, 3.3-3.5 CPU-s, peak RSS 0.68 GB;
- this one: 0.7-1.9 s on one thread, 0.55-1.5 s on two; about 1.0 CPU-s, 0.4 of it in the kernel taking the
  page faults of 560 MB of fresh memory (output and 62 MB of tables; ~0.1 ms per MB when the host still backs
  the memory, 1.5-3 ms when it does not); peak RSS 0.73 GB. With the output already in memory: profiles 0.09 s,
  tables 0.1 s, blocks 0.25 s on one thread (2.5 ns per pair, 14 times faster than before).

At 3000 × 1000: 0.11-0.22 s before, 0.04-0.09 s now (one thread), peak RSS 0.146 → 0.131 GB.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np

from .._threads import workers as thread_count
from ..config import CRITERIA, MatchConfig
from ..problem import Problem, Progress
from ..rules import RULES, checked_rules, evaluated_rules  # RULES and checked_rules: re-exported, their earlier home
from ..schema import Roster
from .blocks import _TABLE_PAIRS_PER_BLOCK, _block_rows, _Prefault, _score_blocks
from .coaches import coach_tier
from .coaches import has_coach_tier as has_coach_tier  # re-exported: its earlier home
from .features import Features, encode
from .formulas import _evaluate, _min_score_ok, _Pairs, _ReferenceScorer, _total
from .tables import _TableScorer, _TooLarge

__all__ = [
    "Features",
    "RULES",
    "encode",
    "build_problem",
    "coach_tier",
    "criterion_parts",
    "rule_failures",
    "rule_bits",
    "checked_rules",
]


def build_problem(roster: Roster, config: MatchConfig | None = None, *, progress: Progress | None = None) -> Problem:
    """Scores and the allowed mask for every mentee-mentor pair of ``roster``.

    Parameters
    ----------
    roster : Roster
        From :func:`mentormatch.read_roster`.
    config : MatchConfig, optional
        Weights, hard rules and priorities; defaults to ``MatchConfig()``.
    progress : callable, optional
        Called as ``progress(stage, elapsed_seconds)`` while blocks of rows are scored (about once a second),
        and once when the problem is built ("scored N mentees × M mentors").

    Returns
    -------
    Problem
        ``score`` (n, m) float32 in [0, 1], ``allowed`` (n, m) bool, priorities, workloads and capacities.

    Notes
    -----
    The values are those of the reference formulas (:func:`_evaluate`, :func:`_total`) bit for bit, computed
    from per-class tables on up to ``min(4, CPUs)`` threads (see the module docstring).

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem
    >>> problem = build_problem(read_roster("data/synthetic/small"))
    >>> problem.score.dtype, problem.score.shape == problem.allowed.shape
    (dtype('float32'), True)
    """
    config = config or MatchConfig()
    start = time.perf_counter()
    n, m = len(roster.mentees), len(roster.mentors)
    score = np.zeros((n, m), dtype=np.float32)
    allowed = np.zeros((n, m), dtype=bool)
    workers = thread_count(n * m)
    with ThreadPoolExecutor(workers, thread_name_prefix="mentormatch-score") if workers > 1 else nullcontext() as pool:
        prefault = _Prefault((score, allowed)) if pool else None
        try:
            f = encode(roster, config)
            scorer, step = _scorer(f, config, run=pool.map if pool else map) if n and m else (None, 1)
        finally:
            if prefault is not None:
                prefault.stop()
        if scorer is not None:
            _score_blocks(scorer, step, score, allowed, progress, start, pool, workers)
    allowed[f.excluded_i, f.excluded_j] = False
    from ..continuity import current_pairs, restrict

    current = current_pairs(roster, config, allowed)
    restrict(roster, allowed, current)

    priority_of = config.priority.model_dump()
    tier = coach_tier(roster)
    if progress is not None:
        progress(f"scored {n} mentees × {m} mentors", time.perf_counter() - start)
    return Problem(
        mentee_ids=tuple(p.id for p in roster.mentees),
        mentor_ids=tuple(p.id for p in roster.mentors),
        score=score,
        allowed=allowed,
        priority=np.fromiter((priority_of[p.risk_level] for p in roster.mentees), np.int64, n),
        workload=np.fromiter((p.workload for p in roster.mentees), np.int64, n),
        capacity=np.fromiter((p.capacity for p in roster.mentors), np.int64, m),
        roster=roster,
        config=config,
        features=f,
        coach_ids=tuple(c.id for c in roster.coaches),
        coaches=tier,
        current=current,
    )


def _scorer(
    f: Features, config: MatchConfig, method: str = "tables", run: Callable = map
) -> tuple[_TableScorer | _ReferenceScorer, int]:
    """The table scorer and its block rows, or the reference scorer if the tables do not fit (or on request).

    ``run`` maps the chunks of the table building (``map``, or a thread pool's ``map``).
    """
    n, m = len(f.primary), len(f.experience)
    if method == "tables":
        try:
            return _TableScorer(f, config, run), _block_rows(n, m, _TABLE_PAIRS_PER_BLOCK)
        except _TooLarge:
            pass
    return _ReferenceScorer(f, config), _block_rows(n, m)


def criterion_parts(
    roster: Roster,
    config: MatchConfig,
    mentee_index: np.ndarray,
    mentor_index: np.ndarray,
    *,
    features: Features | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-criterion values s_k and the total score S for the given pairs.

    Returns
    -------
    parts : (k, 9) float32 array, columns in :data:`~mentormatch.config.CRITERIA` order
    score : (k,) float32 array
    """
    f = features or encode(roster, config)
    i = np.asarray(mentee_index, dtype=np.int64)
    j = np.asarray(mentor_index, dtype=np.int64)
    parts, _ = _evaluate(f, config, i, j, with_rules=False)
    stacked = np.stack([np.broadcast_to(parts[k], i.shape) for k in CRITERIA], axis=1).astype(np.float32)
    return stacked, _total(parts, config).reshape(i.shape)


def rule_failures(
    roster: Roster, config: MatchConfig, mentee_index: np.ndarray, *, features: Features | None = None
) -> dict[str, np.ndarray]:
    """For each given mentee, how many mentors each hard-rule family excludes.

    Returns a dict from rule name (see :data:`RULES`) to an int array of counts per mentee. A mentor excluded by
    several rules is counted under each.
    """
    f = features or encode(roster, config)
    rows = np.asarray(mentee_index, dtype=np.int64)
    m = len(roster.mentors)
    counts = {rule: np.zeros(len(rows), dtype=np.int64) for rule in RULES}
    if len(rows) == 0 or m == 0:
        return counts
    step = _block_rows(len(rows), m)
    j = np.arange(m)[None, :]
    for lo in range(0, len(rows), step):
        i = rows[lo : lo + step][:, None]
        parts, ok = _evaluate(f, config, i, j, with_rules=True)
        for rule, passed in ok.items():
            counts[rule][lo : lo + len(i)] = (~passed).sum(axis=1)
        min_ok = _min_score_ok(_total(parts, config), config)
        if min_ok is not None:
            counts["min_score"][lo : lo + len(i)] = (~min_ok).sum(axis=1)
    position = {int(r): k for k, r in enumerate(rows)}
    for a, _b in zip(f.excluded_i, f.excluded_j, strict=True):
        k = position.get(int(a))
        if k is not None:
            counts["exclusion"][k] += 1
    return counts


def rule_bits(
    roster: Roster, config: MatchConfig, mentee_index: np.ndarray | None = None, *, features: Features | None = None
) -> np.ndarray:
    """Which hard-rule families each pair breaks, one bit per family.

    Bit ``k`` of entry ``(r, j)`` is set when the pair of mentee ``mentee_index[r]`` and mentor ``j`` breaks the
    family ``RULES[k]`` (language, availability, gender_preference, high_risk, exclusion, region, age_gap,
    min_score); families switched off in ``config`` never set their bit. So ``rule_bits(...) == 0`` is
    :func:`build_problem`'s ``allowed`` mask exactly, and clearing the bits of some families shows which pairs
    relaxing them would allow (:func:`mentormatch.diagnose.relaxations`).

    Parameters
    ----------
    roster : Roster
    config : MatchConfig
    mentee_index : (r,) int array, optional
        The mentees (rows) to evaluate; all of them by default.
    features : Features, optional
        The encoder's arrays for ``roster`` and ``config`` (``Problem.features``), to skip encoding again.

    Returns
    -------
    (r, m) uint8 array
        uint16 if :data:`RULES` ever holds more than 8 families. Computed in row blocks by the reference
        formulas (:func:`_evaluate`'s rules, :func:`_total` and :func:`_min_score_ok`), no loop over pairs.

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem
    >>> roster = read_roster("data/synthetic/small")
    >>> problem = build_problem(roster)
    >>> bits = rule_bits(roster, problem.config, features=problem.features)
    >>> bits.shape, bool(((bits == 0) == problem.allowed).all())
    ((30, 12), True)
    >>> language = 1 << RULES.index("language")
    >>> int(((bits & language) != 0).sum()) == int(rule_failures(roster, problem.config, range(30))["language"].sum())
    True
    """
    f = features or encode(roster, config)
    n, m = len(roster.mentees), len(roster.mentors)
    rows = np.arange(n, dtype=np.int64) if mentee_index is None else np.asarray(mentee_index, dtype=np.int64)
    dtype = np.dtype(np.uint8 if len(RULES) <= 8 else np.uint16)
    bits = np.zeros((len(rows), m), dtype=dtype)
    if len(rows) == 0 or m == 0:
        return bits
    bit = {rule: dtype.type(1 << k) for k, rule in enumerate(RULES)}
    zero = dtype.type(0)
    active = evaluated_rules(config)
    step = _block_rows(len(rows), m)
    j = np.arange(m)[None, :]
    for lo in range(0, len(rows), step):
        i = rows[lo : lo + step][:, None]
        out = bits[lo : lo + len(i)]
        pairs = _Pairs(f, i, j)
        for rule in active:
            out |= np.where(pairs.rule(rule, config), zero, bit[rule])
        if config.rules.min_score > 0:
            min_ok = _min_score_ok(_total({name: pairs.part(name) for name in CRITERIA}, config), config)
            assert min_ok is not None  # min_score > 0
            out |= np.where(min_ok, zero, bit["min_score"])
    if len(f.excluded_i):
        # each excluded pair, at every row that evaluates its mentee
        order = np.argsort(rows, kind="stable")
        first = np.searchsorted(rows[order], f.excluded_i, side="left")
        counts = np.searchsorted(rows[order], f.excluded_i, side="right") - first
        starts = np.repeat(first, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        bits[order[starts], np.repeat(f.excluded_j, counts)] |= bit["exclusion"]
    return bits
