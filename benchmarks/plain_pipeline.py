"""A plain roster pipeline, the baseline for ``mentormatch solve``, and the comparison of the two.

The plain pipeline is what a competent analyst would write in an afternoon with pandas, numpy and OR-Tools, for
the default config of PRODUCT.md sections 3–4 and unit workloads (no coaches):

1. **read**: ``mentees.csv``, ``mentors.csv`` and ``exclusions.csv`` with ``pandas.read_csv`` (every cell as text,
   headers and cells trimmed, text casefolded, ``;`` lists split, availability slots parsed into 168-hour masks);
2. **score**: the nine criteria of section 3 and the default hard rules, computed with numpy for a block of
   :data:`ROWS_PER_BLOCK` mentees against every mentor at a time (broadcasting; shared items counted by a matrix
   product of 0/1 incidence matrices), each block's allowed pairs handed straight to OR-Tools as arcs;
3. **solve**: OR-Tools ``SimpleMinCostFlow`` on every allowed pair, priority first through a big multiplier,
   then the score rounded to integers (``gain = priority · BIG + round(score · 10⁶)``, ``BIG`` = n · 10⁶ + 1, so
   one priority point outweighs any score sum); a zero-cost arc per mentee lets it stay unmatched;
4. **write**: one row per mentee (ids, score and the nine criteria on the 0–100 scale, empty when unmatched) with
   ``DataFrame.to_csv``.

It validates nothing, explains nothing and verifies nothing: it is a yardstick for speed and memory, not a product.
It refuses rosters with coaches or workloads above 1 (min-cost flow is exact only for unit workloads).

Modes::

    python benchmarks/plain_pipeline.py --run ROSTER -o matches.csv   # the plain pipeline alone; prints one JSON line
    python benchmarks/plain_pipeline.py                               # check, then compare at 20000 × 5000
    python benchmarks/plain_pipeline.py --check                       # same objective as mentormatch.solve?
    python benchmarks/plain_pipeline.py --quick                       # check, then compare once at 3000 × 1000

``--check`` runs both pipelines in this process on small rosters (the bundled ``data/synthetic/small`` and
``medium`` with every workload set to 1, and the 300 × 100 and 3000 × 1000 unit-workload rosters of
``roster_pipeline.py``) and compares Σ priority (exactly) and Σ score (relative difference, tolerance
:data:`SCORE_RTOL`) with ``mentormatch.solve(problem, "auto")``.

The comparison runs ``mentormatch solve ROSTER -o out.csv`` (the installed CLI) and ``plain_pipeline.py --run
ROSTER -o out.csv``, each as a fresh process, alternately, ``--repeats`` times, on the unit-workload synthetic roster
of ``roster_pipeline.py`` (generated once into its cache). Wall time is ``time.perf_counter`` around the process
(interpreter start-up and imports included, for both); peak RSS is the process's ``ru_maxrss`` from ``os.wait4``.
Both objectives are read back (the CLI's summary line, the plain pipeline's JSON) and compared. The markdown
report replaces ``benchmarks/results/plain_pipeline.md`` (``--output``; ``--quick`` and ``--check`` only print it).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # _measure and roster_pipeline live beside this file
    sys.path.insert(0, str(HERE))
REPO = HERE.parent
DEFAULT_OUTPUT = HERE / "results" / "plain_pipeline.md"

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
ROWS_PER_BLOCK = 256
"""Mentees scored against every mentor at a time."""
SCORE_RTOL = 1e-6
"""Σ score of the two pipelines must agree to this relative difference (both round scores to 10⁻⁶)."""

TYPE_ALIASES = {"right_wing": "far_right", "left_wing": "far_left", "jihadist": "islamist",
                "ethno_nationalist": "separatist"}  # fmt: skip
DAY_GROUPS = {
    "mon": [0], "tue": [1], "wed": [2], "thu": [3], "fri": [4], "sat": [5], "sun": [6],
    "weekdays": [0, 1, 2, 3, 4], "weekend": [5, 6], "daily": [0, 1, 2, 3, 4, 5, 6],
}  # fmt: skip
DAY_PARTS = {"am": (9, 12), "pm": (13, 17), "eve": (18, 21)}


# ---------------------------------------------------------------------------------------------------------------
# 1. Read.


def read_csv(path: Path) -> pd.DataFrame:
    """A roster file as text: headers trimmed and casefolded, cells trimmed, empty cells ``""``."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table.columns = [name.strip().casefold() for name in table.columns]
    return table.apply(lambda column: column.str.strip())


