"""Weights, hard rules and priorities: everything a coordinator may tune, loaded from TOML.

>>> cfg = MatchConfig()
>>> cfg.weights.language, cfg.rules.min_availability_overlap, cfg.priority.high, cfg.continuity.mode
(3.0, 2, 3, 'keep')
>>> MatchConfig.from_toml(cfg.to_toml()) == cfg
True
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from .errors import InputError, InputProblem
from .rules import EXEMPTABLE_RULES, NEVER_EXEMPT
from .schema import RISK_LEVELS

__all__ = [
    "CRITERIA",
    "Weights",
    "Rules",
    "Priority",
    "Continuity",
    "CONTINUITY_MODES",
    "EXEMPTABLE_RULES",
    "MatchConfig",
    "load_config",
]

CRITERIA: tuple[str, ...] = (
    "language",
    "extremism",
    "availability",
    "background",
    "gender",
    "age",
    "experience",
    "region",
    "needs",
)
"""The nine criteria of PRODUCT.md section 3, in output-column order."""

_STRICT = ConfigDict(extra="forbid", frozen=True, validate_default=True, use_attribute_docstrings=True)
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Weights(BaseModel):
    """Weight w_k of each criterion; S = Σ w_k s_k / Σ w_k over criteria with w_k > 0."""

    model_config = _STRICT

    language: NonNegative = 3.0
    """Shared languages, the mentee's primary language most."""
    extremism: NonNegative = 3.0
    """The mentor's expertise covers the mentee's extremism type."""
    availability: NonNegative = 2.0
    """Weekly hours both are available."""
    background: NonNegative = 2.0
    """Background tags in common."""
    gender: NonNegative = 1.0
    """Same gender."""
    age: NonNegative = 1.0
    """Closeness in age."""
    experience: NonNegative = 1.0
    """The mentor's years of experience."""
    region: NonNegative = 1.0
    """Same region."""
    needs: NonNegative = 1.0
    """The mentor's skills cover the mentee's needs."""

    @model_validator(mode="after")
    def _one_positive(self) -> Weights:
        if not any(getattr(self, k) > 0 for k in CRITERIA):
            raise ValueError("at least one weight must be above 0")
        return self

    def as_tuple(self) -> tuple[float, ...]:
        """The weights in :data:`CRITERIA` order."""
        return tuple(float(getattr(self, k)) for k in CRITERIA)


class Rules(BaseModel):
    """Hard rules: a pair that breaks one is never matched (PRODUCT.md section 3)."""

    model_config = _STRICT

    shared_language: bool = True
    """Mentee and mentor share at least one language."""
    min_availability_overlap: int = Field(default=2, ge=0, le=168)
    """Weekly overlap hours required when both sides gave availability; 0 turns the rule off."""
    gender_preference: bool = True
    """Honour mentees' gender preferences (`same` or a named gender)."""
    high_risk_levels: tuple[str, ...] = ("high",)
    """Risk levels whose mentees need a mentor with matching expertise and experience."""
    high_risk_min_experience: float = Field(default=2.0, ge=0, allow_inf_nan=False)
    """Experience years that a mentor of a high-risk mentee needs (besides matching expertise)."""
    same_region: bool = False
    """Require the same region where both regions are given."""
    max_age_gap: int | None = Field(default=None, ge=0)
    """Largest allowed |age difference| in years; absent = no limit."""
    min_score: float = Field(default=0.0, ge=0, le=100, allow_inf_nan=False)
    """Smallest allowed score on the 0–100 scale of the output; 0 = off."""

    @field_validator("high_risk_levels", mode="before")
    @classmethod
    def _levels(cls, value: object) -> object:
        if isinstance(value, str):
            value = (value,)
        if isinstance(value, (list, tuple)):
            levels = tuple(str(v).strip().casefold() for v in value)
            bad = [v for v in levels if v not in RISK_LEVELS]
            if bad:
                raise ValueError(f"unknown risk level {bad[0]!r}; valid: {', '.join(RISK_LEVELS)}")
            return tuple(dict.fromkeys(levels))
        return value


