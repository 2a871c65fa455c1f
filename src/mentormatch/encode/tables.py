"""The table method: scores and rules of a block of rows from per-class tables, bit for bit the reference's.

Steps 1-5 of :mod:`mentormatch.encode`'s docstring: people with equal features form classes (:func:`_classes`);
each criterion and rule is evaluated once per (mentee class, mentor class) pair (:class:`_Grid`, :func:`_grids`);
the grids are expanded to (mentee classes, m) tables (:meth:`_Grid.table`); :class:`_TableScorer` then scores a
block of rows by row takes from the tables, a mixed-radix code of the leading criteria and float32 terms for the
rest. The knobs below bound the tables' memory and shape; beyond ``_TABLE_BUDGET`` (or a grid above ``_MAX_GRID``
pairs) :class:`_TooLarge` is raised and the reference formulas run instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import MatchConfig
from ..rules import evaluated_rules
from .blocks import _block_rows
from .features import Features, _Incidence
from .formulas import (
    _availability_part,
    _background_part,
    _min_score_threshold,
    _needs_part,
    _Pairs,
    _sum_terms,
    _term_factors,
)

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
    """Scores and rules of any block of rows from per-class tables (steps 3-5 of :mod:`mentormatch.encode`).

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
