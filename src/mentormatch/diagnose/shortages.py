"""The shortage analysis: supply against demand per group of mentees, the mentees nobody may take, the coach
tier's limits, and a remedy in words for each shortage (:func:`diagnose`, :class:`Diagnosis`).

Groups are every mentee, each extremism type, primary language, risk level and region, and (with a coach tier)
each extremism type over the mentors a coach may supervise. A group's numbers are counts over its rows of the
allowed mask and a maximum matching (:func:`mentormatch.solvers.maxflow.max_matching`) grown from the whole
roster's, restricted to the group. What a rule asks and its remedy come from :mod:`mentormatch.rules`; the words
for capacity, workloads, paused mentors and coaches are here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from mentormatch.config import MatchConfig
from mentormatch.continuity import closed_by_status
from mentormatch.diagnose._common import all_mentees, mentee_word
from mentormatch.encode import encode, rule_bits
from mentormatch.problem import Problem
from mentormatch.result import MatchResult
from mentormatch.rules import RELAXABLE, RULES, Shortfall, relaxable_rules, remedy
from mentormatch.schema import EXTREMISM_TYPES, RISK_LEVELS
from mentormatch.solvers.maxflow import grow, max_matching

__all__ = ["Diagnosis", "diagnose", "SHORTAGE_COLUMNS"]

SHORTAGE_COLUMNS: tuple[str, ...] = (
    "kind",
    "group",
    "mentees",
    "demand",
    "mentors",
    "supply",
    "shortfall",
    "no_allowed_mentor",
    "max_matched",
    "unmatched",
    "remedy",
)
"""Columns of :attr:`Diagnosis.shortages`."""

_KIND_WORDS = {
    "all": "all mentees",
    "extremism_type": "extremism type",
    "language": "language",
    "risk_level": "risk level",
    "region": "region",
    "coach": "coaches",
}


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """Shortages before solving (PRODUCT.md section 6, "Before solving"), from :func:`diagnose`.

    Attributes
    ----------
    shortages : DataFrame
        One row per group, columns :data:`SHORTAGE_COLUMNS`. ``kind`` is ``all`` (one row, every mentee),
        ``extremism_type``, ``language`` (by primary language, the first listed), ``risk_level``, ``region`` (mentees
        who gave one) or ``coach``. For a group G: ``mentees`` = |G|; ``demand`` = Σ workload of G; ``mentors`` =
        mentors allowed to at least one mentee of G; ``supply`` = Σ their capacity (a mentor counts for every group
        it may serve); ``shortfall`` = max(0, demand − supply), a lower bound (Hall) on the capacity units of G left
        unmet; ``no_allowed_mentor`` = mentees of G with no allowed mentor; ``max_matched`` = the most mentees of G
        that can be matched at once, with every mentor free for G (a maximum flow; see :attr:`exact`);
        ``unmatched`` = ``mentees − max_matched``: at least this many of G stay unmatched in any matching (the
        severity); ``remedy`` = what to do, in words, or "" where nothing is short.

        ``coach`` rows (only with a coach tier; every column as above but over the pairs a coach may supervise):
        one per extremism type, where ``no_allowed_mentor`` counts mentees with no allowed mentor whom an
        eligible coach covering their type may supervise, and ``unmatched`` is how many more mentees than under
        the hard rules alone are lost; ``mentor slots``: ``demand`` = mentors needed at least (the fewest whose
        capacities carry ``max_matched`` of the whole roster), ``supply`` = Σ max_mentors, ``max_matched`` = the
        mentees that the ``supply`` mentors with the most capacity can carry; ``case-load``: ``demand`` = mentees
        matchable under the hard rules, ``supply`` = Σ max_mentees. Coach rows bound the coach problem from one
        side only: the limits interact, so a problem with no coach shortage here may still lose mentees to
        supervision.
    no_allowed_mentor : DataFrame
        The mentees with no allowed mentor: ``mentee_id``, ``risk_level``, one column per family of
        :data:`mentormatch.rules.RULES` (how many mentors it excludes; a mentor excluded by several is counted
        under each) and ``fixed_by`` (the families whose relaxation alone would give the mentee an allowed
        mentor, ``;``-separated; ``status`` when a paused or leaving mentor passes every rule).
    max_matched : int
        The most mentees that can be matched at once under the hard rules and capacities (coach tier aside).
    n_mentees : int
    exact : bool
        True when every workload is 1, so that every ``max_matched`` is exact; otherwise they count each mentee
        as one unit on the pairs where the mentor's capacity holds its workload, an upper bound.
    """

    shortages: pd.DataFrame
    no_allowed_mentor: pd.DataFrame
    max_matched: int
    n_mentees: int
    exact: bool = True
    coach_bound: int | None = None
    """With a coach tier: at most this many mentees can be matched under the coach limits too (an upper bound:
    specialisms, languages and fixed coaches per mentee type, Σ max_mentors and Σ max_mentees); else None."""
    obstacles: tuple[str, ...] = ()
    """What stands in the way of the mentees with no allowed mentor, each obstacle said once for all of them
    ("2 mentees share no language with an otherwise suitable mentor: recruit mentors who speak their
    languages"); the groups' ``remedy`` words say it again per group."""
    supply_words: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict, repr=False)
    """(kind, group) → the remedy's words about workloads and capacity only (what :meth:`lines` shows per group,
    the obstacles above having been said once)."""

    @property
    def short(self) -> pd.DataFrame:
        """The rows of :attr:`shortages` with a shortage, most severe first."""
        table = self.shortages
        rows = table[table["remedy"] != ""]
        order = np.lexsort(
            (
                np.arange(len(rows)),
                -rows["no_allowed_mentor"].to_numpy(),
                -rows["shortfall"].to_numpy(),
                -rows["unmatched"].to_numpy(),
            )
        )
        return rows.iloc[order].reset_index(drop=True)

    def lines(self, limit: int | None = 12) -> list[str]:
        """Lines for the terminal: a headline; the obstacles of the mentees with no allowed mentor, each once;
        then up to ``limit`` groups short of capacity (None: all of them), most severe first, with remedies.

        Carries counts, group values (a type, a language, a region) and rule names, never a person's id or
        profile values.
        """
        n, best = self.n_mentees, self.max_matched
        short = self.short
        bound = "" if self.exact else " (workloads above 1 counted as 1: an upper bound)"
        if short.empty and best == n:
            if self.exact:
                return [f"no shortage: {all_mentees(n)} can be matched at once under the hard rules"]
            return [f"no shortage found: every group's demand fits the capacity of its allowed mentors{bound}"]
        lines = [f"at most {best} of {n} {mentee_word(n)} can be matched under the hard rules{bound}"]
        if self.coach_bound is not None and self.coach_bound < best:
            lines[0] += f"; the coach limits allow at most {self.coach_bound}"
        nobody = len(self.no_allowed_mentor)
        if nobody:
            head = f"{nobody} {mentee_word(nobody)} {'has' if nobody == 1 else 'have'} no allowed mentor"
            lines.append(head + (":" if self.obstacles else ""))
            lines.extend(f"  - {obstacle}" for obstacle in self.obstacles)
        blocks = []
        for row in short.itertuples(index=False):
            # one remedy per line: the parts never hold "; " themselves
            said = self.supply_words.get((row.kind, row.group)) if self.obstacles else None
            parts = list(said) if said is not None else row.remedy.split("; ")
            if not parts:
                continue
            if row.kind == "all":
                blocks.append(parts)
            else:
                blocks.append([f"{_KIND_WORDS[row.kind]} {row.group}:", *(f"  - {part}" for part in parts)])
        shown = blocks if limit is None else blocks[: max(limit, 0)]
        for block in shown:
            lines.extend(block)
        rest = len(blocks) - len(shown)
        if rest > 0:
            lines.append(
                f"... and {rest} more {'group' if rest == 1 else 'groups'} short of mentors "
                "(`mentormatch validate` lists them all)"
            )
        return lines