def split_list(cell: str) -> list[str]:
    """``a; B;;a`` → ``["a", "b"]``: trimmed, casefolded, empty items and duplicates dropped."""
    return list(dict.fromkeys(item.strip().casefold() for item in cell.split(";") if item.strip()))


def availability_hours(cell: str) -> np.ndarray | None:
    """Slots such as ``mon eve;weekdays 18-20`` → a (168,) bool mask; None for an empty cell."""
    hours = np.zeros(168, dtype=bool)
    slots = split_list(cell)
    for slot in slots:
        day, rest = slot.split(None, 1)
        start, end = DAY_PARTS[rest] if rest in DAY_PARTS else map(int, rest.split("-"))
        for d in DAY_GROUPS[day]:
            hours[24 * d + start : 24 * d + end] = True
    return hours if slots else None


def extremism_type(text: str) -> str:
    key = re.sub(r"[- ]", "_", text.casefold())
    return TYPE_ALIASES.get(key, key)


def incidence(lists: list[list[str]], vocab: dict[str, int]) -> np.ndarray:
    """(people, len(vocab)) 0/1 float32 matrix: does person p have item v."""
    out = np.zeros((len(lists), len(vocab)), dtype=np.float32)
    for p, items in enumerate(lists):
        out[p, [vocab[x] for x in items]] = 1.0
    return out


@dataclass
class Side:
    """One side of the roster as arrays (mentees or mentors)."""

    ids: list[str]
    languages: np.ndarray  # (p, L) 0/1
    background: np.ndarray  # (p, B) 0/1
    topics: np.ndarray  # (p, T) 0/1: needs for mentees, skills for mentors
    hours: np.ndarray  # (p, 168) 0/1
    has_hours: np.ndarray  # (p,) bool
    gender: np.ndarray  # (p,) int code
    age: np.ndarray  # (p,) float
    region: np.ndarray  # (p,) int code, -1 = empty


@dataclass
class Roster:
    mentees: Side
    mentors: Side
    primary: np.ndarray  # (n,) language code of each mentee's first language
    mentee_type: np.ndarray  # (n,) type code
    preference: np.ndarray  # (n,) -1 any, -2 same, else a gender code
    priority: np.ndarray  # (n,) int
    high_risk: np.ndarray  # (n,) bool
    speaks: np.ndarray  # (languages, m) bool: does mentor j speak language l
    expertise: np.ndarray  # (types, m) bool: is mentor j trained for type t
    experience: np.ndarray  # (m,) float
    capacity: np.ndarray  # (m,) int
    excluded: pd.DataFrame  # mentee index, mentor index


