"""The HTML report: one self-contained file a coordinator can open offline, print, and defend (PRODUCT.md section 6).

Sections, each a ``<section id="...">`` with an ``<h2>``, in this order: ``summary`` (status, objective parts with
bounds, counts, coach use), ``changes`` (with current pairs only: what changed since them and why, the price of
continuity, coach changes, running pairs with tenure), ``matching`` (every mentee's mentor, coach, score and
reason, in input order, never cut), ``shortages`` (from :func:`mentormatch.diagnose.diagnose`), ``scores`` (score
distribution of matched pairs), ``capacity`` (capacity use per mentor), ``criteria`` (criterion contributions),
``unmatched`` (reasons, and the mentees left without a mentor) and ``inputs`` (the roster files read, their rows,
and the config used).

The file needs no network: styles are inline, charts are PNG ``data:`` URIs, and a Content-Security-Policy forbids
loading anything else. Charts need the optional ``plot`` extra (matplotlib); without it the report is tables only.
The report carries ids, scores, rule names and aggregate counts, never a person's profile values (group values
such as a language appear only as groups of the shortage tables); every value is HTML-escaped.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from io import BytesIO
from typing import Any

import numpy as np
import pandas as pd

from .config import CRITERIA, MatchConfig
from .io import write_text_atomic
from .problem import Problem, Status
from .result import REASONS, MatchResult
from .rules import RULES

__all__ = ["report_html", "write_report", "MAX_ROWS", "PLOT_ADVICE", "SECTIONS"]

MAX_ROWS = 500
"""Rows a per-person table shows; beyond, the report shows a part and says how many are left out."""

PLOT_ADVICE = "install mentormatch[plot] for charts"
"""What to do when matplotlib is missing."""

SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("changes", "Changes since the current pairs"),
    ("matching", "The matching"),
    ("shortages", "Shortages"),
    ("scores", "Score distribution"),
    ("capacity", "Capacity use per mentor"),
    ("criteria", "Criterion contributions"),
    ("unmatched", "Unmatched mentees"),
    ("inputs", "Roster and configuration"),
)
"""Section ids and headings, in report order."""

_STATUS_WORDS = {
    Status.OPTIMAL: "both parts of the objective proven optimal",
    Status.FEASIBLE: "a valid matching, not proven optimal (see the bounds and gap)",
    Status.NO_SOLUTION: "no matching was found within the time limit",
}

_SCORE_BINS = np.arange(0, 101, 10)
_DPI = 100
_CHART_MENTORS = 30  # up to this many mentors the capacity table says it all; beyond, a chart of how full they are
_FULLNESS = ((0, "0 % (idle)"), (50, "under 50 %"), (100, "50 % up to full"), (None, "100 % (full)"))
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #222;
       line-height: 1.4; max-width: 62rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #bbb; padding-bottom: .2rem; margin-top: 2rem;
     break-after: avoid; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; break-after: avoid; }
nav a { margin-right: .8rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .15rem .5rem; vertical-align: top; }
thead th { background: #eee; text-align: left; }
td { text-align: right; font-variant-numeric: tabular-nums; }
td:first-child, table.words td { text-align: left; }
tr { break-inside: avoid; }
.note, .generated { color: #555; }
figure { margin: .5rem 0 1rem; break-inside: avoid; }
img { max-width: 100%; height: auto; }
pre { background: #f6f6f6; padding: .5rem; font-size: .85rem; white-space: pre-wrap; }
@media print {
  body { max-width: none; margin: 0; }
  nav { display: none; }
}
""".strip()


@dataclass(frozen=True)
class _Section:
    id: str
    body: list[str]


