"""Hypothesis strategies for rosters (profiles built directly, no files)."""

from __future__ import annotations

from hypothesis import strategies as st

from mentormatch.schema import EXTREMISM_TYPES, Exclusion, Mentee, Mentor, Roster

LANGUAGES = ("english", "arabic", "somali", "polish", "urdu")
GENDERS = ("female", "male", "nonbinary")
TAGS = ("urban", "rural", "muslim", "lived-experience", "sports")
TOPICS = ("housing", "employment", "family", "religion", "anger")
REGIONS = ("north", "south", "east")

_set = lambda items, n=3: st.frozensets(st.sampled_from(items), max_size=n)  # noqa: E731
_availability = st.one_of(st.none(), st.integers(min_value=1, max_value=(1 << 168) - 1), st.sampled_from([
    # a few realistic weekly patterns: evenings, mornings, weekend
    sum(1 << (24 * d + h) for d in range(5) for h in range(18, 21)),
    sum(1 << (24 * d + h) for d in range(7) for h in range(9, 12)),
    sum(1 << (24 * d + h) for d in (5, 6) for h in range(9, 17)),
]))
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