def read_roster_plain(folder: Path) -> Roster:
    """Read a roster folder with pandas (no validation: the files are assumed well formed)."""
    mentees = read_csv(folder / "mentees.csv")
    mentors = read_csv(folder / "mentors.csv")
    if (folder / "coaches.csv").exists() and len(read_csv(folder / "coaches.csv")):
        raise SystemExit("plain pipeline: coaches are not supported")
    if "workload" in mentees and (mentees["workload"].replace("", "1").astype(int) != 1).any():
        raise SystemExit("plain pipeline: workloads above 1 are not supported (min-cost flow is exact only for 1)")

    def column(table: pd.DataFrame, name: str) -> pd.Series:
        return table[name] if name in table else pd.Series([""] * len(table), index=table.index)

    def lists(table: pd.DataFrame, name: str) -> list[list[str]]:
        return [split_list(cell) for cell in column(table, name)]

    def codes(values: list[str], vocab: dict[str, int]) -> np.ndarray:
        return np.array([-1 if v == "" else vocab.setdefault(v, len(vocab)) for v in values], dtype=np.int64)

    lang_e, lang_m = lists(mentees, "languages"), lists(mentors, "languages")
    bg_e, bg_m = lists(mentees, "background"), lists(mentors, "background")
    needs, skills = lists(mentees, "needs"), lists(mentors, "skills")
    vocab = {}
    for name, a, b in (("lang", lang_e, lang_m), ("bg", bg_e, bg_m), ("topic", needs, skills)):
        vocab[name] = {item: k for k, item in enumerate(sorted({x for items in a + b for x in items}))}
    genders: dict[str, int] = {}
    regions: dict[str, int] = {}
    types: dict[str, int] = {}

    def side(table: pd.DataFrame, lang: list, bg: list, topics: list, topic_vocab: dict) -> Side:
        slots = [availability_hours(cell) for cell in column(table, "availability")]
        return Side(
            ids=table["id"].tolist(),
            languages=incidence(lang, vocab["lang"]),
            background=incidence(bg, vocab["bg"]),
            topics=incidence(topics, topic_vocab),
            hours=np.array([np.zeros(168, bool) if h is None else h for h in slots], dtype=np.float32),
            has_hours=np.array([h is not None for h in slots]),
            gender=codes(table["gender"].str.casefold().tolist(), genders),
            age=table["age"].astype(np.float32).to_numpy(),
            region=codes(column(table, "region").str.casefold().tolist(), regions),
        )

    e = side(mentees, lang_e, bg_e, needs, vocab["topic"])
    m = side(mentors, lang_m, bg_m, skills, vocab["topic"])
    mentee_type = codes([extremism_type(t) for t in mentees["extremism_type"]], types)
    expertise_lists = [[extremism_type(t) for t in items] for items in lists(mentors, "expertise")]
    expertise = np.zeros((len(mentors), 8), dtype=bool)  # eight types in the vocabulary
    for j, items in enumerate(expertise_lists):
        expertise[j, [types.setdefault(t, len(types)) for t in items]] = True
    pref_text = column(mentees, "gender_preference").str.casefold().replace("", "any")
    preference = np.array(
        [-1 if p == "any" else -2 if p == "same" else genders.setdefault(p, len(genders)) for p in pref_text]
    )
    risk = column(mentees, "risk_level").str.casefold().replace("", "medium")
    excluded = pd.DataFrame({"i": [], "j": []}, dtype=np.int64)
    if (folder / "exclusions.csv").exists():
        pairs = read_csv(folder / "exclusions.csv")
        mentee_index = pd.Series(np.arange(len(mentees)), index=mentees["id"])
        mentor_index = pd.Series(np.arange(len(mentors)), index=mentors["id"])
        excluded = pd.DataFrame(
            {"i": mentee_index[pairs["mentee_id"]].to_numpy(), "j": mentor_index[pairs["mentor_id"]].to_numpy()}
        )
    return Roster(
        mentees=e,
        mentors=m,
        primary=np.array([vocab["lang"][items[0]] for items in lang_e]),
        mentee_type=mentee_type,
        preference=preference,
        priority=risk.map(PRIORITY).to_numpy(dtype=np.int64),
        high_risk=(risk == "high").to_numpy(),
        speaks=m.languages.T > 0,
        expertise=expertise.T.copy(),
        experience=column(mentors, "experience_years").replace("", "0").astype(np.float32).to_numpy(),
        capacity=column(mentors, "capacity").replace("", "1").astype(int).to_numpy(),
        excluded=excluded,
    )