def report_html(
    problem: Problem,
    result: MatchResult,
    *,
    diagnosis: Any = None,
    title: str = "mentormatch report",
    plots: bool | None = None,
    generated: datetime | str | None = None,
) -> str:
    """Render a matching of ``problem`` as one self-contained HTML5 page.

    Parameters
    ----------
    problem : Problem
        The problem ``result`` answers (from :func:`mentormatch.build_problem`).
    result : MatchResult
        From :func:`mentormatch.solve` (or :func:`mentormatch.match.evaluate` / ``load_matching``).
    diagnosis : Diagnosis, optional
        The supply-and-demand diagnosis of ``problem``; computed with :func:`mentormatch.diagnose.diagnose` when
        not given.
    title : str
        The page title and top heading.
    plots : bool or None
        ``None``: charts when matplotlib is installed, else tables only with a note; ``True``: charts, or
        ImportError; ``False``: tables only.
    generated : datetime or str, optional
        The generation time shown under the title; default now (UTC). Everything else in the page depends only
        on the arguments, so pages rendered with the same ``generated`` are identical.

    Returns
    -------
    str
        The page. Every value is HTML-escaped. It carries ids, scores, rule names and aggregate counts; no
        person's profile values (age, languages, gender, risk level) appear. Group values (an extremism type, a
        language, a risk level, a region) appear only as the groups of the shortage tables, with counts.

    Raises
    ------
    ImportError
        ``plots=True`` and matplotlib is not installed.
    ValueError
        ``result`` does not belong to ``problem`` (other mentees).

    Examples
    --------
    >>> from mentormatch import read_roster, build_problem, solve
    >>> problem = build_problem(read_roster("data/synthetic/small"))
    >>> html = report_html(problem, solve(problem), plots=False)
    >>> '<section id="summary">' in html
    True
    """
    _check_same_mentees(problem, result)
    figure = _figure_class(plots)
    if diagnosis is None:
        from .diagnose import diagnose

        diagnosis = diagnose(problem, result)
    sections = [
        _summary(result),
        *([_changes(problem, result, generated)] if result.changes is not None else []),
        _matching(result),
        _shortages(diagnosis),
        _scores(result, figure),
        _capacity(problem, result, figure),
        _criteria(problem, result, figure),
        _unmatched(result),
        _inputs(problem),
    ]
    return _page(title, _generated_text(generated), sections, charts=figure is not None, plots=plots)


def write_report(problem: Problem, result: MatchResult, path, **kwargs: Any) -> None:
    """Render the report (see :func:`report_html`, which takes the same keywords) and write it to ``path``.

    The page is rendered in full before anything is written, and written atomically
    (:func:`mentormatch.io.write_text_atomic`): if rendering or writing fails, an existing file at ``path`` is
    left untouched.

    Raises
    ------
    ImportError
        ``plots=True`` and matplotlib is not installed.
    OSError
        The folder does not exist or the disk refuses the write.
    """
    write_text_atomic(path, report_html(problem, result, **kwargs))


# --------------------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------------------


def _summary(result: MatchResult) -> _Section:
    table = result.table
    n, matched = len(table), result.n_matched
    priority = f"{result.priority_sum}"
    if result.priority_bound is not None:
        priority += f" (bound {result.priority_bound})"
    facts: list[tuple[str, str]] = [
        ("status", f"{result.status}: {_STATUS_WORDS.get(result.status, '')}".rstrip(": ")),
        ("solver", result.solver),
        ("mentees", f"{n}"),
        ("matched", f"{matched}"),
        ("unmatched", f"{n - matched}"),
        ("Σ priority of matched mentees", priority),
        ("score points: the matched pairs' 0–100 scores added up", f"{100 * result.objective:.1f}"),
    ]
    if result.bound is not None:
        facts.append(("score points bound", f"{100 * result.bound:.1f}"))
    if result.gap is not None:
        facts.append(("gap", f"{100 * result.gap:.3f} %"))
    if result.bound is None and result.priority_missing:
        facts.append(("priority points possibly missing", f"up to {result.priority_missing}"))
    if matched:
        facts.append(("mean score of matched pairs (0–100)", f"{result.pairs['score'].mean():.1f}"))
    if result.capacity_total:
        share = 100 * result.capacity_used / result.capacity_total
        facts.append(
            ("capacity used (workload units)", f"{result.capacity_used} of {result.capacity_total} ({share:.0f} %)")
        )
    facts.append(("mentors with a mentee", f"{result.mentors_used} of {result.mentors_total}"))
    if result.coaches is not None:
        facts.append(("coaches supervising", f"{int((result.coaches['mentors'] > 0).sum())} of {len(result.coaches)}"))
    facts.append(("time", f"{result.seconds:.2f} s"))
    if result.message:
        facts.append(("note", result.message))
    body = [_html(pd.DataFrame(facts, columns=["fact", "value"]), words=True)]
    by_risk = _by_risk_level(result)
    if by_risk is not None:
        body += ["<h3>Matched by risk level</h3>", _html(by_risk)]
    if result.coaches is not None:
        coaches = result.coaches.copy()
        limit = coaches["max_mentees"].astype(object)
        coaches["max_mentees"] = limit.where(limit.notna(), "no limit")
        body += [
            "<h3>Coaches</h3>",
            _p(
                "One row per coach: how many mentors they supervise (mentors) of the most they may (max_mentors), "
                "and how many mentees those mentors have together (mentees) of the coach's case-load limit "
                "(max_mentees); workload: those mentees' workload units."
            ),
            *_limited(coaches, "coaches", order="in input order"),
        ]
    return _Section("summary", body)


