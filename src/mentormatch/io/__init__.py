"""Roster files in, CSV files out: the file input and output of mentormatch.

Reading (:func:`read_roster`) turns the CSV files of PRODUCT.md section 2 into validated profiles
(:mod:`mentormatch.schema`), or raises :class:`~mentormatch.errors.InputError` listing every problem found in
every file, each located by file, line (as a spreadsheet shows it), column (as written in the header) and value.
Writing (:func:`write_text_atomic`, :func:`write_csv_atomic`, :func:`write_roster`, :func:`write_matches`) goes
through a temporary file in the target folder and an atomic rename, so a failed write never leaves a half-written
file or touches an existing one.

Cell values are never logged or printed here; they appear only in the problems handed back to the caller.

The package, one job per module (each imports only those above it)::

    _paths        the paths accepted (str or path-like) and their str form
    atomic        write_bytes_atomic, write_text_atomic, write_csv_atomic: every whole file the library writes
    cells         one cell's text → a profile value (ids, text, lists, vocabularies, risk level, status, dates,
                  yes/no, availability, whole numbers, experience years), or _CellError with the message
    tables        each file's columns (mentees, mentors, coaches, exclusions, current pairs, matches files),
                  the *_COLUMNS orders, the problem collector, one CSV file → located, parsed rows
    roster        read_roster: which file for each part, the checks across files, the current pairs
    roster_write  write_roster: profiles → cells that read back equal
    matches       read_matches (a GivenMatching) and write_matches

Elsewhere, the TOML config is read by :func:`mentormatch.config.load_config`, and the benchmark harness reads and
appends its own results file.
"""

from mentormatch.io._paths import PathLike as PathLike
from mentormatch.io.atomic import write_bytes_atomic, write_csv_atomic, write_text_atomic
from mentormatch.io.cells import MAX_INT
from mentormatch.io.matches import GivenMatching, read_matches, write_matches
from mentormatch.io.roster import ROSTER_FILES, read_roster
from mentormatch.io.roster_write import write_roster
from mentormatch.io.tables import COACH_COLUMNS, CURRENT_COLUMNS, EXCLUSION_COLUMNS, MENTEE_COLUMNS, MENTOR_COLUMNS

__all__ = [
    "ROSTER_FILES",
    "MENTEE_COLUMNS",
    "MENTOR_COLUMNS",
    "COACH_COLUMNS",
    "EXCLUSION_COLUMNS",
    "CURRENT_COLUMNS",
    "MAX_INT",
    "read_roster",
    "write_roster",
    "write_text_atomic",
    "write_bytes_atomic",
    "write_csv_atomic",
    "write_matches",
    "read_matches",
    "GivenMatching",
]
