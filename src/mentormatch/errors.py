"""The library's exceptions and the located input problem, in one place.

- :class:`InputError` (alias :data:`RosterError`, its earlier name): bad input, from any file the user gave (roster
  files, a config, a matches file, current pairs): every problem found at once, each an :class:`InputProblem` with
  file, line, column and value. The CLI prints them and exits 2.
- :class:`SolverUnsuitable`: the solver asked for cannot take this problem; the message names one that can.
- :class:`MatchingBug` and :class:`SolverBug`: an answer broke a hard rule: an internal error (exit 1), never written
  out. The messages carry ids and rule names only.
- :class:`ExitCode`: what the command line returns for each.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_LISTED_PROBLEMS",
    "ExitCode",
    "InputError",
    "InputProblem",
    "MatchingBug",
    "NotAllMatchable",
    "RosterError",
    "RosterWarning",
    "SolverBug",
    "SolverUnsuitable",
]


class ExitCode(enum.IntEnum):
    """The ``mentormatch`` command's exit codes (PRODUCT.md section 5)."""

    OK = 0
    """A matching was written (or the command did what it was asked)."""
    INTERNAL = 1
    """An internal error (:class:`MatchingBug`, :class:`SolverBug`): a bug to report; nothing written."""
    INPUT = 2
    """Bad input or usage (:class:`InputError`, :class:`SolverUnsuitable`, a file that cannot be written)."""
    NO_MATCH = 3
    """No mentee can be matched under the hard rules (the file is still written, every row with its reason), no
    answer within the time limit, or ``--require-all`` cannot be met (no file)."""


MAX_LISTED_PROBLEMS = 50
"""Past this many, further input problems are counted, not listed (PRODUCT.md section 2)."""


@dataclass(frozen=True, order=True)
class InputProblem:
    """One thing wrong with the input, located as a spreadsheet user would look for it.

    ``line`` is the line number a spreadsheet shows (header = 1); ``None`` for a problem with the whole file.
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        if self.value is not None:
            where += f", value {self.value!r}"
        return f"{where}: {self.message}"

    def sort_key(self) -> tuple[str, int, str]:
        return (self.file, -1 if self.line is None else self.line, self.column or "")


@dataclass(frozen=True)
class RosterWarning:
    """Something in the input that is odd but not wrong (:attr:`Roster.warnings
    <mentormatch.schema.Roster.warnings>`), located like an :class:`InputProblem`.

    ``likely_slip`` is True for what the coordinator probably did not mean (a value spelt differently from the
    other side's, a column left unread), False for a fact worth knowing (a language only mentees speak).
    """

    problem: InputProblem
    likely_slip: bool

    def __str__(self) -> str:
        return str(self.problem)


class InputError(ValueError):
    """Bad input: every problem found, sorted by file and line.

    ``str(err)`` lists the first :data:`MAX_LISTED_PROBLEMS` problems, one a line, and counts the rest.
    """

    def __init__(self, problems: list[InputProblem]):
        self.problems = sorted(problems, key=InputProblem.sort_key)
        super().__init__(self._format())

    def _format(self) -> str:
        shown = self.problems[:MAX_LISTED_PROBLEMS]
        lines = [str(p) for p in shown]
        rest = len(self.problems) - len(shown)
        if rest > 0:
            lines.append(f"... and {rest} more problem{'s' if rest != 1 else ''} not listed")
        return "\n".join(lines)


RosterError = InputError
"""The earlier name of :class:`InputError` (it is raised for config and matches-file errors too)."""


class NotAllMatchable(Exception):
    """``solve(..., require_all=True)``: not every mentee can be matched (``relaxation``, from
    :func:`mentormatch.relaxations`, names the fewest rule families to relax) or the answer leaves some unmatched
    (``result``, the :class:`~mentormatch.result.MatchResult`). ``str(err)`` says which and why; the CLI exits 3
    and writes no file."""

    def __init__(self, message: str, *, relaxation: Any = None, result: Any = None):
        super().__init__(message)
        self.relaxation = relaxation
        self.result = result


class SolverUnsuitable(ValueError):
    """The chosen solver cannot take this problem; the message names one that can."""


class MatchingBug(RuntimeError):
    """An answer broke a hard rule or a capacity: an internal error (exit 1), never written out.

    The message carries ids and rule names only.
    """


class SolverBug(RuntimeError):
    """A solver's answer broke a rule (an internal error, never a status)."""