MAX_PRIORITY = 1000
"""Largest priority value: keeps priority × (Σ score range) inside the solvers' exact integer range."""


class Priority(BaseModel):
    """Priority points per matched mentee by risk level (integers 1–1000); Σ priority is maximised first."""

    model_config = _STRICT

    high: int = Field(default=3, ge=1, le=MAX_PRIORITY)
    """Points for matching a high-risk mentee."""
    medium: int = Field(default=2, ge=1, le=MAX_PRIORITY)
    """Points for matching a medium-risk mentee."""
    low: int = Field(default=1, ge=1, le=MAX_PRIORITY)
    """Points for matching a low-risk mentee."""


CONTINUITY_MODES: tuple[str, ...] = ("keep", "prefer", "none")
"""Where K, the number of valid current pairs kept, sits in the objective (PRODUCT.md section 7): ``keep`` first,
``prefer`` after Σ priority, ``none`` last (a fresh matching; current pairs only break ties)."""


class Continuity(BaseModel):
    """How a re-run treats the running mentorships of ``current.csv`` (PRODUCT.md section 7)."""

    model_config = _STRICT

    mode: str = "keep"
    """``keep`` (default): keep every valid current pair the capacities hold, then Σ priority, then Σ score;
    ``prefer``: Σ priority first, then keep; ``none``: a fresh matching, current pairs only breaking ties."""
    exempt_rules: tuple[str, ...] = ()
    """Hard rules a current pair may break and still be kept (new pairs obey every rule): any of
    ``availability``, ``region``, ``age_gap``, ``min_score``."""

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: object) -> object:
        if isinstance(value, str):
            mode = value.strip().casefold()
            if mode not in CONTINUITY_MODES:
                raise ValueError(f"unknown continuity mode {value!r}; valid: {', '.join(CONTINUITY_MODES)}")
            return mode
        return value

    @field_validator("exempt_rules", mode="before")
    @classmethod
    def _exempt(cls, value: object) -> object:
        if isinstance(value, str):
            value = (value,)
        if isinstance(value, (list, tuple)):
            rules = tuple(str(v).strip().casefold() for v in value)
            for rule in rules:
                if rule not in EXEMPTABLE_RULES:
                    never = " (never waived)" if rule in NEVER_EXEMPT else ""
                    raise ValueError(
                        f"rule {rule!r} cannot be exempted{never}; exemptable: {', '.join(EXEMPTABLE_RULES)}"
                    )
            return tuple(dict.fromkeys(rules))
        return value


