"""The ``mentormatch`` command: parse → call one library function → print → exit code.

Exit codes (PRODUCT.md section 5): 0 a matching was written; 1 an internal error; 2 bad input or usage;
3 no mentee can be matched under the hard rules (file still written), or no answer within the time limit (no file).
"""

from __future__ import annotations

import enum
import gc
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Annotated

import typer

from .config import CONTINUITY_MODES
from .errors import ExitCode
from .solvers import SOLVER_NAMES
from .synthetic.scenarios import COACH_LIMITS

app = typer.Typer(
    name="mentormatch",
    help="Match mentees with mentors: exact, verified, explainable.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never dump locals (profile values) on a crash
)

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_NO_MATCH = ExitCode.OK, ExitCode.INTERNAL, ExitCode.INPUT, ExitCode.NO_MATCH


RosterArg = Annotated[
    Path | None,
    typer.Argument(help="Roster folder with mentees.csv, mentors.csv and optionally coaches.csv, exclusions.csv."),
]
MenteesOpt = Annotated[Path | None, typer.Option("--mentees", help="mentees.csv (wins over the folder's).")]
MentorsOpt = Annotated[Path | None, typer.Option("--mentors", help="mentors.csv (wins over the folder's).")]
CoachesOpt = Annotated[Path | None, typer.Option("--coaches", help="coaches.csv (wins over the folder's).")]
ExclusionsOpt = Annotated[Path | None, typer.Option("--exclusions", help="exclusions.csv (wins over the folder's).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="TOML config (see `mentormatch config`).")]
IgnoreOpt = Annotated[bool, typer.Option("--ignore-unknown-columns", help="Ignore columns the format does not define.")]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Treat the roster's warnings as errors (exit 2): a value used by mentees or mentors only "
        "(a different spelling?), columns left unread.",
    ),
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        help="The roster CSV files' separator: comma, semicolon or tab "
        "(default: decided from each file's header line).",
        show_default=False,
    ),
]
SolverName = enum.StrEnum("SolverName", {name: name for name in SOLVER_NAMES})  # type: ignore[misc]
"""The ``--solver`` choices: the library's :data:`mentormatch.solvers.SOLVER_NAMES`, not re-declared here."""
SolverOpt = Annotated[SolverName, typer.Option(help="Solving method; auto picks an exact one.")]
AUTO = SolverName("auto")
"""The default solver."""
TimeLimitOpt = Annotated[float, typer.Option("--time-limit", min=0.001, help="Seconds for search methods (CP-SAT).")]
SeedOpt = Annotated[int, typer.Option(help="Random seed of search methods.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")]
CurrentOpt = Annotated[
    Path | None,
    typer.Option(
        "--current",
        help="The running mentorships: current.csv, or last run's matches file as it is "
        "(wins over the folder's current.csv).",
    ),
]


ContinuityMode = enum.StrEnum("ContinuityMode", {mode: mode for mode in CONTINUITY_MODES})  # type: ignore[misc]
"""The ``--continuity`` choices: the library's :data:`mentormatch.config.CONTINUITY_MODES`."""
ContinuityOpt = Annotated[
    ContinuityMode | None,
    typer.Option(
        "--continuity",
        help="With current pairs: keep (default: keep every valid running pair first), "
        "prefer (priority first, then keep), none (a fresh matching; current pairs only break ties). "
        "Overrides [continuity] mode of the config.",
    ),
]
PriceOpt = Annotated[
    bool,
    typer.Option(
        "--price/--no-price",
        help="With current pairs: also solve a fresh matching to show the price of continuity (one more solve).",
    ),
]
MatchesOpt = Annotated[
    Path | None,
    typer.Option("--matches", help="Explain this matches file instead of the matching `solve` gives."),
]


def _fail(lines: str | list[str], code: int) -> typer.Exit:
    text = lines if isinstance(lines, str) else "\n".join(lines)
    typer.echo(text, err=True)
    return typer.Exit(code)


