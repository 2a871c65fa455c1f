"""Reading and writing roster files (PRODUCT.md section 2): one small test per kind of input problem."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentormatch.availability import parse_availability
from mentormatch.io import read_roster, write_csv_atomic, write_roster, write_text_atomic
from mentormatch.schema import (
    EXTREMISM_TYPES,
    MAX_LISTED_PROBLEMS,
    Coach,
    Exclusion,
    InputProblem,
    Mentee,
    Mentor,
    Roster,
    RosterError,
)

MH = "id,age,gender,languages,extremism_type\n"
"""Header of a minimal mentees.csv."""
TH = "id,age,gender,languages\n"
"""Header of a minimal mentors.csv."""
MENTEE_ROW = "m1,30,male,en,islamist\n"
MENTOR_ROW = "t1,40,male,en\n"


def where(problem: InputProblem) -> tuple[str, int | None, str | None, str | None]:
    return problem.file, problem.line, problem.column, problem.value


def one_problem(folder: Path | None, match: str, **kwargs: object) -> InputProblem:
    """The single problem reading the roster raises; its text must match ``match``."""
    with pytest.raises(RosterError, match=match) as info:
        read_roster(folder, **kwargs)  # type: ignore[arg-type]
    problems = info.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def all_problems(folder: Path | None, **kwargs: object) -> list[InputProblem]:
    with pytest.raises(RosterError) as info:
        read_roster(folder, **kwargs)  # type: ignore[arg-type]
    return info.value.problems


# ---------------------------------------------------------------------------------------------------------------
# Reading valid rosters
# ---------------------------------------------------------------------------------------------------------------


def test_minimal_roster_takes_defaults(make_roster) -> None:
    roster = read_roster(make_roster())
    assert [m.id for m in roster.mentees] == ["m1", "m2"]
    m2 = roster.mentees[1]
    assert m2.languages == ("ar", "en")
    assert (m2.gender_preference, m2.risk_level, m2.workload, m2.region, m2.availability) == (
        "any",
        "medium",
        1,
        None,
        None,
    )
    assert m2.background == frozenset() and m2.needs == frozenset()
    t1 = roster.mentors[0]
    assert (t1.capacity, t1.experience_years, t1.expertise, t1.coach_id) == (1, 0.0, frozenset(), None)
    assert roster.coaches == () and roster.exclusions == ()
    assert set(roster.files) == {"mentees", "mentors"}


def test_every_column_normalised(make_roster) -> None:
    mentees = (
        "id,age,gender,gender_preference,languages,background,availability,extremism_type,risk_level,region,"
        "needs,workload\n"
        " 007 ,+19, Female ,SAME, AR ; en;ar;; , Lived-Experience;muslim;MUSLIM,Mon Eve; sat  9-12 ,Right Wing,"
        "HIGH, North ,Housing; ;family,002\n"
    )
    mentors = (
        "id,age,gender,languages,background,availability,expertise,capacity,experience_years,region,skills,"
        "coach_id\n"
        "NA,045,female,ar,,,jihadist;Far-Left;islamist,0,2.50,,anger,c1\n"
    )
    coaches = "id,max_mentors,max_mentees,specialisms,languages\nc1,2,5,ethno nationalist;other, AR;en \nc2,0,,,\n"
    exclusions = "mentee_id,mentor_id,reason\n007,NA,  Knew Each Other \n"
    roster = read_roster(make_roster(mentees=mentees, mentors=mentors, coaches=coaches, exclusions=exclusions))
    (m,) = roster.mentees
    assert m == Mentee(
        id="007",
        age=19,
        gender="female",
        gender_preference="same",
        languages=("ar", "en"),
        background=frozenset({"lived-experience", "muslim"}),
        availability=parse_availability("mon 18-21;sat 9-12"),
        extremism_type="far_right",
        risk_level="high",
        region="north",
        needs=frozenset({"housing", "family"}),
        workload=2,
    )
    (t,) = roster.mentors
    assert t == Mentor(
        id="NA",
        age=45,
        gender="female",
        languages=("ar",),
        expertise=frozenset({"islamist", "far_left"}),
        capacity=0,
        experience_years=2.5,
        skills=frozenset({"anger"}),
        coach_id="c1",
    )
    assert roster.coaches == (
        Coach(
            id="c1",
            max_mentors=2,
            max_mentees=5,
            specialisms=frozenset({"separatist", "other"}),
            languages=frozenset({"ar", "en"}),
        ),
        Coach(id="c2", max_mentors=0),
    )
    assert roster.exclusions == (Exclusion(mentee_id="007", mentor_id="NA", reason="Knew Each Other"),)


def test_cells_are_text_never_guessed(make_roster) -> None:
    mentees = MH + "007,30,NA,null,none\n".replace("none", "other") + "NULL,31,n/a,nan,other\n"
    roster = read_roster(make_roster(mentees=mentees))
    assert [(m.id, m.gender, m.languages) for m in roster.mentees] == [
        ("007", "na", ("null",)),
        ("NULL", "n/a", ("nan",)),
    ]


def test_space_only_cells_are_empty(make_roster) -> None:
    mentees = "id,age,gender,languages,extremism_type,region,risk_level,workload\nm1,30,male,en,other,   ,  , \n"
    (m,) = read_roster(make_roster(mentees=mentees)).mentees
    assert (m.region, m.risk_level, m.workload) == (None, "medium", 1)


def test_headers_ignore_case_and_surrounding_spaces_and_order(make_roster) -> None:
    mentees = " Extremism_Type ,LANGUAGES,  Gender,Age ,ID\nislamist,en,male,30,m1\n"
    (m,) = read_roster(make_roster(mentees=mentees)).mentees
    assert (m.id, m.age, m.extremism_type) == ("m1", 30, "islamist")


def test_bom_accepted(make_roster) -> None:
    roster = read_roster(make_roster(mentees=b"\xef\xbb\xbf" + (MH + MENTEE_ROW).encode()))
    assert roster.mentees[0].id == "m1"


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings(make_roster, newline: str) -> None:
    mentees = (MH + MENTEE_ROW + "\n" + "m2,bad,male,en,other\n").replace("\n", newline)
    folder = make_roster(mentees=mentees)
    problem = one_problem(folder, "age must be")
    assert where(problem) == (str(folder / "mentees.csv"), 4, "age", "bad")


def test_ids_keep_other_scripts_and_inner_characters(make_roster) -> None:
    mentees = MH + '"Ω-7, b",30,male,en,other\n\u0645\u0646\u062a\u0648\u0631,30,male,en,other\n'
    roster = read_roster(make_roster(mentees=mentees))
    assert [m.id for m in roster.mentees] == ["Ω-7, b", "\u0645\u0646\u062a\u0648\u0631"]


def test_explicit_path_wins_over_folder(make_roster, tmp_path: Path) -> None:
    folder = make_roster()
    other = tmp_path / "elsewhere.csv"
    other.write_text(MH + "x9,30,male,en,other\n", encoding="utf-8")
    roster = read_roster(folder, mentees=other)
    assert [m.id for m in roster.mentees] == ["x9"]
    assert roster.files == {"mentees": str(other), "mentors": str(folder / "mentors.csv")}


def test_explicit_paths_without_folder(make_roster) -> None:
    folder = make_roster(coaches="id,max_mentors\n", exclusions="mentee_id,mentor_id\n")
    roster = read_roster(
        mentees=str(folder / "mentees.csv"),
        mentors=folder / "mentors.csv",
        coaches=folder / "coaches.csv",
        exclusions=folder / "exclusions.csv",
    )
    assert len(roster.mentees) == 2 and roster.coaches == () and roster.exclusions == ()
    assert set(roster.files) == {"mentees", "mentors", "coaches", "exclusions"}


def test_header_only_coaches_and_exclusions_are_fine(make_roster) -> None:
    roster = read_roster(make_roster(coaches="id,max_mentors\n", exclusions="mentee_id,mentor_id,reason\n"))
    assert roster.coaches == () and roster.exclusions == ()


def test_coach_empty_lists_mean_any(make_roster) -> None:
    coaches = "id,max_mentors,specialisms,languages\nc1,1,,\nc2,1, ; ,;\n"
    roster = read_roster(make_roster(coaches=coaches))
    assert all(c.specialisms is None and c.languages is None and c.max_mentees is None for c in roster.coaches)


def test_ignore_unknown_columns(make_roster) -> None:
    mentees = "id,age,gender,languages,extremism_type,notes,Notes2\nm1,30,male,en,other,anything,x\n"
    roster = read_roster(make_roster(mentees=mentees), ignore_unknown_columns=True)
    assert roster.mentees[0].id == "m1"


def test_missing_optional_column_same_as_empty_and_short_rows(make_roster) -> None:
    mentees = "id,age,gender,languages,extremism_type,region,workload\nm1,30,male,en,other\nm2,30,male,en,other,,\n"
    a, b = read_roster(make_roster(mentees=mentees)).mentees
    assert (a.region, a.workload) == (b.region, b.workload) == (None, 1)


def test_blank_lines_and_empty_rows_skipped(make_roster) -> None:
    mentees = "\n" + MH + "\n,,,,\n" + MENTEE_ROW + "   \n"
    roster = read_roster(make_roster(mentees=mentees))
    assert [m.id for m in roster.mentees] == ["m1"]


def test_unnamed_empty_column_is_ignored(make_roster) -> None:
    mentees = "id,age,gender,languages,extremism_type,\nm1,30,male,en,other,\n"
    assert read_roster(make_roster(mentees=mentees)).mentees[0].id == "m1"


def test_coach_id_may_equal_another_coach_who_also_mentors(make_roster) -> None:
    mentors = "id,age,gender,languages,coach_id\nc1,40,male,en,c2\n"
    roster = read_roster(make_roster(mentors=mentors, coaches="id,max_mentors\nc1,1\nc2,1\n"))
    assert roster.mentors[0].coach_id == "c2"


def test_gender_preference_may_name_a_mentor_gender(make_roster) -> None:
    mentees = "id,age,gender,languages,extremism_type,gender_preference\nm1,30,male,en,other,Nonbinary\n"
    mentors = TH + "t1,40,nonbinary,en\n"
    roster = read_roster(make_roster(mentees=mentees, mentors=mentors))
    assert roster.mentees[0].gender_preference == "nonbinary"


def test_validated_profiles_pass_model_validation(make_roster) -> None:
    mentees = "id,age,gender,languages,extremism_type,availability,workload\nm1,14,x,en,other,daily 0-24,1\n"
    mentors = "id,age,gender,languages,experience_years,capacity\nt1,100,x,en,0.000,0\n"
    roster = read_roster(make_roster(mentees=mentees, mentors=mentors))
    for model in (*roster.mentees, *roster.mentors):
        assert type(model).model_validate(model.model_dump()) == model


# ---------------------------------------------------------------------------------------------------------------
# Line numbers
# ---------------------------------------------------------------------------------------------------------------


def test_multiline_quoted_cell_named_by_its_first_line(make_roster) -> None:
    mentees = (
        "id,age,gender,languages,extremism_type,region\n"  # line 1
        'm1,30,male,en,other,"north\nsouth\r\neast"\n'  # lines 2-4
        'm2,x,male,en,other,"a\nb"\n'  # lines 5-6: named line 5
        "m3,y,male,en,other,\n"  # line 7
    )
    folder = make_roster(mentees=mentees)
    problems = all_problems(folder)
    assert [(p.line, p.value) for p in problems] == [(5, "x"), (7, "y")]


def test_blank_lines_count(make_roster) -> None:
    folder = make_roster(mentees=MH + "\n\n" + "m1,abc,male,en,other\n")
    assert one_problem(folder, "age").line == 4


def test_header_after_blank_lines_keeps_physical_numbering(make_roster) -> None:
    folder = make_roster(mentees="\n" + MH + "m1,abc,male,en,other\n")
    assert one_problem(folder, "age").line == 3


# ---------------------------------------------------------------------------------------------------------------
# File-level problems
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mentees", "mentors"])
def test_missing_required_file(make_roster, name: str) -> None:
    folder = make_roster(**{name: None})
    problem = one_problem(folder, "file not found")
    assert where(problem) == (str(folder / f"{name}.csv"), None, None, None)


def test_missing_explicit_optional_file(make_roster, tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    problem = one_problem(make_roster(), "file not found", coaches=path)
    assert where(problem) == (str(path), None, None, None)


def test_no_folder_and_no_paths() -> None:
    problems = all_problems(None)
    assert [(p.file, p.message) for p in problems] == [
        ("mentees.csv", "no mentees file given: pass a roster folder or its path"),
        ("mentors.csv", "no mentors file given: pass a roster folder or its path"),
    ]


def test_roster_folder_missing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    problem = one_problem(missing, "roster folder not found")
    assert where(problem) == (str(missing), None, None, None)


def test_roster_folder_is_a_file(make_roster) -> None:
    path = make_roster() / "mentees.csv"
    problem = one_problem(path, "is not a folder")
    assert where(problem) == (str(path), None, None, None)


def test_path_is_a_folder(make_roster, tmp_path: Path) -> None:
    problem = one_problem(make_roster(), "is a folder, not a file", mentees=tmp_path)
    assert where(problem) == (str(tmp_path), None, None, None)


def test_not_utf8(make_roster) -> None:
    folder = make_roster(mentees=(MH + "m1,30,m\xe4le,en,other\n").encode("latin-1"))
    problem = one_problem(folder, r"is not UTF-8 text \(byte 0xE4 at byte offset 46, line 2\)")
    assert where(problem) == (str(folder / "mentees.csv"), None, None, None)


@pytest.mark.parametrize("content", ["", "\ufeff", "\n\n", " , \n"])
def test_empty_file(make_roster, content: str) -> None:
    folder = make_roster(mentors=content)
    problem = one_problem(folder, "is empty: expected a header row")
    assert where(problem) == (str(folder / "mentors.csv"), None, None, None)


@pytest.mark.parametrize("name", ["mentees", "mentors"])
def test_header_only_required_file(make_roster, name: str) -> None:
    folder = make_roster(**{name: {"mentees": MH, "mentors": TH}[name] + "\n"})
    problem = one_problem(folder, "has no data rows, only a header")
    assert where(problem) == (str(folder / f"{name}.csv"), None, None, None)


# ---------------------------------------------------------------------------------------------------------------
# Header problems
# ---------------------------------------------------------------------------------------------------------------


def test_duplicate_header(make_roster) -> None:
    folder = make_roster(mentees="id,age,gender,languages,extremism_type, AGE\n" + "m1,30,male,en,other,31\n")
    problem = one_problem(folder, r"duplicate column: 'age' and 'AGE' name the same column")
    assert where(problem) == (str(folder / "mentees.csv"), 1, "AGE", None)


def test_unknown_column(make_roster) -> None:
    folder = make_roster(mentors="id,age,gender,languages,Skils\nt1,40,male,en,anger\n")
    problem = one_problem(folder, r"unknown column \(did you mean 'skills'\?\).*--ignore-unknown-columns")
    assert where(problem) == (str(folder / "mentors.csv"), 1, "Skils", None)


def test_missing_required_column(make_roster) -> None:
    folder = make_roster(mentees="id,age,languages,extremism_type\nm1,30,en,other\n")
    problem = one_problem(folder, "missing required column 'gender'")
    assert where(problem) == (str(folder / "mentees.csv"), 1, "gender", None)


def test_unnamed_column_with_values(make_roster) -> None:
    folder = make_roster(mentees=MH.rstrip("\n") + ",\n" + "m1,30,male,en,other,\nm2,30,male,en,other,oops\n")
    problem = one_problem(folder, r"column 6 has no name in the header but holds values \(line 3\)")
    assert where(problem) == (str(folder / "mentees.csv"), 1, "", None)


# ---------------------------------------------------------------------------------------------------------------
# Row and cell problems
# ---------------------------------------------------------------------------------------------------------------


def test_row_with_more_cells_than_header(make_roster) -> None:
    folder = make_roster(mentees=MH + "m1,30,male,en,other,surplus\n")
    problem = one_problem(folder, "this row has 6 cells but the header has 5 columns")
    assert where(problem) == (str(folder / "mentees.csv"), 2, None, "surplus")


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("   ,30,male,en,other", "id", "   "),
        ("m1,,male,en,other", "age", ""),
        ("m1,30, ,en,other", "gender", " "),
        ("m1,30,male,,other", "languages", ""),
        ("m1,30,male,en", "extremism_type", ""),  # a short row: the missing cell is empty
    ],
)
def test_missing_required_value(make_roster, row: str, column: str, value: str) -> None:
    folder = make_roster(mentees=MH + row + "\n")
    problem = one_problem(folder, f"missing value: {column} is required")
    assert where(problem) == (str(folder / "mentees.csv"), 2, column, value)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'='"),
        ("+44", "'\\+'"),
        ("-x", "'-'"),
        ("@sum", "'@'"),
        ("\tm1", "a tab"),
        ("\rm1", "a carriage return"),
        ("  =x", "'='"),
    ],
)
def test_formula_like_id(make_roster, cell: str, shown: str) -> None:
    quoted = '"' + cell + '"'
    folder = make_roster(mentees=MH + quoted + ",30,male,en,other\n")
    problem = one_problem(folder, f"an id must not begin with {shown}: a spreadsheet would run it as a formula")
    assert where(problem) == (str(folder / "mentees.csv"), 2, "id", cell)


@pytest.mark.parametrize(
    ("kwargs", "file", "column"),
    [
        (
            {"mentors": "id,age,gender,languages,coach_id\nt1,40,male,en,=c1\n", "coaches": "id,max_mentors\nc1,1\n"},
            "mentors.csv",
            "coach_id",
        ),
        ({"coaches": "id,max_mentors\n@c1,1\n"}, "coaches.csv", "id"),
        ({"exclusions": "mentee_id,mentor_id\n-m1,t1\n"}, "exclusions.csv", "mentee_id"),
        ({"exclusions": "mentee_id,mentor_id\nm1,+t1\n"}, "exclusions.csv", "mentor_id"),
    ],
)
def test_formula_like_id_in_every_file(make_roster, kwargs: dict, file: str, column: str) -> None:
    folder = make_roster(**kwargs)
    problem = one_problem(folder, "an id must not begin with")
    assert (problem.file, problem.line, problem.column) == (str(folder / file), 2, column)


def test_duplicate_id(make_roster) -> None:
    folder = make_roster(mentors=TH + "t1,40,male,en\nt2,40,male,en\n t1 ,41,male,en\n")
    problem = one_problem(folder, "duplicate id: first on line 2")
    assert where(problem) == (str(folder / "mentors.csv"), 4, "id", " t1 ")


def test_ids_are_case_sensitive(make_roster) -> None:
    roster = read_roster(make_roster(mentors=TH + "t1,40,male,en\nT1,40,male,en\n"))
    assert [t.id for t in roster.mentors] == ["t1", "T1"]


@pytest.mark.parametrize("cell", ["1.0", "1e3", "1_000", "\u0663\u0660", "thirty", "3 0", "0x1f", "30.", "", "+-3"])
def test_integer_must_be_plain_digits(make_roster, cell: str) -> None:
    folder = make_roster(mentees="id,age,gender,languages,extremism_type,workload\n" + f"m1,30,male,en,other,{cell}x\n")
    problem = one_problem(folder, "workload must be a whole number of at least 1, written in plain digits")
    assert where(problem) == (str(folder / "mentees.csv"), 2, "workload", f"{cell}x")


@pytest.mark.parametrize(
    ("file", "header", "row", "column", "value", "match"),
    [
        ("mentees", MH, "m1,{v},male,en,other", "age", "13", "age is out of range: expected a whole number from 14 to"),
        ("mentees", MH, "m1,{v},male,en,other", "age", "101", "from 14 to 100"),
        ("mentors", TH, "t1,{v},male,en", "age", "17", "age is out of range: expected a whole number from 18 to 100"),
        (
            "mentees",
            "id,age,gender,languages,extremism_type,workload\n",
            "m1,30,male,en,other,{v}",
            "workload",
            "0",
            "workload is out of range: expected a whole number of at least 1",
        ),
        (
            "mentors",
            "id,age,gender,languages,capacity\n",
            "t1,40,male,en,{v}",
            "capacity",
            "-1",
            "capacity is out of range: expected a whole number of at least 0",
        ),
        (
            "mentors",
            "id,age,gender,languages,capacity\n",
            "t1,40,male,en,{v}",
            "capacity",
            "9" * 5000,
            "capacity is too large: expected at most 1000000000",
        ),
        ("mentees", MH, "m1,{v},male,en,other", "age", "-" + "9" * 30, "age is out of range"),
        ("coaches", "id,max_mentors\n", "c1,{v}", "max_mentors", "-2", "max_mentors is out of range"),
        ("coaches", "id,max_mentors,max_mentees\n", "c1,1,{v}", "max_mentees", "-1", "max_mentees is out of range"),
    ],
)
def test_integer_out_of_range(make_roster, file, header, row, column, value, match) -> None:
    folder = make_roster(**{file: header + row.format(v=value) + "\n"})
    problem = one_problem(folder, match)
    assert where(problem) == (str(folder / f"{file}.csv"), 2, column, value)


@pytest.mark.parametrize(
    ("cell", "match"),
    [
        ("nan", "must be a plain decimal number"),
        ("inf", "must be a plain decimal number"),
        ("1e3", "must be a plain decimal number"),
        ("2,5", "must be a plain decimal number"),
        ("0x10", "must be a plain decimal number"),
        ("\u0662.5", "must be a plain decimal number"),
        ("-1", "experience_years must be at least 0"),
        ("9" * 400, "experience_years is too large"),
    ],
)
def test_experience_years(make_roster, cell: str, match: str) -> None:
    folder = make_roster(mentors="id,age,gender,languages,experience_years\n" + f't1,40,male,en,"{cell}"\n')
    problem = one_problem(folder, match)
    assert where(problem) == (str(folder / "mentors.csv"), 2, "experience_years", cell)


@pytest.mark.parametrize("cell", ["3", "+2.5", "0.5", ".5", "4.", "-0", " 1.25 "])
def test_experience_years_accepted(make_roster, cell: str) -> None:
    folder = make_roster(mentors="id,age,gender,languages,experience_years\n" + f"t1,40,male,en,{cell}\n")
    assert read_roster(folder).mentors[0].experience_years == float(cell)


def test_unknown_extremism_type(make_roster) -> None:
    folder = make_roster(mentees=MH + "m1,30,male,en,far-rigth\n")
    problem = one_problem(
        folder,
        r"unknown extremism type 'far-rigth' \(did you mean 'far_right'\?\); expected one of islamist, far_right, .*",
    )
    assert where(problem) == (str(folder / "mentees.csv"), 2, "extremism_type", "far-rigth")


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("Right-Wing", "far_right"),
        ("left wing", "far_left"),
        ("JIHADIST", "islamist"),
        ("ethno-nationalist", "separatist"),
        ("Hate Crime", "hate_crime"),
        ("single-issue", "single_issue"),
    ],
)
def test_extremism_aliases(make_roster, alias: str, canonical: str) -> None:
    folder = make_roster(mentees=MH + f"m1,30,male,en,{alias}\n")
    assert read_roster(folder).mentees[0].extremism_type == canonical


def test_unknown_expertise_items_named_together(make_roster) -> None:
    folder = make_roster(mentors="id,age,gender,languages,expertise\n" + "t1,40,male,en,islamist;nazi;;eco\n")
    problem = one_problem(folder, r"unknown extremism types 'nazi', 'eco'; expected one of")
    assert where(problem) == (str(folder / "mentors.csv"), 2, "expertise", "islamist;nazi;;eco")


def test_unknown_specialism(make_roster) -> None:
    folder = make_roster(coaches="id,max_mentors,specialisms\nc1,1,farright\n")
    problem = one_problem(folder, "unknown extremism type 'farright'")
    assert where(problem) == (str(folder / "coaches.csv"), 2, "specialisms", "farright")


def test_unknown_risk_level(make_roster) -> None:
    folder = make_roster(mentees="id,age,gender,languages,extremism_type,risk_level\nm1,30,male,en,other,severe\n")
    problem = one_problem(folder, "unknown risk level; expected low, medium or high")
    assert where(problem) == (str(folder / "mentees.csv"), 2, "risk_level", "severe")


@pytest.mark.parametrize(
    ("column", "value", "meant"),
    [("risk_level", "Med", "medium"), ("risk_level", "hgih", "high"), ("extremism_type", "Islamsit", "islamist")],
)
def test_closed_vocabulary_says_did_you_mean(make_roster, column: str, value: str, meant: str) -> None:
    header = "id,age,gender,languages,extremism_type,risk_level\n"
    row = {"risk_level": f"m1,30,male,en,other,{value}\n", "extremism_type": f"m1,30,male,en,{value},low\n"}[column]
    problem = one_problem(make_roster(mentees=header + row), f"\\(did you mean {meant!r}\\?\\)")
    assert problem.column == column and problem.value == value


def test_languages_need_an_item(make_roster) -> None:
    folder = make_roster(mentors=TH + "t1,40,male, ; ;\n")
    problem = one_problem(folder, "needs at least one language")
    assert where(problem) == (str(folder / "mentors.csv"), 2, "languages", " ; ;")


def test_bad_availability_names_the_slot(make_roster) -> None:
    folder = make_roster(mentors="id,age,gender,languages,availability\n" + "t1,40,male,en,mon eve;tue 20-25\n")
    problem = one_problem(folder, r"bad availability: slot 'tue 20-25': hours must satisfy 0 <= start < end <= 24")
    assert where(problem) == (str(folder / "mentors.csv"), 2, "availability", "mon eve;tue 20-25")


def test_gender_preference_typo(make_roster) -> None:
    mentees = "id,age,gender,languages,extremism_type,gender_preference\n" + "m1,30,female,en,other,femal\n"
    folder = make_roster(mentees=mentees)
    problem = one_problem(
        folder, r"not the gender of any mentee or mentor \(a typo\?\); expected any, same or one of: female, male"
    )
    assert where(problem) == (str(folder / "mentees.csv"), 2, "gender_preference", "femal")


def test_coach_id_unknown(make_roster) -> None:
    folder = make_roster(mentors="id,age,gender,languages,coach_id\nt1,40,male,en,c9\n", coaches=COACHES)
    problem = one_problem(folder, r"no coach with this id in .*coaches.csv")
    assert where(problem) == (str(folder / "mentors.csv"), 2, "coach_id", "c9")


def test_coach_id_without_coaches_file(make_roster) -> None:
    folder = make_roster(mentors="id,age,gender,languages,coach_id\nt1,40,male,en,c1\n")
    problem = one_problem(folder, "names a coach, but no coaches file was given")
    assert where(problem) == (str(folder / "mentors.csv"), 2, "coach_id", "c1")


def test_mentor_cannot_coach_themselves(make_roster) -> None:
    folder = make_roster(mentors="id,age,gender,languages,coach_id\nc1,40,male,en,c1 \n", coaches=COACHES)
    problem = one_problem(folder, "a mentor cannot be their own coach")
    assert where(problem) == (str(folder / "mentors.csv"), 2, "coach_id", "c1 ")


@pytest.mark.parametrize(("row", "column", "value"), [("mx,t1", "mentee_id", "mx"), ("m1,T1", "mentor_id", "T1")])
def test_exclusion_ids_must_exist(make_roster, row: str, column: str, value: str) -> None:
    folder = make_roster(exclusions=f"mentee_id,mentor_id,reason\n{row},conflict\n")
    who = column.split("_")[0]
    problem = one_problem(folder, f"no {who} with this id in .*{who}s.csv")
    assert where(problem) == (str(folder / "exclusions.csv"), 2, column, value)


def test_text_after_closing_quote(make_roster) -> None:
    folder = make_roster(mentees=MH + '"m1"x,30,male,en,other\nm2,30,male,en,other\n')
    problem = one_problem(folder, "malformed CSV: text follows a closing quote")
    assert where(problem) == (str(folder / "mentees.csv"), 2, None, None)


def test_unclosed_quote(make_roster) -> None:
    folder = make_roster(mentees=MH + 'm1,30,male,en,other\nm2,30,"male,en,other\nm3,30,male,en,other\n')
    problem = one_problem(folder, "malformed CSV: a quoted cell that starts here is never closed")
    assert where(problem) == (str(folder / "mentees.csv"), 3, None, None)


def test_huge_cell_and_nul(make_roster) -> None:
    big = "x" * 1_000_000
    folder = make_roster(mentees=MH + f'm1,30,male,en,"{big}"\n' + "m\x00,30,male,en\x00,other\n")
    problem = one_problem(folder, "unknown extremism type")
    assert (problem.line, problem.value) == (2, big)


# ---------------------------------------------------------------------------------------------------------------
# Collecting and reporting
# ---------------------------------------------------------------------------------------------------------------

COACHES = "id,max_mentors\nc1,3\n"


def test_all_problems_across_files_sorted(make_roster) -> None:
    folder = make_roster(
        mentees=MH + "m1,x,male,en,other\nm1,30,male,en,nope\n",
        mentors="id,age,gender,languages,coach_id,oops\nt1,10,male,en,c9,\n",
        coaches="id,max_mentors\nc1,-1\n",
        exclusions="mentee_id,mentor_id\nm9,t1\n",
    )
    problems = all_problems(folder)
    found = [(Path(p.file).name, p.line, p.column) for p in problems]
    assert found == [
        ("coaches.csv", 2, "max_mentors"),
        ("exclusions.csv", 2, "mentee_id"),
        ("mentees.csv", 2, "age"),
        ("mentees.csv", 3, "extremism_type"),
        ("mentees.csv", 3, "id"),
        ("mentors.csv", 1, "oops"),
        ("mentors.csv", 2, "age"),
        ("mentors.csv", 2, "coach_id"),
    ]


def test_more_than_fifty_problems_are_counted(make_roster) -> None:
    rows = "".join(f"m{i},{i % 10},male,en,other\n" for i in range(60))
    folder = make_roster(mentees=MH + rows)
    with pytest.raises(RosterError, match=r"\.\.\. and 10 more problems not listed$") as info:
        read_roster(folder)
    assert len(info.value.problems) == 60
    assert len(str(info.value).splitlines()) == MAX_LISTED_PROBLEMS + 1
    assert [p.line for p in info.value.problems] == list(range(2, 62))


def test_problem_text_names_everything(make_roster) -> None:
    folder = make_roster(mentees=MH + "m1,abc,male,en,other\n")
    message = str(all_problems(folder)[0])
    assert message == (
        f"{folder / 'mentees.csv'}, line 2, column 'age', value 'abc': "
        "age must be a whole number from 14 to 100, written in plain digits"
    )


# ---------------------------------------------------------------------------------------------------------------
# Fuzzing: any input gives a Roster or a RosterError, never anything else
# ---------------------------------------------------------------------------------------------------------------

TRICKY = st.sampled_from(list('abm1,;"\r\n \t\x00=-+@é\ufeff\u2028') + ["islamist", "30", "en", "mon 9-12", "\xe9"])


def _read_fuzzed(mentees: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "mentees.csv").write_bytes(mentees)
        (folder / "mentors.csv").write_bytes((TH + MENTOR_ROW).encode())
        try:
            roster = read_roster(folder)
        except RosterError as err:
            assert err.problems and str(err)
            for p in err.problems:
                assert isinstance(p.file, str) and p.message
                assert p.line is None or p.line >= 1
        else:
            assert isinstance(roster, Roster)


@settings(max_examples=150)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(data: bytes) -> None:
    _read_fuzzed(data)


@settings(max_examples=150)
@given(st.lists(TRICKY, max_size=60).map("".join), st.sampled_from(["utf-8", "utf-8-sig"]))
def test_fuzz_csv_like_text(body: str, encoding: str) -> None:
    header = "id,age,gender,languages,extremism_type,availability,workload,region\n"
    _read_fuzzed((header + body).encode(encoding, errors="surrogatepass"))


# ---------------------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------------------


def test_write_csv_atomic_format(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_csv_atomic(target, ["id", "note", "n"], [["m1", 'say "hi", ok', 1.5], ["m2", None, 0], ["é", "a\nb", ""]])
    assert target.read_bytes() == 'id,note,n\nm1,"say ""hi"", ok",1.5\nm2,,0\né,"a\nb",\n'.encode()


class Explodes:
    def __str__(self) -> str:
        raise RuntimeError("cannot format")


def test_atomic_write_keeps_existing_file_when_a_row_fails(tmp_path: Path) -> None:
    target = tmp_path / "matches.csv"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="cannot format"):
        write_csv_atomic(target, ["a"], [["fine"], [Explodes()]])
    assert target.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["matches.csv"]


def test_atomic_write_onto_a_folder_fails_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(OSError):
        write_text_atomic(target, "x")
    assert os.listdir(tmp_path) == ["out"] and target.is_dir()


def test_atomic_write_into_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_text_atomic(tmp_path / "no" / "out.txt", "x")
    assert os.listdir(tmp_path) == []


def test_atomic_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_text_atomic(target, "new\r\nline")
    assert target.read_bytes() == b"new\r\nline"
    assert target.stat().st_mode & 0o777 == 0o640


def test_write_roster_refuses_what_would_not_read_back(tmp_path: Path) -> None:
    roster = Roster(
        mentees=(Mentee(id="m1", age=30, gender="f", languages=("en;fr",), extremism_type="other"),),
        mentors=(Mentor(id="t1", age=40, gender="f", languages=("en",)),),
    )
    with pytest.raises(ValueError, match=r"mentee 'm1', languages: list items must be"):
        write_roster(roster, tmp_path)
    assert os.listdir(tmp_path) == []


def test_write_matches_format(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    from types import SimpleNamespace

    from mentormatch.io import write_matches
    from mentormatch.result import OUTPUT_COLUMNS

    table = pd.DataFrame({name: [None, None] for name in OUTPUT_COLUMNS})
    table["mentee_id"] = ["m1", "m,2"]
    table["mentor_id"] = ["t1", None]
    for name in OUTPUT_COLUMNS[3:-2]:
        table[name] = [66.66, float("nan")]
    table["reason"] = [None, "capacity"]
    table["reason_detail"] = [None, "words, with a comma"]
    target = tmp_path / "matches.csv"
    write_matches(SimpleNamespace(table=table), target)
    lines = target.read_bytes().decode("utf-8").split("\n")
    assert lines[0] == ",".join(OUTPUT_COLUMNS)
    assert lines[1] == "m1,t1,," + ",".join(["66.7"] * 10) + ",,"
    assert lines[2] == '"m,2",,' + "," * 10 + ',capacity,"words, with a comma"'
    assert lines[3:] == [""]


# A strategy for rosters that read_roster could have produced.


def _trimmed_folded(s: str) -> bool:
    return s == s.strip() and s == s.casefold() and ";" not in s and s != ""


texts = st.text(max_size=6).filter(_trimmed_folded)
ids = st.text(min_size=1, max_size=6).filter(
    lambda s: s == s.strip(" ") and s.strip(" ") != "" and not s.startswith(("=", "+", "-", "@", "\t", "\r"))
)
types = st.sampled_from(EXTREMISM_TYPES)
availabilities = st.one_of(st.none(), st.integers(1, (1 << 168) - 1))


@st.composite
def rosters(draw: st.DrawFn) -> Roster:
    genders = draw(st.lists(texts, min_size=1, max_size=3, unique=True))
    mentee_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    mentor_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    coach_ids = draw(st.lists(ids, max_size=3, unique=True))
    languages = st.lists(texts, min_size=1, max_size=3, unique=True).map(tuple)
    tags = st.frozensets(texts, max_size=3)
    mentee_genders = [draw(st.sampled_from(genders)) for _ in mentee_ids]
    mentor_genders = [draw(st.sampled_from(genders)) for _ in mentor_ids]
    used_genders = sorted(set(mentee_genders + mentor_genders))
    mentees = tuple(
        Mentee(
            id=i,
            age=draw(st.integers(14, 100)),
            gender=gender,
            gender_preference=draw(st.sampled_from(["any", "same", *used_genders])),
            languages=draw(languages),
            background=draw(tags),
            availability=draw(availabilities),
            extremism_type=draw(types),
            risk_level=draw(st.sampled_from(["low", "medium", "high"])),
            region=draw(st.one_of(st.none(), texts)),
            needs=draw(tags),
            workload=draw(st.integers(1, 10)),
        )
        for i, gender in zip(mentee_ids, mentee_genders, strict=True)
    )
    mentors = tuple(
        Mentor(
            id=i,
            age=draw(st.integers(18, 100)),
            gender=gender,
            languages=draw(languages),
            background=draw(tags),
            availability=draw(availabilities),
            expertise=draw(st.frozensets(types)),
            capacity=draw(st.integers(0, 10**9)),
            experience_years=draw(st.floats(0, 1e300)),
            region=draw(st.one_of(st.none(), texts)),
            skills=draw(tags),
            coach_id=draw(st.one_of(st.none(), st.sampled_from([c for c in coach_ids if c != i] or [None]))),
        )
        for i, gender in zip(mentor_ids, mentor_genders, strict=True)
    )
    coaches = tuple(
        Coach(
            id=i,
            max_mentors=draw(st.integers(0, 5)),
            max_mentees=draw(st.one_of(st.none(), st.integers(0, 5))),
            specialisms=draw(st.one_of(st.none(), st.frozensets(types, min_size=1))),
            languages=draw(st.one_of(st.none(), st.frozensets(texts, min_size=1, max_size=2))),
        )
        for i in coach_ids
    )
    exclusions = tuple(
        Exclusion(
            mentee_id=draw(st.sampled_from(mentee_ids)),
            mentor_id=draw(st.sampled_from(mentor_ids)),
            reason=draw(st.text(max_size=8).filter(lambda s: s == s.strip())),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    return Roster(mentees=mentees, mentors=mentors, coaches=coaches, exclusions=exclusions)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(rosters())
def test_write_then_read_gives_the_same_roster(roster: Roster) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_roster(roster, tmp)
        back = read_roster(tmp)
        assert back.mentees == roster.mentees
        assert back.mentors == roster.mentors
        assert back.coaches == roster.coaches
        assert back.exclusions == roster.exclusions
        write_roster(back, tmp)
        again = {name: (Path(tmp) / name).read_bytes() for name in os.listdir(tmp)}
        write_roster(roster, tmp)
        assert again == {name: (Path(tmp) / name).read_bytes() for name in os.listdir(tmp)}


@pytest.mark.parametrize("name", ["small", "medium", "coaches"])
def test_read_profiles_equal_fully_validated_ones(name) -> None:
    # read_roster builds profiles without pydantic's second validation; each must be exactly what validation
    # gives for its own fields (same values and the same types: tuples, frozensets, ints, floats).
    roster = read_roster(Path(__file__).parents[1] / "data" / "synthetic" / name)
    for profile in (*roster.mentees, *roster.mentors, *roster.coaches, *roster.exclusions):
        validated = type(profile).model_validate(dict(profile))
        assert validated == profile
        assert {k: type(v) for k, v in dict(validated).items()} == {k: type(v) for k, v in dict(profile).items()}