class MatchConfig(BaseModel):
    """All tunable parameters of scoring and hard rules. Unknown keys are an error.

    Load with :func:`load_config` or :meth:`from_toml`; print the defaults with ``mentormatch config``.
    """

    model_config = _STRICT

    weights: Weights = Weights()
    rules: Rules = Rules()
    priority: Priority = Priority()
    continuity: Continuity = Continuity()

    def to_toml(self, *, comments: bool = False) -> str:
        """The config as TOML that :meth:`from_toml` loads back unchanged (``None`` values are left out).

        With ``comments=True`` (what ``mentormatch config`` prints), each section and key gets a one-line comment
        saying what it means, and an option that is not set is shown commented out with an example value
        (``# max_age_gap = 25``), ready to be switched on by deleting the ``#``.

        Examples
        --------
        >>> text = MatchConfig().to_toml(comments=True)
        >>> print(text.split("[rules]")[1].split("[priority]")[0].strip())  # doctest: +ELLIPSIS
        # Hard rules: a pair that breaks one is never matched.
        # Mentee and mentor share at least one language.
        shared_language = true
        ...
        # Largest allowed |age difference| in years; absent = no limit.
        # max_age_gap = 25
        ...
        >>> MatchConfig.from_toml(text) == MatchConfig()
        True
        """
        data = self.model_dump(mode="json", exclude_none=True)
        if not comments:
            return tomli_w.dumps(data)
        lines = [
            "# mentormatch configuration (TOML). Every key may be left out: it then takes the value shown here.",
            "# Use it with: mentormatch solve ROSTER --config FILE",
        ]
        for section, model in (
            ("weights", self.weights),
            ("rules", self.rules),
            ("priority", self.priority),
            ("continuity", self.continuity),
        ):
            lines += ["", f"[{section}]", f"# {_SECTION_WORDS[section]}"]
            for name, info in type(model).model_fields.items():
                lines.append(f"# {_KEY_WORDS.get((section, name)) or _first_line(info.description)}")
                if name in data[section]:
                    lines.append(tomli_w.dumps({name: data[section][name]}).rstrip("\n"))
                else:
                    lines.append("# " + tomli_w.dumps({name: _EXAMPLES[section, name]}).rstrip("\n"))
        return "\n".join(lines) + "\n"

    def replace(self, **sections: dict[str, object]) -> MatchConfig:
        """A copy with some settings changed, validated like a config file (a config is frozen).

        Examples
        --------
        >>> cfg = MatchConfig().replace(weights={"region": 5}, rules={"same_region": True})
        >>> cfg.weights.region, cfg.weights.language, cfg.rules.same_region
        (5.0, 3.0, True)
        >>> MatchConfig().replace(weights={"regoin": 5})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for MatchConfig
        weights.regoin
          Extra inputs are not permitted ...
        """
        data = self.model_dump()
        for section, changes in sections.items():
            if section not in data:
                raise ValueError(f"unknown config section {section!r}; valid: {', '.join(data)}")
            data[section] = {**data[section], **changes}
        return MatchConfig.model_validate(data)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<config>") -> MatchConfig:
        """Parse TOML text; raise :class:`~mentormatch.errors.InputError` naming ``source`` on any problem."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise InputError([InputProblem(source, None, None, None, f"not valid TOML: {err}")]) from None
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise InputError([_problem(source, e) for e in err.errors()]) from None


def _first_line(text: str | None) -> str:
    """The first sentence of a docstring, as one line."""
    words = " ".join((text or "").split())
    end = words.find(". ")
    return words if end < 0 else words[: end + 1]


_EXAMPLES: dict[tuple[str, str], object] = {("rules", "max_age_gap"): 25}
"""Example values shown, commented out, for options that are not set."""

_SECTION_WORDS = {
    "weights": "How much each criterion counts in a pair's score (0-100); 0 leaves a criterion out.",
    "rules": "Hard rules: a pair that breaks one is never matched.",
    "priority": "Points per matched mentee by risk level (whole numbers 1-1000); the total is maximised first.",
    "continuity": "Re-runs with current pairs (current.csv): how running mentorships are treated.",
}
_KEY_WORDS = {
    ("rules", "gender_preference"): "Honour mentees' gender preferences (same, or a named gender).",
    ("continuity", "mode"): (
        "keep: keep every valid running pair first; prefer: priority first, then keep; none: a fresh matching."
    ),
    ("continuity", "exempt_rules"): (
        "Rules a running pair may break and still be kept: availability, region, age_gap, min_score."
    ),
}
"""The comment of a key where its docstring is written for programmers."""


def _problem(source: str, error: ErrorDetails) -> InputProblem:
    key = ".".join(str(part) for part in error["loc"]) or None
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key (see `mentormatch config` for the valid ones)"
    value = error.get("input")
    shown = None if isinstance(value, dict) or key is None else repr(value) if not isinstance(value, str) else value
    return InputProblem(source, None, key, shown, message)


def load_config(path: str | Path | None) -> MatchConfig:
    """Read a TOML config file; ``None`` gives the defaults.

    Raises :class:`~mentormatch.errors.InputError` (bad input, exit 2) naming the file and key.
    """
    if path is None:
        return MatchConfig()
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError([InputProblem(source, None, None, None, "file not found")]) from None
    except OSError as err:
        raise InputError([InputProblem(source, None, None, None, f"cannot read file: {err.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        msg = f"not UTF-8 text (bad byte at offset {err.start})"
        raise InputError([InputProblem(source, None, None, None, msg)]) from None
    return MatchConfig.from_toml(text, source=source)