def _input_error(err: Exception) -> typer.Exit:
    from .errors import InputError

    if isinstance(err, InputError):
        count = len(err.problems)
        head = f"error: {count} problem{'s' if count != 1 else ''} in the input:"
        return _fail([head, *("  " + line for line in str(err).splitlines())], EXIT_INPUT)
    return _fail(f"error: {err}", EXIT_INPUT)


def _reading(ignore_unknown_columns: bool, delimiter: str | None, strict: bool) -> dict[str, object]:
    """``read_roster``'s reading options from the command line; exit 2 for a separator it does not know."""
    reading: dict[str, object] = {"ignore_unknown_columns": ignore_unknown_columns, "strict": strict}
    if delimiter is None:
        return reading
    from .io.tables import delimiter_of

    try:
        return {**reading, "delimiter": delimiter_of(delimiter)}
    except ValueError as err:
        raise _fail(f"error: --delimiter: {err}", EXIT_INPUT) from None


WARNINGS_SHOWN = 5
"""How many roster warnings ``solve``, ``explain`` and ``report`` show before counting the rest (``validate``
lists them all)."""


def _warnings(rost, *, every: bool = False) -> list[str]:
    """The roster's warnings as lines (:attr:`Roster.warnings <mentormatch.schema.Roster.warnings>`): every one
    (``validate``), or the likely slips, at most :data:`WARNINGS_SHOWN`, and a count of the rest."""
    warnings = rost.warnings
    if not warnings:
        return []
    count = len(warnings)
    shown = warnings if every else [w for w in warnings if w.likely_slip][:WARNINGS_SHOWN]
    head = f"{count} warning{'s' if count != 1 else ''}"
    if not shown:
        return [
            f"{head}: values used by mentees or mentors only (`mentormatch validate` lists them; "
            "--strict makes warnings errors)"
        ]
    lines = [f"{head} (not errors; --strict makes them errors):", *(f"  {w}" for w in shown)]
    if len(shown) < count:
        lines.append(f"  … and {count - len(shown)} more: `mentormatch validate` lists them all")
    return lines


def _units(count: int) -> str:
    return f"{count} unit{'' if count == 1 else 's'}"


