"""Before solving: shortages of supply against demand, mentees nobody may take, and minimum relaxation sets.

Two questions a coordinator asks before (or instead of) solving (PRODUCT.md section 6, "Before solving"):

- :func:`diagnose`: where are mentors short? Supply against demand per extremism type, primary language, risk
  level and region, the mentees with no allowed mentor and the rule families that exclude their mentors, the
  coach tier's limits, each shortage with a remedy in words, and the most mentees that can be matched at once.
- :func:`relaxations`: which rule families, fewest first, would have to be relaxed for every mentee (or some
  chosen mentees, keeping everyone already matched) to be matched at once? Exclusions are never offered.

Both work on the (n, m) masks of a :class:`~mentormatch.problem.Problem`, vectorised: loops run over groups,
family sets, search layers and mentees with a workload above 1, never over mentee × mentor pairs.

Where each piece lives::

    shortages.py   diagnose(), Diagnosis, SHORTAGE_COLUMNS: the groups' numbers, the no-allowed-mentor table,
                   the coach rows, the remedies in words
    relax.py       relaxations(), Relaxation, EXACT_PAIRS: the search by increasing set size and its checks
    _common.py     words both say ("mentees", "all 30 mentees")

    mentormatch.rules             what each rule family asks, its words and remedy, how to switch it off
                                  (RELAXABLE, FAMILY_WORDS, relaxed_config, Shortfall)
    mentormatch.solvers.maxflow   the exact maximum matching both count with ("the most mentees that can be
                                  matched at once": a maximum flow on a sparse sample, proven by a search)

**Workloads.** With a workload above 1, capacity becomes a knapsack constraint; the matchings above then count
each mentee as one unit, on the pairs where the mentor's capacity holds the mentee's workload at all. Every
matching that respects workloads respects these unit loads too, so the count is an upper bound on the mentees
that can be matched (``Diagnosis.exact`` is False); with unit workloads it is exact.
"""

from mentormatch.diagnose.relax import EXACT_PAIRS, Relaxation, relaxations
from mentormatch.diagnose.shortages import SHORTAGE_COLUMNS, Diagnosis, diagnose
from mentormatch.rules import RELAXABLE, relaxed_config  # re-exported: their earlier home

__all__ = [
    "Diagnosis",
    "diagnose",
    "Relaxation",
    "relaxations",
    "relaxed_config",
    "RELAXABLE",
    "SHORTAGE_COLUMNS",
    "EXACT_PAIRS",
]