def _groups(problem: Problem) -> list[tuple[str, list[tuple[str, np.ndarray]]]]:
    """(kind, [(group value, mentee indices)]) for each kind of group, groups in a fixed order."""
    mentees = problem.roster.mentees

    def by(values: list, order: Sequence | None = None) -> list[tuple[str, np.ndarray]]:
        codes: dict = {}
        for k, value in enumerate(values):
            if value is not None:
                codes.setdefault(value, []).append(k)
        keys = [v for v in order if v in codes] if order is not None else sorted(codes)
        return [(key, np.asarray(codes[key], dtype=np.int64)) for key in keys]

    return [
        ("extremism_type", by([p.extremism_type for p in mentees], EXTREMISM_TYPES)),
        ("language", by([p.languages[0] for p in mentees])),
        ("risk_level", by([p.risk_level for p in mentees], RISK_LEVELS)),
        ("region", by([p.region for p in mentees])),
    ]


@dataclass
class _Context:
    """What every group's numbers and words are computed from (one per :func:`diagnose` call)."""

    problem: Problem
    cand: np.ndarray
    """Allowed pairs whose mentor's capacity holds the mentee's workload (the unit relaxation's pairs); with every
    workload 1 the allowed mask itself (no copy), whose pairs at mentors outside :attr:`usable` count as none."""
    usable: np.ndarray
    """(m,) bool: mentors whose pairs in :attr:`cand` are candidate pairs (all but capacity 0 with unit
    workloads; all otherwise)."""
    has_allowed: np.ndarray
    """(n,) bool: the mentee has an allowed mentor."""
    fits: np.ndarray
    """(n,) bool: the mentee has a pair in :attr:`cand`."""
    mentor_of: np.ndarray
    """The whole roster's maximum matching on :attr:`cand`."""
    fixed_by: dict[str, np.ndarray]
    """For each family, (n,) bool: relaxing it alone gives this mentee (with no allowed mentor) one."""
    qualified: np.ndarray
    """(types,) how many mentors have each type's expertise and the high-risk experience."""


