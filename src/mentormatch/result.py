"""What a solve returns: the status, both objective parts with their bounds, and one row per mentee."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import CRITERIA
from .problem import Status

__all__ = ["Status", "MatchResult", "ChangeSummary", "OUTPUT_COLUMNS", "CONTINUITY_COLUMNS", "REASONS"]

OUTPUT_COLUMNS: tuple[str, ...] = ("mentee_id", "mentor_id", "coach_id", "score", *CRITERIA, "reason", "reason_detail")
"""Columns of the matches file, in order (PRODUCT.md section 5)."""
CONTINUITY_COLUMNS: tuple[str, ...] = ("previous_mentor_id", "change", "change_reason")
"""The columns a matches file gains at its end when current pairs were given (PRODUCT.md section 7)."""

REASONS: dict[str, str] = {
    "no_allowed_mentor": "no mentor passes every hard rule for this mentee",
    "workload": "allowed mentors exist, but none has capacity for this case's workload at all",
    "capacity": "allowed mentors exist, but their capacity went to higher-priority or better-fitting cases",
    "coach": "allowed mentors exist, but none could be given a coach who may supervise this case",
    "time_limit": "the search stopped before this mentee was placed",
    "not_placed": "a matching read from a file leaves this mentee out although an allowed mentor has room",
}
"""Reason codes for an unmatched mentee (PRODUCT.md section 6); ``not_placed`` only describes a given matching."""


@dataclass(frozen=True)
class ChangeSummary:
    """What a re-run changed (PRODUCT.md section 7): counts only, no ids.

    Attributes
    ----------
    mode : str
        The continuity mode (``keep``, ``prefer`` or ``none``).
    pairs, valid, kept, locked : int
        Current pairs given; valid ones; kept (locked ones included); locked ones.
    changes : dict
        Count per ``change`` value (``kept``, ``locked``, ``new``, ``moved``, ``ended``).
    reasons : dict
        Count per ``change_reason`` of the moved and ended rows.
    coach_changes : dict or None
        With coaches: mentors whose coach was ``kept``, ``changed``, ``new`` or ``ended``.
    fresh_priority, fresh_score, fresh_matched : int, float, int or None
        The price of continuity: Σ priority, mean score (0–100) and matched count of a fresh matching (mode
        ``none``) of the same roster; None when not computed (``--no-price``).
    priority_sum, mean_score : int, float
        This answer's, for comparison.
    """

    mode: str
    pairs: int
    valid: int
    kept: int
    locked: int
    changes: dict[str, int]
    reasons: dict[str, int]
    coach_changes: dict[str, int] | None = None
    fresh_priority: int | None = None
    fresh_score: float | None = None
    fresh_matched: int | None = None
    priority_sum: int = 0
    mean_score: float = 0.0

    def lines(self) -> list[str]:
        """The summary's continuity lines."""
        order = ("kept", "locked", "moved", "ended", "new")
        counts = ", ".join(f"{name} {self.changes.get(name, 0)}" for name in order)
        lines = [f"continuity (mode {self.mode}): {self.pairs} current pairs, {self.valid} valid; {counts}"]
        if self.reasons:
            lines.append("moved or ended, by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(self.reasons.items())))
        if self.coach_changes is not None:
            lines.append("coaches of mentors: " + ", ".join(f"{k} {v}" for k, v in self.coach_changes.items()))
        if self.fresh_priority is not None:
            lines.append(
                f"price of continuity: a fresh matching reaches priority {self.fresh_priority} "
                f"(this one {self.priority_sum}) and mean score {self.fresh_score:.1f} (this one "
                f"{self.mean_score:.1f}), {self.fresh_matched} matched"
            )
        return lines


@dataclass(frozen=True, eq=False)
class MatchResult:
    """A verified matching.

    Attributes
    ----------
    status : Status
        ``optimal`` when both Σ priority and Σ score are proven optimal; ``feasible`` when not proven (then
        ``bound``/``gap`` say how far it can be); ``no_solution`` when nothing was found in time.
    table : DataFrame
        One row per mentee in input order with the columns of :data:`OUTPUT_COLUMNS` (and
        :data:`CONTINUITY_COLUMNS` when current pairs were given); ``score`` and the criterion
        columns on the 0–100 scale (one decimal), NaN where unmatched; ``reason`` / ``reason_detail`` filled only
        where unmatched.
    priority_sum, objective : int, float
        Σ priority over matched mentees and Σ S (0–1 scale) over matched pairs.
    priority_bound, bound : int or None, float or None
        Upper bounds on Σ priority, and on Σ S among answers reaching ``priority_sum`` (known only when the
        priority part is proven).
    gap : float or None
        (bound − objective) / max(bound, 1e-9), only when the priority part is proven.
    solver : str
        The method that produced the answer (``auto`` resolved).
    seconds : float
        Wall time of the solve, verification included.
    """

    status: Status
    table: pd.DataFrame
    priority_sum: int
    objective: float
    priority_bound: int | None
    bound: float | None
    gap: float | None
    solver: str
    seconds: float
    risk_level: tuple[str, ...] = field(default=(), repr=False)
    capacity_used: int = 0
    capacity_total: int = 0
    mentors_used: int = 0
    mentors_total: int = 0
    message: str = ""
    coaches: pd.DataFrame | None = field(default=None, repr=False)
    """With coaches: one row per coach (``coach_id, mentors, max_mentors, mentees, max_mentees, workload``), the
    limits as given (``max_mentees`` None = no limit); None without coaches."""
    changes: ChangeSummary | None = None
    """With current pairs: what changed and why, and the price of continuity; None without current pairs (then
    ``table`` has no :data:`CONTINUITY_COLUMNS`)."""

    @property
    def pairs(self) -> pd.DataFrame:
        """The matched rows of :attr:`table`."""
        return self.table[self.table["mentor_id"].notna()].reset_index(drop=True)

    @property
    def unmatched(self) -> pd.DataFrame:
        """The unmatched mentees with their reason codes and words."""
        rows = self.table[self.table["mentor_id"].isna()]
        return rows[["mentee_id", "reason", "reason_detail"]].reset_index(drop=True)

    @property
    def n_matched(self) -> int:
        return int(self.table["mentor_id"].notna().sum())

    @property
    def priority_missing(self) -> int | None:
        """How many priority points the answer may be short of the optimum (None when unknown)."""
        if self.priority_bound is None:
            return None
        return max(0, self.priority_bound - self.priority_sum)

    def summary(self) -> str:
        """A one-screen text summary: ids never appear, only counts, scores and the solver's report."""
        n = len(self.table)
        matched = self.table["mentor_id"].notna().to_numpy()
        lines = [f"mentees: {n}, matched {int(matched.sum())}, unmatched {n - int(matched.sum())}"]
        risks = np.asarray(self.risk_level, dtype=object)
        if len(risks) == n and n:
            parts = []
            for level in ("high", "medium", "low"):
                at = risks == level
                if at.any():
                    parts.append(f"{level} {int((matched & at).sum())}/{int(at.sum())}")
            lines.append("matched by risk level: " + ", ".join(parts))
        if matched.any():
            scores = self.table.loc[matched, "score"].to_numpy(dtype=float)
            lines.append(f"score (0-100): mean {scores.mean():.1f}, min {scores.min():.1f}, max {scores.max():.1f}")
        reasons = self.table["reason"].dropna().value_counts()
        if len(reasons):
            lines.append("unmatched reasons: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
        if self.capacity_total:
            share = 100 * self.capacity_used / self.capacity_total
            lines.append(
                f"capacity used: {self.capacity_used}/{self.capacity_total} units ({share:.0f} %), "
                f"mentors with a mentee {self.mentors_used}/{self.mentors_total}"
            )
        if self.coaches is not None:
            lines.extend(self._coach_lines())
        if self.changes is not None:
            lines.extend(self.changes.lines())
        lines.append(f"solver: {self.solver}, status: {self.status}, time: {self.seconds:.2f} s")
        bound = "" if self.priority_bound is None else f" (bound {self.priority_bound})"
        lines.append(
            f"objective: priority {self.priority_sum}{bound}, score {100 * self.objective:.1f} points "
            "(the matched pairs' 0-100 scores added up)"
        )
        if self.bound is not None:
            gap = "" if self.gap is None else f", gap {100 * self.gap:.3f} %"
            lines.append(f"score bound: {100 * self.bound:.1f} points{gap}")
        elif self.priority_missing:
            lines.append(f"up to {self.priority_missing} priority points may be missing")
        if self.message:
            lines.append(f"note: {self.message}")
        return "\n".join(lines)

    COACH_LINES = 12
    """Coaches listed one per line in :meth:`summary`; beyond, the busiest are listed and the rest counted."""

    def _coach_lines(self) -> list[str]:
        coaches = self.coaches
        assert coaches is not None  # called only with coaches
        active = int((coaches["mentors"] > 0).sum())
        lines = [
            f"coaches: {active}/{len(coaches)} supervising, {int(coaches['mentors'].sum())} mentors, "
            f"{int(coaches['mentees'].sum())} mentees"
        ]
        shown = coaches
        if len(coaches) > self.COACH_LINES:
            shown = coaches.sort_values(["mentees", "mentors"], ascending=False, kind="stable").head(self.COACH_LINES)
        for row in shown.itertuples(index=False):
            limit = row.max_mentees
            mentees = (
                f"{row.mentees} (no case-load limit)" if limit is None or pd.isna(limit) else f"{row.mentees}/{limit}"
            )
            lines.append(f"  {row.coach_id}: mentors {row.mentors}/{row.max_mentors}, mentees {mentees}")
        if len(coaches) > len(shown):
            lines.append(f"  ... and {len(coaches) - len(shown)} more coaches (all in MatchResult.coaches)")
        return lines
