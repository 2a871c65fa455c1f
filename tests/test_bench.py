"""Benchmark sweeps (``mentormatch.bench``): the grid, the results file's schema, determinism, resuming an
interrupted sweep, timeouts and failures recorded as statuses, and the Dask path giving the local path's records.

Every run starts a fresh Python process (about a second each), so the sweeps here are tiny and shared: one sweep of
four runs (module fixture) serves the schema, determinism, resume and Dask tests.
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import mentormatch
from mentormatch.bench import (
    BENCH_COLUMNS,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    MACHINE_COLUMNS,
    STATUSES,
    RunSpec,
    benchmark,
    expand_grid,
    machine,
    parse_sizes,
    read_results,
    run_one,
)
from mentormatch.config import MatchConfig, Weights
from mentormatch.io import write_roster
from mentormatch.synthetic import synthetic_roster

GRID = {"sizes": "30x12,40x15x3", "solvers": ("auto", "cpsat"), "time_limits": (5,)}
"""Four runs: two sizes (the second with three coaches) × two solvers."""

VARYING = {name for name in BENCH_COLUMNS if name.startswith("seconds_")} | {"peak_memory_mb", "started", "host"}
"""Columns that may differ between two measurements of the same run."""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The four runs of :data:`GRID` into a fresh results file: (frame, path, progress calls)."""
    path = tmp_path_factory.mktemp("sweep") / "results.csv"
    calls = []
    frame = benchmark(**GRID, output=path, progress=lambda *args: calls.append(args))
    return frame, path, calls


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _stable(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns that must not change between two measurements of the same runs, in key order."""
    return frame.drop(columns=sorted(VARYING)).sort_values("key").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# The grid


def test_expand_grid_order_is_sizes_coaches_seeds_solvers_time_limits():
    grid = expand_grid("300x100,3000x1000", coaches=(0, 20), seeds=2, solvers=("auto", "cpsat"), time_limits=(10, 60))
    assert len(grid) == 2 * 2 * 2 * 2 * 2
    expected = [
        (n, m, k, seed, solver, limit)
        for n, m in ((300, 100), (3000, 1000))
        for k in (0, 20)
        for seed in (0, 1)
        for solver in ("auto", "cpsat")
        for limit in (10.0, 60.0)
    ]
    assert [(s.mentees, s.mentors, s.coaches, s.seed, s.solver, s.time_limit) for s in grid] == expected
    assert len({s.key for s in grid}) == len(grid)


def test_expand_grid_size_with_its_own_coaches_ignores_the_coach_list():
    grid = expand_grid("30x12,40x15x3", coaches=(0, 5), seed_list=[4, 2], coach_limits="hard")
    assert [(s.mentees, s.coaches, s.seed, s.coach_limits) for s in grid] == [
        (30, 0, 4, "default"), (30, 0, 2, "default"),  # coach_limits is moot without coaches
        (30, 5, 4, "hard"), (30, 5, 2, "hard"),
        (40, 3, 4, "hard"), (40, 3, 2, "hard"),
    ]  # fmt: skip


def test_expand_grid_tuples_and_repeats_give_each_run_once():
    grid = expand_grid([(30, 12), (30, 12, 0)], seed_list=[1, 1], solvers=("flow", "flow"))
    assert len(grid) == 1
    assert grid[0] == RunSpec(30, 12, seed=1, solver="flow")


def test_expand_grid_with_a_roster_folder(tmp_path):
    write_roster(synthetic_roster(20, 8, seed=3), tmp_path / "r")
    grid = expand_grid(roster=tmp_path / "r", seeds=2, solvers=("auto", "cpsat"))
    assert [(s.roster, s.mentees, s.coaches, s.seed, s.solver) for s in grid] == [
        (str((tmp_path / "r").resolve()), None, None, seed, solver) for seed in (0, 1) for solver in ("auto", "cpsat")
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sizes": ""}, r"size \(item 1 of 1\) is empty"),
        ({"sizes": None}, "give at least one size"),
        ({"sizes": "30x12", "seeds": 0}, "seeds must be a whole number ≥ 1"),
        ({"sizes": "30x12", "seeds": 2, "seed_list": [1]}, "not both"),
        ({"sizes": "30x12", "seed_list": [-1]}, "seeds must be whole numbers in 0..2147483647, got -1"),
        ({"sizes": "30x12", "solvers": ("simplex",)}, "unknown solver 'simplex'; valid solvers: auto, hungarian"),
        ({"sizes": "30x12", "solvers": ()}, "solvers must not be empty"),
        ({"sizes": "30x12", "time_limits": (0,)}, "time_limit must be a number of seconds > 0, got 0"),
        ({"sizes": "30x12", "coach_limits": "tight"}, "unknown coach_limits 'tight'"),
        ({"sizes": "30x12", "roster": "."}, "give sizes or a roster folder, not both"),
        ({"roster": ".", "coaches": (3,)}, "coaches apply to generated rosters"),
        ({"roster": "no/such/folder"}, "roster folder 'no/such/folder' does not exist"),
        ({"sizes": [(30,)]}, r"size \(30,\): expected \(mentees, mentors\)"),
        ({"sizes": [(30, 0)]}, "mentees and mentors must be whole numbers ≥ 1"),
        ({"sizes": "30x12", "memory_limit_gb": -1}, "memory_limit_gb must be a number > 0"),
    ],
)
def test_expand_grid_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        expand_grid(**kwargs)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("300x100,", r"size \(item 2 of 2\) is empty"),
        ("300", r"size '300' \(item 1 of 1\): expected MENTEESxMENTORS"),
        ("300x100x5x2", r"size '300x100x5x2' \(item 1 of 1\): expected"),
        ("300x-1", r"size '300x-1'.*expected"),
        ("3e2x100", r"size '3e2x100'.*expected"),
        ("0x100", r"size '0x100' \(item 1 of 1\): mentees and mentors must be at least 1"),
        ("1x1,x,2x0", r"size 'x' \(item 2 of 3\).*; size '2x0' \(item 3 of 3\)"),
    ],
)
def test_parse_sizes_names_the_bad_item(text, match):
    with pytest.raises(ValueError, match=match):
        parse_sizes(text)


def test_parse_sizes_accepts_spacing_and_separators():
    assert parse_sizes(" 300 x 100 ,20000X5000×50") == [(300, 100, None), (20000, 5000, 50)]


def test_key_names_the_run():
    spec = RunSpec(30, 12, seed=1, solver="cpsat", time_limit=5)
    assert spec.key == RunSpec(30, 12, 0, "default", None, 1, "cpsat", 5.0).key
    assert len(spec.key) == 12 and int(spec.key, 16) >= 0
    others = [
        RunSpec(31, 12, seed=1, solver="cpsat", time_limit=5),
        RunSpec(30, 12, 2, seed=1, solver="cpsat", time_limit=5),
        RunSpec(30, 12, 2, "hard", seed=1, solver="cpsat", time_limit=5),
        RunSpec(30, 12, seed=2, solver="cpsat", time_limit=5),
        RunSpec(30, 12, seed=1, solver="auto", time_limit=5),
        RunSpec(30, 12, seed=1, solver="cpsat", time_limit=6),
        RunSpec(30, 12, seed=1, solver="cpsat", time_limit=5, config=MatchConfig(weights=Weights(age=0))),
        RunSpec(30, 12, seed=1, solver="cpsat", time_limit=5, workloads="unit"),
    ]
    assert len({spec.key, *(other.key for other in others)}) == 1 + len(others)
    # the memory limit is not part of the run; an explicit default config is the default config
    assert RunSpec(30, 12, seed=1, solver="cpsat", time_limit=5, memory_limit_gb=2).key == spec.key
    assert RunSpec(30, 12, seed=1, solver="cpsat", time_limit=5, config=MatchConfig().to_toml()).key == spec.key
    assert RunSpec(**spec.to_dict()) == spec


def test_key_follows_the_library_version(monkeypatch):
    before = RunSpec(30, 12).key
    monkeypatch.setattr(mentormatch, "__version__", "99.0")
    assert RunSpec(30, 12).key != before


def test_key_of_a_roster_folder_follows_its_content(tmp_path):
    folder = tmp_path / "r"
    write_roster(synthetic_roster(20, 8, seed=3), folder)
    first = RunSpec(roster=folder).key
    assert RunSpec(roster=str(folder)).key == first
    with open(folder / "mentees.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    assert RunSpec(roster=folder).key != first


def test_machine_has_the_machine_columns():
    info = machine()
    assert set(MACHINE_COLUMNS) <= set(info)
    assert info["version"] == mentormatch.__version__
    assert info["cpu_count"] >= 1 and info["python"].count(".") == 2


# ---------------------------------------------------------------------------------------------------------------
# Sweeps


def test_results_file_schema(sweep):
    frame, path, _ = sweep
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == BENCH_COLUMNS
    assert len(rows) == 5 and all(len(row) == len(BENCH_COLUMNS) for row in rows)
    assert path.read_bytes().endswith(b"\n") and b"\r" not in path.read_bytes()

    read = read_results(path)
    assert tuple(read.columns) == BENCH_COLUMNS
    for name in INT_COLUMNS:
        assert str(read[name].dtype) == "Int64", name
    for name in FLOAT_COLUMNS:
        assert read[name].dtype == "float64", name
    assert set(read["status"]) <= set(STATUSES)
    assert (read["status"] == "optimal").all(), read["error"].tolist()
    assert read["error"].isna().all()
    # every result column is filled for a completed run
    filled = [name for name in BENCH_COLUMNS if name not in {"roster", "error", "current_share"}]
    assert read[filled].notna().all().all(), read[filled].isna().sum()[lambda s: s > 0]
    assert (read["matched"] + read["unmatched"] == read["mentees"]).all()
    assert (read[["matched_high", "matched_medium", "matched_low"]].sum(axis=1) == read["matched"]).all()
    assert ((read["min_score"] >= 0) & (read["min_score"] <= read["mean_score"]) & (read["mean_score"] <= 100)).all()
    stages = read[[f"seconds_{s}" for s in ("read", "score", "solve", "verify", "write")]].sum(axis=1)
    assert (stages <= read["seconds_total"] + 1e-9).all()
    assert (read["peak_memory_mb"] > 10).all()
    assert (read["version"] == mentormatch.__version__).all()
    assert read["started"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert (read["config"] == "default").all() and (read["time_limit"] == 5.0).all()
    assert read["solver_used"].str.startswith("cpsat").sum() >= 2

    # the returned frame: the same records, in grid order
    keys = [spec.key for spec in expand_grid(**GRID)]
    assert frame["key"].tolist() == keys
    position = {key: i for i, key in enumerate(read["key"])}
    pd.testing.assert_frame_equal(frame, read.iloc[[position[key] for key in keys]].reset_index(drop=True))
    assert frame[["mentees", "coaches", "solver"]].values.tolist() == [
        [30, 0, "auto"], [30, 0, "cpsat"], [40, 3, "auto"], [40, 3, "cpsat"],
    ]  # fmt: skip

    sidecar = json.loads(Path(f"{path}.machine.json").read_text(encoding="utf-8"))
    assert set(MACHINE_COLUMNS) <= set(sidecar["machine"]) and sidecar["configs"] == {}


def test_progress_counts_runs(sweep):
    _, _, calls = sweep
    assert calls[0] == (0, 4, "")
    assert calls[-1][:2] == (4, 4) and calls[-1][2].endswith(": optimal")
    assert [c for c in calls if c[2].startswith("running ")][0] == (0, 4, "running 30x12 seed 0 auto 5 s")
    assert [c[0] for c in calls if c[2].endswith(": optimal")] == [1, 2, 3, 4]


def test_same_seeds_give_the_same_rosters_and_objectives(sweep, tmp_path):
    """A second sweep (two jobs at a time) gives the same records aside timing, memory and clock."""
    frame, _, _ = sweep
    again = benchmark(**GRID, output=tmp_path / "again.csv", jobs=2)
    pd.testing.assert_frame_equal(_stable(frame), _stable(again))
    # another seed gives another roster
    other = benchmark("30x12", seed_list=[1], time_limits=(5,))
    assert other.loc[0, "key"] not in set(frame["key"])
    assert (other.loc[0, "objective"], other.loc[0, "matched"]) != tuple(frame.loc[0, ["objective", "matched"]])


def test_resume_after_a_kill_repeats_and_loses_nothing(sweep, tmp_path):
    frame, path, _ = sweep
    lines = _lines(path)
    killed = tmp_path / "killed.csv"
    # the header, two whole rows and half of the third: a sweep killed while writing
    killed.write_text("".join(lines[:3]) + lines[3][: len(lines[3]) // 2], encoding="utf-8")
    calls = []
    resumed = benchmark(**GRID, output=killed, progress=lambda *args: calls.append(args))
    after = _lines(killed)
    assert after[:3] == lines[:3]  # the surviving rows untouched
    assert len(after) == 5
    keys = [row[0] for row in csv.reader(after[1:])]
    assert sorted(keys) == sorted(frame["key"]) and len(set(keys)) == 4
    assert calls[0] == (2, 4, "") and calls[-1][:2] == (4, 4)
    assert resumed["key"].tolist() == frame["key"].tolist()
    pd.testing.assert_frame_equal(_stable(resumed), _stable(frame))

    # rerunning a finished sweep runs nothing and leaves the file as it was
    before = killed.read_bytes()
    calls.clear()
    benchmark(**GRID, output=killed, progress=lambda *args: calls.append(args))
    assert killed.read_bytes() == before
    assert calls == [(4, 4, "")]


def test_interrupted_sweep_leaves_a_valid_file_and_resumes(tmp_path):
    """SIGINT while a sweep runs: whole rows only, the worker stopped; rerunning finishes without duplicates."""
    path = tmp_path / "results.csv"
    grid = {"sizes": "30x12", "seeds": 3, "time_limits": (5,)}
    script = textwrap.dedent(f"""
        import sys
        from mentormatch.bench import benchmark
        def show(done, total, current):
            print(done, total, current, flush=True)
        benchmark(**{grid!r}, output={str(path)!r}, progress=show)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in child.stdout:  # interrupt once the first run is recorded and the second under way
        if line.startswith("1 3 running 30x12 seed 1"):
            break
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode != 0 and "KeyboardInterrupt" in err
    lines = _lines(path)
    assert 2 <= len(lines) <= 3 and lines[-1].endswith("\n")
    survivors = read_results(path)
    assert survivors["key"].is_unique and set(survivors["status"]) == {"optimal"}

    resumed = benchmark(**grid, output=path)
    assert _lines(path)[: len(lines)] == lines
    assert len(_lines(path)) == 4 and resumed["key"].is_unique
    assert resumed["seed"].tolist() == [0, 1, 2] and set(resumed["status"]) == {"optimal"}


def test_a_run_past_its_wall_limit_is_recorded_as_timeout(tmp_path):
    calls = []
    frame = benchmark(
        "300x100",
        time_limits=(5,),
        wall_limit=0.5,
        output=tmp_path / "r.csv",
        progress=lambda *args: calls.append(args),
    )
    record = frame.iloc[0]
    assert record["status"] == "timeout"
    assert "wall limit of 0.5 s" in record["error"]
    assert 0.5 <= record["seconds_total"] < 30
    assert record["mentees"] == 300 and record["version"] == mentormatch.__version__ and record["host"]
    assert pd.isna(record["objective"]) and pd.isna(record["peak_memory_mb"])
    assert read_results(tmp_path / "r.csv")["status"].tolist() == ["timeout"]
    assert calls[-1] == (1, 1, "300x100 seed 0 auto 5 s: timeout")


def test_run_one_records_memory_and_solver_failures():
    record = run_one(RunSpec(300, 100, time_limit=5, memory_limit_gb=0.05))
    assert set(record) == set(BENCH_COLUMNS)
    assert record["status"] == "out_of_memory" and "MemoryError" in record["error"]
    record = run_one(RunSpec(40, 15, 3, solver="hungarian", time_limit=5))
    assert record["status"] == "error"
    assert record["error"].startswith("SolverUnsuitable: solver 'hungarian' is exact only when every workload is 1")


def test_a_roster_folder_is_run_and_its_problems_recorded_without_values(tmp_path, make_roster):
    folder = tmp_path / "roster"
    write_roster(synthetic_roster(20, 8, seed=3), folder)
    frame = benchmark(roster=folder, time_limits=(5,))
    record = frame.iloc[0]
    assert record["status"] == "optimal" and record["roster"] == str(folder.resolve())
    assert (record["mentees"], record["mentors"], record["coaches"]) == (20, 8, 0)
    assert pd.isna(record["coach_limits"])

    bad = make_roster(mentees="id,age,gender,languages,extremism_type\nm1,abc,male,en,islamist\n")
    record = run_one(RunSpec(roster=bad, time_limit=5))
    assert record["status"] == "error"
    assert record["error"].startswith("InputError: 1 problem in the input; first: mentees.csv, line 2, column 'age'")
    assert "abc" not in record["error"]


def test_a_file_of_another_kind_is_refused(tmp_path):
    other = tmp_path / "matches.csv"
    other.write_text("mentee_id,mentor_id\nm1,t1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="matches.csv is not a results file .*choose another output file"):
        benchmark("30x12", output=other)
    assert other.read_text(encoding="utf-8") == "mentee_id,mentor_id\nm1,t1\n"
    broken = tmp_path / "broken.csv"
    broken.write_text(",".join(BENCH_COLUMNS) + "\nabc,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"broken.csv, line 2: 2 cells, expected {len(BENCH_COLUMNS)}"):
        read_results(broken)


def test_benchmark_rejects_bad_arguments(monkeypatch):
    with pytest.raises(ValueError, match="jobs must be a whole number ≥ 1"):
        benchmark("30x12", jobs=0)
    with pytest.raises(ValueError, match="jobs applies to local runs"):
        benchmark("30x12", jobs=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="wall_limit must be a number of seconds > 0"):
        benchmark("30x12", wall_limit=0)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install 'mentormatch\[distributed\]'"):
        benchmark("30x12", scheduler="tcp://127.0.0.1:1")


# ---------------------------------------------------------------------------------------------------------------
# Dask


def test_dask_gives_the_local_records(sweep, tmp_path):
    distributed = pytest.importorskip("distributed")
    frame, _, _ = sweep
    path = tmp_path / "dask.csv"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        calls = []
        remote = benchmark(
            **GRID, output=path, scheduler=cluster.scheduler_address, progress=lambda *args: calls.append(args)
        )
    assert remote["key"].tolist() == frame["key"].tolist()
    pd.testing.assert_frame_equal(_stable(remote), _stable(frame))
    assert read_results(path)["key"].is_unique and len(read_results(path)) == 4
    assert calls[0] == (0, 4, "") and calls[-1][:2] == (4, 4)
    workers = json.loads(Path(f"{path}.machine.json").read_text(encoding="utf-8"))["workers"]
    assert len(workers) == 1 and next(iter(workers.values()))["version"] == mentormatch.__version__
    assert not math.isnan(remote["peak_memory_mb"].min())
    assert os.path.getsize(path) > 0


def test_unit_workloads_let_the_flow_solvers_run():
    unit = benchmark("30x12", solvers=["flow"], time_limits=[5], workloads="unit")
    generated = benchmark("30x12", solvers=["flow"], time_limits=[5])
    assert unit["status"].tolist() == ["optimal"] and unit["workloads"].tolist() == ["unit"]
    assert generated["status"].tolist() == ["error"] and "SolverUnsuitable" in generated["error"][0]
    assert unit["key"][0] != generated["key"][0]


def test_current_share_runs_a_next_month_with_current_pairs():
    runs = benchmark("30x12", time_limits=[5], workloads="unit", current_shares=[None, 0.7])
    assert runs["status"].tolist() == ["optimal", "optimal"]
    assert runs["current_share"].isna().tolist() == [True, False] and runs["current_share"][1] == 0.7
    assert runs["key"][0] != runs["key"][1]
    assert RunSpec(30, 12, current_share=0.7).label == "30x12 current 0.7 seed 0 auto 60 s"
    with pytest.raises(ValueError, match="current_share must be a number from 0 to 1"):
        RunSpec(30, 12, current_share=1.5)


def test_a_worker_that_crashes_is_recorded_as_an_error_from_its_exit(tmp_path, monkeypatch):
    fake = tmp_path / "python"
    fake.write_text(
        "#!/bin/sh\ncat > /dev/null\necho 'Traceback (most recent call last):' >&2\n"
        "echo 'SolverBug: the answer breaks a rule' >&2\nexit 1\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    record = run_one(RunSpec(30, 12, time_limit=5))
    assert record["status"] == "error"
    assert (
        record["error"] == "the run's process ended with exit code 1 and no record: SolverBug: the answer breaks a rule"
    )
    assert set(record) == set(BENCH_COLUMNS)
