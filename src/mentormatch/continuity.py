"""A scheme over time (PRODUCT.md section 7): current pairs in, the continuity tier, and what changed and why.

A re-run knows the running mentorships (``current.csv``), keeps them unless there is a reason, and says what
changed. This module owns that knowledge:

* :func:`current_pairs` reads the roster's current pairs against the profiles and the config: which are *valid*
  (both people present, the mentor not ``leaving``, every hard rule kept except those in ``[continuity]
  exempt_rules``), why the others are not, and which are locked. A locked pair that breaks a rule not waived,
  names a leaving mentor, or does not fit its mentor's capacity with the mentor's other locked pairs is an input
  error located by its line.
* :func:`restrict` applies mentor status and exemptions to the allowed mask: a ``leaving`` mentor takes no one;
  a ``paused`` mentor keeps valid current mentees and takes no one else (without current pairs, both take no
  one); a valid current pair allowed only through an exempted rule is allowed for that mentee alone.
* The solver sees the tier through :class:`~mentormatch.problem.Instance`'s ``keep`` / ``locked`` /
  ``keep_tier`` (:data:`TIER_OF_MODE`), folded into the same integer gains as priority and score.
* :func:`changes` classifies each mentee's row of an answer (``kept``, ``locked``, ``new``, ``moved``,
  ``ended``) with the first reason that applies (``mentor_leaving``, ``rule:<rule>``, ``capacity_reduced``,
  ``coach``, ``priority``, ``better_fit``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import MatchConfig
from .errors import InputError, InputProblem
from .schema import Roster

__all__ = [
    "CurrentPairs",
    "TIER_OF_MODE",
    "CHANGES",
    "CHANGE_REASONS",
    "current_pairs",
    "restrict",
    "changes",
    "coach_changes",
    "always_kept",
    "reason_words",
    "closed_by_status",
]

TIER_OF_MODE = {"keep": "first", "prefer": "second", "none": "last"}
"""Where each continuity mode puts K, the number of valid current pairs kept, among the objective's tiers."""

CHANGES: dict[str, str] = {
    "kept": "the running pair continues",
    "locked": "the running pair is locked and continues",
    "new": "no running pair before; a new mentor now",
    "moved": "the running pair ended; a new mentor now",
    "ended": "the running pair ended; no mentor now",
}
"""The values of the matches file's ``change`` column (empty: no pair before, none now), with their words."""

CHANGE_REASONS: dict[str, str] = {
    "mentor_leaving": "the mentor is leaving",
    "rule:<rule>": "the pair no longer passes that hard rule",
    "capacity_reduced": "the mentor's capacity fell below the workload of their valid current pairs, and this one "
    "did not fit",
    "coach": "the coach rules left no way to keep the pair",
    "priority": "keeping it would have matched less priority",
    "better_fit": "a fresh matching places the mentee otherwise",
}
"""The values of ``change_reason`` for ``moved`` and ``ended`` rows, in the order they are tried, with their
words (:func:`reason_words`). ``coach`` arises only with coaches."""


def reason_words(reason: str) -> str:
    """The words for a ``change_reason``: ``rule:high_risk`` → "the pair no longer passes the high_risk rule"."""
    if reason.startswith("rule:"):
        return f"the pair no longer passes the {reason.removeprefix('rule:')} rule"
    return CHANGE_REASONS.get(reason, "")


@dataclass(frozen=True, eq=False)
class CurrentPairs:
    """The roster's current pairs in index space, read against the profiles and the config.

    Attributes
    ----------
    mode : {"keep", "prefer", "none"}
    mentor : (n,) int64 array
        Each mentee's current mentor index, −1 = no current pair.
    valid : (n,) bool array
        The current pair is valid (PRODUCT.md section 7): the mentor is not leaving and the pair keeps every hard
        rule not exempted.
    locked : (n,) bool array
        The pair is locked (always valid: an invalid lock is an input error).
    invalid : tuple of str or None
        Per mentee, why the current pair is not valid: ``"mentor_leaving"`` or ``"rule:<rule>"``; None otherwise.
    exempted : (n,) bool array
        Valid only because a rule is exempted.
    coach : (m,) int64 array
        Each mentor's current coach index from the file, −1 = none named.
    over_capacity : (m,) bool array
        The mentor's capacity is below the workload of their valid current pairs.
    """

    mode: str
    mentor: np.ndarray
    valid: np.ndarray
    locked: np.ndarray
    invalid: tuple[str | None, ...]
    exempted: np.ndarray
    coach: np.ndarray
    over_capacity: np.ndarray

    @property
    def tier(self) -> str:
        """The solver's ``keep_tier`` for this mode."""
        return TIER_OF_MODE[self.mode]

    @property
    def keep(self) -> np.ndarray:
        """(n,) int64: the valid current pair's mentor, −1 where none (the solver's ``Instance.keep``)."""
        return np.where(self.valid, self.mentor, -1)

    def with_mode(self, mode: str) -> CurrentPairs:
        """The same pairs under another mode (the price of continuity re-solves in mode ``none``)."""
        from dataclasses import replace

        return replace(self, mode=mode)

    def __repr__(self) -> str:
        return (
            f"CurrentPairs(mode={self.mode!r}, pairs={int((self.mentor >= 0).sum())}, "
            f"valid={int(self.valid.sum())}, locked={int(self.locked.sum())})"
        )


