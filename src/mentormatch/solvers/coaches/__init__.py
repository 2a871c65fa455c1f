"""The coach tier: every mentor who gets a mentee is supervised by one allowed coach (PRODUCT.md section 4).

The package, by role (the tuning knobs are one :class:`CoachOptions`, passed down as an argument)::

    __init__.py   this map and the public names: solve, validate_tier, check_coaches, keep_coaches, ...
    options.py    CoachOptions: every tuning knob, its default and what it was measured at
    decompose.py  solve(): the method below, step by step, then the bounds and the status
    greedy.py     greedy_supervision(): step 2, and the models' warm start
    choice.py     choose_and_flow(): step 2b, coaches chosen for every mentor and the flow re-solved through them
    bound.py      lagrangian_bound(), transport_duals() (step 3a); Bound, how the bounds combine
    pairs.py      which candidate pairs the models hold (every pair, or each mentee's best)
    models.py     the CP-SAT models (one Boolean per pair or per triple), built in labelled stages
    check.py      validate_tier() on the tier's arrays, check_coaches() on an answer's coaches
    keep.py       keep_coaches(): after the solve, keep each mentor's current coach where the rules allow
                  (PRODUCT.md section 7; ``mentormatch.solvers.coach_keep`` is its earlier home)

CP-SAT's parameters, limits and status mapping are :mod:`mentormatch.solvers._cpsat`'s; integer gains are
:mod:`mentormatch.solvers._scaling`'s.

The method
----------
Coaches add no score; they only restrict which mentors may be used, with which mentee types and how many mentees.
So the optimum without coaches bounds the optimum with them, and an answer that reaches it is optimal. The method
is a decomposition that keeps this bound in hand:

1. **Coach-free solve.** Pairs that no coach eligible for the mentor could supervise are dropped (no answer can use
   them); the rest is the ordinary assignment problem, solved by :func:`mentormatch.solvers.run_solver` (exact
   flow, priced flow, CP-SAT, ... as ``auto`` chooses). Its answer's value, or its bound when it is not proven, is
   the first bound on the coach problem.
2. **Supervision.** Greedy (:func:`greedy_supervision`): mentors by the gain of their mentees, each given the
   eligible coach with room that keeps the most of it. When every pair is kept, the coach-free optimum is reached
   and the answer is proven optimal; this is the common case (coaches that do not bind), and it costs milliseconds.
   b. With unit workloads, when greedy supervision drops something: **coach choice with flow re-solves**
      (:func:`~mentormatch.solvers.coaches.choice.choose_and_flow`): a coach for every mentor with capacity (the
      greedy choice, places freed by moving mentors to coaches who keep all their mentees, the places left, then a
      local search that balances mentor capacity against case-loads and specialisms), then the exact min-cost flow
      mentee → mentor → chosen coach → sink (case-loads as the coach arcs' capacities), repeated from the new
      answer while it gains. At 5000 × 1000 × 60 ``binding`` its first round reaches the coach-free bound.
      Beyond :attr:`CoachOptions.exact_pairs` candidate pairs it replaces step 3 (whose CP-SAT models over a
      neighbourhood measured no gain there and overran the time limit).
3. **When the coach rules bind:**

   a. a **Lagrangian bound** (:func:`lagrangian_bound`): prices on "each mentee at most once" and on coach
      case-loads split the problem into "what is mentor j worth under coach c" and an exact mentor → coach
      transportation problem, so mentors stay whole and ``max_mentors`` stays exact; started from the coach-free
      LP's duals (:func:`transport_duals`), it is never above the coach-free bound and usually well below it;
   b. the Lagrangian round's **mentor → coach choice fixed**, the rest solved by CP-SAT (small and easy);
   c. a **repair model**: CP-SAT warm-started from the best answer so far, over every candidate pair on rosters
      up to :attr:`CoachOptions.exact_pairs` pairs (then its bound is a proof too), beyond that over each
      mentee's :attr:`CoachOptions.neighbours` best pairs and the pairs of the best answer.

   The reported bound is the tightest of the coach-free one, the Lagrangian one and CP-SAT's (when it saw every
   pair); the answer is ``optimal`` when it reaches it.

The CP-SAT pair model (:class:`~mentormatch.solvers.coaches.models.PairModel`), with x[k] per candidate pair
k = (i, j), y[j, c] per mentor and eligible coach, z[j, c] per mentor and coach with a case-load limit::

    maximise   Σ gain[k] · x[k]                                 gain = priority · big + w_int (+ the continuity
                                                                tier's bonuses on current pairs; ``_scaling``)
    subject to Σ_j x[i, j] ≤ 1                                  each mentee at most once
               Σ_c y[j, c] ≤ 1                                  one coach per mentor
               Σ_i load · x[i, j] ≤ cap[j] · Σ_c y[j, c]        capacity, and only a supervised mentor is used
               x[i, j] ≤ Σ_{c covers type(i)} y[j, c]           specialisms (per pair; per (mentor, type) group
                                                                summed, on large models)
               Σ_j y[j, c] ≤ max_mentors[c]
               z[j, c] ≥ Σ_i x[i, j] − U[j] · (1 − y[j, c])     z = j's mentee count when c supervises j
               Σ_j z[j, c] ≤ max_mentees[c]                      case-load (a count of mentees)

Languages, fixed coaches and "nobody supervises themselves" are in ``CoachTier.eligible``: y exists only where it is
True. Mentors left without mentees get no coach in the answer (a y of theirs is dropped on reading out).
"""

from __future__ import annotations

from mentormatch.solvers.coaches.bound import lagrangian_bound, transport_duals
from mentormatch.solvers.coaches.check import check_coaches, validate_tier
from mentormatch.solvers.coaches.decompose import solve
from mentormatch.solvers.coaches.greedy import greedy_supervision
from mentormatch.solvers.coaches.keep import keep_coaches
from mentormatch.solvers.coaches.options import CoachOptions

__all__ = [
    "solve",
    "CoachOptions",
    "validate_tier",
    "check_coaches",
    "greedy_supervision",
    "keep_coaches",
    "lagrangian_bound",
    "transport_duals",
    "EXACT_PAIRS",
    "NEIGHBOURS",
    "PAIR_LINKS",
]

EXACT_PAIRS = CoachOptions().exact_pairs
"""The default of :attr:`CoachOptions.exact_pairs` (a module knob before; pass ``options`` to change it)."""

NEIGHBOURS = CoachOptions().neighbours
"""The default of :attr:`CoachOptions.neighbours` (a module knob before; pass ``options`` to change it)."""

PAIR_LINKS = CoachOptions().pair_links
"""The default of :attr:`CoachOptions.pair_links` (a module knob before; pass ``options`` to change it)."""