def _load(roster, mentees, mentors, coaches, exclusions, config, reading, current=None, continuity=None):
    """Read roster and config together so that every input problem is reported at once; ``continuity`` (a
    mode of :data:`mentormatch.config.CONTINUITY_MODES`) overrides the config's mode and needs current pairs."""
    from .config import load_config
    from .errors import InputError
    from .io import read_roster

    if roster is None and (mentees is None or mentors is None):
        raise _fail("error: give a roster folder, or both --mentees and --mentors", EXIT_INPUT)
    problems = []
    cfg = rost = None
    try:
        cfg = load_config(config)
    except InputError as err:
        problems.extend(err.problems)
    try:
        rost = read_roster(
            roster,
            mentees=mentees,
            mentors=mentors,
            coaches=coaches,
            exclusions=exclusions,
            current=current,
            **reading,
        )
    except InputError as err:
        problems.extend(err.problems)
    if problems:
        raise _input_error(InputError(problems))
    # the profiles live as long as the command: the garbage collector need not walk them again (one process, one
    # roster)
    gc.freeze()
    if continuity is not None:
        if rost.current is None:
            raise _fail(
                "error: --continuity needs current pairs: put current.csv in the roster folder or pass --current FILE",
                EXIT_INPUT,
            )
        cfg = cfg.model_copy(update={"continuity": cfg.continuity.model_copy(update={"mode": str(continuity)})})
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
    solver: SolverOpt = AUTO,
    time_limit: TimeLimitOpt = 60.0,
    seed: SeedOpt = 0,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write the matches CSV (.xlsx: an Excel workbook).")
    ] = Path("matches.csv"),
    require_all: Annotated[
        bool,
        typer.Option(
            "--require-all",
            help="Every mentee must be matched: exit 3 without a file when that is impossible, naming the fewest "
            "rule families whose relaxation would allow it.",
        ),
    ] = False,
    current: CurrentOpt = None,
    continuity: ContinuityOpt = None,
    price: PriceOpt = True,
    ignore_unknown_columns: IgnoreOpt = False,
    delimiter: DelimiterOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Match mentees with mentors and write one row per mentee to a CSV file."""
    from .diagnose import diagnose
    from .errors import NotAllMatchable
    from .io import write_matches

    start = time.perf_counter()
    show = _progress(quiet)
    reading = _reading(ignore_unknown_columns, delimiter, strict)
    problem = _problem(roster, mentees, mentors, coaches, exclusions, config, reading, show, start, current, continuity)
    try:
        result = _solve(problem, solver, time_limit, seed, show, start, price=price, require_all=require_all)
    except NotAllMatchable as err:  # the library's --require-all policy: say why, write nothing
        typer.echo(err.result.summary() if err.result is not None else "\n".join(diagnose(problem).lines()))
        raise _fail(f"--require-all cannot be met: {err}; no file written", EXIT_NO_MATCH) from None
    if show:
        show("diagnosing shortages", time.perf_counter() - start)
    diagnosis = diagnose(problem, result)
    if show:
        show(f"writing {output}", time.perf_counter() - start)
    try:
        write_matches(result, output)
    except ImportError as err:  # -o matches.xlsx without the excel extra
        raise _fail(f"error: {err}", EXIT_INPUT) from None
    except OSError as err:
        raise _fail(f"error: cannot write {output}: {err.strerror or err}", EXIT_INPUT) from None
    if show:
        show("written", time.perf_counter() - start)
    typer.echo("\n".join([*_warnings(problem.roster), *diagnosis.lines(limit=3)]))
    typer.echo(result.summary())
    typer.echo(f"wrote {output}")
    if len(result.table) and result.n_matched == 0:
        raise _fail(
            "no mentee can be matched under the hard rules (every row of the file gives its reason)", EXIT_NO_MATCH
        )


def _problem(
    roster, mentees, mentors, coaches, exclusions, config, reading, show, start, current=None, continuity=None
):
    """Read the roster and config (every input problem at once) and build the problem."""
    rost, cfg = _load(roster, mentees, mentors, coaches, exclusions, config, reading, current, continuity)
    if show:
        pairs = "" if rost.current is None else f", {len(rost.current)} current pairs"
        show(f"read {len(rost.mentees)} mentees, {len(rost.mentors)} mentors{pairs}", time.perf_counter() - start)
    return _build(rost, cfg, _since(show, start))


def _since(show, start: float | None):
    """``show`` for a library call whose progress counts from its own start: the seconds since ``start``."""
    if show is None or start is None:
        return show
    offset = time.perf_counter() - start
    return lambda stage, elapsed: show(stage, elapsed + offset)


def _build(rost, cfg, show=None):
    """``build_problem`` with a locked pair that breaks a rule (an input problem) mapped to exit 2."""
    from .encode import build_problem
    from .errors import InputError

    try:
        return build_problem(rost, cfg, progress=show)
    except InputError as err:
        raise _input_error(err) from None


def _solve(
    problem,
    solver: str,
    time_limit: float,
    seed: int,
    show,
    start: float | None = None,
    price: bool = False,
    require_all: bool = False,
):
    """``mentormatch.solve`` with its errors mapped to exit codes; exit 3 when nothing was found in time. Progress
    lines count from ``start`` (the command's start) when given."""
    from .errors import InputError, MatchingBug, SolverBug, SolverUnsuitable
    from .match import solve as solve_problem
    from .problem import Status

    try:
        result = solve_problem(
            problem,
            str(solver),
            time_limit=time_limit,
            seed=seed,
            progress=_since(show, start),
            price=price,
            require_all=require_all,
        )
    except (InputError, SolverUnsuitable, ValueError) as err:  # bad input the solver layer refused
        raise _input_error(err) from None
    except (MatchingBug, SolverBug) as err:
        raise _fail(f"internal error: {err}", EXIT_INTERNAL) from None
    if result.status is Status.NO_SOLUTION:
        typer.echo(result.summary())
        raise _fail(
            "no answer was found within the time limit; no file written (try a longer --time-limit)", EXIT_NO_MATCH
        )
    return result


def _matching(problem, matches: Path | None, solver: str, time_limit: float, seed: int, show, price: bool = False):
    """The matching to explain or report: the file's, or the one `solve` gives."""
    if matches is None:
        return _solve(problem, solver, time_limit, seed, show, price=price)
    from .errors import InputError
    from .match import load_matching

    try:
        return load_matching(problem, matches)
    except InputError as err:
        raise _input_error(err) from None


@app.command()
def explain(
    roster: RosterArg = None,
    mentee: Annotated[str, typer.Option("--mentee", help="The mentee to explain (id).")] = ...,  # type: ignore[assignment]  # required
    mentor: Annotated[
        str | None, typer.Option("--mentor", help="Explain this mentor for the mentee instead of the chosen one.")
    ] = None,
    matches: MatchesOpt = None,
    mentees: MenteesOpt = None,
    mentors: MentorsOpt = None,
    coaches: CoachesOpt = None,
    exclusions: ExclusionsOpt = None,
    config: ConfigOpt = None,
    solver: SolverOpt = AUTO,
    time_limit: TimeLimitOpt = 60.0,
    seed: SeedOpt = 0,
    costs: Annotated[
        bool, typer.Option("--costs/--no-costs", help="Re-solve to price each runner-up mentor for the whole matching.")
    ] = True,
    current: CurrentOpt = None,
    continuity: ContinuityOpt = None,
    ignore_unknown_columns: IgnoreOpt = False,
    delimiter: DelimiterOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Why this mentor (criteria, rules, runners-up with their cost), or why nobody (reason, rules to relax)."""
    from .diagnose import relaxations
    from .explain import explain as explain_mentee

    start = time.perf_counter()
    show = _progress(quiet)
    reading = _reading(ignore_unknown_columns, delimiter, strict)
    problem = _problem(roster, mentees, mentors, coaches, exclusions, config, reading, show, start, current, continuity)
    matching = _matching(problem, matches, solver, time_limit, seed, show)
    try:
        explanation = explain_mentee(
            problem,
            mentee,
            mentor_id=mentor,
            matching=matching,
            solver=str(solver),
            time_limit=time_limit,
            seed=seed,
            costs=costs,
            progress=show,
        )
    except ValueError as err:
        raise _input_error(err) from None
    typer.echo(explanation.text())
    if explanation.matched_mentor_id is None:
        relaxation = relaxations(problem, [mentee], matching=matching, time_limit=time_limit)
        typer.echo(f"to match {mentee}: {relaxation.words()}")


@app.command()
def report(
    roster: RosterArg = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the HTML report.")] = Path(
        "report.html"
    ),
    matches: MatchesOpt = None,
    mentees: MenteesOpt = None,
    mentors: MentorsOpt = None,
    coaches: CoachesOpt = None,
    exclusions: ExclusionsOpt = None,
    config: ConfigOpt = None,
    solver: SolverOpt = AUTO,
    time_limit: TimeLimitOpt = 60.0,
    seed: SeedOpt = 0,
    plots: Annotated[
        bool | None,
        typer.Option("--plots/--no-plots", help="Charts (needs the plot extra); default: when matplotlib is there."),
    ] = None,
    current: CurrentOpt = None,
    continuity: ContinuityOpt = None,
    price: PriceOpt = True,
    ignore_unknown_columns: IgnoreOpt = False,
    delimiter: DelimiterOpt = None,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write one self-contained HTML report: summary, scores, capacity, criteria, unmatched reasons, shortages."""
    from .report import write_report

    start = time.perf_counter()
    show = _progress(quiet)
    reading = _reading(ignore_unknown_columns, delimiter, strict)
    problem = _problem(roster, mentees, mentors, coaches, exclusions, config, reading, show, start, current, continuity)
    matching = _matching(problem, matches, solver, time_limit, seed, show, price=price)
    try:
        write_report(problem, matching, output, plots=plots)
    except ImportError as err:
        raise _fail(f"error: {err}", EXIT_INPUT) from None
    except OSError as err:
        raise _fail(f"error: cannot write {output}: {err.strerror or err}", EXIT_INPUT) from None
    for line in _warnings(problem.roster):
        typer.echo(line)
    typer.echo(matching.summary())
    typer.echo(f"wrote {output}")


@app.command()
def validate(
    roster: RosterArg = None,
    mentees: MenteesOpt = None,
    mentors: MentorsOpt = None,
    coaches: CoachesOpt = None,
    exclusions: ExclusionsOpt = None,
    config: ConfigOpt = None,
    current: CurrentOpt = None,
    continuity: ContinuityOpt = None,
    ignore_unknown_columns: IgnoreOpt = False,
    delimiter: DelimiterOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Check a roster (and config), print counts and shortages with remedies; exit 2 listing every problem."""
    import numpy as np

    from .diagnose import diagnose

    reading = _reading(ignore_unknown_columns, delimiter, strict)
    rost, cfg = _load(roster, mentees, mentors, coaches, exclusions, config, reading, current, continuity)
    problem = _build(rost, cfg)
    n, m = problem.shape
    demand = int(problem.workload.sum())
    supply = int(problem.capacity.sum())
    typer.echo(
        f"roster is valid: {n} mentees, {m} mentors, {len(rost.coaches)} coaches, {len(rost.exclusions)} exclusions"
    )
    for line in _warnings(rost, every=True):
        typer.echo(line)
    typer.echo(f"allowed pairs: {int(problem.allowed.sum())} of {n * m}")
    status = np.asarray([p.status for p in rost.mentors], dtype=object)
    open_supply = int(problem.capacity[status == "active"].sum())
    if open_supply != supply:
        typer.echo(
            f"capacity: {_units(supply)}, {open_supply} of them of active mentors, for a demand of {_units(demand)}"
        )
        typer.echo(
            "mentors by status: "
            + ", ".join(f"{name} {int((status == name).sum())}" for name in ("active", "paused", "leaving"))
            + " (paused mentors keep their current mentees; paused and leaving ones take no one new)"
        )
    else:
        typer.echo(f"capacity: {_units(supply)} for a demand of {_units(demand)}")
    if problem.current is not None:
        from collections import Counter

        cur = problem.current
        invalid = Counter(reason for reason in cur.invalid if reason is not None)
        words = ", ".join(f"{k} {v}" for k, v in sorted(invalid.items()))
        typer.echo(
            f"current pairs: {int((cur.mentor >= 0).sum())}, valid {int(cur.valid.sum())}, locked "
            f"{int(cur.locked.sum())}, kept under an exempted rule {int(cur.exempted.sum())}"
            + (f"; not valid: {words}" if words else "")
            + f"; continuity mode {cur.mode}"
        )
        over = int(cur.over_capacity.sum())
        if over:
            typer.echo(
                f"{over} mentor{'s have' if over != 1 else ' has'} less capacity than their valid current "
                f"pairs need: the most that fit are kept"
            )
    levels = np.asarray([p.risk_level for p in rost.mentees], dtype=object)
    typer.echo(
        "mentees by risk level: "
        + ", ".join(f"{level} {int((levels == level).sum())}" for level in ("high", "medium", "low"))
    )
    typer.echo("\n".join(diagnose(problem).lines(limit=None)))


@app.command("config")
def config_command() -> None:
    """Print the default configuration as TOML with a comment on every option (it loads back unchanged)."""
    from .config import MatchConfig

    typer.echo(MatchConfig().to_toml(comments=True), nl=False)


CoachLimits = enum.StrEnum("CoachLimits", {name: name for name in COACH_LIMITS})  # type: ignore[misc]
"""``synthetic_roster``'s ``coach_limits``: the library's :data:`mentormatch.synthetic.COACH_LIMITS`."""
DEFAULT_LIMITS = CoachLimits("default")


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
            help="How tightly the coaches' limits bind: default (generous), moderate, hard, or binding (for "
            "testing the coach tier). Only matters with --coaches > 0.",
        ),
    ] = DEFAULT_LIMITS,
    current_share: Annotated[
        float | None,
        typer.Option(
            "--current-share",
            min=0.0,
            max=1.0,
            help="Also write current.csv: a seeded next month in which about this share of mentees has a "
            "running mentorship (solved last month), with mentors leaving or paused, capacities lowered, "
            "pairs made invalid and a few locks (see mentormatch.synthetic.next_month).",
        ),
    ] = None,
) -> None:
    """Write a seeded synthetic roster (pseudonymous ids, always valid)."""
    from .io import write_roster
    from .synthetic import next_month, synthetic_roster

    roster = synthetic_roster(mentees, mentors, coaches, seed=seed, coach_limits=str(coach_limits))
    if current_share is not None:
        roster = next_month(roster, current_share=current_share, seed=seed)
    try:
        write_roster(roster, output)
    except OSError as err:
        raise _fail(f"error: cannot write {output}: {err.strerror or err}", EXIT_INPUT) from None
    typer.echo(f"wrote {roster!r} to {output}")


def _shares(text: str | None) -> list[float | None]:
    """``--current-share``: comma-separated shares from 0 to 1, ``none`` for runs without current pairs."""
    if text is None:
        return [None]
    shares: list[float | None] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if item.casefold() == "none":
            shares.append(None)
            continue
        try:
            shares.append(float(item))
        except ValueError:
            raise _fail(
                f"error: --current-share takes comma-separated shares from 0 to 1 or 'none', got {item!r}", EXIT_INPUT
            ) from None
    return shares or [None]


def _numbers(text: str, kind: type, name: str) -> list:
    """Comma-separated numbers of an option, or exit 2 naming the bad item."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    try:
        return [kind(item) for item in items]
    except ValueError:
        raise _fail(f"error: --{name} takes comma-separated {kind.__name__} values, got {text!r}", EXIT_INPUT) from None


@app.command()
def bench(
    sizes: Annotated[
        str, typer.Option(help="Roster sizes MENTEESxMENTORS[xCOACHES], comma-separated, e.g. 300x100,3000x1000.")
    ] = "300x100",
    coaches: Annotated[str, typer.Option(help="Coach counts, comma-separated (0 = no coach tier).")] = "0",
    seeds: Annotated[int, typer.Option(min=1, help="Run seeds 0..K-1.")] = 1,
    seed_list: Annotated[str | None, typer.Option("--seed-list", help="The seeds to run, e.g. 3,7,11.")] = None,
    solvers: Annotated[str, typer.Option(help="Solvers, comma-separated: auto, flow, hungarian, cpsat.")] = "auto",
    time_limit: Annotated[
        str, typer.Option("--time-limit", help="Solver time limits in seconds, comma-separated.")
    ] = "60",
    roster: Annotated[
        Path | None, typer.Option("--roster", help="Benchmark this roster folder instead of generated rosters.")
    ] = None,
    config: ConfigOpt = None,
    coach_limits: Annotated[
        CoachLimits, typer.Option("--coach-limits", help="The generator's coach limits for runs with coaches.")
    ] = DEFAULT_LIMITS,
    unit_workloads: Annotated[
        bool, typer.Option("--unit-workloads", help="Set every generated mentee's workload to 1 (the flow path).")
    ] = False,
    current_share: Annotated[
        str | None,
        typer.Option(
            "--current-share",
            help="Also run each generated roster as a next month with current pairs: "
            "shares of mentees with a running mentorship, comma-separated; 'none' = without, e.g. "
            "none,0.7 (the config's [continuity] mode applies).",
        ),
    ] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Results CSV: rows are appended; runs already in it are skipped.")
    ] = Path("bench.csv"),
    jobs: Annotated[
        int, typer.Option(min=1, help="Runs at a time on this machine (timings on a busy machine lie).")
    ] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a Dask distributed scheduler to send the runs to.")
    ] = None,
    wall_limit: Annotated[
        float | None, typer.Option("--wall-limit", min=0.001, help="Kill a run after this many seconds (timeout).")
    ] = None,
    memory_limit: Annotated[
        float | None, typer.Option("--memory-limit", min=0.01, help="GB of memory a run may use (out_of_memory).")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Draw time against size and gap against time (PNG).")
    ] = None,
    summary: Annotated[
        Path | None, typer.Option("--summary", help="Print the median table of this results CSV and run nothing.")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Benchmark the solvers on synthetic rosters: one fresh process per run, resumable, local or on Dask."""
    from .bench import benchmark, plot_results, read_results, summary_text
    from .config import load_config
    from .errors import InputError

    if summary is not None:
        try:
            results = read_results(summary)
        except FileNotFoundError:
            raise _fail(f"error: {summary}: file not found", EXIT_INPUT) from None
        except (OSError, ValueError) as err:  # the reader's words name the file
            raise _fail(f"error: {err}", EXIT_INPUT) from None
        typer.echo(summary_text(results))
    else:
        try:
            cfg = load_config(config) if config is not None else None
        except InputError as err:
            raise _input_error(err) from None
        bar = None
        skipped: list[int] = []  # runs already in the results file: the first progress call's count

        def show(done: int, total: int, current: str) -> None:
            nonlocal bar
            if not skipped:
                skipped.append(done)
                if done:
                    typer.echo(f"resuming: {done} of {total} runs are already in {output} and are skipped", err=True)
            if quiet:
                return
            if bar is None:
                bar = typer.progressbar(
                    length=total, label="runs", show_pos=True, item_show_func=lambda item: item, file=sys.stderr
                )
                bar.__enter__()
            bar.current_item = current  # typer's bar shows it through item_show_func
            bar.update(done - bar.pos)

        try:
            results = benchmark(
                sizes if roster is None else (),
                coaches=_numbers(coaches, int, "coaches"),
                seeds=seeds,
                seed_list=_numbers(seed_list, int, "seed-list") if seed_list else None,
                solvers=[name.strip() for name in solvers.split(",") if name.strip()],
                time_limits=_numbers(time_limit, float, "time-limit"),
                roster=roster,
                config=cfg,
                coach_limits=str(coach_limits),
                workloads="unit" if unit_workloads else "generated",
                current_shares=_shares(current_share),
                output=output,
                jobs=jobs,
                scheduler=scheduler,
                progress=show,
                wall_limit=wall_limit,
                memory_limit_gb=memory_limit,
            )
        except KeyboardInterrupt:
            raise _fail(
                f"interrupted: the runs so far are in {output}; rerun the same command to resume", 130
            ) from None
        except (ImportError, ValueError, OSError) as err:
            raise _fail(f"error: {err}", EXIT_INPUT) from None
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        typer.echo(summary_text(results))
        counts = results["status"].value_counts()
        resumed = f" ({skipped[0]} of them recorded before and skipped)" if skipped and skipped[0] else ""
        typer.echo("runs: " + ", ".join(f"{status} {count}" for status, count in sorted(counts.items())) + resumed)
        typer.echo(f"results in {output}")
    if plot is not None:
        try:
            plot_results(results, plot)
        except (ImportError, ValueError) as err:
            raise _fail(f"error: {err}", EXIT_INPUT) from None
        except OSError as err:
            raise _fail(f"error: cannot write {plot}: {err.strerror or err}", EXIT_INPUT) from None
        typer.echo(f"wrote {plot}")


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
