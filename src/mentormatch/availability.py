"""Weekly availability: slot text such as ``mon eve;sat 9-12`` ↔ a 168-bit hour mask.

Bit ``24 * day + hour`` is set when the person is available in that hour, Monday = day 0, hour 0 = 00:00-01:00.
The grammar (PRODUCT.md section 2) is a ``;``-separated list of slots, each ``DAY PART`` or ``DAY H-H``:

- ``DAY`` is one of ``mon tue wed thu fri sat sun``, or ``weekdays`` (mon-fri), ``weekend`` (sat, sun), ``daily``;
  full and plural day names (``monday``, ``mondays``, ``weekends``: :data:`DAY_SPELLINGS`) mean the same;
- ``PART`` is ``am`` (09-12), ``pm`` (13-17) or ``eve`` (18-21), also written ``morning``, ``afternoon``,
  ``evening`` (:data:`PART_SPELLINGS`); a ``DAY`` alone is the whole day, 09-21 (:data:`WHOLE_DAY`);
- ``H-H`` is a 24-hour range of whole hours, one or two digits each, ``0 <= start < end <= 24``, end exclusive
  (a slot past midnight is written as two slots);
- any run of spaces separates ``DAY`` from the rest; case does not matter; items are trimmed and empty items
  dropped.

Examples
--------
>>> from mentormatch.availability import parse_availability, format_availability
>>> mask = parse_availability("Mon eve; sat 9-12")
>>> format_availability(mask)
'mon 18-21;sat 9-12'
>>> parse_availability(format_availability(mask)) == mask
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = [
    "DAYS",
    "PARTS",
    "DAY_SPELLINGS",
    "PART_SPELLINGS",
    "WHOLE_DAY",
    "guess",
    "HOURS_PER_WEEK",
    "parse_availability",
    "format_availability",
    "mask_to_array",
    "overlap_hours",
]

HOURS_PER_WEEK = 168
_MASK_BYTES = HOURS_PER_WEEK // 8
_FULL_MASK = (1 << HOURS_PER_WEEK) - 1

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names in mask order (Monday = day 0)."""

PARTS: dict[str, tuple[int, int]] = {"am": (9, 12), "pm": (13, 17), "eve": (18, 21)}
"""Named parts of the day as ``(start, end)`` hours, end exclusive."""

_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    **{name: (i,) for i, name in enumerate(DAYS)},
    "weekdays": (0, 1, 2, 3, 4),
    "weekend": (5, 6),
    "daily": (0, 1, 2, 3, 4, 5, 6),
}

_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_SPELLINGS: dict[str, str] = {
    **{full: short for short, full in zip(DAYS, _FULL_DAY_NAMES, strict=True)},
    **{full + "s": short for short, full in zip(DAYS, _FULL_DAY_NAMES, strict=True)},
    **{short + "s": short for short in DAYS},
    "tues": "tue",
    "wednes": "wed",
    "thur": "thu",
    "thurs": "thu",
    "weekday": "weekdays",
    "weekends": "weekend",
    "everyday": "daily",
}
"""Other spellings of the day words: full and plural day names (``monday``, ``mondays``, ``mons``), ``weekday``,
``weekends``, ``everyday``; each maps to its canonical word."""

PART_SPELLINGS: dict[str, str] = {
    "morning": "am",
    "mornings": "am",
    "afternoon": "pm",
    "afternoons": "pm",
    "evening": "eve",
    "evenings": "eve",
}
"""Other spellings of the parts of the day: ``morning`` = ``am``, ``afternoon`` = ``pm``, ``evening`` = ``eve``
(plurals too)."""

WHOLE_DAY: tuple[int, int] = (9, 21)
"""The hours of a day named alone (``sat``, ``weekends``): 09-21, from the morning to the end of the evening."""

_SLOT = re.compile(r"(\S+)(?: +([^ ].*))?")
_HOURS = re.compile(r"([0-9]{1,2})-([0-9]{1,2})")
_DAY_WORDS = "mon, tue, wed, thu, fri, sat, sun, weekdays, weekend or daily"
_EXAMPLE = "e.g. 'mon eve', 'sat 9-12' or 'weekends'"


_GUESS_CUTOFF = 0.75
"""How alike a word must be to be guessed (difflib's ratio): a wrong guess misleads more than none (``tirsdag``,
Norwegian for Tuesday, would otherwise be taken for ``thursday``)."""