def _matching(result: MatchResult) -> _Section:
    """Every mentee's row of the matches file that a person reads: mentor, coach, score, reason (and change)."""
    table = result.table
    columns = ["mentee_id", "mentor_id"]
    if result.coaches is not None:
        columns.append("coach_id")
    columns += ["score", "reason"]
    if "change" in table.columns:
        columns += ["previous_mentor_id", "change"]
    frame = table[columns].rename(columns={"mentee_id": "mentee", "mentor_id": "mentor", "coach_id": "coach"})
    frame = frame.rename(columns={"previous_mentor_id": "previous mentor", "reason": "reason (unmatched)"})
    words = (
        f"Every mentee, {len(frame)} rows in the order of the mentees file (the matches file's order): the mentor "
        "and the pair's score (0–100); an unmatched mentee has a reason, explained under Unmatched mentees."
    )
    return _Section("matching", [_p(words), _html(frame, words=True)])


def _inputs(problem: Problem) -> _Section:
    """Which roster files were read, their rows, and the config used (its differences from the defaults)."""
    roster = problem.roster
    body = []
    if roster is not None:
        counts = {
            "mentees": len(roster.mentees),
            "mentors": len(roster.mentors),
            "coaches": len(roster.coaches),
            "exclusions": len(roster.exclusions),
            "current": None if roster.current is None else len(roster.current),
        }
        files = pd.DataFrame(
            [(part, path, counts.get(part)) for part, path in roster.files.items()],
            columns=["part", "file", "rows read"],
        )
        body += ["<h3>Roster files</h3>", _html(files.astype(object), words=True)]
    config = problem.config if problem.config is not None else MatchConfig()
    changed = _changed_settings(config)
    body += [
        "<h3>Configuration</h3>",
        _p(
            "Every setting at its default."
            if not changed
            else "Settings that differ from the defaults: " + ", ".join(changed) + "."
        ),
        f"<pre>{escape(config.to_toml())}</pre>",
    ]
    return _Section("inputs", body)


def _changed_settings(config: MatchConfig) -> list[str]:
    """``section.key = value`` for each setting that differs from the default config."""
    ours, default = config.model_dump(mode="json"), MatchConfig().model_dump(mode="json")
    return [
        f"{section}.{key} = {value!r}"
        for section, values in ours.items()
        for key, value in values.items()
        if default[section].get(key) != value
    ]


