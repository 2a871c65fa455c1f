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

from .assign import Assignment, assign
from .bench import benchmark
from .config import CRITERIA, MatchConfig, load_config
from .diagnose import Diagnosis, Relaxation, diagnose, relaxations
from .encode import build_problem, criterion_parts
from .explain import Explanation, explain
from .io import read_roster, write_matches, write_roster
from .match import evaluate, load_matching, solve
from .report import report_html, write_report
from .problem import Problem, Status
from .result import ChangeSummary, MatchResult
from .schema import CurrentPair, InputProblem, Roster, RosterError
from .synthetic import next_month, synthetic_roster
from .verify import MatchingBug, verify_matching

__version__ = "0.1.0"

__all__ = [
    "Assignment",
    "CRITERIA",
    "ChangeSummary",
    "CurrentPair",
    "Diagnosis",
    "Explanation",
    "InputProblem",
    "MatchConfig",
    "MatchResult",
    "MatchingBug",
    "Problem",
    "Roster",
    "Relaxation",
    "RosterError",
    "Status",
    "assign",
    "benchmark",
    "build_problem",
    "criterion_parts",
    "diagnose",
    "evaluate",
    "explain",
    "load_config",
    "load_matching",
    "next_month",
    "read_roster",
    "relaxations",
    "report_html",
    "solve",
    "synthetic_roster",
    "verify_matching",
    "write_matches",
    "write_report",
    "write_roster",
]
