"""Check any matching against every hard rule and capacity, re-deriving each rule from the profiles.

Nothing here reads the encoder's mask or arrays: this is a second, plain-Python reading of PRODUCT.md section 3,
applied to the matched pairs only, so that a bug in the vectorised encoder is caught as surely as a solver bug.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .config import CRITERIA, MatchConfig
from .errors import MatchingBug  # re-exported: its earlier home
from .schema import Mentee, Mentor, Roster

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MatchingBug", "pair_criteria", "pair_score", "broken_rules", "verify_matching"]

SCORE_TOLERANCE = 1e-4
"""How far a reported score may differ from the plain-Python score (float32 arithmetic in the encoder)."""


def pair_criteria(mentee: Mentee, mentor: Mentor) -> dict[str, float]:
    """Each criterion's s(i, j) in [0, 1] for one pair (PRODUCT.md section 3)."""
    mentee_langs, mentor_langs = set(mentee.languages), set(mentor.languages)
    if mentee.languages[0] in mentor_langs:
        language = 1.0
    elif mentee_langs & mentor_langs:
        language = 0.6
    else:
        language = 0.0

    if mentee.availability is None or mentor.availability is None:
        availability = 0.5
    else:
        availability = min((mentee.availability & mentor.availability).bit_count(), 6) / 6

    if not mentee.background or not mentor.background:
        background = 0.5
    else:
        background = len(mentee.background & mentor.background) / len(mentee.background)

    region = 0.5 if mentee.region is None or mentor.region is None else float(mentee.region == mentor.region)

    if not mentee.needs:
        needs = 0.5
    elif not mentor.skills:
        needs = 0.0
    else:
        needs = len(mentee.needs & mentor.skills) / len(mentee.needs)

    return {
        "language": language,
        "extremism": float(mentee.extremism_type in mentor.expertise),
        "availability": availability,
        "background": background,
        "gender": float(mentee.gender == mentor.gender),
        "age": max(0.0, 1 - abs((mentor.age - mentee.age) - 10) / 30),
        "experience": min(mentor.experience_years, 5) / 5,
        "region": region,
        "needs": needs,
    }


def pair_score(criteria: dict[str, float], config: MatchConfig) -> float:
    """S = Σ w_k s_k / Σ w_k over criteria with w_k > 0."""
    weights = dict(zip(CRITERIA, config.weights.as_tuple(), strict=True))
    total = sum(w for w in weights.values() if w > 0)
    return sum(w * criteria[k] for k, w in weights.items() if w > 0) / total


def broken_rules(mentee: Mentee, mentor: Mentor, config: MatchConfig, excluded: bool = False) -> list[str]:
    """Names of the hard rules that the pair breaks (empty when the pair is allowed)."""
    rules = config.rules
    broken = []
    if rules.shared_language and not set(mentee.languages) & set(mentor.languages):
        broken.append("language")
    if (
        rules.min_availability_overlap > 0
        and mentee.availability is not None
        and mentor.availability is not None
        and (mentee.availability & mentor.availability).bit_count() < rules.min_availability_overlap
    ):
        broken.append("availability")
    if rules.gender_preference:
        wanted = mentee.gender_preference
        if (wanted == "same" and mentor.gender != mentee.gender) or (
            wanted not in ("any", "same") and mentor.gender != wanted
        ):
            broken.append("gender_preference")
    if mentee.risk_level in rules.high_risk_levels and not (
        mentee.extremism_type in mentor.expertise and mentor.experience_years >= rules.high_risk_min_experience
    ):
        broken.append("high_risk")
    if excluded:
        broken.append("exclusion")
    if rules.same_region and mentee.region is not None and mentor.region is not None and mentee.region != mentor.region:
        broken.append("region")
    if rules.max_age_gap is not None and abs(mentee.age - mentor.age) > rules.max_age_gap:
        broken.append("age_gap")
    if rules.min_score > 0 and pair_score(pair_criteria(mentee, mentor), config) * 100 < rules.min_score - 1e-3:
        broken.append("min_score")
    return broken


