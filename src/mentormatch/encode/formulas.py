"""The reference formulas: each criterion part and hard rule of PRODUCT.md section 3 as one numpy expression.

:class:`_Pairs` computes them over index arrays ``i`` (mentees) and ``j`` (mentors) that work both on a block of
rows against all mentors (``i`` a column, ``j`` a row: broadcasting gives an (r, m) block) and on a list of pairs
(``i`` and ``j`` 1-D of equal length). :func:`_total` sums the parts into the score S in a fixed sequence of float32
operations, which the table method of :mod:`~mentormatch.encode.tables` reproduces bit for bit;
:func:`_min_score_ok` is the minimum-score rule. :class:`_ReferenceScorer` runs these formulas block by block when
the tables would not fit.

Which rules are switched on, and their names, come from :mod:`mentormatch.rules`; the vectorised test of each rule
is :meth:`_Pairs.rule`. The three parts that the table method also evaluates from integer statistics (overlap
hours, shared items, list lengths) are functions of those statistics only, so both methods run the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np

from ..config import CRITERIA, MatchConfig
from ..rules import evaluated_rules
from .features import _ANY, _SAME, Features, _rows

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


def _lookup(table: np.ndarray, codes: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``table[codes[i], j]`` for a (codes, m) table: whole rows for a block, single cells for pairs."""
    if i.ndim == 2:
        return table[codes[_rows(i)]]
    return table[codes[i], j]


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