def _changes(problem: Problem, result: MatchResult, generated: datetime | str | None) -> _Section:
    """What changed since the current pairs, why, and the price of continuity (PRODUCT.md section 7)."""
    from .continuity import CHANGES, reason_words

    summary = result.changes
    assert summary is not None  # the section is made only with current pairs
    table = result.table
    counts = table["change"].value_counts()
    order = [c for c in ("kept", "locked", "moved", "ended", "new") if c in counts.index]
    changes = pd.DataFrame(
        {"change": order, "mentees": [int(counts[c]) for c in order], "meaning": [CHANGES[c] for c in order]}
    )
    body = [
        _p(
            f"Continuity mode {summary.mode}: {summary.pairs} current pairs given, {summary.valid} valid, "
            f"{summary.kept} kept ({summary.locked} locked)."
        ),
        _html(changes, words=True),
    ]
    if summary.reasons:
        reasons = pd.DataFrame(
            {
                "reason": list(summary.reasons),
                "mentees": list(summary.reasons.values()),
                "meaning": [reason_words(r) for r in summary.reasons],
            }
        )
        body += ["<h3>Why running pairs moved or ended</h3>", _html(reasons, words=True)]
    if summary.fresh_priority is not None:
        price = pd.DataFrame(
            {
                "": ["Σ priority", "mean score (0–100)", "mentees matched"],
                "this matching": [str(summary.priority_sum), f"{summary.mean_score:.1f}", str(result.n_matched)],
                "a fresh matching": [
                    str(summary.fresh_priority),
                    f"{summary.fresh_score:.1f}",
                    str(summary.fresh_matched),
                ],
            }
        )
        body += [
            "<h3>Price of continuity</h3>",
            _p(
                "What a fresh matching (mode none: priority, then score, current pairs only breaking ties) "
                "reaches beside this one."
            ),
            _html(price, words=True),
        ]
    if summary.coach_changes is not None:
        body += [
            "<h3>Coaches of mentors</h3>",
            _html(
                pd.DataFrame({"coach": list(summary.coach_changes), "mentors": list(summary.coach_changes.values())}),
                words=True,
            ),
        ]
        moved = _coach_moves(problem, result)
        if len(moved):
            body += _limited(moved, "mentors whose coach changed", order="in input order")
    had = table["previous_mentor_id"].notna()
    if had.any():
        rows = table.loc[had, ["mentee_id", "previous_mentor_id", "mentor_id", "change", "change_reason"]].copy()
        since = _since(problem)
        rows["since"] = [since.get(m) for m in rows["mentee_id"]]
        rows["tenure (months)"] = pd.array([_months(since.get(m), generated) for m in rows["mentee_id"]], dtype="Int64")
        rank = {"ended": 0, "moved": 1, "locked": 2, "kept": 3}
        rows = rows.sort_values("change", key=lambda c: c.map(rank), kind="stable")
        body += [
            "<h3>Running pairs</h3>",
            *_limited(rows, "running pairs", order="ended first, then moved, locked and kept", words=True),
        ]
    return _Section("changes", body)


def _coach_moves(problem: Problem, result: MatchResult) -> pd.DataFrame:
    """Mentors whose coach named in the current pairs differs from the coach now (ids only)."""
    current = problem.current
    coach_ids = np.asarray(problem.coach_ids, dtype=object)
    now = dict(zip(result.table["mentor_id"], result.table["coach_id"], strict=True))
    rows = []
    for j in np.flatnonzero(current.coach >= 0):
        mentor = problem.mentor_ids[j]
        before, after = coach_ids[current.coach[j]], now.get(mentor)
        if after != before:
            rows.append((mentor, before, after if isinstance(after, str) else None))
    return pd.DataFrame(rows, columns=["mentor_id", "coach before", "coach now"])


def _since(problem: Problem) -> dict[str, str]:
    return {p.mentee_id: p.since for p in problem.roster.current or () if p.since is not None}


def _months(since: str | None, generated: datetime | str | None) -> int | None:
    """Whole months from ``since`` to the report's date (today when not a date)."""
    if since is None:
        return None
    end = generated if isinstance(generated, datetime) else datetime.now(UTC)
    start = datetime.fromisoformat(since)
    return max(0, (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day))


