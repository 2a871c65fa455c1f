"""The command line through its real entry point, the typer app, in-process (typer's ``CliRunner``): every
command, its messages, files and exit codes. The few real processes are in ``test_smoke.py``."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest

from mentormatch.config import MatchConfig
from mentormatch.result import OUTPUT_COLUMNS

from .runner import COACHES, MEDIUM, SMALL, run


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


MENTEES = (
    "id,age,gender,languages,extremism_type,risk_level,workload\n"
    "A1,25,male,english,far_right,high,1\n"
    "A2,30,female,english;arabic,islamist,low,1\n"
)
MENTORS = (
    "id,age,gender,languages,expertise,capacity,experience_years\n"
    "B1,40,male,english,far_right;islamist,1,5\n"
    "B2,45,female,arabic,islamist,1,1\n"
)


def assert_clean_failure(proc: subprocess.CompletedProcess[str], code: int) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_output_dialect_and_byte_identical_reruns(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run("solve", MEDIUM, "-o", first, "-q").returncode == 0
    assert run("solve", MEDIUM, "-o", second, "-q").returncode == 0
    data = first.read_bytes()
    assert data == second.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
    for row in list(csv.DictReader(data.decode().splitlines())):
        if row["mentor_id"]:
            assert re.fullmatch(r"\d{1,3}\.\d", row["score"]) and not row["reason"]
            for criterion in OUTPUT_COLUMNS[4:13]:
                assert re.fullmatch(r"\d{1,3}\.\d", row[criterion])
        else:
            assert row["reason"] in {"no_allowed_mentor", "capacity", "workload", "time_limit"}
            assert row["reason_detail"] and not row["score"]


def test_progress_lines_count_from_the_start_through_every_stage(tmp_path: Path) -> None:
    # the benchmarks read the stage split from these lines: one clock for the whole command, every stage named
    proc = run("solve", SMALL, "-o", tmp_path / "m.csv")
    assert proc.returncode == 0, proc.stderr
    lines = [re.fullmatch(r"\[\s*([0-9.]+) s\] (.*)", line) for line in proc.stderr.splitlines()]
    assert all(lines), proc.stderr
    seconds = [float(found.group(1)) for found in lines if found]
    stages = [found.group(2) for found in lines if found]
    assert seconds == sorted(seconds)
    assert stages[:2] == ["read 30 mentees, 12 mentors", "scored 30 mentees × 12 mentors"]
    assert stages[-4:] == ["verifying", "diagnosing shortages", f"writing {tmp_path / 'm.csv'}", "written"]


@pytest.mark.parametrize("solver", ["flow", "hungarian", "cpsat"])
def test_each_solver_on_unit_workloads(tmp_path: Path, solver: str) -> None:
    write(tmp_path / "r", "mentees.csv", MENTEES)
    write(tmp_path / "r", "mentors.csv", MENTORS)
    proc = run("solve", tmp_path / "r", "--solver", solver, "-o", tmp_path / "m.csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((tmp_path / "m.csv").read_text().splitlines()))
    assert [(r["mentee_id"], r["mentor_id"]) for r in rows] == [("A1", "B1"), ("A2", "B2")]


def test_solver_that_cannot_take_workloads_is_exit_2_naming_one_that_can(tmp_path: Path) -> None:
    write(tmp_path / "r", "mentees.csv", MENTEES.replace("high,1\n", "high,2\n"))
    write(tmp_path / "r", "mentors.csv", MENTORS.replace("islamist,1,5", "islamist,2,5"))
    proc = run("solve", tmp_path / "r", "--solver", "flow", "-o", tmp_path / "m.csv")
    assert_clean_failure(proc, 2)
    assert "cpsat" in proc.stderr and not (tmp_path / "m.csv").exists()


def test_bad_input_lists_every_problem_and_leaves_existing_file(tmp_path: Path) -> None:
    write(tmp_path / "r", "mentees.csv", MENTEES.replace("A1,25", "A1,7").replace("islamist,low", "islamst,low"))
    write(tmp_path / "r", "mentors.csv", MENTORS.replace("B2,45", "B2,abc"))
    out = write(tmp_path, "m.csv", "keep me")
    proc = run("solve", tmp_path / "r", "-o", out)
    assert_clean_failure(proc, 2)
    assert "3 problems" in proc.stderr
    assert "mentees.csv, line 2, column 'age', value '7'" in proc.stderr
    assert "mentees.csv, line 3, column 'extremism_type', value 'islamst'" in proc.stderr
    assert "mentors.csv, line 3, column 'age', value 'abc'" in proc.stderr
    assert out.read_text() == "keep me"


def test_missing_folder_and_usage_errors(tmp_path: Path) -> None:
    proc = run("solve", tmp_path / "nowhere", "-o", tmp_path / "m.csv")
    assert_clean_failure(proc, 2)
    assert "nowhere: roster folder not found" in proc.stderr and not (tmp_path / "m.csv").exists()
    write(tmp_path / "r", "mentors.csv", MENTORS)
    proc = run("solve", tmp_path / "r", "-o", tmp_path / "m.csv")
    assert_clean_failure(proc, 2)
    assert "mentees.csv: file not found" in proc.stderr and not (tmp_path / "m.csv").exists()
    assert_clean_failure(run("solve", SMALL, "--solver", "magic"), 2)
    assert_clean_failure(run("solve"), 2)


def test_roster_with_coaches_gives_every_matched_row_a_coach_and_reruns_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    proc = run("solve", "data/synthetic/coaches", "-o", first)
    assert proc.returncode == 0, proc.stderr
    assert run("solve", "data/synthetic/coaches", "-o", second, "-q").returncode == 0
    data = first.read_bytes()
    assert data == second.read_bytes()
    rows = list(csv.DictReader(data.decode().splitlines()))
    coach_ids = {r["id"] for r in csv.DictReader((COACHES / "coaches.csv").read_text().splitlines())}
    fixed = {r["id"]: r["coach_id"] for r in csv.DictReader((COACHES / "mentors.csv").read_text().splitlines())}
    assert len(rows) == len((COACHES / "mentees.csv").read_text().strip().splitlines()) - 1
    assert any(r["mentor_id"] for r in rows) and any(not r["mentor_id"] for r in rows)
    coach_of: dict[str, str] = {}
    for row in rows:
        if row["mentor_id"]:
            assert row["coach_id"] in coach_ids and row["coach_id"] != row["mentor_id"]
            assert coach_of.setdefault(row["mentor_id"], row["coach_id"]) == row["coach_id"]
            assert fixed[row["mentor_id"]] in ("", row["coach_id"])
        else:
            assert row["coach_id"] == "" and row["reason"] and row["reason_detail"]
    assert "status: optimal" in proc.stdout and "coaches: " in proc.stdout


def test_header_only_coaches_file_exits_3_and_writes_every_row_with_reason_coach(tmp_path: Path) -> None:
    write(tmp_path / "r", "mentees.csv", MENTEES)
    write(tmp_path / "r", "mentors.csv", MENTORS)
    write(tmp_path / "r", "coaches.csv", "id,max_mentors,max_mentees,specialisms,languages\n")
    proc = run("solve", tmp_path / "r", "-o", tmp_path / "m.csv")
    assert_clean_failure(proc, 3)
    rows = list(csv.DictReader((tmp_path / "m.csv").read_text().splitlines()))
    assert [r["mentee_id"] for r in rows] == ["A1", "A2"]
    assert {r["reason"] for r in rows} == {"coach"}
    assert all(r["mentor_id"] == r["coach_id"] == "" for r in rows)
    assert "no mentee can be matched" in proc.stderr


def test_coach_rules_show_in_the_file_fixed_coach_and_specialism(tmp_path: Path) -> None:
    mentors = (
        MENTORS.replace("experience_years\n", "experience_years,coach_id\n")
        .replace("islamist,1,5\n", "islamist,1,5,K2\n")
        .replace("islamist,1,1\n", "islamist,1,1,\n")
    )
    write(tmp_path / "r", "mentees.csv", MENTEES)
    write(tmp_path / "r", "mentors.csv", mentors)
    write(tmp_path / "r", "coaches.csv", "id,max_mentors,specialisms\nK1,2,\nK2,1,islamist\n")
    proc = run("solve", tmp_path / "r", "-o", tmp_path / "m.csv", "-q")
    assert proc.returncode == 0, proc.stderr
    rows = {r["mentee_id"]: r for r in csv.DictReader((tmp_path / "m.csv").read_text().splitlines())}
    # B1 is fixed to K2 (islamist only): A1 (far_right, high risk, only B1 allowed) cannot be supervised
    assert rows["A1"]["reason"] == "coach" and rows["A1"]["coach_id"] == ""
    assert (rows["A2"]["mentor_id"], rows["A2"]["coach_id"]) in {("B1", "K2"), ("B2", "K1")}


def test_nobody_matchable_writes_file_with_reasons_and_exits_3(tmp_path: Path) -> None:
    write(tmp_path / "r", "mentees.csv", MENTEES)
    write(tmp_path / "r", "mentors.csv", MENTORS.replace("english", "polish").replace("arabic", "polish"))
    proc = run("solve", tmp_path / "r", "-o", tmp_path / "m.csv")
    assert_clean_failure(proc, 3)
    rows = list(csv.DictReader((tmp_path / "m.csv").read_text().splitlines()))
    assert {r["reason"] for r in rows} == {"no_allowed_mentor"}
    assert all("language 2" in r["reason_detail"] for r in rows)


def test_reasons_capacity_and_workload(tmp_path: Path) -> None:
    mentees = (
        "id,age,gender,languages,extremism_type,workload,risk_level\n"
        "A1,25,male,english,other,1,high\nA2,25,male,english,other,1,low\nA3,25,male,english,other,3,medium\n"
    )
    mentors = "id,age,gender,languages,capacity,expertise,experience_years\nB1,35,male,english,2,other,4\n"
    write(tmp_path / "r", "mentees.csv", mentees)
    write(tmp_path / "r", "mentors.csv", mentors)
    proc = run("solve", tmp_path / "r", "-o", tmp_path / "m.csv")
    assert proc.returncode == 0, proc.stderr
    rows = {r["mentee_id"]: r for r in csv.DictReader((tmp_path / "m.csv").read_text().splitlines())}
    assert rows["A1"]["mentor_id"] == "B1" and rows["A2"]["mentor_id"] == "B1"
    assert rows["A3"]["reason"] == "workload"


def test_validate_counts_and_errors(tmp_path: Path) -> None:
    proc = run("validate", SMALL)
    assert proc.returncode == 0 and "roster is valid" in proc.stdout
    assert run("validate", COACHES).returncode == 0
    write(tmp_path / "r", "mentees.csv", MENTEES.replace("A2,", "A1,"))
    write(tmp_path / "r", "mentors.csv", MENTORS)
    bad = run("validate", tmp_path / "r")
    assert_clean_failure(bad, 2)
    assert "line 3" in bad.stderr and "A1" in bad.stderr


def test_config_prints_defaults_that_load_back(tmp_path: Path) -> None:
    proc = run("config")
    assert proc.returncode == 0
    assert MatchConfig.from_toml(proc.stdout) == MatchConfig()
    path = write(tmp_path, "c.toml", proc.stdout.replace("min_score = 0.0", "min_score = 90.0"))
    solved = run("solve", SMALL, "--config", path, "-o", tmp_path / "m.csv", "-q")
    assert solved.returncode in (0, 3)
    bad = write(tmp_path, "bad.toml", "[weights]\nlanguag = 1\n")
    proc = run("solve", SMALL, "--config", bad, "-o", tmp_path / "n.csv")
    assert_clean_failure(proc, 2)
    assert "weights.languag" in proc.stderr and not (tmp_path / "n.csv").exists()


def test_synth_writes_a_valid_roster(tmp_path: Path) -> None:
    proc = run("synth", "--mentees", "40", "--mentors", "15", "--seed", "3", "-o", tmp_path / "s")
    assert proc.returncode == 0, proc.stderr
    assert run("validate", tmp_path / "s").returncode == 0


def test_explicit_paths_win_over_the_folder(tmp_path: Path) -> None:
    write(tmp_path / "r", "mentees.csv", MENTEES.replace("A1,25", "A1,7"))  # the folder's file is bad
    write(tmp_path / "r", "mentors.csv", MENTORS)
    good = write(tmp_path / "other", "people.csv", MENTEES)
    proc = run("solve", tmp_path / "r", "--mentees", good, "-o", tmp_path / "m.csv", "-q")
    assert proc.returncode == 0, proc.stderr
    only_paths = run("solve", "--mentees", good, "--mentors", tmp_path / "r" / "mentors.csv", "-o", tmp_path / "n.csv")
    assert only_paths.returncode == 0, only_paths.stderr
    assert (tmp_path / "m.csv").read_bytes() == (tmp_path / "n.csv").read_bytes()


def test_validate_and_solve_show_shortages_with_remedies(tmp_path: Path) -> None:
    proc = run("validate", SMALL)
    assert proc.returncode == 0
    assert "at most 22 of 30 mentees can be matched under the hard rules" in proc.stdout
    assert "recruit" in proc.stdout
    solved = run("solve", SMALL, "-q", "-o", tmp_path / "m.csv")
    assert solved.returncode == 0
    lines = solved.stdout.splitlines()
    # the roster's warnings come first (no likely slip here: values only one side uses, counted), then the diagnosis
    assert lines[0].startswith("9 warnings: values used by mentees or mentors only (`mentormatch validate` lists")
    assert lines[1].startswith("at most 22 of 30 mentees can be matched")


def test_require_all_exits_3_without_a_file_naming_the_rules_to_relax(tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    out.write_text("keep me", encoding="utf-8")
    proc = run("solve", SMALL, "-q", "--require-all", "-o", out)
    assert_clean_failure(proc, 3)
    assert "--require-all cannot be met: relax " in proc.stderr and "(no smaller set does)" in proc.stderr
    assert out.read_text(encoding="utf-8") == "keep me"


def test_require_all_met_writes_the_file(tmp_path: Path) -> None:
    write(tmp_path / "r", "mentees.csv", MENTEES)
    write(tmp_path / "r", "mentors.csv", MENTORS)
    proc = run("solve", tmp_path / "r", "-q", "--require-all", "-o", tmp_path / "m.csv")
    assert proc.returncode == 0, proc.stderr
    assert "no shortage" in proc.stdout and (tmp_path / "m.csv").exists()


def test_explain_a_match_and_a_non_match(tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    assert run("solve", SMALL, "-q", "-o", out).returncode == 0
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    matched = next(r for r in rows if r["mentor_id"])
    unmatched = next(r for r in rows if r["reason"] == "no_allowed_mentor")
    proc = run("explain", SMALL, "--mentee", matched["mentee_id"], "-q")
    assert proc.returncode == 0, proc.stderr
    assert f"{matched['mentee_id']} - {matched['mentor_id']} (matched): score {matched['score']}" in proc.stdout
    assert "runners-up" in proc.stdout and "hard rules" in proc.stdout
    from_file = run("explain", SMALL, "--mentee", matched["mentee_id"], "--matches", out, "-q")
    assert from_file.returncode == 0 and f"score {matched['score']}" in from_file.stdout
    why_not = run("explain", SMALL, "--mentee", unmatched["mentee_id"], "-q", "--no-costs")
    assert why_not.returncode == 0
    assert "no_allowed_mentor" in why_not.stdout and f"to match {unmatched['mentee_id']}: relax " in why_not.stdout


def test_explain_bad_ids_and_bad_matches_file_are_exit_2(tmp_path: Path) -> None:
    assert_clean_failure(run("explain", SMALL, "--mentee", "NOBODY", "-q"), 2)
    assert_clean_failure(run("explain", SMALL, "--mentee", "ME00001", "--mentor", "NOBODY", "-q"), 2)
    bad = write(tmp_path, "m.csv", "mentee_id,mentor_id\nME00001,NOBODY\n")
    proc = run("explain", SMALL, "--mentee", "ME00001", "--matches", bad, "-q")
    assert_clean_failure(proc, 2)
    assert "line 2, column 'mentor_id', value 'NOBODY': no mentor with this id" in proc.stderr
    missing = run("explain", SMALL, "-q")
    assert_clean_failure(missing, 2)


def test_report_writes_one_self_contained_html_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    proc = run("report", COACHES, "-q", "-o", out, "--no-plots")
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    for section in ("summary", "shortages", "scores", "capacity", "criteria", "unmatched"):
        assert f'<section id="{section}">' in page
    assert "http://" not in page and "https://" not in page
    assert "<img" not in page


def test_require_all_fails_when_the_coach_tier_leaves_mentees_out(tmp_path: Path) -> None:
    write(tmp_path / "r", "mentees.csv", MENTEES)
    write(tmp_path / "r", "mentors.csv", MENTORS)
    write(tmp_path / "r", "coaches.csv", "id,max_mentors,max_mentees,specialisms,languages\nC1,1,,,\n")
    proc = run("solve", tmp_path / "r", "-q", "--require-all", "-o", tmp_path / "m.csv")
    assert_clean_failure(proc, 3)
    assert "--require-all cannot be met: 1 mentee stays unmatched (coach 1); no file written" in proc.stderr
    assert not (tmp_path / "m.csv").exists()


def test_bench_runs_a_grid_resumes_summarises_and_plots(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    args = ("bench", "--sizes", "30x12,20x8x2", "--solvers", "auto,cpsat", "--time-limit", "5", "-o", out)
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 and {r["status"] for r in rows} == {"optimal"}
    assert "runs: optimal 4" in proc.stdout and "30×12" in proc.stdout
    assert "resuming" not in proc.stderr
    again = run(*args, "-q")
    assert again.returncode == 0
    assert out.read_text(encoding="utf-8").count("\n") == 5  # nothing run twice
    assert f"resuming: 4 of 4 runs are already in {out} and are skipped" in again.stderr
    assert "runs: optimal 4 (4 of them recorded before and skipped)" in again.stdout
    summary = run("bench", "--summary", out, "--plot", tmp_path / "bench.png")
    assert summary.returncode == 0, summary.stderr
    assert "20×8×2" in summary.stdout and (tmp_path / "bench.png").read_bytes().startswith(b"\x89PNG")
    assert summary.stdout.splitlines()[0].split()[:3] == ["size", "solver", "method"]
    assert "flow" in summary.stdout  # the method auto chose


def test_bench_bad_options_are_exit_2(tmp_path: Path) -> None:
    bad = run("bench", "--sizes", "30by12", "-o", tmp_path / "r.csv")
    assert_clean_failure(bad, 2)
    assert "30by12" in bad.stderr
    assert_clean_failure(run("bench", "--coaches", "two", "-o", tmp_path / "r.csv"), 2)
    assert_clean_failure(run("bench", "--summary", tmp_path / "none.csv"), 2)
    assert not (tmp_path / "r.csv").exists()


def test_no_answer_within_the_time_limit_is_exit_3_without_a_file(tmp_path: Path, monkeypatch) -> None:
    import dataclasses

    import numpy as np

    from mentormatch import match
    from mentormatch.problem import Status

    write(tmp_path / "r", "mentees.csv", MENTEES)
    write(tmp_path / "r", "mentors.csv", MENTORS)
    out = write(tmp_path, "m.csv", "keep me")
    real = match.run_solver

    def none_found(instance, *args, **kwargs):
        sol = real(instance, *args, **kwargs)
        return dataclasses.replace(
            sol,
            mentor_of=np.full(len(sol.mentor_of), -1),
            status=Status.NO_SOLUTION,
            priority_sum=0,
            objective=0.0,
            priority_bound=None,
            objective_bound=None,
        )

    monkeypatch.setattr(match, "run_solver", none_found)
    proc = run("solve", tmp_path / "r", "-o", out)
    assert_clean_failure(proc, 3)
    assert "no answer was found within the time limit" in proc.stderr
    assert out.read_text() == "keep me"
