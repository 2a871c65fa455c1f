"""The relaxation search: a minimum set of rule families whose relaxation lets the required mentees be matched
all at once (:func:`relaxations`, :class:`Relaxation`).

Sets are tried by increasing size with cheap necessary checks first, then a unit-load maximum matching
(:func:`mentormatch.solvers.maxflow.max_matching`), and with workloads above 1 a greedy witness, a refutation by
unit copies and, up to :data:`EXACT_PAIRS` candidate pairs, an exact solve (:func:`mentormatch.solvers.run_solver`).
Which families exist, their words and the config that switches them off come from :mod:`mentormatch.rules`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from mentormatch.config import MatchConfig
from mentormatch.continuity import closed_by_status
from mentormatch.diagnose._common import all_mentees
from mentormatch.encode import encode, rule_bits
from mentormatch.problem import Instance, Problem
from mentormatch.result import MatchResult
from mentormatch.rules import FAMILY_WORDS, RULES, relaxable_rules, relaxed_config
from mentormatch.solvers.maxflow import max_matching

__all__ = ["EXACT_PAIRS", "Relaxation", "relaxations"]

EXACT_PAIRS = 50_000
"""With workloads above 1, :func:`relaxations` decides a set by an exact solve only up to this many candidate pairs
(the size up to which ``auto`` hands such problems to CP-SAT whole); larger undecided sets make the answer
unproven."""
_BLOCK_PAIRS = 1 << 21
"""Pairs per row block in the pass that finds each required mentee's patterns of broken families."""


@dataclass(frozen=True, eq=False)
class Relaxation:
    """A minimum set of rule families whose relaxation lets the required mentees be matched, from
    :func:`relaxations`.

    Attributes
    ----------
    mentee_ids : tuple of str
        The mentees required to be matched at once, in input order.
    families : tuple of str
        A minimum set (fewest families; ties broken in :data:`~mentormatch.rules.RELAXABLE` order); ``()`` when
        the required mentees can already be matched together, or when they cannot be at all (see ``matchable``).
    matchable : bool
        False when even relaxing every family does not do it: some required mentee has every mentor excluded
        (``blocked``), or there are no mentors.
    config : MatchConfig
        The problem's config with the rules of ``families`` switched off.
    capacity_relaxed : bool
        ``capacity`` is in ``families``: the answer needs mentors' capacities lifted (as if unlimited).
    alternatives : list of tuple of str
        The other sets of the same size that work too (those decided within the time limit).
    proven : bool
        Every smaller set was proven not to work (within the time limit, every check ended); otherwise
        ``families`` works but a smaller set might.
    requested : tuple of str
        The ids asked about (all mentees when none were given).
    kept : int
        How many already matched mentees were required to stay matched (with ``matching``).
    blocked : tuple of str
        Required mentees with no mentor outside their exclusions.
    given : int
        Running pairs taken as given (PRODUCT.md section 7: locked pairs and kept ones), whose mentees count as
        matched and are not in ``mentee_ids``.
    """

    mentee_ids: tuple[str, ...]
    families: tuple[str, ...]
    matchable: bool
    config: MatchConfig
    capacity_relaxed: bool
    alternatives: list[tuple[str, ...]] = field(default_factory=list)
    proven: bool = True
    requested: tuple[str, ...] = ()
    kept: int = 0
    blocked: tuple[str, ...] = ()
    everyone: bool = False
    given: int = 0
    raises: tuple[tuple[str, int, int], ...] = ()
    """With ``capacity`` in ``families``: capacities that, raised so, do it with the other families relaxed, as
    ``(mentor id, capacity now, capacity needed)`` (one way, not necessarily the smallest raise)."""

    def __repr__(self) -> str:  # counts, not the (possibly thousands of) ids
        return (
            f"Relaxation(families={self.families!r}, matchable={self.matchable}, proven={self.proven}, "
            f"required={len(self.mentee_ids)}, alternatives={len(self.alternatives)})"
        )

    def words(self) -> str:
        """One sentence for the terminal, e.g. "relax language and availability to match all 30 mentees (no
        smaller set does)". Names ids and rule families, no profile values."""
        if self.everyone:
            what = all_mentees(len(self.mentee_ids) + self.given)
            if self.given:
                what += f" ({self.given} running {'pair' if self.given == 1 else 'pairs'} kept as given)"
        else:
            what = _id_list(self.requested)
            if self.kept == 1:
                what += " without unmatching the matched mentee"
            elif self.kept:
                what += f" without unmatching any of the {self.kept} matched mentees"
        if not self.matchable:
            if not self.blocked:
                return f"no relaxation can match {what}: there are no mentors"
            names = _id_list(self.blocked)
            return (
                f"no relaxation can match {what}: {names} {'has' if len(self.blocked) == 1 else 'have'} no "
                "mentor outside the exclusions (exclusions are never relaxed)"
            )
        if not self.families:
            return f"{what} can be matched at once under the current rules: nothing needs relaxing"
        sentence = f"relax {_and(FAMILY_WORDS[f] for f in self.families)} to match {what}"
        if self.proven:
            sentence += " (no smaller set does)"
        else:
            sentence += " (a smaller set may exist: the search did not finish)"
        if self.raises:
            shown = [f"{mentor} capacity {needed} (now {now})" for mentor, now, needed in self.raises[:5]]
            more = len(self.raises) - len(shown)
            sentence += f"; for capacity, give {_and(shown)}" + (
                f" and {more} more mentors more capacity" if more else ""
            )
        if self.alternatives:
            shown = [_and(FAMILY_WORDS[f] for f in alt) for alt in self.alternatives[:3]]
            more = len(self.alternatives) - len(shown)
            sentence += "; or relax " + " or ".join(shown) + (f" ({more} more sets of this size)" if more else "")
        return sentence