def verify_matching(
    roster: Roster,
    config: MatchConfig,
    mentor_of: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray | None = None,
    *,
    coach_of: Sequence[int] | np.ndarray | None = None,
) -> None:
    """Raise :class:`MatchingBug` unless the matching keeps every hard rule and capacity.

    Parameters
    ----------
    roster, config
        The profiles and rules the matching was made for.
    mentor_of : sequence of int, one per mentee
        Index of each mentee's mentor in ``roster.mentors``, or −1 when unmatched.
    scores : sequence of float, optional
        The score S reported for each mentee (ignored where unmatched); checked against the plain-Python score.
    coach_of : sequence of int, one per mentor, optional
        Index of each mentor's coach in ``roster.coaches``, or −1. Required when the roster has coaches (or a
        coaches file was given); then every coach rule of PRODUCT.md section 4 is checked.
    """
    mentees, mentors = roster.mentees, roster.mentors
    problems: list[str] = []
    if len(mentor_of) != len(mentees):
        raise MatchingBug(f"answer has {len(mentor_of)} entries for {len(mentees)} mentees")
    excluded = {(e.mentee_id, e.mentor_id) for e in roster.exclusions}
    # PRODUCT.md section 7, read from the current file and the profiles: a current pair may break an exempted rule;
    # a paused mentor keeps current mentees only; a leaving mentor takes no one; every locked pair is kept.
    current = {(p.mentee_id, p.mentor_id): p for p in roster.current or ()}
    exempt = set(config.continuity.exempt_rules)
    used: Counter[int] = Counter()
    for i, j in enumerate(mentor_of):
        j = int(j)
        if j == -1:
            continue
        if not 0 <= j < len(mentors):
            problems.append(f"mentee {mentees[i].id}: mentor index {j} out of range")
            continue
        mentee, mentor = mentees[i], mentors[j]
        used[j] += mentee.workload
        is_current = (mentee.id, mentor.id) in current
        if mentor.status == "leaving":
            problems.append(f"pair {mentee.id} - {mentor.id}: the mentor is leaving")
        elif mentor.status == "paused" and not is_current:
            problems.append(f"pair {mentee.id} - {mentor.id}: the mentor is paused and takes no new mentee")
        for rule in broken_rules(mentee, mentor, config, (mentee.id, mentor.id) in excluded):
            if not (is_current and rule in exempt):
                problems.append(f"pair {mentee.id} - {mentor.id} breaks the {rule} rule")
        if scores is not None:
            expected = pair_score(pair_criteria(mentee, mentor), config)
            if abs(float(scores[i]) - expected) > SCORE_TOLERANCE:
                problems.append(f"pair {mentee.id} - {mentor.id}: reported score differs from the profiles' score")
    mentee_index = {p.id: i for i, p in enumerate(mentees)}
    for pair in current.values():
        at = mentee_index.get(pair.mentee_id)
        if pair.locked and (at is None or int(mentor_of[at]) < 0 or mentors[int(mentor_of[at])].id != pair.mentor_id):
            problems.append(f"locked pair {pair.mentee_id} - {pair.mentor_id} was not kept")
    for j, load in sorted(used.items()):
        if load > mentors[j].capacity:
            problems.append(f"mentor {mentors[j].id}: workload {load} exceeds capacity {mentors[j].capacity}")
    if coach_of is not None or roster.coaches or "coaches" in roster.files:
        problems.extend(coach_problems(roster, list(mentor_of), None if coach_of is None else list(coach_of)))
    if problems:
        shown = problems[:10]
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise MatchingBug("the answer breaks hard rules: " + "; ".join(shown) + more)


def coach_problems(roster: Roster, mentor_of: Sequence[int], coach_of: Sequence[int] | None) -> list[str]:
    """Every coach rule (PRODUCT.md section 4, "With coaches"), read from the profiles."""
    mentees, mentors, coaches = roster.mentees, roster.mentors, roster.coaches
    if coach_of is None:
        return ["the roster has coaches but the answer names none"]
    if len(coach_of) != len(mentors):
        return [f"answer has {len(coach_of)} coach entries for {len(mentors)} mentors"]
    problems: list[str] = []
    mentees_of: dict[int, list[Mentee]] = {}
    for i, j in enumerate(mentor_of):
        if int(j) >= 0:
            mentees_of.setdefault(int(j), []).append(mentees[i])
    supervised: Counter[int] = Counter()
    caseload: Counter[int] = Counter()
    for j, mentor in enumerate(mentors):
        c = int(coach_of[j])
        cases = mentees_of.get(j, [])
        if not cases:
            if c != -1:
                problems.append(f"mentor {mentor.id} has no mentee but a coach")
            continue
        if not 0 <= c < len(coaches):
            problems.append(f"mentor {mentor.id} has mentees but no coach")
            continue
        coach = coaches[c]
        supervised[c] += 1
        caseload[c] += len(cases)
        if coach.id == mentor.id:
            problems.append(f"mentor {mentor.id} supervises themselves")
        if mentor.coach_id is not None and mentor.coach_id != coach.id:
            problems.append(f"mentor {mentor.id}: fixed coach {mentor.coach_id} not honoured (got {coach.id})")
        if coach.languages is not None and not coach.languages & set(mentor.languages):
            problems.append(f"coach {coach.id} shares no language with mentor {mentor.id}")
        if coach.specialisms is not None:
            for mentee in cases:
                if mentee.extremism_type not in coach.specialisms:
                    problems.append(
                        f"coach {coach.id} may not supervise mentee {mentee.id}'s type (mentor {mentor.id})"
                    )
    for c, count in sorted(supervised.items()):
        if count > coaches[c].max_mentors:
            problems.append(
                f"coach {coaches[c].id} supervises {count} mentors, above max_mentors {coaches[c].max_mentors}"
            )
        limit = coaches[c].max_mentees
        if limit is not None and caseload[c] > limit:
            problems.append(f"coach {coaches[c].id} supervises {caseload[c]} mentees, above max_mentees {limit}")
    return problems
