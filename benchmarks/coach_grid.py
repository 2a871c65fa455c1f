"""Benchmark ``mentormatch.solve`` on rosters with coaches against two reference solvers of the same rules.

Per instance (a synthetic roster of a size, coach limits and seed), three methods side by side:

``ours``
    ``mentormatch.solve(build_problem(roster), solver="auto", time_limit=T)`` (the coach tier of
    :mod:`mentormatch.solvers.coaches`): time, Σ priority and its bound, Σ S (scores in 0..1) and its bound, gap,
    status, as the result reports them. The answer is re-read from ``result.table`` and Σ priority and Σ S are
    recomputed from it.
``milp``
    scipy's HiGHS (``scipy.optimize.milp``, ``mip_rel_gap=0``) on the direct formulation of
    :mod:`_coach_references`, with ``--reference-time-limit`` (default 120 s); HiGHS's dual bound when stopped.
``cp-sat``
    CP-SAT on the compact model of SOLVER_NOTES (:mod:`_coach_references`), 2 workers, default parameters, time
    limit ``--reference-time-limit`` (default 60 s); its best bound when stopped.

Both references maximise the library's integer gain ``priority · BIG + rint(S · 10⁶ / max S)``, computed in
:mod:`_coach_references` and checked equal to ``mentormatch.solvers._scaling.fit_scaling``'s, so the three answers
compare exactly in gain units; Σ priority and Σ S are recomputed from each answer, and every answer is checked
against every rule (:func:`_coach_references.check_answer`). A reference's bound on Σ gain is split into a bound on
Σ priority and, when the priority part is proven, one on Σ S (plus the rounding slack of 0.5 / scale per pair).

How it is measured: each (instance, method) runs in a fresh Python process; the roster is generated and scored
(``build_problem``) there, untimed, and the solver modules are imported before the clock starts. The time is
``time.perf_counter`` around the call (for the references: candidate pairs and gains, model, solve); the memory is
the process's peak RSS (``VmHWM``) right after the call, and in brackets the peak extra over the RSS before it
(:class:`_measure.PeakMeter`). References are skipped above ``--reference-max`` mentees × mentors (default
1000 × 250).

Instances and goals (the issue's):

a. 200 × 50 × 5, ``coach_limits="hard"`` (each coach supervises 2–4 mentors): ours proven optimal, in at most
   1/8 of the MILP's time.
b. 1000 × 250 × 20, ``coach_limits="moderate"``: ours within 0.5 % of a proven bound (Σ priority equal to the
   best proven Σ priority bound, Σ S within 0.5 % of the best proven Σ S bound of any method) in ≤ 20 s.
c. 5000 × 1000 × 60, ``coach_limits="moderate"``: Σ priority equal to a proven bound and Σ S within 1 % of its
   bound, in ≤ 60 s (references skipped).
d. 5000 × 1000 × 60, ``coach_limits="binding"`` (issue 15; also ``d1`` = 1000 × 250 × 20 and ``d2`` =
   2000 × 500 × 30 without a goal): Σ priority equal to the coverable bound (the coach-free optimum over the pairs
   some permitted coach could supervise, which ours reports as its bound), Σ S within 0.5 % of that bound's score,
   in ≤ 60 s wall with every stage. ``ours-before`` (ours with ``CoachOptions(choice_rounds=0)``, the method before
   issue 15) runs beside ours on the binding sizes as the reference.

Each goal is met when every seed meets it; goal a is "undetermined" for a seed where ours proved optimality in more
than 1/8 of the time at which the MILP stopped unfinished (the MILP's own time is then unknown).

Anything suspicious is listed under "Checks": any method claiming optimal while another found more, any method's
bound below another's (or its own) answer, an answer breaking a rule, a reported total that differs from the
recomputed one, methods of one instance given different instances (the generator changed during the run), or
mentormatch's source changing during the run. Per instance, a note says whether a reference confirmed ours' claim
of optimality.

Usage::

    python benchmarks/coach_grid.py                    # sizes a, b, c, d1, d × 3 seeds (about an hour on 2 cores)
    python benchmarks/coach_grid.py --sizes d1,d --methods ours,ours-before --seeds 3   # issue 15's rows only
    python benchmarks/coach_grid.py --quick            # size a, one seed, short limits (about a minute)
    python benchmarks/coach_grid.py --sizes a,400x100x10:moderate --seeds 2 --reference-time-limit 30
    python benchmarks/coach_grid.py --methods ours,milp --sizes b
    python benchmarks/coach_grid.py --raw runs.json        # also keep the measurements ...
    python benchmarks/coach_grid.py --render runs.json     # ... and re-render them later, measuring nothing

The markdown goes to stdout and replaces ``benchmarks/results/coach_grid.md`` (``--output``; ``--quick`` only
prints it unless ``--output`` is given).
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # _measure and _coach_references live beside this file
    sys.path.insert(0, str(HERE))

from _measure import PeakMeter, machine, machine_line, run_json  # noqa: E402

DEFAULT_OUTPUT = HERE / "results" / "coach_grid.md"
METHODS = ("ours", "ours-before", "milp", "cp-sat")
OURS = ("ours", "ours-before")
"""``ours-before``: the same library with the coach choice and flow re-solves switched off
(``CoachOptions(choice_rounds=0)``), i.e. the method before issue 15 (now held to ``time_limit`` on the wall clock,
where it used to overrun it), as the reference beside ``ours``."""
REFERENCE_MAX = 1000 * 250
"""References run only up to this many mentees × mentors (their models hold every candidate pair)."""


@dataclass(frozen=True)
class Size:
    label: str
    n: int
    m: int
    k: int
    limits: str
    """``coach_limits`` of :func:`mentormatch.synthetic_roster`."""
    time_limit: float
    """Ours' default ``time_limit``."""
    goal: str = ""

    @property
    def shape(self) -> str:
        return f"{self.n} × {self.m} × {self.k}"


