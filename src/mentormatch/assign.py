"""The array-level interface: :func:`assign` for people who bring their own matrices (PRODUCT.md section 5).

``assign`` checks its input at the boundary the way scipy checks a cost matrix (shape, dtype, NaN / inf, ranges,
lengths; each problem a ``ValueError`` saying what it got), builds an :class:`~mentormatch.problem.Instance`, and
hands it to the same solver layer as :func:`mentormatch.solve` (``mentormatch.solvers.run_solver``), which checks
every answer against every rule before it returns.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mentormatch.problem import Instance, Status
from mentormatch.solvers import SOLVER_NAMES, run_solver
from mentormatch.solvers._scaling import MAX_INT_WEIGHT

__all__ = ["assign", "Assignment"]


@dataclass(frozen=True, eq=False)
class Assignment:
    """What :func:`assign` returns.

    Attributes
    ----------
    mentor_of : (n_mentees,) int64 array
        The mentor (column) of each mentee (row); −1 for an unmatched mentee.
    objective : float
        Σ weights over matched pairs, in the units of ``weights`` (exact for integer weights).
    priority_sum : int
        Σ priority over matched mentees (maximised first).
    status : Status
        ``optimal`` (both parts proven), ``feasible`` (a time limit stopped the search; see the bounds) or
        ``no_solution`` (nothing found in time; ``mentor_of`` is all −1).
    priority_bound : int or None
        An upper bound on Σ priority over all answers.
    bound : float or None
        A bound on the objective among answers that reach ``priority_sum`` (an upper bound when maximising, a lower
        bound when minimising); None unless the priority part is proven (``priority_bound == priority_sum``).
    gap : float or None
        ``|bound − objective| / max(|bound|, 1e-9)`` when ``bound`` is known; 0 for an optimal answer.
    solver : str
        The method that produced the answer (``auto`` names the one it chose, e.g. ``flow-priced``).
    seconds : float
        Wall time of the call, input checks included.
    message : str
        A short note from the solver (how optimality was proven, why a fallback ran); may be empty.
    """

    mentor_of: np.ndarray
    objective: float
    priority_sum: int
    status: Status
    priority_bound: int | None
    bound: float | None
    gap: float | None
    solver: str
    seconds: float
    message: str = ""

    @property
    def matched(self) -> int:
        """The number of matched mentees."""
        return int(np.count_nonzero(self.mentor_of >= 0))

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """``(row_ind, col_ind)`` of the matched pairs, rows ascending, as scipy's ``linear_sum_assignment``."""
        rows = np.flatnonzero(self.mentor_of >= 0)
        return rows, self.mentor_of[rows]

    def __repr__(self) -> str:
        n = self.mentor_of.size
        gap = "None" if self.gap is None else f"{self.gap:.3g}"
        return (
            f"Assignment(status={self.status.value!r}, matched={self.matched}/{n}, "
            f"priority_sum={self.priority_sum}, objective={self.objective!r}, bound={self.bound!r}, "
            f"gap={gap}, solver={self.solver!r}, seconds={self.seconds:.3f})"
        )


