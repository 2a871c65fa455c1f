from __future__ import annotations

import re

import pytest

from mentormatch.config import CRITERIA, MatchConfig, load_config
from mentormatch.schema import RosterError


def test_defaults_round_trip_through_toml() -> None:
    text = MatchConfig().to_toml()
    assert MatchConfig.from_toml(text) == MatchConfig()
    assert "[weights]" in text and "[rules]" in text and "[priority]" in text


def test_non_default_values_round_trip() -> None:
    cfg = MatchConfig.model_validate(
        {
            "rules": {"max_age_gap": 25, "same_region": True, "high_risk_levels": ["High", "medium"]},
            "priority": {"high": 100, "medium": 10, "low": 1},
        }
    )
    assert cfg.rules.high_risk_levels == ("high", "medium")
    assert MatchConfig.from_toml(cfg.to_toml()) == cfg


@pytest.mark.parametrize(
    "cfg",
    [
        MatchConfig(),
        MatchConfig.model_validate({"rules": {"max_age_gap": 12, "high_risk_levels": []}, "weights": {"age": 0}}),
        MatchConfig.model_validate({"continuity": {"mode": "prefer", "exempt_rules": ["region"]}}),
    ],
)
def test_commented_toml_explains_every_key_and_loads_back(cfg: MatchConfig) -> None:
    text = cfg.to_toml(comments=True)
    assert MatchConfig.from_toml(text) == cfg
    lines = text.splitlines()
    for section, model in cfg.model_dump().items():
        for key, value in model.items():
            shown = f"# {key} = " if value is None else f"{key} = "
            at = next(k for k, line in enumerate(lines) if line.startswith(shown))
            assert lines[at - 1].startswith("# ") and not re.match(r"# \w+ = ", lines[at - 1]), (section, key)
    assert ("# max_age_gap = 25" in lines) == (cfg.rules.max_age_gap is None)


def test_replace_changes_settings_with_validation() -> None:
    cfg = MatchConfig().replace(weights={"region": 5}, priority={"high": 10})
    assert (cfg.weights.region, cfg.weights.language, cfg.priority.high) == (5.0, 3.0, 10)
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        MatchConfig().replace(weights={"region": -1})
    with pytest.raises(ValueError, match="unknown config section 'weight'"):
        MatchConfig().replace(weight={"region": 1})


def test_weights_follow_criteria_order() -> None:
    assert MatchConfig().weights.as_tuple() == (3, 3, 2, 2, 1, 1, 1, 1, 1)
    assert len(CRITERIA) == 9


@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ("[weights]\nlanguag = 3\n", r"weights\.languag.*unknown key"),
        ("colour = 1\n", r"colour.*unknown key"),
        ("[weights]\nlanguage = -1\n", r"weights\.language.*greater than or equal to 0"),
        ("[weights]\n" + "".join(f"{c} = 0\n" for c in CRITERIA), r"at least one weight"),
        ("[rules]\nmin_availability_overlap = 2.5\n", r"rules\.min_availability_overlap"),
        ("[rules]\nhigh_risk_levels = ['extreme']\n", r"unknown risk level 'extreme'"),
        ("[priority]\nhigh = 0\n", r"priority\.high"),
        ("[priority]\nhigh = 1001\n", r"priority\.high.*less than or equal to 1000"),
        ("[rules]\nmin_score = 101\n", r"rules\.min_score"),
        ("[weights\n", r"not valid TOML"),
        ("[weights]\nlanguage = nan\n", r"weights\.language"),
    ],
)
def test_bad_config_names_the_key(tmp_path, toml: str, match: str) -> None:
    path = tmp_path / "cfg.toml"
    path.write_text(toml)
    with pytest.raises(RosterError, match=match) as info:
        load_config(path)
    assert all(p.file == str(path) for p in info.value.problems)


def test_missing_and_non_utf8_config(tmp_path) -> None:
    with pytest.raises(RosterError, match="file not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"[weights]\nlanguage = 3 # \xff\n")
    with pytest.raises(RosterError, match="not UTF-8"):
        load_config(bad)


def test_none_gives_defaults() -> None:
    assert load_config(None) == MatchConfig()