def current_pairs(roster: Roster, config: MatchConfig, allowed: np.ndarray) -> CurrentPairs | None:
    """The roster's current pairs checked against ``config`` and the encoder's ``allowed`` mask (before status).

    Returns None when the roster has no current pairs file.

    Raises
    ------
    InputError
        A locked pair that breaks a hard rule not exempted, names a leaving mentor, or exceeds its mentor's
        capacity together with the mentor's other locked pairs; every one at once, located by its line.
    """
    if roster.current is None:
        return None
    from .rules import RULES
    from .verify import broken_rules

    mentees, mentors = roster.mentees, roster.mentors
    n, m = len(mentees), len(mentors)
    mentee_index = {p.id: i for i, p in enumerate(mentees)}
    mentor_index = {p.id: j for j, p in enumerate(mentors)}
    coach_index = {c.id: k for k, c in enumerate(roster.coaches)}
    exempt = set(config.continuity.exempt_rules)
    excluded = {(e.mentee_id, e.mentor_id) for e in roster.exclusions}
    mentor = np.full(n, -1, dtype=np.int64)
    valid = np.zeros(n, dtype=bool)
    locked = np.zeros(n, dtype=bool)
    exempted = np.zeros(n, dtype=bool)
    invalid: list[str | None] = [None] * n
    coach = np.full(m, -1, dtype=np.int64)
    file = roster.files.get("current", "current.csv")
    problems: list[InputProblem] = []
    line_of: dict[int, int | None] = {}
    for pair in roster.current:
        i, j = mentee_index[pair.mentee_id], mentor_index[pair.mentor_id]
        mentor[i] = j
        line_of[i] = pair.line
        if pair.coach_id is not None and pair.coach_id in coach_index:
            coach[j] = coach_index[pair.coach_id]
        broken = (
            []
            if allowed[i, j]
            else broken_rules(mentees[i], mentors[j], config, (pair.mentee_id, pair.mentor_id) in excluded)
        )
        binding = [rule for rule in RULES if rule in broken and rule not in exempt]
        if mentors[j].status == "leaving":
            invalid[i] = "mentor_leaving"
        elif binding:
            invalid[i] = f"rule:{binding[0]}"
        else:
            valid[i] = True
            exempted[i] = bool(broken)
        if pair.locked:
            locked[i] = True
            if invalid[i] == "mentor_leaving":
                problems.append(
                    InputProblem(
                        file,
                        pair.line,
                        "locked",
                        "yes",
                        f"the pair {pair.mentee_id} - {pair.mentor_id} is locked but mentor "
                        f"{pair.mentor_id} is leaving; unlock it or change the mentor's status",
                    )
                )
            elif invalid[i] is not None:
                rules = ", ".join(binding)
                problems.append(
                    InputProblem(
                        file,
                        pair.line,
                        "locked",
                        "yes",
                        f"the locked pair {pair.mentee_id} - {pair.mentor_id} breaks the {rules} "
                        f"rule{'s' if len(binding) > 1 else ''}; unlock it, or exempt the rule "
                        f"in [continuity] exempt_rules where it may be exempted",
                    )
                )
    workload = np.fromiter((p.workload for p in mentees), np.int64, n)
    capacity = np.fromiter((p.capacity for p in mentors), np.int64, m)
    locked_load = np.bincount(mentor[locked], weights=workload[locked], minlength=m).astype(np.int64)
    for j in np.flatnonzero(locked_load > capacity).tolist():
        rows = np.flatnonzero(locked & (mentor == j))
        last = max(rows, key=lambda i: line_of[int(i)] or 0)
        problems.append(
            InputProblem(
                file,
                line_of[int(last)],
                "locked",
                "yes",
                f"mentor {mentors[j].id}'s locked pairs need {int(locked_load[j])} capacity "
                f"units but the capacity is {int(capacity[j])}; unlock one or raise the "
                f"capacity",
            )
        )
    if problems:
        raise InputError(problems)
    valid_load = np.bincount(mentor[valid], weights=workload[valid], minlength=m).astype(np.int64)
    return CurrentPairs(
        mode=config.continuity.mode,
        mentor=mentor,
        valid=valid,
        locked=locked,
        invalid=tuple(invalid),
        exempted=exempted,
        coach=coach,
        over_capacity=valid_load > capacity,
    )