def _and(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _id_list(ids: Sequence[str], shown: int = 5) -> str:
    ids = list(ids)
    if len(ids) <= shown:
        return _and(ids) if ids else "no mentees"
    return ", ".join(ids[:shown]) + f" and {len(ids) - shown} more"


def _given(problem: Problem, matching: MatchResult | None) -> tuple[np.ndarray, np.ndarray]:
    """The pairs taken as given (PRODUCT.md section 7), as each mentee's mentor (−1 = none), and the capacity left
    for everyone else: locked pairs, the kept pairs of ``matching`` (or, before solving in mode ``keep``, every
    valid current pair whose mentor's capacity holds them all). Paused and leaving mentors take no one else."""
    n, m = problem.shape
    given = np.full(n, -1, dtype=np.int64)
    capacity = problem.capacity.astype(np.int64).copy()
    current = problem.current
    closed = np.zeros(m, dtype=bool)
    if problem.roster is not None:
        closed = np.asarray([p.status != "active" for p in problem.roster.mentors], dtype=bool)
    capacity[closed] = 0
    if current is None:
        return given, capacity
    fixed = current.locked.copy()
    if matching is not None and "change" in matching.table.columns:
        fixed |= matching.table["change"].isin(["kept", "locked"]).to_numpy()
    elif current.mode == "keep":
        fixed |= current.valid & ~current.over_capacity[np.maximum(current.mentor, 0)]
    given[fixed] = current.mentor[fixed]
    rows = np.flatnonzero(fixed)
    load = np.bincount(given[rows], weights=problem.workload[rows], minlength=m).astype(np.int64)
    capacity = np.maximum(problem.capacity - load, 0)
    capacity[closed] = 0
    return given, capacity


def _required(
    problem: Problem, mentee_ids: Sequence[str] | None, matching: MatchResult | None
) -> tuple[np.ndarray, tuple, int]:
    """Indices of the required mentees, the ids asked about, and how many matched mentees are kept."""
    n = problem.shape[0]
    if mentee_ids is None:
        return np.arange(n), tuple(problem.mentee_ids), 0
    if isinstance(mentee_ids, str):
        mentee_ids = [mentee_ids]
    index = {mid: k for k, mid in enumerate(problem.mentee_ids)}
    asked = list(dict.fromkeys(mentee_ids))
    unknown = [mid for mid in asked if mid not in index]
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:20])
        if len(unknown) > 20:
            shown += f" and {len(unknown) - 20} more"
        raise ValueError(f"unknown mentee {'id' if len(unknown) == 1 else 'ids'}: {shown}")
    rows = {index[mid] for mid in asked}
    kept = 0
    if matching is not None:
        table = matching.table
        if list(table["mentee_id"]) != list(problem.mentee_ids):
            raise ValueError("matching is not a matching of this problem's mentees (ids differ)")
        matched = set(np.flatnonzero(table["mentor_id"].notna().to_numpy()).tolist())
        kept = len(matched - rows)
        rows |= matched
    return np.asarray(sorted(rows), dtype=np.int64), tuple(asked), kept