def guess(word: str, words: Sequence[str]) -> str | None:
    """The word of ``words`` that ``word`` most likely means: the only one it begins (at least 2 letters), else
    the closest by :func:`difflib.get_close_matches` (ratio at least 0.75); None when nothing is close.

    Examples
    --------
    >>> guess("med", ["low", "medium", "high"]), guess("islamsit", ["islamist", "far_right"]), guess("x", ["am"])
    ('medium', 'islamist', None)
    """
    import difflib

    starts = [w for w in words if len(word) >= 2 and w.startswith(word)]
    if len(starts) == 1:
        return starts[0]
    close = difflib.get_close_matches(word, words, n=1, cutoff=_GUESS_CUTOFF)
    return close[0] if close else None


def _did_you_mean(word: str, words: Sequence[str]) -> str:
    found = guess(word, words)
    return f" (did you mean {found!r}?)" if found else ""


def _day_hours_mask(days: tuple[int, ...], start: int, end: int) -> int:
    hours = ((1 << (end - start)) - 1) << start
    mask = 0
    for day in days:
        mask |= hours << (24 * day)
    return mask


def parse_availability(text: str) -> int:
    """Parse availability slots into a 168-bit weekly mask.

    Parameters
    ----------
    text : str
        ``;``-separated slots, each ``DAY PART`` or ``DAY H-H`` (see the module docstring).

    Returns
    -------
    int
        The mask, bit ``24 * day + hour`` set for each available hour. ``0`` when ``text`` holds no slots
        (empty, or only separators and spaces).

    Raises
    ------
    ValueError
        On the first slot that does not follow the grammar; the message names the slot and what is wrong.

    Examples
    --------
    >>> parse_availability("mon 0-2")
    3
    >>> parse_availability("tue am") == 0b111 << (24 + 9)
    True
    >>> parse_availability("weekend  18-20") == parse_availability("sat 18-20;SUN 18-20")
    True
    >>> parse_availability("Saturdays morning;sunday") == parse_availability("sat 9-12;sun 9-21")
    True
    >>> parse_availability(" ; ")
    0
    >>> parse_availability("mon 9-25")
    Traceback (most recent call last):
    ...
    ValueError: slot 'mon 9-25': hours must satisfy 0 <= start < end <= 24 (a slot past midnight is two slots)
    """
    mask = 0
    for raw_item in text.split(";"):
        item = raw_item.strip()
        if not item:
            continue
        match = _SLOT.fullmatch(item.casefold())
        if match is None:
            raise ValueError(f"slot {item!r}: expected DAY PART or DAY H-H, {_EXAMPLE}")
        day_word, rest = match.groups()
        days = _DAY_GROUPS.get(DAY_SPELLINGS.get(day_word, day_word))
        if days is None:
            hint = _did_you_mean(day_word, [*_DAY_GROUPS, *DAY_SPELLINGS])
            raise ValueError(f"slot {item!r}: unknown day {day_word!r}{hint}; expected {_DAY_WORDS}")
        part = WHOLE_DAY if rest is None else PARTS.get(PART_SPELLINGS.get(rest, rest))
        if part is not None:
            start, end = part
        else:
            assert rest is not None  # noqa: S101 - a day alone took the branch above
            hours = _HOURS.fullmatch(rest)
            if hours is None:
                hint = "" if rest[:1].isdigit() else _did_you_mean(rest, [*PARTS, *PART_SPELLINGS])
                raise ValueError(
                    f"slot {item!r}: expected am, pm, eve or whole hours H-H after the day{hint}, {_EXAMPLE}"
                )
            start, end = int(hours.group(1)), int(hours.group(2))
            if not 0 <= start < end <= 24:
                raise ValueError(
                    f"slot {item!r}: hours must satisfy 0 <= start < end <= 24 (a slot past midnight is two slots)"
                )
        mask |= _day_hours_mask(days, start, end)
    return mask


def _check_mask(mask: object) -> int:
    if isinstance(mask, bool) or not isinstance(mask, (int, np.integer)):
        raise TypeError(f"an availability mask must be an int, not {type(mask).__name__}")
    mask = int(mask)
    if not 0 <= mask <= _FULL_MASK:
        raise ValueError(f"an availability mask must lie in 0 .. 2**{HOURS_PER_WEEK} - 1")
    return mask


