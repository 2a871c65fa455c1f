"""Benchmark summaries and charts, on hand-built results (no benchmark is run here)."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from mentormatch.bench import (
    BENCH_COLUMNS,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    REQUIRED_COLUMNS,
    SUMMARY_COLUMNS,
    plot_results,
    read_results,
    summary_markdown,
    summary_table,
    summary_text,
)

PNG = b"\x89PNG\r\n\x1a\n"


def run(
    mentees,
    mentors,
    solver,
    seed,
    status,
    seconds,
    *,
    coaches=0,
    gap=np.nan,
    objective=np.nan,
    time_limit=10.0,
    memory=100.0,
) -> dict:
    return {
        "key": f"{mentees}x{mentors}x{coaches}-{solver}-{seed}",
        "mentees": mentees,
        "mentors": mentors,
        "coaches": coaches,
        "seed": seed,
        "solver": solver,
        "time_limit": time_limit,
        "status": status,
        "seconds_total": seconds,
        "seconds_solve": seconds / 2,
        "peak_memory_mb": memory,
        "gap": gap,
        "objective": objective,
        "roster": "",
        "error": "",
    }


@pytest.fixture
def results() -> pd.DataFrame:
    """Three sizes (one with coaches), two solvers, three seeds; a timeout and some missing gaps. Rows shuffled."""
    rows = [
        # 300 × 100 (30 000 pairs): listed first to check sorting by pairs, not by mentees
        run(300, 100, "cpsat", 0, "feasible", 9.0, gap=0.01, objective=140.0),
        run(300, 100, "cpsat", 1, "feasible", 11.0, gap=0.03, objective=150.0),
        run(300, 100, "cpsat", 2, "timeout", 15.0),
        run(300, 100, "auto", 0, "optimal", 2.0, gap=0.0, objective=151.0, memory=120.0),
        run(300, 100, "auto", 1, "optimal", 4.0, gap=np.nan, objective=152.0, memory=140.0),
        run(300, 100, "auto", 2, "optimal", 3.0, gap=0.0, objective=150.0, memory=130.0),
        # 60 × 20 (1 200 pairs)
        run(60, 20, "cpsat", 0, "optimal", 0.5, gap=0.0, objective=30.0),
        run(60, 20, "cpsat", 1, "optimal", 0.7, gap=0.0, objective=31.0),
        run(60, 20, "auto", 0, "optimal", 0.1, objective=30.0),
        run(60, 20, "auto", 1, "optimal", 0.3, objective=31.0),
        # 300 × 100 with 20 coaches: same pairs, its own row
        run(300, 100, "auto", 0, "optimal", 5.0, coaches=20, gap=0.0, objective=149.0),
        run(300, 100, "auto", 1, "error", 0.2, coaches=20),
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------------------
# summary_table
# --------------------------------------------------------------------------------------------------------------


def test_summary_sorted_by_pairs_then_coaches_then_solver(results: pd.DataFrame) -> None:
    table = summary_table(results)
    assert list(table.columns) == list(SUMMARY_COLUMNS)
    assert list(zip(table["size"], table["solver"], strict=True)) == [
        ("60×20", "auto"),
        ("60×20", "cpsat"),
        ("300×100", "auto"),
        ("300×100", "cpsat"),
        ("300×100×20", "auto"),
    ]


def test_summary_counts(results: pd.DataFrame) -> None:
    table = summary_table(results).set_index(["size", "solver"])
    assert table.loc[("300×100", "cpsat"), ["runs", "optimal", "feasible", "failed"]].tolist() == [3, 0, 2, 1]
    assert table.loc[("300×100", "auto"), ["runs", "optimal", "feasible", "failed"]].tolist() == [3, 3, 0, 0]
    assert table.loc[("300×100×20", "auto"), ["runs", "optimal", "failed"]].tolist() == [2, 1, 1]
    assert (table["runs"] == table["optimal"] + table["feasible"] + table["failed"]).all()


def test_summary_medians_leave_failed_runs_out(results: pd.DataFrame) -> None:
    table = summary_table(results).set_index(["size", "solver"])
    cpsat = table.loc[("300×100", "cpsat")]
    assert cpsat["seconds_total"] == pytest.approx(np.median([9.0, 11.0]))  # the 15 s timeout is left out
    assert cpsat["seconds_solve"] == pytest.approx(5.0)
    assert cpsat["gap"] == pytest.approx(0.02)
    assert cpsat["objective"] == pytest.approx(145.0)
    auto = table.loc[("300×100", "auto")]
    assert auto["seconds_total"] == pytest.approx(3.0)
    assert auto["peak_memory_mb"] == pytest.approx(130.0)
    assert auto["gap"] == pytest.approx(0.0)  # the missing gap is skipped, not counted as zero or NaN
    assert auto["objective"] == pytest.approx(151.0)
    small = table.loc[("60×20", "auto")]
    assert small["seconds_total"] == pytest.approx(0.2)
    assert np.isnan(small["gap"])
    assert table.loc[("300×100×20", "auto"), "seconds_total"] == pytest.approx(5.0)  # the error run is left out
    assert (table["time_limit"] == 10.0).all()


def test_summary_keeps_time_limits_apart(results: pd.DataFrame) -> None:
    longer = results[results["solver"] == "cpsat"].assign(time_limit=60.0)
    table = summary_table(pd.concat([results, longer], ignore_index=True))
    cpsat = table[(table["size"] == "300×100") & (table["solver"] == "cpsat")]
    assert cpsat["time_limit"].tolist() == [10.0, 60.0]
    assert cpsat["runs"].tolist() == [3, 3]


def test_summary_all_failed_has_missing_medians() -> None:
    table = summary_table(
        pd.DataFrame([run(60, 20, "auto", 0, "out_of_memory", 1.0), run(60, 20, "auto", 1, "no_solution", 10.0)])
    )
    assert table[["runs", "failed"]].iloc[0].tolist() == [2, 2]
    assert table[["seconds_total", "gap", "objective"]].isna().all(axis=None)


def test_summary_of_minimal_columns_and_no_rows() -> None:
    minimal = pd.DataFrame([run(60, 20, "auto", 0, "optimal", 1.0)])[list(REQUIRED_COLUMNS)]
    table = summary_table(minimal)
    assert table["size"].tolist() == ["60×20"]
    assert np.isnan(table.loc[0, "time_limit"]) and np.isnan(table.loc[0, "peak_memory_mb"])
    empty = summary_table(minimal.iloc[:0])
    assert list(empty.columns) == list(SUMMARY_COLUMNS) and len(empty) == 0
    assert summary_text(minimal.iloc[:0]) == "no runs recorded"


def test_summary_labels_coach_limits_folders_and_configs() -> None:
    folder = "/data/rosters/prison-a/"
    rows = [
        run(300, 100, "auto", 0, "optimal", 1.0, coaches=20) | {"coach_limits": "hard"},
        run(300, 100, "auto", 0, "optimal", 1.0, coaches=20) | {"coach_limits": "default"},
        run(300, 100, "auto", 0, "optimal", 1.0) | {"config": "1a2b3c4d5e6f"},
        # a folder's run that timed out before reading it has no size: it is taken from the folder's other runs
        run(250, 80, "auto", 0, "optimal", 1.0, coaches=0) | {"roster": folder, "coaches": None},
        run(None, None, "auto", 1, "timeout", 30.0, coaches=None) | {"roster": folder},
        run(None, None, "auto", 0, "error", 0.5, coaches=None) | {"roster": "/data/rosters/broken"},
    ]
    table = summary_table(pd.DataFrame(rows))
    assert table["size"].tolist() == [
        "250×80 prison-a",
        "300×100 config 1a2b3c4d5e6f",
        "300×100×20",
        "300×100×20 hard",
        "?×? broken",
    ]
    assert table.loc[0, ["runs", "optimal", "failed"]].tolist() == [2, 1, 1]


def test_summary_names_missing_columns(results: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="lacks the columns solver, seconds_total"):
        summary_table(results.drop(columns=["seconds_total", "solver"]))


def test_summary_names_unknown_status(results: pd.DataFrame) -> None:
    results.loc[3, "status"] = "OPTIMAL"
    with pytest.raises(ValueError, match=r"unknown status in row 4: 'OPTIMAL' \(expected one of optimal,"):
        summary_table(results)


def test_summary_text_and_markdown(results: pd.DataFrame) -> None:
    text = summary_text(results)
    header = text.splitlines()[0].split()
    assert header[:4] == ["size", "solver", "method", "limit"]
    for solver in ("auto", "cpsat"):
        assert solver in text
    assert "300×100×20" in text and "medians over the runs that returned an answer" in text
    assert not text.endswith("\n")
    assert text.splitlines()[4].split()[-2:] == ["2", "145.00"]  # 300×100 cpsat: the gap in percent, objective
    markdown = summary_markdown(results).splitlines()
    assert markdown[0].startswith("| size | solver | method |") and markdown[1].startswith("|---|---|---|---:|")
    assert len(markdown) == 2 + 5 + 2  # header, rule, 5 rows, blank line, note
    assert markdown[2] == "| 60×20 | auto | – | 10 | 2 | 2 | 0 | 0 | 0.2 | 0.1 | 100 | – | 30.50 |"


def test_the_summary_names_the_methods_that_answered(results: pd.DataFrame) -> None:
    used = results.assign(solver_used=["cpsat", "cpsat", "", "flow", "flow-priced", "flow", *[""] * 6])
    table = summary_table(used).set_index(["size", "solver"])
    assert table.loc[("300×100", "auto"), "method"] == "flow, flow-priced"  # most frequent first
    assert table.loc[("300×100", "cpsat"), "method"] == "cpsat"  # the timeout's empty name is left out
    assert table.loc[("60×20", "auto"), "method"] == ""


# --------------------------------------------------------------------------------------------------------------
# read_results
# --------------------------------------------------------------------------------------------------------------


def test_read_results_round_trip(results: pd.DataFrame, tmp_path) -> None:
    path = tmp_path / "results.csv"
    results.to_csv(path, index=False)
    back = read_results(path)
    assert list(back.columns) == list(results.columns)
    for column in ("mentees", "mentors", "coaches", "seed"):
        assert back[column].dtype == "Int64"
        assert back[column].tolist() == results[column].tolist()
    for column in ("seconds_total", "gap", "objective", "time_limit"):
        assert back[column].dtype == "float64"
        pd.testing.assert_series_equal(back[column], results[column].astype(float))
    assert back["roster"].isna().all() and back["status"].tolist() == results["status"].tolist()
    pd.testing.assert_frame_equal(summary_table(back), summary_table(results))


def test_read_results_types_a_bench_file_by_its_schema(results: pd.DataFrame, tmp_path) -> None:
    path = tmp_path / "results.csv"
    results.reindex(columns=list(BENCH_COLUMNS)).to_csv(path, index=False)
    back = read_results(path)
    assert tuple(back.columns) == BENCH_COLUMNS
    for name in BENCH_COLUMNS:
        expected = "Int64" if name in INT_COLUMNS else "float64" if name in FLOAT_COLUMNS else "object"
        assert str(back[name].dtype) == expected, name
    assert back["error"].isna().all() and back["status"].tolist() == results["status"].tolist()


def test_old_import_path_gives_the_same_names() -> None:
    import mentormatch.bench
    import mentormatch.bench_plot

    for name in mentormatch.bench_plot.__all__:
        assert getattr(mentormatch.bench_plot, name) is getattr(mentormatch.bench, name), name


def test_read_results_names_lines_with_the_wrong_number_of_cells(tmp_path) -> None:
    path = tmp_path / "results.csv"
    path.write_text(
        "mentees,mentors,solver,status,seconds_total\n60,20,auto,optimal,1.5\n60,20,auto\n1,2,3,4,5,6\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ValueError, match=r"results.csv, line 3: 3 cells, expected 5; line 4: 6 cells, expected 5: .*repair those"
    ):
        read_results(path)


def test_read_results_drops_a_half_written_last_line(results: pd.DataFrame, tmp_path) -> None:
    path = tmp_path / "results.csv"
    results.to_csv(path, index=False)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("600x200x0-auto-0,600,2")
    assert len(read_results(path)) == len(results)


def test_read_results_names_missing_columns(tmp_path) -> None:
    path = tmp_path / "results.csv"
    path.write_text("mentees,solver,status\n60,auto,optimal\n", encoding="utf-8")
    with pytest.raises(ValueError, match="results.csv lacks the columns mentors, seconds_total"):
        read_results(path)


def test_read_results_of_an_empty_file(tmp_path) -> None:
    path = tmp_path / "results.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="results.csv is empty: expected a header row"):
        read_results(path)
    path.write_text(",".join(BENCH_COLUMNS) + "\n", encoding="utf-8")
    assert len(read_results(path)) == 0


def test_read_results_names_bad_numbers(tmp_path) -> None:
    path = tmp_path / "results.csv"
    path.write_text(
        "mentees,mentors,solver,status,seconds_total\n60,20,auto,optimal,1.5\n60.5,20,auto,optimal,fast\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ValueError,
        match=r"row 2, column mentees: '60.5' is not an integer; "
        r"row 2, column seconds_total: 'fast' is not a number",
    ):
        read_results(path)


# --------------------------------------------------------------------------------------------------------------
# plot_results
# --------------------------------------------------------------------------------------------------------------


def test_plot_writes_a_png(results: pd.DataFrame, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "bench.png"
    plot_results(results, path)
    assert path.read_bytes().startswith(PNG)
    assert [p.name for p in tmp_path.iterdir()] == ["bench.png"]  # no temporary file left behind


def test_plot_with_every_gap_missing_and_several_time_limits(results: pd.DataFrame, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    results = results.assign(gap=np.nan)
    results.loc[::2, "time_limit"] = 60.0
    path = tmp_path / "bench.png"
    plot_results(results, path)
    assert path.read_bytes().startswith(PNG)


def test_plot_of_no_rows_is_an_error(results: pd.DataFrame, tmp_path) -> None:
    with pytest.raises(ValueError, match="no rows"):
        plot_results(results.iloc[:0], tmp_path / "bench.png")


def test_plot_without_matplotlib(results: pd.DataFrame, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    path = tmp_path / "bench.png"
    path.write_bytes(b"old")
    with pytest.raises(ImportError, match=r"install mentormatch\[plot\] for charts"):
        plot_results(results, path)
    assert path.read_bytes() == b"old"


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "bench.png"
    path.write_bytes(b"old")

    def refuse(src, dst):
        raise OSError("disk full")

    import mentormatch.io.atomic as mio

    monkeypatch.setattr(mio.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        mio.write_bytes_atomic(path, PNG)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["bench.png"]
