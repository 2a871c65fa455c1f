"""The ``mentormatch`` command: parse → call one library function → print → exit code.

Exit codes (PRODUCT.md section 5): 0 a matching was written; 1 an internal error; 2 bad input or usage;
3 no mentee can be matched under the hard rules (file still written), or no answer within the time limit (no file).
"""

from __future__ import annotations

import enum
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="mentormatch",
    help="Match mentees with mentors: exact, verified, explainable.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never dump locals (profile values) on a crash
)

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_NO_MATCH = 0, 1, 2, 3


class SolverName(str, enum.Enum):
    auto = "auto"
    hungarian = "hungarian"
    flow = "flow"
    cpsat = "cpsat"


RosterArg = Annotated[
    Optional[Path],
    typer.Argument(help="Roster folder with mentees.csv, mentors.csv and optionally coaches.csv, exclusions.csv."),
]
MenteesOpt = Annotated[Optional[Path], typer.Option("--mentees", help="mentees.csv (wins over the folder's).")]
MentorsOpt = Annotated[Optional[Path], typer.Option("--mentors", help="mentors.csv (wins over the folder's).")]
CoachesOpt = Annotated[Optional[Path], typer.Option("--coaches", help="coaches.csv (wins over the folder's).")]
ExclusionsOpt = Annotated[
    Optional[Path], typer.Option("--exclusions", help="exclusions.csv (wins over the folder's).")
]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="TOML config (see `mentormatch config`).")]
IgnoreOpt = Annotated[
    bool, typer.Option("--ignore-unknown-columns", help="Ignore columns the format does not define.")
]


def _fail(lines: str | list[str], code: int) -> typer.Exit:
    text = lines if isinstance(lines, str) else "\n".join(lines)
    typer.echo(text, err=True)
    return typer.Exit(code)


def _input_error(err: Exception) -> typer.Exit:
    from .schema import RosterError

    if isinstance(err, RosterError):
        count = len(err.problems)
        head = f"error: {count} problem{'s' if count != 1 else ''} in the input:"
        return _fail([head, *("  " + line for line in str(err).splitlines())], EXIT_INPUT)
    return _fail(f"error: {err}", EXIT_INPUT)


def _load(roster, mentees, mentors, coaches, exclusions, config, ignore_unknown):
    """Read roster and config together so that every input problem is reported at once."""
    from .config import load_config
    from .io import read_roster
    from .schema import RosterError

    if roster is None and (mentees is None or mentors is None):
        raise _fail("error: give a roster folder, or both --mentees and --mentors", EXIT_INPUT)
    problems = []
    cfg = rost = None
    try:
        cfg = load_config(config)
    except RosterError as err:
        problems.extend(err.problems)
    try:
        rost = read_roster(
            roster,
            mentees=mentees,
            mentors=mentors,
            coaches=coaches,
            exclusions=exclusions,
            ignore_unknown_columns=ignore_unknown,
        )
    except RosterError as err:
        problems.extend(err.problems)
    if problems:
        raise _input_error(RosterError(problems))
    return rost, cfg


def _progress(quiet: bool):
    if quiet:
        return None

    def show(stage: str, elapsed: float) -> None:
        typer.echo(f"[{elapsed:7.1f} s] {stage}", err=True)

    return show


