"""Workloads above 1 at scale: a transportation relaxation as the bound, an integral answer repaired from it.

With workloads above 1, capacity is a knapsack constraint and flow methods split cases across mentors. This method
never splits a case; it uses the split only as a bound:

1. **Relaxation (bound).** A min-cost flow in which mentee i supplies ``load[i]`` units (arc capacity
   ``min(load[i], capacity[j])``, bypass arc for staying unmatched) and each unit on pair (i, j) gains
   ``gain[i, j] / load[i]``. This is the LP relaxation of the problem (x[i, j] = units / load[i]), with pairs that
   cannot fit at all (``load[i] > capacity[j]``) dropped, which only tightens it. To keep costs integral every
   per-unit gain is multiplied by ``L`` (the least common multiple of the workloads, or smaller if that would
   overflow) and rounded **up** (``_network.unit_gains``): the flow optimum / L is then ≥ the LP optimum ≥ every
   integral answer, and its floor is the bound (integral answers have integral gains).
   From ``AutoOptions.priced_pairs`` candidate pairs up (``auto.py`` decides) the flow is solved by
   ``pricing.priced_transport``: on a few candidate arcs, proven optimal over every candidate pair by reduced
   costs, so the same optimum (the same bound) in O(candidate arcs) memory instead of OR-Tools' ~80 bytes per
   candidate pair; if pricing gives up (``PricingOptions.max_rounds``, ``max_candidate_fraction``) the dense
   flow solves it, and ``message`` and ``method`` say which.
   **Strengthened** (``RelaxationOptions.strengthen``, the default): each workload class ``w ≥ 2`` routes through
   a node per mentor of capacity ``w · ⌊capacity[j] / w⌋`` units (``_network.Classes``), so that the relaxation,
   like every integral answer, puts at most ``⌊capacity[j] / w⌋`` cases of workload ``w`` on mentor j; for
   workloads 1–2 this is the integer hull of one mentor's ``k1 + 2 k2 ≤ capacity[j]``. It stays a network, dense
   or priced (pricing prices a class pair against its class node's potential). With the dive on, the relaxation is
   priced from ``RelaxationOptions.dive_priced_pairs`` candidate pairs, so that the dive re-solves on the final
   network's candidate pairs.
2. **Answer.** By default an **LP dive** (``dive.py``): fix each split case to the mentor holding its largest
   share, re-solve the relaxation of the rest, repeat until nothing is split (``dive_rounds`` re-solves at most).
   Otherwise (``dive=False``, the **repair**): mentees the relaxation assigns wholly to one mentor keep that
   mentor: together they fit, since each mentor received at most its capacity. Either way the mentees left are
   placed greedily (priority high first, then workload small first, then index), each to its best-weighted
   candidate mentor with room left.
3. **Improvement (optional, large-neighbourhood search).** CP-SAT re-solves windows of the problem. A window takes
   mentors in a seeded random order, those with room left first (fragmented capacity is where the gains hide),
   while the pairs of the mentees on them stay within half of ``improve_pairs``; then unplaced mentees in a seeded
   random order while all its candidate pairs stay within ``improve_pairs``. It is warm-started from the current
   answer and limited to ``window_deterministic_seconds`` of CP-SAT deterministic time; its answer is kept
   only when it raises Σ gain. Windows stop when the answer reaches the bound, after ``max_stalled_windows``
   windows without gain, when ``improve_deterministic_seconds`` are spent, or when the time limit is near (the
   knobs are :class:`~mentormatch.solvers.options.RelaxationOptions`' fields). They do not start when the answer
   already reaches the Σ priority bound with Σ weights within ``polish_gap`` of their bound on a problem larger
   than one window (where they could not prove it).
   When the whole problem fits in one window, CP-SAT solves it once with the whole deterministic budget.
   Only deterministic quantities decide which windows run (the budget is CP-SAT deterministic time, at most
   ``deterministic_limit``), so the answer is reproducible unless the wall-clock ``time_limit``, a safety net,
   cuts the search short.

   Measured (workloads 1–3, capacity 2–6, demand ≈ 1.9 × capacity, 2 cores): 1500 × 300 (87 000 pairs): repaired
   Σ priority 2042, bound 2076; windows reach 2076 in 30 s (2067 in 10 s). 20000 × 5000 with 30 % allowed
   (29 M pairs): relaxation 24 s, repaired 31077, bound 31842; 20 windows (40 s) reach 31251.
   The synthetic roster at 20000 × 5000 (31 M allowed pairs, 2037 workloads of 2): the dense relaxation made the
   run 58 s at a peak RSS of 3.2 GB; priced (6 pricing passes, 5 flow solves on 0.52 M of 29.7 M candidate pairs)
   the relaxation takes 13 s and the run 46–50 s at 0.82 GB (0.67 GB of it the roster and instance), with the
   same bound. Neither the repair (greedy, one mentee at a time) nor the windows (at most ``improve_pairs``
   CP-SAT pairs) hold anything per allowed pair.
   With the strengthened relaxation and the dive (``benchmarks/results/workload_grid.md``, workloads 1–2 with
   ~15 % of 2 and capacity = total workload, ``time_limit=60`` on 2 cores shared with other work): Σ priority
   reaches the strengthened bound at 3000 × 1000 (Σ S 0.009 % and 0.099 % below its bound, 2 and 15 s) and at
   20000 × 5000 (0.007 % and 0.055 %, 56–60 s), where the plain relaxation and repair ended 236 and 642 priority
   points short; the bundled roster at 20000 × 5000 seed 3 ends 2 points below the bound (before: 145).

The status is ``optimal`` only when the answer's gain reaches the bound, or when one window held the whole problem
(every mentor and mentee with a candidate pair) and CP-SAT proved it; otherwise ``feasible`` with the bound split
into Σ priority and Σ weights (``_scaling.Scaling.split_bound``, whose Σ priority bound is already an integer floor),
tightened by CP-SAT's bound when its window was the whole problem. The split can leave Σ priority one above the
floor of the largest fractional Σ priority (the combined relaxation may trade part of a priority point for
weight); when it is exactly one above the answer's, :func:`priority_relaxation` (the relaxation with weights zero,
floored) is solved too, and may prove the priority part.

``Solution.method`` names the steps that shaped the answer, ``+``-joined in this order: ``relaxation``; ``priced``
when the bound was solved by pricing (then ``dense`` when pricing gave up); ``strengthened`` when class nodes
tightened it; ``dive`` when the LP dive gave the answer; ``cpsat-proof`` when one CP-SAT window
held the whole problem and proved it; ``windows`` when CP-SAT windows improved the repaired answer;
``priority-bound`` when the priority-only relaxation proved Σ priority. ``Solution.stats``: ``multiplier`` (L),
pricing's ``rounds``, ``flow_solves``, ``candidates`` and ``candidate_pairs`` when priced, ``dive_rounds`` (the
dive's re-solves) and ``windows`` (CP-SAT windows solved) when the improvement step ran.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from mentormatch.problem import Instance, Progress, Solution, Status
from mentormatch.solvers import cpsat
from mentormatch.solvers._common import (
    Clock,
    SolverBug,
    SolverUnsuitable,
    answer_totals,
    block_rows,
    candidate_counts,
    candidate_mask,
    keep_pairs,
    kept_of,
)
from mentormatch.solvers._cpsat import search_limits
from mentormatch.solvers._network import Classes, Transport, class_nodes, transport, unit_gains
from mentormatch.solvers._scaling import FLOAT_EXACT, FLOW_HEADROOM, Scaling, fit_scaling
from mentormatch.solvers.auto import takes_pricing
from mentormatch.solvers.dive import dive
from mentormatch.solvers.options import RelaxationOptions, SolverOptions

__all__ = [
    "solve",
    "run",
    "relax",
    "priority_relaxation",
    "repair",
    "greedy",
    "Relaxation",
    "IMPROVE_PAIRS",
    "IMPROVE_DETERMINISTIC_SECONDS",
    "WINDOW_DETERMINISTIC_SECONDS",
    "MAX_STALLED_WINDOWS",
]

# The defaults of options.RelaxationOptions, kept under their earlier public names (read them;
# tune a solve with ``run_solver(..., options=SolverOptions(...))``: setting these changes nothing).
IMPROVE_PAIRS = RelaxationOptions().improve_pairs
IMPROVE_DETERMINISTIC_SECONDS = RelaxationOptions().improve_deterministic_seconds
WINDOW_DETERMINISTIC_SECONDS = RelaxationOptions().window_deterministic_seconds
MAX_STALLED_WINDOWS = RelaxationOptions().max_stalled_windows

NAME = "relaxation"


@dataclass(frozen=True)
class Relaxation:
    """The relaxation's optimum: ``bound`` on Σ gain of any integral answer, and the optimal (split) transport."""

    bound: int
    flow: Transport
    multiplier: int
    note: str = "dense"
    """How the transport was solved: ``"dense"`` (every candidate pair an arc), or the pricing's summary."""
    method: str = "dense"
    """The same as a stable name: ``"dense"``, ``"priced"`` (proven by pricing) or ``"priced+dense"`` (pricing
    gave up and the dense flow solved it)."""
    stats: Mapping[str, int] = field(default_factory=dict)
    """Pricing's ``rounds``, ``flow_solves``, ``candidates`` and ``candidate_pairs`` when it was priced."""
    classes: Classes | None = None
    """The class nodes of the strengthened relaxation (``RelaxationOptions.strengthen``), or None."""
    pairs: tuple[np.ndarray, np.ndarray] | None = None
    """When priced: the candidate pairs of the final network and, with the dive on, each mentee's
    ``dive_near_pairs`` best pairs within ``dive_near_window`` of zero reduced cost (where the dive re-solves);
    None: every candidate pair."""
    candidate_pairs: int = 0
    """How many candidate pairs the problem has."""


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    improve_pairs: int | None = None,
    scaling: Scaling | None = None,
    priced: bool | None = None,
    deterministic_limit: float | None = None,
    options: SolverOptions | None = None,
    wall_budget: float | None = None,
) -> Solution:
    """Bound by the transportation relaxation, answer by repair (and CP-SAT on a subproblem).

    Parameters
    ----------
    instance : Instance
        Any workloads.
    time_limit : float, optional
        Wall-clock seconds, a safety net; only the improvement step is limited by it (the flow runs to the end).
    seed : int
        CP-SAT's seed in the improvement step.
    progress : callable, optional
        ``progress(stage, elapsed)`` at each stage.
    improve_pairs : int, optional
        Candidate pairs per CP-SAT window; 0 skips the improvement (relaxation and repair only: a warm start).
        Default ``options.relaxation.improve_pairs``.
    scaling : Scaling, optional
        Reuse a scaling already fitted to ``instance``.
    priced : bool, optional
        Solve the relaxation by pricing (see :func:`relax`); None: by size (``auto.takes_pricing``).
    deterministic_limit : float, optional
        CP-SAT deterministic seconds the improvement step may use in all, at most
        ``options.relaxation.improve_deterministic_seconds`` (the default); this, not the wall clock, is what ends
        the search, so that reruns agree.
    options : SolverOptions, optional
        The knobs (``options.relaxation``, and ``options.pricing`` for a priced relaxation); None: the defaults.
    wall_budget : float, optional
        The caller's own time limit in wall-clock seconds (``time_limit`` is its safety net, ``2 ×`` it ``+ 5``):
        a second safety net, so that a loaded machine still answers about in time. The dive starts no re-solve
        after ``dive_share`` of it, and no CP-SAT window starts once the last window's wall time would overrun it.
        On a quiet machine the counted budgets end both first.

    Returns
    -------
    Solution
        ``optimal`` when the answer reaches the relaxation bound, else ``feasible`` with the bound; ``method`` and
        ``stats`` as in the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> from mentormatch.problem import Instance
    >>> inst = Instance(weights=np.array([[4, 1], [3, 3], [2, 5]]), allowed=np.ones((3, 2), bool),
    ...                 priority=np.array([2, 1, 1]), load=np.array([2, 1, 2]), capacity=np.array([3, 2]))
    >>> sol = solve(inst)
    >>> sol.mentor_of.tolist(), sol.priority_sum, sol.objective, str(sol.status), sol.method
    ([0, 0, 1], 4, 12.0, 'optimal', 'relaxation+strengthened+dive')
    """
    if instance.generalised:
        raise SolverUnsuitable(
            f"{NAME}: a load per pair (the generalised assignment problem) has no "
            f"transportation relaxation here; use solver 'cpsat'"
        )
    options = SolverOptions() if options is None else options
    knobs = options.relaxation
    improve_pairs = knobs.improve_pairs if improve_pairs is None else improve_pairs
    clock = Clock(progress)
    scaling = scaling if scaling is not None else fit_scaling(instance)
    relaxed = relax(instance, scaling, clock, priced=priced, options=options)
    stats: dict[str, int | float] = {"multiplier": relaxed.multiplier, **relaxed.stats}
    kind = "strengthened transportation relaxation" if relaxed.classes is not None else "transportation relaxation"
    message = f"bound from the {kind} (gains per workload unit × {relaxed.multiplier}"
    message += ")" if relaxed.note == "dense" else f"; {relaxed.note})"
    steps = [NAME] if relaxed.method == "dense" else [NAME, relaxed.method]
    if relaxed.classes is not None:
        steps.append("strengthened")
    if knobs.dive:
        clock.stage(f"{NAME}: diving")
        dived = dive(
            instance,
            scaling,
            relaxed.flow,
            relaxed.multiplier,
            relaxed.classes,
            relaxed.pairs,
            clock=clock,
            max_rounds=knobs.dive_rounds,
            stop_at=None if wall_budget is None else knobs.dive_share * wall_budget,
        )
        mentor_of = dived.mentor_of
        _place_greedily(instance, mentor_of, _residual(instance, mentor_of))
        stats["dive_rounds"] = dived.rounds
        steps.append("dive")
        message += f"; answer by an LP dive ({dived.rounds} re-solve{'s' if dived.rounds != 1 else ''}"
        message += ")" if dived.complete else (", stopped by the time limit)" if dived.timed_out else ", stopped)")
    else:
        clock.stage(f"{NAME}: repairing")
        mentor_of = repair(instance, relaxed)
    value = _gain(instance, scaling, mentor_of)
    whole: Solution | None = None  # CP-SAT's answer when one window held the whole problem
    if (
        value < relaxed.bound
        and improve_pairs > 0
        and not _close_enough(instance, scaling, relaxed, mentor_of, improve_pairs, knobs.polish_gap)
    ):
        budget = (
            knobs.improve_deterministic_seconds
            if deterministic_limit is None
            else min(knobs.improve_deterministic_seconds, deterministic_limit)
        )
        better, whole, windows = _improve(
            instance,
            scaling,
            relaxed.bound,
            mentor_of,
            improve_pairs,
            time_limit,
            seed,
            clock,
            budget,
            options,
            wall_budget,
        )
        stats["windows"] = windows
        if whole is not None and whole.status is Status.OPTIMAL:
            message += "; CP-SAT proved the whole problem"
            steps.append("cpsat-proof")
        if _gain(instance, scaling, better) > value:
            mentor_of, value = better, _gain(instance, scaling, better)
            message += f"; improved by CP-SAT on {windows} window{'s' if windows != 1 else ''}"
            steps.append("windows")
    if value > relaxed.bound:
        raise SolverBug(f"{NAME}: the answer's gain {value} exceeds the relaxation bound {relaxed.bound}")
    priority_sum, objective = answer_totals(instance, mentor_of)
    kept = kept_of(instance, mentor_of)
    kept_bound = kept
    priority_bound: int | None
    objective_bound: float | None
    if value == relaxed.bound or (whole is not None and whole.status is Status.OPTIMAL):
        # Reaches the relaxation bound, or CP-SAT proved the whole problem (the kept answer's gain is at least
        # that optimum's, so it has the optimal Σ priority and Σ weights to the stated resolution).
        status, priority_bound, objective_bound = Status.OPTIMAL, priority_sum, objective
    elif instance.keep is not None:
        # With a continuity tier the bounds are decoded tier by tier from the relaxation's; CP-SAT's bounds on a
        # whole-problem window are conditional on that window's own tiers and are not mixed in.
        status = Status.FEASIBLE
        found = scaling.tiers(instance, mentor_of)
        bounds = scaling.decode(relaxed.bound, found)
        if (
            bounds.priority_decoded
            and bounds.priority == priority_sum + 1
            and priority_relaxation(instance, clock, priced, options=options) == priority_sum
        ):
            bounds = scaling.decode(relaxed.bound, found, priority_bound=priority_sum)
            message += "; Σ priority proven by the priority-only relaxation"
            steps.append("priority-bound")
        priority_bound, objective_bound, kept_bound = scaling.report(bounds, objective)
    else:
        status = Status.FEASIBLE
        priority_bound, weight_bound = scaling.split_bound(relaxed.bound, priority_sum)
        candidates = [] if weight_bound is None else [scaling.weight_bound(weight_bound)]
        if whole is not None and whole.priority_bound is not None:
            # CP-SAT's bounds on the whole problem are bounds too: keep the tighter ones.
            priority_bound = max(priority_sum, min(priority_bound, whole.priority_bound))
            if whole.objective_bound is not None and whole.priority_sum == priority_sum == priority_bound:
                candidates.append(whole.objective_bound)
        if (
            priority_bound == priority_sum + 1
            and priority_relaxation(instance, clock, priced, options=options) == priority_sum
        ):
            # The combined bound's split can overstate Σ priority by one; the priority-only relaxation cannot.
            priority_bound = priority_sum
            message += "; Σ priority proven by the priority-only relaxation"
            steps.append("priority-bound")
            weight_bound = min(scaling.weight_high, relaxed.bound - priority_sum * scaling.big)
            candidates.append(scaling.weight_bound(weight_bound))
        objective_bound = max(objective, min(candidates)) if candidates and priority_bound == priority_sum else None
    clock.stage(f"{NAME}: done")
    return Solution(
        mentor_of=mentor_of,
        status=status,
        priority_sum=priority_sum,
        objective=objective,
        priority_bound=priority_bound,
        objective_bound=objective_bound,
        solver=NAME,
        seconds=clock.elapsed(),
        message=message,
        kept=kept,
        kept_bound=kept_bound,
        method="+".join(steps),
        stats=stats,
    )


