"""Profiles → criterion parts, scores and the allowed mask, vectorised over pairs.

The roster is first turned into per-person arrays (:class:`Features`, a Python loop over people only). Every
criterion and hard rule of PRODUCT.md section 3 is then one numpy expression over index arrays ``i`` (mentees) and
``j`` (mentors) that works both on a block of rows against all mentors (``i`` a column, ``j`` a row: broadcasting
gives an (r, m) block) and on a list of pairs (``i`` and ``j`` 1-D of equal length). :func:`build_problem` walks the
mentees in row blocks and keeps only the score matrix (float32) and the allowed mask; per-criterion parts are
computed for the pairs that are reported (:func:`criterion_parts`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from .availability import mask_to_array
from .config import CRITERIA, MatchConfig
from .problem import Problem, Progress
from .schema import EXTREMISM_TYPES, Roster

__all__ = ["Features", "RULES", "encode", "build_problem", "criterion_parts", "rule_failures"]

RULES: tuple[str, ...] = (
    "language",
    "availability",
    "gender_preference",
    "high_risk",
    "exclusion",
    "region",
    "age_gap",
    "min_score",
)
"""Hard-rule families, in the order they are reported."""

_PAIRS_PER_BLOCK = 1 << 18
_DENSE_VOCAB_LIMIT = 1024
_ANY, _SAME = -1, -2


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

    def __init__(self, lists: Sequence[Iterable[str]], vocab: dict[str, int]):
        indptr = [0]
        indices: list[int] = []
        for items in lists:
            indices.extend(vocab.setdefault(item, len(vocab)) for item in items)
            indptr.append(len(indices))
        self._indptr = np.asarray(indptr, dtype=np.int64)
        self._indices = np.asarray(indices, dtype=np.int64)
        self.count = np.diff(self._indptr).astype(np.float32)
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
            if i.ndim == 2:
                return (a[_rows(i)] @ b.T).toarray()
            return np.asarray(a[i].multiply(b[j]).sum(axis=1), dtype=np.float32).ravel()
        a, b = self.bits, other.bits
        if i.ndim == 2:  # block of rows against every mentor
            left, right = a[_rows(i)], b
            shared = np.bitwise_count(left[:, None, 0] & right[None, :, 0])
            if a.shape[1] > 3:  # more than 255 items could be shared
                shared = shared.astype(np.uint16)
            for w in range(1, a.shape[1]):
                shared = shared + np.bitwise_count(left[:, None, w] & right[None, :, w])
            return shared
        return np.bitwise_count(a[i] & b[j]).sum(axis=-1, dtype=np.int64)


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
    return np.fromiter(
        (-1 if v is None else vocab.setdefault(v, len(vocab)) for v in values), dtype=np.int64, count=len(values)
    )


def encode(roster: Roster, config: MatchConfig) -> Features:
    """Turn profiles into the arrays of :class:`Features` (one pass over people, none over pairs)."""
    mentees, mentors = roster.mentees, roster.mentors
    type_index = {t: k for k, t in enumerate(EXTREMISM_TYPES)}

    languages: dict[str, int] = {}
    mentee_lang = _Incidence([p.languages for p in mentees], languages)
    mentor_lang = _Incidence([p.languages for p in mentors], languages)
    primary = np.fromiter((languages[p.languages[0]] for p in mentees), dtype=np.int64, count=len(mentees))
    tags: dict[str, int] = {}
    mentee_bg = _Incidence([sorted(p.background) for p in mentees], tags)
    mentor_bg = _Incidence([sorted(p.background) for p in mentors], tags)
    topics: dict[str, int] = {}
    needs = _Incidence([sorted(p.needs) for p in mentees], topics)
    skills = _Incidence([sorted(p.skills) for p in mentors], topics)
    for inc, vocab in (
        (mentee_lang, languages),
        (mentor_lang, languages),
        (mentee_bg, tags),
        (mentor_bg, tags),
        (needs, topics),
        (skills, topics),
    ):
        inc.finish(len(vocab))
    mentor_lang_dense = np.zeros((len(mentors), max(len(languages), 1)), dtype=bool)
    for j, p in enumerate(mentors):
        mentor_lang_dense[j, [languages[x] for x in p.languages]] = True

    genders: dict[str, int] = {}
    mentee_gender = _codes([p.gender for p in mentees], genders)
    mentor_gender = _codes([p.gender for p in mentors], genders)
    preference = np.fromiter(
        (
            _ANY if p.gender_preference == "any" else _SAME if p.gender_preference == "same"
            # a named gender nobody has cannot be met: give it a code no mentor has
            else genders.setdefault(p.gender_preference, len(genders))
            for p in mentees
        ),
        dtype=np.int64,
        count=len(mentees),
    )
    regions: dict[str, int] = {}
    mentee_avail, mentee_has = mask_to_array([p.availability for p in mentees])
    mentor_avail, mentor_has = mask_to_array([p.availability for p in mentors])
    expertise = np.zeros((len(mentors), len(EXTREMISM_TYPES)), dtype=bool)
    for j, p in enumerate(mentors):
        expertise[j, [type_index[t] for t in p.expertise]] = True

    mentee_index = {p.id: i for i, p in enumerate(mentees)}
    mentor_index = {p.id: j for j, p in enumerate(mentors)}
    pairs = [(mentee_index[e.mentee_id], mentor_index[e.mentor_id]) for e in roster.exclusions]
    excluded = np.unique(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), axis=0)
    high_levels = set(config.rules.high_risk_levels)

    return Features(
        primary=primary,
        mentee_lang=mentee_lang,
        mentee_avail=_Incidence.from_bool(mentee_avail),
        mentee_has_avail=mentee_has,
        mentee_bg=mentee_bg,
        mentee_type=np.fromiter((type_index[p.extremism_type] for p in mentees), np.int64, len(mentees)),
        mentee_gender=mentee_gender,
        preference=preference,
        mentee_age=np.fromiter((p.age for p in mentees), np.float32, len(mentees)),
        mentee_region=_codes([p.region for p in mentees], regions),
        needs=needs,
        high_risk=np.fromiter((p.risk_level in high_levels for p in mentees), bool, len(mentees)),
        mentor_lang=mentor_lang,
        mentor_lang_table=np.ascontiguousarray(mentor_lang_dense.T),
        mentor_avail=_Incidence.from_bool(mentor_avail),
        mentor_has_avail=mentor_has,
        mentor_bg=mentor_bg,
        expertise_table=np.ascontiguousarray(expertise.T),
        mentor_gender=mentor_gender,
        mentor_age=np.fromiter((p.age for p in mentors), np.float32, len(mentors)),
        experience=np.fromiter((p.experience_years for p in mentors), np.float32, len(mentors)),
        mentor_region=_codes([p.region for p in mentors], regions),
        skills=skills,
        excluded_i=excluded[:, 0],
        excluded_j=excluded[:, 1],
    )


def _evaluate(
    f: Features, config: MatchConfig, i: np.ndarray, j: np.ndarray, *, with_rules: bool
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Criterion parts s_k and hard-rule pass masks for a block or a list of pairs (see module docstring)."""
    f32 = np.float32
    half = f32(0.5)
    shared = f.mentee_lang.dot(f.mentor_lang, i, j) > 0
    primary_in = _lookup(f.mentor_lang_table, f.primary, i, j)
    hours = f.mentee_avail.dot(f.mentor_avail, i, j)
    either_no_avail = ~f.mentee_has_avail[i] | ~f.mentor_has_avail[j]
    bg_i, bg_j = f.mentee_bg.count[i], f.mentor_bg.count[j]
    bg_share = f.mentee_bg.dot(f.mentor_bg, i, j) / np.maximum(bg_i, 1)
    needs_i, skills_j = f.needs.count[i], f.skills.count[j]
    covered = f.needs.dot(f.skills, i, j) / np.maximum(needs_i, 1)
    region_i, region_j = f.mentee_region[i], f.mentor_region[j]
    expert = _lookup(f.expertise_table, f.mentee_type, i, j)
    age_diff = f.mentor_age[j] - f.mentee_age[i]

    parts = {
        "language": np.where(primary_in, f32(1), shared * f32(0.6)),
        "extremism": expert.astype(f32),
        "availability": np.where(either_no_avail, half, np.minimum(hours, 6).astype(f32) / f32(6)),
        "background": np.where((bg_i == 0) | (bg_j == 0), half, bg_share.astype(f32)),
        "gender": (f.mentee_gender[i] == f.mentor_gender[j]).astype(f32),
        "age": np.maximum(f32(0), f32(1) - np.abs(age_diff - f32(10)) / f32(30)),
        "experience": np.broadcast_to(np.minimum(f.experience[j], f32(5)) / f32(5), age_diff.shape),
        "region": np.where((region_i < 0) | (region_j < 0), half, (region_i == region_j).astype(f32)),
        "needs": np.where(needs_i == 0, half, np.where(skills_j == 0, f32(0), covered.astype(f32))),
    }
    if not with_rules:
        return parts, {}

    rules = config.rules
    ok: dict[str, np.ndarray] = {}
    if rules.shared_language:
        ok["language"] = shared
    if rules.min_availability_overlap > 0:
        ok["availability"] = either_no_avail | (hours >= rules.min_availability_overlap)
    if rules.gender_preference:
        pref = f.preference[i]
        same = f.mentee_gender[i] == f.mentor_gender[j]
        ok["gender_preference"] = (pref == _ANY) | ((pref == _SAME) & same) | (pref == f.mentor_gender[j])
    ok["high_risk"] = ~f.high_risk[i] | (expert & (f.experience[j] >= rules.high_risk_min_experience))
    if rules.same_region:
        ok["region"] = (region_i < 0) | (region_j < 0) | (region_i == region_j)
    if rules.max_age_gap is not None:
        ok["age_gap"] = np.abs(age_diff) <= rules.max_age_gap
    return parts, ok


