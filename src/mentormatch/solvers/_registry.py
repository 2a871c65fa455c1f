"""The solver registry: every method by name, each called the same way, and how a minimising problem reaches it.

``SOLVERS`` maps a name to a :class:`Method`; ``Method.solve(instance, *, time_limit, seed, progress, options)``
is the one signature (:class:`SolveFunction`). The public entries are what ``run_solver`` takes
(``SOLVER_NAMES``); the others are the methods ``auto`` may choose, registered so that each can be called, listed and
tested like the public ones. Backends load only when a method runs: an entry names the module and function that
implement it, imported at the call.

``time_limit`` means the same for every method: seconds of search, counted in CP-SAT's deterministic time, with the
wall clock a safety net (``_cpsat.search_limits``); polynomial methods ignore it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Protocol

from mentormatch.problem import Instance, Progress, Solution
from mentormatch.solvers._check import check_solution
from mentormatch.solvers.options import SolverOptions

__all__ = ["SolveFunction", "Method", "SOLVERS", "maximised", "negated"]


class SolveFunction(Protocol):
    """The one signature every method has: the instance, then keyword arguments only; a Solution back."""

    def __call__(
        self,
        instance: Instance,
        *,
        time_limit: float | None,
        seed: int,
        progress: Progress | None,
        options: SolverOptions,
    ) -> Solution: ...


@dataclass(frozen=True)
class Method:
    """One entry of the registry: a method's name, what it takes, and where it is implemented.

    Attributes
    ----------
    name : str
        The name (``Solution.solver`` of its answers).
    takes : str
        What problems it takes, in a few words.
    module, function : str
        The implementation, ``mentormatch.solvers.<module>.<function>``, a :class:`SolveFunction` that expects a
        maximising instance (unless ``as_given``); looked up at each call.
    public : bool
        Whether ``run_solver`` takes the name (``SOLVER_NAMES``); the others are ``auto``'s internal choices.
    as_given : bool
        The function takes a minimising instance itself (``hungarian``: scipy's own ``maximize`` flag, no copy of
        the matrix; ``auto``, which may hand it to ``hungarian``); the others get the weights negated.
    """

    name: str
    takes: str
    module: str
    function: str = "solve"
    public: bool = False
    as_given: bool = False

    def solve(
        self,
        instance: Instance,
        *,
        time_limit: float | None,
        seed: int,
        progress: Progress | None,
        options: SolverOptions,
    ) -> Solution:
        """This method's answer for ``instance`` as given (minimising or not), not yet checked against it."""
        function: SolveFunction = getattr(importlib.import_module(f"mentormatch.solvers.{self.module}"), self.function)
        if self.as_given:
            return function(instance, time_limit=time_limit, seed=seed, progress=progress, options=options)
        return maximised(function, instance, time_limit=time_limit, seed=seed, progress=progress, options=options)


def maximised(
    function: SolveFunction,
    instance: Instance,
    *,
    time_limit: float | None,
    seed: int,
    progress: Progress | None,
    options: SolverOptions,
) -> Solution:
    """``function``'s answer for ``instance``: solved on its maximising form (:meth:`Instance.maximising`), and when
    that negated the weights, checked against it and read back (:func:`negated`)."""
    work = instance.maximising()
    solution = function(work, time_limit=time_limit, seed=seed, progress=progress, options=options)
    if work is instance:
        return solution
    check_solution(work, solution)
    return negated(solution)


def negated(solution: Solution) -> Solution:
    """A solution of the negated (maximising) instance read back for the minimising one."""
    bound = solution.objective_bound
    # ``0.0 - x`` rather than ``-x``: no answer's objective reads 0.0, not -0.0.
    return replace(solution, objective=0.0 - solution.objective, objective_bound=None if bound is None else 0.0 - bound)


SOLVERS: Mapping[str, Method] = MappingProxyType(
    {
        method.name: method
        for method in (
            Method("auto", "anything", "auto", public=True, as_given=True),
            Method("hungarian", "loads all 1, expanded matrix ≤ 2 GB", "hungarian", public=True, as_given=True),
            Method("flow", "loads all 1", "flow", public=True),
            Method("cpsat", "any loads, ≤ 2 M candidate pairs", "cpsat", "run", public=True),
            Method("flow-priced", "loads all 1", "pricing"),
            Method("relaxation", "loads per mentee", "relaxation", "run"),
            Method("greedy", "any loads", "auto", "solve_greedy"),
        )
    }
)
"""Every method by name, the public ones first in ``SOLVER_NAMES`` order (read-only)."""
