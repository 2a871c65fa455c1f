"""Shared fixtures (small CSV rosters written into ``tmp_path``) and the one hypothesis profile of the suite.

The profile: no per-example deadline (a solve's first call pays for imports and warm-up, and CP-SAT's time varies
with the machine) and no "too slow" health check (building a roster is slow by design). Tests set only their
``max_examples``; hypothesis strategies live in ``strategies.py``, the brute-force oracle in ``oracles.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("mentormatch", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("mentormatch")

MENTEES_CSV = "id,age,gender,languages,extremism_type\nm1,30,male,en,islamist\nm2,25,female,ar;en,far_right\n"
"""A valid minimal ``mentees.csv``: required columns only."""

MENTORS_CSV = "id,age,gender,languages\nt1,40,male,en\nt2,50,female,ar\n"
"""A valid minimal ``mentors.csv``: required columns only."""

COACHES_CSV = "id,max_mentors\nc1,3\n"
"""A valid minimal ``coaches.csv``."""

RosterFactory = Callable[..., Path]


def write_file(path: Path, content: str | bytes) -> Path:
    """Write ``content`` exactly as given: bytes untouched, text as UTF-8 with its line endings kept."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.fixture
def make_roster(tmp_path: Path) -> RosterFactory:
    """Write a roster folder and return its path.

    ``make_roster(mentees=..., mentors=..., coaches=..., exclusions=...)``: each argument is the file's content
    (str or bytes); ``mentees`` and ``mentors`` default to the valid minimal files above, ``coaches`` and
    ``exclusions`` to no file. Pass ``None`` to leave a file out.
    """
    counter = iter(range(1_000_000))

    def make(
        *,
        mentees: str | bytes | None = MENTEES_CSV,
        mentors: str | bytes | None = MENTORS_CSV,
        coaches: str | bytes | None = None,
        exclusions: str | bytes | None = None,
    ) -> Path:
        folder = tmp_path / f"roster{next(counter)}"
        folder.mkdir()
        for name, content in (
            ("mentees.csv", mentees),
            ("mentors.csv", mentors),
            ("coaches.csv", coaches),
            ("exclusions.csv", exclusions),
        ):
            if content is not None:
                write_file(folder / name, content)
        return folder

    return make