def _by_risk_level(result: MatchResult) -> pd.DataFrame | None:
    """Mentees and matched mentees per risk level (aggregate counts), or None when the levels are unknown."""
    if len(result.risk_level) != len(result.table) or not len(result.table):
        return None
    frame = pd.DataFrame({"risk level": list(result.risk_level), "matched": result.table["mentor_id"].notna()})
    grouped = frame.groupby("risk level", sort=False)["matched"].agg(mentees="size", matched="sum")
    order = [level for level in ("high", "medium", "low") if level in grouped.index]
    grouped = grouped.reindex(order + [level for level in grouped.index if level not in order])
    grouped["unmatched"] = grouped["mentees"] - grouped["matched"]
    grouped["matched (%)"] = 100 * grouped["matched"] / grouped["mentees"]
    return grouped.reset_index()


def _shortages(diagnosis: Any) -> _Section:
    n_mentees, max_matched = int(diagnosis.n_mentees), int(diagnosis.max_matched)
    headline = f"At most {max_matched} of {n_mentees} mentees can be matched at once under the hard rules"
    if not getattr(diagnosis, "exact", True):
        headline += " (workloads above 1 counted as 1: an upper bound)"
    coach_bound = getattr(diagnosis, "coach_bound", None)
    if coach_bound is not None and coach_bound < max_matched:
        headline += f"; the coach limits allow at most {int(coach_bound)}"
    body = [_p(headline + ".")]
    lines = diagnosis.lines(limit=None)[1:] if hasattr(diagnosis, "lines") else []
    if lines:
        body += ["<h3>What stands in the way</h3>", _list(lines)]
    table = diagnosis.shortages
    short = getattr(diagnosis, "short", None)
    if short is None:
        short = table[table["remedy"].fillna("") != ""]
    if len(short):
        brief = [c for c in ("kind", "group", "mentees", "shortfall", "unmatched", "remedy") if c in short.columns]
        body += ["<h3>Every shortage by group, most severe first</h3>"]
        body += _limited(short[brief], "shortages", words=True)
    else:
        body.append(_p("No shortage found: supply meets demand in every group checked."))
    if len(table):
        every = table.drop(columns=["remedy"], errors="ignore")
        body += ["<h3>Supply against demand in every group</h3>", *_limited(every, "groups")]
    nobody = diagnosis.no_allowed_mentor
    if len(nobody):
        # ids, per-rule counts and rule names only: a person's own profile values (risk level) stay out
        columns = [c for c in ("mentee_id", *RULES, "fixed_by") if c in nobody.columns]
        body += [
            "<h3>Mentees with no allowed mentor</h3>",
            _p(
                "Per mentee, how many mentors each hard rule excludes (a mentor excluded by several rules is "
                "counted under each), and the rules whose relaxation alone would give the mentee a mentor."
            ),
            *_limited(nobody[columns], "mentees", order="in input order", words=True),
        ]
    else:
        body.append(_p("Every mentee has at least one allowed mentor."))
    return _Section("shortages", body)


def _scores(result: MatchResult, figure: type | None) -> _Section:
    scores = result.pairs["score"].astype(float)
    if not len(scores):
        return _Section("scores", [_p("No matched pairs.")])
    counts, _ = np.histogram(scores.to_numpy(), bins=_SCORE_BINS)
    labels = [f"{lo}–{hi}" for lo, hi in zip(_SCORE_BINS[:-1], _SCORE_BINS[1:], strict=True)]
    histogram = pd.DataFrame({"score": labels, "pairs": counts, "share (%)": 100 * counts / counts.sum()})
    stats = scores.describe().rename(
        {
            "count": "pairs",
            "std": "standard deviation",
            "50%": "median",
            "25%": "lower quartile",
            "75%": "upper quartile",
            "min": "minimum",
            "max": "maximum",
        }
    )
    stats = stats.to_frame("value").rename_axis("statistic").reset_index()
    stats["value"] = [
        f"{int(v)}" if k == "pairs" else _number(v) for k, v in zip(stats["statistic"], stats["value"], strict=True)
    ]
    body = [
        _p(f"Scores (0–100) of the {len(scores)} matched pairs, in bins of 10 points (the last bin includes 100)."),
        "<h3>Statistics</h3>",
        _html(stats),
        "<h3>Histogram</h3>",
        _html(histogram),
    ]
    if figure is not None:
        fig, ax = _new_figure(figure)
        ax.bar(_SCORE_BINS[:-1], counts, width=10, align="edge", color="#4878a8", edgecolor="white")
        ax.set_xlim(0, 100)
        ax.set_xticks(_SCORE_BINS)
        ax.set_xlabel("score (0–100)")
        ax.set_ylabel("matched pairs")
        _whole_numbers(ax.yaxis)
        body.append(_img(fig, f"Histogram of the scores of {len(scores)} matched pairs in bins of 10 points"))
    return _Section("scores", body)


