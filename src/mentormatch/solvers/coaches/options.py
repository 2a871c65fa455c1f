"""The coach tier's tuning knobs: :class:`CoachOptions`, passed to :func:`mentormatch.solvers.coaches.solve` (and
from there to the bound, the candidate pairs and the models) instead of module globals. The class lives with every
solver's options in :mod:`mentormatch.solvers.options` (``SolverOptions.coaches``); this module names it for the
coach tier's own modules.
"""

from __future__ import annotations

from mentormatch.solvers.options import CoachOptions

__all__ = ["CoachOptions"]