# ---------------------------------------------------------------------------------------------------------------
# 2. Score: criteria and hard rules for a block of mentees × all mentors (i a column, j a row) or for pairs.


def _shared(a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """How many items mentee i and mentor j share: a matrix product for a block, a row-wise sum for pairs."""
    if i.ndim == 2:
        return a[i[:, 0]] @ b.T
    return (a[i] * b[j]).sum(axis=1)


def _lookup(table: np.ndarray, codes: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``table[codes[i], j]`` for a (codes, mentors) table: whole rows for a block, single cells for pairs."""
    if i.ndim == 2:
        return table[codes[i[:, 0]]]
    return table[codes[i], j]


def criteria(r: Roster, i: np.ndarray, j: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The nine criterion values s_k(i, j) in [0, 1] and the hard rules' allowed mask (PRODUCT.md section 3)."""
    e, m = r.mentees, r.mentors
    shared_lang = _shared(e.languages, m.languages, i, j) > 0
    primary_spoken = _lookup(r.speaks, r.primary, i, j)
    hours = _shared(e.hours, m.hours, i, j)
    no_hours = ~e.has_hours[i] | ~m.has_hours[j]
    bg_i, bg_j = e.background[i].sum(axis=-1), m.background[j].sum(axis=-1)
    needs_i, skills_j = e.topics[i].sum(axis=-1), m.topics[j].sum(axis=-1)
    expert = _lookup(r.expertise, r.mentee_type, i, j)
    same_gender = e.gender[i] == m.gender[j]
    region_i, region_j = e.region[i], m.region[j]
    with np.errstate(invalid="ignore", divide="ignore"):
        bg_share = _shared(e.background, m.background, i, j) / bg_i
        covered = _shared(e.topics, m.topics, i, j) / needs_i
    f = np.float32  # scores in float32, as mentormatch holds them (half the memory traffic of float64)
    parts = {
        "language": np.where(primary_spoken, f(1), np.where(shared_lang, f(0.6), f(0))),
        "extremism": expert.astype(f),
        "availability": np.where(no_hours, f(0.5), np.minimum(hours, 6) / 6),
        "background": np.where((bg_i == 0) | (bg_j == 0), f(0.5), bg_share),
        "gender": same_gender.astype(f),
        "age": np.maximum(f(0), 1 - np.abs((m.age[j] - e.age[i]) - 10) / 30),
        "experience": np.minimum(r.experience[j], 5) / 5,
        "region": np.where((region_i < 0) | (region_j < 0), f(0.5), (region_i == region_j).astype(f)),
        "needs": np.where(needs_i == 0, f(0.5), np.where(skills_j == 0, f(0), covered)),
    }
    pref = r.preference[i]
    allowed = (
        shared_lang
        & (no_hours | (hours >= MIN_OVERLAP_HOURS))
        & ((pref == -1) | ((pref == -2) & same_gender) | (pref == m.gender[j]))
        & (~r.high_risk[i] | (expert & (r.experience[j] >= HIGH_RISK_MIN_EXPERIENCE)))
    )
    return parts, allowed


def total_score(parts: dict[str, np.ndarray]) -> np.ndarray:
    """S = Σ w_k s_k / Σ w_k."""
    return sum(WEIGHTS[k] * parts[k] for k in WEIGHTS) / sum(WEIGHTS.values())


# ---------------------------------------------------------------------------------------------------------------
# 3. Solve: min-cost flow over every allowed pair, arcs added block by block as they are scored.


def score_and_solve(r: Roster, timings: dict[str, float]) -> tuple[np.ndarray, int]:
    """Mentor index of each mentee (-1 unmatched) and the number of pair arcs."""
    from ortools.graph.python import min_cost_flow

    n, m = len(r.mentees.ids), len(r.mentors.ids)
    big = n * SCORE_SCALE + 1  # Σ round(score · 10⁶) over any matching is at most n · 10⁶
    flow = min_cost_flow.SimpleMinCostFlow()
    sink = n + m
    start = time.perf_counter()
    adding = 0.0  # seconds spent handing arcs to OR-Tools
    excluded = r.excluded
    for lo in range(0, n, ROWS_PER_BLOCK):
        i = np.arange(lo, min(lo + ROWS_PER_BLOCK, n))[:, None]
        parts, allowed = criteria(r, i, np.arange(m)[None, :])
        here = excluded[(excluded["i"] >= lo) & (excluded["i"] < lo + ROWS_PER_BLOCK)]
        allowed[here["i"].to_numpy() - lo, here["j"].to_numpy()] = False
        rows, cols = np.nonzero(allowed)
        score = total_score(parts)[rows, cols]
        gain = r.priority[lo + rows] * big + np.rint(score * SCORE_SCALE).astype(np.int64)
        t = time.perf_counter()
        flow.add_arcs_with_capacity_and_unit_cost(
            (lo + rows).astype(np.int32), (n + cols).astype(np.int32), np.ones(len(rows), np.int64), -gain
        )
        adding += time.perf_counter() - t
    pair_arcs = flow.num_arcs()
    everyone = np.arange(n, dtype=np.int32)
    flow.add_arcs_with_capacity_and_unit_cost(  # stay unmatched, at no gain
        everyone, np.full(n, sink, np.int32), np.ones(n, np.int64), np.zeros(n, np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(n, n + m, dtype=np.int32), np.full(m, sink, np.int32), r.capacity.astype(np.int64),
        np.zeros(m, np.int64),
    )  # fmt: skip
    flow.set_nodes_supplies(np.arange(n + m + 1), np.concatenate([np.ones(n, int), np.zeros(m, int), [-n]]))
    middle = time.perf_counter()
    if flow.solve() != flow.OPTIMAL:
        raise SystemExit("plain pipeline: min-cost flow did not reach an optimum")
    used = np.flatnonzero(flow.flows(np.arange(pair_arcs)) > 0)
    mentor_of = np.full(n, -1, dtype=np.int64)
    for arc in used.tolist():
        mentor_of[flow.tail(arc)] = flow.head(arc) - n
    timings["score"] = middle - start - adding
    timings["solve"] = time.perf_counter() - middle + adding
    return mentor_of, pair_arcs


# ---------------------------------------------------------------------------------------------------------------
# 4. Write, and the whole pipeline.


def plain_pipeline(folder: Path, output: Path) -> dict:
    """Run read → score → solve → write; return stage times, Σ priority, Σ score and counts."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    r = read_roster_plain(folder)
    timings["read"] = time.perf_counter() - t0
    mentor_of, pair_arcs = score_and_solve(r, timings)
    t1 = time.perf_counter()
    matched = np.flatnonzero(mentor_of >= 0)
    parts, _ = criteria(r, matched, mentor_of[matched])
    score = total_score(parts)
    table = pd.DataFrame({"mentee_id": r.mentees.ids, "mentor_id": ""})
    table.loc[matched, "mentor_id"] = np.asarray(r.mentors.ids, dtype=object)[mentor_of[matched]]
    for name, values in {"score": score, **parts}.items():
        table[name] = np.nan
        table.loc[matched, name] = np.round(100 * values, 1)
    table.to_csv(output, index=False, float_format="%.1f", lineterminator="\n")
    timings["write"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0
    return {
        **timings,
        "mentees": len(mentor_of),
        "mentors": len(r.mentors.ids),
        "allowed_pairs": pair_arcs,
        "matched": len(matched),
        "priority_sum": int(r.priority[matched].sum()),
        "score_sum": float(score.sum(dtype=np.float64)),
    }


# ---------------------------------------------------------------------------------------------------------------
# Check: the same objective as mentormatch.solve on small rosters.


def unit_copy(folder: Path, into: Path) -> Path:
    """A copy of a roster folder with every workload set to 1."""
    into.mkdir(parents=True, exist_ok=True)
    for name in ("mentors.csv", "exclusions.csv", "coaches.csv"):
        if (folder / name).exists():
            shutil.copy(folder / name, into / name)
    mentees = pd.read_csv(folder / "mentees.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "workload" in mentees:
        mentees["workload"] = "1"
    mentees.to_csv(into / "mentees.csv", index=False, lineterminator="\n")
    return into


def check_rosters(cache: Path, tmp: Path) -> list[tuple[str, Path]]:
    """(label, folder) of the rosters checked: the bundled ones (unit copies made in ``tmp``) and roster_pipeline's
    small and medium."""
    from roster_pipeline import roster_folder

    out = [(f"data/synthetic/{name} (workloads set to 1)", unit_copy(REPO / "data/synthetic" / name, tmp / name))
           for name in ("small", "medium")]  # fmt: skip
    for size in ("small", "medium"):
        folder = roster_folder(cache, size, "unit")
        out.append((f"roster_pipeline {size} unit ({folder.name.split('-')[1]})", folder))
    return out


def check(cache: Path) -> list[dict]:
    """Solve each check roster with both pipelines; compare Σ priority and Σ score."""
    from mentormatch import MatchConfig, build_problem, read_roster, solve

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        solved = []
        for label, folder in check_rosters(cache, Path(tmp)):
            plain = plain_pipeline(folder, Path(tmp) / "plain.csv")
            solved.append((label, plain, solve(build_problem(read_roster(folder), MatchConfig()), "auto", seed=0)))
    for label, plain, result in solved:
        rel = abs(result.objective - plain["score_sum"]) / max(abs(result.objective), 1e-9)
        agree = result.priority_sum == plain["priority_sum"] and rel <= SCORE_RTOL
        rows.append({
            "roster": label, "shape": f"{plain['mentees']} × {plain['mentors']}",
            "mm_priority": result.priority_sum, "plain_priority": plain["priority_sum"],
            "mm_score": result.objective, "plain_score": plain["score_sum"], "rel": rel,
            "mm_matched": result.n_matched, "plain_matched": plain["matched"],
            "solver": f"{result.solver}, {result.status}", "agree": agree,
        })  # fmt: skip
        print(f"[check] {label}: {'agree' if agree else 'DISAGREE'} (rel {rel:.1e})", file=sys.stderr, flush=True)
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Compare: mentormatch's CLI against the plain pipeline, each a fresh process.

_SUMMARY = re.compile(r"objective: priority (\d+)(?: \(bound \d+\))?, score sum ([-0-9.]+)")


def _mentormatch_command() -> list[str]:
    script = Path(sys.executable).with_name("mentormatch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mentormatch"]


def compare(size: str, repeats: int, cache: Path, timeout: float = 1800.0) -> dict:
    """Run ``mentormatch solve`` and the plain pipeline alternately on the unit-workload roster of ``size``.

    Returns a dict with each side's runs (wall seconds, peak RSS MB, Σ priority, Σ score) and the roster's shape.
    """
    from _measure import run_child
    from roster_pipeline import SIZES, roster_folder

    print(f"[compare {size}] setting up the roster ...", file=sys.stderr, flush=True)
    folder = roster_folder(cache, size, "unit")
    runs: dict[str, list[dict]] = {"mentormatch": [], "plain": []}
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "mentormatch": [*_mentormatch_command(), "solve", str(folder), "-o", f"{tmp}/mentormatch.csv"],
            "plain": [sys.executable, str(Path(__file__).resolve()), "--run", str(folder), "-o", f"{tmp}/plain.csv"],
        }
        for k in range(repeats):
            for side, command in commands.items():
                done = run_child(command, cwd=REPO, timeout=timeout)
                run = {"seconds": done.seconds, "peak_rss_mb": done.peak_rss_mb, "returncode": done.returncode}
                if done.returncode != 0:
                    run["error"] = (done.stderr.strip().splitlines() or ["no output"])[-1]
                elif side == "plain":
                    report = json.loads(done.stdout.strip().splitlines()[-1])
                    run.update(priority_sum=report["priority_sum"], score_sum=report["score_sum"],
                               stages={s: report[s] for s in ("read", "score", "solve", "write")})  # fmt: skip
                else:
                    found = _SUMMARY.search(done.stdout)
                    if found:
                        run.update(priority_sum=int(found.group(1)), score_sum=float(found.group(2)))
                runs[side].append(run)
                print(f"[compare {size}] run {k + 1} {side}: {done.seconds:.2f} s, {done.peak_rss_mb:,.0f} MB"
                      + (f" ({run['error']})" if "error" in run else ""), file=sys.stderr, flush=True)  # fmt: skip
    return {"size": size, "shape": SIZES[size], "repeats": repeats, "runs": runs}


def summarize(comparison: dict) -> dict:
    """Medians, peak RSS (largest over runs), the ratio mentormatch / plain and whether the objectives agree."""
    out: dict = {"size": comparison["size"], "shape": comparison["shape"]}
    for side, runs in comparison["runs"].items():
        ok = [r for r in runs if "error" not in r]
        out[side] = {
            "runs": len(runs),
            "errors": [r["error"] for r in runs if "error" in r],
            "seconds": statistics.median(r["seconds"] for r in ok) if ok else None,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in ok) if ok else None,
            "priority_sum": ok[-1].get("priority_sum") if ok else None,
            "score_sum": ok[-1].get("score_sum") if ok else None,
        }
        if side == "plain" and ok:
            out[side]["stages"] = {s: statistics.median(r["stages"][s] for r in ok) for s in ok[0]["stages"]}
    mm, plain = out["mentormatch"], out["plain"]
    out["ratio"] = mm["seconds"] / plain["seconds"] if mm["seconds"] and plain["seconds"] else None
    if mm["score_sum"] is not None and plain["score_sum"] is not None:
        # the CLI prints Σ score with 4 decimals: allow that rounding on top of the 1e-6 relative tolerance
        tol = SCORE_RTOL * abs(plain["score_sum"]) + 5e-5
        out["agree"] = mm["priority_sum"] == plain["priority_sum"] and abs(mm["score_sum"] - plain["score_sum"]) <= tol
    else:
        out["agree"] = None
    return out


# ---------------------------------------------------------------------------------------------------------------
# Report.


def _s(t: float | None) -> str:
    return "—" if t is None else f"{t:.0f}" if t >= 100 else f"{t:.3g}"


def render(checks: list[dict], summary: dict | None, info: dict, argv: list[str]) -> str:
    from _measure import machine_line

    lines = [
        "# Plain pipeline baseline and the roster comparison",
        "",
        f"Date: {info['date']}. Command: `{' '.join(['python benchmarks/plain_pipeline.py', *argv])}`",
        "",
        machine_line(info),
        "",
        "The plain pipeline (`benchmarks/plain_pipeline.py --run`): pandas CSV read, the nine criteria and default "
        f"hard rules in numpy blocks of {ROWS_PER_BLOCK} mentees, OR-Tools min-cost flow on every allowed pair "
        f"(gain = priority × (n · 10⁶ + 1) + round(score · 10⁶)), pandas CSV write. Unit workloads, no coaches.",
        "",
    ]
    if checks:
        lines += [
            "## Same objective as `mentormatch.solve`",
            "",
            f"Σ priority must be equal, Σ score equal to {SCORE_RTOL:g} relative.",
            "",
            "| roster | mentees × mentors | Σ priority mentormatch | Σ priority plain | Σ score mentormatch "
            "| Σ score plain | relative difference | matched mm / plain | mentormatch solver | agree |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for c in checks:
            lines.append(
                f"| {c['roster']} | {c['shape']} | {c['mm_priority']} | {c['plain_priority']} | {c['mm_score']:.6f} "
                f"| {c['plain_score']:.6f} | {c['rel']:.1e} | {c['mm_matched']} / {c['plain_matched']} "
                f"| {c['solver']} | {'yes' if c['agree'] else '**no**'} |"
            )
        lines.append("")
    if summary is not None:
        n, m = summary["shape"]
        mm, plain = summary["mentormatch"], summary["plain"]
        ratio = "—" if summary["ratio"] is None else f"{summary['ratio']:.2f}"
        agree = {True: "yes", False: "**no**", None: "—"}[summary["agree"]]
        stages = plain.get("stages", {})
        stage_text = ", ".join(f"{k} {_s(v)} s" for k, v in stages.items())
        lines += [
            f"## `mentormatch solve` against the plain pipeline, {n} × {m}, unit workloads",
            "",
            f"Roster: `roster_pipeline.py`'s `{summary['size']}` unit-workload roster (`synthetic_roster({n}, {m}, "
            "seed=0)`, every workload 1, no coaches). Each run is a fresh process, the two alternating; wall time "
            "includes interpreter start-up and imports; peak RSS is the process's `ru_maxrss` (largest over runs). "
            f"mentormatch: `mentormatch solve ROSTER -o out.csv` (default solver auto, time limit 60 s). "
            f"Median of {mm['runs']} run(s) each.",
            "",
            "| pipeline | median wall s | peak RSS MB | Σ priority | Σ score | runs |",
            "|---|---|---|---|---|---|",
        ]
        for name, side in (("mentormatch solve (CLI)", mm), ("plain pipeline", plain)):
            score = "—" if side["score_sum"] is None else f"{side['score_sum']:.4f}"
            errors = f" ({len(side['errors'])} failed: {side['errors'][0]})" if side["errors"] else ""
            peak = "—" if side["peak_rss_mb"] is None else f"{side['peak_rss_mb']:,.0f}"
            lines.append(f"| {name} | {_s(side['seconds'])} | {peak} | {side['priority_sum']} | {score} "
                         f"| {side['runs']}{errors} |")  # fmt: skip
        lines += [
            "",
            f"Ratio mentormatch / plain (wall time): **{ratio}**. Objectives agree: {agree}. "
            f"Plain pipeline stages (in-process, median): {stage_text} (score = criteria, rules and arc arrays in "
            "numpy; solve = handing the arcs to OR-Tools, and its solve).",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, metavar="ROSTER", help="run the plain pipeline on ROSTER only")
    parser.add_argument("-o", "--out", type=Path, default=Path("plain_matches.csv"), help="matches CSV of --run")
    parser.add_argument("--check", action="store_true", help="only compare objectives with mentormatch.solve")
    parser.add_argument("--quick", action="store_true", help="check on small rosters, compare at 3000 × 1000 once")
    parser.add_argument("--size", default="large", help="roster_pipeline size to compare at (default large)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each pipeline in the comparison")
    parser.add_argument("--no-check", action="store_true", help="skip the objective check")
    parser.add_argument("--cache", type=Path, default=None, help="roster cache folder (roster_pipeline's default)")
    parser.add_argument(
        "--output",
        type=Path,
        help="markdown file for the results (default: the committed "
        "results file; --quick and --check write none unless given)",
    )
    args = parser.parse_args(argv)

    if args.run is not None:
        print(json.dumps(plain_pipeline(args.run, args.out)))
        return 0

    from _measure import machine
    from roster_pipeline import DEFAULT_CACHE

    cache = args.cache or DEFAULT_CACHE
    size, repeats = ("medium", 1) if args.quick else (args.size, args.repeats)
    checks = [] if args.no_check else check(cache)
    summary = None if args.check else summarize(compare(size, repeats, cache))
    text = render(checks, summary, machine(), argv)
    print(text)
    output = args.output or (None if args.quick or args.check else DEFAULT_OUTPUT)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    disagree = any(not c["agree"] for c in checks) or (summary is not None and summary["agree"] is False)
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
