"""Time ``build_problem`` in fresh processes: median of several runs, by phase, single-threaded and threaded.

Usage::

    python benchmarks/encode_probe.py                      # 20000 × 5000 in /tmp/encode_work/large, 5 runs
    python benchmarks/encode_probe.py --mentees 3000 --mentors 1000 --runs 7
    python benchmarks/encode_probe.py --method reference   # the block-by-block reference formulas
    python benchmarks/encode_probe.py --check              # also compare with the reference, bit for bit

Each run is a new Python process (so the output arrays are fresh memory, as in the command-line tool) that reads
the roster and times ``build_problem(roster, MatchConfig())``; the roster is written once with
``synthetic_roster(n, m, seed=0)``. Reported per run: total seconds, the phases (``encode``, ``tables``: building
the per-class tables, ``blocks``: scoring the rows), peak RSS, and minor page faults during ``build_problem``.

Page faults dominate on a VM whose host backs memory lazily: touching fresh memory costs ~0.1 ms per MB when the
host still holds pages this VM freed recently and 1.5-3 ms per MB when it does not, so run-to-run spread is large
and depends on what else ran just before. Take medians, and compare methods in alternating runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
import numpy as np
from mentormatch import MatchConfig, read_roster
import mentormatch.encode as enc
from mentormatch.encode.blocks import _run_blocks

folder, workers, method, check = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
roster = read_roster(folder)
if workers:
    enc._workers = lambda pairs: workers
phases = {}
def timed(name, fn):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - t
    return wrapper
enc.encode = timed("encode", enc.encode)
scorer = enc._scorer
enc._scorer = timed("tables", lambda f, config, run=map: scorer(f, config, method, run))
enc._score_blocks = timed("blocks", enc._score_blocks)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
start = time.perf_counter()
problem = enc.build_problem(roster, MatchConfig())
total = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
result = {"total": total, **phases, "peak_gb": usage.ru_maxrss / 1e6, "faults": usage.ru_minflt - faults}
if check:
    n, m = problem.score.shape
    score, allowed = np.zeros((n, m), np.float32), np.zeros((n, m), bool)
    ref, step = scorer(problem.features, problem.config, "reference")
    _run_blocks(n, step, lambda lo, hi, b: ref(lo, hi, score, allowed, b), lambda: {}, lambda done: None)
    allowed[problem.features.excluded_i, problem.features.excluded_j] = False
    result["identical"] = bool(np.array_equal(score, problem.score) and np.array_equal(allowed, problem.allowed))
print(json.dumps(result))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentees", type=int, default=20000)
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--folder", type=Path, default=None, help="roster folder (written if missing)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", default="1,auto", help="comma-separated: 1, 2, ..., auto")
    parser.add_argument("--method", choices=["tables", "reference"], default="tables")
    parser.add_argument("--check", action="store_true", help="compare each run with the reference formulas")
    args = parser.parse_args()

    folder = args.folder or Path(
        "/tmp/encode_work/large"
        if (args.mentees, args.mentors) == (20000, 5000)
        else f"/tmp/encode_work/roster_{args.mentees}x{args.mentors}"
    )
    if not (folder / "mentees.csv").exists():
        from mentormatch import synthetic_roster, write_roster

        folder.mkdir(parents=True, exist_ok=True)
        write_roster(synthetic_roster(args.mentees, args.mentors, seed=0), folder)

    modes = [t.strip() for t in args.threads.split(",")]
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    for _ in range(args.runs):  # alternate the modes, so that both see the same machine load
        for mode in modes:
            workers = "0" if mode == "auto" else mode
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(folder), workers, args.method, "1" if args.check else "0"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            runs[mode].append(json.loads(out.strip().splitlines()[-1]))

    print(f"{args.mentees} × {args.mentors}, method {args.method}, {args.runs} fresh processes per mode")
    keys = ["total", "encode", "tables", "blocks", "peak_gb", "faults"]
    for mode, results in runs.items():
        line = [f"threads={mode:>4}"]
        for key in keys:
            values = [r[key] for r in results if key in r]
            if values:
                med = statistics.median(values)
                line.append(f"{key} {med:.3f}" if key != "faults" else f"{key} {med:.0f}")
        totals = sorted(r["total"] for r in results)
        line.append(f"(total min {totals[0]:.3f} max {totals[-1]:.3f})")
        if args.check:
            line.append("identical" if all(r["identical"] for r in results) else "DIFFERENT")
        print("  ".join(line))


if __name__ == "__main__":
    main()