def assign(
    weights: ArrayLike,
    *,
    capacity: ArrayLike | None = None,
    load: ArrayLike | None = None,
    allowed: ArrayLike | None = None,
    priority: ArrayLike | None = None,
    maximize: bool = True,
    solver: str = "auto",
    time_limit: float | None = None,
    seed: int = 0,
) -> Assignment:
    """Assign mentees (rows) to mentors (columns): priority first, then the weights.

    Maximise Σ ``priority`` over matched mentees first; among the answers that reach it, maximise Σ ``weights``
    over matched pairs (minimise it when ``maximize=False``). Each mentee is matched at most once, only on allowed
    pairs, and each mentor's Σ load stays within its capacity. Mentees may stay unmatched; with all pairs allowed
    and enough capacity, every mentee is matched (so ``assign(cost, maximize=False)`` on a square matrix solves the
    same problem as ``scipy.optimize.linear_sum_assignment(cost)``).

    Parameters
    ----------
    weights : (n_mentees, n_mentors) array_like of int or float
        Integer weights are exact within ±10**6 (larger ones raise); float weights are optimal to 1e-6 of the
        largest |weight|. NaN and ±inf are errors on allowed pairs and ignored on forbidden ones.
    capacity : (n_mentors,) array_like of int ≥ 0, optional
        Units each mentor can take. Default 1 each.
    load : (n_mentees,) or (n_mentees, n_mentors) array_like of int ≥ 1, optional
        Units of capacity a mentee takes; per pair for the generalised assignment problem (solvers that cannot take
        a per-pair load say so and name one that can). Default 1.
    allowed : (n_mentees, n_mentors) array_like of bool, optional
        False forbids a pair; it is never chosen. Default: every pair allowed.
    priority : (n_mentees,) array_like of int ≥ 1, optional
        Maximised first (Σ over matched mentees). Default 1 each.
    maximize : bool
        Maximise Σ weights (default) or minimise it. Σ priority is maximised either way.
    solver : {"auto", "hungarian", "flow", "cpsat"}
        ``hungarian``: scipy on capacity slots (loads 1); ``flow``: OR-Tools min-cost flow (loads 1); ``cpsat``:
        OR-Tools CP-SAT (any loads; stops at ``time_limit`` with a bound); ``auto``: the fastest exact method for
        the shape and loads (the README's solver table).
    time_limit : float, optional
        Seconds for search methods (CP-SAT), counted in CP-SAT's deterministic time so that reruns give the same
        answer; polynomial methods run to the end. None: no limit.
    seed : int
        CP-SAT's random seed, 0 ≤ seed < 2**31.

    Returns
    -------
    Assignment

    Raises
    ------
    ValueError
        A malformed input, each problem named with what was given (shape, dtype, NaN / inf, a value out of
        range, mismatched lengths, an unknown solver listing the valid ones); or a solver that cannot take the
        problem (``mentormatch.solvers.SolverUnsuitable``, naming one that can).

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
    >>> a = assign(cost, maximize=False)
    >>> a.mentor_of.tolist(), a.objective, str(a.status)
    ([1, 0, 2], 5.0, 'optimal')

    Two mentors with room for two each; mentee 2 is high priority and is placed first:

    >>> w = np.array([[9, 1], [8, 2], [1, 1], [7, 7]])
    >>> a = assign(w, capacity=[2, 1], priority=[1, 1, 3, 1])
    >>> a.mentor_of.tolist(), a.priority_sum, a.objective
    ([0, 0, 1, -1], 5, 18.0)
    """
    start = time.perf_counter()
    if solver not in SOLVER_NAMES:
        raise ValueError(f"unknown solver {solver!r}; valid solvers: {', '.join(map(repr, SOLVER_NAMES))}")
    if not isinstance(maximize, (bool, np.bool_)):
        raise ValueError(f"maximize must be True or False, got {maximize!r}")
    if time_limit is not None and not (isinstance(time_limit, numbers.Real) and time_limit >= 0):
        raise ValueError(f"time_limit must be None or a number ≥ 0, got {time_limit!r}")
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or not 0 <= seed < 2**31:
        raise ValueError(f"seed must be an integer in 0..2**31-1, got {seed!r}")
    weights_array = _weights(weights)
    n, m = weights_array.shape
    allowed_array = _allowed(allowed, (n, m))
    _check_weight_values(weights_array, allowed_array)
    instance = Instance(
        weights=weights_array,
        allowed=allowed_array,
        priority=_integers("priority", priority, [(n,)], low=1, default=(n,)),
        load=_integers("load", load, [(n,), (n, m)], low=1, default=(n,)),
        capacity=_integers("capacity", capacity, [(m,)], low=0, default=(m,)),
        maximize=bool(maximize),
    )
    limit = None if time_limit is None or time_limit == float("inf") else float(time_limit)
    solution = run_solver(instance, solver, time_limit=limit, seed=int(seed))
    bound = solution.objective_bound
    gap = None
    if bound is not None:
        gap = max(0.0, abs(bound - solution.objective) / max(abs(bound), 1e-9))
    return Assignment(
        mentor_of=solution.mentor_of.astype(np.int64, copy=False),
        objective=float(solution.objective),
        priority_sum=int(solution.priority_sum),
        status=solution.status,
        priority_bound=solution.priority_bound,
        bound=bound,
        gap=gap,
        solver=solution.solver,
        seconds=time.perf_counter() - start,
        message=solution.message,
    )


