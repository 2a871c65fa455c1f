"""Hypothesis strategies for mentormatch tests: matrices, solver instances and rosters.

A plain module of strategy functions; import what you need (``from .strategies import instances``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mentormatch.problem import Instance
from mentormatch.schema import EXTREMISM_TYPES, Exclusion, Mentee, Mentor, Roster

__all__ = [
    "shapes",
    "masks",
    "weight_matrices",
    "instances",
    "tiny_instances",
    "unit_load_instances",
    "assign_arguments",
    "mentees",
    "mentors",
    "rosters",
]

WEIGHT_KINDS = ("small_int", "int", "float", "float32", "near_tie")


def shapes(max_rows: int = 8, max_cols: int = 5, min_rows: int = 0, min_cols: int = 0) -> st.SearchStrategy:
    """(n_mentees, n_mentors), zeros included by default."""
    return st.tuples(st.integers(min_rows, max_rows), st.integers(min_cols, max_cols))


def masks(shape: tuple[int, int]) -> st.SearchStrategy:
    """A bool ``allowed`` mask: all allowed, none allowed, or any pattern."""
    return st.one_of(
        st.just(np.ones(shape, dtype=bool)),
        st.just(np.zeros(shape, dtype=bool)),
        hnp.arrays(np.bool_, shape),
    )


def weight_matrices(shape: tuple[int, int], kind: str | None = None) -> st.SearchStrategy:
    """Weights of one kind (or any of :data:`WEIGHT_KINDS`), negatives included.

    ``small_int`` makes ties likely; ``int`` spans the exact range ±10**6; ``float`` and ``float32`` are in
    [-1, 1]; ``near_tie`` are floats that differ below the 1e-6 scaling resolution.
    """
    if kind is None:
        return st.sampled_from(WEIGHT_KINDS).flatmap(lambda k: weight_matrices(shape, k))
    if kind == "small_int":
        return hnp.arrays(np.int64, shape, elements=st.integers(-3, 6))
    if kind == "int":
        return hnp.arrays(np.int64, shape, elements=st.integers(-(10**6), 10**6))
    if kind == "float":
        # Magnitudes below 1e-200 become 0: weights whose largest |w| is below 1e-290 are refused (they cannot be
        # scaled to integers; test_assign checks the message).
        return hnp.arrays(np.float64, shape, elements=st.floats(-1, 1, allow_nan=False, width=64)).map(
            lambda a: np.where(np.abs(a) < 1e-200, 0.0, a)
        )
    if kind == "float32":
        return hnp.arrays(np.float32, shape, elements=st.floats(-1, 1, allow_nan=False, width=32))
    if kind == "near_tie":
        base = st.sampled_from([0.25, 0.5, 1.0])
        return st.tuples(base, hnp.arrays(np.int64, shape, elements=st.integers(-3, 3))).map(
            lambda t: t[0] + t[1] * 1.7e-7
        )
    raise ValueError(f"unknown weight kind {kind!r}; valid: {WEIGHT_KINDS}")


@st.composite
def instances(
    draw: st.DrawFn,
    max_rows: int = 8,
    max_cols: int = 5,
    *,
    min_rows: int = 0,
    min_cols: int = 0,
    max_load: int = 3,
    max_capacity: int = 4,
    max_priority: int = 3,
    weight_kind: str | None = None,
) -> Instance:
    """A random :class:`~mentormatch.problem.Instance`: shapes incl. 0, masks, capacities incl. 0, loads
    1..``max_load``, priorities 1..``max_priority``, integer or float weights with negatives."""
    n, m = draw(shapes(max_rows, max_cols, min_rows, min_cols))
    return Instance(
        weights=draw(weight_matrices((n, m), weight_kind)),
        allowed=draw(masks((n, m))),
        priority=draw(hnp.arrays(np.int64, n, elements=st.integers(1, max_priority))),
        load=draw(hnp.arrays(np.int64, n, elements=st.integers(1, max_load))),
        capacity=draw(hnp.arrays(np.int64, m, elements=st.integers(0, max_capacity))),
    )


def unit_load_instances(max_rows: int = 10, max_cols: int = 6, **kwargs) -> st.SearchStrategy:
    """Instances whose workloads are all 1 (what flow and Hungarian take)."""
    return instances(max_rows, max_cols, max_load=1, **kwargs)


def tiny_instances(**kwargs) -> st.SearchStrategy:
    """At most 5 mentees × 3 mentors: small enough to enumerate every matching."""
    return instances(5, 3, **kwargs)


@st.composite
def assign_arguments(
    draw: st.DrawFn,
    max_rows: int = 5,
    max_cols: int = 3,
    *,
    loads: tuple[str, ...] = ("none", "mentee", "pair"),
    max_load: int = 3,
    max_capacity: int = 4,
    weight_kind: str | None = None,
) -> dict:
    """Keyword arguments for :func:`mentormatch.assign`: ``weights`` and any of ``capacity``, ``load`` (none,
    per mentee or per pair, as ``loads`` allows), ``allowed``, ``priority`` (each omitted or given) and
    ``maximize``."""
    n, m = draw(shapes(max_rows, max_cols))
    arguments: dict = {"weights": draw(weight_matrices((n, m), weight_kind)), "maximize": draw(st.booleans())}
    if draw(st.booleans()):
        arguments["capacity"] = draw(hnp.arrays(np.int64, m, elements=st.integers(0, max_capacity)))
    kind = draw(st.sampled_from(loads))
    if kind == "mentee":
        arguments["load"] = draw(hnp.arrays(np.int64, n, elements=st.integers(1, max_load)))
    elif kind == "pair":
        arguments["load"] = draw(hnp.arrays(np.int64, (n, m), elements=st.integers(1, max_load)))
    if draw(st.booleans()):
        arguments["allowed"] = draw(masks((n, m)))
    if draw(st.booleans()):
        arguments["priority"] = draw(hnp.arrays(np.int64, n, elements=st.integers(1, 3)))
    return arguments


# Rosters: profiles built directly, no files.

LANGUAGES = ("english", "arabic", "somali", "polish", "urdu")
GENDERS = ("female", "male", "nonbinary")
TAGS = ("urban", "rural", "muslim", "lived-experience", "sports")
TOPICS = ("housing", "employment", "family", "religion", "anger")
REGIONS = ("north", "south", "east")

_set = lambda items, n=3: st.frozensets(st.sampled_from(items), max_size=n)  # noqa: E731
_availability = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=(1 << 168) - 1),
    st.sampled_from(
        [
            # a few realistic weekly patterns: evenings, mornings, weekend
            sum(1 << (24 * d + h) for d in range(5) for h in range(18, 21)),
            sum(1 << (24 * d + h) for d in range(7) for h in range(9, 12)),
            sum(1 << (24 * d + h) for d in (5, 6) for h in range(9, 17)),
        ]
    ),
)
_languages = st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3, unique=True).map(tuple)


@st.composite
def mentees(draw, index: int, genders: tuple[str, ...] = GENDERS) -> Mentee:
    return Mentee(
        id=f"ME{index:03d}",
        age=draw(st.integers(14, 100)),
        gender=draw(st.sampled_from(genders)),
        gender_preference=draw(st.sampled_from(("any", "any", "same", *genders))),
        languages=draw(_languages),
        background=draw(_set(TAGS)),
        availability=draw(_availability),
        extremism_type=draw(st.sampled_from(EXTREMISM_TYPES)),
        risk_level=draw(st.sampled_from(("low", "medium", "high"))),
        region=draw(st.one_of(st.none(), st.sampled_from(REGIONS))),
        needs=draw(_set(TOPICS)),
        workload=draw(st.sampled_from((1, 1, 1, 2))),
    )


@st.composite
def mentors(draw, index: int, genders: tuple[str, ...] = GENDERS) -> Mentor:
    return Mentor(
        id=f"MR{index:03d}",
        age=draw(st.integers(18, 100)),
        gender=draw(st.sampled_from(genders)),
        languages=draw(_languages),
        background=draw(_set(TAGS)),
        availability=draw(_availability),
        expertise=draw(_set(EXTREMISM_TYPES, 4)),
        capacity=draw(st.integers(0, 3)),
        experience_years=draw(st.sampled_from((0.0, 1.5, 2.0, 3.0, 7.25))),
        region=draw(st.one_of(st.none(), st.sampled_from(REGIONS))),
        skills=draw(_set(TOPICS)),
    )


@st.composite
def rosters(draw, max_mentees: int = 8, max_mentors: int = 5, min_mentees: int = 1, min_mentors: int = 1) -> Roster:
    """Small valid rosters without coaches, with some exclusions."""
    n = draw(st.integers(min_mentees, max_mentees))
    m = draw(st.integers(min_mentors, max_mentors))
    mentee_list = tuple(draw(mentees(i)) for i in range(n))
    mentor_list = tuple(draw(mentors(j)) for j in range(m))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), max_size=3, unique=True))
    exclusions = tuple(Exclusion(mentee_id=mentee_list[i].id, mentor_id=mentor_list[j].id) for i, j in pairs)
    return Roster(mentees=mentee_list, mentors=mentor_list, exclusions=exclusions)


# Rosters and tiers with coaches (PRODUCT.md section 4, "With coaches").

from mentormatch.problem import CoachTier  # noqa: E402
from mentormatch.schema import Coach  # noqa: E402

__all__ += ["coaches", "rosters_with_coaches", "coach_tiers", "instances_with_coach_tiers"]

_coach_languages = st.one_of(st.none(), st.frozensets(st.sampled_from(LANGUAGES), min_size=1, max_size=2))


@st.composite
def coaches(
    draw, coach_id: str, types: tuple[str, ...] = EXTREMISM_TYPES, max_mentees: int = 6, max_mentors: int = 3
) -> Coach:
    """A coach: ``max_mentors`` 0..``max_mentors``, ``max_mentees`` none or 0..``max_mentees``, specialisms none
    (any type) or 1–3 of ``types``, languages none (any) or 1–2 of :data:`LANGUAGES`."""
    return Coach(
        id=coach_id,
        max_mentors=draw(st.sampled_from(range(max_mentors + 1))),
        max_mentees=draw(st.one_of(st.none(), st.integers(0, max_mentees))),
        specialisms=draw(st.one_of(st.none(), st.frozensets(st.sampled_from(types), min_size=1, max_size=3))),
        languages=draw(_coach_languages),
    )


@st.composite
def rosters_with_coaches(
    draw,
    max_mentees: int = 6,
    max_mentors: int = 4,
    max_coaches: int = 3,
    min_mentees: int = 1,
    min_mentors: int = 1,
    min_coaches: int = 1,
    max_supervised: int = 3,
) -> Roster:
    """Small valid rosters with coaches: random limits (0 included), specialisms drawn mostly from the mentees'
    own types (so that they bind), coach languages, coaches who are also mentors (same id), valid fixed
    ``coach_id`` (an existing coach, never the mentor's own id) and some exclusions; ``max_supervised`` caps each
    coach's ``max_mentors``. About half of them are friendly (everybody also speaks ``english``, as a secondary
    language where it is not theirs; mentees have no gender preference and give no availability), so that pairs
    are allowed often enough for the coach rules to matter."""
    n = draw(st.integers(min_mentees, max_mentees))
    m = draw(st.integers(min_mentors, max_mentors))
    k = draw(st.integers(min_coaches, max_coaches))
    mentee_list = tuple(draw(mentees(i)) for i in range(n))
    mentor_list = list(draw(mentors(j)) for j in range(m))
    if draw(st.booleans()):  # friendly: a common language, no gender preference, mentees' availability open
        common = LANGUAGES[0]
        mentee_list = tuple(
            p.model_copy(
                update={
                    "languages": p.languages if common in p.languages else (*p.languages, common),
                    "gender_preference": "any",
                    "availability": None,
                }
            )
            for p in mentee_list
        )
        mentor_list = [
            p if common in p.languages else p.model_copy(update={"languages": (*p.languages, common)})
            for p in mentor_list
        ]
    # coach ids: CO.. or an existing mentor's id (a coach who also mentors)
    coach_ids: list[str] = []
    for c in range(k):
        free = [p.id for p in mentor_list if p.id not in coach_ids]
        if free and draw(st.booleans()):
            coach_ids.append(draw(st.sampled_from(free)))
        else:
            coach_ids.append(f"CO{c:03d}")
    present = sorted({p.extremism_type for p in mentee_list})
    types = tuple(present) + tuple(draw(st.lists(st.sampled_from(EXTREMISM_TYPES), max_size=1)))
    coach_list = tuple(draw(coaches(cid, types, max_mentees=n + 1, max_mentors=max_supervised)) for cid in coach_ids)
    for j, mentor in enumerate(mentor_list):
        others = [cid for cid in coach_ids if cid != mentor.id]
        if others and draw(st.integers(0, 3)) == 0:
            mentor_list[j] = mentor.model_copy(update={"coach_id": draw(st.sampled_from(others))})
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), max_size=2, unique=True))
    exclusions = tuple(Exclusion(mentee_id=mentee_list[i].id, mentor_id=mentor_list[j].id) for i, j in pairs)
    return Roster(mentees=mentee_list, mentors=tuple(mentor_list), coaches=coach_list, exclusions=exclusions)


@st.composite
def coach_tiers(draw, n: int, m: int, max_coaches: int = 3, max_types: int = 3, min_coaches: int = 0) -> CoachTier:
    """A :class:`~mentormatch.problem.CoachTier` for n mentees and m mentors: 0..``max_coaches`` coaches,
    1..``max_types`` types, random cover and eligibility (each entry drawn, mostly True), limits 0..3 mentors and
    0..n mentees (mostly n: no case-load limit)."""
    k = draw(st.integers(min_coaches, max_coaches))
    t = draw(st.integers(1, max_types))
    mostly = st.sampled_from((True, True, False))
    return CoachTier(
        mentee_type=draw(hnp.arrays(np.int64, n, elements=st.integers(0, t - 1), fill=st.nothing())),
        cover=draw(hnp.arrays(np.bool_, (k, t), elements=mostly, fill=st.nothing())),
        eligible=draw(hnp.arrays(np.bool_, (m, k), elements=mostly, fill=st.nothing())),
        max_mentors=draw(hnp.arrays(np.int64, k, elements=st.sampled_from((0, 1, 1, 2, 3)), fill=st.nothing())),
        max_mentees=draw(
            hnp.arrays(np.int64, k, elements=st.sampled_from((0, *range(1, n + 1), n, n)), fill=st.nothing())
        ),
    )


@st.composite
def instances_with_coach_tiers(
    draw,
    max_rows: int = 5,
    max_cols: int = 3,
    max_load: int = 2,
    *,
    min_rows: int = 1,
    min_cols: int = 1,
    min_coaches: int = 1,
) -> tuple[Instance, CoachTier]:
    """A tiny integer-weight instance (weights −3..6, workloads 1..``max_load``, capacities 0..3, priorities 1..3,
    pairs mostly allowed) with a coach tier for it; every entry is drawn, so that matchings are rarely empty."""
    n, m = draw(shapes(max_rows, max_cols, min_rows, min_cols))
    instance = Instance(
        weights=draw(hnp.arrays(np.int64, (n, m), elements=st.integers(-3, 6), fill=st.nothing())),
        allowed=draw(hnp.arrays(np.bool_, (n, m), elements=st.sampled_from((True, True, False)), fill=st.nothing())),
        priority=draw(hnp.arrays(np.int64, n, elements=st.integers(1, 3), fill=st.nothing())),
        load=draw(hnp.arrays(np.int64, n, elements=st.integers(1, max_load), fill=st.nothing())),
        capacity=draw(hnp.arrays(np.int64, m, elements=st.sampled_from((0, 1, 2, 2, 3)), fill=st.nothing())),
    )
    return instance, draw(coach_tiers(n, m, min_coaches=min_coaches))


# Instances with a continuity tier (PRODUCT.md section 7: current pairs, locks, where K sits).

__all__ += ["current_pairs", "instances_with_keep"]

KEEP_TIER_NAMES = ("first", "second", "last")


@st.composite
def current_pairs(draw, n: int, m: int, locks: bool = True) -> tuple[np.ndarray, np.ndarray | None, str]:
    """``(keep, locked, keep_tier)`` for n mentees and m mentors: most mentees have a current mentor (any column,
    allowed or not), some are locked (only where keep >= 0; None or all False at times), any tier."""
    keep = draw(
        hnp.arrays(
            np.int64, n, elements=st.sampled_from((-1, *range(m), *range(m))) if m else st.just(-1), fill=st.nothing()
        )
    )
    locked = None
    if locks and draw(st.booleans()):
        locked = draw(hnp.arrays(np.bool_, n, elements=st.sampled_from((True, False, False)), fill=st.nothing()))
        locked &= keep >= 0
    return keep, locked, draw(st.sampled_from(KEEP_TIER_NAMES))


@st.composite
def instances_with_keep(
    draw: st.DrawFn,
    max_rows: int = 5,
    max_cols: int = 3,
    *,
    min_rows: int = 1,
    min_cols: int = 1,
    max_load: int = 1,
    per_pair_load: bool = False,
    locks: bool = True,
    weight_kind: str = "small_int",
    maximize: bool | None = True,
) -> Instance:
    """A tiny instance with a continuity tier: pairs mostly allowed, capacities 0..3 (mostly 1–2), priorities
    1..3, loads 1..``max_load`` (per pair with ``per_pair_load``), weights of ``weight_kind`` (exact integers by
    default, so that brute force compares exactly), ``maximize`` drawn when None."""
    n, m = draw(shapes(max_rows, max_cols, min_rows, min_cols))
    mostly = st.sampled_from((True, True, True, False))
    load_shape = (n, m) if per_pair_load else n
    keep, locked, keep_tier = draw(current_pairs(n, m, locks))
    return Instance(
        weights=draw(weight_matrices((n, m), weight_kind)),
        allowed=draw(hnp.arrays(np.bool_, (n, m), elements=mostly, fill=st.nothing())),
        priority=draw(hnp.arrays(np.int64, n, elements=st.integers(1, 3), fill=st.nothing())),
        load=draw(hnp.arrays(np.int64, load_shape, elements=st.integers(1, max_load), fill=st.nothing())),
        capacity=draw(hnp.arrays(np.int64, m, elements=st.sampled_from((0, 1, 1, 2, 2, 3)), fill=st.nothing())),
        maximize=draw(st.booleans()) if maximize is None else maximize,
        keep=keep,
        locked=locked,
        keep_tier=keep_tier,
    )