def _capacity(problem: Problem, result: MatchResult, figure: type | None) -> _Section:
    use = _capacity_table(problem, result)
    full = int(((use["workload"] >= use["capacity"]) & (use["capacity"] > 0)).sum())
    idle = int((use["mentees"] == 0).sum())
    zero = int((use["capacity"] == 0).sum())
    words = (
        f"{len(use)} mentors: {full} at full capacity, {idle} without a mentee"
        + (f", {zero} with capacity 0" if zero else "")
        + ". Workload and capacity are in workload units; share = workload / capacity."
    )
    body = [_p(words)]
    if len(use) > MAX_ROWS:
        ranked = use.sort_values(["share (%)", "workload"], ascending=False, kind="stable", na_position="last")
        body += _limited(ranked, "mentors", order="sorted by share, busiest first", ends=True)
    else:
        body.append(_html(use))
    shares = use["share (%)"].dropna().to_numpy()
    if figure is not None and len(shares) > _CHART_MENTORS:  # with few mentors the table says it better
        counts = _fullness(shares)
        fig, ax = _new_figure(figure)
        labels = [label for _, label in _FULLNESS]
        ax.bar(np.arange(len(labels)), counts, width=0.7, color="#4878a8")
        ax.set_xticks(np.arange(len(labels)), labels)
        ax.set_ylabel("mentors")
        ax.set_xlabel("capacity used")
        _whole_numbers(ax.yaxis)
        alt = ", ".join(f"{label}: {int(c)}" for label, c in zip(labels, counts, strict=True))
        body.append(_img(fig, f"Mentors by how full their capacity is ({len(shares)} with capacity): {alt}"))
    return _Section("capacity", body)


def _fullness(shares: np.ndarray) -> np.ndarray:
    """How many mentors are idle, under half, half or more (not full), and full (:data:`_FULLNESS`)."""
    return np.array(
        [
            int((shares <= 0).sum()),
            int(((shares > 0) & (shares < 50)).sum()),
            int(((shares >= 50) & (shares < 100)).sum()),
            int((shares >= 100).sum()),
        ]
    )


