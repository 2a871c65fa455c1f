from __future__ import annotations

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
