"""Integer scaling and the tiered combined objective: the one place where weights become integers.

Min-cost flow and CP-SAT need integer costs, and the objective is lexicographic: Σ priority first, then Σ weights
(PRODUCT.md section 4), and with a continuity tier (``Instance.keep``, PRODUCT.md section 7) also Λ (locked current
pairs kept, above everything) and K (current pairs kept, at ``Instance.keep_tier``'s place). Every tier is folded
here into one integer gain per pair,

    gain[i, j] = λ[i, j] · locked_multiplier + δ[i, j] · kept_multiplier + priority[i] · big
                 + w_int[i, j] · weight_multiplier,

with ``δ[i, j] = [keep[i] == j]`` and ``λ[i, j] = δ[i, j] · locked[i]``, and every solver maximises Σ gain. Without
``keep`` the two bonus multipliers are 0 and ``weight_multiplier`` is 1: ``gain = priority · big + w_int``, as it
always was. This module derives ``w_int`` and the multipliers once, states the resolution, guards overflow, and
turns an integer bound on Σ gain back into the reported bounds, tier by tier.

Resolution
----------
* Integer weights (a numpy integer or bool dtype) with ``|w| ≤ 10**6`` on allowed pairs are used as they are:
  ``w_int = w``, exact. Larger ones raise ``ValueError``; so does a combined objective beyond int64, with or
  without a continuity tier.
* Float weights are scaled so that the largest ``|w|`` over the candidate pairs becomes ``T = 10**6`` and rounded:
  ``w_int = rint(w * scale)`` with ``scale = T / max|w|``. Each pair's weight is then known to within
  ``0.5 / scale`` (half of the resolution ``max|w| / T``). An answer optimal for ``w_int`` has the optimal
  Σ priority exactly, and its true Σ weights is within ``(k + k*) * 0.5 / scale`` of the true optimum, where ``k``
  and ``k*`` are the numbers of pairs in the two answers.
* **With a continuity tier** (and only then) the tiers need about ``log2(K_max + 1)`` more bits (locks a few more, see
  below), which at 20000 × 5000 with 14000 current pairs do not fit int64 next to ``T = 10**6``. ``T`` is then the
  largest integer ≤ 10**6 for which ``combined_high < 2**62`` and ``max_gain · (n + m + 2) < 2**60``
  (:data:`FLOW_HEADROOM`: what OR-Tools' min-cost flow in ``flow.py`` and ``pricing.py`` takes, with room for its node
  potentials), found by bisection (both are non-decreasing in ``T``); the resolution is ``max|w| / T``
  (``Scaling.weight_limit`` is ``T``) and the statements above hold with it (20000 × 5000, 14000 current pairs,
  priorities 1–3: ``T`` ≈ 65 000 with any ``keep_tier``, a resolution of 1.5e-5). A caller may ask for a tighter limit
  on ``combined_high`` (CP-SAT's ``2**53``: ``fit_scaling(instance, limit=...)``). The tiers Λ, K and Σ priority are
  exact whatever ``T`` is. ``weight_bound`` adds the rounding, so bounds stay valid at any ``T``.

Why ``big`` (and every multiplier) works
----------------------------------------
Σ w_int over any matching lies in ``[weight_low, weight_high]`` with ``weight_low = Σ_i min(0, min_j w_int[i, j])``
and ``weight_high = Σ_i max(0, max_j w_int[i, j])`` (each mentee adds one of its own pairs or nothing). Likewise
K lies in ``[0, kept_high]`` and Λ in ``[0, locked_high]`` (the mentees whose current pair, resp. locked current
pair, is a candidate pair), and Σ priority in ``[0, priority_total]``. Take the tiers from the lowest to the
highest (without ``keep``: W, P; ``keep_tier="first"``: W, P, K, Λ; ``"second"``: W, K, P, Λ; ``"last"``:
K, W, P, Λ) and give each the product of ``(range + 1)`` of the tiers below it as its multiplier (mixed radix):
the lowest gets 1, and tier t gets ``m_t = Σ_{s below t} m_s · range_s + 1``. So one more unit of a tier is
always worth more than any change in all the tiers below it together, and maximising Σ gain maximises the tiers
lexicographically. Without ``keep``, ``big = m_P = weight_high - weight_low + 1`` exactly as before. Every gain is
positive (``big > |w_int| · weight_multiplier`` for every pair, and the bonuses are ≥ 0), so staying unmatched
(gain 0) never beats a feasible pair on its own; it only wins through capacity.

Λ takes a much shorter multiplier when every locked current pair that is a candidate fits next to the others at
its mentor (Σ of their loads ≤ capacity; the problem layer makes sure of it), so that locks cost a few bits, not
``log2(priority_total)`` more: ``locked_multiplier = (ℓ + 1) · G + 1``, with ``G`` ≥ every pair's gain without the
λ bonus and ``ℓ`` the largest load of a locked pair. Then Λ = Λ_max in every optimum: an answer that misses a
locked pair (i, j) gains by taking it — move i to j (losing its old pair, < G), and make room at j by sending home
mentees there who are not on their locked pair (those that are fit with i, so at most ℓ others need to go, each
losing < G) — which wins the bonus and loses less than ``(ℓ + 1) · G``. Among answers with Λ = Λ_max the bonus
is a constant, so the other tiers are ordered as above. The argument moves mentees only within capacity: where
other rules bind (the coach tier), ``fit_scaling(strict_locks=True)`` keeps the full product. When the locked
pairs do not all fit (an input the problem layer refuses), Λ takes the full product too, and at scale that leaves
a coarse weight resolution (3000 × 800 with 300 locks: ``T`` ≈ 8600 instead of 10**6).

Reading a bound back (:meth:`Scaling.decode`): an answer whose tiers above t are as found, with Σ gain ≤ B, has
``value_t ≤ floor((B − Σ_{above} found_s · m_s − Σ_{below} low_s · m_s) / m_t)`` (only W has ``low < 0``). When that
equals the answer's own value the tier is proven and the next one is decoded the same way; once a tier is not
proven, the tiers below it get no bound (Σ priority then gets its trivial bound ``priority_total``). This holds for
any multipliers; with Λ's short one the decoded Λ bound is capped at ``locked_high``, which is Λ_max there.

Examples
--------
>>> import numpy as np
>>> from mentormatch.problem import Instance
>>> inst = Instance(weights=np.array([[3, -2], [5, 0]]), allowed=np.ones((2, 2), bool),
...                 priority=np.array([1, 2]), load=np.array([1, 1]), capacity=np.array([1, 1]))
>>> s = fit_scaling(inst)
>>> s.big, s.weight_low, s.weight_high
(11, -2, 8)
>>> s.gains(np.array([1, 2]), np.array([-2, 5])).tolist()
[9, 27]
>>> s.split_bound(36, priority_found=3)
(3, 3)
>>> kept = Instance(weights=inst.weights, allowed=inst.allowed, priority=inst.priority, load=inst.load,
...                 capacity=inst.capacity, keep=np.array([1, -1]), keep_tier="first")
>>> t = fit_scaling(kept)
>>> t.kept_multiplier, t.big, t.weight_multiplier   # W: 11 values, P: 4 values (0..3), K: 2 values
(44, 11, 1)
>>> t.pair_gains(kept, np.array([0, 0, 1]), np.array([0, 1, 0])).tolist()   # (0, 1) is mentee 0's current pair
[14, 53, 27]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mentormatch._threads import map_ordered, workers
from mentormatch.problem import Instance
from mentormatch.solvers._common import KEEP_TIERS, block_rows, candidate_mask, keep_pairs

__all__ = [
    "WEIGHT_RESOLUTION",
    "MAX_INT_WEIGHT",
    "INT64_HEADROOM",
    "FLOAT_EXACT",
    "FLOW_HEADROOM",
    "KEEP_TIERS",
    "Scaling",
    "Tiers",
    "TierBounds",
    "fit_scaling",
    "most_kept",
]

MAX_INT_WEIGHT = 10**6
"""Largest |weight| used exactly, and the integer the largest |float weight| is scaled to (without a continuity
tier; with one, at most this)."""
WEIGHT_RESOLUTION = 1e-6
"""Float weights are exact to this fraction of the largest |weight| per pair (after rounding, half of it); with a
continuity tier that does not fit at this resolution, to ``1 / Scaling.weight_limit``."""
INT64_HEADROOM = 2**62
"""Every combined total must stay below this (int64 with a factor 2 to spare)."""
FLOAT_EXACT = 2**53
"""Integers below this are exact in float64 (CP-SAT reports its bound, scipy computes its duals, in float64)."""
FLOW_HEADROOM = 2**60
"""Per-unit gains × (n + m + 2) stay below this where the weight scale is chosen to fit (a continuity tier, and the
relaxation's multiplier). OR-Tools' min-cost flow refuses costs above ``2**62 / (nodes + 1)`` and stops with
``BAD_COST_RANGE`` once a node potential passes ``−2**63 +`` the largest scaled cost; measured, its potentials
reach about twice the largest scaled cost, so ``2**62`` itself fails and one bit of margin was enough on every
shape tried: two are kept."""


@dataclass(frozen=True)
class Tiers:
    """The tier values of one answer: Λ (``locked``), K (``kept``), Σ priority and Σ w_int (``weight``)."""

    locked: int
    kept: int
    priority: int
    weight: int


@dataclass(frozen=True)
class TierBounds:
    """Bounds decoded from a bound on Σ gain (:meth:`Scaling.decode`), each valid among the answers that reach the
    tiers above it as found; None for a tier below one that is not proven (and for Λ, K without them).
    ``priority`` is never None: while a tier above it is not proven it is the trivial bound. ``proven``: every
    tier's bound equals the answer's value."""

    locked: int | None
    kept: int | None
    priority: int
    weight: int | None
    proven: bool
    priority_decoded: bool = True
    """False when ``priority`` is the trivial bound (a tier above it is not proven)."""


@dataclass(frozen=True)
class Scaling:
    """How one instance's weights, priorities and current pairs become integer gains.

    Attributes
    ----------
    scale : float
        ``w_int = rint(w * scale)``; 1.0 for integer weights.
    exact : bool
        True for integer weights (no rounding).
    big : int
        The priority multiplier (without a continuity tier ``weight_high - weight_low + 1``).
    weight_low, weight_high : int
        The lowest and highest Σ w_int any matching can reach.
    priority_total : int
        Σ priority over mentees with at least one candidate pair (a trivial bound on Σ priority).
    max_gain : int
        At least the largest gain of any candidate pair (0 when there are none).
    max_matched : int
        An upper bound on the number of pairs in any answer.
    weight_multiplier : int
        What one unit of w_int is worth (1 unless K is the last tier).
    kept_multiplier, locked_multiplier : int
        What keeping a current pair (δ), and keeping a locked one (λ, on top of δ), is worth; 0 without the tier.
        ``locked_multiplier`` is the short one of the module docstring when every locked pair fits.
    kept_high, locked_high : int
        Bounds on K and Λ: the most current pairs that fit together (per mentor, the smallest loads first within
        its capacity), and the locked current pairs that are candidate pairs.
    kept_cap : int
        The most current pairs that fit together with every locked one: a bound on K among answers that keep every
        lock (tighter where a lock takes capacity that smaller current pairs could share).
    keep_tier : str or None
        ``Instance.keep_tier`` when the instance has ``keep``, else None (no continuity tier).
    weight_limit : int
        ``T``: the integer the largest |float weight| is scaled to (the resolution is ``1 / T`` of it);
        :data:`MAX_INT_WEIGHT` for integer weights.
    """

    scale: float
    exact: bool
    big: int
    weight_low: int
    weight_high: int
    priority_total: int
    max_gain: int
    max_matched: int
    weight_multiplier: int = 1
    kept_multiplier: int = 0
    locked_multiplier: int = 0
    kept_high: int = 0
    locked_high: int = 0
    kept_cap: int = 0
    keep_tier: str | None = None
    weight_limit: int = MAX_INT_WEIGHT

    @property
    def combined_high(self) -> int:
        """An upper bound on Σ gain of any answer."""
        return (
            self.priority_total * self.big
            + self.weight_high * self.weight_multiplier
            + self.kept_high * self.kept_multiplier
            + self.locked_high * self.locked_multiplier
        )

    def weights_int(self, values: np.ndarray) -> np.ndarray:
        """Scaled integer weights (int64) for weight values taken from ``Instance.weights``."""
        if self.exact:
            return values.astype(np.int64)
        return np.rint(values.astype(np.float64) * self.scale).astype(np.int64)

    def gains(self, priority_values: np.ndarray, weight_values: np.ndarray) -> np.ndarray:
        """The priority and weight part of the gain, ``priority * big + w_int * weight_multiplier`` (int64),
        element-wise: the whole gain of a pair that is no current pair (see :meth:`pair_gains`)."""
        weights = self.weights_int(weight_values)
        if self.weight_multiplier != 1:
            weights = weights * np.int64(self.weight_multiplier)
        gains: np.ndarray = priority_values.astype(np.int64) * self.big + weights
        return gains

    def pair_gains(
        self, instance: Instance, rows: np.ndarray, cols: np.ndarray, weight_values: np.ndarray | None = None
    ) -> np.ndarray:
        """The combined integer gain (int64) of pairs ``(rows, cols)`` of ``instance``, every tier included.

        ``rows`` and ``cols`` are index arrays that broadcast against each other (e.g. ``(r, 1)`` and ``(1, s)``
        for a dense block). ``weight_values``: the pairs' weights when the caller already holds them (default
        ``instance.weights[rows, cols]``).
        """
        if weight_values is None:
            weight_values = instance.weights[rows, cols]
        gains = self.gains(instance.priority[rows], weight_values)
        if self.keep_tier is None or instance.keep is None:
            return gains
        kept = instance.keep[rows] == cols
        gains = gains + np.where(kept, np.int64(self.kept_multiplier), np.int64(0))
        if self.locked_multiplier and instance.locked is not None:
            locked = kept & instance.locked[rows]
            gains = gains + np.where(locked, np.int64(self.locked_multiplier), np.int64(0))
        return gains

    def answer_gain(self, instance: Instance, mentor_of: np.ndarray) -> int:
        """Σ gain of an answer (exact int)."""
        rows = np.flatnonzero(mentor_of >= 0)
        return int(self.pair_gains(instance, rows, mentor_of[rows]).sum())

    def tiers(self, instance: Instance, mentor_of: np.ndarray) -> Tiers:
        """The tier values of an answer: Λ, K, Σ priority and Σ w_int."""
        rows = np.flatnonzero(mentor_of >= 0)
        cols = mentor_of[rows]
        return Tiers(
            locked=instance.locked_kept(mentor_of) if self.locked_multiplier else 0,
            kept=instance.kept(mentor_of) if self.keep_tier is not None else 0,
            priority=int(instance.priority[rows].sum(dtype=np.int64)),
            weight=int(self.weights_int(instance.weights[rows, cols]).sum()),
        )

    def value(self, tiers: Tiers) -> int:
        """Σ gain of an answer with these tier values."""
        return sum(getattr(tiers, name) * multiplier for name, multiplier, _, _ in self._order())

    def _order(self) -> list[tuple[str, int, int, int]]:
        """The tiers from the highest to the lowest: (name, multiplier, low, high)."""
        weight = ("weight", self.weight_multiplier, self.weight_low, self.weight_high)
        priority = ("priority", self.big, 0, self.priority_total)
        kept = ("kept", self.kept_multiplier, 0, self.kept_high)
        if self.keep_tier is None:
            order = [priority, weight]
        elif self.keep_tier == "first":
            order = [kept, priority, weight]
        elif self.keep_tier == "second":
            order = [priority, kept, weight]
        else:
            order = [priority, weight, kept]
        if self.locked_multiplier:
            order.insert(0, ("locked", self.locked_multiplier, 0, self.locked_high))
        return order

    def require(self, limit: int, what: str) -> None:
        """Raise ValueError unless ``combined_high`` stays below ``limit``.

        ``what`` names the solver's need, e.g. "CP-SAT's float64 bound".
        """
        if self.combined_high >= limit:
            parts = f"priority × {self.big} + scaled weight"
            if self.keep_tier is not None:
                parts = f"locked and kept current pairs, {parts}"
            raise ValueError(
                f"the combined objective ({parts}) reaches {self.combined_high}, "
                f"beyond what {what} holds exactly ({limit}); use smaller priority values, integer weights with a "
                f"smaller range, or fewer mentees"
            )

    def decode(self, combined_bound: int, found: Tiers, priority_bound: int | None = None) -> TierBounds:
        """Decode an integer upper bound on Σ gain into bounds on each tier, from the highest down.

        Parameters
        ----------
        combined_bound : int
            An upper bound on Σ gain of every answer (raised to the answer's own value if below it).
        found : Tiers
            The answer's tier values.
        priority_bound : int, optional
            A bound on Σ priority known otherwise (it holds among answers reaching the tiers above as found);
            the tighter of it and the decoded one is used.

        Returns
        -------
        TierBounds
            A tier's bound is decoded only while every tier above it is proven (its bound equals the answer's
            value); see the module docstring.
        """
        order = self._order()
        rest = max(int(combined_bound), self.value(found))
        bounds: dict[str, int | None] = {"locked": None, "kept": None, "priority": None, "weight": None}
        proven = True
        for index, (name, multiplier, _, high) in enumerate(order):
            below = sum(m * low for _, m, low, _ in order[index + 1 :])
            value = getattr(found, name)
            if name == "kept" and found.locked >= self.locked_high:  # every lock kept: K ≤ kept_cap
                high = min(high, self.kept_cap)
            bound = min(high, (rest - below) // multiplier)
            if name == "priority" and priority_bound is not None:
                bound = min(bound, priority_bound)
            bound = max(bound, value)
            bounds[name] = bound
            if bound != value:
                proven = False
                break
            rest -= value * multiplier
        priority = bounds["priority"]
        if priority is None:
            priority = max(self.priority_total, found.priority)
        return TierBounds(
            locked=bounds["locked"],
            kept=bounds["kept"],
            priority=priority,
            weight=bounds["weight"],
            proven=proven,
            priority_decoded=bounds["priority"] is not None,
        )

    def split_bound(
        self, combined_bound: int, priority_found: int, *, kept_found: int = 0, locked_found: int = 0
    ) -> tuple[int, int | None]:
        """Split an integer upper bound on Σ gain into bounds on Σ priority and on Σ w_int.

        Any answer with priority P has ``P * big + W ≤ combined_bound`` and ``W ≥ weight_low``, so
        ``P ≤ floor((combined_bound - weight_low) / big)``. When that bound equals ``priority_found`` (the priority
        part is proven), answers that reach it have ``W ≤ combined_bound - priority_found * big``. With a
        continuity tier the tiers above Σ priority are decoded first (:meth:`decode`, given the answer's Λ and K):
        while one of them is not proven, Σ priority gets its trivial bound and Σ w_int none.

        Returns
        -------
        priority_bound : int
        weight_int_bound : int or None
            None unless ``priority_bound == priority_found`` (and every tier above it is proven).
        """
        # The answer's own Σ w_int does not matter here: W's bound is decoded before W is compared with it.
        found = Tiers(locked=locked_found, kept=kept_found, priority=priority_found, weight=self.weight_low)
        bounds = self.decode(combined_bound, found)
        return bounds.priority, (bounds.weight if bounds.priority == priority_found else None)

    def solution_bounds(
        self, combined_bound: int, found: Tiers, objective: float, priority_bound: int | None = None
    ) -> tuple[int, float | None, int | None]:
        """``(priority_bound, objective_bound, kept_bound)`` of a :class:`~mentormatch.problem.Solution` whose
        answer has the tier values ``found`` and Σ weights ``objective``, from a bound on Σ gain.

        ``objective_bound`` is in weight units with the rounding added (:meth:`weight_bound`), never below
        ``objective``; ``kept_bound`` is None without a continuity tier.
        """
        return self.report(self.decode(combined_bound, found, priority_bound), objective)

    def report(self, bounds: TierBounds, objective: float) -> tuple[int, float | None, int | None]:
        """``(priority_bound, objective_bound, kept_bound)`` of a Solution from decoded bounds (see
        :meth:`solution_bounds`)."""
        objective_bound = None if bounds.weight is None else max(objective, self.weight_bound(bounds.weight))
        kept_bound = bounds.kept if self.keep_tier is not None else None
        return bounds.priority, objective_bound, kept_bound

    def weight_bound(self, weight_int_bound: int) -> float:
        """A valid bound in the units of ``Instance.weights`` from a bound on Σ w_int.

        Exact for integer weights. For float weights each pair may have lost up to ``0.5 / scale`` to rounding,
        so ``max_matched * (0.5 + 1e-6) / scale`` is added (the 1e-6 covers float64 error in ``w * scale``), and
        the result is nudged up by a few ulps.
        """
        if self.exact:
            return float(weight_int_bound)
        value = (weight_int_bound + self.max_matched * (0.5 + 1e-6)) / self.scale
        return value + 4 * math.ulp(value)


def fit_scaling(instance: Instance, *, limit: int | None = None, strict_locks: bool = False) -> Scaling:
    """Derive the scaling for ``instance`` in one pass over its rows (in blocks; no full-size temporary).

    Parameters
    ----------
    instance : Instance
        Already validated (shapes and dtypes).
    limit : int, optional
        With a continuity tier and float weights only: also keep ``combined_high`` below this (e.g.
        :data:`FLOAT_EXACT` for CP-SAT), by a coarser weight scale. Ignored otherwise.
    strict_locks : bool
        Give Λ the full mixed-radix multiplier even when every locked pair fits (see the module docstring): for
        problems with rules beyond capacity (the coach tier). Ignored without locked pairs.

    Returns
    -------
    Scaling

    Raises
    ------
    ValueError
        A weight on an allowed pair is NaN or infinite; an integer weight exceeds ``10**6`` in absolute value; or
        the combined objective would not fit in int64.
    """
    n, m = instance.shape
    weights = instance.weights
    is_int = weights.dtype.kind in "biu"
    row_min = np.zeros(n, dtype=np.float64)
    row_max = np.zeros(n, dtype=np.float64)
    has_pair = np.zeros(n, dtype=bool)
    step = block_rows(m)

    def fill(r0: int) -> None:  # writes its own rows only: blocks may run on several threads
        rows = slice(r0, min(n, r0 + step))
        block = weights[rows]
        mask = candidate_mask(instance, rows)
        has_pair[rows] = mask.any(axis=1)
        # In the block's own dtype (min and max are exact in any dtype; measured 3× faster than in float64, and
        # faster than reductions with ``where=``). A NaN or ±inf on an allowed pair shows in a row's minimum or
        # maximum; only then is the block searched for it.
        if is_int:
            block = block.astype(np.int64, copy=False)
            top, bottom = np.iinfo(np.int64).max, np.iinfo(np.int64).min
        else:
            top, bottom = block.dtype.type(np.inf), block.dtype.type(-np.inf)
        low = np.where(mask, block, top).min(axis=1, initial=top)
        high = np.where(mask, block, bottom).max(axis=1, initial=bottom)
        low = np.where(has_pair[rows], low, 0).astype(np.float64)
        high = np.where(has_pair[rows], high, 0).astype(np.float64)
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            _raise_non_finite(block, instance.allowed[rows], r0)
        if is_int and max(-low.min(initial=0), high.max(initial=0)) > MAX_INT_WEIGHT:
            _raise_too_large(block, instance.allowed[rows], r0)
        row_min[rows], row_max[rows] = low, high

    map_ordered(fill, range(0, n, step), workers(n * m))  # the first block's error (row order) is raised
    row_min = np.where(has_pair, row_min, 0.0)
    row_max = np.where(has_pair, row_max, 0.0)
    shape = _Shape(instance, row_min, row_max, has_pair)
    if is_int:
        scaling = shape.scaling(1.0, exact=True, target=MAX_INT_WEIGHT, strict_locks=strict_locks)
    else:
        largest = float(max(np.abs(row_min).max(initial=0.0), np.abs(row_max).max(initial=0.0)))
        if 0 < largest < 1e-290:
            raise ValueError(
                f"the largest |weight| on an allowed pair is {largest!r}, too small to scale to "
                f"integers; multiply the weights by a constant"
            )

        def at(target: int) -> Scaling:
            return shape.scaling(
                target / largest if largest > 0 else 1.0, exact=False, target=target, strict_locks=strict_locks
            )

        scaling = at(MAX_INT_WEIGHT)
        if shape.keep_tier is not None and not shape.fits(scaling, limit):
            # The largest T ≤ 10**6 that fits (both conditions are non-decreasing in T); T = 1 if none does, and
            # then the checks below raise.
            low_t, high_t = 1, MAX_INT_WEIGHT
            while high_t - low_t > 1:
                middle = (low_t + high_t) // 2
                if shape.fits(at(middle), limit):
                    low_t = middle
                else:
                    high_t = middle
            scaling = at(low_t)
    scaling.require(INT64_HEADROOM, "int64")
    return scaling


class _Shape:
    """What :func:`fit_scaling` learned in its pass over the rows; builds the :class:`Scaling` for a weight scale."""

    def __init__(self, instance: Instance, row_min: np.ndarray, row_max: np.ndarray, has_pair: np.ndarray) -> None:
        n, m = instance.shape
        self.n, self.m = n, m
        self.row_min, self.row_max, self.has_pair = row_min, row_max, has_pair
        priority = instance.priority.astype(np.int64)
        self.priority_total = int(priority[has_pair].sum())
        self.priority_max = int(priority[has_pair].max()) if has_pair.any() else 0
        capacity_pairs = int(np.minimum(instance.capacity, n).sum()) if m else 0
        self.max_matched = min(int(has_pair.sum()), capacity_pairs)
        self.keep_tier = instance.keep_tier if instance.keep is not None else None
        self.kept_high = self.locked_high = self.locked_load = self.kept_cap = 0
        self.locks_fit = False
        if self.keep_tier is not None:
            rows, cols, locked = keep_pairs(instance)
            self.kept_high = most_kept(instance, rows, cols)
            self.locked_high = int(np.count_nonzero(locked))
            self.kept_cap = most_kept(instance, rows, cols, locked) if self.locked_high else self.kept_high
            if self.locked_high:
                loads = instance.pair_load(rows[locked], cols[locked])
                at_mentor = np.zeros(m, dtype=np.int64)
                np.add.at(at_mentor, cols[locked], loads)
                self.locks_fit = bool(np.all(at_mentor <= instance.capacity))
                self.locked_load = int(loads.max())

    def fits(self, scaling: Scaling, limit: int | None) -> bool:
        """Whether ``scaling`` fits int64 with the flows' cost scaling (and below ``limit``)."""
        ceiling = INT64_HEADROOM if limit is None else min(INT64_HEADROOM, limit)
        return scaling.combined_high < ceiling and scaling.max_gain * (self.n + self.m + 2) < FLOW_HEADROOM

    def scaling(self, scale: float, *, exact: bool, target: int, strict_locks: bool = False) -> Scaling:
        """The scaling with weight scale ``scale`` (the multipliers of the module docstring)."""
        low_int = np.rint(self.row_min * scale).astype(np.int64)
        high_int = np.rint(self.row_max * scale).astype(np.int64)
        weight_low = int(np.minimum(low_int, 0).sum())
        weight_high = int(np.maximum(high_int, 0).sum())
        ranges = {
            "weight": weight_high - weight_low,
            "priority": self.priority_total,
            "kept": self.kept_high,
            "locked": self.locked_high,
        }
        lowest_first = {
            None: ["weight", "priority"],
            "first": ["weight", "priority", "kept"],
            "second": ["weight", "kept", "priority"],
            "last": ["kept", "weight", "priority"],
        }
        multipliers = {"kept": 0, "locked": 0}
        multiplier = 1
        for name in lowest_first[self.keep_tier]:
            multipliers[name] = multiplier
            multiplier *= ranges[name] + 1
        max_gain = 0  # without the λ bonus first: G of the module docstring
        if self.has_pair.any():
            max_gain = (
                self.priority_max * multipliers["priority"] + int(high_int[self.has_pair].max()) * multipliers["weight"]
            )
            max_gain += multipliers["kept"] if self.kept_high else 0
        if self.locked_high:
            if self.locks_fit and not strict_locks:
                multipliers["locked"] = (self.locked_load + 1) * max_gain + 1
            else:
                multipliers["locked"] = multiplier
            max_gain += multipliers["locked"]
        return Scaling(
            scale=scale,
            exact=exact,
            big=multipliers["priority"],
            weight_low=weight_low,
            weight_high=weight_high,
            priority_total=self.priority_total,
            max_gain=max_gain,
            max_matched=self.max_matched,
            weight_multiplier=multipliers["weight"],
            kept_multiplier=multipliers["kept"],
            locked_multiplier=multipliers["locked"],
            kept_high=self.kept_high,
            locked_high=self.locked_high,
            kept_cap=self.kept_cap,
            keep_tier=self.keep_tier,
            weight_limit=target,
        )


def most_kept(instance: Instance, rows: np.ndarray, cols: np.ndarray, locked: np.ndarray | None = None) -> int:
    """The most current pairs ``(rows, cols)`` (candidate pairs) that can be kept at once: per mentor, the smallest
    loads first within its capacity, which is the most any answer keeps there (a bound on K).

    With ``locked``, among answers that keep every locked pair: those first, then the smallest others in the
    capacity they leave (when the locked pairs alone do not fit, the bound without them).

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import Instance
    >>> inst = Instance(weights=np.zeros((3, 1)), allowed=np.ones((3, 1), bool), priority=np.ones(3, int),
    ...                 load=np.array([2, 1, 1]), capacity=np.array([2]))
    >>> rows, cols = np.arange(3), np.zeros(3, np.int64)
    >>> most_kept(inst, rows, cols), most_kept(inst, rows, cols, np.array([True, False, False]))
    (2, 1)
    """
    if rows.size == 0:
        return 0
    load = instance.pair_load(rows, cols)
    room = instance.capacity.astype(np.int64)
    count = 0
    if locked is not None and np.any(locked):
        taken = np.bincount(cols[locked], weights=load[locked], minlength=room.size).astype(np.int64)
        if np.any(taken > room):
            return most_kept(instance, rows, cols)
        room = room - taken
        count = int(np.count_nonzero(locked))
        rows, cols, load = rows[~locked], cols[~locked], load[~locked]
        if rows.size == 0:
            return count
    order = np.lexsort((load, cols))
    cols, load = cols[order], load[order]
    total = np.cumsum(load)
    first = np.r_[True, cols[1:] != cols[:-1]]
    sizes = np.diff(np.r_[np.flatnonzero(first), cols.size])
    within = total - np.repeat((total - load)[first], sizes)  # cumulative load within each mentor's group
    return count + int(np.count_nonzero(within <= room[cols]))


def _raise_non_finite(block: np.ndarray, allowed: np.ndarray, r0: int) -> None:
    """Raise the ValueError naming the first NaN or ±inf weight on an allowed pair of a block of rows."""
    i, j = np.argwhere(allowed & ~np.isfinite(block))[0]
    raise ValueError(f"weights[{r0 + i}, {j}] is {block[i, j]} on an allowed pair; weights must be finite")


def _raise_too_large(block: np.ndarray, allowed: np.ndarray, r0: int) -> None:
    """Raise the ValueError naming the first integer weight beyond ±10**6 on an allowed pair of a block."""
    i, j = np.argwhere(allowed & ((block > MAX_INT_WEIGHT) | (block < -MAX_INT_WEIGHT)))[0]
    raise ValueError(
        f"weights[{r0 + i}, {j}] is {block[i, j]}: integer weights must lie within ±{MAX_INT_WEIGHT} to be exact; "
        f"rescale them or pass floats (exact to 1e-6 relative)"
    )
