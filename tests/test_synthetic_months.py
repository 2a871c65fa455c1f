"""Synthetic months (``next_month``): a seeded following month with current pairs and a month's changes, its
validity as PRODUCT.md section 7 defines it, ``current.csv`` as ``write_roster`` writes it, and the bundled
``data/synthetic/next-month``."""

from __future__ import annotations

import csv
import math
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from mentormatch import read_roster, write_roster
from mentormatch.config import MatchConfig
from mentormatch.io import CURRENT_COLUMNS
from mentormatch.schema import CurrentPair, Mentee, Mentor, Roster
from mentormatch.synthetic import (
    AS_OF,
    CAPACITY_CUT_SHARE,
    INVALID_SHARE,
    INVALIDATIONS,
    LEAVING_SHARE,
    LOCKED_SHARE,
    NEW_CONFLICT,
    PAUSED_SHARE,
    SINCE_DAYS,
    next_month,
    synthetic_roster,
)
from mentormatch.verify import broken_rules

BUNDLED = Path(__file__).resolve().parents[1] / "data" / "synthetic"
CONFIG = MatchConfig()


@pytest.fixture(scope="module")
def moderate() -> tuple[Roster, Roster]:
    roster = synthetic_roster(300, 100, seed=0)
    return roster, next_month(roster, seed=0)


@pytest.fixture(scope="module")
def with_coaches() -> tuple[Roster, Roster]:
    roster = synthetic_roster(60, 20, 4, seed=0)
    return roster, next_month(roster, seed=3)


def _parts(roster: Roster) -> tuple:
    return roster.mentees, roster.mentors, roster.coaches, roster.exclusions, roster.current


def _sum_by_mentor(pairs: tuple[CurrentPair, ...], workload: dict[str, int]) -> Counter:
    out: Counter = Counter()
    for c in pairs:
        out[c.mentor_id] += workload[c.mentee_id]
    return out


def _broken(month: Roster, pair: CurrentPair) -> list[str]:
    mentees = {p.id: p for p in month.mentees}
    mentors = {p.id: p for p in month.mentors}
    excluded = {(e.mentee_id, e.mentor_id) for e in month.exclusions}
    return broken_rules(
        mentees[pair.mentee_id], mentors[pair.mentor_id], CONFIG, excluded=(pair.mentee_id, pair.mentor_id) in excluded
    )


def _changes(before: Roster, month: Roster) -> dict[str, object]:
    """What changed from ``before`` to ``month``, counted per kind."""
    mentors = {p.id: p for p in month.mentors}
    load = _sum_by_mentor(month.current, {p.id: p.workload for p in month.mentees})
    invalid: Counter = Counter()
    for pair in month.current:
        if mentors[pair.mentor_id].status != "leaving":
            invalid.update(_broken(month, pair))
    return {
        "new_mentees": len(month.mentees) - len(month.current),
        "leaving": sum(p.status == "leaving" for p in month.mentors),
        "paused": sum(p.status == "paused" for p in month.mentors),
        "below_load": sum(p.capacity < load[p.id] for p in month.mentors),
        "invalid": invalid,
        "locked": sum(c.locked for c in month.current),
        "new_exclusions": len(month.exclusions) - len(before.exclusions),
    }


# --- determinism and arguments -------------------------------------------------------------------------------


def test_same_seed_gives_the_same_month():
    roster = synthetic_roster(60, 20, 4, seed=2)
    assert _parts(next_month(roster, seed=4)) == _parts(next_month(roster, seed=4))


def test_different_seeds_give_different_months(moderate):
    roster, month = moderate
    other = next_month(roster, seed=1)
    assert other.current != month.current
    assert [p.status for p in other.mentors] != [p.status for p in month.mentors]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"current_share": 1.5}, "current_share must be a number in \\[0, 1\\]"),
        ({"current_share": -0.1}, "current_share must be a number in \\[0, 1\\]"),
        ({"current_share": float("nan")}, "current_share must be a number in \\[0, 1\\]"),
        ({"current_share": True}, "current_share must be a number"),
        ({"current_share": "0.7"}, "current_share must be a number"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"seed": 1.5}, "seed must be a non-negative integer"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        next_month(synthetic_roster(5, 3, seed=0), **kwargs)