def _describe(value: Any) -> str:
    """What was given, for an error message: the type, and the shape and dtype of an array."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"{type(value).__name__} {value!r}"


def _as_array(name: str, value: Any) -> np.ndarray:
    if hasattr(value, "toarray") and not isinstance(value, np.ndarray):
        raise ValueError(f"{name} must be a dense array; got a sparse {type(value).__name__} (call .toarray())")
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular numeric array; got {_describe(value)} ({error})") from None


def _weights(weights: Any) -> np.ndarray:
    array = _as_array("weights", weights)
    if array.ndim != 2:
        raise ValueError(f"weights must be a 2-D array (mentees × mentors), got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"weights must hold integers or floats, got dtype {array.dtype}")
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype == np.float16:
        return array.astype(np.float32)
    return array


def _check_weight_values(weights: np.ndarray, allowed: np.ndarray) -> None:
    """NaN / inf on an allowed pair, or an integer beyond ±10**6 on one, raises, naming the first such entry."""
    if not weights.size:
        return
    if weights.dtype.kind == "f":
        if np.isfinite(weights).all():
            return
        bad = ~np.isfinite(weights) & allowed
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(
                f"weights[{i}, {j}] is {weights[i, j]} on an allowed pair: weights must be finite "
                f"where allowed (forbid a pair with `allowed` instead)"
            )
        return
    if max(abs(int(weights.min())), abs(int(weights.max()))) <= MAX_INT_WEIGHT:
        return
    bad = ((weights > MAX_INT_WEIGHT) | (weights < -MAX_INT_WEIGHT)) & allowed
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"weights[{i}, {j}] is {weights[i, j]}: integer weights must lie within ±{MAX_INT_WEIGHT} "
            f"to be exact; rescale them or pass floats (optimal to 1e-6 relative)"
        )


def _allowed(allowed: Any, shape: tuple[int, int]) -> np.ndarray:
    if allowed is None:
        return np.broadcast_to(np.True_, shape)  # every pair, no memory per pair
    array = _as_array("allowed", allowed)
    if array.shape != shape:
        raise ValueError(f"allowed must have the shape of weights {shape}, got {array.shape}")
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind in "iu" and (not array.size or int(array.min()) >= 0 and int(array.max()) <= 1):
        return array.astype(bool)
    raise ValueError(f"allowed must be a boolean mask (or 0/1 integers), got dtype {array.dtype}")


def _integers(
    name: str, value: Any, shapes: list[tuple[int, ...]], *, low: int, default: tuple[int, ...]
) -> np.ndarray:
    """An int64 array of one of ``shapes`` with every entry ≥ ``low`` (integral floats accepted), or ones."""
    if value is None:
        return np.ones(default, dtype=np.int64)
    array = _as_array(name, value)
    if array.shape not in shapes:
        expected = " or ".join(str(shape) for shape in shapes)
        raise ValueError(f"{name} must have shape {expected} to match weights, got {array.shape}")
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            index = tuple(int(k) for k in np.argwhere(bad)[0])
            raise ValueError(f"{name} must hold integers; entry {_index(index)} is {array[index]}")
    elif array.dtype.kind not in "biu":
        raise ValueError(f"{name} must hold integers, got dtype {array.dtype}")
    if array.size and array.min() < low:
        index = tuple(int(k) for k in np.argwhere(array < low)[0])
        raise ValueError(f"{name} must be ≥ {low} everywhere; entry {_index(index)} is {array[index]}")
    if array.size and array.max() > 2**40:
        index = tuple(int(k) for k in np.argwhere(array > 2**40)[0])
        raise ValueError(f"{name} entry {_index(index)} is {array[index]}, above the supported 2**40")
    return array.astype(np.int64)


def _index(index: tuple[int, ...]) -> str:
    return str(index[0]) if len(index) == 1 else f"[{', '.join(map(str, index))}]"