SIZES = {
    "a": Size("a", 200, 50, 5, "hard", 60.0, "a"),
    "b": Size("b", 1000, 250, 20, "moderate", 20.0, "b"),
    "c": Size("c", 5000, 1000, 60, "moderate", 60.0, "c"),
    "d": Size("d", 5000, 1000, 60, "binding", 60.0, "d"),
    "d1": Size("d1", 1000, 250, 20, "binding", 60.0),
    "d2": Size("d2", 2000, 500, 30, "binding", 60.0),
}
GOAL_SECONDS = {"b": 20.0, "c": 60.0, "d": 60.0}
GOAL_GAP = {"b": 0.005, "c": 0.01, "d": 0.005}
GOAL_A_RATIO = 1 / 8
QUICK = {"sizes": "a", "seeds": 1, "time_limit": 10.0, "milp": 30.0, "cpsat": 15.0}


def parse_size(text: str) -> Size:
    """``a``, ``b``, ``c`` or ``NxMxK[:limits]`` (limits default ``moderate``)."""
    if text in SIZES:
        return SIZES[text]
    match = re.fullmatch(r"(\d+)x(\d+)x(\d+)(?::(\w+))?", text)
    if not match:
        raise ValueError(f"size {text!r}: expected one of {', '.join(SIZES)} or NxMxK[:limits], e.g. 400x100x10:hard")
    n, m, k = (int(g) for g in match.groups()[:3])
    return Size(text, n, m, k, match.group(4) or "moderate", 60.0)


# ---------------------------------------------------------------------------------------------------------------
# The worker: one (instance, method) in a fresh process.


def make_problem(size: dict, seed: int):
    """The roster of ``size`` and ``seed``, scored (untimed); and how it was generated."""
    from mentormatch import build_problem, synthetic_roster

    if "coach_limits" in inspect.signature(synthetic_roster).parameters:
        roster = synthetic_roster(size["n"], size["m"], size["k"], seed=seed, coach_limits=size["limits"])
        generator = f'coach_limits="{size["limits"]}"'
    else:
        roster = synthetic_roster(size["n"], size["m"], size["k"], seed=seed)
        generator = "default coach limits (this mentormatch has no coach_limits)"
    return build_problem(roster), generator


