"""The one registry of the hard rules (PRODUCT.md section 3) and the other checks a pair can fail.

Everything the library says or decides *about* a rule lives here: its name and report order, the ``[rules]``
setting that switches it on, the value that switches it off (for :func:`mentormatch.relaxations`), whether
``[continuity] exempt_rules`` may waive it, the words that say what it asks (``explain``) and the remedy when it
leaves mentees without a mentor (``diagnose``). Adding a rule means adding one :class:`Rule` here and its vectorised
test in ``encode`` (``_Pairs.rule``); ``verify`` re-derives every rule from the profiles on purpose, by its own plain
code, so that a mistake in one place cannot hide in both.

>>> RULES
('language', 'availability', 'gender_preference', 'high_risk', 'exclusion', 'region', 'age_gap', 'min_score')
>>> RELAXABLE
('language', 'availability', 'gender_preference', 'high_risk', 'region', 'age_gap', 'min_score', 'capacity')
>>> EXEMPTABLE_RULES
('availability', 'region', 'age_gap', 'min_score')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import MatchConfig, Rules

__all__ = [
    "CHECK_WORDS",
    "EXEMPTABLE_RULES",
    "FAMILY_WORDS",
    "HARD_RULES",
    "NEVER_EXEMPT",
    "RELAXABLE",
    "RULES",
    "Rule",
    "Shortfall",
    "asks",
    "checked_rules",
    "evaluated_rules",
    "relaxable_rules",
    "relaxed_config",
    "remedy",
]


@dataclass(frozen=True)
class Shortfall:
    """Who lacks an allowed mentor because of one rule, for :func:`remedy`'s words.

    ``who`` names the group ("3 islamist mentees"), ``count`` its size, ``kind`` and ``group`` the diagnosis row
    (``kind`` "language" with ``group`` "arabic", ...); for the high-risk rule, ``type_name`` is the extremism type
    and ``qualified`` how many mentors have its expertise and the experience asked.
    """

    who: str
    count: int
    kind: str
    group: str
    type_name: str | None = None
    qualified: int | None = None

    @property
    def have(self) -> str:
        return "has" if self.count == 1 else "have"


@dataclass(frozen=True)
class Rule:
    """One hard rule."""

    name: str
    """The name in outputs (``blocked_by``, shortages, relaxations, ``rule:<name>`` change reasons)."""
    label: str
    """A few words for a sentence ("relax gender preference and age gap")."""
    setting: str | None
    """The ``[rules]`` key that switches it (None: always on)."""
    off: Any
    """The value of ``setting`` that switches the rule off."""
    relaxable: bool
    """:func:`mentormatch.relaxations` may switch it off."""
    exemptable: bool
    """``[continuity] exempt_rules`` may waive it for current pairs."""
    is_on: Callable[[Rules], bool]
    """Whether the settings switch it on."""
    asks: Callable[[Rules], str]
    """What it asks, with the settings' thresholds and no profile values (``explain``)."""
    remedy: Callable[[Rules, Shortfall], str] | None
    """Why the mentees of a shortfall lack a mentor when this rule alone is relaxed, and what to do (``diagnose``)."""


def _high_risk_asks(rules: Rules) -> str:
    levels = "/".join(rules.high_risk_levels) or "none"
    return (
        f"a mentee at risk level {levels} needs a mentor trained for their type with "
        f"≥ {rules.high_risk_min_experience:g} years' experience"
    )


def _high_risk_remedy(rules: Rules, s: Shortfall) -> str:
    years = f"{rules.high_risk_min_experience:g}"
    if not s.qualified:
        return (
            f"{s.who} {s.have} no mentor with {s.type_name} expertise and ≥ {years} years: recruit or train one, "
            "or lower the rule"
        )
    return (
        f"{s.who} {s.have} no otherwise suitable mentor among the {s.qualified} with {s.type_name} expertise and "
        f"≥ {years} years: recruit or train one, or lower the rule"
    )


