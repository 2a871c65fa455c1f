"""Issue 17's end-to-end benchmark: ``mentormatch solve`` as a process against the plain pipeline, and the cost of
current pairs.

Rosters (generated once, untimed, into ``--cache``, a folder under the system's temporary directory, keyed by the
size, the seed and the generator's source):

A. ``synthetic_roster(20000, 5000, seed=3)`` with every mentee's workload set to 1 (no coaches), written with
   ``mentormatch.io.write_roster``;
B. the ``--current`` variant of PRODUCT.md section 7: ``next_month(A, current_share=0.7, seed=3)``, about 70 % of
   the mentees with a current pair (``current.csv``), some mentors paused or leaving, some pairs invalid or locked;
C. the same folder as B without ``current.csv``.

Runs, each a fresh process, alternating A-mentormatch, A-plain, B, C, ``--repeats`` times (median wall time):

* ``mentormatch solve A -o out.csv`` (the console script beside this Python; default solver and time limit,
  without ``-q`` so that its progress lines give the stage split);
* ``python benchmarks/plain_pipeline.py --run A -o out.csv`` (see that file);
* ``mentormatch solve B -o out.csv --no-price`` and ``mentormatch solve C -o out.csv``.

Wall time is ``time.perf_counter`` around the process (interpreter start-up and imports included); peak memory is
the child's ``ru_maxrss`` from ``os.wait4`` (what ``/usr/bin/time -v`` reports), the largest over the runs, in MB
of 2²⁰ bytes. Goals (issue 17): mentormatch on A at most :data:`RATIO_GOAL` × the plain pipeline's wall time and
at most :data:`MEMORY_GOAL_MB` MB (1.0 GB read as 1000 MB); B at most :data:`CURRENT_GOAL` × C. The objectives of
the two pipelines on A must agree: Σ priority equal, and mentormatch's Σ score (its summary line ``objective:
priority P (...), score X points``, the 0–100 scores added up, one decimal) within 0.05 + 10⁻⁶ relative of the
plain pipeline's Σ S × 100.

Stage split of mentormatch: its stderr lines ``[   1.4 s] text`` count seconds since the command started; the
stages end at the lines ``read …`` (read), ``scored …`` (score), ``verifying`` (solve), ``diagnosing shortages``
(verify), ``writing …`` (diagnose) and ``written`` (write), and the report lists the other lines each stage spans.
A missing marker shows as "—". Start-up and exit is the wall time not covered by the lines (imports before the
command starts, exit after the last line). The plain pipeline's stages are its own JSON report; its start-up and
exit is wall − its total.
The JSON file keeps every run: command, wall time, peak memory, exit code, objective, stages, and every progress
line as (seconds, text) or the plain pipeline's report.

Modes::

    python benchmarks/end_to_end.py                 # 20000 × 5000, 3 repeats; writes results/end_to_end.md, .json
    python benchmarks/end_to_end.py --repeats 1     # one run of each
    python benchmarks/end_to_end.py --quick         # 3000 × 1000, one repeat, prints the markdown only

The markdown goes to stdout and (without ``--quick``) to ``benchmarks/results/end_to_end.md`` (``--output``), the
raw runs to the ``.json`` file beside it. The exit code is 1 when the objectives disagree or a run failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # _measure lives beside this file
    sys.path.insert(0, str(HERE))

from _measure import machine, machine_line, run_child  # noqa: E402

REPO = HERE.parent
DEFAULT_OUTPUT = HERE / "results" / "end_to_end.md"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "mentormatch-end-to-end"
FULL_SHAPE = (20000, 5000)
QUICK_SHAPE = (3000, 1000)
SEED = 3
CURRENT_SHARE = 0.7
RATIO_GOAL = 0.25
"""mentormatch's median wall time on A at most this × the plain pipeline's."""
MEMORY_GOAL_MB = 1000.0
"""mentormatch's peak resident memory on A, in MB of 2²⁰ bytes (issue 17: 1.0 GB)."""
CURRENT_GOAL = 1.2
"""B (current pairs, ``--no-price``) at most this × C (the same roster without them)."""
SCORE_RTOL = 1e-6
SCORE_ATOL_POINTS = 0.05
"""mentormatch prints Σ score in points with one decimal."""
STAGES = ("read", "score", "solve", "verify", "diagnose", "write")
STAGE_ENDS = {
    "read": "read ",
    "score": "scored ",
    "solve": "verifying",
    "verify": "diagnosing",
    "diagnose": "writing",
    "write": "written",
}
"""Stage → the start of the progress line that ends it (for ``score`` the last such line, else the first)."""
PROGRESS = re.compile(r"^\[\s*([-0-9.]+) s\] (.*)$")
SUMMARY = re.compile(r"objective: priority (\d+).*?, score ([-0-9.]+) points")
PIPELINES = ("mentormatch", "plain", "current", "no_current")
LABELS = {
    "mentormatch": "`mentormatch solve` A",
    "plain": "plain pipeline A",
    "current": "`mentormatch solve --no-price` B (current pairs)",
    "no_current": "`mentormatch solve` C (B without current.csv)",
}


