"""Profiles → per-person arrays (:class:`Features`): the only pass over people, none over pairs.

Categorical values (gender, region, extremism type, wanted gender) become integer codes; lists (languages,
background tags, needs and skills, hours of the week) become an :class:`_Incidence`: packed bitsets, so that "how many
items do i and j share" is an AND and a popcount, or a sparse matrix above ``_DENSE_VOCAB_LIMIT`` items. Both sides
of a pair share one vocabulary, coded in sorted order so that the codes are deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np

from ..availability import mask_to_array
from ..config import MatchConfig
from ..schema import EXTREMISM_TYPES, Roster
from .blocks import _PAIRS_PER_BLOCK

_DENSE_VOCAB_LIMIT = 1024
_ANY, _SAME = -1, -2
"""Codes of the wanted genders "any" and "same" in ``Features.preference`` (named genders are codes ≥ 0)."""


def _rows(i: np.ndarray) -> slice | np.ndarray:
    """The rows of a block as a slice when they are consecutive (much faster to index than an array)."""
    rows = i[:, 0]
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and np.all(np.diff(rows) == 1):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


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
        self.sparse: Any = None  # a scipy.sparse.csr_matrix above the limit (scipy loaded only then)

    def finish(self, size: int) -> None:
        """Fix the vocabulary size once both sides have been read."""
        n = len(self._indptr) - 1
        if size > _DENSE_VOCAB_LIMIT:
            import scipy.sparse as sp  # here: scipy.sparse costs ~0.25 s of start-up

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
