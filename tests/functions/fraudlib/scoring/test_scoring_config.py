"""SCORING_OVERRIDES parsing: good overrides apply, bad ones are rejected with a clear message."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fraudlib.scoring import ScoringConfig, ScoringConfigError


def test_no_overrides_means_defaults() -> None:
    assert ScoringConfig.from_overrides(None) == ScoringConfig()
    assert ScoringConfig.from_overrides("  ") == ScoringConfig()


def test_overrides_apply_with_exact_decimals() -> None:
    config = ScoringConfig.from_overrides(
        '{"block_threshold": 80, "high_amount": 2500.10, "profile_z_threshold": "2.5",'
        ' "high_risk_mccs": ["7995"], "amount_scale": {"JPY": 100}}'
    )
    assert config.block_threshold == 80
    assert config.high_amount == Decimal("2500.10")
    assert config.profile_z_threshold == Decimal("2.5")
    assert config.high_risk_mccs == frozenset({"7995"})
    assert config.scale_for("JPY") == Decimal(100)
    assert config.scale_for("USD") == Decimal(1)
    assert config.review_threshold == ScoringConfig().review_threshold


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"block_treshold": 80}', "unknown setting 'block_treshold'"),
        ('{"block_threshold": "80"}', "block_threshold: expected an integer"),
        ('{"block_threshold": true}', "block_threshold: expected an integer"),
        ('{"block_threshold": 80.5}', "block_threshold: expected an integer"),
        ('{"high_amount": [1]}', "high_amount: expected a number"),
        ('{"high_amount": "lots"}', "high_amount: not a decimal number"),
        ('{"high_amount": "NaN"}', "high_amount: not a finite number"),
        ('{"high_risk_mccs": [7995]}', "high_risk_mccs: expected a list"),
        ('{"high_risk_mccs": ["79"]}', "4-digit"),
        ('{"amount_scale": {"JPY": 0}}', "amount_scale factors must be > 0"),
        ('{"review_threshold": 80, "block_threshold": 60}', "review_threshold <= block_threshold"),
        ('{"rules_review_score": 80, "rules_block_score": 60}', "rules_review_score <= rules_block_score"),
        ('{"label_delay_days": 0}', "label_delay_days must be > 0"),
        ('{"weight_card_testing": 101}', "weight_card_testing must be between 0 and 100"),
        ('{"profile_window_days": 0}', "profile_window_days must be > 0"),
        ("[1, 2]", "must be a JSON object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_overrides_are_rejected(raw: str, message: str) -> None:
    with pytest.raises(ScoringConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        ScoringConfig.from_overrides(raw)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ScoringConfigError) as caught:
        ScoringConfig.from_overrides('{"nope": 1, "block_threshold": "x"}')
    assert "unknown setting 'nope'" in str(caught.value)
    assert "block_threshold" in str(caught.value)
    assert "valid settings:" in str(caught.value)


def test_config_is_frozen() -> None:
    config = ScoringConfig()
    with pytest.raises(AttributeError):
        config.block_threshold = 1  # type: ignore[misc]