def _answer_from_table(problem, table) -> tuple[np.ndarray, np.ndarray]:
    """(mentor_of, coach_of) as indices from a result table's ids."""
    mentor_index = {mid: j for j, mid in enumerate(problem.mentor_ids)}
    coach_index = {cid: c for c, cid in enumerate(problem.coach_ids)}
    mentee_index = {mid: i for i, mid in enumerate(problem.mentee_ids)}
    n, m = problem.shape
    mentor_of = np.full(n, -1, np.int64)
    coach_of = np.full(m, -1, np.int64)
    matched = table[table["mentor_id"].notna()]
    rows = matched["mentee_id"].map(mentee_index).to_numpy(np.int64)
    cols = matched["mentor_id"].map(mentor_index).to_numpy(np.int64)
    mentor_of[rows] = cols
    coaches = matched["coach_id"].map(coach_index).to_numpy(np.float64)
    coach_of[cols] = np.where(np.isnan(coaches), -1, coaches).astype(np.int64)
    return mentor_of, coach_of


def fingerprint(problem) -> str:
    """A short hash of the arrays every method sees (scores, rules, priorities, loads, capacities, coach tier)."""
    digest = hashlib.sha1()
    tier = problem.coaches
    for values in (
        problem.score,
        problem.allowed,
        problem.priority,
        problem.workload,
        problem.capacity,
        tier.mentee_type,
        tier.cover,
        tier.eligible,
        tier.max_mentors,
        tier.max_mentees,
    ):
        digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()[:12]