def _total(parts: dict[str, np.ndarray], config: MatchConfig, out: np.ndarray | None = None) -> np.ndarray:
    """S = Σ w_k s_k / Σ w_k over criteria with w_k > 0, accumulated in place (into ``out`` if given)."""
    weights = config.weights.as_tuple()
    total_weight = sum(w for w in weights if w > 0)
    shape = np.broadcast_shapes(*(p.shape for p in parts.values()))
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    term = np.empty(shape, dtype=np.float32)
    first = True
    for name, w in zip(CRITERIA, weights):
        if w > 0:
            np.multiply(parts[name], np.float32(w / total_weight), out=out if first else term)
            if not first:
                out += term
            first = False
    return np.clip(out, 0, 1, out=out)


def _min_score_ok(score: np.ndarray, config: MatchConfig) -> np.ndarray | None:
    if config.rules.min_score <= 0:
        return None
    return score * np.float32(100) >= np.float32(config.rules.min_score) - np.float32(1e-4)


def _block_rows(n: int, m: int) -> int:
    return max(1, _PAIRS_PER_BLOCK // max(m, 1))


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

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem
    >>> problem = build_problem(read_roster("data/synthetic/small"))
    >>> problem.score.dtype, problem.score.shape == problem.allowed.shape
    (dtype('float32'), True)
    """
    config = config or MatchConfig()
    start = time.perf_counter()
    f = encode(roster, config)
    n, m = len(roster.mentees), len(roster.mentors)
    score = np.zeros((n, m), dtype=np.float32)
    allowed = np.zeros((n, m), dtype=bool)
    step = _block_rows(n, m)
    j = np.arange(m)[None, :]
    last_report = start
    for lo in range(0, n, step):
        i = np.arange(lo, min(lo + step, n))[:, None]
        parts, ok = _evaluate(f, config, i, j, with_rules=True)
        block = _total(parts, config, out=score[lo : lo + len(i)])
        mask = np.ones(block.shape, dtype=bool)
        for rule_ok in ok.values():
            mask &= rule_ok
        min_ok = _min_score_ok(block, config)
        if min_ok is not None:
            mask &= min_ok
        allowed[lo : lo + len(i)] = mask
        now = time.perf_counter()
        if progress is not None and now - last_report >= 1.0:
            progress(f"scoring: {lo + len(i)}/{n} mentees", now - start)
            last_report = now
    allowed[f.excluded_i, f.excluded_j] = False

    priority_of = config.priority.model_dump()
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
    )


def criterion_parts(
    roster: Roster, config: MatchConfig, mentee_index: np.ndarray, mentor_index: np.ndarray,
    *, features: Features | None = None,
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
    for a, _b in zip(f.excluded_i, f.excluded_j):
        k = position.get(int(a))
        if k is not None:
            counts["exclusion"][k] += 1
    return counts
