"""Profiles → criterion parts, scores and the allowed mask, vectorised over pairs.

The roster is first turned into per-person arrays (:class:`Features`, a Python loop over people only). Every
criterion and hard rule of PRODUCT.md section 3 is then one numpy expression over index arrays ``i`` (mentees) and
``j`` (mentors) that works both on a block of rows against all mentors (``i`` a column, ``j`` a row: broadcasting
gives an (r, m) block) and on a list of pairs (``i`` and ``j`` 1-D of equal length): :func:`_evaluate`, the
reference reading, which :func:`criterion_parts` and :func:`rule_failures` use for the pairs they report.

:func:`build_problem` produces the same (n, m) float32 scores and bool mask, bit for bit, without evaluating the
formulas pair by pair:

1. **Classes.** A criterion or rule reads few features of each side (age reads ages, availability the hour
   masks), and people with equal features form a class. ``synthetic_roster(20000, 5000, seed=0)`` has 4980
   mentee classes for availability, 1356 for background, 1294 for needs, 166 for language (set and primary) and
   at most 65 for every other criterion and rule; mentors have 1621 or fewer.
2. **Grids.** Each criterion is evaluated once per (mentee class, mentor class) pair: by the reference formulas
   on those pairs, or, for the large grids of availability, background and needs, from integer statistics
   (overlap hours; list length and items shared, counted by uint8 popcounts) fed to the same part functions
   (:func:`_availability_part`, :func:`_background_part`, :func:`_needs_part`). A part takes few distinct
   values; a grid cell holds the index of its value.
3. **Tables.** A grid is expanded, a few rows at a time, to one row per mentee class over all m mentors, so a
   block of mentees gets its rows by ``np.take(table, classes, axis=0)``: a row copy, 0.1-0.4 ns per pair.
4. **Score.** S is summed term by term in float32 (:func:`_sum_terms`), so only the values and the order of
   the terms fix its bits. The leading criteria (while the combinations of their values fit a uint16: by default
   language, extremism, availability, background and gender, 2784 combinations) form one mixed-radix code per
   pair, summed from uint8/uint16 tables of digits, and one lookup (``np.take``) turns the code into the
   float32 partial sum that :func:`_sum_terms` computed for every combination. Each later criterion then adds
   its float32 term w_k s_k from a float32 table (experience, mentor-only, is one broadcast row). The clip to
   [0, 1] is skipped when the largest terms cannot sum above 1.
5. **Rules.** Each rule is a bool table over its own classes; availability compares the availability digits
   with the threshold. Tables with few rows are merged into one over joint classes. The mask is the AND of the
   rules, then the minimum score, then exclusions.
6. **Threads.** From 8.4 M pairs, row blocks of 2^17 pairs are handed out to ``min(4, CPUs)`` threads (numpy
   releases the GIL in ``take``, ufuncs and copies); the table chunks are built on the same threads, and a helper
   touches the output's pages while the profiles are read (:class:`_Prefault`). Each block writes its own rows,
   so the result does not depend on scheduling.

If the tables would exceed their memory budget (``_TABLE_BUDGET``: 64 MB plus a quarter of the output) or a
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

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np
import scipy.sparse as sp

from .availability import mask_to_array
from .config import CRITERIA, MatchConfig
from .problem import CoachTier, Problem, Progress
from .rules import RULES, checked_rules, evaluated_rules  # RULES and checked_rules: re-exported, their earlier home
from .schema import EXTREMISM_TYPES, Roster

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

_PAIRS_PER_BLOCK = 1 << 18
"""Pairs per block of the reference formulas (and per chunk when tables are built)."""
_TABLE_PAIRS_PER_BLOCK = 1 << 17
"""Pairs per block of the table method: fastest of 2^15..2^19 at 20000 × 5000 (~20 numpy calls per block, whose
fixed cost dominates smaller blocks; ~16 bytes of scratch per pair, which outgrows the caches in larger ones)."""
_DENSE_VOCAB_LIMIT = 1024
_ANY, _SAME = -1, -2

_MAX_WORKERS = 4
"""At most this many threads score row blocks; fewer if fewer CPUs are available."""
_THREAD_MIN_PAIRS = 1 << 23
"""Below this many pairs (8.4 M) one thread is used: with the second core busy elsewhere, two threads were 5-25 %
slower up to 10 M pairs, while at 100 M pairs they save 20-30 % (mostly page faults taken on both cores)."""
_TABLE_BUDGET = 64 << 20
"""Bytes the tables may use, plus ``_TABLE_BUDGET_SHARE`` of the output's; beyond, the reference formulas run."""
_TABLE_BUDGET_SHARE = 0.25
_F32_TABLE_LIMIT = 32 << 20
"""A later criterion whose float32 table would be larger is stored as uint8/uint16 codes and a lookup instead."""
_MERGE_LIMIT = 1 << 20
"""Tables with few rows are merged while the merged table stays below this many bytes."""
_MAX_CODE = 1 << 16
"""Combinations of the leading criteria's values read as one uint16 code."""
_MAX_GRID = 1 << 22
"""(mentee class, mentor class) pairs above which a grid evaluated pair by pair is too large to build."""


