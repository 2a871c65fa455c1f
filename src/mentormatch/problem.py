"""The arrays every solver takes, the raw answer every solver returns, and the id maps.

This module imports nothing else of mentormatch: solvers depend on it, never on profiles or files.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = ["Status", "Instance", "CoachTier", "Solution", "Stats", "Problem", "Progress"]

Progress = Callable[[str, float], None]
"""A progress callback: ``progress(stage, elapsed_seconds)``. The library never prints; the CLI renders this."""


class Status(enum.StrEnum):
    """What a solver proved about its answer."""

    OPTIMAL = "optimal"
    """Both parts of the objective (Σ priority, then Σ score) are proven optimal, and with a continuity tier
    every tier (Λ, K) as well."""
    FEASIBLE = "feasible"
    """A valid answer, stopped before optimality was proven (time limit, or no exact method at this size);
    ``bound`` and ``gap`` say how far from optimal it can be."""
    NO_SOLUTION = "no_solution"
    """No answer was found within the time limit."""


@dataclass(frozen=True, eq=False)
class Instance:
    """An assignment problem as arrays: mentees are rows, mentors columns.

    Maximise Σ priority over matched mentees first, then Σ weights over matched pairs (or minimise Σ weights when
    ``maximize`` is False), with each mentee matched at most once, only on ``allowed`` pairs, and each mentor's
    Σ load ≤ capacity.

    Attributes
    ----------
    weights : (n, m) float or int array
        Secondary objective. Entries where ``allowed`` is False are never read for the answer.
    allowed : (n, m) bool array
    priority : (n,) int64 array, ≥ 1
    load : (n,) or (n, m) int64 array, ≥ 1
        A mentee's workload, or per pair: the units of mentor j's capacity that mentee i takes (the generalised
        assignment problem).
    capacity : (m,) int64 array, ≥ 0
    maximize : bool
        False: minimise Σ weights (Σ priority is still maximised first). Solvers only ever see maximising
        instances: :func:`mentormatch.solvers.run_solver` negates the weights (see :meth:`maximising`).
    keep, locked, keep_tier
        The continuity tier (PRODUCT.md section 7), None by default: no tier, today's objective. With ``keep``,
        K = the number of mentees i with ``keep[i] >= 0`` matched to ``keep[i]`` and Λ = how many of them are
        ``locked``; the objective is lexicographic: Λ first, then the three tiers K, Σ priority, Σ weights in
        ``keep_tier``'s order. Constraints are unchanged.

    Examples
    --------
    >>> inst = Instance(weights=np.array([[1.0, 2.0], [3.0, 1.0]]), allowed=np.ones((2, 2), bool),
    ...                 priority=np.array([1, 1]), load=np.array([1, 1]), capacity=np.array([1, 1]),
    ...                 keep=np.array([0, -1]), keep_tier="first")
    >>> inst.kept(np.array([0, 1])), inst.kept(np.array([1, 0]))
    (1, 0)
    """

    weights: np.ndarray
    allowed: np.ndarray
    priority: np.ndarray
    load: np.ndarray
    capacity: np.ndarray
    maximize: bool = True
    keep: np.ndarray | None = None
    """(n,) int64: mentee i's current mentor column, -1 = none. A pair (i, keep[i]) counts as kept when the answer
    matches i to keep[i]; only allowed pairs can be kept."""
    locked: np.ndarray | None = None
    """(n,) bool or None: mentee i's current pair is locked (then keep[i] >= 0). Locked pairs form a tier above
    every other."""
    keep_tier: str = "second"
    """Where K sits: "first" (K, then Σ priority, then Σ weights), "second" (Σ priority, K, Σ weights) or "last"
    (Σ priority, Σ weights, K)."""

    @property
    def shape(self) -> tuple[int, int]:
        n, m = self.allowed.shape
        return n, m

    @property
    def unit_loads(self) -> bool:
        """True when every load is 1 (flow and Hungarian are exact only then)."""
        return bool(np.all(self.load == 1))

    @property
    def generalised(self) -> bool:
        """True when ``load`` is per pair (n, m): the generalised assignment problem."""
        return self.load.ndim == 2

    def pair_load(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The load (int64) of each pair ``(rows[k], cols[k])``."""
        load: np.ndarray = self.load[rows, cols] if self.generalised else self.load[rows]
        return load.astype(np.int64)

    def row_load(self, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
        """The loads of mentees ``rows``, shaped to broadcast against their (r, m) block: (r, 1) or (r, m)."""
        load = np.asarray(self.load[rows])
        return load if self.generalised else load[:, None]

    def kept(self, mentor_of: np.ndarray) -> int:
        """K of an answer: how many mentees with a current pair (``keep[i] >= 0``) are matched to it (0 without
        ``keep``)."""
        if self.keep is None:
            return 0
        keep = np.asarray(self.keep)
        return int(np.count_nonzero((keep >= 0) & (np.asarray(mentor_of) == keep)))

    def locked_kept(self, mentor_of: np.ndarray) -> int:
        """Λ of an answer: how many locked current pairs it keeps (0 without ``keep`` or ``locked``)."""
        if self.keep is None or self.locked is None:
            return 0
        keep = np.asarray(self.keep)
        return int(
            np.count_nonzero(np.asarray(self.locked, dtype=bool) & (keep >= 0) & (np.asarray(mentor_of) == keep))
        )

    def maximising(self) -> Instance:
        """This instance with weights to be maximised: itself, or a copy with the weights negated (the continuity
        tier's ``keep``, ``locked`` and ``keep_tier`` carried as they are)."""
        if self.maximize:
            return self
        weights = self.weights
        if weights.dtype.kind in "bu":  # negating bool or unsigned integers would wrap
            weights = weights.astype(np.int64)
        return replace(self, weights=np.negative(weights), maximize=True)


@dataclass(frozen=True, eq=False)
class CoachTier:
    """The coach tier of a problem as arrays (PRODUCT.md section 4, "With coaches"): K coaches, T mentee types.

    Every mentor who gets a mentee is supervised by exactly one coach ``c`` with ``eligible[j, c]``; a coach
    supervises at most ``max_mentors[c]`` mentors and at most ``max_mentees[c]`` mentees (a count, not workload
    units), and only mentors all of whose mentees' types ``t`` have ``cover[c, t]``. Mentors without mentees get
    no coach.

    Attributes
    ----------
    mentee_type : (n,) int64 array
        Each mentee's type, a column of ``cover``.
    cover : (K, T) bool array
        Coach c may supervise a mentor with a mentee of type t (specialisms; all True for a generalist).
    eligible : (m, K) bool array
        Coach c may supervise mentor j: a shared language where the coach lists languages, the mentor's fixed
        ``coach_id`` where given, and never the mentor themselves.
    max_mentors, max_mentees : (K,) int64 arrays, ≥ 0
        Limits; "no case-load limit" is stored as the number of mentees.
    """

    mentee_type: np.ndarray
    cover: np.ndarray
    eligible: np.ndarray
    max_mentors: np.ndarray
    max_mentees: np.ndarray

    @property
    def n_coaches(self) -> int:
        return int(self.cover.shape[0])

    def coverable(self) -> np.ndarray:
        """(n, m) bool: True where some coach eligible for mentor j covers mentee i's type and may take a mentor
        and a mentee at all (a coach with a limit of 0 supervises nobody)."""
        usable = (self.max_mentors > 0) & (self.max_mentees > 0)
        mentor_types = ((self.eligible & usable[None, :]).astype(np.uint8) @ self.cover.astype(np.uint8)) > 0
        return mentor_types[:, self.mentee_type].T


class Stats(Mapping[str, int | float]):
    """A read-only mapping of names to numbers (``Solution.stats``); it pickles and copies like a dict.

    >>> stats = Stats({"rounds": 3, "candidates": 120})
    >>> stats["rounds"], dict(stats) == {"rounds": 3, "candidates": 120}, stats
    (3, True, Stats({'rounds': 3, 'candidates': 120}))
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, int | float] | None = None) -> None:
        self._items: dict[str, int | float] = dict(items or {})

    def __getitem__(self, key: str) -> int | float:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Stats({self._items!r})"

    def __reduce__(self) -> tuple[type[Stats], tuple[dict[str, int | float]]]:
        return Stats, (self._items,)


@dataclass(frozen=True, eq=False)
class Solution:
    """A solver's answer in index space, before verification.

    ``objective`` and ``objective_bound`` are in the units of ``Instance.weights``. ``objective_bound`` bounds
    Σ weights among answers that reach ``priority_sum``; it is ``None`` unless the priority part is proven
    (``priority_bound == priority_sum``).

    With a continuity tier (``Instance.keep``) every bound holds among the answers that reach the tiers above it
    as found (in the order Λ, then ``Instance.keep_tier``'s), and a tier's bound is given only when every tier above
    it is proven; while a tier above Σ priority (Λ, or K with ``keep_tier="first"``) is not proven,
    ``priority_bound`` is the trivial bound and ``objective_bound`` None. ``status`` is ``optimal`` only when every
    tier is proven.
    """

    mentor_of: np.ndarray
    status: Status
    priority_sum: int
    objective: float
    priority_bound: int | None
    objective_bound: float | None
    solver: str
    seconds: float
    message: str = ""
    """A short note from the solver (for example why a fallback was used); no profile values."""
    coach_of: np.ndarray | None = None
    """With a coach tier: (m,) int64, each mentor's coach index, −1 for mentors without mentees."""
    kept: int | None = None
    """With a continuity tier (``Instance.keep`` given): K of the answer, the current pairs it keeps."""
    kept_bound: int | None = None
    """With a continuity tier: an upper bound on K among answers that reach the tiers above K as found; None when
    a tier above K is not proven (or the solver has no bound)."""
    method: str = ""
    """Which path produced the answer: a short stable name, the steps that shaped it joined by ``+`` (for example
    ``"flow-priced"``, ``"flow-priced+dense"`` when pricing gave up and the dense flow answered,
    ``"relaxation+priced+windows"``); the vocabulary is tabled in :mod:`mentormatch.solvers`. Left empty, it is
    ``solver`` (a method with a single path). Read this, not ``message``, to learn which path ran."""
    stats: Mapping[str, int | float] = field(default_factory=Stats)
    """Numbers of the path that ran (a read-only :class:`Stats`; a mapping given is copied into one), for example
    ``rounds``, ``candidates`` and ``candidate_pairs`` of pricing, ``windows`` of the relaxation's CP-SAT search;
    the keys are tabled in :mod:`mentormatch.solvers`."""

    def __post_init__(self) -> None:
        if not self.method:
            object.__setattr__(self, "method", self.solver)
        if not isinstance(self.stats, Stats):
            object.__setattr__(self, "stats", Stats(self.stats))

    @property
    def gap(self) -> float | None:
        """(bound − objective) / max(bound, 1e-9), only when the priority part is proven."""
        if self.objective_bound is None or self.priority_bound != self.priority_sum:
            return None
        return max(0.0, (self.objective_bound - self.objective) / max(abs(self.objective_bound), 1e-9))


@dataclass(frozen=True, eq=False)
class Problem:
    """A roster turned into arrays: what :func:`mentormatch.solve` takes.

    Built by :func:`mentormatch.build_problem`. ``score`` is S(i, j) in [0, 1] (float32); ``allowed`` is the hard
    rules' mask. Ids live here only: solvers see :meth:`instance`, never ids. ``roster`` and ``config`` are kept so
    that answers can be verified against the profiles and criterion parts computed for reported pairs.
    """

    mentee_ids: tuple[str, ...]
    mentor_ids: tuple[str, ...]
    score: np.ndarray
    allowed: np.ndarray
    priority: np.ndarray
    workload: np.ndarray
    capacity: np.ndarray
    roster: Any = field(default=None, repr=False)
    config: Any = field(default=None, repr=False)
    features: Any = field(default=None, repr=False)
    """The encoder's per-person arrays, kept so that reported pairs' criterion parts need no second encoding."""
    coach_ids: tuple[str, ...] = ()
    coaches: CoachTier | None = None
    """The coach tier's arrays when the roster has coaches, else None."""
    current: Any = field(default=None, repr=False)
    """The running mentorships (:class:`mentormatch.continuity.CurrentPairs`) when current pairs were given, else
    None; the solver sees them as :class:`Instance`'s continuity tier."""

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.mentee_ids), len(self.mentor_ids))

    def instance(self) -> Instance:
        """The solver-facing arrays (with the continuity tier when current pairs were given)."""
        plain = Instance(
            weights=self.score,
            allowed=self.allowed,
            priority=self.priority,
            load=self.workload,
            capacity=self.capacity,
        )
        if self.current is None:
            return plain
        return replace(
            plain,
            keep=self.current.keep,
            locked=self.current.locked if self.current.locked.any() else None,
            keep_tier=self.current.tier,
        )

    def __repr__(self) -> str:
        n, m = self.shape
        coaches = f", coaches={len(self.coach_ids)}" if self.coaches is not None else ""
        current = f", current={self.current!r}" if self.current is not None else ""
        return f"Problem(mentees={n}, mentors={m}{coaches}, allowed_pairs={int(self.allowed.sum())}{current})"
