"""Availability slots ↔ 168-bit weekly masks (PRODUCT.md section 2, Availability)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentormatch.availability import (
    DAYS,
    HOURS_PER_WEEK,
    format_availability,
    mask_to_array,
    overlap_hours,
    parse_availability,
)

FULL = (1 << HOURS_PER_WEEK) - 1


def hours(day: int, start: int, end: int) -> int:
    """Reference mask built bit by bit."""
    return sum(1 << (24 * day + h) for h in range(start, end))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon 9-12", hours(0, 9, 12)),
        ("tue am", hours(1, 9, 12)),
        ("wed pm", hours(2, 13, 17)),
        ("sun eve", hours(6, 18, 21)),
        ("thu 0-24", hours(3, 0, 24)),
        ("fri 09-10", hours(4, 9, 10)),
        ("sat 23-24", hours(5, 23, 24)),
        ("weekdays 18-20", sum(hours(d, 18, 20) for d in range(5))),
        ("weekend am", hours(5, 9, 12) | hours(6, 9, 12)),
        ("daily 0-1", sum(hours(d, 0, 1) for d in range(7))),
        ("MON  EVE ; Sat   AM", hours(0, 18, 21) | hours(5, 9, 12)),
        (" ; mon 9-12;; ", hours(0, 9, 12)),
        ("mon 9-12;mon 10-14", hours(0, 9, 14)),
        ("", 0),
        (" ;; ", 0),
        # spreadsheet spellings (PRODUCT.md section 2): full and plural day names, parts in words, a day alone
        ("monday 9-12", hours(0, 9, 12)),
        ("Mondays evening", hours(0, 18, 21)),
        ("sat morning;sun afternoons", hours(5, 9, 12) | hours(6, 13, 17)),
        ("weekends", hours(5, 9, 21) | hours(6, 9, 21)),
        ("mon", hours(0, 9, 21)),
        ("thurs eve;weekday 9-10", hours(3, 18, 21) | sum(hours(d, 9, 10) for d in range(5))),
    ],
)
def test_parse_examples(text: str, expected: int) -> None:
    assert parse_availability(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("mon9-12", r"slot 'mon9-12': unknown day 'mon9-12'"),
        ("mun 9-12", r"slot 'mun 9-12': unknown day 'mun'"),
        ("mnday am", r"unknown day 'mnday' \(did you mean 'monday'\?\)"),
        ("saturdy am", r"unknown day 'saturdy' \(did you mean 'saturday'\?\)"),
        ("mon 9h", r"slot 'mon 9h': expected am, pm, eve or whole hours H-H after the day, "),
        ("mon evenin", r"after the day \(did you mean 'evening'\?\)"),
        ("mon 9 - 12", r"expected am, pm, eve or whole hours"),
        ("mon 9-12-14", r"expected am, pm, eve or whole hours"),
        ("mon 009-12", r"expected am, pm, eve or whole hours"),
        ("mon 9.5-12", r"expected am, pm, eve or whole hours"),
        ("mon \u0669-12", r"expected am, pm, eve or whole hours"),  # Arabic-Indic nine is not a plain digit
        ("mon 9-25", r"0 <= start < end <= 24"),
        ("mon 12-9", r"0 <= start < end <= 24"),
        ("mon 9-9", r"0 <= start < end <= 24"),
        ("mon 22-2", r"a slot past midnight is two slots"),
        ("mon 9-12;tue xx", r"slot 'tue xx'"),
        ("mon\t9-12", r"expected DAY PART or DAY H-H"),
    ],
)
def test_parse_rejects_bad_slot(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_availability(text)


def test_format_is_compact_and_canonical() -> None:
    mask = parse_availability("sat eve;mon am;tue am;wed am;thu am;fri am;sun eve;mon 0-1")
    assert format_availability(mask) == "mon 0-1;weekdays 9-12;weekend 18-21"
    assert format_availability(parse_availability("daily 18-21;mon 9-12")) == "mon 9-12;daily 18-21"
    assert format_availability(parse_availability("mon 23-24;tue 0-2")) == "mon 23-24;tue 0-2"
    assert format_availability(FULL) == "daily 0-24"
    assert format_availability(0) == ""


@pytest.mark.parametrize("bad", [-1, FULL + 1])
def test_format_rejects_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match="0 .. 2"):
        format_availability(bad)


def test_format_rejects_non_int() -> None:
    with pytest.raises(TypeError, match="must be an int"):
        format_availability("mon 9-12")  # type: ignore[arg-type]


masks = st.integers(min_value=0, max_value=FULL)
day_names = st.sampled_from([*DAYS, "weekdays", "weekend", "daily"])


@st.composite
def slot_texts(draw: st.DrawFn) -> tuple[str, int]:
    """Random slot text in varied case and spacing, with the mask it must give."""
    parts, mask = [], 0
    for _ in range(draw(st.integers(0, 6))):
        day = draw(day_names)
        groups = {"weekdays": range(5), "weekend": range(5, 7), "daily": range(7)}
        days = groups[day] if day in groups else [DAYS.index(day)]
        if draw(st.booleans()):
            part = draw(st.sampled_from(["am", "pm", "eve"]))
            start, end = {"am": (9, 12), "pm": (13, 17), "eve": (18, 21)}[part]
            rest = part
        else:
            start = draw(st.integers(0, 23))
            end = draw(st.integers(start + 1, 24))
            rest = f"{start:0{draw(st.sampled_from([1, 2]))}d}-{end}"
        for d in days:
            mask |= hours(d, start, end)
        text = f"{day}{' ' * draw(st.integers(1, 3))}{rest}"
        parts.append(text.upper() if draw(st.booleans()) else text)
    separator = draw(st.sampled_from([";", " ; ", ";;"]))
    return separator.join(parts), mask


@given(masks)
def test_format_round_trips(mask: int) -> None:
    text = format_availability(mask)
    assert parse_availability(text) == mask


@given(slot_texts())
def test_parse_matches_reference(case: tuple[str, int]) -> None:
    text, mask = case
    assert parse_availability(text) == mask
    assert format_availability(parse_availability(format_availability(mask))) == format_availability(mask)


@given(st.lists(st.one_of(st.none(), masks), max_size=8))
def test_mask_to_array_matches_bits(values: list[int | None]) -> None:
    array, has = mask_to_array(values)
    assert array.shape == (len(values), HOURS_PER_WEEK) and array.dtype == bool
    assert has.tolist() == [v is not None for v in values]
    for row, value in zip(array, values, strict=True):
        expected = [bool((value or 0) >> bit & 1) for bit in range(HOURS_PER_WEEK)]
        assert row.tolist() == expected


def test_mask_to_array_empty_and_bad() -> None:
    array, has = mask_to_array([])
    assert array.shape == (0, HOURS_PER_WEEK) and has.shape == (0,)
    with pytest.raises(ValueError, match=r"masks\[1\]"):
        mask_to_array([1, -5])
    with pytest.raises(TypeError, match=r"masks\[0\]"):
        mask_to_array([1.5])  # type: ignore[list-item]


def test_mask_to_array_bit_order() -> None:
    array, _ = mask_to_array([parse_availability("tue 9-10")])
    assert np.flatnonzero(array[0]).tolist() == [24 + 9]


def test_overlap_hours() -> None:
    assert overlap_hours(parse_availability("weekdays 18-21"), parse_availability("mon 20-23;sat eve")) == 1
