"""A scheme over time (PRODUCT.md section 7): current pairs in, modes, locks, status, and what changed.

Brute force on tiny rosters enumerates every matching that the verifier accepts (it re-reads validity, status and
locks from the profiles and the current pairs) and applies section 7's lexicographic objective tier by tier.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mentormatch import build_problem, read_roster, solve
from mentormatch.config import MatchConfig
from mentormatch.io import write_matches, write_roster
from mentormatch.schema import CurrentPair, Roster, RosterError
from mentormatch.verify import MatchingBug, broken_rules, pair_criteria, pair_score, verify_matching

from .oracles import profile_answers
from .strategies import rosters, rosters_with_coaches

MODES = ("keep", "prefer", "none")
TIERS = {"keep": ("K", "P", "S"), "prefer": ("P", "K", "S"), "none": ("P", "S", "K")}


def config(mode: str = "keep", exempt: tuple[str, ...] = ()) -> MatchConfig:
    return MatchConfig.model_validate({"continuity": {"mode": mode, "exempt_rules": list(exempt)}})


@st.composite
def rosters_with_current(
    draw, max_mentees: int = 5, max_mentors: int = 3, locks: bool = True, unit: bool = False
) -> Roster:
    """Tiny rosters with a status per mentor and a current pair for some mentees (some locked)."""
    roster = draw(rosters(max_mentees=max_mentees, max_mentors=max_mentors))
    statuses = draw(
        st.lists(
            st.sampled_from(("active", "active", "active", "paused", "leaving")),
            min_size=len(roster.mentors),
            max_size=len(roster.mentors),
        )
    )
    mentors = tuple(p.model_copy(update={"status": s}) for p, s in zip(roster.mentors, statuses, strict=True))
    mentees = roster.mentees
    if unit:
        mentees = tuple(p.model_copy(update={"workload": 1}) for p in mentees)
    pairs = []
    for i, mentee in enumerate(mentees):
        j = draw(st.one_of(st.none(), st.integers(0, len(mentors) - 1)))
        if j is not None:
            locked = locks and draw(st.booleans()) and draw(st.booleans())
            pairs.append(CurrentPair(mentee_id=mentee.id, mentor_id=mentors[j].id, locked=locked, line=i + 2))
    return replace(roster, mentees=mentees, mentors=mentors, current=tuple(pairs))


def _valid(roster: Roster, cfg: MatchConfig) -> dict[str, str]:
    """Mentee id → mentor id of each valid current pair, read from the profiles."""
    excluded = {(e.mentee_id, e.mentor_id) for e in roster.exclusions}
    mentors = {p.id: p for p in roster.mentors}
    mentees = {p.id: p for p in roster.mentees}
    exempt = set(cfg.continuity.exempt_rules)
    out = {}
    for pair in roster.current or ():
        mentor = mentors[pair.mentor_id]
        broken = broken_rules(mentees[pair.mentee_id], mentor, cfg, (pair.mentee_id, pair.mentor_id) in excluded)
        if mentor.status != "leaving" and set(broken) <= exempt:
            out[pair.mentee_id] = pair.mentor_id
    return out


def _tiers(roster: Roster, cfg: MatchConfig, mentor_of) -> dict[str, float]:
    valid = _valid(roster, cfg)
    priority = cfg.priority.model_dump()
    values = {"K": 0, "P": 0, "S": 0.0}
    for i, j in enumerate(mentor_of):
        if j < 0:
            continue
        mentee, mentor = roster.mentees[i], roster.mentors[j]
        values["P"] += priority[mentee.risk_level]
        values["S"] += pair_score(pair_criteria(mentee, mentor), cfg)
        values["K"] += valid.get(mentee.id) == mentor.id
    return values


def _coaches_kept(roster: Roster, coach_of) -> int:
    index = {c.id: k for k, c in enumerate(roster.coaches)}
    before = {p.mentor_id: index[p.coach_id] for p in roster.current or () if p.coach_id is not None}
    return sum(before.get(mentor.id) == coach_of[j] for j, mentor in enumerate(roster.mentors) if coach_of[j] >= 0)


def assert_lexicographic_optimum(roster: Roster, cfg: MatchConfig, mentor_of, tol: float = 1e-5, coach_of=None) -> None:
    """``mentor_of`` is feasible and, tier by tier, as good as every feasible matching equal on the tiers above
    (with coaches: then the most mentors keeping their current coach)."""
    verify_matching(roster, cfg, mentor_of, coach_of=coach_of)
    mine = _tiers(roster, cfg, mentor_of)
    if coach_of is None:
        candidates = [(m, _tiers(roster, cfg, m)) for m, _ in profile_answers(roster, cfg)]
        tiers = TIERS[cfg.continuity.mode]
    else:
        mine["C"] = _coaches_kept(roster, coach_of)
        candidates = [
            (m, {**_tiers(roster, cfg, m), "C": _coaches_kept(roster, c)})
            for m, c in profile_answers(roster, cfg, coaches=True)
        ]
        tiers = (*TIERS[cfg.continuity.mode], "C")
    for tier in tiers:
        best = max(values[tier] for _, values in candidates)
        assert mine[tier] >= best - tol, (tier, mine, best)
        candidates = [(m, v) for m, v in candidates if abs(v[tier] - mine[tier]) <= tol]


def _answer(result, roster: Roster) -> list[int]:
    index = {p.id: j for j, p in enumerate(roster.mentors)}
    return [index[mentor] if isinstance(mentor, str) else -1 for mentor in result.table["mentor_id"]]


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=40)
@given(data=st.data())
def test_every_mode_is_the_lexicographic_optimum_by_brute_force(mode: str, data) -> None:
    roster = data.draw(rosters_with_current(max_mentees=4, max_mentors=3))
    exempt = data.draw(st.sampled_from(((), ("availability",), ("availability", "region", "age_gap", "min_score"))))
    cfg = config(mode, exempt)
    try:
        problem = build_problem(roster, cfg)
    except RosterError as err:  # only an invalid or over-capacity lock may be refused
        valid = _valid(roster, cfg)
        locked = [p for p in roster.current if p.locked]
        bad = [p for p in locked if valid.get(p.mentee_id) != p.mentor_id]
        loads: dict[str, int] = {}
        workload = {p.id: p.workload for p in roster.mentees}
        for p in locked:
            loads[p.mentor_id] = loads.get(p.mentor_id, 0) + workload[p.mentee_id]
        capacity = {p.id: p.capacity for p in roster.mentors}
        over = [k for k, v in loads.items() if v > capacity[k]]
        assert bad or over, str(err)
        return
    result = solve(problem, price=False)
    assert_lexicographic_optimum(roster, cfg, _answer(result, roster))
    changes = result.table["change"]
    moved_or_ended = changes.isin(["moved", "ended"])
    assert result.table.loc[moved_or_ended, "change_reason"].notna().all()
    assert result.table.loc[~moved_or_ended, "change_reason"].isna().all()


@st.composite
def rosters_with_coaches_and_current(draw) -> Roster:
    """Tiny rosters with coaches, mentor statuses, and current pairs naming a current coach per mentor."""
    roster = draw(rosters_with_coaches(max_mentees=4, max_mentors=3, max_coaches=2))
    statuses = draw(
        st.lists(
            st.sampled_from(("active", "active", "paused", "leaving")),
            min_size=len(roster.mentors),
            max_size=len(roster.mentors),
        )
    )
    mentors = tuple(p.model_copy(update={"status": s}) for p, s in zip(roster.mentors, statuses, strict=True))
    coach_of = [draw(st.one_of(st.none(), st.sampled_from([c.id for c in roster.coaches]))) for _ in mentors]
    pairs = []
    for i, mentee in enumerate(roster.mentees):
        j = draw(st.one_of(st.none(), st.integers(0, len(mentors) - 1)))
        if j is not None:
            locked = draw(st.booleans()) and draw(st.booleans())
            pairs.append(
                CurrentPair(
                    mentee_id=mentee.id, mentor_id=mentors[j].id, coach_id=coach_of[j], locked=locked, line=i + 2
                )
            )
    return replace(roster, mentors=mentors, current=tuple(pairs))


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=20)
@given(roster=rosters_with_coaches_and_current())
def test_with_coaches_every_mode_is_the_lexicographic_optimum_then_keeps_coaches(mode: str, roster: Roster) -> None:
    cfg = config(mode)
    try:
        problem = build_problem(roster, cfg)
    except RosterError:
        assume(False)
    try:
        result = solve(problem, price=False, time_limit=20)
    except RosterError as err:  # locks the coach rules cannot keep: proven by brute force
        assert "cannot be kept: no matching keeps them all" in str(err)
        locked = {(p.mentee_id, p.mentor_id) for p in roster.current if p.locked}
        index = {p.id: i for i, p in enumerate(roster.mentees)}
        for mentor_of, _ in profile_answers(
            replace(roster, current=tuple(p.model_copy(update={"locked": False}) for p in roster.current)),
            cfg,
            coaches=True,
        ):
            assert not all(mentor_of[index[a]] >= 0 and roster.mentors[mentor_of[index[a]]].id == b for a, b in locked)
        return
    assume(result.status.value == "optimal")
    index = {c.id: k for k, c in enumerate(roster.coaches)}
    mentor_index = {p.id: j for j, p in enumerate(roster.mentors)}
    coach_of = [-1] * len(roster.mentors)
    for mentor, coach in zip(result.table["mentor_id"], result.table["coach_id"], strict=True):
        if isinstance(mentor, str):
            coach_of[mentor_index[mentor]] = index[coach]
    assert_lexicographic_optimum(roster, cfg, _answer(result, roster), coach_of=coach_of)


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=25)
@given(roster=rosters_with_current(max_mentees=6, max_mentors=3))
def test_rerun_with_the_output_as_current_gives_the_same_pairs(mode: str, roster: Roster) -> None:
    """The matches file fed back as it is (its locks kept) with nothing else changed gives the same pairs."""
    import tempfile

    cfg = config(mode)
    try:
        first = solve(build_problem(roster, cfg), price=False)
    except RosterError:
        assume(False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "roster"
        write_roster(replace(roster, current=None), folder)
        write_matches(first, folder / "current.csv")
        try:
            again = read_roster(folder)
        except RosterError:  # a drawn profile that a file may not hold (a preferred gender nobody has)
            assume(False)
    second = solve(build_problem(again, cfg), price=False)
    assert second.table["mentor_id"].tolist() == first.table["mentor_id"].tolist()
    assert set(second.table["change"].dropna()) <= {"kept", "locked"}
    assert (second.table["change"] == "locked").sum() == (first.table["change"] == "locked").sum()


@settings(max_examples=25)
@given(roster=rosters_with_current(max_mentees=6, max_mentors=3, locks=False, unit=True))
def test_modes_against_each_other(roster: Roster) -> None:
    """keep keeps every valid pair that fits; prefer reaches the fresh Σ priority; none equals a fresh solve."""
    fresh = solve(build_problem(replace(roster, current=None), MatchConfig()), price=False)
    results = {mode: solve(build_problem(roster, config(mode)), price=False) for mode in MODES}
    assert results["prefer"].priority_sum == results["none"].priority_sum
    if all(p.status == "active" for p in roster.mentors):  # paused mentors keep pairs only with current pairs
        assert results["none"].priority_sum == fresh.priority_sum
        assert results["none"].objective == pytest.approx(fresh.objective, abs=1e-5)
    kept = {mode: int(r.table["change"].isin(["kept", "locked"]).sum()) for mode, r in results.items()}
    assert kept["keep"] >= kept["prefer"] >= kept["none"]
    # keep: every valid current pair whose mentor's capacity holds all of them is kept
    problem = build_problem(roster, config("keep"))
    current = problem.current
    table = results["keep"].table
    for i in np.flatnonzero(current.valid & ~current.over_capacity[np.maximum(current.mentor, 0)]):
        assert table["change"][i] == "kept"


# ---------------------------------------------------------------------------------------------------------------
# Scenarios through files


MENTEES = (
    "id,age,gender,languages,extremism_type,risk_level,availability\n"
    "a,30,male,en,islamist,medium,mon eve\n"
    "b,25,male,en,far_right,medium,mon eve\n"
    "c,28,male,en,islamist,low,mon eve\n"
)
MENTORS = (
    "id,age,gender,languages,expertise,capacity,experience_years,availability,status\n"
    "x,45,male,en,islamist,1,5,mon eve,active\n"
    "y,50,male,en,far_right,1,5,mon eve,active\n"
    "z,40,male,en,far_right,1,5,mon eve,active\n"
)


def _folder(
    tmp_path: Path,
    *,
    mentees: str = MENTEES,
    mentors: str = MENTORS,
    current: str | None = None,
    exclusions: str | None = None,
) -> Path:
    folder = tmp_path / "roster"
    folder.mkdir(exist_ok=True)
    (folder / "mentees.csv").write_text(mentees)
    (folder / "mentors.csv").write_text(mentors)
    if current is not None:
        (folder / "current.csv").write_text(current)
    if exclusions is not None:
        (folder / "exclusions.csv").write_text(exclusions)
    return folder


def _rows(result) -> dict[str, tuple]:
    t = result.table

    def cell(value):
        return value if isinstance(value, str) else None

    return {r.mentee_id: (cell(r.mentor_id), cell(r.change), cell(r.change_reason)) for r in t.itertuples()}


def test_a_mentor_leaves(tmp_path: Path) -> None:
    mentors = MENTORS.replace("x,45,male,en,islamist,1,5,mon eve,active", "x,45,male,en,islamist,1,5,mon eve,leaving")
    folder = _folder(tmp_path, mentors=mentors, current="mentee_id,mentor_id\na,x\nb,y\n")
    rows = _rows(solve(build_problem(read_roster(folder))))
    assert rows["a"][1:] == ("moved", "mentor_leaving") and rows["a"][0] == "z"
    assert rows["b"] == ("y", "kept", None)


def test_a_mentor_pauses(tmp_path: Path) -> None:
    mentors = MENTORS.replace("x,45,male,en,islamist,1,5,mon eve,active", "x,45,male,en,islamist,2,5,mon eve,paused")
    folder = _folder(tmp_path, mentors=mentors, current="mentee_id,mentor_id\na,x\n")
    rows = _rows(solve(build_problem(read_roster(folder))))
    assert rows["a"] == ("x", "kept", None)  # a paused mentor keeps current mentees
    assert rows["c"][0] != "x"  # and takes no one else, though it has room
    # without current pairs a paused mentor takes no one
    (tmp_path / "second").mkdir()
    folder2 = _folder(tmp_path / "second", mentors=mentors)
    assert "x" not in set(solve(build_problem(read_roster(folder2))).table["mentor_id"])


def test_a_capacity_lowered_below_the_current_load(tmp_path: Path) -> None:
    mentees = MENTEES.replace("c,28,male,en,islamist,low", "c,28,male,en,islamist,high")
    mentors = MENTORS.replace("x,45,male,en,islamist,1", "x,45,male,en,islamist,1")
    folder = _folder(tmp_path, mentees=mentees, mentors=mentors, current="mentee_id,mentor_id\na,x\nc,x\n")
    result = solve(build_problem(read_roster(folder)))
    rows = _rows(result)
    kept = [k for k in ("a", "c") if rows[k][1] == "kept"]
    assert len(kept) == 1 and kept == ["c"]  # the most that fit, ties by priority: the high-risk case stays
    assert rows["a"][1:] == ("moved", "capacity_reduced") or rows["a"][1:] == ("ended", "capacity_reduced")


def test_risk_raised_to_high_without_expertise_ends_the_pair(tmp_path: Path) -> None:
    mentees = MENTEES.replace("b,25,male,en,far_right,medium", "b,25,male,en,far_right,high")
    folder = _folder(tmp_path, mentees=mentees, current="mentee_id,mentor_id\nb,x\n")
    rows = _rows(solve(build_problem(read_roster(folder))))
    assert rows["b"][1:] in (("moved", "rule:high_risk"),)


def test_a_new_exclusion_hits_a_running_pair(tmp_path: Path) -> None:
    folder = _folder(tmp_path, current="mentee_id,mentor_id\na,x\n", exclusions="mentee_id,mentor_id\na,x\n")
    rows = _rows(solve(build_problem(read_roster(folder))))
    assert rows["a"][1:] == ("moved", "rule:exclusion")


def test_an_exempted_rule_keeps_a_pair_a_fresh_solve_would_not_allow(tmp_path: Path) -> None:
    mentors = MENTORS.replace("x,45,male,en,islamist,1,5,mon eve", "x,45,male,en,islamist,1,5,sun am")
    folder = _folder(tmp_path, mentors=mentors, current="mentee_id,mentor_id\na,x\n")
    roster = read_roster(folder)
    assert _rows(solve(build_problem(roster)))["a"][1:] == ("moved", "rule:availability")
    rows = _rows(solve(build_problem(roster, config("keep", ("availability",)))))
    assert rows["a"] == ("x", "kept", None)
    fresh = solve(build_problem(replace(roster, current=None))).table
    assert fresh["mentor_id"][0] != "x"


def test_a_locked_pair_that_breaks_a_rule_is_an_input_error(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path, current="mentee_id,mentor_id,locked\na,x,yes\nb,x,no\n", exclusions="mentee_id,mentor_id\na,x\n"
    )
    with pytest.raises(RosterError, match=r"current.csv, line 2, column 'locked'.*breaks the exclusion rule"):
        build_problem(read_roster(folder))


def test_the_previous_matches_file_is_accepted_as_it_is_and_keeps_its_locks(tmp_path: Path) -> None:
    folder = _folder(tmp_path, current="mentee_id,mentor_id,locked\na,z,yes\n")
    first = solve(build_problem(read_roster(folder)))
    assert _rows(first)["a"] == ("z", "locked", None)
    out = tmp_path / "matches.csv"
    write_matches(first, out)
    header = out.read_text().splitlines()[0]
    assert header.endswith(",reason,reason_detail,previous_mentor_id,change,change_reason")
    roster = read_roster(folder, current=out)
    assert {(p.mentee_id, p.mentor_id, p.locked) for p in roster.current} == {
        (r.mentee_id, r.mentor_id, r.change == "locked")
        for r in first.table.itertuples()
        if isinstance(r.mentor_id, str)
    }
    second = solve(build_problem(roster))
    assert second.table["mentor_id"].tolist() == first.table["mentor_id"].tolist()


def test_current_file_problems_are_listed_together(tmp_path: Path) -> None:
    current = (
        "mentee_id,mentor_id,coach_id,since,locked,extra\n"
        "a,x,,2025-02-30,yes,\n"
        "a,y,,,,\n"
        "q,x,,,,\n"
        "b,nobody,,,maybe,\n"
        "c,,,,,\n"
    )
    folder = _folder(tmp_path, current=current)
    with pytest.raises(RosterError) as info:
        read_roster(folder)
    text = str(info.value)
    for expected in (
        "line 1, column 'extra'",
        "line 2, column 'since', value '2025-02-30'",
        "line 3, column 'mentee_id', value 'a': mentee listed twice",
        "line 4, column 'mentee_id', value 'q': no mentee with this id",
        "remove the row when the mentorship has ended",
        "line 5, column 'locked', value 'maybe'",
        "line 5, column 'mentor_id', value 'nobody'",
    ):
        assert expected in text
    assert "line 6" not in text  # an empty mentor_id is no current pair


def test_header_only_current_file_means_none_running(tmp_path: Path) -> None:
    folder = _folder(tmp_path, current="mentee_id,mentor_id\n")
    result = solve(build_problem(read_roster(folder)))
    assert result.changes is not None and result.changes.pairs == 0
    assert set(result.table["change"].dropna()) == {"new"}


def test_price_of_continuity_is_a_fresh_matchings_sums(tmp_path: Path) -> None:
    # b's running pair with z blocks the high-risk c, who only z can take: keep pays for it, prefer does not
    mentees = MENTEES.replace("c,28,male,en,islamist,low", "c,28,male,en,far_right,high")
    mentors = MENTORS.replace("y,50,male,en,far_right,1,5", "y,50,male,en,far_right,1,1")
    folder = _folder(tmp_path, mentees=mentees, mentors=mentors, current="mentee_id,mentor_id\nb,z\n")
    roster = read_roster(folder)
    keep = solve(build_problem(roster))
    prefer = solve(build_problem(roster, config("prefer")))
    assert keep.changes.fresh_priority == prefer.priority_sum > keep.priority_sum
    assert _rows(prefer)["b"][1:] == ("moved", "priority") or _rows(prefer)["b"][1:] == ("ended", "priority")
    assert "price of continuity" in keep.summary()
    assert solve(build_problem(roster), price=False).changes.fresh_priority is None


def test_continuity_config_errors() -> None:
    with pytest.raises(RosterError, match="unknown continuity mode 'kep'"):
        MatchConfig.from_toml('[continuity]\nmode = "kep"\n')
    with pytest.raises(RosterError, match="'exclusion' cannot be exempted"):
        MatchConfig.from_toml('[continuity]\nexempt_rules = ["exclusion"]\n')


def test_status_is_validated(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        mentors=MENTORS.replace("x,45,male,en,islamist,1,5,mon eve,active", "x,45,male,en,islamist,1,5,mon eve,pasued"),
    )
    with pytest.raises(RosterError, match="value 'pasued': unknown status .did you mean 'paused'"):
        read_roster(folder)


# ---------------------------------------------------------------------------------------------------------------
# The command line (typer's CliRunner on the real app; the real process is in cli/test_smoke.py)

NEXT_MONTH = Path(__file__).resolve().parents[1] / "data" / "synthetic" / "next-month"


def _cli(*args: str):
    """The real typer app in-process (typer's CliRunner)."""
    from typer.testing import CliRunner

    from mentormatch.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_solve_next_month_writes_the_changes_and_the_price(tmp_path: Path) -> None:
    out = tmp_path / "matches.csv"
    result = _cli("solve", NEXT_MONTH, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    header = out.read_text().splitlines()[0].split(",")
    assert header[-3:] == ["previous_mentor_id", "change", "change_reason"]
    assert "continuity (mode keep): 21 current pairs, 16 valid; kept 11, locked 3, moved 2, ended 5, new" in (
        result.output
    )
    assert "mentor_leaving 3" in result.output and "price of continuity" in result.output
    rows = list(__import__("csv").DictReader(out.open()))
    assert all(r["change_reason"] for r in rows if r["change"] in ("moved", "ended"))
    quiet = _cli("solve", NEXT_MONTH, "-o", tmp_path / "m2.csv", "-q", "--no-price", "--continuity", "prefer")
    assert quiet.exit_code == 0 and "price of continuity" not in quiet.output
    assert "continuity (mode prefer)" in quiet.output


def test_cli_continuity_needs_current_pairs_and_bad_locks_write_nothing(tmp_path: Path) -> None:
    small = NEXT_MONTH.parent / "small"
    result = _cli("solve", small, "--continuity", "prefer", "-o", tmp_path / "m.csv")
    assert result.exit_code == 2 and "--continuity needs current pairs" in result.output
    folder = _folder(tmp_path, current="mentee_id,mentor_id,locked\na,x,yes\n", exclusions="mentee_id,mentor_id\na,x\n")
    out = tmp_path / "existing.csv"
    out.write_text("keep me\n")
    result = _cli("solve", folder, "-o", out)
    assert result.exit_code == 2 and "breaks the exclusion rule" in result.output
    assert "current.csv, line 2, column 'locked'" in result.output
    assert out.read_text() == "keep me\n"
    assert _cli("validate", folder).exit_code == 2


def test_cli_validate_explain_and_report_show_the_running_pairs(tmp_path: Path) -> None:
    result = _cli("validate", NEXT_MONTH)
    assert result.exit_code == 0, result.output
    assert "current pairs: 21, valid 16, locked 3" in result.output
    assert "mentors by status: active 10, paused 1, leaving 1" in result.output
    explained = _cli("explain", NEXT_MONTH, "--mentee", "ME00011", "-q")
    assert explained.exit_code == 0, explained.output
    assert "running pair with MR00011, moved (mentor_leaving" in explained.output
    assert "keeping ME00011 with MR00011:" in explained.output
    report = tmp_path / "report.html"
    made = _cli("report", NEXT_MONTH, "-o", report, "--no-plots", "-q")
    assert made.exit_code == 0, made.output
    html = report.read_text()
    assert '<section id="changes">' in html and "Price of continuity" in html and "capacity_reduced" in html


def test_a_given_matches_file_is_checked_against_status_locks_and_exemptions(tmp_path: Path) -> None:
    from mentormatch.match import load_matching

    mentors = MENTORS.replace("x,45,male,en,islamist,1,5,mon eve,active", "x,45,male,en,islamist,2,5,sun am,paused")
    folder = _folder(tmp_path, mentors=mentors, current="mentee_id,mentor_id,locked\na,x,no\nb,y,yes\n")
    problem = build_problem(read_roster(folder), config("keep", ("availability",)))
    good = tmp_path / "good.csv"
    good.write_text("mentee_id,mentor_id\na,x\nb,y\nc,z\n")
    assert load_matching(problem, good).table["change"].tolist() == ["kept", "locked", "new"]
    bad = tmp_path / "bad.csv"
    bad.write_text("mentee_id,mentor_id\na,x\nb,z\nc,x\n")
    with pytest.raises(RosterError) as info:
        load_matching(problem, bad)
    text = str(info.value)
    locked = "line 3, column 'mentor_id', value 'z': the locked pair b - y is not kept: this file gives b mentor z"
    assert locked in text
    assert "line 4, column 'mentor_id', value 'x': mentor x is paused and takes no new mentee" in text
    assert "breaks the availability rule" in text and "line 2" not in text  # a's running pair is exempted


def test_the_verifier_reads_status_locks_and_exemptions_from_the_profiles(tmp_path: Path) -> None:
    mentors = MENTORS.replace("x,45,male,en,islamist,1,5,mon eve,active", "x,45,male,en,islamist,2,5,sun am,paused")
    mentors = mentors.replace("y,50,male,en,far_right,1,5,mon eve,active", "y,50,male,en,far_right,1,5,mon eve,leaving")
    folder = _folder(tmp_path, mentors=mentors, current="mentee_id,mentor_id,locked\na,x,no\nc,z,yes\n")
    roster = read_roster(folder)
    exempt = config("keep", ("availability",))
    verify_matching(roster, exempt, [0, -1, 2])  # a's running pair breaks only the exempted availability rule
    for mentor_of, words in (
        ([0, -1, -1], "locked pair c - z was not kept"),
        ([-1, 0, 2], "the mentor is paused and takes no new mentee"),
        ([-1, 1, 2], "the mentor is leaving"),
    ):
        with pytest.raises(MatchingBug, match=words):
            verify_matching(roster, exempt, mentor_of)
    with pytest.raises(MatchingBug, match="breaks the availability rule"):
        verify_matching(roster, config("keep"), [0, -1, 2])  # not exempted
    new_pair = replace(roster, current=tuple(p for p in roster.current if p.mentee_id != "a"))
    with pytest.raises(MatchingBug, match="breaks the availability rule"):
        verify_matching(new_pair, exempt, [0, -1, 2])  # exemptions are for running pairs only


def test_current_coaches_are_read_checked_and_counted(tmp_path: Path) -> None:
    coaches = "id,max_mentors\nk1,3\nk2,3\n"
    folder = _folder(tmp_path, current="mentee_id,mentor_id,coach_id\na,x,k2\nb,y,k1\nc,z,k9\nq,x,k1\n")
    (folder / "coaches.csv").write_text(coaches)
    with pytest.raises(RosterError) as info:
        read_roster(folder)
    text = str(info.value)
    assert "line 4, column 'coach_id', value 'k9': no coach with this id" in text
    assert "line 5, column 'mentee_id', value 'q': no mentee" in text
    (folder / "current.csv").write_text("mentee_id,mentor_id,coach_id\na,x,k2\nb,x,k1\n")
    with pytest.raises(RosterError, match="line 3, column 'coach_id', value 'k1': mentor x already has coach k2"):
        read_roster(folder)
    (folder / "current.csv").write_text("mentee_id,mentor_id,coach_id\na,x,k2\nb,y,k1\n")
    result = solve(build_problem(read_roster(folder)))
    coach_of = dict(zip(result.table["mentor_id"], result.table["coach_id"], strict=True))
    assert coach_of["x"] == "k2" and coach_of["y"] == "k1"  # the current coaches are kept where the rules allow
    assert result.changes.coach_changes == {"kept": 2, "changed": 0, "new": 1, "ended": 0}
    assert "coaches of mentors: kept 2, changed 0, new 1, ended 0" in result.summary()


def test_shortages_and_relaxations_know_paused_and_leaving_mentors(tmp_path: Path) -> None:
    from mentormatch import diagnose, relaxations

    mentees = "id,age,gender,languages,extremism_type,risk_level\nd,30,male,en,far_right,high\n"
    mentors = (
        "id,age,gender,languages,expertise,capacity,experience_years,status\n"
        "p,40,male,en,far_right,1,5,paused\nl,50,male,en,far_right,1,5,leaving\n"
        "o,45,male,en,islamist,1,5,active\n"
    )
    problem = build_problem(read_roster(_folder(tmp_path, mentees=mentees, mentors=mentors)))
    found = diagnose(problem)
    assert found.no_allowed_mentor["fixed_by"].tolist() == ["status;high_risk"]
    assert "has no suitable mentor but paused or leaving ones" in "\n".join(found.lines())
    # relaxing capacity never reopens a paused or leaving mentor; high-risk expertise opens the active one
    assert relaxations(problem, ["d"]).families == ("high_risk",)