def _group_numbers(
    ctx: _Context,
    rows: np.ndarray,
    serves: np.ndarray,
    start: np.ndarray | None = None,
    maximum: bool = False,
) -> dict:
    """Counts and the maximum matching of one group (mentee indices ``rows``), every mentor free for it.

    ``serves`` is (m,) bool: the mentors allowed to some mentee of the group. ``start`` is a valid matching of
    the group to grow (by default the whole roster's, restricted to the group); ``maximum=True`` says it is
    already maximum. The group's rows of the masks are copied only when growing the start greedily falls short
    of matching every mentee with a pair (then the exact flow decides).
    """
    p = ctx.problem
    has = ctx.has_allowed[rows]
    fits = ctx.fits[rows]
    mentor_of = ctx.mentor_of[rows] if start is None else start
    if not maximum:
        mentor_of = _grown(ctx.cand, rows, p.capacity, mentor_of, fits)
    return _numbers(p, rows, has, fits, serves, mentor_of)


def _grown(cand: np.ndarray, rows: np.ndarray, capacity: np.ndarray, start: np.ndarray, fits: np.ndarray) -> np.ndarray:
    """A maximum matching of ``cand[rows]`` grown from ``start``: greedily on the free rows' pairs alone, and by the
    exact flow on the group's rows only when that leaves a mentee with a pair unmatched."""
    free = np.flatnonzero((start < 0) & fits)
    if len(free) == 0:
        return start
    load = np.bincount(start[start >= 0], minlength=len(capacity))
    local = np.full(len(free), -1, dtype=np.int64)
    local = grow(cand[rows[free]], capacity - load, local)
    mentor_of = start.copy()
    mentor_of[free] = local
    if (local >= 0).all():
        return mentor_of
    return max_matching(cand[rows], capacity, mentor_of)


def _numbers(
    p: Problem, rows: np.ndarray, has: np.ndarray, fits: np.ndarray, serves: np.ndarray, mentor_of: np.ndarray
) -> dict:
    demand = int(p.workload[rows].sum())
    supply = int(p.capacity[serves].sum())
    return {
        "mentees": len(has),
        "demand": demand,
        "mentors": int(serves.sum()),
        "supply": supply,
        "shortfall": max(0, demand - supply),
        "no_allowed_mentor": int((~has).sum()),
        "max_matched": int((mentor_of >= 0).sum()),
        "misfit": int((has & ~fits).sum()),
        "_mentor_of": mentor_of,
    }