@app.command()
def solve(
    roster: RosterArg = None,
    mentees: MenteesOpt = None,
    mentors: MentorsOpt = None,
    coaches: CoachesOpt = None,
    exclusions: ExclusionsOpt = None,
    config: ConfigOpt = None,
    solver: Annotated[SolverName, typer.Option(help="Solving method; auto picks an exact one.")] = SolverName.auto,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.001, help="Seconds for search methods (CP-SAT).")
    ] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed of search methods.")] = 0,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the matches CSV.")] = Path(
        "matches.csv"
    ),
    ignore_unknown_columns: IgnoreOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Match mentees with mentors and write one row per mentee to a CSV file."""
    from .encode import build_problem
    from .io import write_matches
    from .match import solve as solve_problem
    from .problem import Status
    from .schema import RosterError
    from .solvers import SolverBug, SolverUnsuitable
    from .verify import MatchingBug

    start = time.perf_counter()
    show = _progress(quiet)
    rost, cfg = _load(roster, mentees, mentors, coaches, exclusions, config, ignore_unknown_columns)
    if show:
        show(f"read {len(rost.mentees)} mentees, {len(rost.mentors)} mentors", time.perf_counter() - start)
    problem = build_problem(rost, cfg, progress=show)
    try:
        result = solve_problem(problem, solver.value, time_limit=time_limit, seed=seed, progress=show)
    except (RosterError, SolverUnsuitable, ValueError) as err:  # bad input the solver layer refused
        raise _input_error(err) from None
    except (MatchingBug, SolverBug) as err:
        raise _fail(f"internal error: {err}", EXIT_INTERNAL) from None
    if result.status is Status.NO_SOLUTION:
        typer.echo(result.summary())
        raise _fail("no answer was found within the time limit; no file written (try a longer --time-limit)", 3)
    try:
        write_matches(result, output)
    except OSError as err:
        raise _fail(f"error: cannot write {output}: {err.strerror or err}", EXIT_INPUT) from None
    typer.echo(result.summary())
    typer.echo(f"wrote {output}")
    if len(result.table) and result.n_matched == 0:
        raise _fail("no mentee can be matched under the hard rules (every row of the file gives its reason)", 3)


@app.command()
def validate(
    roster: RosterArg = None,
    mentees: MenteesOpt = None,
    mentors: MentorsOpt = None,
    coaches: CoachesOpt = None,
    exclusions: ExclusionsOpt = None,
    config: ConfigOpt = None,
    ignore_unknown_columns: IgnoreOpt = False,
) -> None:
    """Check a roster (and config) and print counts; exit 2 listing every problem."""
    import numpy as np

    from .encode import build_problem

    rost, cfg = _load(roster, mentees, mentors, coaches, exclusions, config, ignore_unknown_columns)
    problem = build_problem(rost, cfg)
    n, m = problem.shape
    no_mentor = int((~problem.allowed.any(axis=1)).sum()) if m else n
    demand = int(problem.workload.sum())
    supply = int(problem.capacity.sum())
    typer.echo(
        f"roster is valid: {n} mentees, {m} mentors, {len(rost.coaches)} coaches, "
        f"{len(rost.exclusions)} exclusions"
    )
    typer.echo(f"allowed pairs: {int(problem.allowed.sum())} of {n * m}")
    typer.echo(f"capacity: {supply} units for a demand of {demand} units")
    typer.echo(f"mentees with no allowed mentor: {no_mentor}")
    levels = np.asarray([p.risk_level for p in rost.mentees], dtype=object)
    typer.echo(
        "mentees by risk level: "
        + ", ".join(f"{level} {int((levels == level).sum())}" for level in ("high", "medium", "low"))
    )


@app.command("config")
def config_command() -> None:
    """Print the default configuration as TOML (it loads back unchanged)."""
    from .config import MatchConfig

    typer.echo(MatchConfig().to_toml(), nl=False)


class CoachLimits(str, enum.Enum):
    """``synthetic_roster``'s ``coach_limits`` (mentormatch.synthetic.COACH_LIMITS)."""

    default = "default"
    moderate = "moderate"
    hard = "hard"


@app.command()
def synth(
    mentees: Annotated[int, typer.Option("--mentees", min=1, help="Number of mentees.")],
    mentors: Annotated[int, typer.Option("--mentors", min=1, help="Number of mentors.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write the roster into.")],
    coaches: Annotated[int, typer.Option("--coaches", min=0, help="Number of coaches (0 = no coaches.csv).")] = 0,
    seed: Annotated[int, typer.Option(min=0, help="Random seed; the same seed gives the same roster.")] = 0,
    coach_limits: Annotated[
        CoachLimits,
        typer.Option(
            "--coach-limits",
            help="How tightly the coaches' limits bind: default (generous), moderate, or hard (for testing the "
            "coach tier). Only matters with --coaches > 0.",
        ),
    ] = CoachLimits.default,
) -> None:
    """Write a seeded synthetic roster (pseudonymous ids, always valid)."""
    from .io import write_roster
    from .synthetic import synthetic_roster

    roster = synthetic_roster(mentees, mentors, coaches, seed=seed, coach_limits=coach_limits.value)
    try:
        write_roster(roster, output)
    except OSError as err:
        raise _fail(f"error: cannot write {output}: {err.strerror or err}", EXIT_INPUT) from None
    typer.echo(f"wrote {roster!r} to {output}")


def _crash(kind: type[BaseException], err: BaseException, tb) -> None:
    """Last line of defence: a short message with no values (locals hold profile data), exit code 1."""
    if kind is KeyboardInterrupt:
        typer.echo("interrupted; no file written", err=True)
        return
    if os.environ.get("MENTORMATCH_DEBUG"):
        traceback.print_exception(kind, err, tb)
    frames = traceback.extract_tb(tb)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    typer.echo(
        f"internal error: {kind.__name__}{where}; please report it (set MENTORMATCH_DEBUG=1 for a traceback)",
        err=True,
    )


def main() -> None:
    """Console-script entry point."""
    sys.excepthook = _crash
    # the click command itself, not ``app()``: Typer's __call__ would install its own excepthook
    typer.main.get_command(app)(prog_name="mentormatch")


if __name__ == "__main__":
    main()
