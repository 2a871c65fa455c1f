"""Files as spreadsheets export them (PRODUCT.md section 2): separators, encodings, headers as people type them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentormatch.io import read_roster
from mentormatch.io.tables import delimiter_of, header_key, sniff_delimiter
from mentormatch.schema import RosterError

from .cli.runner import run

# A Danish Excel export: semicolons between cells, lists inside cells quoted, CRLF line ends, a decimal comma.
DK_MENTEES = (
    "ID;Age;Gender;Languages;Extremism Type;Risk-Level\r\n"
    'ME01;19;male;"da;ar";islamist;high\r\n'
    "ME02;23;female;da;far-right;low\r\n"
)
DK_MENTORS = 'Id;Age;Gender;Languages;Capacity;Experience Years\r\nMR1;45;male;"da;ar";2;4,5\r\n'


def write(folder: Path, **files: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / f"{name}.csv"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return folder


def test_semicolon_export_reads_with_quoted_lists_and_decimal_comma(tmp_path: Path) -> None:
    roster = read_roster(write(tmp_path, mentees=DK_MENTEES, mentors=DK_MENTORS))
    assert [p.languages for p in roster.mentees] == [("da", "ar"), ("da",)]
    assert roster.mentees[0].risk_level == "high"
    assert roster.mentors[0].experience_years == 4.5


def test_utf16_tab_separated_unicode_text(tmp_path: Path) -> None:
    mentees = DK_MENTEES.replace(";", "\t").replace('"da\tar"', "da;ar")
    mentors = DK_MENTORS.replace(";", "\t").replace('"da\tar"', "da;ar")
    roster = read_roster(write(tmp_path, mentees=mentees.encode("utf-16"), mentors=mentors.encode("utf-16")))
    assert roster.mentees[0].languages == ("da", "ar") and roster.mentors[0].experience_years == 4.5


def test_decimal_comma_is_refused_in_a_comma_separated_file(tmp_path: Path) -> None:
    mentors = 'id,age,gender,languages,experience_years\nMR1,45,male,da,"4,5"\n'
    with pytest.raises(RosterError, match=r"line 2, column 'experience_years', value '4,5'"):
        read_roster(write(tmp_path, mentees=DK_MENTEES, mentors=mentors))


def test_forced_delimiter_wins_over_the_header_line(tmp_path: Path) -> None:
    folder = write(tmp_path, mentees=DK_MENTEES, mentors=DK_MENTORS)
    with pytest.raises(RosterError, match="missing required column 'age'"):
        read_roster(folder, delimiter=",")
    with pytest.raises(ValueError, match="delimiter must be one of"):
        read_roster(folder, delimiter="|")


def test_other_encodings_say_how_to_resave(tmp_path: Path) -> None:
    folder = write(tmp_path, mentees=DK_MENTEES.replace("ME02", "MÉ02").encode("cp1252"), mentors=DK_MENTORS)
    with pytest.raises(RosterError, match="is not UTF-8 text .*re-save it from the spreadsheet as 'CSV UTF-8'"):
        read_roster(folder)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,age\n", ","),
        ("id;age;gender\n", ";"),
        ("id\tage\n", "\t"),
        ('\n\n"id;x",age\n', ","),  # blank lines skipped; a separator inside quotes does not count
        ("id;age,gender;x\n", ";"),
        ("id;age,gender\n", ","),  # a tie goes to the comma
        ("id\n", ","),
        ("", ","),
    ],
)
def test_sniff_delimiter_rule(text: str, expected: str) -> None:
    assert sniff_delimiter(text) == expected


@given(
    st.lists(st.text(st.characters(blacklist_characters=',;\t"\r\n', blacklist_categories=["Cs"]), min_size=1)),
    st.sampled_from([",", ";", "\t"]),
)
def test_sniff_delimiter_finds_the_separator_of_any_header_of_two_or_more_names(
    names: list[str], delimiter: str
) -> None:
    names = [n for n in names if n.strip()] + ["id", "age"]
    assert sniff_delimiter(delimiter.join(names) + "\r\nx" + ",;" * 5 + "\n") == delimiter


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Extremism Type", "extremism_type"),
        ("extremism-type", "extremism_type"),
        (" Coach ID ", "coach_id"),
        ("MAX  MENTEES", "max_mentees"),
        ("risk_-level", "risk_level"),
        ("\ufeffid", "id"),
    ],
)
def test_header_names_as_people_type_them(written: str, name: str) -> None:
    assert header_key(written) == name


def test_two_headers_meaning_one_column_are_a_duplicate(tmp_path: Path) -> None:
    mentees = "id,age,gender,languages,Extremism Type,extremism_type\nm1,30,male,en,islamist,islamist\n"
    with pytest.raises(RosterError, match="duplicate column: 'Extremism Type' and 'extremism_type'") as info:
        read_roster(write(tmp_path, mentees=mentees, mentors=DK_MENTORS))
    assert len(info.value.problems) == 1


def test_unknown_column_is_one_problem_and_the_known_columns_are_listed_once(tmp_path: Path) -> None:
    mentees = "id,age,gender,languages,Extremsim type,Active,Notes\nm1,30,male,en,islamist,yes,x\n"
    with pytest.raises(RosterError) as info:
        read_roster(write(tmp_path, mentees=mentees, mentors=DK_MENTORS))
    texts = [str(p) for p in info.value.problems]
    assert len(texts) == 3, texts  # three unknown columns, no separate "missing extremism_type"
    assert sum("the columns of a mentees file are id, age" in t for t in texts) == 1
    assert "the columns of a mentees file" in texts[0]  # on the problem listed first
    typo = next(t for t in texts if "'Extremsim type'" in t)
    assert "did you mean 'extremism_type'? that required column is missing" in typo


def test_ignored_typo_of_a_required_column_is_named_in_the_missing_problem(tmp_path: Path) -> None:
    mentees = "id,age,gender,languages,Extremsim type\nm1,30,male,en,islamist\n"
    with pytest.raises(RosterError, match="missing required column 'extremism_type' .column 'Extremsim type' was"):
        read_roster(write(tmp_path, mentees=mentees, mentors=DK_MENTORS), ignore_unknown_columns=True)


@pytest.mark.parametrize(("value", "char"), [(",", ","), ("semicolon", ";"), ("Tab", "\t"), ("\\t", "\t")])
def test_delimiter_names(value: str, char: str) -> None:
    assert delimiter_of(value) == char


def test_cli_reads_a_semicolon_export_and_refuses_an_unknown_delimiter(tmp_path: Path) -> None:
    folder = write(tmp_path / "r", mentees=DK_MENTEES, mentors=DK_MENTORS)
    proc = run("validate", folder)
    assert proc.returncode == 0 and "roster is valid: 2 mentees, 1 mentors" in proc.stdout
    forced = run("validate", folder, "--delimiter", "comma")
    assert forced.returncode == 2 and "missing required column 'age'" in forced.stderr
    bad = run("solve", folder, "--delimiter", "pipe", "-o", tmp_path / "m.csv")
    assert bad.returncode == 2 and "--delimiter: unknown delimiter 'pipe'" in bad.stderr
    assert not (tmp_path / "m.csv").exists()


# ---------------------------------------------------------------------------------------------------------------
# Silent mismatches become warnings (--strict: errors)
# ---------------------------------------------------------------------------------------------------------------

MM_MENTEES = (
    "id,age,gender,languages,extremism_type,region\n"
    "ME01,19,M,English,islamist,north\n"
    "ME02,22,F,english;arabic,far_right,north\n"
    "ME03,30,M,Eng,far_left,north\n"
    "ME04,30,male,tigrinya,far_left,north\n"
)
MM_MENTORS = (
    "id,age,gender,languages,expertise,Active\nMR1,45,male,english,islamist,yes\nMR2,50,female,arabic,far_right,no\n"
)


def test_spellings_that_never_match_are_warnings_likely_slips_first(tmp_path: Path) -> None:
    roster = read_roster(write(tmp_path, mentees=MM_MENTEES, mentors=MM_MENTORS), ignore_unknown_columns=True)
    texts = [str(w) for w in roster.warnings]
    slips = [str(w) for w in roster.warnings if w.likely_slip]
    assert texts[: len(slips)] == slips  # likely slips first
    gender_m = next(w for w in roster.warnings if w.problem.value == "m")
    assert (gender_m.problem.line, gender_m.problem.column) == (2, "gender")
    assert gender_m.problem.message == (
        "gender 'm' is used by 2 mentees and no mentor; mentors use 'female', 'male': a different spelling of 'male'?"
    )
    assert any("language 'eng' is used by 1 mentee" in t and "'english'?" in t for t in slips)
    assert any("column 'Active' not read (--ignore-unknown-columns)" in t for t in slips)
    # a value only one side uses, with no likely spelling: a warning, not a slip
    tigrinya = next(w for w in roster.warnings if w.problem.value == "tigrinya")
    assert not tigrinya.likely_slip and "used by 1 mentee and no mentor" in str(tigrinya)
    # the mentors' 'female' mirrors the mentees' 'f': said once, from the mentees' side
    assert not any(w.problem.value == "female" for w in roster.warnings)
    # region: the mentors have none, so nothing is compared
    assert not any("region" in t for t in texts)


def test_strict_makes_warnings_errors_and_a_clean_roster_has_none(tmp_path: Path) -> None:
    folder = write(tmp_path, mentees=MM_MENTEES, mentors=MM_MENTORS)
    with pytest.raises(RosterError, match=r"a different spelling of 'male'\? \(an error under --strict"):
        read_roster(folder, ignore_unknown_columns=True, strict=True)
    mentors = DK_MENTORS + "MR2;50;female;da;1;2\r\n"
    clean = read_roster(write(tmp_path / "clean", mentees=DK_MENTEES, mentors=mentors), strict=True)
    assert clean.warnings == ()


def test_cli_shows_slips_at_the_top_of_solve_and_strict_exits_2(tmp_path: Path) -> None:
    folder = write(tmp_path / "r", mentees=MM_MENTEES, mentors=MM_MENTORS)
    out = tmp_path / "m.csv"
    solved = run("solve", folder, "--ignore-unknown-columns", "-q", "-o", out)
    assert solved.returncode == 0, solved.stderr
    lines = solved.stdout.splitlines()
    assert lines[0] == "5 warnings (not errors; --strict makes them errors):"
    assert "a different spelling of 'male'?" in lines[1]
    assert lines[5] == "  … and 1 more: `mentormatch validate` lists them all"  # tigrinya, not a slip
    validated = run("validate", folder, "--ignore-unknown-columns")
    assert "tigrinya" in validated.stdout
    strict = run("solve", folder, "--ignore-unknown-columns", "--strict", "-o", tmp_path / "s.csv")
    assert strict.returncode == 2 and "(an error under --strict" in strict.stderr
    assert not (tmp_path / "s.csv").exists()


# ---------------------------------------------------------------------------------------------------------------
# Excel workbooks (the excel extra)
# ---------------------------------------------------------------------------------------------------------------


def workbook(path: Path, rows: list[list[object]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


XL_MENTEES = [
    ["ID", "Age", "Gender", "Languages", "Extremism Type", "Availability"],
    ["007", 24.0, "male", "da;ar", "islamist", "weekends"],
    [],
    ["ME02", 31, "female", "da", "far right", "mon evening"],
]
XL_MENTORS = [
    ["id", "age", "gender", "languages", "capacity", "experience_years"],
    ["MR1", 45, "male", "da;ar", 2, 2.5],
]


def test_workbooks_in_a_folder_read_as_the_text_excel_shows(tmp_path: Path) -> None:
    workbook(tmp_path / "mentees.xlsx", XL_MENTEES)
    workbook(tmp_path / "mentors.xlsx", XL_MENTORS)
    roster = read_roster(tmp_path)
    assert [p.id for p in roster.mentees] == ["007", "ME02"]  # text stays text
    assert roster.mentees[0].age == 24  # a whole number stored as 24.0
    assert roster.mentors[0].experience_years == 2.5
    assert roster.files["mentees"].endswith("mentees.xlsx")


def test_workbook_problems_name_the_excel_row_and_header(tmp_path: Path) -> None:
    rows = [*XL_MENTEES, ["ME03", "abc", "female", "da", "Islamsit", None]]
    mentees = workbook(tmp_path / "in.xlsx", rows)
    mentors = workbook(tmp_path / "mr.xlsx", XL_MENTORS)
    with pytest.raises(RosterError) as info:
        read_roster(mentees=mentees, mentors=mentors)
    found = {(p.line, p.column, p.value) for p in info.value.problems}
    assert found == {(5, "Age", "abc"), (5, "Extremism Type", "Islamsit")}  # row 3 is blank and still counts


def test_a_folder_with_both_csv_and_workbook_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, mentees=DK_MENTEES, mentors=DK_MENTORS)
    workbook(tmp_path / "mentees.xlsx", XL_MENTEES)
    with pytest.raises(RosterError, match="holds both mentees.csv and mentees.xlsx: keep one, or name it with"):
        read_roster(tmp_path)


def test_a_file_that_is_not_a_workbook_is_one_problem(tmp_path: Path) -> None:
    (tmp_path / "mentees.xlsx").write_text("id,age\n", encoding="utf-8")
    write(tmp_path, mentors=DK_MENTORS)
    with pytest.raises(RosterError, match=r"mentees.xlsx: cannot be read as an Excel workbook"):
        read_roster(tmp_path)


def test_cell_text_of_excel_values() -> None:
    import datetime

    from mentormatch.io.workbook import cell_text

    assert cell_text(datetime.datetime(2026, 3, 1, 12, 30)) == "2026-03-01 12:30:00"
    assert cell_text(False) == "false" and cell_text(-0.0) == "0" and cell_text(1e300) == "1e+300"


def test_solve_writes_a_workbook_whose_text_is_never_a_formula(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from mentormatch.io.workbook import workbook_bytes

    data = workbook_bytes(["a", "b"], [["=1+1", 2.5], [None, "x"]], sheet="s")
    (tmp_path / "t.xlsx").write_bytes(data)
    rows = list(openpyxl.load_workbook(tmp_path / "t.xlsx").active.iter_rows(values_only=True))
    assert rows == [("a", "b"), ("=1+1", 2.5), (None, "x")]
    cell = openpyxl.load_workbook(tmp_path / "t.xlsx").active["A2"]
    assert cell.data_type == "s"  # text, not a formula
    folder = write(tmp_path / "r", mentees=DK_MENTEES, mentors=DK_MENTORS)
    out = tmp_path / "matches.xlsx"
    proc = run("solve", folder, "-q", "-o", out)
    assert proc.returncode == 0, proc.stderr
    sheet = openpyxl.load_workbook(out).active
    header, *body = sheet.iter_rows(values_only=True)
    assert header[:4] == ("mentee_id", "mentor_id", "coach_id", "score") and len(body) == 2
    assert body[0][:2] == ("ME01", None) and body[0][13] == "no_allowed_mentor"  # unmatched: empty cells, a reason
    assert body[1][:2] == ("ME02", "MR1") and isinstance(body[1][3], (int, float))  # a score is a number


def test_workbooks_without_the_excel_extra_say_how_to_install_it(tmp_path: Path, monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_openpyxl(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("openpyxl"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    folder = write(tmp_path / "r", mentees=DK_MENTEES, mentors=DK_MENTORS)
    (tmp_path / "r" / "mentees.csv").unlink()
    (tmp_path / "r" / "mentees.xlsx").write_bytes(b"PK")
    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    with pytest.raises(RosterError, match=r"needs the excel extra: pip install 'mentormatch\[excel\]'"):
        read_roster(folder)
    csv_folder = write(tmp_path / "csv", mentees=DK_MENTEES, mentors=DK_MENTORS)
    proc = run("solve", csv_folder, "-q", "-o", tmp_path / "m.xlsx")
    assert proc.returncode == 2 and "writing an Excel workbook needs the excel extra" in proc.stderr
    assert not (tmp_path / "m.xlsx").exists()