def _who(count: int, kind: str, group: str, high_type: str | None = None) -> str:
    """``count`` mentees of a group in words: "1 islamist mentee", "3 high-risk islamist mentees in north"."""
    noun = "mentee" if count == 1 else "mentees"
    risk = f"high-risk {high_type} " if high_type is not None else ""
    if kind == "extremism_type":
        return f"{count} high-risk {group} {noun}" if high_type is not None else f"{count} {group} {noun}"
    if kind == "risk_level":
        return f"{count} {risk or group + '-risk '}{noun}"
    if kind == "language":
        return f"{count} {risk}{noun} with primary language {group}"
    if kind == "region":
        return f"{count} {risk}{noun} in {group}"
    return f"{count} {risk}{noun}"


def _capacity_words(kind: str, group: str, numbers: dict, config: MatchConfig) -> str:
    """The remedy when capacity, not the rules, limits a group."""
    k, best = numbers["mentees"], numbers["max_matched"]
    what = f"at most {best} of {k} {mentee_word(k)}" if kind == "all" else f"at most {best} of its {k} {mentee_word(k)}"
    mentors = numbers["mentors"]
    offer = f"{mentors} allowed {'mentor offers' if mentors == 1 else 'mentors offer'} {numbers['supply']} capacity"
    offer += " unit" if numbers["supply"] == 1 else " units"
    if numbers["shortfall"] > 0:
        head = f"{what} can be matched at once: {offer} for a demand of {numbers['demand']}"
    else:
        head = (
            f"{what} can be matched at once: {offer} for a demand of {numbers['demand']}, but some mentees "
            "depend on the same few mentors"
        )
    if kind == "extremism_type":
        return f"{head}: recruit or train mentors for {group}, or raise their capacities"
    if kind == "language":
        return f"{head}: recruit a mentor who speaks {group}, or raise capacities"
    if kind == "region":
        return f"{head}: recruit mentors in {group}, or raise capacities"
    if kind == "risk_level" and group in config.rules.high_risk_levels:
        return (
            f"{head}: recruit or train mentors with the expertise and ≥ "
            f"{config.rules.high_risk_min_experience:g} years, or raise their capacities"
        )
    return f"{head}: recruit mentors or raise capacities"


def _remedy(ctx: _Context, kind: str, group: str, rows: np.ndarray, numbers: dict) -> str:
    """The words for one group (the ``remedy`` column): mentees nobody may take (by the family that alone blocks
    them; not for the ``all`` row, whose mentees the no-allowed-mentor table lists), workloads no allowed mentor can
    hold, and capacity; "" when the group is not short."""
    nobody = _nobody_parts(ctx, kind, group, rows, numbers)
    return "; ".join(nobody + _supply_parts(ctx, kind, group, rows, numbers, said=bool(nobody)))


def _short(numbers: dict) -> bool:
    return numbers["max_matched"] < numbers["mentees"] or numbers["shortfall"] > 0


def _supply_parts(
    ctx: _Context, kind: str, group: str, rows: np.ndarray | slice, numbers: dict, *, said: bool
) -> list[str]:
    """The group's words about workloads and capacity (what the rules do not explain); ``said``: words about its
    mentees with no allowed mentor come first, so that a shortfall they explain needs no capacity words."""
    if not _short(numbers):
        return []
    parts = []
    if numbers["misfit"]:
        parts.append(_misfit_words(ctx, kind, group, rows, numbers["misfit"]))
    capacity_lost = numbers["mentees"] - numbers["max_matched"] - numbers["no_allowed_mentor"] - numbers["misfit"]
    if capacity_lost > 0 or (numbers["shortfall"] > 0 and not parts and not said):
        parts.append(_capacity_words(kind, group, numbers, ctx.problem.config))
    return parts


def _misfit_words(ctx: _Context, kind: str, group: str, rows: np.ndarray | slice, count: int) -> str:
    """Mentees with allowed mentors none of whose capacity holds their workload, with the numbers to change."""
    p = ctx.problem
    idx = np.arange(p.shape[0])[rows]
    idx = idx[ctx.has_allowed[idx]]
    idx = idx[~ctx.fits[idx]]
    largest = np.where(p.allowed[idx], p.capacity[None, :], -1).max(axis=1)  # each one's best allowed capacity
    need = int(p.workload[idx].max())
    has = "has" if count == 1 else "have"
    if need == 1:  # every allowed mentor has capacity 0
        return f"{_who(count, kind, group)} {has} allowed mentors, all with capacity 0: give one of them capacity 1"
    most = int(largest.max())
    return (
        f"{_who(count, kind, group)} {has} a workload (up to {need}) that no allowed mentor's capacity holds (the "
        f"largest is {most}): raise an allowed mentor's capacity to {need}, or split the case"
    )