def _capacity_table(problem: Problem, result: MatchResult) -> pd.DataFrame:
    """mentor_id, mentees, workload used, capacity and share per mentor, in input order."""
    m = problem.shape[1]
    mentor_of = pd.Index(problem.mentor_ids).get_indexer(result.table["mentor_id"])
    rows = np.flatnonzero(mentor_of >= 0)
    cols = mentor_of[rows]
    workload = np.asarray(problem.workload)
    loads = workload[rows, cols] if workload.ndim == 2 else workload[rows]
    used = np.bincount(cols, weights=loads, minlength=m).astype(np.int64)
    capacity = np.asarray(problem.capacity, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(capacity > 0, 100 * used / np.maximum(capacity, 1), np.nan)
    return pd.DataFrame(
        {
            "mentor_id": list(problem.mentor_ids),
            "mentees": np.bincount(cols, minlength=m),
            "workload": used,
            "capacity": capacity,
            "share (%)": share,
        }
    )


def _criteria(problem: Problem, result: MatchResult, figure: type | None) -> _Section:
    table = _criteria_table(problem, result)
    pairs = result.pairs
    points = table["mean points of the score"].to_numpy()
    score = np.nansum(points)
    body = [
        _p(
            "Per criterion over the matched pairs: its mean value s × 100, and its weighted share of the score "
            "(w / Σw × s × 100, in score points); the points add up to the mean score."
        )
    ]
    if not len(pairs):
        body.append(_p("No matched pairs: only the weights are shown."))
    body.append(_html(table))
    if len(pairs):
        body.append(
            _p(
                f"Mean score {pairs['score'].astype(float).mean():.1f}; criterion points sum to {score:.1f} "
                "(the table's values are rounded to 0.1)."
            )
        )
    if figure is not None and len(pairs):
        fig, ax = _new_figure(figure)
        y = np.arange(len(CRITERIA))[::-1]
        ax.barh(y, points, color="#4878a8")
        ax.set_yticks(y, list(CRITERIA))
        ax.set_xlabel("mean points of the score (0–100 scale)")
        body.append(_img(fig, "Bar chart of each criterion's mean weighted points of the score over matched pairs"))
    return _Section("criteria", body)


def _criteria_table(problem: Problem, result: MatchResult) -> pd.DataFrame:
    """Per criterion: weight, mean s × 100 over matched pairs, mean weighted points of the score, share."""
    config = problem.config if problem.config is not None else MatchConfig()
    weights = np.asarray(config.weights.as_tuple(), dtype=float)
    total = weights[weights > 0].sum()
    pairs = result.pairs
    means = pairs[list(CRITERIA)].astype(float).mean().to_numpy() if len(pairs) else np.full(len(CRITERIA), np.nan)
    points = weights / total * means
    score = np.nansum(points)
    return pd.DataFrame(
        {
            "criterion": list(CRITERIA),
            "weight": weights,
            "weight share (%)": 100 * weights / total,
            "mean value (0–100)": means,
            "mean points of the score": points,
            "share of the score (%)": 100 * points / score if score > 0 else np.full(len(CRITERIA), np.nan),
        }
    )


def _unmatched(result: MatchResult) -> _Section:
    unmatched = result.unmatched
    if not len(unmatched):
        return _Section("unmatched", [_p("Every mentee is matched.")])
    counts = unmatched["reason"].value_counts(dropna=False)
    order = [code for code in REASONS if code in counts.index]
    counts = counts.reindex(order + [code for code in counts.index if code not in order])
    reasons = pd.DataFrame(
        {
            "reason": counts.index.astype(object),
            "mentees": counts.to_numpy(),
            "meaning": [REASONS.get(code, "") for code in counts.index],
        }
    )
    body = [
        _p(f"{len(unmatched)} of {len(result.table)} mentees have no mentor."),
        "<h3>Reasons</h3>",
        _html(reasons, words=True),
        "<h3>Mentees</h3>",
        *_limited(unmatched, "mentees", order="in input order", words=True),
    ]
    return _Section("unmatched", body)


# --------------------------------------------------------------------------------------------------------------
# HTML and charts
# --------------------------------------------------------------------------------------------------------------


def _page(title: str, generated: str, sections: list[_Section], *, charts: bool, plots: bool | None) -> str:
    headings = dict(SECTIONS)
    nav = " ".join(f'<a href="#{s.id}">{escape(headings[s.id])}</a>' for s in sections)
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="mentormatch">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="generated">Generated {escape(generated)}</p>',
    ]
    if not charts and plots is None:
        head.append(_p(f"Charts are not included: {PLOT_ADVICE} (pip install 'mentormatch[plot]')."))
    head += [f"<nav>{nav}</nav>", "</header>", "<main>"]
    body = []
    for section in sections:
        body += [
            f'<section id="{escape(section.id)}">',
            f"<h2>{escape(headings[section.id])}</h2>",
            *section.body,
            "</section>",
        ]
    return "\n".join([*head, *body, "</main>", "</body>", "</html>", ""])


