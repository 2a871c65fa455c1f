"""A plain roster pipeline: the yardstick that ``mentormatch solve`` is measured against (issue 17).

The plain pipeline is what a competent analyst would write with the ``csv`` module, numpy and OR-Tools, for the
default config of PRODUCT.md sections 3–4 and unit workloads (no coaches, no current pairs):

1. **read**: ``mentees.csv``, ``mentors.csv`` and ``exclusions.csv`` with the ``csv`` module (UTF-8 with or without
   BOM, comma-separated; headers and cells trimmed, headers and every compared text casefolded, ``;`` lists split,
   empty cells taking PRODUCT.md's defaults). Every set becomes a bitset of ``uint64`` words: languages, background
   tags, needs and skills, expertise, and the 168 hours of the weekly availability (three words). A mentor whose
   ``status`` is ``paused`` or ``leaving`` takes no one (section 7, without current pairs). Nothing is validated:
   the files are assumed well formed, as the synthetic rosters and ``data/synthetic`` are.
2. **score**: the nine criteria of section 3 and the default hard rules, computed with numpy for a chunk of
   :data:`ROWS_PER_CHUNK` mentees against every mentor at a time (broadcasting a column of mentees against a row of
   mentors). "Shared items" and "overlap hours" are popcounts (``np.bitwise_count``) of the AND of two bitsets;
   scores are float32. Only the allowed pairs of each chunk are kept, as arc arrays (tail, head, cost).
3. **solve**: OR-Tools ``SimpleMinCostFlow`` on every allowed pair, handed over in one ``add_arcs`` call, with the
   lexicographic gain ``priority · BIG + round(score · 10⁶)`` (``BIG`` = n · 10⁶ + 1, so one priority point
   outweighs any score sum) as the negated cost; a zero-cost bypass arc per mentee lets it stay unmatched.
4. **write**: one row per mentee with the ``csv`` module: ``mentee_id, mentor_id, score`` and the nine criteria
   on the 0–100 scale with one decimal, empty when unmatched.

It explains nothing and verifies nothing: it is a yardstick for speed and memory, not a product. It refuses rosters
with coaches, current pairs or workloads above 1 (min-cost flow is exact only for unit workloads).

Modes::

    python benchmarks/plain_pipeline.py --run ROSTER -o matches.csv   # the pipeline; prints one JSON line
    python benchmarks/plain_pipeline.py --check                       # same objective as mentormatch.solve?

``--run`` prints the stage times in seconds (``read``, ``score``, ``solve``, ``write``, ``total``; imports are not
included), the counts (``mentees``, ``mentors``, ``allowed_pairs``, ``matched``), ``priority_sum`` and
``score_sum`` (Σ S on the 0–1 scale). It does not import mentormatch.

``--check`` runs both pipelines in this process on small rosters (the bundled ``data/synthetic/small`` and
``medium`` with every workload set to 1, and the 300 × 100 and 3000 × 1000 unit-workload rosters of
``roster_pipeline.py``) and compares Σ priority (exactly) and Σ score (relative difference, tolerance
:data:`SCORE_RTOL`) with ``mentormatch.solve(problem, "auto")``; the exit code is 1 when any disagrees.

The timed comparison with ``mentormatch solve``, each a fresh process, is ``benchmarks/end_to_end.py``;
:func:`compare` and :func:`summarize` hand it roster_pipeline's rosters for ``benchmarks/assign_grid.py``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
T = TypeVar("T")

# ---------------------------------------------------------------------------------------------------------------
# The default config of PRODUCT.md sections 3 and 4, written out as a plain script would.

WEIGHTS = {
    "language": 3.0, "extremism": 3.0, "availability": 2.0, "background": 2.0, "gender": 1.0,
    "age": 1.0, "experience": 1.0, "region": 1.0, "needs": 1.0,
}  # fmt: skip
"""Criterion weights, in output-column order."""
MIN_OVERLAP_HOURS = 2
HIGH_RISK_MIN_EXPERIENCE = 2.0
PRIORITY = {"high": 3, "medium": 2, "low": 1}
SCORE_SCALE = 10**6
"""Scores in [0, 1] become integers ``round(score · SCORE_SCALE)`` for the flow."""
ROWS_PER_CHUNK = 64
"""Mentees scored against every mentor at a time: the fastest of 32, 64, 128 and 256 at 20000 × 5000 (a float32
intermediate of 64 × 5000 pairs is 1.3 MB)."""
SCORE_RTOL = 1e-6
"""Σ score of the two pipelines must agree to this relative difference (both round scores to 10⁻⁶)."""

TYPE_ALIASES = {"right_wing": "far_right", "left_wing": "far_left", "jihadist": "islamist",
                "ethno_nationalist": "separatist"}  # fmt: skip
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_GROUPS: dict[str, range | tuple[int, ...]] = {
    **{name[:3]: (d,) for d, name in enumerate(_DAY_NAMES)},
    **{name: (d,) for d, name in enumerate(_DAY_NAMES)},
    **{name + "s": (d,) for d, name in enumerate(_DAY_NAMES)},
    "weekdays": range(5), "weekend": (5, 6), "weekends": (5, 6), "daily": range(7),
}  # fmt: skip
"""Day words of PRODUCT.md section 2 (with the plural and full names a spreadsheet export may hold) → days."""
DAY_PARTS = {"am": (9, 12), "pm": (13, 17), "eve": (18, 21), "morning": (9, 12), "afternoon": (13, 17),
             "evening": (18, 21), "": (9, 21)}  # fmt: skip
"""Part of a slot → (start, end) hours; a day alone is the whole day, 9–21."""


# ---------------------------------------------------------------------------------------------------------------
# 1. Read.


def read_table(path: Path) -> tuple[int, dict[str, list[str]]]:
    """(rows, column name → cells) of a CSV file: names trimmed and casefolded, cells trimmed, blank lines skipped."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file)
        header = [name.strip().casefold() for name in next(reader)]
        rows = [row for row in reader if row]
    columns = zip(*rows, strict=True) if rows else [()] * len(header)
    return len(rows), {name: list(map(str.strip, cells)) for name, cells in zip(header, columns, strict=True)}