# --- current pairs -------------------------------------------------------------------------------------------


def test_share_of_mentees_with_a_current_pair_is_near_current_share(moderate):
    roster, month = moderate  # the default, 0.7
    assert abs(len(month.current) / len(month.mentees) - 0.7) <= 0.05
    lower = next_month(roster, current_share=0.4, seed=0)
    assert abs(len(lower.current) / len(lower.mentees) - 0.4) <= 0.05


def test_share_zero_gives_no_current_pairs():
    month = next_month(synthetic_roster(30, 12, seed=7), current_share=0.0, seed=0)
    assert month.current == ()
    assert all(p.status == "active" for p in month.mentors)


def test_current_pairs_are_well_formed(moderate):
    roster, month = moderate
    mentee_ids, mentor_ids = {p.id for p in roster.mentees}, {p.id for p in roster.mentors}
    ids = [c.mentee_id for c in month.current]
    assert len(set(ids)) == len(ids)
    assert ids == [p.id for p in roster.mentees if p.id in set(ids)]  # mentee order
    assert all(c.mentee_id in mentee_ids and c.mentor_id in mentor_ids for c in month.current)
    assert all(c.coach_id is None and c.line is None for c in month.current)
    first, last = AS_OF - timedelta(days=SINCE_DAYS), AS_OF - timedelta(days=1)
    assert all(first <= date.fromisoformat(c.since) <= last for c in month.current)
    assert len({c.since for c in month.current}) > len(month.current) // 2


def test_last_month_was_a_valid_matching(moderate):
    """Before the changes every current pair was valid and every mentor within capacity."""
    roster, month = moderate
    mentees = {p.id: p for p in roster.mentees}
    mentors = {p.id: p for p in roster.mentors}
    excluded = {(e.mentee_id, e.mentor_id) for e in roster.exclusions}
    for c in month.current:
        excl = (c.mentee_id, c.mentor_id) in excluded
        assert broken_rules(mentees[c.mentee_id], mentors[c.mentor_id], CONFIG, excluded=excl) == []
    load = _sum_by_mentor(month.current, {p.id: p.workload for p in roster.mentees})
    assert all(load[p.id] <= p.capacity for p in roster.mentors)


def test_a_roster_with_coaches_gets_coach_ids(with_coaches):
    roster, month = with_coaches
    coaches = {c.id for c in roster.coaches}
    mentors = {p.id: p for p in month.mentors}
    assert month.current and all(c.coach_id in coaches for c in month.current)
    coach_of: dict[str, set[str]] = {}
    for c in month.current:
        coach_of.setdefault(c.mentor_id, set()).add(c.coach_id)
        assert c.coach_id != c.mentor_id
        fixed = mentors[c.mentor_id].coach_id
        assert fixed is None or fixed == c.coach_id
    assert all(len(ids) == 1 for ids in coach_of.values())  # a mentor's rows name one coach


# --- the changes ---------------------------------------------------------------------------------------------


def test_every_kind_of_change_appears_on_a_moderate_roster(moderate):
    roster, month = moderate
    changes = _changes(roster, month)
    m, pairs = len(roster.mentors), len(month.current)
    assert changes["new_mentees"] == len(roster.mentees) - pairs > 0
    assert changes["leaving"] == math.ceil(LEAVING_SHARE * m)
    assert changes["paused"] == math.ceil(PAUSED_SHARE * m)
    assert changes["below_load"] == math.ceil(CAPACITY_CUT_SHARE * m)
    assert set(changes["invalid"]) == set(INVALIDATIONS)
    assert sum(changes["invalid"].values()) == math.ceil(INVALID_SHARE * pairs)
    assert changes["new_exclusions"] == changes["invalid"]["exclusion"]
    assert changes["locked"] == math.ceil(LOCKED_SHARE * pairs)