def _workloads_fit(
    cand: np.ndarray, allowed: np.ndarray, capacity: np.ndarray, workload: np.ndarray, deadline: float | None
) -> bool | None:
    """Can every row be matched at once with its workload within capacity? True (a matching found), False
    (proven impossible) or None (undecided). For rows that a unit-load matching already covers.

    1. A witness: the workloads above 1, largest first, each to the allowed mentor with the most room left, then
       the unit workloads by a maximum matching on what is left (exact for them).
    2. A refutation: each mentee split into ``workload`` unit copies, which may go to different mentors; every
       matching within capacity gives one of these, so if the copies cannot all be matched, nothing can.
    3. An exact solve (:func:`mentormatch.solvers.run_solver`, priority 1 each, weights 0) while the instance has
       at most :data:`EXACT_PAIRS` candidate pairs: it works if the solve matches everyone, and fails if its
       bound proves it cannot. Larger instances stay undecided.
    """
    from mentormatch.solvers import run_solver

    r, m = cand.shape
    heavy = np.flatnonzero(workload > 1)
    heavy = heavy[np.argsort(-workload[heavy], kind="stable")]
    left = capacity.astype(np.int64).copy()
    mentor_of = np.full(r, -1, dtype=np.int64)
    placed = True
    for i in heavy.tolist():
        room = np.where(cand[i] & (left >= workload[i]), left, -1)
        j = int(np.argmax(room))
        if room[j] < 0:
            placed = False
            break
        mentor_of[i] = j
        left[j] -= workload[i]
    if placed:
        light = np.flatnonzero(workload == 1)
        rest = max_matching(cand[light] & (left > 0)[None, :], left)
        if np.all(rest >= 0):
            return True
    copies = np.repeat(np.arange(r), workload)
    if np.any(max_matching(cand[copies], capacity) < 0):
        return False
    if int(cand.sum()) > EXACT_PAIRS:
        return None
    remaining = None if deadline is None else max(0.0, deadline - time.perf_counter())
    instance = Instance(
        weights=np.zeros((r, m), dtype=np.int64),
        allowed=allowed,
        priority=np.ones(r, dtype=np.int64),
        load=workload.astype(np.int64),
        capacity=capacity.astype(np.int64),
    )
    solution = run_solver(instance, "auto", time_limit=remaining)
    if solution.priority_sum == r:
        return True
    if solution.priority_bound is not None and solution.priority_bound < r:
        return False
    return None