def _nobody_parts(ctx: _Context, kind: str, group: str, rows: np.ndarray, numbers: dict) -> list[str]:
    """The group's mentees with no allowed mentor, by the family whose relaxation alone would give them one."""
    if not _short(numbers):
        return []
    parts: list[str] = []
    nobody = rows[~ctx.has_allowed[rows]]
    if kind != "all" and len(nobody):
        left = np.ones(len(nobody), dtype=bool)
        type_of = ctx.problem.features.mentee_type
        status = ctx.fixed_by.get("status")
        if status is not None and status[nobody].any():
            hit = status[nobody]
            c = int(hit.sum())
            parts.append(
                f"{_who(c, kind, group)} {'has' if c == 1 else 'have'} no suitable mentor but paused or "
                "leaving ones: ask one of them to take the case, or recruit"
            )
            left &= ~hit
        for family in RELAXABLE[:-1]:
            fixed = ctx.fixed_by.get(family)
            hit = left & fixed[nobody] if fixed is not None else np.zeros(len(nobody), dtype=bool)
            if not hit.any():
                continue
            if family == "high_risk":  # by type, so that the words can name the expertise
                for t in np.unique(type_of[nobody[hit]]).tolist():
                    c = int((type_of[nobody[hit]] == t).sum())
                    who = _who(c, kind, group, EXTREMISM_TYPES[t])
                    words = Shortfall(who, c, kind, group, EXTREMISM_TYPES[t], int(ctx.qualified[t]))
                    parts.append(remedy(family, ctx.problem.config, words))
            else:
                c = int(hit.sum())
                parts.append(remedy(family, ctx.problem.config, Shortfall(_who(c, kind, group), c, kind, group)))
            left &= ~hit
        if left.any() and ctx.problem.shape[1] == 0:
            parts.append("there are no mentors: recruit mentors")
        elif left.any():
            c = int(left.sum())
            parts.append(
                f"{_who(c, kind, group)} {'breaks' if c == 1 else 'break'} several rules (or an exclusion) "
                "with every mentor: see the no-allowed-mentor table"
            )
    return parts  # Diagnosis.lines splits the remedy on "; ": no part may contain it