def _language_remedy(rules: Rules, s: Shortfall) -> str:
    speaks = f"a mentor who speaks {s.group}" if s.kind == "language" else "mentors who speak their languages"
    share = "shares" if s.count == 1 else "share"
    return f"{s.who} {share} no language with an otherwise suitable mentor: recruit {speaks}"


def _region_remedy(rules: Rules, s: Shortfall) -> str:
    where = f"in {s.group}" if s.kind == "region" else "in their region"
    return (
        f"{s.who} {s.have} no otherwise suitable mentor {where}: recruit a mentor {where}, or turn off the "
        "same-region rule"
    )


_REGISTRY: tuple[Rule, ...] = (
    Rule(
        "language",
        "language",
        "shared_language",
        False,
        relaxable=True,
        exemptable=False,
        is_on=lambda r: r.shared_language,
        asks=lambda r: "mentee and mentor share a language",
        remedy=_language_remedy,
    ),
    Rule(
        "availability",
        "availability",
        "min_availability_overlap",
        0,
        relaxable=True,
        exemptable=True,
        is_on=lambda r: r.min_availability_overlap > 0,
        asks=lambda r: f"needs ≥ {r.min_availability_overlap} weekly overlap hours where both gave availability",
        remedy=lambda r, s: (
            f"{s.who} {s.have} no otherwise suitable mentor with ≥ {r.min_availability_overlap} hours of common "
            "availability a week: widen availability or lower the threshold"
        ),
    ),
    Rule(
        "gender_preference",
        "gender preference",
        "gender_preference",
        False,
        relaxable=True,
        exemptable=False,
        is_on=lambda r: r.gender_preference,
        asks=lambda r: "the mentor's gender fits the mentee's gender preference",
        remedy=lambda r, s: (
            f"{s.who} {s.have} a gender preference that no otherwise suitable mentor meets: recruit mentors of the "
            "preferred gender"
        ),
    ),
    Rule(
        "high_risk",
        "high-risk expertise",
        "high_risk_levels",
        (),
        relaxable=True,
        exemptable=False,
        is_on=lambda r: bool(r.high_risk_levels),
        asks=_high_risk_asks,
        remedy=_high_risk_remedy,
    ),
    Rule(
        "exclusion",
        "exclusion",
        None,
        None,
        relaxable=False,
        exemptable=False,
        is_on=lambda r: True,
        asks=lambda r: "the pair is not listed in exclusions",
        remedy=None,
    ),
    Rule(
        "region",
        "region",
        "same_region",
        False,
        relaxable=True,
        exemptable=True,
        is_on=lambda r: r.same_region,
        asks=lambda r: "same region where both are given",
        remedy=_region_remedy,
    ),
    Rule(
        "age_gap",
        "age gap",
        "max_age_gap",
        None,
        relaxable=True,
        exemptable=True,
        is_on=lambda r: r.max_age_gap is not None,
        asks=lambda r: f"age gap ≤ {r.max_age_gap} years",
        remedy=lambda r, s: (
            f"{s.who} {s.have} no otherwise suitable mentor within the {r.max_age_gap}-year age gap: widen the gap"
        ),
    ),
    Rule(
        "min_score",
        "minimum score",
        "min_score",
        0.0,
        relaxable=True,
        exemptable=True,
        is_on=lambda r: r.min_score > 0,
        asks=lambda r: f"score ≥ {r.min_score:g}",
        remedy=lambda r, s: (
            f"{s.who} {s.have} no otherwise suitable mentor scoring ≥ {r.min_score:g}: lower the minimum score"
        ),
    ),
)

HARD_RULES: dict[str, Rule] = {rule.name: rule for rule in _REGISTRY}
"""Every hard rule by name, in report order."""

RULES: tuple[str, ...] = tuple(HARD_RULES)
"""Hard-rule names, in the order they are reported (and their bit order in ``rule_bits``)."""

RELAXABLE: tuple[str, ...] = (*(r.name for r in _REGISTRY if r.relaxable), "capacity")
"""Families :func:`mentormatch.relaxations` may switch off, in tie-break order: the relaxable rules, then
``capacity`` (every mentor's capacity raised). Exclusions are never among them."""