def _runs(day_bits: int) -> list[tuple[int, int]]:
    """Maximal runs of set bits in a 24-bit day as ``(start, end)`` hours, end exclusive."""
    runs = []
    hour = 0
    while day_bits:
        if day_bits & 1:
            start = hour
            while day_bits & 1:
                day_bits >>= 1
                hour += 1
            runs.append((start, hour))
        else:
            day_bits >>= 1
            hour += 1
    return runs


def format_availability(mask: int) -> str:
    """Write a weekly mask as compact, canonical slot text; the inverse of :func:`parse_availability`.

    Each maximal run of hours within a day becomes one ``H-H`` slot; a run shared by every day is written with
    ``daily``, by Monday to Friday with ``weekdays``, by Saturday and Sunday with ``weekend``. Slots are ordered by
    their first day, then by start hour.

    Parameters
    ----------
    mask : int
        A mask in ``0 .. 2**168 - 1``.

    Returns
    -------
    str
        The slot text; ``""`` for ``0``. ``parse_availability(format_availability(m)) == m`` for every valid ``m``.

    Raises
    ------
    TypeError, ValueError
        If ``mask`` is not an int in range.

    Examples
    --------
    >>> format_availability(parse_availability("weekdays eve;weekend am;sun 23-24;mon 0-1"))
    'mon 0-1;weekdays 18-21;weekend 9-12;sun 23-24'
    >>> format_availability(parse_availability("daily am"))
    'daily 9-12'
    >>> format_availability(0)
    ''
    """
    mask = _check_mask(mask)
    days_of_run: dict[tuple[int, int], list[int]] = {}
    for day in range(7):
        for run in _runs((mask >> (24 * day)) & 0xFFFFFF):
            days_of_run.setdefault(run, []).append(day)
    slots: list[tuple[int, int, str]] = []
    for (start, end), days in days_of_run.items():
        remaining = set(days)
        groups: list[tuple[int, str]] = []
        for name in ("daily", "weekdays", "weekend"):
            group = set(_DAY_GROUPS[name])
            if group <= remaining:
                groups.append((min(group), name))
                remaining -= group
        groups.extend((day, DAYS[day]) for day in remaining)
        slots.extend((first_day, start, f"{name} {start}-{end}") for first_day, name in groups)
    slots.sort()
    return ";".join(text for _, _, text in slots)


def mask_to_array(masks: Sequence[int | None]) -> tuple[np.ndarray, np.ndarray]:
    """Unpack weekly masks into a boolean hour matrix.

    Parameters
    ----------
    masks : sequence of int or None
        One mask per person; ``None`` where the person gave no availability.

    Returns
    -------
    hours : (n, 168) bool ndarray
        ``hours[i, 24 * day + hour]`` is True when person ``i`` is available then (all False for ``None``).
    has : (n,) bool ndarray
        True where a mask was given (not ``None``).

    Raises
    ------
    TypeError, ValueError
        If an entry is neither ``None`` nor an int in ``0 .. 2**168 - 1``; the message gives its index.

    Examples
    --------
    >>> hours, has = mask_to_array([parse_availability("mon 0-2"), None])
    >>> hours.shape, hours[0, :3].tolist(), has.tolist()
    ((2, 168), [True, True, False], [True, False])
    """
    n = len(masks)
    has = np.fromiter((m is not None for m in masks), dtype=bool, count=n)
    chunks = []
    for i, m in enumerate(masks):
        if m is None:
            chunks.append(bytes(_MASK_BYTES))
            continue
        try:
            chunks.append(_check_mask(m).to_bytes(_MASK_BYTES, "little"))
        except (TypeError, ValueError) as err:
            raise type(err)(f"masks[{i}]: {err}") from None
    packed = np.frombuffer(b"".join(chunks), dtype=np.uint8).reshape(n, _MASK_BYTES)
    hours = np.unpackbits(packed, axis=1, bitorder="little").astype(bool)
    return hours, has


def overlap_hours(a: int, b: int) -> int:
    """Weekly hours two masks share.

    Examples
    --------
    >>> overlap_hours(parse_availability("mon 9-12"), parse_availability("mon 10-14"))
    2
    """
    return (_check_mask(a) & _check_mask(b)).bit_count()