def _any_among(mask: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """(n,) bool: the row has a pair among ``columns`` (a block of rows at a time: no (n, m) temporary)."""
    n, m = mask.shape
    out = np.zeros(n, dtype=bool)
    step = max(1, (1 << 22) // max(m, 1))
    for lo in range(0, n, step):
        out[lo : lo + step] = (mask[lo : lo + step] & columns[None, :]).any(axis=1)
    return out


def _start(problem: Problem, cand: np.ndarray, matching: MatchResult | None) -> np.ndarray | None:
    """``matching``'s pairs as a start for the maximum matching on ``cand``: pairs outside it dropped, and a
    mentor's mentees beyond its capacity (each counted as one) too."""
    if matching is None or len(matching.table) != problem.shape[0]:
        return None
    index = pd.Index(problem.mentor_ids)
    mentor_of = index.get_indexer(matching.table["mentor_id"].to_numpy(dtype=object)).astype(np.int64)
    held = np.flatnonzero(mentor_of >= 0)
    held = held[cand[held, mentor_of[held]]]
    order = held[np.argsort(mentor_of[held], kind="stable")]
    first = np.searchsorted(mentor_of[order], mentor_of[order], side="left")
    kept = order[np.arange(len(order)) - first < problem.capacity[mentor_of[order]]]
    start = np.full(problem.shape[0], -1, dtype=np.int64)
    start[kept] = mentor_of[kept]
    return start


def _fewest_mentors(capacity: np.ndarray, units: int) -> int:
    """The fewest mentors whose capacities add up to ``units`` (len + 1 if all of them cannot)."""
    total = np.cumsum(np.sort(capacity)[::-1])
    return int(np.searchsorted(total, units, side="left")) + 1 if units > 0 else 0


def _supervisable_types(ctx: _Context) -> np.ndarray:
    """(m, types) bool: some coach eligible for mentor j, with room for a mentor and a mentee at all, covers t."""
    tier = ctx.problem.coaches
    assert tier is not None  # asked only with coaches
    usable = (tier.max_mentors > 0) & (tier.max_mentees > 0)
    return ((tier.eligible & usable[None, :]).astype(np.uint8) @ tier.cover.astype(np.uint8)) > 0


def _coach_type_row(ctx: _Context, group: str, idx: np.ndarray, base: dict) -> dict:
    """The coach row of one extremism type: its numbers over the mentors a coach covering it may supervise."""
    p = ctx.problem
    tier = p.coaches
    assert tier is not None  # asked only with coaches
    t = EXTREMISM_TYPES.index(group)
    columns = _supervisable_types(ctx)[:, t]
    allowed = p.allowed[idx] & columns[None, :]
    cand = ctx.cand[idx] & (columns & ctx.usable)[None, :]
    begin = base["_mentor_of"]
    begin = np.where((begin >= 0) & columns[np.maximum(begin, 0)], begin, -1)
    mentor_of = max_matching(cand, p.capacity, begin)
    numbers = _numbers(p, idx, allowed.any(axis=1), cand.any(axis=1), allowed.any(axis=0), mentor_of)
    lost = base["max_matched"] - numbers["max_matched"]
    newly = numbers["no_allowed_mentor"] - base["no_allowed_mentor"]
    words = []
    if newly > 0:
        who = f"{newly} {group} {mentee_word(newly)} {'has' if newly == 1 else 'have'} allowed mentors but none"
        covering = (tier.max_mentors > 0) & (tier.max_mentees > 0) & tier.cover[:, t]
        if not covering.any():
            words.append(
                f"{who} that a coach may supervise (no coach with room covers {group}): recruit a coach "
                f"with specialism {group}, or add it to a coach's specialisms"
            )
        else:
            words.append(
                f"{who} that a coach covering {group} may supervise (coach languages or fixed coaches): "
                f"recruit a coach for {group} who shares a language with these mentors"
            )
    if lost > max(newly, 0):
        words.append(
            f"at most {numbers['max_matched']} of its {numbers['mentees']} mentees can be matched to mentors "
            f"a coach may supervise ({base['max_matched']} without coaches): recruit a coach with "
            f"specialism {group}, or raise max_mentors"
        )
    return {"kind": "coach", "group": group, **numbers, "unmatched": max(lost, 0), "remedy": "; ".join(words)}


def _coach_totals(ctx: _Context, best: int) -> tuple[list[dict], int]:
    """The coach tier's ``mentor slots`` and ``case-load`` rows (see :class:`Diagnosis`), and the most mentees
    its limits allow (an upper bound)."""
    p = ctx.problem
    tier = p.coaches
    assert tier is not None  # asked only with coaches
    n = p.shape[0]
    usable = (tier.max_mentors > 0) & (tier.max_mentees > 0)
    slots = int(tier.max_mentors[usable].sum())
    # in the units of ``best`` (each mentee one unit): the fewest mentors that carry ``best`` mentees, and the
    # most mentees that the ``slots`` largest capacities carry
    serving = p.capacity[ctx.cand.any(axis=0) & ctx.usable]
    needed = _fewest_mentors(serving, best)
    carried = min(best, int(np.sort(serving)[::-1][:slots].sum()))
    remedy = ""
    if carried < best:
        remedy = (
            f"matching {best} {mentee_word(best)} takes at least {needed} {'mentor' if needed == 1 else 'mentors'}, "
            f"but the coaches may supervise at most {slots} (at most {carried} {mentee_word(carried)}): raise "
            "max_mentors or recruit a coach"
        )
    rows = [
        {
            "kind": "coach",
            "group": "mentor slots",
            "mentees": n,
            "demand": needed,
            "mentors": int(len(serving)),
            "supply": slots,
            "shortfall": max(0, needed - slots),
            "no_allowed_mentor": 0,
            "max_matched": carried,
            "unmatched": best - carried,
            "remedy": remedy,
        }
    ]
    load = int(np.minimum(tier.max_mentees[usable], n).sum())
    remedy = ""
    if load < best:
        remedy = (
            f"{best} {mentee_word(best)} can be matched under the hard rules, but the coaches' case-loads allow "
            f"{load}: raise max_mentees or recruit a coach"
        )
    rows.append(
        {
            "kind": "coach",
            "group": "case-load",
            "mentees": n,
            "demand": best,
            "mentors": int(len(serving)),
            "supply": load,
            "shortfall": max(0, best - load),
            "no_allowed_mentor": 0,
            "max_matched": min(best, load),
            "unmatched": max(0, best - load),
            "remedy": remedy,
        }
    )
    # the whole roster on the pairs a coach may supervise: a maximum matching, grown from the plain one
    supervisable = ctx.cand & (_supervisable_types(ctx) & ctx.usable[:, None])[:, tier.mentee_type].T
    held = ctx.mentor_of >= 0
    begin = np.where(held & supervisable[np.arange(n), np.where(held, ctx.mentor_of, 0)], ctx.mentor_of, -1)
    covered = int((max_matching(supervisable, p.capacity, begin) >= 0).sum())
    return rows, min(covered, carried, load)


def diagnose(problem: Problem, matching: MatchResult | None = None) -> Diagnosis:
    """Supply against demand: shortages with remedies, mentees nobody may take, coach limits.

    Parameters
    ----------
    problem : Problem
        From :func:`mentormatch.build_problem` (it needs the roster and config the problem keeps).
    matching : MatchResult, optional
        An answer for ``problem`` (:func:`mentormatch.solve`'s): the maximum matchings grow from its pairs,
        which is faster at scale (most groups then need no flow). The numbers are the same with or without it.

    Returns
    -------
    Diagnosis
        See :class:`Diagnosis` for every number. ``lines()`` gives the terminal summary.

    Notes
    -----
    The shortfall compares a group's demand with the capacity of every mentor allowed to any of its mentees, so a
    mentor counts for several groups; ``max_matched`` is the exact (unit workloads) answer to "how many of these
    mentees can be matched at once", by a maximum flow (:func:`mentormatch.solvers.maxflow.max_matching`). The
    whole roster's maximum is computed once (from ``matching``'s pairs when given); a group's starts from it
    restricted to the group and grows greedily first, so that the flow runs only when that falls short.

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem
    >>> d = diagnose(build_problem(read_roster("data/synthetic/small")))
    >>> d.max_matched, d.n_mentees, d.exact
    (22, 30, False)
    >>> for line in d.lines(limit=1):
    ...     print(line)
    at most 22 of 30 mentees can be matched under the hard rules (workloads above 1 counted as 1: an upper bound)
    4 mentees have no allowed mentor:
      - 2 mentees share no language with an otherwise suitable mentor: recruit mentors who speak their languages
      - 1 mentee has a gender preference that no otherwise suitable mentor meets: recruit mentors of the preferred
      gender
      - 1 high-risk hate_crime mentee has no mentor with hate_crime expertise and ≥ 2 years: recruit or train one,
      or lower the rule
    at most 22 of 30 mentees can be matched at once: 12 allowed mentors offer 29 capacity units for a demand of 33:
    recruit mentors or raise capacities
    ... and 6 more groups short of mentors (`mentormatch validate` lists them all)
    >>> list(d.shortages.columns[:6])
    ['kind', 'group', 'mentees', 'demand', 'mentors', 'supply']
    """
    if problem.roster is None or problem.config is None:
        raise ValueError("diagnose needs a problem built by build_problem (it keeps the roster and config)")
    roster, config = problem.roster, problem.config
    features = problem.features if problem.features is not None else encode(roster, config)
    problem = problem if problem.features is not None else replace(problem, features=features)
    n, m = problem.shape
    workload, capacity = problem.workload, problem.capacity
    allowed = problem.allowed
    has_allowed = np.asarray(allowed.any(axis=1))
    usable = np.ones(m, dtype=bool)
    if n == 0 or m == 0 or int(capacity.min()) >= int(workload.max()):
        cand, fits = allowed, has_allowed
    elif int(workload.max()) == 1:  # only mentors of capacity 0 hold no pair: no (n, m) copy of the mask
        cand, usable = allowed, capacity >= 1
        fits = _any_among(allowed, usable)
    else:
        cand = allowed & (capacity[None, :] >= workload[:, None])
        fits = np.asarray(cand.any(axis=1))
    mentor_of = max_matching(cand, capacity, _start(problem, cand, matching))
    best = int((mentor_of >= 0).sum())

    nobody = np.flatnonzero(~has_allowed)
    bits = rule_bits(roster, config, nobody, features=features)
    open_ = ~closed_by_status(roster, problem.current, nobody)  # a paused or leaving mentor: no rule relaxation helps
    fixed_by: dict[str, np.ndarray] = {}
    if not open_.all():  # "status": a paused or leaving mentor passes every rule
        fixed_by["status"] = np.zeros(n, dtype=bool)
        fixed_by["status"][nobody] = ((bits == 0) & ~open_).any(axis=1) if m else False
    for family in relaxable_rules(config)[:-1]:
        keep = ~np.array(1 << RULES.index(family), dtype=bits.dtype)
        fixed = np.zeros(n, dtype=bool)
        fixed[nobody] = (((bits & keep) == 0) & open_).any(axis=1) if m else False
        fixed_by[family] = fixed
    experienced = features.experience >= config.rules.high_risk_min_experience
    qualified = (features.expertise_table & experienced[None, :]).sum(axis=1)
    ctx = _Context(problem, cand, usable, has_allowed, fits, mentor_of, fixed_by, qualified)

    everyone = np.arange(n)
    total = _group_numbers(ctx, everyone, np.asarray(allowed.any(axis=0)), maximum=True)
    obstacles = tuple(_nobody_parts(ctx, "everyone", "", everyone, total))
    supply_words = {("all", "all"): tuple(_supply_parts(ctx, "all", "all", everyone, total, said=False))}
    rows = [
        {
            "kind": "all",
            "group": "all",
            **total,
            "unmatched": n - best,
            "remedy": _remedy(ctx, "all", "all", everyone, total),
        }
    ]
    # the mentors allowed to each group: OR over the group's rows of the mask packed 8 mentors a byte
    packed = np.packbits(allowed, axis=1)
    coach_rows: list[dict] = []
    for kind, members in _groups(problem):
        if not members:
            continue
        order = np.concatenate([idx for _, idx in members])
        starts = np.cumsum([0] + [len(idx) for _, idx in members[:-1]])
        serving = np.unpackbits(np.bitwise_or.reduceat(packed[order], starts, axis=0), axis=1, count=m).astype(bool)
        for (group, idx), serves in zip(members, serving, strict=True):
            numbers = _group_numbers(ctx, idx, serves)
            rows.append(
                {
                    "kind": kind,
                    "group": group,
                    **numbers,
                    "unmatched": len(idx) - numbers["max_matched"],
                    "remedy": _remedy(ctx, kind, group, idx, numbers),
                }
            )
            supply_words[kind, group] = tuple(_supply_parts(ctx, kind, group, idx, numbers, said=True))
            if kind == "extremism_type" and problem.coaches is not None:
                coach_rows.append(_coach_type_row(ctx, group, idx, numbers))
    del packed
    coach_limited = None
    if problem.coaches is not None:
        coach, coach_limited = _coach_totals(ctx, best)
        rows.extend(coach_rows + coach)
    shortages = pd.DataFrame(rows, columns=list(SHORTAGE_COLUMNS))
    for column in SHORTAGE_COLUMNS[2:-1]:
        shortages[column] = shortages[column].astype(np.int64)

    table = {
        "mentee_id": [problem.mentee_ids[i] for i in nobody],
        "risk_level": [roster.mentees[i].risk_level for i in nobody],
    }
    for k, rule in enumerate(RULES):
        table[rule] = ((bits >> k) & 1).sum(axis=1, dtype=np.int64)
    table["fixed_by"] = [";".join(f for f, fixed in fixed_by.items() if fixed[i]) for i in nobody]
    return Diagnosis(
        shortages=shortages,
        no_allowed_mentor=pd.DataFrame(table),
        max_matched=best,
        n_mentees=n,
        exact=bool(np.all(workload == 1)),
        coach_bound=coach_limited,
        obstacles=obstacles,
        supply_words=supply_words,
    )