def _rows(i: np.ndarray) -> slice | np.ndarray:
    """The rows of a block as a slice when they are consecutive (much faster to index than an array)."""
    rows = i[:, 0]
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and np.all(np.diff(rows) == 1):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _lookup(table: np.ndarray, codes: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``table[codes[i], j]`` for a (codes, m) table: whole rows for a block, single cells for pairs."""
    if i.ndim == 2:
        return table[codes[_rows(i)]]
    return table[codes[i], j]


class _Incidence:
    """Who has which item (language, tag, need, skill, hour of the week).

    Stored as packed bitsets, (n, words) uint64, so that "how many items do i and j share" is an AND and a
    popcount per word: no BLAS call, whose thread start-up dominated small blocks. A vocabulary above
    ``_DENSE_VOCAB_LIMIT`` items falls back to a sparse matrix product.
    """

    def __init__(self, lists: Sequence[Sequence[str]], vocab: dict[str, int]):
        flat = list(chain.from_iterable(lists))
        new = sorted(item for item in dict.fromkeys(flat) if item not in vocab)  # sorted: deterministic codes
        vocab.update(zip(new, range(len(vocab), len(vocab) + len(new)), strict=True))
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        self._indptr = np.concatenate([[0], np.cumsum(lengths)])
        self._indices = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        self.count = lengths.astype(np.float32)
        self.bits: np.ndarray | None = None
        self.sparse: sp.csr_matrix | None = None

    def finish(self, size: int) -> None:
        """Fix the vocabulary size once both sides have been read."""
        n = len(self._indptr) - 1
        if size > _DENSE_VOCAB_LIMIT:
            data = np.ones(len(self._indices), dtype=np.float32)
            self.sparse = sp.csr_matrix((data, self._indices, self._indptr), shape=(n, size))
            return
        member = np.zeros((n, max(size, 1)), dtype=bool)
        member[np.repeat(np.arange(n), np.diff(self._indptr)), self._indices] = True
        self.bits = _pack(member)

    @classmethod
    def from_bool(cls, member: np.ndarray) -> _Incidence:
        """From an (n, k) bool membership matrix, e.g. the 168 hours of the week."""
        inc = cls.__new__(cls)
        inc.count = member.sum(axis=1).astype(np.float32)
        inc.bits, inc.sparse = _pack(member), None
        return inc

    def dot(self, other: _Incidence, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Number of shared items for a block (``i`` column, ``j`` all mentors as a row) or for pairs."""
        if self.sparse is not None:
            a, b = self.sparse, other.sparse
            assert b is not None  # both sides share one vocabulary, so both are sparse
            if i.ndim == 2:
                return (a[_rows(i)] @ b.T).toarray()
            return np.asarray(a[i].multiply(b[j]).sum(axis=1), dtype=np.float32).ravel()
        a, b = self.bits, other.bits
        assert a is not None and b is not None  # one of bits and sparse is set
        if i.ndim == 2:  # block of rows against every mentor
            left, right = a[_rows(i)], b
            shared = np.bitwise_count(left[:, None, 0] & right[None, :, 0])
            if a.shape[1] > 3:  # more than 255 items could be shared
                shared = shared.astype(np.uint16)
            for w in range(1, a.shape[1]):
                shared = shared + np.bitwise_count(left[:, None, w] & right[None, :, w])
            return shared
        return np.bitwise_count(a[i] & b[j]).sum(axis=-1, dtype=np.int64)

    def shared(self, other: _Incidence, ia: np.ndarray, jb: np.ndarray) -> np.ndarray:
        """(len(ia), len(jb)) grid: items that person ``ia[x]`` here shares with person ``jb[y]`` of ``other``.

        Bitsets are compared one byte at a time: ``np.bitwise_count`` is vectorised for uint8 only, which makes
        byte planes 2-3× faster than uint64 words. Returns uint8 when fewer than 256 items can be shared.
        """
        if self.sparse is not None:
            assert other.sparse is not None  # both sides share one vocabulary, so both are sparse
            return (self.sparse[ia] @ other.sparse[jb].T).toarray().astype(np.uint16)
        assert self.bits is not None and other.bits is not None
        left = np.ascontiguousarray(self.bits[ia].view(np.uint8).T)  # (bytes, len(ia))
        right = np.ascontiguousarray(other.bits[jb].view(np.uint8).T)
        planes = [k for k in range(len(left)) if left[k].any() and right[k].any()]
        out = np.zeros((len(ia), len(jb)), dtype=np.uint8 if 8 * len(planes) < 256 else np.uint16)
        step = max(1, (_PAIRS_PER_BLOCK >> 2) // max(len(jb), 1))
        buffer = np.empty((min(step, len(ia)), len(jb)), dtype=np.uint8)
        for lo in range(0, len(ia), step):
            block, both = out[lo : lo + step], buffer[: len(out[lo : lo + step])]
            for k in planes:
                np.bitwise_and(left[k, lo : lo + step, None], right[k, None, :], out=both)
                block += np.bitwise_count(both, out=both)
        return out

    def key(self) -> np.ndarray:
        """(n, k) int64 columns, equal exactly for people with the same set of items."""
        if self.bits is not None:
            return self.bits.view(np.int64)
        ids: dict[tuple[int, ...], int] = {}
        bounds = zip(self._indptr[:-1].tolist(), self._indptr[1:].tolist(), strict=True)
        return np.fromiter(
            (ids.setdefault(tuple(sorted(set(self._indices[a:b].tolist()))), len(ids)) for a, b in bounds),
            dtype=np.int64,
            count=len(self._indptr) - 1,
        )[:, None]


def _pack(member: np.ndarray) -> np.ndarray:
    """(n, k) bool → (n, ceil(k / 64)) uint64 bitsets."""
    n, k = member.shape
    words = max(1, -(-k // 64))
    padded = np.zeros((n, words * 64), dtype=bool)
    padded[:, :k] = member
    return np.packbits(padded, axis=1, bitorder="little").view("<u8").reshape(n, words)


@dataclass(eq=False)
class Features:
    """Per-person arrays that every criterion and rule is computed from."""

    # mentees
    primary: np.ndarray
    mentee_lang: _Incidence
    mentee_avail: _Incidence
    mentee_has_avail: np.ndarray
    mentee_bg: _Incidence
    mentee_type: np.ndarray
    mentee_gender: np.ndarray
    preference: np.ndarray
    mentee_age: np.ndarray
    mentee_region: np.ndarray
    needs: _Incidence
    high_risk: np.ndarray
    # mentors
    mentor_lang: _Incidence
    mentor_lang_table: np.ndarray
    """(languages, m) bool: does mentor j speak language l."""
    mentor_avail: _Incidence
    mentor_has_avail: np.ndarray
    mentor_bg: _Incidence
    expertise_table: np.ndarray
    """(types, m) bool: is mentor j trained for type t."""
    mentor_gender: np.ndarray
    mentor_age: np.ndarray
    experience: np.ndarray
    mentor_region: np.ndarray
    skills: _Incidence
    # pairs never to be matched
    excluded_i: np.ndarray
    excluded_j: np.ndarray


def _codes(values: Sequence[str | None], vocab: dict[str, int]) -> np.ndarray:
    """Integer code per value; ``None`` → −1."""
    new = sorted(v for v in dict.fromkeys(values) if v is not None and v not in vocab)
    vocab.update(zip(new, range(len(vocab), len(vocab) + len(new)), strict=True))
    code: dict[str | None, int] = {None: -1}
    code.update(vocab)
    return np.fromiter(map(code.__getitem__, values), dtype=np.int64, count=len(values))


def _members(incidence: _Incidence, size: int) -> np.ndarray:
    """(size, vocabulary) bool: who has which item, from an incidence's item lists."""
    member = np.zeros((len(incidence._indptr) - 1, size), dtype=bool)
    member[np.repeat(np.arange(member.shape[0]), np.diff(incidence._indptr)), incidence._indices] = True
    return member


def encode(roster: Roster, config: MatchConfig) -> Features:
    """Turn profiles into the arrays of :class:`Features` (one pass over people, none over pairs)."""
    mentees, mentors = roster.mentees, roster.mentors
    n, m = len(mentees), len(mentors)
    type_index = {t: k for k, t in enumerate(EXTREMISM_TYPES)}

    def column(people: Sequence, name: str, dtype: type) -> np.ndarray:
        return np.fromiter(map(attrgetter(name), people), dtype=dtype, count=len(people))

    languages: dict[str, int] = {}
    mentee_lang = _Incidence([p.languages for p in mentees], languages)
    mentor_lang = _Incidence([p.languages for p in mentors], languages)
    primary = np.fromiter((languages[p.languages[0]] for p in mentees), dtype=np.int64, count=n)
    tags: dict[str, int] = {}
    mentee_bg = _Incidence(list(map(attrgetter("background"), mentees)), tags)
    mentor_bg = _Incidence(list(map(attrgetter("background"), mentors)), tags)
    topics: dict[str, int] = {}
    needs = _Incidence(list(map(attrgetter("needs"), mentees)), topics)
    skills = _Incidence(list(map(attrgetter("skills"), mentors)), topics)
    for inc, vocab in (
        (mentee_lang, languages),
        (mentor_lang, languages),
        (mentee_bg, tags),
        (mentor_bg, tags),
        (needs, topics),
        (skills, topics),
    ):
        inc.finish(len(vocab))
    mentor_lang_table = np.ascontiguousarray(_members(mentor_lang, max(len(languages), 1)).T)
    expertise = _Incidence(list(map(attrgetter("expertise"), mentors)), dict(type_index))
    expertise_table = np.ascontiguousarray(_members(expertise, len(EXTREMISM_TYPES)).T)

    genders: dict[str, int] = {}
    mentee_gender = _codes(list(map(attrgetter("gender"), mentees)), genders)
    mentor_gender = _codes(list(map(attrgetter("gender"), mentors)), genders)
    wanted = list(map(attrgetter("gender_preference"), mentees))
    # a named gender nobody has cannot be met: _codes gives it a code no mentor has
    _codes([w for w in dict.fromkeys(wanted) if w not in ("any", "same")], genders)
    preference_code = {**genders, "any": _ANY, "same": _SAME}
    preference = np.fromiter(map(preference_code.__getitem__, wanted), dtype=np.int64, count=n)
    regions: dict[str, int] = {}
    mentee_avail, mentee_has = mask_to_array(list(map(attrgetter("availability"), mentees)))
    mentor_avail, mentor_has = mask_to_array(list(map(attrgetter("availability"), mentors)))

    mentee_index = dict(zip(map(attrgetter("id"), mentees), range(n), strict=True))
    mentor_index = dict(zip(map(attrgetter("id"), mentors), range(m), strict=True))
    pairs = [(mentee_index[e.mentee_id], mentor_index[e.mentor_id]) for e in roster.exclusions]
    excluded = np.unique(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), axis=0)
    high_levels = set(config.rules.high_risk_levels)

    return Features(
        primary=primary,
        mentee_lang=mentee_lang,
        mentee_avail=_Incidence.from_bool(mentee_avail),
        mentee_has_avail=mentee_has,
        mentee_bg=mentee_bg,
        mentee_type=np.fromiter(map(type_index.__getitem__, map(attrgetter("extremism_type"), mentees)), np.int64, n),
        mentee_gender=mentee_gender,
        preference=preference,
        mentee_age=column(mentees, "age", np.float32),
        mentee_region=_codes(list(map(attrgetter("region"), mentees)), regions),
        needs=needs,
        high_risk=np.fromiter((p.risk_level in high_levels for p in mentees), bool, n),
        mentor_lang=mentor_lang,
        mentor_lang_table=mentor_lang_table,
        mentor_avail=_Incidence.from_bool(mentor_avail),
        mentor_has_avail=mentor_has,
        mentor_bg=mentor_bg,
        expertise_table=expertise_table,
        mentor_gender=mentor_gender,
        mentor_age=column(mentors, "age", np.float32),
        experience=column(mentors, "experience_years", np.float32),
        mentor_region=_codes(list(map(attrgetter("region"), mentors)), regions),
        skills=skills,
        excluded_i=excluded[:, 0],
        excluded_j=excluded[:, 1],
    )


# The reference formulas. The three parts that the table method also evaluates from integer statistics (overlap
# hours, shared items, list lengths) are functions of those statistics only, so both methods run the same code.

_HALF = np.float32(0.5)


def _availability_part(hours: np.ndarray, either_no_avail: np.ndarray) -> np.ndarray:
    """min(h, 6)/6 for h weekly overlap hours; 0.5 where either side gave no availability."""
    return np.where(either_no_avail, _HALF, np.minimum(hours, 6).astype(np.float32) / np.float32(6))


def _background_part(shared: np.ndarray, count_i: np.ndarray, count_j: np.ndarray) -> np.ndarray:
    """Share of the mentee's ``count_i`` tags that the mentor also has; 0.5 if either list is empty."""
    share = shared / np.maximum(count_i, 1)
    return np.where((count_i == 0) | (count_j == 0), _HALF, share.astype(np.float32))


def _needs_part(shared: np.ndarray, needs_i: np.ndarray, skills_j: np.ndarray) -> np.ndarray:
    """Share of the mentee's needs covered (0 if the mentor lists no skills); 0.5 if the mentee has no needs."""
    covered = shared / np.maximum(needs_i, 1)
    return np.where(needs_i == 0, _HALF, np.where(skills_j == 0, np.float32(0), covered.astype(np.float32)))


class _Pairs:
    """What the criteria and rules are computed from, for a block (``i`` a column of mentees, ``j`` every mentor as
    a row) or for a list of pairs (``i``, ``j`` 1-D); each intermediate is computed once, on first use."""

    def __init__(self, f: Features, i: np.ndarray, j: np.ndarray):
        self.f, self.i, self.j = f, i, j

    @cached_property
    def shared_language(self) -> np.ndarray:
        return self.f.mentee_lang.dot(self.f.mentor_lang, self.i, self.j) > 0

    @cached_property
    def hours(self) -> np.ndarray:
        return self.f.mentee_avail.dot(self.f.mentor_avail, self.i, self.j)

    @cached_property
    def either_no_avail(self) -> np.ndarray:
        return ~self.f.mentee_has_avail[self.i] | ~self.f.mentor_has_avail[self.j]

    @cached_property
    def expert(self) -> np.ndarray:
        return _lookup(self.f.expertise_table, self.f.mentee_type, self.i, self.j)

    @cached_property
    def same_gender(self) -> np.ndarray:
        return self.f.mentee_gender[self.i] == self.f.mentor_gender[self.j]

    @cached_property
    def age_diff(self) -> np.ndarray:
        return self.f.mentor_age[self.j] - self.f.mentee_age[self.i]

    @cached_property
    def region_unknown(self) -> np.ndarray:
        return (self.f.mentee_region[self.i] < 0) | (self.f.mentor_region[self.j] < 0)

    @cached_property
    def same_region(self) -> np.ndarray:
        return self.f.mentee_region[self.i] == self.f.mentor_region[self.j]

    def part(self, name: str) -> np.ndarray:
        """Criterion part s_k (float32) of PRODUCT.md section 3."""
        f, i, j, f32 = self.f, self.i, self.j, np.float32
        if name == "language":
            primary_in = _lookup(f.mentor_lang_table, f.primary, i, j)
            return np.where(primary_in, f32(1), self.shared_language * f32(0.6))
        if name == "extremism":
            return self.expert.astype(f32)
        if name == "availability":
            return _availability_part(self.hours, self.either_no_avail)
        if name == "background":
            return _background_part(f.mentee_bg.dot(f.mentor_bg, i, j), f.mentee_bg.count[i], f.mentor_bg.count[j])
        if name == "gender":
            return self.same_gender.astype(f32)
        if name == "age":
            return np.maximum(f32(0), f32(1) - np.abs(self.age_diff - f32(10)) / f32(30))
        if name == "experience":
            return np.broadcast_to(np.minimum(f.experience[j], f32(5)) / f32(5), np.broadcast_shapes(i.shape, j.shape))
        if name == "region":
            return np.where(self.region_unknown, _HALF, self.same_region.astype(f32))
        if name == "needs":
            return _needs_part(f.needs.dot(f.skills, i, j), f.needs.count[i], f.skills.count[j])
        raise KeyError(name)

    def rule(self, name: str, config: MatchConfig) -> np.ndarray:
        """Where hard rule ``name`` (one of :func:`mentormatch.rules.evaluated_rules`) holds (bool)."""
        f, i, j, rules = self.f, self.i, self.j, config.rules
        if name == "language":
            return self.shared_language
        if name == "availability":
            return self.either_no_avail | (self.hours >= rules.min_availability_overlap)
        if name == "gender_preference":
            pref = f.preference[i]
            return (pref == _ANY) | ((pref == _SAME) & self.same_gender) | (pref == f.mentor_gender[j])
        if name == "high_risk":
            return ~f.high_risk[i] | (self.expert & (f.experience[j] >= rules.high_risk_min_experience))
        if name == "region":
            return self.region_unknown | self.same_region
        if name == "age_gap":
            return np.abs(self.age_diff) <= rules.max_age_gap
        raise KeyError(name)


def _evaluate(
    f: Features, config: MatchConfig, i: np.ndarray, j: np.ndarray, *, with_rules: bool
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Criterion parts s_k and hard-rule pass masks for a block or a list of pairs (see module docstring)."""
    pairs = _Pairs(f, i, j)
    parts = {name: pairs.part(name) for name in CRITERIA}
    ok = {rule: pairs.rule(rule, config) for rule in evaluated_rules(config)} if with_rules else {}
    return parts, ok


def _term_factors(config: MatchConfig) -> list[tuple[str, np.float32]]:
    """(criterion, float32 w_k / Σ w) for the criteria with w_k > 0, in summation order."""
    weights = config.weights.as_tuple()
    total_weight = sum(w for w in weights if w > 0)
    return [(name, np.float32(w / total_weight)) for name, w in zip(CRITERIA, weights, strict=True) if w > 0]


def _sum_terms(
    parts: dict[str, np.ndarray], factors: Sequence[tuple[str, np.float32]], out: np.ndarray | None = None
) -> np.ndarray:
    """Σ factor · part over ``factors`` in their order: each term rounded to float32, then added in float32."""
    shape = np.broadcast_shapes(*(parts[name].shape for name, _ in factors))
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    term = np.empty(shape, dtype=np.float32)
    for k, (name, factor) in enumerate(factors):
        np.multiply(parts[name], factor, out=out if k == 0 else term)
        if k:
            out += term
    return out


def _total(parts: dict[str, np.ndarray], config: MatchConfig, out: np.ndarray | None = None) -> np.ndarray:
    """S = Σ w_k s_k / Σ w_k over criteria with w_k > 0, accumulated in place (into ``out`` if given).

    The sequence of float32 operations (:func:`_sum_terms`, then a clip to [0, 1]) is the definition that the
    table method of :func:`build_problem` reproduces bit for bit.
    """
    summed = _sum_terms(parts, _term_factors(config), out)
    return np.clip(summed, 0, 1, out=summed)


def _min_score_threshold(config: MatchConfig) -> np.float32:
    return np.float32(config.rules.min_score) - np.float32(1e-4)


def _min_score_ok(score: np.ndarray, config: MatchConfig) -> np.ndarray | None:
    if config.rules.min_score <= 0:
        return None
    return score * np.float32(100) >= _min_score_threshold(config)


def _block_rows(n: int, m: int, pairs: int = _PAIRS_PER_BLOCK) -> int:
    return max(1, pairs // max(m, 1))


# The table method (see the module docstring).


class _TooLarge(Exception):
    """The tables would not fit the memory budget, or a grid would be unreasonably large."""


def _classes(columns: Sequence[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Group people whose key columns are all equal.

    Parameters
    ----------
    columns : sequence of arrays
        Each (size,) or (size, k), integer, bool or float (floats are compared by value, −0.0 apart from 0.0).
    size : int
        Number of people.

    Returns
    -------
    klass : (size,) intp array
        Class of each person, numbered in sorted key order (so deterministic).
    representative : (classes,) intp array
        One person of each class.
    """
    if size == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    keys = [np.zeros(size, dtype=np.int64)]  # no columns: a single class
    for col in columns:
        col = np.asarray(col)
        if col.dtype.kind == "f":
            col = np.ascontiguousarray(col, dtype=np.float64).view(np.int64)
        col = col.astype(np.int64, copy=False).reshape(size, -1)
        keys.extend(col[:, k] for k in range(col.shape[1]))
    order = np.lexsort(keys[::-1])
    same = np.ones(max(size - 1, 0), dtype=bool)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    starts = np.concatenate([[True], ~same])
    klass = np.empty(size, dtype=np.intp)
    klass[order] = np.cumsum(starts) - 1
    return klass, order[starts]


@dataclass(eq=False)
class _Grid:
    """A criterion or rule on every (mentee class, mentor class) pair.

    ``values[cells(a, a + 1)[0, b]]`` is the criterion part (float32) or rule outcome (bool) of every mentee of
    class ``a`` with every mentor of class ``b``; ``mentee_class`` and ``mentor_class`` give each person's class.
    """

    mentee_class: np.ndarray
    mentor_class: np.ndarray
    values: np.ndarray
    rows: int
    """Number of mentee classes: the rows of the tables."""
    cells: Callable[[int, int], np.ndarray]
    """``cells(lo, hi)``: (rows lo..hi, mentor classes) indices into ``values``; computed on demand, since the
    largest grids (availability: 4980 × 1621 at 20000 × 5000) are needed only once, row block by row block."""

    def table(self, cell_value: np.ndarray, run: Callable = map) -> np.ndarray:
        """(mentee classes, m) array of ``cell_value[cell]`` for every mentor, in mentor order.

        Built a few rows at a time (``run``, e.g. a thread pool's ``map``, calls the chunks), so that no
        temporary is larger than a block: fresh memory is expensive to touch (page faults), and the tables are
        the only large arrays besides the output.
        """
        m = len(self.mentor_class)
        out = np.empty((self.rows, m), dtype=cell_value.dtype)
        step = _block_rows(self.rows, m)

        def fill(lo: int) -> None:
            block = cell_value[self.cells(lo, lo + step)]
            np.take(block, self.mentor_class, axis=1, out=out[lo : lo + step], mode="clip")

        for _ in run(fill, range(0, self.rows, step)):
            pass
        return out


def _key_columns(f: Features) -> dict[str, tuple[tuple, tuple]]:
    """For each criterion and rule ("rule:" + name), the mentee and mentor features its formula reads."""
    lang_i, lang_j = f.mentee_lang.key(), f.mentor_lang.key()
    expertise = f.expertise_table.T
    return {
        "language": ((lang_i, f.primary), (lang_j,)),
        "extremism": ((f.mentee_type,), (expertise,)),
        "availability": ((f.mentee_avail.key(), f.mentee_has_avail), (f.mentor_avail.key(), f.mentor_has_avail)),
        "background": ((f.mentee_bg.key(), f.mentee_bg.count), (f.mentor_bg.key(), f.mentor_bg.count)),
        "gender": ((f.mentee_gender,), (f.mentor_gender,)),
        "age": ((f.mentee_age,), (f.mentor_age,)),
        "experience": ((), (f.experience,)),
        "region": ((f.mentee_region,), (f.mentor_region,)),
        "needs": ((f.needs.key(), f.needs.count), (f.skills.key(), f.skills.count)),
        "rule:language": ((lang_i,), (lang_j,)),
        "rule:gender_preference": ((f.preference, f.mentee_gender), (f.mentor_gender,)),
        "rule:high_risk": ((f.high_risk, f.mentee_type), (expertise, f.experience)),
        "rule:region": ((f.mentee_region,), (f.mentor_region,)),
        "rule:age_gap": ((f.mentee_age,), (f.mentor_age,)),
    }


def _evaluated_grid(f: Features, config: MatchConfig, name: str, ia: np.ndarray, jb: np.ndarray) -> np.ndarray:
    """Criterion part or rule outcome ``name`` of :func:`_evaluate` on every pair of ``ia`` × ``jb``."""
    a, b = len(ia), len(jb)
    if a * b > _MAX_GRID:
        raise _TooLarge(name)
    pairs = _Pairs(f, np.repeat(ia, b), np.tile(jb, a))
    value = pairs.rule(name[5:], config) if name.startswith("rule:") else pairs.part(name)
    return np.asarray(value).reshape(a, b)


def _rows_of(full: np.ndarray) -> Callable[[int, int], np.ndarray]:
    """Cells of an evaluated grid: rows ``lo:hi`` of it."""

    def cells(lo: int, hi: int) -> np.ndarray:
        return full[lo:hi]

    return cells


def _share_cells(
    mentee: _Incidence, mentor: _Incidence, ia: np.ndarray, jb: np.ndarray, part: Callable
) -> tuple[Callable[[int, int], np.ndarray], np.ndarray]:
    """Cells and values of a "share of the mentee's list" part (background, needs) from integer statistics.

    The part depends on a pair only through (c = mentee list length, s = items shared, whether the mentor's list
    is empty). ``part`` is evaluated on every possible triple (s ≤ c ≤ longest mentee list); a cell is the index
    of its triple's value among the distinct values.
    """
    count_i = mentee.count[ia].astype(np.int64)
    size = int(count_i.max(initial=0)) + 1
    if size * size * 2 > _MAX_GRID:
        raise _TooLarge("list length")
    c, s, empty = np.meshgrid(np.arange(size), np.arange(size), [0, 1], indexing="ij")
    possible = s <= c
    value = part(s[possible].astype(np.uint16), c[possible].astype(np.float32), 1 - empty[possible])
    values, index = np.unique(value, return_inverse=True)
    cell_of_triple = np.zeros(c.size, dtype=_uint(len(values)))
    cell_of_triple[possible.ravel()] = index
    mentor_empty = mentor.count[jb] == 0

    def cells(lo: int, hi: int) -> np.ndarray:
        triple = mentee.shared(mentor, ia[lo:hi], jb).astype(np.intp)
        triple += (count_i[lo:hi] * size)[:, None]
        triple *= 2
        triple += mentor_empty
        return cell_of_triple[triple]

    return cells, values


def _availability_cells(
    f: Features, ia: np.ndarray, jb: np.ndarray, cap: int
) -> tuple[Callable[[int, int], np.ndarray], np.ndarray]:
    """Cells and values of availability: a cell is min(overlap hours, cap), or cap + 1 if either gave none.

    With ``cap`` ≥ the rule's threshold, the rule holds exactly where cell ≥ threshold.
    """
    mentee_none, mentor_none = ~f.mentee_has_avail[ia], ~f.mentor_has_avail[jb]

    def cells(lo: int, hi: int) -> np.ndarray:
        hours = f.mentee_avail.shared(f.mentor_avail, ia[lo:hi], jb)
        out = np.minimum(hours, cap).astype(np.uint8)
        out[mentee_none[lo:hi]] = cap + 1
        out[:, mentor_none] = cap + 1
        return out

    key = np.arange(cap + 2)
    return cells, _availability_part(np.minimum(key, cap), key > cap)


def _grids(f: Features, config: MatchConfig, names: Sequence[str], cap: int) -> dict[str, _Grid]:
    """The :class:`_Grid` of each named criterion or rule ("rule:" + name)."""
    columns = _key_columns(f)
    n, m = len(f.primary), len(f.experience)
    grids = {}
    for name in names:
        mentee_cols, mentor_cols = columns[name]
        mentee_class, ia = _classes(mentee_cols, n)
        mentor_class, jb = _classes(mentor_cols, m)
        if name == "availability":
            cells, values = _availability_cells(f, ia, jb, cap)
        elif name == "background":
            cells, values = _share_cells(f.mentee_bg, f.mentor_bg, ia, jb, _background_part)
        elif name == "needs":
            cells, values = _share_cells(f.needs, f.skills, ia, jb, _needs_part)
        else:
            grid = _evaluated_grid(f, config, name, ia, jb)
            full: np.ndarray
            if name.startswith("rule:"):
                full, values = grid.astype(np.uint8), np.array([False, True])
            else:
                values, index = np.unique(grid, return_inverse=True)
                full = index.reshape(grid.shape)
            cells = _rows_of(full)
        grids[name] = _Grid(mentee_class, mentor_class, values, len(ia), cells)
    return grids


def _uint(largest: int) -> np.dtype:
    """The smallest unsigned dtype that holds 0..largest."""
    return np.dtype(np.uint8 if largest < 1 << 8 else np.uint16 if largest < 1 << 16 else np.uint32)


@dataclass(eq=False)
class _Term:
    """A later criterion: its float32 term w_k s_k per (mentee class, mentor), or codes and a lookup."""

    klass: np.ndarray
    table: np.ndarray
    lookup: np.ndarray | None = None
    """If set, ``table`` holds codes and the term is ``lookup[code]``."""


def _merge(
    tables: list[tuple[np.ndarray, np.ndarray]], combine: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Merge the tables whose mentees fall into few joint classes: one row take per block instead of several.

    Each entry is (class of every mentee, table with one row per class); ``combine`` joins the rows of two
    tables (digits add, rule outcomes AND). From the fewest rows up, a table is merged into the previous one
    while the joint table stays within ``_MERGE_LIMIT`` bytes.
    """
    merged: list[tuple[np.ndarray, np.ndarray]] = []
    for klass, table in sorted(tables, key=lambda entry: len(entry[1])):
        if merged:
            last_class, last_table = merged[-1]
            row_bytes = table.shape[1] * max(table.itemsize, last_table.itemsize)
            if max(len(table), len(last_table)) * row_bytes <= _MERGE_LIMIT:  # else the joint table is too large
                joint, rep = _classes([last_class, klass], n)
                if len(rep) * row_bytes <= _MERGE_LIMIT:
                    merged[-1] = (joint, combine(last_table[last_class[rep]], table[klass[rep]]))
                    continue
        merged.append((klass, table))
    return merged


def _add_digits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.add(a, b, dtype=_uint(int(a.max(initial=0)) + int(b.max(initial=0))))


def _leading_digits(factors: Sequence[tuple[str, np.float32]], grids: dict[str, _Grid]) -> dict[str, int]:
    """The leading criteria read as one mixed-radix code, and the stride of each one's digit.

    Criteria are taken in summation order while the combinations of their values fit ``_MAX_CODE`` (fewer than
    two: none). The criterion with the most table rows gets stride 1, the next the next stride, ..., so that the
    largest tables hold the smallest digits (uint8 if they fit). Returned in C order: the largest stride first.
    """
    lead: list[str] = []
    combos = 1
    for name, _ in factors:
        if combos * len(grids[name].values) > _MAX_CODE:
            break
        lead.append(name)
        combos *= len(grids[name].values)
    if len(lead) < 2:
        return {}
    strides, stride = {}, 1
    for name in sorted(lead, key=lambda name: -grids[name].rows):
        strides[name] = stride
        stride *= len(grids[name].values)
    return dict(sorted(strides.items(), key=lambda item: -item[1]))


class _TableScorer:
    """Scores and rules of any block of rows from per-class tables (the table method of the module docstring).

    Parameters
    ----------
    f, config
        The features and the configuration.
    run : callable
        ``map`` or a thread pool's ``map``: runs the chunks of the table building.

    Raises
    ------
    _TooLarge
        If the tables would exceed the memory budget or a grid would be unreasonably large.
    """

    def __init__(self, f: Features, config: MatchConfig, run: Callable = map):
        n, m = len(f.primary), len(f.experience)
        self.m = m
        factors = _term_factors(config)
        self.threshold = config.rules.min_availability_overlap
        names = [name for name, _ in factors]
        if self.threshold > 0 and "availability" not in names:
            names.append("availability")
        rule_names = [f"rule:{r}" for r in evaluated_rules(config) if r != "availability"]
        grids = _grids(f, config, names + rule_names, cap=max(6, self.threshold))

        strides = _leading_digits(factors, grids)
        later = factors[len(strides) :]
        combos = int(np.prod([len(grids[name].values) for name in strides], dtype=np.int64))
        self.code_dtype = _uint(combos - 1)
        digit = {name: np.arange(len(grids[name].values)) * stride for name, stride in strides.items()}
        digit = {name: value.astype(_uint(int(value[-1]))) for name, value in digit.items()}
        term = {name: np.multiply(grids[name].values, factor) for name, factor in later}  # w_k s_k, float32
        coded = {name for name in term if grids[name].rows * m * 4 > _F32_TABLE_LIMIT}
        term_code = {name: np.arange(len(term[name]), dtype=_uint(len(term[name]) - 1)) for name in coded}
        availability_digit = strides.get("availability") == 1  # its digits are the availability cells

        planned = [grids[name].rows * m * value.itemsize for name, value in digit.items()]
        planned += [grids[name].rows * m * (term_code[name] if name in coded else term[name]).itemsize for name in term]
        planned += [grids[name].rows * m for name in rule_names]
        if self.threshold > 0 and not availability_digit:
            planned.append(grids["availability"].rows * m)
        if sum(planned) > _TABLE_BUDGET + _TABLE_BUDGET_SHARE * n * m * 5:
            raise _TooLarge(f"{sum(planned)} bytes of tables")

        # the float32 sum of the leading terms for every combination of their values, by _sum_terms
        self.partial: np.ndarray | None = None
        if strides:
            shape = {name: [-1 if name == other else 1 for other in strides] for name in strides}
            mesh = {name: grids[name].values.reshape(shape[name]) for name in strides}
            self.partial = _sum_terms(mesh, factors[: len(strides)]).ravel()

        # expand the grids into tables over all mentors (the only step whose size grows with n and m); a digit
        # that takes a single value is 0 everywhere and needs no table
        self.lead = [
            (grids[name].mentee_class, grids[name].table(value, run)) for name, value in digit.items() if len(value) > 1
        ]
        self.availability: tuple[np.ndarray, np.ndarray] | None = None
        if self.threshold > 0:
            grid = grids["availability"]
            if availability_digit:
                self.availability = next(entry for entry in self.lead if entry[0] is grid.mentee_class)
            else:
                self.availability = (grid.mentee_class, grid.table(np.arange(len(grid.values), dtype=np.uint8), run))
        self.terms = [
            _Term(grids[name].mentee_class, grids[name].table(term_code[name], run), term[name])
            if name in coded
            else _Term(grids[name].mentee_class, grids[name].table(term[name], run))
            for name in term
        ]
        self.rules = [(grids[name].mentee_class, grids[name].table(grids[name].values, run)) for name in rule_names]
        self._merge_tables(n)

        # S is clipped to [0, 1] as in _total; every term is ≥ 0 and float32 addition is monotonic, so the clip
        # is needed only if the sum of the largest terms exceeds 1
        top = self.partial.max() if self.partial is not None else np.float32(0)
        for value in term.values():
            top = top + value.max(initial=np.float32(0))
        self.clip = bool(top > 1)
        if self.partial is not None and not self.terms:
            self.partial, self.clip = np.clip(self.partial, 0, 1), False
        self.min_score = _min_score_threshold(config) if config.rules.min_score > 0 else None

    def _merge_tables(self, n: int) -> None:
        """Fewer row takes per block: merge small tables, and sum uint8 digits in uint8 before widening.

        The uint8 digits of a uint16 code are summed in uint8 first (one widening add per block) if their largest
        values fit; availability goes first, so that its rule is read from the same buffer.
        """
        self.lead = _merge(self.lead, _add_digits, n)
        self.rules = _merge(self.rules, np.logical_and, n)
        availability_table = self.availability[1] if self.availability else None
        narrow = [entry for entry in self.lead if entry[1].dtype != self.code_dtype]
        narrow.sort(key=lambda entry: entry[1] is not availability_table)
        self.narrow: list[tuple[np.ndarray, np.ndarray]] = []
        if len(narrow) > 1 and sum(int(table.max(initial=0)) for _, table in narrow) < 256:
            self.narrow = narrow
            self.lead = [entry for entry in self.lead if entry[1].dtype == self.code_dtype]
        self.availability_first = bool(self.narrow) and self.narrow[0][1] is availability_table

    @property
    def nbytes(self) -> int:
        """Memory held by the tables."""
        tables = {
            id(t): t
            for _, t in self.lead
            + self.narrow
            + self.rules
            + ([] if self.availability is None else [self.availability])
        }
        tables.update((id(t.table), t.table) for t in self.terms)
        return sum(t.nbytes for t in tables.values())

    def scratch(self, rows: int) -> dict[Any, np.ndarray]:
        """One thread's buffers for blocks of up to ``rows`` rows (only the dtypes this scorer uses)."""
        shape = (rows, self.m)
        dtypes = {np.dtype(np.uint8)} | {t.dtype for _, t in self.lead} | {t.table.dtype for t in self.terms}
        buffers: dict[Any, np.ndarray] = {dtype: np.empty(shape, dtype=dtype) for dtype in dtypes}
        buffers.update(
            code=np.empty(shape, dtype=self.code_dtype),
            code2=np.empty(shape, dtype=self.code_dtype),
            f32=np.empty(shape, dtype=np.float32),
            flag=np.empty(shape, dtype=bool),
        )
        if self.narrow:
            buffers.update(digits=np.empty(shape, dtype=np.uint8), digits2=np.empty(shape, dtype=np.uint8))
            buffers.update(available=np.empty(shape, dtype=bool))
        return buffers

    def __call__(self, lo: int, hi: int, score: np.ndarray, allowed: np.ndarray, buffers: dict) -> None:
        """Fill ``score[lo:hi]`` and ``allowed[lo:hi]`` (exclusions are the caller's)."""
        r = hi - lo
        s = buffers if r == len(buffers["f32"]) else {key: buf[:r] for key, buf in buffers.items()}
        out, term, flag = score[lo:hi], s["f32"], s["flag"]
        first = True
        if self.partial is not None:
            code = s["code"]
            for k, (klass, table) in enumerate(self.lead):
                same = table.dtype == code.dtype
                buffer = (code if k == 0 else s["code2"]) if same else s[table.dtype]
                np.take(table, klass[lo:hi], axis=0, out=buffer, mode="clip")
                if k:
                    code += buffer
                elif not same:
                    np.copyto(code, buffer)
            if self.narrow:
                digits = s["digits"]
                for k, (klass, table) in enumerate(self.narrow):
                    np.take(table, klass[lo:hi], axis=0, out=digits if k == 0 else s["digits2"], mode="clip")
                    if k:
                        digits += s["digits2"]
                    elif self.availability_first:
                        np.greater_equal(digits, self.threshold, out=s["available"])
                if self.lead:
                    code += digits
                else:
                    np.copyto(code, digits)
            if self.lead or self.narrow:
                np.take(self.partial, code, out=out, mode="wrap")
            else:  # every leading criterion takes a single value
                out[...] = self.partial[0]
            first = False
        for t in self.terms:
            target = out if first else term
            if t.lookup is not None:
                codes = np.take(t.table, t.klass[lo:hi], axis=0, out=s[t.table.dtype], mode="clip")
                np.take(t.lookup, codes, out=target, mode="wrap")
            elif len(t.table) == 1:  # a mentor-only criterion: one row for everyone
                target = out
                if first:
                    out[...] = t.table[0]
                else:
                    out += t.table[0]
            else:
                np.take(t.table, t.klass[lo:hi], axis=0, out=target, mode="clip")
            if target is term:
                out += term
            first = False
        if self.clip:
            np.clip(out, 0, 1, out=out)

        ok = allowed[lo:hi]
        first = True
        for klass, table in self.rules:
            np.take(table, klass[lo:hi], axis=0, out=ok if first else flag, mode="clip")
            if not first:
                ok &= flag
            first = False
        if self.availability is not None:
            if self.availability_first:
                available = s["available"]
            else:
                klass, table = self.availability
                cells = np.take(table, klass[lo:hi], axis=0, out=s[np.dtype(np.uint8)], mode="clip")
                available = np.greater_equal(cells, self.threshold, out=flag)
            if first:
                ok[...] = available
            else:
                ok &= available
            first = False
        if self.min_score is not None:
            np.multiply(out, np.float32(100), out=term)
            np.greater_equal(term, self.min_score, out=ok if first else flag)
            if not first:
                ok &= flag
            first = False
        if first:
            ok[...] = True


class _ReferenceScorer:
    """The reference formulas block by block: the fallback when the tables would not fit."""

    def __init__(self, f: Features, config: MatchConfig):
        self.f, self.config, self.m = f, config, len(f.experience)

    def scratch(self, rows: int) -> dict:
        return {}

    def __call__(self, lo: int, hi: int, score: np.ndarray, allowed: np.ndarray, s: dict) -> None:
        """Fill ``score[lo:hi]`` and ``allowed[lo:hi]`` (exclusions are the caller's)."""
        i = np.arange(lo, hi)[:, None]
        parts, ok = _evaluate(self.f, self.config, i, np.arange(self.m)[None, :], with_rules=True)
        block = _total(parts, self.config, out=score[lo:hi])
        mask = allowed[lo:hi]
        mask[...] = True
        for rule_ok in ok.values():
            mask &= rule_ok
        min_ok = _min_score_ok(block, self.config)
        if min_ok is not None:
            mask &= min_ok


def _cpu_count() -> int:
    """CPUs this process may use (``os.process_cpu_count`` on Python ≥ 3.13)."""
    counter = getattr(os, "process_cpu_count", None)
    if counter is not None:
        return counter() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _workers(pairs: int) -> int:
    """Threads for scoring ``pairs`` pairs: one for small rosters, else up to ``_MAX_WORKERS`` CPUs."""
    return 1 if pairs < _THREAD_MIN_PAIRS else max(1, min(_MAX_WORKERS, _cpu_count()))


def _run_blocks(
    n: int,
    step: int,
    fill: Callable[[int, int, dict], None],
    scratch: Callable[[], dict],
    report: Callable[[int], None],
    pool: ThreadPoolExecutor | None = None,
    workers: int = 1,
) -> None:
    """Call ``fill(lo, hi, buffers)`` for every block of ``step`` rows, on ``workers`` threads of ``pool``.

    Each thread takes the next block when it is free and has its own ``scratch()`` buffers; blocks write
    disjoint rows, so the result does not depend on scheduling. ``report(rows_done)`` runs on the calling thread
    after each block (one thread) or about once a second. The first exception of any thread is re-raised.
    """
    blocks = iter(range(0, n, step))
    if pool is None or workers <= 1:
        buffers = scratch()
        for lo in blocks:
            fill(lo, min(lo + step, n), buffers)
            report(min(lo + step, n))
        return
    lock = threading.Lock()
    done = [0]
    failed = threading.Event()

    def work() -> None:
        buffers = scratch()
        while not failed.is_set():
            with lock:
                lo = next(blocks, None)
            if lo is None:
                return
            filled = False
            try:
                fill(lo, min(lo + step, n), buffers)
                filled = True
            finally:
                if not filled:  # stop the other workers; the error itself propagates through the future
                    failed.set()
            with lock:
                done[0] += min(lo + step, n) - lo

    futures = [pool.submit(work) for _ in range(workers)]
    pending = set(futures)
    while pending:
        _, pending = wait(pending, timeout=1.0, return_when=FIRST_EXCEPTION)
        report(done[0])
        if failed.is_set():
            wait(pending)
            break
    for future in futures:
        future.result()


class _Prefault:
    """Touch every page of fresh zero-filled arrays on a helper thread, until :meth:`stop`.

    The first write to a page of a fresh array is a page fault, and on the development VM faults can be the
    largest single cost of scoring: ~0.1 ms per MB when the host still backs the memory, 1.5-3 ms per MB when it
    does not (up to 1.5 s for the 500 MB of output at 20000 × 5000). The helper takes them on the second CPU while
    the calling thread reads the profiles and builds the tables (numpy releases the GIL while it writes). It
    writes zeros into zeros and is stopped before the blocks are scored, so nothing it writes can race a result.
    Chunks of 8 MB: the helper needs the GIL between chunks, which pure-Python code holds for up to 5 ms.
    """

    _CHUNK = 8 << 20

    def __init__(self, arrays: Sequence[np.ndarray]):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._touch, args=(arrays,), name="mentormatch-prefault", daemon=True)
        self._thread.start()

    def _touch(self, arrays: Sequence[np.ndarray]) -> None:
        page = 4096
        for array in arrays:
            flat = array.reshape(-1).view(np.uint8)
            for lo in range(0, len(flat), self._CHUNK):
                if self._stop.is_set():
                    return
                flat[lo : lo + self._CHUNK : page] = 0

    def stop(self) -> None:
        """Stop touching and wait for the helper (at most one chunk)."""
        self._stop.set()
        self._thread.join()


def build_problem(roster: Roster, config: MatchConfig | None = None, *, progress: Progress | None = None) -> Problem:
    """Scores and the allowed mask for every mentee-mentor pair of ``roster``.

    Parameters
    ----------
    roster : Roster
        From :func:`mentormatch.read_roster`.
    config : MatchConfig, optional
        Weights, hard rules and priorities; defaults to ``MatchConfig()``.
    progress : callable, optional
        Called as ``progress(stage, elapsed_seconds)`` while blocks of rows are scored.

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
    workers = _workers(n * m)
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
    from .continuity import current_pairs, restrict

    current = current_pairs(roster, config, allowed)
    restrict(roster, allowed, current)

    priority_of = config.priority.model_dump()
    tier = coach_tier(roster)
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


def has_coach_tier(roster: Roster) -> bool:
    """True when the roster has coaches, or a coaches file was given (a header-only one means nobody may
    supervise, so no mentor can be used)."""
    return bool(roster.coaches) or "coaches" in roster.files


def coach_tier(roster: Roster) -> CoachTier | None:
    """The coach tier's arrays (see :class:`~mentormatch.problem.CoachTier`), or None without coaches.

    Examples
    --------
    >>> from mentormatch import synthetic_roster
    >>> tier = coach_tier(synthetic_roster(60, 20, 4, seed=7))
    >>> tier.eligible.shape, tier.cover.shape
    ((20, 4), (4, 8))
    """
    if not has_coach_tier(roster):
        return None
    n, m, k = len(roster.mentees), len(roster.mentors), len(roster.coaches)
    type_index = {t: i for i, t in enumerate(EXTREMISM_TYPES)}
    mentee_type = np.fromiter((type_index[p.extremism_type] for p in roster.mentees), np.int64, n)
    cover = np.ones((k, len(EXTREMISM_TYPES)), dtype=bool)
    eligible = np.ones((m, k), dtype=bool)
    coach_index = {c.id: c_ for c_, c in enumerate(roster.coaches)}
    for c_, coach in enumerate(roster.coaches):
        if coach.specialisms is not None:
            cover[c_] = [t in coach.specialisms for t in EXTREMISM_TYPES]
        if coach.languages is not None:
            eligible[:, c_] = [not coach.languages.isdisjoint(p.languages) for p in roster.mentors]
    for j, mentor in enumerate(roster.mentors):
        own = coach_index.get(mentor.id)
        if own is not None:  # nobody supervises themselves
            eligible[j, own] = False
        if mentor.coach_id is not None:
            fixed = coach_index.get(mentor.coach_id)
            keep = eligible[j, fixed] if fixed is not None else False
            eligible[j] = False
            if fixed is not None:
                eligible[j, fixed] = keep
    return CoachTier(
        mentee_type=mentee_type,
        cover=cover,
        eligible=eligible,
        max_mentors=np.fromiter((c.max_mentors for c in roster.coaches), np.int64, k),
        max_mentees=np.fromiter(
            (n if c.max_mentees is None else min(c.max_mentees, n) for c in roster.coaches), np.int64, k
        ),
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


def _score_blocks(
    scorer: _TableScorer | _ReferenceScorer,
    step: int,
    score: np.ndarray,
    allowed: np.ndarray,
    progress: Progress | None,
    start: float,
    pool: ThreadPoolExecutor | None = None,
    workers: int = 1,
) -> None:
    """Fill ``score`` and ``allowed`` (all but exclusions) block by block, on ``workers`` threads of ``pool``."""
    n = len(score)
    last_report = [start]

    def report(rows_done: int) -> None:
        now = time.perf_counter()
        if progress is not None and now - last_report[0] >= 1.0:
            progress(f"scoring: {rows_done}/{n} mentees", now - start)
            last_report[0] = now

    _run_blocks(
        n,
        step,
        lambda lo, hi, buffers: scorer(lo, hi, score, allowed, buffers),
        lambda: scorer.scratch(min(step, n)),
        report,
        pool,
        workers,
    )


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
