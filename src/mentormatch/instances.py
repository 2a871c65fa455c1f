"""The old home of the seeded cost matrices, kept so that ``from mentormatch.instances import ...`` works.

They live in :mod:`mentormatch.synthetic.matrices` (``cost_matrix``, ``tight_capacity``, ``gap_loads``,
``COST_KINDS`` and ``COST_MAX``; all but ``COST_MAX`` also from :mod:`mentormatch.synthetic`), a name that keeps
them apart from :class:`mentormatch.problem.Instance`, the arrays every solver takes.
"""

from mentormatch.synthetic.matrices import COST_KINDS, cost_matrix, gap_loads, tight_capacity
from mentormatch.synthetic.matrices import COST_MAX as COST_MAX

__all__ = ["COST_KINDS", "cost_matrix", "tight_capacity", "gap_loads"]