def always_kept(current: CurrentPairs) -> np.ndarray:
    """(n,) bool: the current pairs every optimal answer keeps, so that the solve may fix them beforehand.

    Locked pairs in every mode (the tier above all others; they fit their mentors, or the input was refused). In
    mode ``keep`` also every valid pair whose mentor's capacity holds all of its valid current pairs: K, the number
    kept, comes first and is the sum over mentors of the most that fit there, so an answer that drops one of these
    keeps fewer. (Not with a coach tier: coach rules can stand between a mentor and its pairs.)
    """
    fixed = current.locked.copy()
    if current.mode == "keep":
        fixed |= current.valid & ~current.over_capacity[np.maximum(current.mentor, 0)]
    return fixed


def closed_by_status(roster: Roster, current: CurrentPairs | None, rows: np.ndarray) -> np.ndarray:
    """(len(rows), m) bool: the pairs of mentees ``rows`` that a mentor's status closes, whatever the rules say: a
    leaving mentor's, and a paused mentor's except the mentee's own valid current pair. No rule relaxation opens
    them (the diagnosis and the relaxation sets treat them like exclusions)."""
    rows = np.asarray(rows, dtype=np.int64)
    status = np.asarray([p.status != "active" for p in roster.mentors], dtype=bool)
    closed = np.repeat(status[None, :], rows.size, axis=0)
    if current is not None and rows.size:
        own = np.flatnonzero(current.valid[rows])
        closed[own, current.mentor[rows[own]]] = False
    return closed


def restrict(roster: Roster, allowed: np.ndarray, current: CurrentPairs | None) -> None:
    """Apply mentor status and exemptions to ``allowed`` in place (PRODUCT.md section 7).

    ``leaving`` mentors take no one; ``paused`` mentors keep their valid current mentees and take no one else;
    a valid current pair is allowed even where an exempted rule forbids it (for that mentee alone).
    """
    status = np.asarray([p.status for p in roster.mentors], dtype=object)
    closed = np.flatnonzero(status != "active")
    if closed.size:
        allowed[:, closed] = False
    if current is None:
        return
    rows = np.flatnonzero(current.valid)
    allowed[rows, current.mentor[rows]] = True


def changes(current: CurrentPairs, mentor_of: np.ndarray, *, coaches: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The ``change`` and ``change_reason`` of every mentee's row (object arrays, None = empty).

    A mentee with a current pair is ``kept`` (``locked``) at that mentor, ``moved`` to another, or ``ended``
    without one; a mentee without is ``new`` when matched. A moved or ended pair gets the first reason that
    applies: ``mentor_leaving``; ``rule:<rule>`` (no longer valid); ``capacity_reduced`` (the mentor's capacity
    fell below the workload of their valid current pairs); ``coach`` (mode ``keep`` only: the coach rules left no
    way to keep it); ``priority`` (mode ``prefer``, and ``keep`` without coaches: keeping it would have matched
    less Σ priority); ``better_fit`` (mode ``none``: the fresh optimum places the mentee otherwise).
    """
    n = len(mentor_of)
    change = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    had = current.mentor >= 0
    matched = mentor_of >= 0
    same = had & (mentor_of == current.mentor)
    change[~had & matched] = "new"
    change[same] = "kept"
    change[same & current.locked] = "locked"
    change[had & ~same & matched] = "moved"
    change[had & ~matched] = "ended"
    default = {"keep": "coach" if coaches else "priority", "prefer": "priority", "none": "better_fit"}[current.mode]
    for i in np.flatnonzero(had & ~same):
        if current.invalid[i] is not None:
            reason[i] = current.invalid[i]
        elif current.over_capacity[current.mentor[i]]:
            reason[i] = "capacity_reduced"
        else:
            reason[i] = default
    return change, reason


def coach_changes(current: CurrentPairs, mentor_of: np.ndarray, coach_of: np.ndarray | None) -> dict[str, int]:
    """Counts of mentors by what happened to their coach: ``kept``, ``changed``, ``new`` (a coach now, none named
    before), ``ended`` (a coach named before, none now)."""
    counts = {"kept": 0, "changed": 0, "new": 0, "ended": 0}
    if coach_of is None:
        return counts
    before, now = current.coach, np.asarray(coach_of, dtype=np.int64)
    counts["kept"] = int(((before >= 0) & (now == before)).sum())
    counts["changed"] = int(((before >= 0) & (now >= 0) & (now != before)).sum())
    counts["new"] = int(((before < 0) & (now >= 0)).sum())
    counts["ended"] = int(((before >= 0) & (now < 0)).sum())
    return counts