def relaxations(
    problem: Problem,
    mentee_ids: Sequence[str] | None = None,
    *,
    matching: MatchResult | None = None,
    time_limit: float | None = 60.0,
) -> Relaxation:
    """A minimum set of rule families whose relaxation lets the required mentees be matched all at once.

    Parameters
    ----------
    problem : Problem
        From :func:`mentormatch.build_problem`.
    mentee_ids : sequence of str, optional
        The mentees that must be matched. None: every mentee (the ``--require-all`` question).
    matching : MatchResult, optional
        With ``mentee_ids``: everyone this matching matches must stay matched too (possibly to another mentor),
        answering "what would let these be matched without unmatching anyone".
    time_limit : float or None
        Seconds for the whole search (the exact checks with workloads above 1 share it); None: no limit.

    Returns
    -------
    Relaxation

    Raises
    ------
    ValueError
        Unknown mentee ids (all of them named), or a ``matching`` of other mentees.

    Notes
    -----
    Families: those of :data:`~mentormatch.rules.RELAXABLE` switched on in ``problem.config``, and ``capacity``
    (every mentor's capacity unlimited). Exclusions are never relaxed. The coach tier is not considered here:
    relaxing rules cannot help a mentee that coaches cannot supervise; :func:`~mentormatch.diagnose.diagnose`
    reports the coach tier's shortages.

    The method: which families each required pair breaks is computed once (:func:`mentormatch.encode.rule_bits`).
    Sets R of families are tried by increasing size, in :data:`~mentormatch.rules.RELAXABLE` order within a size. A
    set works when a matching exists, on the pairs whose broken families all lie in R (and that are not excluded),
    that matches every required mentee within capacity (or with any capacity, if R holds ``capacity``). The checks,
    cheapest first: every required mentee has such a pair (for all sets at once: the patterns of broken families
    each mentee has, closed under supersets); total capacity covers the demand; a maximum flow with unit workloads
    (exact when every required workload is 1, and a necessary condition otherwise, since a matching within capacity
    also respects unit loads). With larger workloads, a set that passes these is decided by a matching found
    greedily (a witness), by the flow of every mentee split into unit copies (a refutation), and else by an exact
    solve (:func:`mentormatch.solvers.run_solver`, priority 1 each) of up to :data:`EXACT_PAIRS` candidate pairs,
    which works when it matches them all and fails when its bound proves that it cannot; a larger set stays
    undecided. Relaxing more never removes a pair or capacity, so once every set of size k − 1 has failed, no set
    smaller than k can work: the first size at which a set works is the minimum, and the enumeration proves it
    (``proven``) unless the time limit or an unfinished exact check leaves a smaller set undecided.

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem
    >>> problem = build_problem(read_roster("data/synthetic/small"))
    >>> r = relaxations(problem)
    >>> r.families, r.proven
    (('language', 'gender_preference', 'high_risk', 'capacity'), True)
    >>> print(r.words())  # doctest: +NORMALIZE_WHITESPACE
    relax language, gender preference, high-risk expertise and capacity to match all 30 mentees (no smaller set
    does); for capacity, give MR00005 capacity 7 (now 5), MR00009 capacity 4 (now 1) and MR00012 capacity 4 (now 3)
    >>> relaxations(problem, ["ME00001"]).words()
    'ME00001 can be matched at once under the current rules: nothing needs relaxing'
    """
    start_time = time.perf_counter()
    deadline = None if time_limit is None else start_time + float(time_limit)
    if problem.roster is None or problem.config is None:
        raise ValueError("relaxations needs a problem built by build_problem (it keeps the roster and config)")
    roster, config = problem.roster, problem.config
    features = problem.features if problem.features is not None else encode(roster, config)
    rows, requested, kept = _required(problem, mentee_ids, matching)
    given, capacity = _given(problem, matching)
    n_given = int((given >= 0).sum()) if mentee_ids is None else 0
    rows = rows[given[rows] < 0]  # a mentee kept with their current mentor is matched already
    everyone = mentee_ids is None
    required_ids = tuple(problem.mentee_ids[i] for i in rows)
    n, m = problem.shape
    r = len(rows)
    offered = relaxable_rules(config)

    def result(families: tuple[str, ...], **kwargs) -> Relaxation:
        return Relaxation(
            mentee_ids=required_ids,
            families=families,
            config=relaxed_config(config, families),
            capacity_relaxed="capacity" in families,
            requested=requested,
            kept=kept,
            everyone=everyone,
            given=n_given,
            raises=raises(families) if "capacity" in families and kwargs.get("matchable") else (),
            **kwargs,
        )

    def raises(families: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
        """Capacities that let every required mentee in, with the other families of ``families`` relaxed: a
        maximum matching within today's capacities, then each mentee left out to the allowed mentor with the
        most room (then the best score), raised as far as needed."""
        mask = sum(bit_of[f] for f in families if f != "capacity")
        allowed = (bits & ~np.array(mask, dtype=bits.dtype)) == 0
        mentor_of = max_matching(allowed & (capacity[None, :] >= workload[:, None]), capacity, None)
        placed = mentor_of >= 0
        used = np.bincount(mentor_of[placed], weights=workload[placed], minlength=m).astype(np.int64)
        for k in np.flatnonzero(~placed):
            options = np.flatnonzero(allowed[k])
            room = capacity[options] - used[options]
            best = options[np.lexsort((-problem.score[rows[k], options], -room))[0]]
            used[best] += workload[k]
        extra = np.maximum(used - capacity, 0)
        return tuple(
            (problem.mentor_ids[j], int(problem.capacity[j]), int(problem.capacity[j] + extra[j]))
            for j in np.flatnonzero(extra)
        )

    if r == 0:
        return result((), matchable=True)
    if m == 0:
        return result((), matchable=False)

    # data: which families each required pair breaks; per mentee, which patterns of broken families occur
    bits = rule_bits(roster, config, rows, features=features)
    # a paused or leaving mentor's pairs stay closed whatever is relaxed, like exclusions
    bits[closed_by_status(roster, problem.current, rows)] |= 1 << RULES.index("exclusion")
    patterns = 1 << len(RULES)
    present = np.zeros((r, patterns), dtype=bool)
    step = max(1, _BLOCK_PAIRS // m)
    for lo in range(0, r, step):
        block = bits[lo : lo + step]
        codes = (np.arange(len(block), dtype=np.int64)[:, None] * patterns + block).ravel()
        present[lo : lo + len(block)] = np.bincount(codes, minlength=len(block) * patterns).reshape(-1, patterns) > 0
    # reachable[i, M]: mentee i has a pair whose broken families all lie in mask M (superset closure)
    reachable = present
    for b in range(len(RULES)):
        with_b = np.flatnonzero(np.arange(patterns) & (1 << b))
        reachable[:, with_b] |= reachable[:, with_b ^ (1 << b)]
    bit_of = {family: 1 << RULES.index(family) for family in offered if family != "capacity"}
    everything = sum(bit_of.values())
    blocked_rows = ~reachable[:, everything]
    if blocked_rows.any():
        blocked = tuple(required_ids[k] for k in np.flatnonzero(blocked_rows))
        return result((), matchable=False, blocked=blocked)

    workload = problem.workload[rows]
    unit = bool(np.all(workload == 1))
    matchings: dict[frozenset, np.ndarray] = {}

    def works(families: tuple[str, ...]) -> bool | None:
        """True: a matching exists; False: proven not to; None: undecided (time limit)."""
        mask = sum(bit_of[f] for f in families if f != "capacity")
        if not reachable[:, mask].all():
            return False
        if "capacity" in families:
            return True
        if int(workload.sum()) > int(capacity.sum()):  # every workload is ≥ 1
            return False
        if deadline is not None and time.perf_counter() > deadline:
            return None
        allowed = (bits & ~np.array(mask, dtype=bits.dtype)) == 0
        cand = allowed & (capacity[None, :] >= workload[:, None])
        key = frozenset(families)
        begin = None
        for f in families:  # a matching of a subset is valid here too: grow the largest one known
            known = matchings.get(key - {f})
            if known is not None and (begin is None or (known >= 0).sum() > (begin >= 0).sum()):
                begin = known
        mentor_of = max_matching(cand, capacity, begin)
        matchings[key] = mentor_of
        if (mentor_of < 0).any():
            return False
        used = np.bincount(mentor_of, weights=workload, minlength=m)
        if unit or np.all(used <= capacity):
            return True
        return _workloads_fit(cand, allowed, capacity, workload, deadline)

    # by increasing size; past the deadline only the cheap checks decide, the others stay undecided
    proven = True
    for size in range(len(offered) + 1):
        verdicts = {families: works(families) for families in combinations(offered, size)}
        found = [families for families, verdict in verdicts.items() if verdict is True]
        if found:
            return result(found[0], matchable=True, alternatives=found[1:], proven=proven)
        proven = proven and None not in verdicts.values()
    raise AssertionError("relaxing every offered family always works once no mentee is blocked")  # pragma: no cover