def split_list(cell: str) -> list[str]:
    """``a; B;;a`` → ``["a", "b"]``: trimmed, casefolded, empty items and duplicates dropped."""
    return list(dict.fromkeys(item.strip().casefold() for item in cell.split(";") if item.strip()))


def availability_mask(cell: str) -> int:
    """Slots such as ``mon eve;weekdays 18-20`` → the 168-hour week as an int (bit 24·day + hour)."""
    mask = 0
    for slot in split_list(cell):
        day, _, rest = slot.partition(" ")
        rest = rest.strip()
        start, end = DAY_PARTS[rest] if rest in DAY_PARTS else map(int, rest.split("-"))
        for d in DAY_GROUPS[day]:
            mask |= ((1 << (end - start)) - 1) << (24 * d + start)
    return mask


def extremism_type(text: str) -> str:
    """A type or its alias → the type (``Right-Wing`` → ``far_right``)."""
    key = re.sub(r"[- ]", "_", text.casefold())
    return TYPE_ALIASES.get(key, key)


def bitset(masks: list[int], bits: int) -> np.ndarray:
    """Python-int sets → a (words, people) uint64 array, word w holding bits 64w … 64w + 63."""
    words = max(1, -(-bits // 64))
    low = (1 << 64) - 1
    return np.array([[(x >> (64 * w)) & low for x in masks] for w in range(words)], dtype=np.uint64).reshape(words, -1)


class Vocabulary:
    """Item → bit number, shared by both sides of a criterion, so that a set is an int and a bitset row."""

    def __init__(self) -> None:
        self.bit: dict[str, int] = {}

    def mask(self, items: list[str]) -> int:
        out = 0
        for item in items:
            out |= 1 << self.bit.setdefault(item, len(self.bit))
        return out

    def masks(self, cells: list[str]) -> list[int]:
        """One int per ``;`` list cell."""
        return parsed(cells, lambda cell: self.mask(split_list(cell)))


def parsed(cells: list[str], parse: Callable[[str], T]) -> list[T]:
    """``parse`` of every cell, each distinct cell parsed once."""
    cache: dict[str, T] = {}
    return [cache[c] if c in cache else cache.setdefault(c, parse(c)) for c in cells]


def codes(values: list[str], vocab: dict[str, int], empty: int = -1) -> np.ndarray:
    """Casefolded text → int codes of ``vocab`` (grown as needed), ``empty`` for an empty cell."""
    return np.array(
        parsed(values, lambda v: empty if v == "" else vocab.setdefault(v.casefold(), len(vocab))), np.int32
    )


def half_if(empty: np.ndarray) -> np.ndarray:
    """0.5 where ``empty``, else 0 (float32): what "0.5 if either side is empty" adds."""
    return np.float32(0.5) * empty


@dataclass
class People:
    """What both sides have, as arrays: sets as (words, people) uint64 bitsets, categories as int codes."""

    ids: list[str]
    languages: np.ndarray  # bitset
    background: np.ndarray  # bitset
    background_half: np.ndarray  # (p,) float32: 0.5 for no tags, else 0
    topics: np.ndarray  # bitset: needs for mentees, skills for mentors
    hours: np.ndarray  # (3, p) bitset of the 168 weekly hours
    no_hours: np.ndarray  # (p,) bool: gave no availability
    gender: np.ndarray  # (p,) code
    age: np.ndarray  # (p,) float32
    region: np.ndarray  # (p,) code; empty: -1 for mentees, -2 for mentors, so that two empty ones differ
    region_half: np.ndarray  # (p,) float32: 0.5 for an empty region, else 0


@dataclass
class Mentees(People):
    background_inverse: np.ndarray  # (p,) float32: 1 / number of tags (1 for none)
    topic_inverse: np.ndarray  # (p,) float32: 1 / number of needs (1 for none)
    topic_half: np.ndarray  # (p,) float32: 0.5 for no needs, else 0
    primary: np.ndarray  # bitset of the primary language alone
    type_bit: np.ndarray  # (p,) uint64: the extremism type's bit
    high_risk_type: np.ndarray  # (p,) uint64: the type's bit for a high-risk mentee, else 0
    any_gender: np.ndarray  # (p,) bool: no gender preference
    wants: np.ndarray  # (p,) the gender code required (the own one for ``same``)
    priority: np.ndarray  # (p,) int64


@dataclass
class Mentors(People):
    expertise: np.ndarray  # (p,) uint64 bitset of the types trained for
    not_senior_expertise: np.ndarray  # (p,) uint64: ~expertise with >= 2 years, every bit with fewer
    experience: np.ndarray  # (p,) float32
    capacity: np.ndarray  # (p,) int64


@dataclass
class Roster:
    mentees: Mentees
    mentors: Mentors
    excluded: tuple[np.ndarray, np.ndarray]  # (mentee index, mentor index), sorted by mentee


def read_roster_plain(folder: Path) -> Roster:
    """Read a roster folder with the ``csv`` module (no validation: the files are assumed well formed)."""
    if (folder / "coaches.csv").exists() and read_table(folder / "coaches.csv")[0]:
        raise SystemExit("plain pipeline: coaches are not supported")
    if (folder / "current.csv").exists():
        raise SystemExit("plain pipeline: current pairs are not supported")
    n, e = read_table(folder / "mentees.csv")
    m, r = read_table(folder / "mentors.csv")
    if any(w not in ("", "1") for w in e.get("workload", ())):
        raise SystemExit("plain pipeline: workloads above 1 are not supported (min-cost flow is exact only for 1)")

    languages, tags, topics, types = Vocabulary(), Vocabulary(), Vocabulary(), Vocabulary()
    genders: dict[str, int] = {}
    regions: dict[str, int] = {}

    def people(table: dict[str, list[str]], count: int, topic_column: str, no_region: int) -> tuple[dict, dict]:
        def column(name: str) -> list[str]:
            return table.get(name, [""] * count)

        hours = parsed(column("availability"), availability_mask)
        region = codes(column("region"), regions, empty=no_region)
        background, topic = tags.masks(column("background")), topics.masks(column(topic_column))
        counts = {"background": np.array([x.bit_count() for x in background]),
                  "topics": np.array([x.bit_count() for x in topic])}  # fmt: skip
        fields = {
            "ids": table["id"],
            "languages": languages.masks(table["languages"]),  # ints: bitsets once both sides are read
            "background": background,
            "background_half": half_if(counts["background"] == 0),
            "topics": topic,
            "hours": bitset(hours, 168),
            "no_hours": np.array([h == 0 for h in hours], dtype=bool),
            "gender": codes(table["gender"], genders),
            "age": np.array(table["age"], dtype=np.float32),
            "region": region,
            "region_half": half_if(region < 0),
        }
        return fields, counts

    (a, a_counts), (b, _) = people(e, n, "needs", -1), people(r, m, "skills", -2)
    for side in (a, b):  # every side's items have a bit now
        for name, vocab in (("languages", languages), ("background", tags), ("topics", topics)):
            side[name] = bitset(side[name], len(vocab.bit))
    needs, tags_e = a_counts["topics"], a_counts["background"]
    primary = parsed(e["languages"], lambda cell: 1 << languages.bit[split_list(cell)[0]])
    type_bit = np.array(parsed(e["extremism_type"], lambda t: types.mask([extremism_type(t)])), dtype=np.uint64)
    expertise = parsed(r.get("expertise", [""] * m), lambda c: types.mask([extremism_type(t) for t in split_list(c)]))
    if len(types.bit) > 64:
        raise SystemExit("plain pipeline: more than 64 extremism types")
    expertise = np.array(expertise, dtype=np.uint64)
    preference = [p.casefold() for p in e.get("gender_preference", [""] * n)]
    wants = np.array([genders.setdefault(p, len(genders)) if p not in ("", "any", "same") else -1 for p in preference])
    same = np.array([p == "same" for p in preference], dtype=bool)
    risk = [level.casefold() or "medium" for level in e.get("risk_level", [""] * n)]
    high_risk = np.array([level == "high" for level in risk], dtype=bool)
    experience = np.array([x or "0" for x in r.get("experience_years", [""] * m)], dtype=np.float32)
    capacity = np.array([int(c or 1) for c in r.get("capacity", [""] * m)], dtype=np.int64)
    capacity[[s.casefold() in ("paused", "leaving") for s in r.get("status", [""] * m)]] = 0  # no current pairs
    mentees = Mentees(
        **a,
        background_inverse=np.float32(1) / np.maximum(tags_e, 1).astype(np.float32),
        topic_inverse=np.float32(1) / np.maximum(needs, 1).astype(np.float32),
        topic_half=half_if(needs == 0),
        primary=bitset(primary, len(languages.bit)),
        type_bit=type_bit,
        high_risk_type=np.where(high_risk, type_bit, np.uint64(0)),
        any_gender=(wants < 0) & ~same,
        wants=np.where(same, a["gender"], wants).astype(np.int32),
        priority=np.array([PRIORITY[level] for level in risk], dtype=np.int64),
    )
    mentors = Mentors(
        **b,
        expertise=expertise,
        not_senior_expertise=np.where(experience >= HIGH_RISK_MIN_EXPERIENCE, ~expertise, ~np.uint64(0)),
        experience=experience,
        capacity=capacity,
    )
    excluded = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if (folder / "exclusions.csv").exists():
        _, pairs = read_table(folder / "exclusions.csv")
        mentee_index = {x: k for k, x in enumerate(mentees.ids)}
        mentor_index = {x: k for k, x in enumerate(mentors.ids)}
        i = np.array([mentee_index[x] for x in pairs.get("mentee_id", [])], dtype=np.int64)
        j = np.array([mentor_index[x] for x in pairs.get("mentor_id", [])], dtype=np.int64)
        order = np.argsort(i, kind="stable")
        excluded = (i[order], j[order])
    return Roster(mentees, mentors, excluded)


# ---------------------------------------------------------------------------------------------------------------
# 2. Score: criteria and hard rules for a chunk of mentees × all mentors (i a column, j a row) or for pairs.


def shared(a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """How many items mentee i's set ``a`` and mentor j's set ``b`` share: Σ over words of popcount(a & b)."""
    total = np.bitwise_count(a[0][i] & b[0][j])
    for w in range(1, len(a)):
        total += np.bitwise_count(a[w][i] & b[w][j])
    return total


def meet(a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether the sets share any item."""
    out = (a[0][i] & b[0][j]) != 0
    for w in range(1, len(a)):
        out |= (a[w][i] & b[w][j]) != 0
    return out


def criteria(r: Roster, i: np.ndarray, j: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The nine criterion values s_k(i, j) in [0, 1] (float32) and the default hard rules' allowed mask
    (exclusions are the caller's), for a chunk (``i`` a column, ``j`` a row) or for pairs (both 1-D).

    Written with arithmetic rather than ``np.where`` (a branch per pair): a person with an empty set shares no item
    with anyone, so "0.5 if either side is empty" is an added 0.5 or a ``maximum`` with 0.5 on that side.
    """
    e, m, f = r.mentees, r.mentors, np.float32
    shared_lang = meet(e.languages, m.languages, i, j)
    hours = shared(e.hours, m.hours, i, j)
    no_hours = e.no_hours[i] | m.no_hours[j]  # then hours == 0
    expert = (e.type_bit[i] & m.expertise[j]) != 0
    same_gender = e.gender[i] == m.gender[j]
    age = np.abs(m.age[j] - e.age[i] - f(10)) / f(30)
    parts = {
        "language": np.add(f(0.4) * meet(e.primary, m.languages, i, j), f(0.6) * shared_lang),  # primary ⊂ shared
        "extremism": expert.astype(f),
        "availability": np.minimum(hours, 6) / f(6) + f(0.5) * no_hours,
        "background": np.maximum(  # a mentee without tags: 0 + 0.5; a mentor without: max(0, 0.5)
            shared(e.background, m.background, i, j) * e.background_inverse[i] + e.background_half[i],
            m.background_half[j],
        ),
        "gender": same_gender.astype(f),
        "age": np.maximum(f(1) - age, f(0), out=age),
        "experience": np.broadcast_to(np.minimum(m.experience[j], f(5)) / f(5), np.broadcast_shapes(i.shape, j.shape)),
        "region": np.maximum(  # an empty region is -1 for mentees and -2 for mentors: never the same
            np.maximum(e.region[i] == m.region[j], e.region_half[i], dtype=f), m.region_half[j]
        ),
        "needs": shared(e.topics, m.topics, i, j) * e.topic_inverse[i] + e.topic_half[i],  # 0 if j has no skills
    }
    allowed = shared_lang & (no_hours | (hours >= MIN_OVERLAP_HOURS)) & (e.any_gender[i] | (e.wants[i] == m.gender[j]))
    allowed &= (e.high_risk_type[i] & m.not_senior_expertise[j]) == 0  # high risk: an expert with >= 2 years
    return parts, allowed


def total_score(parts: dict[str, np.ndarray]) -> np.ndarray:
    """S = Σ w_k s_k / Σ w_k, in float32."""
    out = np.zeros(np.broadcast_shapes(*(p.shape for p in parts.values())), dtype=np.float32)
    term = np.empty_like(out)
    for name, weight in WEIGHTS.items():
        out += parts[name] if weight == 1 else np.multiply(parts[name], np.float32(weight), out=term)
    out /= np.float32(sum(WEIGHTS.values()))
    return out


def score_arcs(r: Roster) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tail, head, cost) of the flow arc of every allowed pair, chunk by chunk: mentee i is node i, mentor j node
    n + j, and the cost is minus the gain ``priority · BIG + round(S · 10⁶)``."""
    n, m = len(r.mentees.ids), len(r.mentors.ids)
    big = n * SCORE_SCALE + 1  # Σ round(score · 10⁶) over any matching is at most n · 10⁶
    ex_i, ex_j = r.excluded
    j = np.arange(m)[None, :]
    tails, heads, costs = [], [], []
    for lo in range(0, n, ROWS_PER_CHUNK):
        hi = min(lo + ROWS_PER_CHUNK, n)
        parts, allowed = criteria(r, np.arange(lo, hi)[:, None], j)
        a, b = np.searchsorted(ex_i, [lo, hi])
        allowed[ex_i[a:b] - lo, ex_j[a:b]] = False
        flat = np.flatnonzero(allowed).astype(np.int32)
        rows = flat // np.int32(m)
        score = total_score(parts).ravel()[flat]
        tails.append(rows + np.int32(lo))
        heads.append(flat - rows * np.int32(m) + np.int32(n))
        costs.append(-r.mentees.priority[lo + rows] * big - np.rint(score * np.float32(SCORE_SCALE)).astype(np.int64))
    return np.concatenate(tails), np.concatenate(heads), np.concatenate(costs)


# ---------------------------------------------------------------------------------------------------------------
# 3. Solve: min-cost flow over every allowed pair.


def solve_flow(r: Roster, tails: np.ndarray, heads: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Mentor index of each mentee (-1 unmatched) in a min-cost flow: the pair arcs of :func:`score_arcs`, a
    bypass arc from each mentee to the sink (node n + m) and an arc of the mentor's capacity from each mentor."""
    from ortools.graph.python import min_cost_flow

    n, m = len(r.mentees.ids), len(r.mentors.ids)
    sink = n + m
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, np.ones(len(tails), np.int64), costs)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n + m, dtype=np.int32),
        np.full(n + m, sink, np.int32),
        np.concatenate([np.ones(n, np.int64), r.mentors.capacity]),
        np.zeros(n + m, np.int64),
    )
    flow.set_nodes_supplies(
        np.arange(n + m + 1, dtype=np.int32), np.concatenate([np.ones(n, np.int64), np.zeros(m, np.int64), [-n]])
    )
    if flow.solve() != flow.OPTIMAL:
        raise SystemExit("plain pipeline: min-cost flow did not reach an optimum")
    used = np.flatnonzero(flow.flows(np.arange(len(tails))) > 0)
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[tails[used]] = heads[used] - n
    return mentor_of