# ---------------------------------------------------------------------------------------------------------------
# Rosters (untimed setup).


def _generator_digest() -> str:
    import mentormatch.synthetic.rosters as generator

    return hashlib.sha256(Path(generator.__file__).read_bytes()).hexdigest()[:10]


def roster_folders(cache: Path, shape: tuple[int, int], seed: int = SEED) -> dict[str, Path]:
    """Folders ``unit`` (A), ``current`` (B) and ``no-current`` (C) for ``shape``, generated on first use, and
    ``about.json`` with their counts."""
    from mentormatch.io import write_roster
    from mentormatch.synthetic import next_month, synthetic_roster

    n, m = shape
    base = cache / f"{n}x{m}-seed{seed}-{_generator_digest()}"
    folders = {"unit": base / "unit", "current": base / "current", "no-current": base / "no-current"}
    if (base / "about.json").exists():
        return folders
    print(f"[setup] generating the {n} × {m} rosters into {base} ...", file=sys.stderr, flush=True)
    partial = base.with_name(base.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    roster = synthetic_roster(n, m, seed=seed)
    roster = dataclasses.replace(roster, mentees=tuple(p.model_copy(update={"workload": 1}) for p in roster.mentees))
    write_roster(roster, partial / "unit")
    month = next_month(roster, current_share=CURRENT_SHARE, seed=seed)
    write_roster(month, partial / "current")
    shutil.copytree(partial / "current", partial / "no-current")
    (partial / "no-current" / "current.csv").unlink()
    statuses = [p.status for p in month.mentors]
    about = {
        "mentees": n,
        "mentors": m,
        "seed": seed,
        "exclusions": len(roster.exclusions),
        "current_pairs": len(month.current or ()),
        "locked": sum(pair.locked for pair in month.current or ()),
        "paused": statuses.count("paused"),
        "leaving": statuses.count("leaving"),
        "exclusions_next_month": len(month.exclusions),
    }
    (partial / "about.json").write_text(json.dumps(about, indent=1), encoding="utf-8")
    shutil.rmtree(base, ignore_errors=True)
    partial.rename(base)
    return folders


# ---------------------------------------------------------------------------------------------------------------
# Runs.


def mentormatch_command() -> list[str]:
    """The installed console script beside this Python, else ``python -m mentormatch``."""
    script = Path(sys.executable).with_name("mentormatch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mentormatch"]


def progress_lines(stderr: str) -> list[tuple[float, str]]:
    """The ``[   1.4 s] text`` lines of mentormatch's stderr as (seconds, text)."""
    out = []
    for line in stderr.splitlines():
        found = PROGRESS.match(line.strip())
        if found:
            out.append((float(found.group(1)), found.group(2).strip()))
    return out


def mentormatch_stages(lines: list[tuple[float, str]], wall: float) -> dict[str, float | None]:
    """Stage seconds from the progress markers (None where a marker is missing) and ``startup_exit``."""
    ends: dict[str, float | None] = {}
    for stage, prefix in STAGE_ENDS.items():
        times = [t for t, text in lines if text.startswith(prefix)]
        ends[stage] = (times[-1] if stage == "score" else times[0]) if times else None
    out: dict[str, float | None] = {}
    previous: float | None = 0.0
    for stage in STAGES:
        end = ends[stage]
        out[stage] = None if end is None or previous is None else end - previous
        previous = end
    out["startup_exit"] = wall - lines[-1][0] if lines else None
    return out


def stage_lines(lines: list[tuple[float, str]]) -> dict[str, list[str]]:
    """The progress texts between two stage markers (numbers, paths and parentheses dropped, each once): what each
    stage of :func:`mentormatch_stages` spans besides its markers; lines after the last marker under ``after``."""
    out: dict[str, list[str]] = {stage: [] for stage in (*STAGES, "after")}
    marks = {s: [k for k, (_, text) in enumerate(lines) if text.startswith(p)] for s, p in STAGE_ENDS.items()}
    ends = {s: (ks[-1] if s == "score" else ks[0]) for s, ks in marks.items() if ks}
    for k, (_, text) in enumerate(lines):
        if any(k in ks for ks in marks.values()):
            continue
        stage = next((s for s in STAGES if s in ends and k < ends[s]), "after")
        kind = re.split(r"[0-9(/]", text, maxsplit=1)[0].strip().rstrip(":,")
        if kind not in out[stage]:
            out[stage].append(kind)
    return out


def one_run(pipeline: str, command: list[str], timeout: float) -> dict:
    """Run ``command`` as a fresh process; its wall time, peak memory, objective and stage split."""
    done = run_child(command, cwd=REPO, timeout=timeout)
    run: dict = {
        "pipeline": pipeline,
        "command": command,
        "seconds": done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "returncode": done.returncode,
    }
    if done.returncode != 0:
        run["error"] = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return run
    if pipeline == "plain":
        report = json.loads(done.stdout.strip().splitlines()[-1])
        run["report"] = report
        run["priority_sum"] = report["priority_sum"]
        run["score_points"] = 100 * report["score_sum"]
        run["stages"] = {stage: report.get(stage) for stage in STAGES}
        run["stages"]["startup_exit"] = done.seconds - report["total"]
        return run
    lines = progress_lines(done.stderr)
    run["progress"] = lines
    run["stages"] = mentormatch_stages(lines, done.seconds)
    found = SUMMARY.search(done.stdout)
    if found:
        run["priority_sum"], run["score_points"] = int(found.group(1)), float(found.group(2))
    else:
        run["error"] = "no 'objective: priority …, score … points' line in the summary"
    return run


def commands(folders: dict[str, Path], tmp: Path) -> dict[str, list[str]]:
    """The command of each pipeline whose roster folder is in ``folders`` (``unit``: A and the plain pipeline;
    ``current``: B; ``no-current``: C), writing into ``tmp``."""
    mm = [*mentormatch_command(), "solve"]
    plain = [sys.executable, str(HERE / "plain_pipeline.py"), "--run"]
    out = {}
    if "unit" in folders:
        out["mentormatch"] = [*mm, str(folders["unit"]), "-o", str(tmp / "mentormatch.csv")]
        out["plain"] = [*plain, str(folders["unit"]), "-o", str(tmp / "plain.csv")]
    if "current" in folders:
        out["current"] = [*mm, str(folders["current"]), "-o", str(tmp / "current.csv"), "--no-price"]
    if "no-current" in folders:
        out["no_current"] = [*mm, str(folders["no-current"]), "-o", str(tmp / "no_current.csv")]
    return out


def run_all(folders: dict[str, Path], repeats: int, timeout: float) -> list[dict]:
    """Every pipeline of :func:`commands` ``repeats`` times, alternating, each a fresh process."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeats):
            for pipeline, command in commands(folders, Path(tmp)).items():
                run = one_run(pipeline, command, timeout)
                run["repeat"] = k + 1
                runs.append(run)
                note = f" ({run['error']})" if "error" in run else ""
                print(f"[run {k + 1}/{repeats}] {pipeline}: {run['seconds']:.2f} s, {run['peak_rss_mb']:,.0f} MB{note}",
                      file=sys.stderr, flush=True)  # fmt: skip
    return runs


# ---------------------------------------------------------------------------------------------------------------
# Summary and report.


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def summarize(runs: list[dict]) -> dict:
    """Per pipeline: runs, failures, median wall, largest peak, objective, median stages; then ratios and goals."""
    out: dict = {}
    for pipeline in PIPELINES:
        mine = [r for r in runs if r["pipeline"] == pipeline]
        ok = [r for r in mine if "error" not in r]
        out[pipeline] = {
            "runs": len(mine),
            "errors": [r["error"] for r in mine if "error" in r],
            "seconds": _median([r["seconds"] for r in ok]),
            "peak_rss_mb": max((r["peak_rss_mb"] for r in ok), default=None),
            "priority_sum": ok[-1].get("priority_sum") if ok else None,
            "score_points": ok[-1].get("score_points") if ok else None,
            "stages": {s: _median([r["stages"].get(s) for r in ok]) for s in (*STAGES, "startup_exit")},
        }
    first = next((r for r in runs if r["pipeline"] == "mentormatch" and "progress" in r), None)
    out["mentormatch"]["stage_lines"] = stage_lines(first["progress"]) if first else None
    mm, plain, current, fresh = (out[p] for p in PIPELINES)
    out["ratio"] = mm["seconds"] / plain["seconds"] if mm["seconds"] and plain["seconds"] else None
    out["current_ratio"] = current["seconds"] / fresh["seconds"] if current["seconds"] and fresh["seconds"] else None
    out["memory_ok"] = None if mm["peak_rss_mb"] is None else mm["peak_rss_mb"] <= MEMORY_GOAL_MB
    if mm["score_points"] is None or plain["score_points"] is None:
        out["agree"] = None
    else:
        tolerance = SCORE_ATOL_POINTS + SCORE_RTOL * abs(plain["score_points"])
        out["agree"] = (
            mm["priority_sum"] == plain["priority_sum"] and abs(mm["score_points"] - plain["score_points"]) <= tolerance
        )
    return out


def _s(t: float | None) -> str:
    return "—" if t is None else f"{t:.0f}" if t >= 100 else f"{t:.3g}"


def _goal(value: float | None, goal: float) -> str:
    return "—" if value is None else "met" if value <= goal else "**not met**"


def render(summary: dict, about: dict, info: dict, argv: list[str], repeats: int) -> str:
    n, m = about["mentees"], about["mentors"]
    mm = summary["mentormatch"]
    ratio, current_ratio = summary["ratio"], summary["current_ratio"]
    ratio_text = "—" if ratio is None else f"{ratio:.3f}"
    current_text = "—" if current_ratio is None else f"{current_ratio:.2f}"
    peak_text = "—" if mm["peak_rss_mb"] is None else f"{mm['peak_rss_mb']:,.0f}"
    agree = {True: "yes", False: "**no**", None: "—"}[summary["agree"]]

    spans = []
    if mm.get("stage_lines"):
        listed = "; ".join(
            f"{stage} {', '.join(f'`{text}`' for text in texts)}" for stage, texts in mm["stage_lines"].items() if texts
        )
        spans = [f"Other progress lines within each stage of mentormatch on A (first run): {listed}.", ""]

    def row(pipeline: str) -> str:
        side = summary[pipeline]
        peak = "—" if side["peak_rss_mb"] is None else f"{side['peak_rss_mb']:,.0f}"
        score = "—" if side["score_points"] is None else f"{side['score_points']:,.1f}"
        priority = "—" if side["priority_sum"] is None else str(side["priority_sum"])
        errors = f" ({len(side['errors'])} failed: {side['errors'][0]})" if side["errors"] else ""
        runs = f"{side['runs']}{errors}"
        return f"| {LABELS[pipeline]} | {_s(side['seconds'])} | {peak} | {priority} | {score} | {runs} |"

    def stage_row(pipeline: str) -> str:
        stages = summary[pipeline]["stages"]
        cells = " | ".join(_s(stages[s]) for s in ("startup_exit", *STAGES))
        return f"| {LABELS[pipeline]} | {cells} | {_s(summary[pipeline]['seconds'])} |"

    header = "| pipeline | median wall s | peak RSS MB | Σ priority | Σ score (points) | runs |\n" + "|---" * 6 + "|"
    lines = [
        "# End to end: `mentormatch solve` against a plain numpy + min-cost-flow pipeline (issue 17)",
        "",
        f"Date: {info['date']}. Command: `{' '.join(['python benchmarks/end_to_end.py', *argv])}`",
        "",
        machine_line(info),
        "",
        f"Roster A: `synthetic_roster({n}, {m}, seed={about['seed']})` with every mentee's workload set to 1, no "
        f"coaches, {about['exclusions']} exclusions. B: `next_month(A, current_share={CURRENT_SHARE}, "
        f"seed={about['seed']})`: {about['current_pairs']} current pairs ({about['locked']} locked), "
        f"{about['paused']} mentors paused and {about['leaving']} leaving, {about['exclusions_next_month']} "
        "exclusions. C: B without `current.csv`. Each run is a fresh process, the pipelines alternating; median of "
        f"{repeats} run(s); wall time includes interpreter start-up and imports; peak RSS is the child's `ru_maxrss` "
        "(as `/usr/bin/time -v` reports it), the largest over the runs, in MB of 2²⁰ bytes. mentormatch runs with "
        "its defaults (solver auto, time limit 60 s); the plain pipeline is `benchmarks/plain_pipeline.py --run` "
        "(csv module, numpy criteria in row chunks with bitsets, OR-Tools `SimpleMinCostFlow` on every allowed "
        "pair, csv write).",
        "",
        "## mentormatch against the plain pipeline (roster A)",
        "",
        header,
        row("mentormatch"),
        row("plain"),
        "",
        f"- Ratio of median wall times mentormatch / plain: **{ratio_text}** "
        f"(goal ≤ {RATIO_GOAL}: {_goal(ratio, RATIO_GOAL)}).",
        f"- Peak memory of mentormatch: **{peak_text} MB** "
        f"(goal ≤ 1.0 GB, read as {MEMORY_GOAL_MB:,.0f} MB of 2²⁰ bytes: {_goal(mm['peak_rss_mb'], MEMORY_GOAL_MB)}).",
        f"- Objectives agree (Σ priority equal, Σ score within {SCORE_ATOL_POINTS} + {SCORE_RTOL:g} relative "
        f"points): {agree}.",
        "",
        "## Stage split (median seconds)",
        "",
        "mentormatch: from its progress lines (seconds since the command started): read = up to `read …`, score = "
        "to `scored …`, solve = to `verifying`, verify = to `diagnosing shortages`, diagnose = to `writing …`, "
        "write = to `written`; start-up "
        "and exit = wall − the last line's time. Plain pipeline: its own stage timers; start-up and exit = wall − "
        "its total (imports and exit). — = no such marker.",
        "",
        "| pipeline | start-up and exit | read | score | solve | verify | diagnose | write | wall |",
        "|---|---|---|---|---|---|---|---|---|",
        *(stage_row(p) for p in PIPELINES),
        "",
        *spans,
        "## Current pairs (roster B against C)",
        "",
        header,
        row("current"),
        row("no_current"),
        "",
        f"Ratio of median wall times B / C: **{current_text}** "
        f"(goal ≤ {CURRENT_GOAL}: {_goal(current_ratio, CURRENT_GOAL)}).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SHAPE[0]} × {QUICK_SHAPE[1]}, one repeat, print")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each pipeline (default 3)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="roster cache folder")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds before a run is killed")
    parser.add_argument("--output", type=Path, help="markdown file (default: results/end_to_end.md; --quick: none)")
    args = parser.parse_args(argv)

    shape, repeats = (QUICK_SHAPE, 1) if args.quick else (FULL_SHAPE, args.repeats)
    folders = roster_folders(args.cache, shape)
    about = json.loads((folders["unit"].parent / "about.json").read_text(encoding="utf-8"))
    runs = run_all(folders, repeats, args.timeout)
    summary = summarize(runs)
    info = machine()
    text = render(summary, about, info, argv, repeats)
    print(text)
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        raw = {"machine": info, "argv": argv, "roster": about, "summary": summary, "runs": runs}
        output.with_suffix(".json").write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    failed = any(summary[p]["errors"] for p in PIPELINES)
    return 1 if failed or summary["agree"] is False else 0


if __name__ == "__main__":
    sys.exit(main())