def test_changes_touch_only_what_they_say(moderate):
    roster, month = moderate
    assert month.coaches == roster.coaches
    assert month.exclusions[: len(roster.exclusions)] == roster.exclusions
    assert all(e.reason == NEW_CONFLICT for e in month.exclusions[len(roster.exclusions) :])
    assert [p.id for p in month.mentees] == [p.id for p in roster.mentees]
    assert [p.id for p in month.mentors] == [p.id for p in roster.mentors]
    for before, after in zip(roster.mentees, month.mentees, strict=True):
        undone = {"risk_level": before.risk_level, "gender_preference": before.gender_preference}
        assert after.model_copy(update=undone) == before
        assert Mentee.model_validate(after.model_dump()) == after  # still a valid model
        if after.risk_level != before.risk_level:
            assert after.risk_level == "high"
    load = _sum_by_mentor(month.current, {p.id: p.workload for p in month.mentees})
    for before, after in zip(roster.mentors, month.mentors, strict=True):
        assert after.model_copy(update={"status": before.status, "capacity": before.capacity}) == before
        assert Mentor.model_validate(after.model_dump()) == after
        if after.capacity != before.capacity:  # lowered to 1-2 units below the current load, an active mentor
            assert after.status == "active"
            assert max(load[after.id] - 2, 0) <= after.capacity < load[after.id] <= before.capacity
        if after.status != "active":
            assert load[after.id] > 0


def test_invalid_pairs_break_the_rule_of_their_change(moderate):
    roster, month = moderate
    before_mentees = {p.id: p for p in roster.mentees}
    mentors = {p.id: p for p in month.mentors}
    after_mentees = {p.id: p for p in month.mentees}
    for pair in month.current:
        broken = _broken(month, pair)
        mentee, old = after_mentees[pair.mentee_id], before_mentees[pair.mentee_id]
        if mentee.risk_level != old.risk_level:
            assert "high_risk" in broken
        if mentee.gender_preference != old.gender_preference:
            assert "gender_preference" in broken
        if broken:
            assert mentors[pair.mentor_id].status != "leaving"
            assert not pair.locked


@pytest.mark.parametrize(
    "make",
    [
        lambda: next_month(synthetic_roster(300, 100, seed=1), seed=2),
        lambda: next_month(synthetic_roster(60, 20, 4, seed=0), seed=3),
        lambda: next_month(synthetic_roster(30, 12, seed=7), current_share=0.9, seed=5),
        lambda: next_month(synthetic_roster(120, 30, seed=4), current_share=0.8, seed=2),
    ],
    ids=["300x100", "60x20x4", "30x12-full", "120x30-tight"],
)
def test_locked_pairs_are_valid_fit_and_stay(make):
    month = make()
    mentors = {p.id: p for p in month.mentors}
    locked = tuple(c for c in month.current if c.locked)
    assert locked
    for pair in locked:
        assert _broken(month, pair) == [], pair
        assert mentors[pair.mentor_id].status != "leaving"
    load = _sum_by_mentor(locked, {p.id: p.workload for p in month.mentees})
    assert all(load[j] <= mentors[j].capacity for j in load)


# --- current.csv ---------------------------------------------------------------------------------------------


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_written_current_csv_has_the_documented_header(tmp_path, with_coaches):
    _, month = with_coaches
    assert CURRENT_COLUMNS == ("mentee_id", "mentor_id", "coach_id", "since", "locked")
    write_roster(month, tmp_path)
    rows = _rows(tmp_path / "current.csv")
    assert tuple(rows[0]) == CURRENT_COLUMNS
    assert len(rows) == len(month.current) + 1
    for row, pair in zip(rows[1:], month.current, strict=True):
        assert row == [pair.mentee_id, pair.mentor_id, pair.coach_id, pair.since, "yes" if pair.locked else "no"]
    assert "status" in _rows(tmp_path / "mentors.csv")[0]