def _generated_text(generated: datetime | str | None) -> str:
    if generated is None:
        generated = datetime.now(UTC)
    if isinstance(generated, datetime):
        return generated.strftime("%Y-%m-%d %H:%M %Z").strip()
    return str(generated)


def _list(lines: list[str]) -> str:
    """Lines as a list; a line starting ``  - `` is an item of the line above it."""
    items: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("  - ") and items:
            items[-1][1].append(line[4:])
        else:
            items.append((line, []))
    html = ["<ul>"]
    for head, subs in items:
        inner = "".join(f"<li>{escape(sub)}</li>" for sub in subs)
        html.append(f"<li>{escape(head)}" + (f"<ul>{inner}</ul>" if subs else "") + "</li>")
    html.append("</ul>")
    return "\n".join(html)


def _p(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _number(value: float, digits: int = 1) -> str:
    return "–" if pd.isna(value) else f"{value:.{digits}f}"


def _html(frame: pd.DataFrame, *, words: bool = False, max_rows: int | None = None) -> str:
    """A table, every value and column name escaped; floats with one decimal, missing values as a dash."""
    return frame.to_html(
        index=False,
        escape=True,
        border=0,
        na_rep="–",
        float_format=_number,
        max_rows=max_rows,
        show_dimensions=False,
        classes="words" if words else None,
    )


def _limited(frame: pd.DataFrame, what: str, *, order: str = "", words: bool = False, ends: bool = False) -> list[str]:
    """The table, or past :data:`MAX_ROWS` rows a part of it with a note saying what is shown.

    ``order`` says how the rows are ordered; ``ends``: show the first and last rows (pandas' own truncation, with
    a row of dots between), else the first rows.
    """
    if len(frame) <= MAX_ROWS:
        return [_html(frame, words=words)]
    ordered = f"{len(frame)} {what}" + (f", {order}" if order else "")
    if ends:
        half = MAX_ROWS // 2
        note = f"{ordered}: the first {half} and the last {half} are shown, {len(frame) - 2 * half} left out."
        return [_p(note), _html(frame, words=words, max_rows=2 * half)]
    note = f"{ordered}: the first {MAX_ROWS} are shown, {len(frame) - MAX_ROWS} left out."
    return [_p(note), _html(frame.head(MAX_ROWS), words=words)]


def _figure_class(plots: bool | None) -> type | None:
    """matplotlib's Figure class, or None for tables only (ImportError when ``plots=True`` and it is missing)."""
    if plots is False:
        return None
    try:
        import matplotlib  # noqa: F401  (the package first: a blocked package must block its modules too)
        from matplotlib.figure import Figure
    except ImportError as err:
        if plots:
            raise ImportError(f"plots=True needs matplotlib: {PLOT_ADVICE} (pip install 'mentormatch[plot]')") from err
        return None
    return Figure


def _new_figure(figure: type):
    """A figure (no pyplot, no global state) and its one axes."""
    fig = figure(figsize=(6.4, 2.8), dpi=_DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _whole_numbers(axis) -> None:
    """Ticks at whole numbers only (counts of pairs or mentors)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _img(fig, alt: str) -> str:
    """The figure as a PNG data URI in an ``<img>`` (no software or date metadata, so renders are identical)."""
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<figure><img src="{uri}" alt="{escape(alt)}"></figure>'


def _check_same_mentees(problem: Problem, result: MatchResult) -> None:
    ids = result.table["mentee_id"].tolist()
    if len(ids) != len(problem.mentee_ids):
        raise ValueError(
            f"the result has {len(ids)} mentees, the problem {len(problem.mentee_ids)}: "
            "render a result with the problem it was solved from"
        )
    if ids != list(problem.mentee_ids):
        k = next(k for k, (a, b) in enumerate(zip(ids, problem.mentee_ids, strict=True)) if a != b)
        raise ValueError(
            f"the result's mentee {k + 1} is {ids[k]!r}, the problem's {problem.mentee_ids[k]!r}: "
            "render a result with the problem it was solved from"
        )