# ---------------------------------------------------------------------------------------------------------------
# 4. Write, and the whole pipeline.


def write_matches_plain(r: Roster, mentor_of: np.ndarray, output: Path) -> np.ndarray:
    """One row per mentee (ids, score and the nine criteria 0–100 with one decimal, empty when unmatched); returns
    the matched pairs' scores S (0–1)."""
    matched = np.flatnonzero(mentor_of >= 0)
    parts, _ = criteria(r, matched, mentor_of[matched])
    score = total_score(parts)
    cells = [[""] * 11 for _ in r.mentees.ids]
    columns = np.round(100 * np.stack([score, *parts.values()], axis=1).astype(np.float64), 1)
    mentor_ids = r.mentors.ids
    for i, j, values in zip(matched.tolist(), mentor_of[matched].tolist(), columns.tolist(), strict=True):
        cells[i] = [mentor_ids[j], *(f"{v:.1f}" for v in values)]
    with open(output, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["mentee_id", "mentor_id", "score", *WEIGHTS])
        writer.writerows([mentee, *row] for mentee, row in zip(r.mentees.ids, cells, strict=True))
    return score


def plain_pipeline(folder: Path, output: Path) -> dict:
    """Run read → score → solve → write; return stage times, Σ priority, Σ score and counts."""
    t0 = time.perf_counter()
    r = read_roster_plain(folder)
    t1 = time.perf_counter()
    tails, heads, costs = score_arcs(r)
    t2 = time.perf_counter()
    mentor_of = solve_flow(r, tails, heads, costs)
    t3 = time.perf_counter()
    score = write_matches_plain(r, mentor_of, output)
    t4 = time.perf_counter()
    matched = mentor_of >= 0
    return {
        "read": t1 - t0,
        "score": t2 - t1,
        "solve": t3 - t2,
        "write": t4 - t3,
        "total": t4 - t0,
        "mentees": len(mentor_of),
        "mentors": len(r.mentors.ids),
        "allowed_pairs": len(tails),
        "matched": int(matched.sum()),
        "priority_sum": int(r.mentees.priority[matched].sum()),
        "score_sum": float(score.sum(dtype=np.float64)),
    }