EXEMPTABLE_RULES: tuple[str, ...] = tuple(r.name for r in _REGISTRY if r.exemptable)
"""The hard rules that ``[continuity] exempt_rules`` may waive for current pairs."""

NEVER_EXEMPT: tuple[str, ...] = tuple(r.name for r in _REGISTRY if not r.exemptable)
"""The hard rules never waived: exclusions, shared language, gender preference and the high-risk rule."""

CHECK_WORDS: dict[str, str] = {
    "status": "the mentor is active (a paused mentor keeps current mentees only; a leaving one takes no one)",
    "capacity": "the mentor's capacity covers the case's workload",
    "coach": "some coach eligible for this mentor may supervise this case",
}
"""What the checks beyond the hard rules ask (a pair can pass every rule and still fail these)."""

FAMILY_WORDS: dict[str, str] = {**{r.name: r.label for r in _REGISTRY if r.relaxable}, "capacity": "capacity"}
"""Each family of :data:`RELAXABLE` in a few words."""


def evaluated_rules(config: MatchConfig) -> list[str]:
    """The rules the encoder tests pair by pair for ``config``: those switched on, less exclusions (a list of
    pairs) and the minimum score (a threshold on the score); the high-risk rule always (it holds everywhere when
    no risk level is high-risk)."""
    rules = config.rules
    return [
        r.name
        for r in _REGISTRY
        if r.name not in ("exclusion", "min_score") and (r.name == "high_risk" or r.is_on(rules))
    ]


def checked_rules(config: MatchConfig) -> tuple[str, ...]:
    """The rules that ``config`` switches on, in :data:`RULES` order: exclusions always, the minimum score when
    above 0, the high-risk rule when some risk level is high-risk, the others by their own setting.

    >>> from mentormatch.config import MatchConfig
    >>> checked_rules(MatchConfig())
    ('language', 'availability', 'gender_preference', 'high_risk', 'exclusion')
    """
    rules = config.rules
    return tuple(r.name for r in _REGISTRY if r.is_on(rules))


def relaxable_rules(config: MatchConfig) -> tuple[str, ...]:
    """The families of :data:`RELAXABLE` that are switched on in ``config`` (capacity always)."""
    on = set(checked_rules(config))
    return tuple(f for f in RELAXABLE if f in on or f == "capacity")


def relaxed_config(config: MatchConfig, families: Sequence[str]) -> MatchConfig:
    """``config`` with the hard rules of ``families`` switched off (``capacity`` is not a config setting: raise
    the mentors' capacities instead).

    >>> from mentormatch.config import MatchConfig
    >>> relaxed_config(MatchConfig(), ["language", "high_risk"]).rules.shared_language
    False
    """
    changes: dict[str, Any] = {}
    for family in families:
        if family not in RELAXABLE:
            raise ValueError(f"unknown rule family {family!r}; valid: {', '.join(RELAXABLE)}")
        rule = HARD_RULES.get(family)
        if rule is not None and rule.setting is not None:
            changes[rule.setting] = rule.off
    return type(config).model_validate({**config.model_dump(), "rules": {**config.rules.model_dump(), **changes}})


def asks(rule: str, config: MatchConfig) -> str:
    """What rule or check ``rule`` asks, with ``config``'s thresholds; no profile values.

    >>> from mentormatch.config import MatchConfig
    >>> asks("age_gap", MatchConfig.model_validate({"rules": {"max_age_gap": 15}}))
    'age gap ≤ 15 years'
    """
    if rule in HARD_RULES:
        return HARD_RULES[rule].asks(config.rules)
    return CHECK_WORDS[rule]


def remedy(rule: str, config: MatchConfig, shortfall: Shortfall) -> str:
    """Why the mentees of ``shortfall`` have no allowed mentor when relaxing ``rule`` alone would give them one,
    and what to do."""
    words = HARD_RULES[rule].remedy
    if words is None:
        raise KeyError(rule)
    return words(config.rules, shortfall)
