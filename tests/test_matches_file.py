"""A matches file read back against its roster: ``io.read_matches`` and ``match.load_matching``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from mentormatch import RosterError, Status, build_problem, read_roster, solve, write_matches
from mentormatch.match import evaluate, load_matching

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=["small", "coaches"])
def solved(request):
    problem = build_problem(read_roster(ROOT / "data" / "synthetic" / request.param))
    return problem, solve(problem)


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_a_written_matching_reads_back_to_the_same_table(solved, tmp_path: Path) -> None:
    problem, result = solved
    path = tmp_path / "matches.csv"
    write_matches(result, path)
    given = load_matching(problem, path)
    assert given.solver == "given" and given.status is Status.FEASIBLE and given.bound is None
    assert given.priority_sum == result.priority_sum
    assert given.objective == pytest.approx(result.objective, abs=1e-4)
    columns = [c for c in result.table.columns if c != "reason_detail"]
    assert given.table[columns].equals(result.table[columns])


def test_only_id_columns_are_needed_and_absent_mentees_are_unmatched(tmp_path: Path) -> None:
    problem = build_problem(read_roster(ROOT / "data" / "synthetic" / "small"))
    result = solve(problem)
    pairs = result.pairs
    path = tmp_path / "m.csv"
    _write_rows(
        path, [["Mentor_ID", "mentee_id", "note"], *([r.mentor_id, r.mentee_id, "x"] for r in pairs[1:].itertuples())]
    )
    given = load_matching(problem, path)
    assert given.n_matched == result.n_matched - 1
    first = pairs.mentee_id[0]
    assert given.table.set_index("mentee_id").loc[first, "reason"] == "not_placed"


def test_unknown_ids_duplicates_and_two_coaches_are_listed_with_lines(tmp_path: Path) -> None:
    problem = build_problem(read_roster(ROOT / "data" / "synthetic" / "coaches"))
    path = tmp_path / "m.csv"
    write_matches(solve(problem), path)
    rows = _rows(path)
    matched = [k for k in range(1, len(rows)) if rows[k][1]]
    a, b = matched[0], matched[1]
    rows.append(["NOBODY", "", ""])
    rows.append(list(rows[a]))
    rows[b][2] = "NOCOACH"
    rows[a][1] = "NOMENTOR"
    _write_rows(path, rows)
    with pytest.raises(RosterError) as err:
        load_matching(problem, path)
    text = str(err.value)
    assert f"line {len(rows) - 1}, column 'mentee_id', value 'NOBODY': no mentee with this id" in text
    assert f"line {len(rows)}, column 'mentee_id'" in text and f"first on line {a + 1}" in text
    assert f"line {b + 1}, column 'coach_id', value 'NOCOACH': no coach" in text
    assert f"line {a + 1}, column 'mentor_id', value 'NOMENTOR': no mentor" in text


def test_broken_rules_and_capacity_are_input_problems_by_line(tmp_path: Path) -> None:
    problem = build_problem(read_roster(ROOT / "data" / "synthetic" / "small"))
    path = tmp_path / "m.csv"
    write_matches(solve(problem), path)
    rows = _rows(path)
    n, m = problem.shape
    # a disallowed pair for the first mentee, and every mentee on one mentor
    i = 0
    j = int(np.flatnonzero(~problem.allowed[i])[0])
    mentor = problem.mentor_ids[j]
    for k in range(1, len(rows)):
        rows[k][1] = mentor
    _write_rows(path, rows)
    with pytest.raises(RosterError) as err:
        load_matching(problem, path)
    text = str(err.value)
    assert (
        f"line 2, column 'mentor_id', value '{mentor}': the pair {problem.mentee_ids[0]} - {mentor} breaks the" in text
    )
    assert f"mentor's workload {int(problem.workload.sum())} exceeds capacity {int(problem.capacity[j])}" in text


def test_roster_with_coaches_needs_a_coach_column(tmp_path: Path) -> None:
    problem = build_problem(read_roster(ROOT / "data" / "synthetic" / "coaches"))
    result = solve(problem)
    path = tmp_path / "m.csv"
    _write_rows(path, [["mentee_id", "mentor_id"], *([r.mentee_id, r.mentor_id] for r in result.pairs.itertuples())])
    with pytest.raises(RosterError, match="needs a coach_id column"):
        load_matching(problem, path)


def test_missing_file_is_an_input_problem(tmp_path: Path) -> None:
    problem = build_problem(read_roster(ROOT / "data" / "synthetic" / "small"))
    with pytest.raises(RosterError, match="file not found"):
        load_matching(problem, tmp_path / "none.csv")


def test_evaluate_of_the_solver_answer_equals_solve(solved) -> None:
    problem, result = solved
    mentor_index = {k: j for j, k in enumerate(problem.mentor_ids)}
    mentor_of = np.array([mentor_index.get(x, -1) if isinstance(x, str) else -1 for x in result.table.mentor_id])
    coach_of = None
    if problem.coaches is not None:
        coach_index = {k: c for c, k in enumerate(problem.coach_ids)}
        coach_of = np.full(problem.shape[1], -1)
        for j, c in zip(mentor_of, result.table.coach_id, strict=True):
            if j >= 0:
                coach_of[j] = coach_index[c]
    again = evaluate(problem, mentor_of, coach_of)
    assert again.table.drop(columns="reason_detail").equals(result.table.drop(columns="reason_detail"))
