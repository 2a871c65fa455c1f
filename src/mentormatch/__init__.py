"""mentormatch: match mentees with mentors in prison and probation mentoring schemes.

The steps, each a function (PRODUCT.md section 5)::

    roster = read_roster("data/synthetic/small")      # validated profiles, every input problem at once
    problem = build_problem(roster, MatchConfig())     # scores, allowed mask, priorities, capacities
    result = solve(problem, solver="auto")             # exact where it can be, verified, with bound and gap
    write_matches(result, "matches.csv")               # one row per mentee, written atomically

then ``explain(problem, mentee_id, matching=result)`` (why this mentor, why nobody), ``diagnose(problem)``
(shortages with remedies), ``relaxations(problem, ids)`` (the fewest rule families to relax) and
``write_report(problem, result, "report.html")``; ``benchmark(sizes="300x100,3000x1000", seeds=3)`` runs solver
sweeps on synthetic rosters, one fresh process per run;
and, for people who bring their own matrices, ``assign(weights, capacity=..., maximize=...)``.
"""

import sys
import types
from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Any

from ._lazy import lazy_attributes

if TYPE_CHECKING:  # the names for type checkers and editors; at run time each loads on first use (below)
    from .assign import Assignment, assign
    from .bench import benchmark
    from .config import CRITERIA, MatchConfig, load_config
    from .diagnose import Diagnosis, Relaxation, diagnose, relaxations
    from .encode import build_problem, criterion_parts
    from .errors import InputError, InputProblem, MatchingBug, NotAllMatchable, RosterError, SolverUnsuitable
    from .explain import Explanation, explain
    from .io import read_roster, write_matches, write_roster
    from .match import evaluate, load_matching, solve
    from .problem import Problem, Status
    from .report import report_html, write_report
    from .result import ChangeSummary, MatchResult
    from .schema import CurrentPair, Roster
    from .synthetic import next_month, synthetic_roster
    from .verify import verify_matching

_HOME: dict[str, str] = {
    "Assignment": "assign",
    "assign": "assign",
    "benchmark": "bench",
    "CRITERIA": "config",
    "MatchConfig": "config",
    "load_config": "config",
    "Diagnosis": "diagnose",
    "Relaxation": "diagnose",
    "diagnose": "diagnose",
    "relaxations": "diagnose",
    "build_problem": "encode",
    "criterion_parts": "encode",
    "InputError": "errors",
    "InputProblem": "errors",
    "MatchingBug": "errors",
    "NotAllMatchable": "errors",
    "RosterError": "errors",
    "SolverUnsuitable": "errors",
    "Explanation": "explain",
    "explain": "explain",
    "read_roster": "io",
    "write_matches": "io",
    "write_roster": "io",
    "evaluate": "match",
    "load_matching": "match",
    "solve": "match",
    "Problem": "problem",
    "Status": "problem",
    "report_html": "report",
    "write_report": "report",
    "ChangeSummary": "result",
    "MatchResult": "result",
    "CurrentPair": "schema",
    "Roster": "schema",
    "next_month": "synthetic",
    "synthetic_roster": "synthetic",
    "verify_matching": "verify",
}
"""Where each public name lives: ``import mentormatch`` loads none of these modules (not pandas, SciPy, OR-Tools,
the benchmark harness, Dask or matplotlib); ``mentormatch.solve`` loads ``mentormatch.match`` on first use."""

try:
    __version__ = _metadata.version("mentormatch")  # the one place it is written: pyproject.toml
except _metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"


__getattr__, __dir__ = lazy_attributes(__name__, _HOME, globals())


class _Package(types.ModuleType):
    """The package module: once the import system loads a submodule it binds it to the package's attribute of the
    same name; three public functions share their module's name (``assign``, ``diagnose``, ``explain``), and there
    the function wins, as it always has (``importlib.import_module("mentormatch.diagnose")`` gives the module)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _HOME.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "assign",
    "Assignment",
    "benchmark",
    "build_problem",
    "ChangeSummary",
    "CRITERIA",
    "criterion_parts",
    "CurrentPair",
    "diagnose",
    "Diagnosis",
    "evaluate",
    "explain",
    "Explanation",
    "InputError",
    "InputProblem",
    "load_config",
    "load_matching",
    "MatchConfig",
    "MatchingBug",
    "MatchResult",
    "NotAllMatchable",
    "next_month",
    "Problem",
    "read_roster",
    "Relaxation",
    "relaxations",
    "report_html",
    "Roster",
    "RosterError",
    "solve",
    "SolverUnsuitable",
    "Status",
    "synthetic_roster",
    "verify_matching",
    "write_matches",
    "write_report",
    "write_roster",
]
