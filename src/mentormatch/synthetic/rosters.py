"""Seeded synthetic rosters: realistic, always valid, and fast enough for benchmarks at 20000 × 5000.

:func:`synthetic_roster` draws every attribute with numpy (``default_rng(seed)``), column by column, and builds the
profile models once per person; it never looks at a mentee-mentor pair. The same arguments always give the same
roster. Ids are pseudonymous (``ME00001``, ``MR00001``, ``CO001``); there are no names anywhere.

What a generated roster looks like (the shares are the generator's targets; small rosters vary around them):

- **languages**: a dominant local language (``english``) and scarce ones (arabic, somali, kurdish, urdu, polish,
  tigrinya, french). About 28 % of mentees have a scarce primary language, and about 40 % of those speak no
  english; about 85 % of mentors are english-first, and about 40 % of mentors speak two or more languages.
- **extremism types**: islamist ~45 % and far_right ~30 % of mentees, the other six types rare. Each mentor's
  expertise covers 1–3 types, drawn with the same skew, so expertise in the rare types is scarce.
- **risk**: exactly ``round(s * n_mentees)`` high-risk mentees with ``s`` drawn in [0.20, 0.30] (islamist and
  far_right cases more often high, ``vulnerable`` cases rarely); about 30 % low, the rest medium.
- **workload**: 2 for about 10 % of mentees (more often for high-risk cases), otherwise 1.
- **gender**: mentees ~85 % male, ~13 % female, ~2 % nonbinary; mentors ~58 % male, ~39 % female, ~3 % nonbinary.
  ~12 % of mentees ask for a mentor of the same gender and ~3 % name a gender (always one a mentor has).
- **age**: mentees mostly 16–45 (a few 14–17, mostly ``vulnerable`` cases); mentors 23–75, mostly 25–70.
- **experience_years**: 0–25 in half years, median about 4, about 80 % at 2 or more.
- **background tags**, **needs** and **skills** from fixed vocabularies, with tags correlated with the extremism
  type (e.g. ``muslim`` for most islamist cases); ~10 % of people leave each list empty.
- **availability**: 1–5 weekly slots (``mon eve``, ``sat am``, ``weekdays 18-20``, ...), mentees leaning to
  weekday days and evenings, mentors to evenings and weekends; ~12 % of mentees and ~8 % of mentors give none.
- **region**: one of five, ~10 % empty.
- **capacity**: ~5 % of mentors 0; volunteers take 1–3 units, staff mentors 5–12, and mentors become staff
  mentors until the total is ``round(f * n_mentees)`` with ``f`` drawn in [0.85, 1.10] (at three mentees per
  mentor about 70 % of mentors take 1–3 units; with more mentors than that, volunteers give units back down to 1).
- **exclusions**: ``ceil(n_mentees / 100)`` distinct random pairs (conflict of interest, known association, ...).
- **coaches** (``n_coaches > 0``): ``max_mentors`` spread so their sum is ~1.25 × the mentors with capacity;
  ``max_mentees`` for ~60 % of coaches; specialisms for ~40 % (at least one coach is a generalist); languages for
  ~30 %; ~15 % of mentors have a fixed, compatible ``coach_id``; and when ``n_coaches >= 2``, about 30 % of the
  coaches (at least one) are experienced mentors, listed in ``coaches.csv`` under their mentor id.

**Coach scenarios** (``coach_limits``). They change only the coaches and the mentors' ``coach_id``: the mentees,
the rest of each mentor and the exclusions are those of ``"default"`` for the same sizes and seed. Their shares
are exact counts (``round(share × n_coaches)`` coaches, ``round(share × n_mentors)`` mentors drawn for a fixed
coach), chosen at random, so that small rosters match their description too.

- ``"default"``: the coaches above; their limits are generous and seldom bind.
- ``"moderate"`` (the issue's 5000 × 1000 × 60 benchmark): each coach's ``max_mentors`` is drawn in 10–25 and
  not scaled with the roster, so Σ max_mentors is about 17.5 × the coaches (≈ 1.1 × the mentors with capacity at
  5000 × 1000 × 60; with fewer coaches, lower, and then it binds on the mentor count). Only when there are few
  mentors, a sum above ``ceil(f × the mentors with capacity)``, ``f`` drawn in [1.1, 1.3], is scaled down in
  proportion to exactly that (never lower; each coach keeps at least 1). ~30 % of coaches have a case-load limit
  ``max_mentees = ceil(g × max_mentors × p)``, ``g`` drawn in [1.0, 1.5] per coach and ``p`` the mean number of
  mentees per mentor with capacity when all capacity is used; ~30 % have specialisms; ~30 % list languages; ~10 %
  of mentors are drawn for a fixed ``coach_id``. The limits bind through case-loads, specialisms, languages and
  fixed coaches more than through ``max_mentors``.
- ``"hard"`` (the issue's 200 × 50 × 5 benchmark): ``max_mentors`` in 2–4, never scaled (10–20 in all at
  200 × 50 × 5, for about 47 mentors with capacity); ~40 % of coaches have a case-load limit with ``g`` in
  [0.8, 1.2]; ~40 % have specialisms; ~20 % list languages; ~10 % of mentors are drawn for a fixed ``coach_id``.

- ``"binding"`` (issue 15's 5000 × 1000 × 60 benchmark, coaches that bind at scale): every mentee's workload is 1;
  ``max_mentors`` in 10–25, scaled down as under ``"moderate"`` to ``ceil(f × the mentors with capacity)``, ``f``
  in [1.05, 1.09] (mentor places only ~7 % above need); ~60 % of coaches have a case-load limit drawn apart from
  their own ``max_mentors`` (``ceil(g × mean max_mentors × p)``, ``g`` in [0.5, 1.33]: about 45–120 at
  5000 × 1000 × 60); ~75 % have specialisms, their types weighted by how common each type is among mentees;
  ~30 % list languages; ~10 % of mentors are drawn for a fixed ``coach_id``.

In all three: at least one coach is a generalist; specialisms are 2–4 types drawn like mentor expertise, always
including islamist or far_right (the common types); a coach listing languages lists ``english`` and 0–2 scarce
languages; mentor-coaches are drawn as under ``"default"``, their specialisms include their own expertise and
the scarce languages they list are their own. A fixed coach is never the mentor, shares a language with the mentor
where it lists languages, covers one of the mentor's expertise types where it has specialisms, and takes fixed
mentors up to half its ``max_mentors``, so a few of the drawn mentors may stay without one.

Under the default hard rules about a third of all mentee-mentor pairs are allowed (31–34 % measured from 300 × 100
to 20000 × 5000); most mentees have many allowed mentors, and a few (only a scarce language, a rare high-risk type,
a nonbinary mentee asking for the same gender; 1–4 % at 300 × 100, fewer in larger rosters) have none, which
exercises the ``no_allowed_mentor`` diagnosis.

**A following month** (:func:`next_month`): the same people with current pairs, from a fresh solve of about
``current_share`` of the mentees, and a month's changes, each a small share (:data:`LEAVING_SHARE`,
:data:`PAUSED_SHARE`, :data:`CAPACITY_CUT_SHARE`, :data:`INVALID_SHARE`, :data:`LOCKED_SHARE`): mentors leaving or
paused, capacities lowered below the current load, pairs made invalid by a profile change or a new exclusion, and
locked pairs that stay valid (PRODUCT.md section 7).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from itertools import compress

import numpy as np

from mentormatch.config import MatchConfig
from mentormatch.encode import build_problem
from mentormatch.match import solve
from mentormatch.schema import EXTREMISM_TYPES, Coach, CurrentPair, Exclusion, Mentee, Mentor, Roster
from mentormatch.synthetic.scenarios import _COACH_SCENARIOS, COACH_LIMITS, _CoachScenario  # COACH_LIMITS re-exported
from mentormatch.verify import broken_rules

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
]

# ---------------------------------------------------------------------------------------------------------------
# Vocabularies and weights. Weights need not sum to 1; they are normalised where used.

_LANGUAGES = ("english", "arabic", "somali", "kurdish", "urdu", "polish", "tigrinya", "french")
_DOMINANT = 0
_SCARCE_WEIGHTS = np.array([0.0, 8.0, 5.0, 4.0, 5.0, 4.0, 2.0, 2.0])
"""Relative frequency of each non-dominant language (index 0, the dominant one, excluded)."""

_TYPES = EXTREMISM_TYPES  # islamist, far_right, far_left, separatist, single_issue, hate_crime, vulnerable, other
_MENTEE_TYPE_WEIGHTS = np.array([45.0, 30.0, 4.0, 3.0, 3.0, 8.0, 5.0, 2.0])
_EXPERTISE_WEIGHTS = np.array([36.0, 30.0, 4.0, 3.0, 3.0, 10.0, 11.0, 3.0])
_HIGH_RISK_WEIGHT = np.array([1.3, 1.2, 0.8, 1.0, 0.7, 0.8, 0.15, 0.6])
"""How likely a case of each type is to be high risk, relative to the others."""

_GENDERS = ("male", "female", "nonbinary")
_MENTEE_GENDER_P = np.array([0.85, 0.13, 0.02])
_MENTOR_GENDER_P = np.array([0.58, 0.39, 0.03])

_REGIONS = ("capital", "north", "south", "east", "west")
_REGION_P = np.array([0.32, 0.2, 0.2, 0.14, 0.14])
_NO_REGION = 0.10

_BACKGROUND = (
    "lived-experience",  # 0
    "muslim",  # 1
    "christian",  # 2
    "convert",  # 3
    "faith-leader",  # 4
    "urban",  # 5
    "rural",  # 6
    "veteran",  # 7
    "sports",  # 8
    "music",  # 9
    "gaming",  # 10
    "parent",  # 11
    "student",  # 12
    "care-leaver",  # 13
)
# P(tag) for a mentee, per extremism type (rows follow _TYPES); then the mentors' own tag rates.
_MENTEE_TAG_P = np.array(
    [
        # lived mus  chr  conv fl   urb  rur  vet  spo  mus  gam  par  stu  care
        [0.25, 0.80, 0.03, 0.20, 0.01, 0.70, 0.10, 0.02, 0.35, 0.15, 0.25, 0.30, 0.12, 0.12],  # islamist
        [0.25, 0.02, 0.30, 0.00, 0.00, 0.35, 0.45, 0.12, 0.35, 0.20, 0.40, 0.30, 0.08, 0.15],  # far_right
        [0.25, 0.03, 0.05, 0.00, 0.00, 0.75, 0.10, 0.02, 0.20, 0.35, 0.20, 0.15, 0.35, 0.08],  # far_left
        [0.25, 0.20, 0.20, 0.00, 0.00, 0.50, 0.35, 0.05, 0.30, 0.20, 0.15, 0.40, 0.10, 0.08],  # separatist
        [0.20, 0.05, 0.20, 0.00, 0.00, 0.50, 0.30, 0.05, 0.20, 0.20, 0.25, 0.30, 0.15, 0.08],  # single_issue
        [0.30, 0.05, 0.20, 0.00, 0.00, 0.55, 0.30, 0.08, 0.40, 0.20, 0.25, 0.30, 0.05, 0.20],  # hate_crime
        [0.05, 0.40, 0.15, 0.05, 0.00, 0.60, 0.25, 0.00, 0.40, 0.30, 0.50, 0.05, 0.45, 0.25],  # vulnerable
        [0.20, 0.15, 0.15, 0.05, 0.00, 0.50, 0.30, 0.05, 0.30, 0.20, 0.30, 0.25, 0.15, 0.10],  # other
    ]
)
_MENTOR_TAG_P = np.array([0.22, 0.32, 0.22, 0.06, 0.08, 0.55, 0.30, 0.08, 0.30, 0.15, 0.10, 0.45, 0.05, 0.06])

_NEEDS = (
    "housing",
    "employment",
    "family",
    "religion",
    "anger",
    "education",
    "substance",
    "mental-health",
    "finance",
    "identity",
    "social",
)
_MENTEE_NEED_P = np.array([0.45, 0.50, 0.30, 0.20, 0.20, 0.25, 0.15, 0.20, 0.20, 0.15, 0.30])
_MENTOR_SKILL_P = np.array([0.25, 0.35, 0.35, 0.25, 0.25, 0.25, 0.12, 0.15, 0.15, 0.20, 0.35])
_EMPTY_LIST = 0.10
"""Share of people who leave background, needs or skills empty."""

# Availability menu: (days, start hour, end hour), with relative weights for mentees and mentors.
_WEEKDAYS = (0, 1, 2, 3, 4)
_WEEKEND = (5, 6)
_PARTS = {"am": (9, 12), "pm": (13, 17), "eve": (18, 21)}


def _availability_menu() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    blocks: list[tuple[tuple[int, ...], int, int]] = []
    w_mentee: list[float] = []
    w_mentor: list[float] = []
    for day in range(7):
        weekend = day >= 5
        for part, (start, end) in _PARTS.items():
            blocks.append(((day,), start, end))
            if part == "eve":
                w_mentee.append(2.0 if not weekend else 1.0)
                w_mentor.append(3.0 if not weekend else 1.5)
            else:
                w_mentee.append(2.0 if not weekend else 1.0)
                w_mentor.append(0.6 if not weekend else 3.0)
    composite = [
        (_WEEKDAYS, 18, 20, 1.5, 1.5),  # weekdays 18-20
        (_WEEKDAYS, 10, 12, 1.5, 0.4),  # weekdays 10-12
        (_WEEKEND, 10, 14, 0.8, 2.0),  # weekend 10-14
        (tuple(range(7)), 19, 21, 0.3, 0.4),  # daily 19-21
    ]
    for days, start, end, wme, wmr in composite:
        blocks.append((days, start, end))
        w_mentee.append(wme)
        w_mentor.append(wmr)
    hours = np.zeros((len(blocks), 168), dtype=bool)
    for b, (days, start, end) in enumerate(blocks):
        for day in days:
            hours[b, 24 * day + start : 24 * day + end] = True
    return hours, np.array(w_mentee), np.array(w_mentor)


_BLOCK_HOURS, _BLOCK_W_MENTEE, _BLOCK_W_MENTOR = _availability_menu()
_N_SLOTS_P = np.array([0.0, 0.25, 0.35, 0.22, 0.12, 0.06])  # P(1..5 slots)
_NO_AVAILABILITY_MENTEE = 0.12
_NO_AVAILABILITY_MENTOR = 0.08

_NO_CAPACITY = 0.05
_VOLUNTEER_CAPACITY_P = np.array([0.35, 0.40, 0.25])  # 1, 2, 3 units
_STAFF_CAPACITY = (5, 12)

_EXCLUSION_REASONS = ("conflict of interest", "known association", "victim relation", "co-defendant", "")


# ---------------------------------------------------------------------------------------------------------------


def synthetic_roster(
    n_mentees: int, n_mentors: int, n_coaches: int = 0, *, seed: int = 0, coach_limits: str = "default"
) -> Roster:
    """Generate a realistic, valid, pseudonymous roster.

    Parameters
    ----------
    n_mentees, n_mentors : int
        At least 1 each (a roster needs a mentee and a mentor).
    n_coaches : int, default 0
        Supervising coaches; with two or more, some of them are also mentors (same id in both files).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same arguments always give the same roster.
    coach_limits : {"default", "moderate", "hard", "binding"}, default "default"
        How tightly the coaches' limits bind (see the module docstring); only matters with ``n_coaches > 0``.

    Returns
    -------
    Roster
        Valid under every rule of the roster files: unique ids, named gender preferences that exist, ``coach_id``
        and exclusions referring to existing ids. ``files`` is empty.

    Raises
    ------
    ValueError
        If a size is out of range, ``seed`` is negative or ``coach_limits`` is not one of :data:`COACH_LIMITS`.

    Examples
    --------
    >>> roster = synthetic_roster(30, 12, seed=1)
    >>> roster
    Roster(mentees=30, mentors=12, coaches=0, exclusions=1)
    >>> roster.mentees[0].id, roster.mentors[0].id
    ('ME00001', 'MR00001')
    >>> synthetic_roster(30, 12, seed=1).mentees == roster.mentees
    True
    >>> len(synthetic_roster(60, 20, 4, seed=7).coaches)
    4
    >>> hard = synthetic_roster(60, 20, 4, seed=7, coach_limits="hard")
    >>> hard.mentees == synthetic_roster(60, 20, 4, seed=7).mentees  # the same mentees, other coaches
    True
    >>> all(2 <= c.max_mentors <= 4 for c in hard.coaches)
    True
    """
    problems = []
    for name, value, low in (("n_mentees", n_mentees, 1), ("n_mentors", n_mentors, 1), ("n_coaches", n_coaches, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            problems.append(f"{name} must be an integer >= {low}, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        problems.append(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(coach_limits, str) or coach_limits not in COACH_LIMITS:
        problems.append(f"coach_limits must be one of {', '.join(map(repr, COACH_LIMITS))}, got {coach_limits!r}")
    if problems:
        raise ValueError("; ".join(problems))
    n, m, k = int(n_mentees), int(n_mentors), int(n_coaches)
    rng = np.random.default_rng(int(seed))

    mentee_ids = _ids("ME", n, 5)
    mentor_ids = _ids("MR", m, 5)
    mentors = _draw_mentors(rng, m, n)
    mentees = _draw_mentees(rng, n, mentor_genders=mentors["gender"])
    exclusions = _draw_exclusions(rng, mentee_ids, mentor_ids)
    coaches: list[Coach] = []
    coach_of: list[str | None] = [None] * m
    if k > 0 and coach_limits == "default":
        coaches, coach_of = _draw_coaches(rng, k, mentor_ids, mentors)
    elif k > 0:
        scenario = _COACH_SCENARIOS[coach_limits]
        if scenario.unit_workloads:
            mentees["workload"] = [1] * n
        coaches, coach_of = _draw_binding_coaches(rng, k, mentor_ids, mentors, mentees["workload"], scenario)

    mentee_models = tuple(
        Mentee(
            id=mentee_ids[i],
            age=mentees["age"][i],
            gender=mentees["gender"][i],
            gender_preference=mentees["gender_preference"][i],
            languages=mentees["languages"][i],
            background=mentees["background"][i],
            availability=mentees["availability"][i],
            extremism_type=mentees["extremism_type"][i],
            risk_level=mentees["risk_level"][i],
            region=mentees["region"][i],
            needs=mentees["needs"][i],
            workload=mentees["workload"][i],
        )
        for i in range(n)
    )
    mentor_models = tuple(
        Mentor(
            id=mentor_ids[j],
            age=mentors["age"][j],
            gender=mentors["gender"][j],
            languages=mentors["languages"][j],
            background=mentors["background"][j],
            availability=mentors["availability"][j],
            expertise=mentors["expertise"][j],
            capacity=mentors["capacity"][j],
            experience_years=mentors["experience_years"][j],
            region=mentors["region"][j],
            skills=mentors["skills"][j],
            coach_id=coach_of[j],
        )
        for j in range(m)
    )
    return Roster(mentees=mentee_models, mentors=mentor_models, coaches=tuple(coaches), exclusions=exclusions)


# ---------------------------------------------------------------------------------------------------------------
# Synthetic months: a roster with current pairs and the changes of one month (PRODUCT.md section 7).

AS_OF = date(2026, 12, 1)
"""The first day of the synthetic month. It is fixed, so that :func:`next_month` gives the same ``since`` dates
whatever day it runs."""
SINCE_DAYS = 3 * 365
"""A current pair's ``since`` is drawn uniformly among the ``SINCE_DAYS`` days before :data:`AS_OF`."""
LEAVING_SHARE = 0.03
"""Share of the mentors given ``status = "leaving"`` (they take no one; their current pairs end)."""
PAUSED_SHARE = 0.05
"""Share of the mentors given ``status = "paused"`` (they keep their current mentees and take no one else)."""
CAPACITY_CUT_SHARE = 0.05
"""Share of the mentors whose capacity is lowered to 1 or 2 units below the workload of their current mentees."""
INVALID_SHARE = 0.06
"""Share of the current pairs made invalid by a change (:data:`INVALIDATIONS`)."""
LOCKED_SHARE = 0.10
"""Share of the current pairs locked (only pairs that stay valid and fit their mentor's capacity)."""
NEW_CONFLICT = "new conflict"
_LAST_MONTH_ROUNDS = 3
"""Solves of last month at most: the drawn mentees, then up to two top-ups by as many as were left unplaced
(stopped early when a top-up places no more than the solve before it)."""
"""The ``reason`` of an exclusion added by :func:`next_month`."""
INVALIDATIONS = ("high_risk", "gender_preference", "exclusion")
"""The changes that make a current pair invalid, named by the hard rule the pair then breaks: the mentee's
``risk_level`` raised to ``high`` (for a mentor not trained in the type or with too few years), a new
``gender_preference`` the mentor does not meet (``same``, or else another gender someone in the roster has), or a
new row in the exclusions (reason :data:`NEW_CONFLICT`)."""


