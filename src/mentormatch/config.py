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

_STRICT = ConfigDict(extra="forbid", frozen=True, validate_default=True)
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Weights(BaseModel):
    """Weight w_k of each criterion; S = Σ w_k s_k / Σ w_k over criteria with w_k > 0."""

    model_config = _STRICT

    language: NonNegative = 3.0
    extremism: NonNegative = 3.0
    availability: NonNegative = 2.0
    background: NonNegative = 2.0
    gender: NonNegative = 1.0
    age: NonNegative = 1.0
    experience: NonNegative = 1.0
    region: NonNegative = 1.0
    needs: NonNegative = 1.0

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
    medium: int = Field(default=2, ge=1, le=MAX_PRIORITY)
    low: int = Field(default=1, ge=1, le=MAX_PRIORITY)


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

    def to_toml(self) -> str:
        """The config as TOML that :meth:`from_toml` loads back unchanged (``None`` values are left out)."""
        data = self.model_dump(mode="json", exclude_none=True)
        return tomli_w.dumps(data)

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