# ---------------------------------------------------------------------------------------------------------------
# Check: the same objective as mentormatch.solve on small rosters.


def unit_copy(folder: Path, into: Path) -> Path:
    """A copy of a roster folder with every workload set to 1."""
    into.mkdir(parents=True, exist_ok=True)
    for source in folder.glob("*.csv"):
        with open(source, newline="", encoding="utf-8-sig") as file:
            rows = list(csv.reader(file))
        if source.name == "mentees.csv":
            header = [name.strip().casefold() for name in rows[0]]
            if "workload" in header:
                k = header.index("workload")
                for row in rows[1:]:
                    if row:
                        row[k] = "1"
        with open(into / source.name, "w", newline="", encoding="utf-8") as file:
            csv.writer(file, lineterminator="\n").writerows(rows)
    return into


def check_rosters(cache: Path, tmp: Path) -> list[tuple[str, Path]]:
    """(label, folder) of the rosters checked: the bundled ones (unit copies made in ``tmp``) and roster_pipeline's
    small and medium unit-workload rosters."""
    if str(HERE) not in sys.path:  # roster_pipeline lives beside this file
        sys.path.insert(0, str(HERE))
    from roster_pipeline import roster_folder

    out = [(f"data/synthetic/{name} (workloads set to 1)", unit_copy(REPO / "data/synthetic" / name, tmp / name))
           for name in ("small", "medium")]  # fmt: skip
    for size in ("small", "medium"):
        folder = roster_folder(cache, size, "unit")
        out.append((f"roster_pipeline {size} unit ({folder.name.split('-')[1]})", folder))
    return out