def next_month(
    roster: Roster, *, current_share: float = 0.7, seed: int = 0, config: MatchConfig | None = None
) -> Roster:
    """A realistic following month of ``roster``: its running mentorships and what changed since they began.

    The method, deterministic for a seed (``numpy.random.default_rng(seed)``, drawn in this order):

    1. **Last month.** The mentees with at least one allowed mentor are put in a random order, and the first
       ``t = round(current_share × mentees)`` of them are matched afresh with the library
       (:func:`mentormatch.build_problem` and :func:`mentormatch.solve` with ``solver="auto"``, every mentor
       active, the given exclusions). When that places fewer than ``t``, as many more are added from the order as
       were left out and the solve is repeated, at most three solves in all and only while each places more than
       the one before; pairs beyond ``t`` are then dropped at random. The pairs, and with coaches each mentee's
       coach, become the current pairs: ``t`` of them where the roster allows it, fewer where it does not. The
       other mentees are new this month.
    2. **since**: an ISO date drawn uniformly among the :data:`SINCE_DAYS` days before :data:`AS_OF`.
    3. **Mentors.** Among the mentors who have current pairs, three disjoint draws: ``leaving``
       (:data:`LEAVING_SHARE`), ``paused`` (:data:`PAUSED_SHARE`), and a capacity lowered to 1 or 2 units below
       the workload of their current mentees, never below 0 (:data:`CAPACITY_CUT_SHARE`).
    4. **Invalid pairs.** Among the current pairs whose mentor is not leaving, :data:`INVALID_SHARE` are made
       invalid by one of :data:`INVALIDATIONS`, tried in a random order, the first that breaks its rule under
       ``config`` (a new exclusion always does).
    5. **Locks.** Current pairs whose mentor is not leaving are taken in a random order and locked, up to
       :data:`LOCKED_SHARE` of the pairs, when the pair breaks no hard rule (:func:`mentormatch.verify.broken_rules`
       on the changed profiles and exclusions, no rule waived) and its workload fits the mentor's (possibly
       lowered) capacity together with that mentor's pairs locked before. So every lock is one that PRODUCT.md
       section 7 accepts.

    Each count is ``ceil(share × mentors)`` or ``ceil(share × current pairs)``, so at least one of each change
    wherever there is a candidate, and fewer when the candidates run out. Everything else stays as in
    ``roster``: ids, coaches, the other profile fields and exclusions; every mentor not drawn in step 3 is
    ``active``, and ``roster.current`` is not used.

    Parameters
    ----------
    roster : Roster
        The scheme's people, e.g. from :func:`synthetic_roster` or :func:`mentormatch.read_roster`.
    current_share : float, default 0.7
        Target share of mentees with a current pair, in [0, 1].
    seed : int, default 0
        Seed of the draws (the solve itself is deterministic).
    config : MatchConfig, optional
        The hard rules and weights of last month's solve and of the validity checks; defaults to
        ``MatchConfig()``.

    Returns
    -------
    Roster
        ``current`` holds one :class:`~mentormatch.schema.CurrentPair` per matched mentee of last month, in
        mentee order (``coach_id`` set when the roster has coaches; ``line`` None). ``files`` is empty.

    Raises
    ------
    ValueError
        If ``current_share`` is not a number in [0, 1] or ``seed`` is not a non-negative integer.

    Notes
    -----
    Step 1 builds the problem of all mentees once (to see who can be placed) and solves up to three subsets, so a
    month costs a few solves of the roster: well under a second at 300 × 100, but with coach limits that bind
    hard (``coach_limits="hard"``) each solve may run to :data:`mentormatch.match.DEFAULT_TIME_LIMIT`.

    Examples
    --------
    >>> month = next_month(synthetic_roster(30, 12, seed=7), seed=1)
    >>> month
    Roster(mentees=30, mentors=12, coaches=0, exclusions=2, current=21)
    >>> sorted({p.status for p in month.mentors})
    ['active', 'leaving', 'paused']
    >>> sum(pair.locked for pair in month.current)
    3
    >>> next_month(synthetic_roster(30, 12, seed=7), seed=1).current == month.current
    True
    """
    problems = []
    if (
        isinstance(current_share, bool)
        or not isinstance(current_share, (int, float, np.integer, np.floating))
        or not 0 <= current_share <= 1
    ):
        problems.append(f"current_share must be a number in [0, 1], got {current_share!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        problems.append(f"seed must be a non-negative integer, got {seed!r}")
    if problems:
        raise ValueError("; ".join(problems))
    config = config or MatchConfig()
    rng = np.random.default_rng(int(seed))
    mentees, mentors = list(roster.mentees), [p.model_copy(update={"status": "active"}) for p in roster.mentors]
    exclusions = list(roster.exclusions)
    m = len(mentors)

    # 1. Last month: a fresh solve of the drawn mentees; its pairs are the current pairs (i, j, coach id).
    pairs = _last_month(replace(roster, mentors=tuple(mentors), current=None, files={}), current_share, rng, config)
    n_pairs = len(pairs)
    mentor_of = np.array([j for _, j, _ in pairs], dtype=np.int64)
    load = np.bincount(mentor_of, weights=[mentees[i].workload for i, _, _ in pairs], minlength=m).astype(np.int64)

    # 2. since: uniform over the SINCE_DAYS days before AS_OF.
    days_back = rng.integers(1, SINCE_DAYS + 1, size=n_pairs)
    since = [date.fromordinal(AS_OF.toordinal() - int(d)).isoformat() for d in days_back]

    # 3. Mentors with current pairs: leaving, paused, capacity lowered below their load (disjoint draws).
    pool = np.flatnonzero(load > 0)
    leaving = _draw(rng, pool, math.ceil(LEAVING_SHARE * m))
    pool = np.setdiff1d(pool, leaving)
    paused = _draw(rng, pool, math.ceil(PAUSED_SHARE * m))
    pool = np.setdiff1d(pool, paused)
    cut = _draw(rng, pool, math.ceil(CAPACITY_CUT_SHARE * m))
    lowered = np.maximum(load[cut] - rng.integers(1, 3, size=cut.size), 0)
    for j in leaving.tolist():
        mentors[j] = mentors[j].model_copy(update={"status": "leaving"})
    for j in paused.tolist():
        mentors[j] = mentors[j].model_copy(update={"status": "paused"})
    for j, capacity in zip(cut.tolist(), lowered.tolist(), strict=True):
        mentors[j] = mentors[j].model_copy(update={"capacity": capacity})

    # 4. Invalid pairs: a profile change or a new exclusion breaks a hard rule of a pair whose mentor stays.
    is_leaving = np.zeros(m, dtype=bool)
    is_leaving[leaving] = True
    staying = np.flatnonzero(~is_leaving[mentor_of])
    genders = sorted({p.gender for p in mentees} | {p.gender for p in mentors})
    for p in _draw(rng, staying, math.ceil(INVALID_SHARE * n_pairs)).tolist():
        i, j, _ = pairs[p]
        for kind in rng.permutation(len(INVALIDATIONS)).tolist():
            change = _invalidate(INVALIDATIONS[kind], mentees[i], mentors[j], genders, rng, config)
            if change is not None:
                if isinstance(change, Exclusion):
                    exclusions.append(change)
                else:
                    mentees[i] = change
                break

    # 5. Locks: valid pairs of staying mentors that fit the (lowered) capacity with the mentor's earlier locks.
    excluded = {(e.mentee_id, e.mentor_id) for e in exclusions}
    locked = np.zeros(n_pairs, dtype=bool)
    locked_load = np.zeros(m, dtype=np.int64)
    wanted = math.ceil(LOCKED_SHARE * n_pairs)
    for p in rng.permutation(staying).tolist():
        if int(locked.sum()) == wanted:
            break
        i, j, _ = pairs[p]
        mentee, mentor = mentees[i], mentors[j]
        if locked_load[j] + mentee.workload > mentor.capacity:
            continue
        if broken_rules(mentee, mentor, config, excluded=(mentee.id, mentor.id) in excluded):
            continue
        locked[p] = True
        locked_load[j] += mentee.workload

    current = tuple(
        CurrentPair(
            mentee_id=mentees[i].id, mentor_id=mentors[j].id, coach_id=coach, since=since[p], locked=bool(locked[p])
        )
        for p, (i, j, coach) in enumerate(pairs)
    )
    return Roster(
        mentees=tuple(mentees),
        mentors=tuple(mentors),
        coaches=roster.coaches,
        exclusions=tuple(exclusions),
        current=current,
    )


def _last_month(
    roster: Roster, share: float, rng: np.random.Generator, config: MatchConfig
) -> list[tuple[int, int, str | None]]:
    """Last month's pairs ``(mentee index, mentor index, coach id)`` in mentee order (step 1 of :func:`next_month`)."""
    n = len(roster.mentees)
    order = rng.permutation(np.flatnonzero(build_problem(roster, config).allowed.any(axis=1)))
    target = min(round(share * n), order.size)
    if target == 0:
        return []
    mentor_index = {p.id: j for j, p in enumerate(roster.mentors)}
    best: list[tuple[int, int, str | None]] = []
    size = target
    for _ in range(_LAST_MONTH_ROUNDS):
        drawn = np.sort(order[:size]).tolist()
        mentees = tuple(roster.mentees[i] for i in drawn)
        ids = {p.id for p in mentees}
        last = replace(roster, mentees=mentees, exclusions=tuple(e for e in roster.exclusions if e.mentee_id in ids))
        table = solve(build_problem(last, config), solver="auto").table
        coaches = table["coach_id"] if roster.coaches else [None] * len(drawn)
        pairs = [
            (i, mentor_index[mentor_id], coach if isinstance(coach, str) else None)
            for i, mentor_id, coach in zip(drawn, table["mentor_id"], coaches, strict=True)
            if isinstance(mentor_id, str)
        ]
        if len(pairs) <= len(best):  # no progress: keep the best round
            break
        best = pairs
        if len(best) >= target or size == order.size:
            break
        size = min(size + target - len(best), order.size)
    if len(best) > target:  # a top-up round placed more than asked: end the extra pairs, drawn at random
        best = [best[p] for p in np.sort(rng.choice(len(best), size=target, replace=False)).tolist()]
    return best


def _draw(rng: np.random.Generator, pool: np.ndarray, size: int) -> np.ndarray:
    """``min(size, len(pool))`` distinct items of ``pool``, drawn uniformly, in the order drawn."""
    return rng.choice(pool, size=min(size, len(pool)), replace=False) if len(pool) else pool[:0]


def _invalidate(
    kind: str, mentee: Mentee, mentor: Mentor, genders: list[str], rng: np.random.Generator, config: MatchConfig
) -> Mentee | Exclusion | None:
    """The changed mentee (or the new exclusion) that makes the pair break rule ``kind``; None when it cannot."""
    if kind == "exclusion":
        return Exclusion(mentee_id=mentee.id, mentor_id=mentor.id, reason=NEW_CONFLICT)
    if kind == "high_risk":
        if mentee.risk_level == "high":
            return None
        changed = mentee.model_copy(update={"risk_level": "high"})
    else:  # gender_preference: "same" where the genders differ, else another gender someone has
        others = [g for g in genders if g != mentor.gender]
        if mentee.gender != mentor.gender:
            wanted = "same"
        elif others:
            wanted = others[int(rng.integers(len(others)))]
        else:
            return None
        changed = mentee.model_copy(update={"gender_preference": wanted})
    return changed if kind in broken_rules(changed, mentor, config) else None


# ---------------------------------------------------------------------------------------------------------------
# Column-wise draws. Each returns plain Python values per person, ready for the models.


def _ids(prefix: str, count: int, width: int) -> list[str]:
    width = max(width, len(str(count)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]


def _top_k(rng: np.random.Generator, weights: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(n, size) bool: for each row, ``k[row]`` distinct items drawn without replacement by weight.

    ``weights`` is (size,) or (n, size). Gumbel top-k: the k largest of log(w) + Gumbel noise are a weighted sample
    without replacement. Items of weight 0 are never drawn (``k`` must not exceed the number of positive weights).
    """
    n = len(k)
    size = np.shape(weights)[-1]
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=(n, size))
    order = np.argsort(-keys, axis=1, kind="stable")
    chosen = np.zeros((n, size), dtype=bool)
    np.put_along_axis(chosen, order, np.arange(size)[None, :] < k[:, None], axis=1)
    return chosen


def _weighted_pick(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _sets(vocab: tuple[str, ...], chosen: np.ndarray) -> list[frozenset[str]]:
    return [frozenset(compress(vocab, row)) for row in chosen.tolist()]


def _tags(rng: np.random.Generator, p: np.ndarray, vocab: tuple[str, ...]) -> list[frozenset[str]]:
    """Independent Bernoulli tags with per-person probabilities ``p`` (n, len(vocab)); ~10 % left empty."""
    chosen = rng.random(p.shape) < p
    chosen[rng.random(len(p)) < _EMPTY_LIST] = False
    return _sets(vocab, chosen)


def _background(rng: np.random.Generator, p: np.ndarray) -> list[frozenset[str]]:
    """Background tags with probabilities ``p`` (n, len(_BACKGROUND)), kept coherent: one faith at most, a convert
    or faith leader has a faith, urban and rural exclude each other; ~10 % left empty."""
    chosen = rng.random(p.shape) < p
    tag = {name: i for i, name in enumerate(_BACKGROUND)}
    chosen[chosen[:, tag["muslim"]], tag["christian"]] = False
    chosen[~chosen[:, tag["muslim"]], tag["convert"]] = False
    chosen[~(chosen[:, tag["muslim"]] | chosen[:, tag["christian"]]), tag["faith-leader"]] = False
    chosen[chosen[:, tag["urban"]], tag["rural"]] = False
    chosen[rng.random(len(p)) < _EMPTY_LIST] = False
    return _sets(_BACKGROUND, chosen)


def _availability(rng: np.random.Generator, count: int, weights: np.ndarray, none_share: float) -> list[int | None]:
    n_slots = _weighted_pick(rng, _N_SLOTS_P, count)
    chosen = _top_k(rng, weights, n_slots)
    hours = (chosen.astype(np.uint8) @ _BLOCK_HOURS.astype(np.uint8)) > 0
    packed = np.packbits(hours, axis=1, bitorder="little")  # bit 24 * day + hour of the int, little-endian
    none = rng.random(count) < none_share
    return [None if skip else int.from_bytes(row, "little") for row, skip in zip(packed.tolist(), none, strict=True)]


def _languages(
    rng: np.random.Generator, count: int, scarce_primary: float, dominant_second: float, extra: tuple[float, float]
) -> list[tuple[str, ...]]:
    """Primary language first; then the dominant one (for most scarce-first speakers) and 0-2 scarce extras.

    ``scarce_primary``: share whose first language is a scarce one; ``dominant_second``: share of those who also
    speak the dominant one; ``extra``: shares with at least one and with two extra scarce languages.
    """
    scarce = rng.random(count) < scarce_primary
    primary = np.where(scarce, _weighted_pick(rng, _SCARCE_WEIGHTS, count), _DOMINANT)
    also_dominant = (scarce & (rng.random(count) < dominant_second)).tolist()
    u = rng.random(count)
    n_extra = (u < extra[0]).astype(np.int64) + (u < extra[1]).astype(np.int64)
    weights = np.broadcast_to(_SCARCE_WEIGHTS, (count, len(_LANGUAGES))).copy()
    weights[np.arange(count), primary] = 0.0  # never repeat the primary
    extras = _top_k(rng, weights, n_extra)
    out = []
    for first, dominant, more in zip(primary.tolist(), also_dominant, extras.tolist(), strict=True):
        langs = [_LANGUAGES[first]]
        if dominant:
            langs.append(_LANGUAGES[_DOMINANT])
        langs.extend(compress(_LANGUAGES, more))
        out.append(tuple(langs))
    return out


def _regions(rng: np.random.Generator, count: int) -> list[str | None]:
    region = _weighted_pick(rng, _REGION_P, count)
    empty = rng.random(count) < _NO_REGION
    return [None if e else _REGIONS[r] for r, e in zip(region.tolist(), empty, strict=True)]


def _draw_mentees(rng: np.random.Generator, n: int, *, mentor_genders: list[str]) -> dict[str, list]:
    types = _weighted_pick(rng, _MENTEE_TYPE_WEIGHTS, n)

    # Risk: exactly round(share * n) high-risk cases, chosen by type; then ~30 % of the rest low.
    share_high = rng.uniform(0.20, 0.30)
    n_high = int(round(share_high * n))
    w_high = _HIGH_RISK_WEIGHT[types]
    high = np.zeros(n, dtype=bool)
    if n_high:
        high[rng.choice(n, size=n_high, replace=False, p=w_high / w_high.sum())] = True
    low = ~high & (rng.random(n) < np.where(types == _TYPES.index("vulnerable"), 0.7, 0.35))
    risk = np.where(high, "high", np.where(low, "low", "medium"))
    workload = np.where(rng.random(n) < np.where(high, 0.2, 0.067), 2, 1)

    gender_idx = _weighted_pick(rng, _MENTEE_GENDER_P, n)
    genders = [_GENDERS[g] for g in gender_idx.tolist()]
    # Preferences: ~12 % "same", ~3 % a named gender (one some mentor has, mostly their own).
    u = rng.random(n)
    present = [g for g in _GENDERS if g in set(mentor_genders)]
    named_pick = rng.integers(0, len(present), size=n)
    own_named = rng.random(n) < 0.8
    preference = []
    for i in range(n):
        if u[i] < 0.12:
            preference.append("same")
        elif u[i] < 0.15:
            preference.append(genders[i] if own_named[i] and genders[i] in present else present[named_pick[i]])
        else:
            preference.append("any")

    vulnerable = types == _TYPES.index("vulnerable")
    young = (vulnerable & (rng.random(n) < 0.4)) | (rng.random(n) < 0.02)
    age = 16 + rng.gamma(2.2, 6.0, size=n)
    age = np.where(young, rng.integers(14, 18, size=n), np.minimum(age, 78))
    age = np.maximum(age, 14).astype(np.int64)

    return {
        "extremism_type": [_TYPES[t] for t in types.tolist()],
        "risk_level": risk.tolist(),
        "workload": workload.tolist(),
        "gender": genders,
        "gender_preference": preference,
        "age": age.tolist(),
        "languages": _languages(rng, n, scarce_primary=0.28, dominant_second=0.6, extra=(0.08, 0.01)),
        "background": _background(rng, _MENTEE_TAG_P[types]),
        "needs": _tags(rng, np.broadcast_to(_MENTEE_NEED_P, (n, len(_NEEDS))), _NEEDS),
        "availability": _availability(rng, n, _BLOCK_W_MENTEE, _NO_AVAILABILITY_MENTEE),
        "region": _regions(rng, n),
    }


def _draw_mentors(rng: np.random.Generator, m: int, n_mentees: int) -> dict[str, list]:
    gender_idx = _weighted_pick(rng, _MENTOR_GENDER_P, m)
    age = np.clip(rng.normal(46, 11, size=m), 23, 75).astype(np.int64)
    years = np.round(rng.gamma(1.6, 3.2, size=m) * 2) / 2
    years = np.minimum(years, np.maximum(age - 18, 0)).clip(0, 25)

    n_types = _weighted_pick(rng, np.array([0.45, 0.40, 0.15]), m) + 1
    expertise = _sets(_TYPES, _top_k(rng, _EXPERTISE_WEIGHTS, n_types))

    capacity = _capacities(rng, m, n_mentees)

    return {
        "gender": [_GENDERS[g] for g in gender_idx.tolist()],
        "age": age.tolist(),
        "experience_years": [float(y) for y in years.tolist()],
        "expertise": expertise,
        "capacity": capacity.tolist(),
        "languages": _languages(rng, m, scarce_primary=0.15, dominant_second=0.9, extra=(0.30, 0.06)),
        "background": _background(rng, np.broadcast_to(_MENTOR_TAG_P, (m, len(_BACKGROUND)))),
        "skills": _tags(rng, np.broadcast_to(_MENTOR_SKILL_P, (m, len(_NEEDS))), _NEEDS),
        "availability": _availability(rng, m, _BLOCK_W_MENTOR, _NO_AVAILABILITY_MENTOR),
        "region": _regions(rng, m),
    }


def _capacities(rng: np.random.Generator, m: int, n_mentees: int) -> np.ndarray:
    """Mentor capacities summing to ``round(f * n_mentees)``, ``f`` drawn in [0.85, 1.10].

    ~5 % of mentors are unavailable (0). The others are volunteers taking 1-3 units, or staff mentors taking 5-12:
    mentors are turned into staff mentors, in random order, until the total reaches the target (the last one is
    trimmed to hit it exactly). When the volunteers alone exceed the target, volunteers taking more than one unit
    give units back, in random order, down to one each at least.
    """
    active = rng.random(m) >= _NO_CAPACITY
    target = int(round(rng.uniform(0.85, 1.10) * n_mentees))
    capacity = np.where(active, _weighted_pick(rng, _VOLUNTEER_CAPACITY_P, m) + 1, 0)
    staff = rng.integers(_STAFF_CAPACITY[0], _STAFF_CAPACITY[1] + 1, size=m)
    order = rng.permutation(np.flatnonzero(active))
    missing = target - int(capacity.sum())
    if missing > 0 and len(order):  # volunteers become staff mentors
        gain = staff[order] - capacity[order]
        reached = np.cumsum(gain)
        last = min(int(np.searchsorted(reached, missing)), len(order) - 1)
        capacity[order[: last + 1]] = staff[order[: last + 1]]
        capacity[order[last]] -= max(int(reached[last]) - missing, 0)
    elif missing < 0:  # volunteers give units back, keeping one each
        spare = capacity[order] - 1
        given = np.cumsum(spare)
        last = min(int(np.searchsorted(given, -missing)), len(order) - 1)
        capacity[order[: last + 1]] = 1
        capacity[order[last]] += max(int(given[last]) + missing, 0)
    return capacity


def _draw_exclusions(rng: np.random.Generator, mentee_ids: list[str], mentor_ids: list[str]) -> tuple[Exclusion, ...]:
    n, m = len(mentee_ids), len(mentor_ids)
    count = min(math.ceil(n / 100), n * m)
    flat = np.sort(rng.choice(n * m, size=count, replace=False))  # distinct pairs, in mentee order
    reasons = rng.integers(0, len(_EXCLUSION_REASONS), size=count)
    return tuple(
        Exclusion(mentee_id=mentee_ids[f // m], mentor_id=mentor_ids[f % m], reason=_EXCLUSION_REASONS[r])
        for f, r in zip(flat.tolist(), reasons.tolist(), strict=True)
    )


_SPECIALISM_GROUPS = (
    ("islamist", "vulnerable"),
    ("far_right", "hate_crime", "single_issue"),
    ("far_left", "separatist", "single_issue", "other"),
    ("islamist", "far_right", "hate_crime", "vulnerable"),
)


def _draw_coaches(
    rng: np.random.Generator, k: int, mentor_ids: list[str], mentors: dict[str, list]
) -> tuple[list[Coach], list[str | None]]:
    m = len(mentor_ids)
    years = np.asarray(mentors["experience_years"])
    capacity = np.asarray(mentors["capacity"])

    # Mentor-coaches: ~30 % of the coaches (at least one when there are two or more), taken from the more
    # experienced half of the mentors; listed after the other coaches, under their mentor id.
    n_dual = min(max(1, round(0.3 * k)), m) if k >= 2 else 0
    senior = np.argsort(-years, kind="stable")[: max(n_dual, (m + 1) // 2)]
    dual = np.sort(rng.choice(senior, size=n_dual, replace=False)) if n_dual else np.zeros(0, dtype=np.int64)
    ids = _ids("CO", k - n_dual, 3) + [mentor_ids[j] for j in dual.tolist()]
    is_dual = np.arange(k) >= k - n_dual

    # max_mentors: ~1.25 × the mentors with capacity, spread unevenly; mentor-coaches take fewer.
    n_active = int((capacity > 0).sum())
    w = rng.gamma(4.0, 1.0, size=k) * np.where(is_dual, 0.5, 1.0)
    max_mentors = rng.multinomial(math.ceil(1.25 * n_active), w / w.sum())
    per_mentor = capacity.sum() / max(n_active, 1)
    has_cap = rng.random(k) < 0.6
    max_mentees = np.ceil(max_mentors * per_mentor * rng.uniform(0.9, 1.3, size=k)).astype(np.int64)

    has_spec = rng.random(k) < 0.4
    if has_spec.all():
        has_spec[0] = False  # at least one coach supervises any type
    group = rng.integers(0, len(_SPECIALISM_GROUPS), size=k)
    has_lang = ~is_dual & (rng.random(k) < 0.3)
    second_lang = _weighted_pick(rng, _SCARCE_WEIGHTS, k)

    coaches = []
    for c in range(k):
        if not has_spec[c]:
            specialisms = None
        elif is_dual[c]:  # a mentor-coach supervises what they are trained in
            specialisms = mentors["expertise"][dual[c - (k - n_dual)]]
        else:
            specialisms = frozenset(_SPECIALISM_GROUPS[group[c]])
        languages = frozenset({_LANGUAGES[_DOMINANT], _LANGUAGES[second_lang[c]]}) if has_lang[c] else None
        coaches.append(
            Coach(
                id=ids[c],
                max_mentors=int(max_mentors[c]),
                max_mentees=int(max_mentees[c]) if has_cap[c] else None,
                specialisms=specialisms,
                languages=languages,
            )
        )

    # Fixed coaches for ~15 % of mentors: a coach who is not the mentor, shares a language if it names any,
    # covers one of the mentor's expertise types if it has specialisms, and has room among its max_mentors.
    coach_of: list[str | None] = [None] * m
    fixed = np.flatnonzero(rng.random(m) < 0.15)
    room = max_mentors.copy() // 2
    order = rng.permutation(k)
    for j in fixed.tolist():
        mentor_langs = set(mentors["languages"][j])
        for c in order.tolist():
            coach = coaches[c]
            if (
                room[c] > 0
                and coach.id != mentor_ids[j]
                and (coach.languages is None or coach.languages & mentor_langs)
                and (coach.specialisms is None or coach.specialisms & mentors["expertise"][j])
            ):
                coach_of[j] = coach.id
                room[c] -= 1
                break
        order = np.roll(order, 1)
    return coaches, coach_of


def _chosen(rng: np.random.Generator, count: int, size: int) -> np.ndarray:
    """(count,) bool with exactly ``size`` entries True, chosen uniformly at random."""
    out = np.zeros(count, dtype=bool)
    out[rng.choice(count, size=size, replace=False)] = True
    return out


def _share_out(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` summing to ``total`` (largest remainders, ties to the lower index)."""
    exact = weights * (total / weights.sum())
    out = np.floor(exact).astype(np.int64)
    short = total - int(out.sum())
    out[np.argsort(out - exact, kind="stable")[:short]] += 1
    return out


def _draw_binding_coaches(
    rng: np.random.Generator,
    k: int,
    mentor_ids: list[str],
    mentors: dict[str, list],
    workloads: list[int],
    scenario: _CoachScenario,
) -> tuple[list[Coach], list[str | None]]:
    """Coaches whose limits bind (``coach_limits`` "moderate" or "hard"), drawn column by column."""
    m = len(mentor_ids)
    years = np.asarray(mentors["experience_years"])
    capacity = np.asarray(mentors["capacity"])
    expertise = np.array([[t in e for t in _TYPES] for e in mentors["expertise"]], dtype=bool).reshape(m, len(_TYPES))
    speaks = np.array([[lang in ls for lang in _LANGUAGES] for ls in mentors["languages"]], dtype=bool)

    # Mentor-coaches, as under "default": ~30 % of the coaches from the more experienced half, listed last.
    n_dual = min(max(1, round(0.3 * k)), m) if k >= 2 else 0
    senior = np.argsort(-years, kind="stable")[: max(n_dual, (m + 1) // 2)]
    dual = np.sort(rng.choice(senior, size=n_dual, replace=False)) if n_dual else np.zeros(0, dtype=np.int64)
    ids = _ids("CO", k - n_dual, 3) + [mentor_ids[j] for j in dual.tolist()]
    is_dual = np.arange(k) >= k - n_dual
    dual_of = np.full(k, -1, dtype=np.int64)
    dual_of[is_dual] = dual

    # max_mentors: drawn per coach; "moderate" scales them down in proportion only when there are few mentors, to
    # ceil(f × the mentors with capacity) and never lower, each coach keeping at least 1.
    n_active = int((capacity > 0).sum())
    low, high = scenario.max_mentors
    max_mentors = rng.integers(low, high + 1, size=k)
    if scenario.supply is not None:
        supply = math.ceil(rng.uniform(*scenario.supply) * n_active)
        if max_mentors.sum() > supply:
            max_mentors = np.maximum(_share_out(supply, max_mentors), 1)

    # Case-loads: g × max_mentors × the mean mentees per mentor with capacity when all capacity is used.
    per_mentor = min(len(workloads), capacity.sum() / np.mean(workloads)) / max(n_active, 1)
    has_cap = _chosen(rng, k, round(scenario.caseload_share * k))
    places = np.full(k, max_mentors.mean()) if scenario.caseload_apart else max_mentors
    max_mentees = np.ceil(places * per_mentor * rng.uniform(*scenario.caseload_factor, size=k)).astype(np.int64)

    # Specialisms: 2-4 types drawn like mentor expertise, always one of the two common types (islamist, far_right);
    # a mentor-coach's include its own expertise. At least one coach is a generalist.
    has_spec = _chosen(rng, k, min(round(scenario.specialised_share * k), k - 1))
    n_types = _weighted_pick(rng, np.array(scenario.specialism_sizes), k) + 2
    common = _weighted_pick(rng, _MENTEE_TYPE_WEIGHTS[:2], k)  # islamist or far_right
    forced = np.zeros((k, len(_TYPES)), dtype=bool)
    forced[is_dual] = expertise[dual]
    no_common = ~forced[:, :2].any(axis=1)
    forced[np.flatnonzero(no_common), common[no_common]] = True
    type_weights = _MENTEE_TYPE_WEIGHTS if scenario.specialisms_as_mentees else _EXPERTISE_WEIGHTS
    cover = _top_k(rng, np.where(forced, np.inf, type_weights), np.maximum(n_types, forced.sum(axis=1)))
    cover[~has_spec] = True

    # Languages: english and 0-2 scarce languages (a mentor-coach's own ones) for the coaches who list any.
    has_lang = _chosen(rng, k, round(scenario.languages_share * k))
    n_extra = _weighted_pick(rng, np.array(scenario.extra_languages), k)
    lang_w = np.broadcast_to(_SCARCE_WEIGHTS, (k, len(_LANGUAGES))).copy()
    lang_w[is_dual] *= speaks[dual]
    coach_speaks = _top_k(rng, lang_w, np.minimum(n_extra, (lang_w > 0).sum(axis=1)))
    coach_speaks[:, _DOMINANT] = True
    coach_speaks[~has_lang] = True  # any language

    # Fixed coaches: who may supervise whom, then rounds in which each mentor still without one asks a random
    # compatible coach with room left, and each coach takes the askers it has room for (up to max_mentors // 2).
    fixed = np.flatnonzero(_chosen(rng, m, round(scenario.fixed_share * m)))
    may = (
        ((speaks[fixed].astype(np.uint8) @ coach_speaks.T.astype(np.uint8)) > 0)
        & ((expertise[fixed].astype(np.uint8) @ cover.T.astype(np.uint8)) > 0)
        & (dual_of[None, :] != fixed[:, None])
    )
    keys = np.where(may, rng.random(may.shape), -1.0)
    room = max_mentors // 2
    choice = np.full(len(fixed), -1, dtype=np.int64)
    while True:
        open_keys = np.where((room > 0)[None, :] & (choice < 0)[:, None], keys, -1.0)
        asking = np.flatnonzero(open_keys.max(axis=1, initial=-1.0) >= 0)
        if asking.size == 0:
            break
        wanted = open_keys[asking].argmax(axis=1)
        order = np.argsort(wanted, kind="stable")
        rank = np.arange(asking.size) - np.searchsorted(wanted[order], wanted[order])
        taken = order[rank < room[wanted[order]]]
        choice[asking[taken]] = wanted[taken]
        room -= np.bincount(wanted[taken], minlength=k)
    coach_of: list[str | None] = [None] * m
    for j, c in zip(fixed.tolist(), choice.tolist(), strict=True):
        if c >= 0:
            coach_of[j] = ids[c]

    coaches = [
        Coach(
            id=ids[c],
            max_mentors=int(max_mentors[c]),
            max_mentees=int(max_mentees[c]) if has_cap[c] else None,
            specialisms=_sets(_TYPES, cover[c : c + 1])[0] if has_spec[c] else None,  # type: ignore[arg-type]  # of _TYPES
            languages=_sets(_LANGUAGES, coach_speaks[c : c + 1])[0] if has_lang[c] else None,
        )
        for c in range(k)
    ]
    return coaches, coach_of
