"""Cell parsers: the text of one CSV cell → the value a profile holds (:mod:`mentormatch.schema`), or a message.

Each parser takes the trimmed, non-empty cell text (:mod:`mentormatch.io.tables` trims cells and handles empty
ones) and returns the value in the model's own type, or raises :class:`_CellError` whose argument is the message
for the user; the caller locates it by file, line, column and value. Here: ids, text, ``;``-separated lists, the
extremism-type vocabulary and its aliases, risk level, mentor status, dates, yes/no, weekly availability
(:mod:`mentormatch.availability`), bounded whole numbers and experience years.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from mentormatch.availability import guess, parse_availability
from mentormatch.schema import EXTREMISM_ALIASES, EXTREMISM_TYPES, MENTOR_STATUSES, RISK_LEVELS

MAX_INT = 1_000_000_000
"""Largest integer accepted for a count without an upper bound of its own (capacity, workload, max_mentors,
max_mentees): larger numbers are surely typos and would overflow fixed-width arrays further down."""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_INT_RE = re.compile(r"[+-]?[0-9]+")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_VOCAB_SEP_RE = re.compile(r"[- ]")
_VOCAB_HINT = "expected one of " + ", ".join(EXTREMISM_TYPES) + " (aliases: " + ", ".join(EXTREMISM_ALIASES) + ")"


class _CellError(Exception):
    """A cell that cannot be read; the argument is the message for the user."""


def _id(text: str) -> str:
    if text.startswith(_FORMULA_STARTS):
        first = {"\t": "a tab", "\r": "a carriage return"}.get(text[0], repr(text[0]))
        raise _CellError(f"an id must not begin with {first}: a spreadsheet would run it as a formula")
    return text


def _text(text: str) -> str:
    return text.casefold()


def _verbatim(text: str) -> str:
    return text


def _items(text: str) -> list[str]:
    """Trimmed, casefolded, non-empty list items, duplicates removed, first-seen order kept."""
    if ";" not in text:
        return [text.casefold()]
    return list(dict.fromkeys(item.strip().casefold() for item in text.split(";") if item and not item.isspace()))


def _tags(text: str) -> frozenset[str]:
    return frozenset(_items(text))


def _languages(text: str) -> tuple[str, ...]:
    items = _items(text)
    if not items:
        raise _CellError("needs at least one language")
    return tuple(items)


def _coach_languages(text: str) -> frozenset[str] | None:
    return frozenset(_items(text)) or None


def _extremism_type(text: str) -> str:
    key = _VOCAB_SEP_RE.sub("_", text.casefold())
    if key in EXTREMISM_TYPES:
        return key
    alias = EXTREMISM_ALIASES.get(key)
    if alias is None:
        raise _CellError(f"unknown extremism type {text!r}{_type_hint(key)}; {_VOCAB_HINT}")
    return alias


def _type_hint(key: str) -> str:
    found = guess(key, [*EXTREMISM_TYPES, *EXTREMISM_ALIASES])
    if found is None:
        return ""
    return f" (did you mean {EXTREMISM_ALIASES.get(found, found)!r}?)"


def _extremism_types(text: str) -> frozenset[str]:
    values, bad = [], []
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        try:
            values.append(_extremism_type(item))
        except _CellError:
            bad.append(item)
    if bad:
        names = ", ".join(repr(b) + _type_hint(_VOCAB_SEP_RE.sub("_", b.casefold())) for b in bad)
        raise _CellError(f"unknown extremism type{'s' if len(bad) > 1 else ''} {names}; {_VOCAB_HINT}")
    return frozenset(values)


def _specialisms(text: str) -> frozenset[str] | None:
    return _extremism_types(text) or None


def _risk_level(text: str) -> str:
    value = text.casefold()
    if value not in RISK_LEVELS:
        found = guess(value, RISK_LEVELS)
        hint = f" (did you mean {found!r}?)" if found else ""
        raise _CellError(f"unknown risk level{hint}; expected {', '.join(RISK_LEVELS[:-1])} or {RISK_LEVELS[-1]}")
    return value


def _status(text: str) -> str:
    value = text.casefold()
    if value not in MENTOR_STATUSES:
        found = guess(value, MENTOR_STATUSES)
        hint = f" (did you mean {found!r}?)" if found else ""
        raise _CellError(f"unknown status{hint}; expected {', '.join(MENTOR_STATUSES[:-1])} or {MENTOR_STATUSES[-1]}")
    return value


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YES = ("yes", "true", "1")
_NO = ("no", "false", "0")


def _iso_date(text: str) -> str:
    import datetime

    if _DATE_RE.fullmatch(text) is None:
        raise _CellError("since must be a date written YYYY-MM-DD, e.g. 2026-03-01")
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise _CellError("since is not a real date (YYYY-MM-DD)") from None
    return text


def _yes_no(text: str) -> bool:
    value = text.casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _CellError("locked must be yes or no (also true/false, 1/0)")


def _availability(text: str) -> int | None:
    try:
        return parse_availability(text) or None
    except ValueError as err:
        raise _CellError(f"bad availability: {err}") from None


def _integer(name: str, low: int, high: int) -> Callable[[str], int]:
    expected = f"a whole number of at least {low}" if high == MAX_INT else f"a whole number from {low} to {high}"
    out_of_range = f"{name} is out of range: expected {expected}"
    too_large = f"{name} is too large: expected at most {high}"

    def parse(text: str) -> int:
        if _INT_RE.fullmatch(text) is None:
            raise _CellError(f"{name} must be {expected}, written in plain digits")
        if len(text.lstrip("+-").lstrip("0")) > 10:  # never hand int() thousands of digits
            raise _CellError(out_of_range if text.startswith("-") else too_large)
        value = int(text)
        if value < low:
            raise _CellError(out_of_range)
        if value > high:
            raise _CellError(too_large if high == MAX_INT else out_of_range)
        return value

    return parse


def _experience_years(text: str) -> float:
    if _DECIMAL_RE.fullmatch(text) is None:
        raise _CellError("experience_years must be a plain decimal number of at least 0, e.g. 2.5")
    value = float(text) + 0.0  # + 0.0 turns -0.0 into 0.0
    if not math.isfinite(value):
        raise _CellError("experience_years is too large")
    if value < 0:
        raise _CellError("experience_years must be at least 0")
    return value