def run(
    instance: Instance,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    options: SolverOptions | None = None,
) -> Solution:
    """The relaxation as ``auto`` runs it: :func:`solve` with ``time_limit`` seconds of CP-SAT deterministic time
    for the improvement step (the wall clock a safety net, ``_cpsat.search_limits``), priced by size."""
    wall, deterministic = search_limits(time_limit)
    return solve(
        instance,
        time_limit=wall,
        deterministic_limit=deterministic,
        seed=seed,
        progress=progress,
        options=options,
        wall_budget=time_limit,
    )


def relax(
    instance: Instance,
    scaling: Scaling,
    clock: Clock | None = None,
    *,
    priced: bool | None = None,
    options: SolverOptions | None = None,
) -> Relaxation:
    """Solve the transportation relaxation (step 1 of the module docstring).

    Parameters
    ----------
    instance : Instance
    scaling : Scaling
        Fitted to ``instance``.
    clock : Clock, optional
    priced : bool, optional
        Solve it on candidate arcs proven by pricing (``pricing.priced_transport``) rather than on every candidate
        pair; None (default): as ``auto`` decides by size (:func:`mentormatch.solvers.auto.takes_pricing`: from
        ``AutoOptions.priced_pairs`` candidate pairs up). The optimum, hence the bound, is the same either way.
    options : SolverOptions, optional
        ``options.auto`` for that choice, ``options.pricing`` for the pricing; None: the defaults.

    Returns
    -------
    Relaxation
        ``bound`` ≥ Σ gain of every integral answer.
    """
    from mentormatch.solvers import pricing

    options = SolverOptions() if options is None else options
    clock = clock if clock is not None else Clock()
    row_count = candidate_counts(instance)[0]
    multiplier = _multiplier(instance, scaling, row_count)
    classes = class_nodes(instance, row_count > 0) if options.relaxation.strengthen else None
    pairs: tuple[np.ndarray, np.ndarray] | None = None
    if priced is None:
        pairs_total = int(row_count.sum())
        knobs = options.relaxation
        priced = takes_pricing(pairs_total, options.auto) or (knobs.dive and pairs_total >= knobs.dive_priced_pairs)
    flow: Transport | None = None
    note, method = "dense", "dense"
    stats: Mapping[str, int] = {}
    if priced:
        knobs = options.relaxation
        result = pricing.priced_transport(
            instance,
            scaling,
            multiplier,
            clock=clock,
            label=NAME,
            options=options.pricing,
            classes=classes,
            near=(knobs.dive_near_pairs, knobs.dive_near_window) if knobs.dive else None,
        )
        flow, stats = result.flow, result.stats
        pairs = result.pairs if flow is not None else None
        note = result.message if flow is not None else f"{result.message}; solved densely instead"
        method = "priced" if flow is not None else "priced+dense"
    if flow is None:
        load = instance.load.astype(np.int64)
        flow = transport(
            instance,
            supply=load,
            pair_gains=lambda rows, cols: unit_gains(instance, scaling, multiplier, rows, cols),
            max_unit_gain=scaling.max_gain * multiplier,
            clock=clock,
            label=NAME,
            pair_capacity=lambda rows, cols: np.minimum(load[rows], instance.capacity[cols]),
            classes=classes,
        )
    bound = min(flow.gain // multiplier, scaling.combined_high)  # floor: integral answers have integral gains
    return Relaxation(
        bound=bound,
        flow=flow,
        multiplier=multiplier,
        note=note,
        method=method,
        stats=stats,
        classes=classes,
        pairs=pairs,
        candidate_pairs=int(row_count.sum()),
    )


def priority_relaxation(
    instance: Instance,
    clock: Clock | None = None,
    priced: bool | None = None,
    *,
    options: SolverOptions | None = None,
) -> int:
    """A bound on Σ priority of every integral answer: the floored optimum of the relaxation with weights zero.

    The combined relaxation bounds ``Σ priority · big + Σ w_int``, and splitting it
    (``Scaling.split_bound``) can leave Σ priority one above the floor of the largest fractional Σ priority,
    because the relaxation may trade a fraction of a priority point for weight. Without weights (``big`` = 1) the
    relaxation's optimum is that largest fractional Σ priority (rounded up per unit), and Σ priority is an integer,
    so its floor is a bound; it is never above the split's bound, and at most one below it.
    """
    zero = np.broadcast_to(np.zeros((), dtype=np.int8), instance.shape)  # no memory per pair
    plain = Instance(
        weights=zero,
        allowed=instance.allowed,
        priority=instance.priority,
        load=instance.load,
        capacity=instance.capacity,
    )
    return relax(plain, fit_scaling(plain), clock, priced=priced, options=options).bound


def repair(instance: Instance, relaxed: Relaxation) -> np.ndarray:
    """An integral answer from the relaxation (step 2 of the module docstring): ``mentor_of``, never a split case."""
    n, m = instance.shape
    load = instance.load.astype(np.int64)
    flow = relaxed.flow
    mentor_of = np.full(n, -1, dtype=np.int64)
    whole = flow.units == load[flow.rows]
    mentor_of[flow.rows[whole]] = flow.cols[whole]
    residual = instance.capacity.astype(np.int64) - np.bincount(
        flow.cols[whole], weights=load[flow.rows[whole]], minlength=m
    ).astype(np.int64)
    if np.any(residual < 0):
        raise SolverBug(f"{NAME}: the relaxation's whole cases exceed a mentor's capacity")
    _place_greedily(instance, mentor_of, residual)
    return mentor_of


def _close_enough(
    instance: Instance,
    scaling: Scaling,
    relaxed: Relaxation,
    mentor_of: np.ndarray,
    window_pairs: int,
    gap: float,
) -> bool:
    """Whether the answer is close enough to the bound that CP-SAT windows are not worth their time
    (``RelaxationOptions.polish_gap``): its Σ priority reaches the relaxation's Σ priority bound and its Σ weights
    are within ``gap`` (relative) of the Σ weights bound, and the problem does not fit one window (where CP-SAT
    might prove it). Never with a continuity tier (its bounds decode tier by tier)."""
    if gap <= 0 or instance.keep is not None or relaxed.candidate_pairs <= window_pairs:
        return False
    priority_sum, objective = answer_totals(instance, mentor_of)
    priority_bound, weight_bound = scaling.split_bound(relaxed.bound, priority_sum)
    if priority_bound != priority_sum or weight_bound is None:
        return False
    objective_bound = scaling.weight_bound(weight_bound)
    return bool(objective_bound - objective <= gap * max(abs(objective_bound), 1e-9))


def _residual(instance: Instance, mentor_of: np.ndarray) -> np.ndarray:
    """Each mentor's capacity left by the answer ``mentor_of`` (int64)."""
    on = mentor_of >= 0
    used = np.bincount(mentor_of[on], weights=instance.load[on], minlength=instance.shape[1]).astype(np.int64)
    residual: np.ndarray = instance.capacity.astype(np.int64) - used
    return residual


def greedy(instance: Instance) -> np.ndarray:
    """A feasible answer (``mentor_of``) placed greedily: a warm start for CP-SAT, any loads (1-D or per pair)."""
    mentor_of = np.full(instance.shape[0], -1, dtype=np.int64)
    _place_greedily(instance, mentor_of, instance.capacity.astype(np.int64))
    return mentor_of


def _place_greedily(instance: Instance, mentor_of: np.ndarray, residual: np.ndarray) -> None:
    """Place unmatched mentees one by one (priority high first, workload small first, index), each with the
    best-weighted mentor that still has room for it, in place. With a load per pair, "workload" is the
    mentee's smallest load.

    With a continuity tier, current pairs come first where their tier ranks them first: locked ones always, and
    every one with ``keep_tier="first"`` (locked first, then by the same order); with ``"second"`` a mentee takes
    its current mentor, when that has room, instead of its best-weighted one.
    """
    if instance.keep is not None:
        _place_current(instance, mentor_of, residual)
    waiting = np.flatnonzero(mentor_of < 0)
    smallest = instance.row_load(waiting).min(axis=1, initial=np.iinfo(np.int64).max).astype(np.int64)
    order = waiting[np.lexsort((waiting, smallest, -instance.priority[waiting].astype(np.int64)))]
    keep = instance.keep
    prefer_current = keep is not None and instance.keep_tier == "second"
    for i in order:
        load = instance.row_load(slice(i, i + 1))[0].astype(np.int64)
        room = candidate_mask(instance, slice(i, i + 1))[0] & (residual >= load)
        if not room.any():
            continue
        values = np.where(room, instance.weights[i].astype(np.float64), -np.inf)
        j = int(np.argmax(values))
        if prefer_current and keep is not None and keep[i] >= 0 and room[keep[i]]:
            j = int(keep[i])
        mentor_of[i] = j
        residual[j] -= load[j] if load.size > 1 else load[0]


def _place_current(instance: Instance, mentor_of: np.ndarray, residual: np.ndarray) -> None:
    """The first pass of :func:`_place_greedily` with a continuity tier: unmatched mentees whose current pair is
    locked (or, with ``keep_tier="first"``, any current pair) take it where it fits, locked first, then priority
    high first, workload small first, index."""
    rows, cols, locked = keep_pairs(instance)
    take = (mentor_of[rows] < 0) & (locked | (instance.keep_tier == "first"))
    rows, cols, locked = rows[take], cols[take], locked[take]
    loads = instance.pair_load(rows, cols)
    order = np.lexsort((rows, loads, -instance.priority[rows].astype(np.int64), ~locked))
    for i, j, load in zip(rows[order].tolist(), cols[order].tolist(), loads[order].tolist(), strict=True):
        if residual[j] >= load:
            mentor_of[i] = j
            residual[j] -= load


def _improve(
    instance: Instance,
    scaling: Scaling,
    bound: int,
    mentor_of: np.ndarray,
    window_pairs: int,
    time_limit: float | None,
    seed: int,
    clock: Clock,
    budget: float,
    options: SolverOptions,
    wall_budget: float | None = None,
) -> tuple[np.ndarray, Solution | None, int]:
    """CP-SAT on windows of the problem, keeping each improvement (step 3 of the module docstring), within
    ``budget`` deterministic seconds (the other limits: ``options.relaxation``).

    Returns
    -------
    mentor_of : (n,) int array
        The improved answer (the input when nothing improved).
    whole : Solution or None
        CP-SAT's answer when a single window held the whole problem (its bounds are then global bounds).
    windows : int
        How many windows were solved.
    """
    row_count, col_count = candidate_counts(instance)
    mentors = np.flatnonzero(col_count > 0)
    value = _gain(instance, scaling, mentor_of)
    rng = np.random.default_rng(seed)
    whole_problem = int(row_count.sum()) <= window_pairs
    knobs: RelaxationOptions = options.relaxation
    stall = 0
    windows = 0
    last = 0.0  # wall seconds of the last window
    while value < bound and budget > 0 and stall < knobs.max_stalled_windows:
        remaining = clock.remaining(time_limit)
        if remaining is not None and remaining < knobs.min_improve_seconds:
            break
        if wall_budget is not None and clock.elapsed() + last > wall_budget:
            break
        started = clock.elapsed()
        if whole_problem:
            rows, cols = np.flatnonzero(row_count > 0), mentors
        else:
            rows, cols = _window(instance, mentor_of, rng, mentors, window_pairs)
        if cols.size == 0:
            break
        limit = budget if whole_problem else min(budget, knobs.window_deterministic_seconds)
        stats: dict[str, float] = {}
        windows += 1
        answer = _solve_window(
            instance, mentor_of, rows, cols, remaining, seed, limit, clock, stats, scaling, options=options
        )
        budget -= max(stats.get("deterministic_time", limit), 0.01)
        last = clock.elapsed() - started
        if answer is None:
            break
        improved, sub_answer, same_scale = answer
        gain = _gain(instance, scaling, improved)
        if gain > value:
            mentor_of, value, stall = improved, gain, 0
        else:
            stall += 1
        if whole_problem:
            # with a continuity tier the window may run at another weight scale: its proof is not ours then
            return mentor_of, sub_answer if same_scale else None, windows
    return mentor_of, None, windows


def _window(
    instance: Instance, mentor_of: np.ndarray, rng: np.random.Generator, mentors: np.ndarray, window_pairs: int
) -> tuple[np.ndarray, np.ndarray]:
    """A random window: mentors (seeded order, those with room left first) while the pairs of the mentees on them
    stay within half the budget, then unplaced mentees (seeded order) with their pairs to those mentors while the
    whole stays within budget.

    Pairs are counted incrementally: each added mentor costs one pass over its own mentees' candidate rows.
    """
    m = instance.shape[1]
    matched = np.flatnonzero(mentor_of >= 0)
    by_mentor = matched[np.argsort(mentor_of[matched], kind="stable")]
    starts = np.searchsorted(mentor_of[by_mentor], np.arange(m + 1))
    occupant_pairs = np.zeros(m, dtype=np.int64)  # candidate pairs from the window's mentees to each mentor
    in_window = np.zeros(m, dtype=bool)
    pairs = 0
    used = np.bincount(mentor_of[matched], weights=instance.load[matched], minlength=m)
    with_room = used[mentors] < instance.capacity[mentors]
    for j in np.concatenate([rng.permutation(mentors[with_room]), rng.permutation(mentors[~with_room])]):
        rows = candidate_mask(instance, by_mentor[starts[j] : starts[j + 1]])
        in_window[j] = True
        added = int(occupant_pairs[j] + rows[:, in_window].sum())
        if pairs + added > window_pairs // 2 and pairs > 0:
            in_window[j] = False
            break
        pairs += added
        occupant_pairs += rows.sum(axis=0)
    cols = np.flatnonzero(in_window)
    unplaced = rng.permutation(np.flatnonzero(mentor_of < 0))
    reach = np.zeros(unplaced.size, dtype=np.int64)
    step = block_rows(m)
    for b0 in range(0, unplaced.size, step):
        reach[b0 : b0 + step] = candidate_mask(instance, unplaced[b0 : b0 + step])[:, cols].sum(axis=1)
    keep = (reach > 0) & (pairs + np.cumsum(reach) <= window_pairs)
    rows = np.union1d(by_mentor[in_window[mentor_of[by_mentor]]], unplaced[keep])
    return rows, cols


def _solve_window(
    instance: Instance,
    mentor_of: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    remaining: float | None,
    seed: int,
    deterministic_limit: float,
    clock: Clock,
    stats: dict[str, float],
    scaling: Scaling | None = None,
    *,
    options: SolverOptions | None = None,
) -> tuple[np.ndarray, Solution, bool] | None:
    """CP-SAT on the mentees ``rows`` × mentors ``cols`` (every mentee on those mentors is in ``rows``), warm-started
    from ``mentor_of``: the answer with that part replaced, CP-SAT's answer on the window, and whether the window
    ran at ``scaling``'s weight scale; None when CP-SAT found nothing.

    With a continuity tier the window carries the current pairs to its mentors (as window columns; the others
    cannot be kept inside it) and locks only where those are, and is scaled to fit CP-SAT (``_scaling``), which
    may be another weight scale than ``scaling``'s: then its proof is not the whole problem's."""
    m = instance.shape[1]
    position = np.full(m, -1, dtype=np.int64)
    position[cols] = np.arange(cols.size)
    keep = locked = None
    if instance.keep is not None:
        # current pairs to the window's mentors, as window columns; the others cannot be kept inside it
        current = instance.keep[rows].astype(np.int64)
        keep = np.where(current >= 0, position[np.maximum(current, 0)], -1)
        if instance.locked is not None:
            locked = instance.locked[rows] & (keep >= 0)
    sub = Instance(
        weights=instance.weights[np.ix_(rows, cols)],
        allowed=instance.allowed[np.ix_(rows, cols)],
        priority=instance.priority[rows],
        load=instance.load[rows],
        capacity=instance.capacity[cols],
        keep=keep,
        locked=locked,
        keep_tier=instance.keep_tier,
    )
    sub_scaling = fit_scaling(sub, limit=FLOAT_EXACT if keep is not None else None)
    if sub_scaling.combined_high >= FLOAT_EXACT:
        return None
    hint = np.where(mentor_of[rows] >= 0, position[np.maximum(mentor_of[rows], 0)], -1)
    clock.stage(f"{NAME}: CP-SAT on {rows.size} mentees × {cols.size} mentors")
    answer = cpsat.solve(
        sub,
        time_limit=remaining,
        seed=seed,
        hint=hint,
        scaling=sub_scaling,
        deterministic_limit=deterministic_limit,
        stats=stats,
        options=options,
    )
    if answer.status is Status.NO_SOLUTION:
        return None
    same_scale = keep is None or scaling is None or sub_scaling.scale == scaling.scale
    improved = mentor_of.copy()
    improved[rows] = np.where(answer.mentor_of >= 0, cols[np.maximum(answer.mentor_of, 0)], -1)
    return improved, answer, same_scale


def _multiplier(instance: Instance, scaling: Scaling, row_count: np.ndarray) -> int:
    """L: the lcm of the workloads in play (mentees with ``row_count`` > 0 candidate pairs) if the scaled per-unit
    gains stay in OR-Tools' range (:data:`~mentormatch.solvers._scaling.FLOW_HEADROOM`, which leaves room for its
    node potentials), else the largest L that does (then per-unit gains are rounded up, which keeps the bound
    valid)."""
    n, m = instance.shape
    loads = np.unique(instance.load[row_count > 0])
    lcm = math.lcm(*(int(v) for v in loads)) if loads.size else 1
    limit = (FLOW_HEADROOM - 1) // max(1, scaling.max_gain * (n + m + 2), scaling.max_gain * int(instance.load.sum()))
    return max(1, min(lcm, limit))


def _gain(instance: Instance, scaling: Scaling, mentor_of: np.ndarray) -> int:
    """Σ gain of an answer (exact int)."""
    return scaling.answer_gain(instance, mentor_of)