def check(cache: Path) -> bool:
    """Solve each check roster with both pipelines; print Σ priority and Σ score of each; True when all agree."""
    from mentormatch import MatchConfig, build_problem, read_roster, solve

    everything_agrees = True
    with tempfile.TemporaryDirectory() as tmp:
        for label, folder in check_rosters(cache, Path(tmp)):
            plain = plain_pipeline(folder, Path(tmp) / "plain.csv")
            result = solve(build_problem(read_roster(folder), MatchConfig()), "auto", seed=0)
            rel = abs(result.objective - plain["score_sum"]) / max(abs(result.objective), 1e-9)
            agree = result.priority_sum == plain["priority_sum"] and rel <= SCORE_RTOL
            everything_agrees &= agree
            print(
                f"{'agree' if agree else 'DISAGREE'}: {label}, {plain['mentees']} × {plain['mentors']}: "
                f"Σ priority {result.priority_sum} (mentormatch, {result.solver} {result.status}) / "
                f"{plain['priority_sum']} (plain), Σ score {result.objective:.6f} / {plain['score_sum']:.6f} "
                f"(relative difference {rel:.1e}), matched {result.n_matched} / {plain['matched']}",
                flush=True,
            )
    return everything_agrees


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--run", type=Path, metavar="ROSTER", help="run the plain pipeline on ROSTER; one JSON line")
    mode.add_argument("--check", action="store_true", help="compare objectives with mentormatch.solve")
    parser.add_argument("-o", "--out", type=Path, default=Path("plain_matches.csv"), help="matches CSV of --run")
    parser.add_argument("--cache", type=Path, default=None, help="roster cache of --check (roster_pipeline's default)")
    args = parser.parse_args(argv)
    if args.run is not None:
        print(json.dumps(plain_pipeline(args.run, args.out)))
        return 0
    cache = args.cache or Path(tempfile.gettempdir()) / "mentormatch-bench"
    return 0 if check(cache) else 1


if __name__ == "__main__":
    sys.exit(main())