def library_fingerprint() -> str:
    """A short hash of mentormatch's source files, to tell when the library changed in the middle of a run."""
    import mentormatch

    digest = hashlib.sha1()
    for path in sorted(Path(mentormatch.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def worker(spec: dict) -> dict:
    """Build the instance (untimed), run one method under :class:`PeakMeter`, and describe its answer."""
    import _coach_references as refs
    from mentormatch import solve
    from mentormatch.solvers._scaling import fit_scaling

    problem, generator = make_problem(spec["size"], spec["seed"])
    instance, tier = problem.instance(), problem.coaches
    method = spec["method"]
    if method in OURS:
        import ortools.sat.python.cp_model  # noqa: F401 - imports are not timed

        from mentormatch.solvers.options import CoachOptions, SolverOptions

        options = SolverOptions(coaches=CoachOptions(choice_rounds=0)) if method == "ours-before" else None
        with PeakMeter() as meter:
            result = solve(problem, "auto", time_limit=spec["time_limit"], options=options)
        mentor_of, coach_of = _answer_from_table(problem, result.table)
        data = refs.coach_data(instance, tier)  # after the call, so that its arrays are not in the peak
        out = {
            "status": str(result.status),
            "reported_priority": int(result.priority_sum),
            "reported_score": float(result.objective),
            "priority_bound": result.priority_bound,
            "score_bound": result.bound,
            "gap": result.gap,
            "solver": result.solver,
            "detail": result.message,
        }
    else:
        import ortools.sat.python.cp_model  # noqa: F401
        import scipy.optimize  # noqa: F401

        run = refs.solve_milp if method == "milp" else refs.solve_cpsat
        with PeakMeter() as meter:  # the candidate pairs and gains, the model, the solve
            data = refs.coach_data(instance, tier)
            answer = run(data, spec["time_limit"])
        mentor_of, coach_of = answer.mentor_of, answer.coach_of
        out = {"status": answer.status, "gain_bound": answer.gain_bound, "detail": answer.detail,
               "reported_gain": answer.gain}  # fmt: skip
    rows = np.flatnonzero(mentor_of >= 0)
    priority = int(instance.priority[rows].sum())
    score = float(instance.weights[rows, mentor_of[rows]].astype(np.float64).sum())
    out.update(
        seconds=meter.seconds,
        peak_mb=meter.peak_mb,
        extra_mb=meter.extra_mb,
        priority=priority,
        score=score,
        matched=int(rows.size),
        gain=refs.answer_gain(data, instance.priority, instance.weights, mentor_of),
        broken=refs.check_answer(instance, tier, mentor_of, coach_of),
    )
    if method not in OURS:
        if out["status"] == "optimal":  # as the library reports it: optimal within the scaling's resolution
            out["priority_bound"], out["score_bound"] = priority, score
        elif out["gain_bound"] is not None:
            out["priority_bound"], out["score_bound"] = data.split(out["gain_bound"], priority)
        else:
            out["priority_bound"], out["score_bound"] = None, None
        out["gap"] = _gap(out["priority"], out["priority_bound"], score, out["score_bound"])
    scaling = fit_scaling(replace(instance, allowed=instance.allowed & tier.coverable()))
    out["instance"] = {
        "generator": generator,
        "fingerprint": fingerprint(problem),
        "library": library_fingerprint(),
        "pairs": data.pairs,
        "eligible": int(data.y_mentor.size),
        "max_mentors": int(tier.max_mentors.sum()),
        "limited": int(data.limited.sum()),
        "scaling_agrees": bool(scaling.scale == data.scale and scaling.big == data.big),
        "big": data.big,
        "scale": data.scale,
        "max_matched": data.max_matched,
    }
    return out


def _gap(priority: int, priority_bound: int | None, score: float, score_bound: float | None) -> float | None:
    """The library's gap: (bound − Σ S) / bound on Σ S, when the priority part is proven."""
    if priority_bound is None or score_bound is None or priority_bound != priority:
        return None
    return max(0.0, (score_bound - score) / max(abs(score_bound), 1e-9))


def _worker_command(spec: dict) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]


def measure(size: Size, seed: int, method: str, time_limit: float) -> dict:
    spec = {"size": {"n": size.n, "m": size.m, "k": size.k, "limits": size.limits}, "seed": seed,
            "method": method, "time_limit": time_limit}  # fmt: skip
    timeout = 3 * time_limit + 900.0  # ours' wall-clock safety net is 2 T + 5 s; building a roster takes minutes
    return run_json(_worker_command(spec), timeout)


# ---------------------------------------------------------------------------------------------------------------
# Comparing the methods of one instance.


def _tolerance(record: dict, other: dict, instance: dict) -> float:
    """How far the Σ S of two answers with the same integer gain may differ: 0.5 / scale per pair of either answer
    (rounding), plus float error."""
    return (record["matched"] + other["matched"]) * 0.5 / instance["scale"] + 1e-9 * abs(record["score"])


def checks(label: str, records: dict[str, dict]) -> list[str]:
    """What looks wrong among one instance's records (each a sentence, bold where it is a contradiction).

    Every method's answer is checked against the rules and its own reported totals; then every pair of methods:
    an answer above another method's proven bound, or better than an answer another method calls optimal, is a
    contradiction (one of the two is wrong). Gains compare exactly: all methods' answers are re-scored with the
    same integer gains.
    """
    found = []
    ran = {k: r for k, r in records.items() if "error" not in r and "skipped" not in r}
    prints = {k: r["instance"]["fingerprint"] for k, r in ran.items()}
    if len(set(prints.values())) > 1:
        seen = ", ".join(f"{k} {v}" for k, v in prints.items())
        return [
            f"**{label}: the methods were given different instances ({seen}): the generator or the scoring "
            f"changed during the run; this instance's comparisons are void**"
        ]
    info = next((r["instance"] for r in ran.values()), None)
    if info is not None and not info["scaling_agrees"]:
        found.append(f"{label}: the references' scaling differs from `fit_scaling`'s; gains compare only approximately")
    for method, r in ran.items():
        if r["broken"]:
            found.append(f"**{label}: {method}'s answer breaks a rule: {'; '.join(r['broken'])}**")
        if r.get("reported_gain") is not None and r["reported_gain"] != r["gain"]:
            found.append(f"**{label}: {method} reports Σ gain {r['reported_gain']}, recomputed {r['gain']}**")
        if "reported_priority" in r and (
            r["reported_priority"] != r["priority"]
            or abs(r["reported_score"] - r["score"]) > 1e-6 * max(1.0, abs(r["score"]))
        ):
            found.append(
                f"**{label}: {method} reports Σ priority {r['reported_priority']}, Σ S "
                f"{r['reported_score']:.6f}; recomputed from its answer {r['priority']}, {r['score']:.6f}**"
            )
    for a, ra in ran.items():  # a's claims against b's answers (b may be a itself)
        for b, rb in ran.items():
            if ra["status"] == "optimal" and rb["gain"] > ra["gain"]:
                found.append(
                    f"**{label}: {a} claims optimal (Σ priority {ra['priority']}, Σ S {ra['score']:.4f}) "
                    f"but {b} found Σ priority {rb['priority']}, Σ S {rb['score']:.4f}**"
                )
            pb, sb = ra.get("priority_bound"), ra.get("score_bound")
            slack = _tolerance(ra, rb, info)  # an answer optimal for the integer gains may differ this much in Σ S
            below = pb is not None and (
                pb < rb["priority"] or (pb == rb["priority"] and sb is not None and sb < rb["score"] - slack)
            )
            gb = ra.get("gain_bound")
            below = below or (gb is not None and rb["gain"] > gb + max(1.0, 1e-9 * abs(gb)))
            if below:
                whose = "its own answer" if a == b else f"{b}'s answer"
                found.append(
                    f"**{label}: {a}'s bound (Σ priority ≤ {pb}, Σ S ≤ {_num(sb)}) is below {whose} "
                    f"(Σ priority {rb['priority']}, Σ S {rb['score']:.4f})**"
                )
    ours = ran.get("ours")
    for method, r in ran.items():
        if ours is None or method == "ours":
            continue
        if r["gain"] > ours["gain"] and ours["status"] != "optimal":
            found.append(
                f"{label}: {method} found a better answer than ours (Σ priority {r['priority']} vs "
                f"{ours['priority']}, Σ S {r['score']:.4f} vs {ours['score']:.4f}); ours is "
                f"{ours['status']}"
            )
        if r["status"] == "optimal" and ours["status"] != "optimal" and r["gain"] == ours["gain"]:
            found.append(
                f"{label}: ours' answer equals {method}'s proven optimum, but ours did not prove it "
                f"(ours' gap {_percent(ours['gap'])})"
            )
    return found


def best_bounds(records: dict[str, dict]) -> tuple[int | None, float | None, str]:
    """The tightest proven (Σ priority bound, Σ S bound for that priority) over the methods, and whose."""
    ran = [(k, r) for k, r in records.items() if "error" not in r and "skipped" not in r]
    priority = [r["priority_bound"] for _, r in ran if r.get("priority_bound") is not None]
    if not priority:
        return None, None, ""
    p = min(priority)
    scores = [(r["score_bound"], k) for k, r in ran
              if r.get("priority_bound") == p and r.get("score_bound") is not None]  # fmt: skip
    if not scores:
        return p, None, ""
    s, who = min(scores)
    return p, s, who


# ---------------------------------------------------------------------------------------------------------------
# Report.


def _secs(t: float | None) -> str:
    if t is None:
        return "—"
    return f"{t:.0f}" if t >= 100 else f"{t:.3g}"


def _percent(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.3g} %"


def _num(x: float | int | None, digits: int = 4) -> str:
    if x is None:
        return "—"
    return f"{x:,}" if isinstance(x, int) else f"{x:,.{digits}f}"


def render_rows(size: Size, seeds: list[int], results: dict, method_limits: dict[str, float]) -> list[str]:
    lines = [
        f'## {size.label}. {size.shape}, coach_limits "{size.limits}"',
        "",
        "| seed | method | time | peak RSS (extra) | Σ priority | bound | Σ S | bound | gap | matched | status |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for seed in seeds:
        records = results[(size.label, seed)]
        info = next((r["instance"] for r in records.values() if "instance" in r), None)
        if info is not None:
            notes.append(
                f"seed {seed}: {info['pairs']:,} candidate pairs, {info['eligible']:,} eligible (mentor, "
                f"coach) pairs, Σ max_mentors {info['max_mentors']}, {info['limited']} coaches with a "
                f"case-load limit; {info['generator']}; instance {info['fingerprint']}"
            )
            confirmation = _confirmation(records)
            if confirmation:
                notes[-1] += f"; {confirmation}"
        for method, r in records.items():
            name = method if method not in OURS or "solver" not in r else f"{method} [{r['solver']}]"
            if "skipped" in r:
                lines.append(f"| {seed} | {name} | skipped: {r['skipped']} |  |  |  |  |  |  |  |  |")
                continue
            if "error" in r:
                lines.append(f"| {seed} | {name} | error: {r['error']} |  |  |  |  |  |  |  |  |")
                continue
            status = r["status"]
            if status != "optimal" and method not in OURS:
                status += f" ({method_limits[method]:g} s limit)"
            lines.append(
                f"| {seed} | {name} | {_secs(r['seconds'])} s | {r['peak_mb']:,.0f} MB ({r['extra_mb']:,.0f}) | "
                f"{r['priority']} | {_num(r.get('priority_bound'))} | {r['score']:.4f} | "
                f"{_num(r.get('score_bound'))} | {_percent(r.get('gap'))} | {r['matched']} | {status} |"
            )
    lines.append("")
    lines += [f"- {note}" for note in notes]
    return lines + [""]


def _confirmation(records: dict[str, dict]) -> str:
    """Whether a reference confirms ours' claim of optimality ('' when ours did not claim it)."""
    ours = records.get("ours", {})
    if ours.get("status") != "optimal":
        return ""
    refs = {k: r for k, r in records.items() if k != "ours" and "status" in r}
    same = [k for k, r in refs.items() if r["status"] == "optimal" and r["gain"] == ours["gain"]]
    if same:
        return f"ours' optimum confirmed by {' and '.join(same)}"
    if not refs:
        return "ours' optimality has no reference to confirm it"
    return "no reference proved an optimum within its limit to confirm ours'"


def goal_rows(results: dict, sizes: list[Size], seeds: list[int], quick: bool) -> list[str]:
    if not any(size.goal for size in sizes):
        return []
    lines = ["## Goals", "", "| goal | per seed | met |", "|---|---|---|"]
    for size in sizes:
        if not size.goal:
            continue
        measured, verdicts = [], []
        for seed in seeds:
            records = results[(size.label, seed)]
            ok, text = _goal(size.goal, records)
            measured.append(f"seed {seed}: {text}")
            verdicts.append(ok)
        verdict = "**no**" if False in verdicts else ("undetermined" if None in verdicts else "yes")
        target = {
            "a": "ours proven optimal, time ≤ 1/8 of the MILP's",
            "b": "Σ priority = best proven bound, Σ S within 0.5 % of the best proven bound, ≤ 20 s",
            "c": "Σ priority = proven bound, Σ S within 1 % of its bound, ≤ 60 s",
            "d": "Σ priority = the coverable bound, Σ S within 0.5 % of its bound, ≤ 60 s wall, every stage",
        }[size.goal]
        lines.append(f"| {size.goal}. {size.shape}, {size.limits}: {target} | {'; '.join(measured)} | {verdict} |")
    if quick:
        lines += ["", "(quick run: short time limits, not the goal settings.)"]
    return lines + [""]


def _goal(goal: str, records: dict[str, dict]) -> tuple[bool | None, str]:
    """(met, measured) for one seed of a goal; met None when it could not be measured."""
    ours = records.get("ours", {})
    if "seconds" not in ours:
        return None, f"ours did not run ({ours.get('error') or ours.get('skipped')})"
    contradictions = [c for c in checks("", records) if c.startswith("**")]
    flag = " (see Checks)" if contradictions else ""
    if goal == "a":
        milp = records.get("milp", {})
        if "seconds" not in milp:
            return None, f"ours {_secs(ours['seconds'])} s {ours['status']}; MILP did not run"
        ratio = ours["seconds"] / milp["seconds"]
        finished = milp["status"] == "optimal"
        ok: bool | None = ours["status"] == "optimal" and ratio <= GOAL_A_RATIO and not contradictions
        if ok is False and not finished and ours["status"] == "optimal" and not contradictions:
            ok = None  # the MILP's own time is unknown (above its limit): the ratio is only an upper bound
        confirmed = " (confirmed)" if _confirmation(records).startswith("ours' optimum confirmed") else ""
        stopped = "" if finished else " (MILP stopped at its limit: the ratio is an upper bound)"
        return ok, (
            f"{_secs(ours['seconds'])} s / {_secs(milp['seconds'])} s {'=' if finished else '≤'} "
            f"{ratio:.3f}{stopped}, ours {ours['status']}{confirmed}{flag}"
        )
    p_bound, s_bound, who = best_bounds(records)
    seconds_ok = ours["seconds"] <= GOAL_SECONDS[goal]
    if p_bound is None or p_bound != ours["priority"]:
        return False, (
            f"{_secs(ours['seconds'])} s, Σ priority {ours['priority']} below the best bound {p_bound}{flag}"
        )
    gap = None if s_bound is None else max(0.0, (s_bound - ours["score"]) / max(abs(s_bound), 1e-9))
    ok = seconds_ok and gap is not None and gap <= GOAL_GAP[goal] and not contradictions
    own = "" if who == "ours" else f" ({who}'s bound; ours' own gap {_percent(ours.get('gap'))})"
    return ok, f"{_secs(ours['seconds'])} s, Σ priority = bound, gap {_percent(gap)}{own}{flag}"


def _summary(r: dict) -> str:
    """One progress line for stderr."""
    if "error" in r:
        return f"error: {r['error']}"
    return f"{_secs(r['seconds'])} s, {r['status']}, Σ priority {r['priority']}, Σ S {r['score']:.4f}"


def _measuring(argv: list[str]) -> list[str]:
    """``argv`` without the options that only say where output goes (``--raw``, ``--output``)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--raw", "--output"):
            skip = True
        elif not arg.startswith(("--raw=", "--output=")):
            kept.append(arg)
    return kept


def render(results: dict, sizes: list[Size], seeds: list[int], args, argv: list[str], info: dict) -> str:
    limits = {"milp": args.milp_limit, "cp-sat": args.cpsat_limit}
    ours_limits = ", ".join(f"{s.label} {args.time_limit or s.time_limit:g} s" for s in sizes)
    libraries = {r["instance"]["library"] for records in results.values() for r in records.values()
                 if "instance" in r}  # fmt: skip
    lines = [
        "# Coach tier: `solve()` against a MILP and a CP-SAT model of the same rules",
        "",
        f"Date: {info['date']}. Command: `{' '.join(['python benchmarks/coach_grid.py', *_measuring(argv)])}`",
        "",
        machine_line(info),
        "",
        "Rosters from `mentormatch.synthetic_roster(n_mentees, n_mentors, n_coaches, seed=s, coach_limits=...)`, "
        'scored by `build_problem` (untimed). **ours**: `solve(problem, "auto", time_limit=T)` with T = '
        f"{ours_limits} (the library counts T in CP-SAT's deterministic time, so the wall time can pass it). "
        f"**milp**: scipy HiGHS on the direct formulation, {args.milp_limit:g} s limit, `mip_rel_gap=0`. "
        f"**cp-sat**: the compact model of SOLVER_NOTES, 2 workers, default parameters, {args.cpsat_limit:g} s "
        "limit (both in `benchmarks/_coach_references.py`). Each (instance, method) runs in a fresh process; the "
        "time is the call alone (for the references: candidate pairs, gains, model and solve), the memory the "
        "process's peak RSS after the call (peak extra during the call in brackets). Σ S is the sum of scores "
        "in 0..1, recomputed from each answer; a bound on Σ S holds for answers with the bounding Σ priority "
        "(the priority part is proven when Σ priority equals its bound); gap = (bound − Σ S) / bound. Every "
        "method maximises the same integer gains, priority · BIG + rint(S · 10⁶ / max S): optimal means optimal "
        "for them, so two optimal answers' Σ S may differ by 0.5 · 10⁻⁶ · max S per pair. "
        f"References are skipped above {args.reference_max:,} mentees × mentors. Library source fingerprint: "
        f"{', '.join(sorted(libraries)) or '—'}.",
        "",
    ]
    found = []
    if len(libraries) > 1:
        found.append(
            f"**mentormatch's source changed during the run ({len(libraries)} versions seen): the rows "
            f"mix versions of the library**"
        )
    for size in sizes:
        for seed in seeds:
            found += checks(f"{size.label} seed {seed}", results[(size.label, seed)])
    lines += ["## Checks", ""]
    lines += (
        [f"- {f}" for f in found]
        if found
        else [
            "- none: no answer breaks a rule, no method beats an answer "
            "another calls optimal, and every bound holds against every "
            "answer"
        ]
    )
    lines.append("")
    lines += goal_rows(results, sizes, seeds, args.quick)
    for size in sizes:
        lines += render_rows(size, seeds, results, limits)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="size a, one seed, short limits (about a minute)")
    parser.add_argument("--sizes", help="comma-separated: a, b, c, d1, d2, d or NxMxK[:limits] (default a,b,c,d1,d)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per size, 0..N-1 (default 3)")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated, from {', '.join(METHODS)}")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="ours' time_limit in seconds (default per size: a 60, b 20, c 60)",
    )
    parser.add_argument(
        "--reference-time-limit",
        type=float,
        default=None,
        help="seconds for both references (default: MILP 120, CP-SAT 60)",
    )
    parser.add_argument(
        "--reference-max",
        type=int,
        default=REFERENCE_MAX,
        help="largest mentees × mentors at which the references run (default 250000)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="markdown file (default: the committed results file; --quick writes none unless given)",
    )
    parser.add_argument("--raw", type=Path, help="also save the measurements as JSON here (for --render)")
    parser.add_argument("--render", type=Path, help="re-render the markdown from a --raw file, measuring nothing")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.render is not None:
        saved = json.loads(args.render.read_text(encoding="utf-8"))
        options = argparse.Namespace(**saved["options"])
        results = {(r["size"], r["seed"]): r["records"] for r in saved["results"]}
        text = render(results, [parse_size(label) for label in saved["sizes"]], saved["seeds"], options,
                      saved["argv"], saved["machine"])  # fmt: skip
        print(text)
        if args.output is not None:
            args.output.write_text(text + "\n", encoding="utf-8")
        return 0

    try:
        sizes = [parse_size(s) for s in (args.sizes or (QUICK["sizes"] if args.quick else "a,b,c,d1,d")).split(",")]
    except ValueError as err:
        parser.error(str(err))
    methods = args.methods.split(",")
    bad = [m for m in methods if m not in METHODS]
    if bad:
        parser.error(f"unknown method(s) {bad}; choose from {', '.join(METHODS)}")
    seeds = list(range(args.seeds if args.seeds is not None else (QUICK["seeds"] if args.quick else 3)))
    if args.quick and args.time_limit is None:
        args.time_limit = QUICK["time_limit"]
    args.milp_limit = args.reference_time_limit or (QUICK["milp"] if args.quick else 120.0)
    args.cpsat_limit = args.reference_time_limit or (QUICK["cpsat"] if args.quick else 60.0)

    results: dict[tuple[str, int], dict[str, dict]] = {}
    for size in sizes:
        for seed in seeds:
            records: dict[str, dict] = {}
            for method in methods:
                print(f"[{size.label} {size.shape} seed {seed}] {method} ...", file=sys.stderr, flush=True)
                if method == "ours-before" and size.limits != "binding":
                    records[method] = {"skipped": "run beside ours on the binding sizes only"}
                    print("    skipped", file=sys.stderr, flush=True)
                    continue
                if method not in OURS and size.n * size.m > args.reference_max:
                    records[method] = {"skipped": f"above {args.reference_max:,} mentees × mentors"}
                    print("    skipped", file=sys.stderr, flush=True)
                    continue
                limit = {"ours": args.time_limit or size.time_limit, "ours-before": args.time_limit or size.time_limit,
                         "milp": args.milp_limit, "cp-sat": args.cpsat_limit}[method]  # fmt: skip
                records[method] = measure(size, seed, method, limit)
                print(f"    {_summary(records[method])}", file=sys.stderr, flush=True)
            results[(size.label, seed)] = records

    info = machine(("mentormatch", "numpy", "scipy", "ortools"))
    if args.raw is not None:
        options = {k: getattr(args, k) for k in ("time_limit", "milp_limit", "cpsat_limit", "reference_max", "quick")}
        args.raw.write_text(json.dumps({
            "argv": argv, "machine": info, "sizes": [size.label for size in sizes], "seeds": seeds,
            "options": options,
            "results": [{"size": label, "seed": seed, "records": records}
                        for (label, seed), records in results.items()],
        }, indent=1), encoding="utf-8")  # fmt: skip
    text = render(results, sizes, seeds, args, argv, info)
    print(text)
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