def test_current_csv_is_header_only_when_empty_and_absent_when_none(tmp_path):
    roster = synthetic_roster(5, 3, seed=0)
    write_roster(Roster(mentees=roster.mentees, mentors=roster.mentors, current=()), tmp_path / "empty")
    assert (tmp_path / "empty" / "current.csv").read_text(encoding="utf-8") == ",".join(CURRENT_COLUMNS) + "\n"
    write_roster(roster, tmp_path / "none")
    assert not (tmp_path / "none" / "current.csv").exists()


def test_empty_coach_and_since_are_empty_cells(tmp_path):
    roster = synthetic_roster(5, 3, seed=0)
    pair = CurrentPair(mentee_id="ME00001", mentor_id="MR00001", locked=True)
    write_roster(Roster(mentees=roster.mentees, mentors=roster.mentors, current=(pair,)), tmp_path)
    assert _rows(tmp_path / "current.csv")[1] == ["ME00001", "MR00001", "", "", "yes"]


@pytest.mark.parametrize("since", ["2026-2-01", "01/02/2026", "2026-02-30", "20260201"])
def test_a_since_that_would_not_read_back_is_refused(tmp_path, since):
    roster = synthetic_roster(5, 3, seed=0)
    pair = CurrentPair(mentee_id="ME00001", mentor_id="MR00001", since=since)
    with pytest.raises(ValueError, match="since: a date must be written YYYY-MM-DD"):
        write_roster(Roster(mentees=roster.mentees, mentors=roster.mentors, current=(pair,)), tmp_path)
    assert not (tmp_path / "mentees.csv").exists()


def test_write_then_read_gives_the_same_month(tmp_path, with_coaches):
    """Round trip through the files, ``read_roster`` picking up current.csv (PRODUCT.md section 7)."""
    _, month = with_coaches
    write_roster(month, tmp_path)
    back = read_roster(tmp_path)
    assert back.current is not None, "read_roster does not read current.csv yet"
    assert tuple(c.model_copy(update={"line": None}) for c in back.current) == month.current
    assert [c.line for c in back.current] == list(range(2, len(month.current) + 2))
    assert (back.mentees, back.mentors, back.coaches, back.exclusions) == (
        month.mentees,
        month.mentors,
        month.coaches,
        month.exclusions,
    )


# --- the bundled next month ----------------------------------------------------------------------------------


def test_bundled_next_month_is_what_its_call_makes(tmp_path):
    month = next_month(read_roster(BUNDLED / "small"), current_share=0.7, seed=7)
    write_roster(month, tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["current.csv", "exclusions.csv", "mentees.csv", "mentors.csv"]
    assert sorted(p.name for p in (BUNDLED / "next-month").iterdir()) == written
    for file in written:
        assert (BUNDLED / "next-month" / file).read_bytes() == (tmp_path / file).read_bytes(), file
    assert "--seed 7 --current-share 0.7 -o data/synthetic/next-month" in (BUNDLED / "README.md").read_text(
        encoding="utf-8"
    )
    back = read_roster(BUNDLED / "next-month")
    assert back.current is not None, "read_roster does not read current.csv yet"
    assert tuple(c.model_copy(update={"line": None}) for c in back.current) == month.current
    assert (back.mentees, back.mentors, back.exclusions) == (month.mentees, month.mentors, month.exclusions)


def test_bundled_next_month_holds_every_kind_of_change():
    before = read_roster(BUNDLED / "small")
    month = next_month(before, current_share=0.7, seed=7)
    changes = _changes(before, month)
    assert changes["new_mentees"] >= 1
    assert changes["leaving"] >= 1 and changes["paused"] >= 1 and changes["below_load"] >= 1
    assert sum(changes["invalid"].values()) >= 1
    assert changes["locked"] >= 1
    assert len(month.current) == 21  # the README's counts
