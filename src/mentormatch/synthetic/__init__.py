"""Seeded synthetic data: rosters for the whole pipeline, and plain matrices for the array-level interface.

The package, one job per module::

    rosters    synthetic_roster: realistic, always valid rosters of any size (the coach-limit scenarios in
               COACH_LIMITS); next_month: the same people a month later, with current pairs and a month's changes
    matrices   cost_matrix (uniform, correlated, structured-popular integer costs), tight_capacity, gap_loads: seeded
               inputs for benchmarks and tests of :func:`mentormatch.assign` (formerly ``mentormatch.instances``)
    gap        gap_instance: the literature's tight generalised-assignment types C, D and E (Chu and Beasley)

Everything is seeded: the same arguments always give the same data. The names below load their module on first
use, so the matrices (numpy only) do not load the roster generator and the library it solves with.
"""

from typing import TYPE_CHECKING

from mentormatch._lazy import lazy_attributes

if TYPE_CHECKING:  # the names for type checkers and editors; at run time each loads on first use (below)
    from mentormatch.synthetic.gap import GAP_TYPES, gap_instance
    from mentormatch.synthetic.matrices import COST_KINDS, cost_matrix, gap_loads, tight_capacity
    from mentormatch.synthetic.rosters import (
        AS_OF,
        CAPACITY_CUT_SHARE,
        INVALID_SHARE,
        INVALIDATIONS,
        LEAVING_SHARE,
        LOCKED_SHARE,
        NEW_CONFLICT,
        PAUSED_SHARE,
        SINCE_DAYS,
        next_month,
        synthetic_roster,
    )
    from mentormatch.synthetic.scenarios import COACH_LIMITS

_HOME: dict[str, str] = {
    "AS_OF": "rosters",
    "CAPACITY_CUT_SHARE": "rosters",
    "COACH_LIMITS": "scenarios",
    "INVALIDATIONS": "rosters",
    "INVALID_SHARE": "rosters",
    "LEAVING_SHARE": "rosters",
    "LOCKED_SHARE": "rosters",
    "NEW_CONFLICT": "rosters",
    "PAUSED_SHARE": "rosters",
    "SINCE_DAYS": "rosters",
    "next_month": "rosters",
    "synthetic_roster": "rosters",
    "COST_KINDS": "matrices",
    "cost_matrix": "matrices",
    "tight_capacity": "matrices",
    "gap_loads": "matrices",
    "GAP_TYPES": "gap",
    "gap_instance": "gap",
}
"""Where each public name lives."""


__getattr__, __dir__ = lazy_attributes(__name__, _HOME, globals())


__all__ = [
    "AS_OF",
    "CAPACITY_CUT_SHARE",
    "COACH_LIMITS",
    "INVALIDATIONS",
    "INVALID_SHARE",
    "LEAVING_SHARE",
    "LOCKED_SHARE",
    "NEW_CONFLICT",
    "PAUSED_SHARE",
    "SINCE_DAYS",
    "next_month",
    "synthetic_roster",
    "COST_KINDS",
    "cost_matrix",
    "tight_capacity",
    "gap_loads",
    "GAP_TYPES",
    "gap_instance",
]
