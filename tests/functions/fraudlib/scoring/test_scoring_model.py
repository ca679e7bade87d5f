"""The engine scores with the shipped model: version, reasons, the rule floor, leakage, configuration."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from fraudlib.scoring import CustomerHistory, Decision, ScoringConfig, ScoringConfigError, Transaction, evaluate
from fraudlib.scoring.engine import checked_model, load_model, score_transaction
from fraudlib.scoring.features import FEATURE_NAMES, MerchantDailyCounters, day_number

DAY = 86400
T0 = day_number("2018-08-08") * DAY + 12 * 3600
CONFIG = ScoringConfig()


def txn(tid: str, ts: int, amount: str, **extra: object) -> Transaction:
    return Transaction(tid, "c-1", ts, Decimal(amount), "EUR", **extra)  # type: ignore[arg-type]


def routine() -> list[Transaction]:
    return [txn(f"h{i}", T0 - i * DAY // 2 - 3600, "40.00", country="FR") for i in range(1, 40)]


def test_every_result_names_the_model_and_its_reasons() -> None:
    model = load_model()
    result = score_transaction(txn("big", T0, "950.00", country="FR"), routine())
    assert result.model_version == model.model_version
    assert result.decision is Decision.BLOCK and result.risk_score >= CONFIG.block_threshold
    assert result.top_features and result.top_features[0].feature in FEATURE_NAMES
    assert [f.contribution for f in result.top_features] == sorted(
        (f.contribution for f in result.top_features), reverse=True
    )
    assert "raised the fraud log-odds" in result.top_features[0].detail
    ordinary = score_transaction(txn("ok", T0, "41.00", country="FR"), routine())
    assert ordinary.decision is Decision.APPROVE and ordinary.score < result.score


def test_a_compromised_merchant_raises_the_score() -> None:
    # Two payments a day for 30 days; at one merchant every payment of the last 12 known days was a fraud.
    today = T0 // DAY
    clean, compromised = MerchantDailyCounters(), MerchantDailyCounters()
    for back in range(8, 38):
        for counters in (clean, compromised):
            for _ in range(2):
                counters.record_transaction(today - back)
        if back < 20:
            compromised.record_fraud(today - back, 2)
    history = CustomerHistory([*routine(), txn("now", T0, "40.00", country="FR")], CONFIG)
    current = history.items[-1]
    assert evaluate(current, history, merchant=compromised).score > 5 * evaluate(current, history, merchant=clean).score


def test_a_rule_the_model_never_learned_keeps_its_weight_as_a_floor() -> None:
    model = load_model()
    travel = FEATURE_NAMES.index("rule_impossible_travel")
    assert travel not in model.used_features, "the simulated data has no countries"
    jump = txn("jump", T0, "40.00", country="AU")
    result = score_transaction(jump, [*routine(), txn("paris", T0 - 600, "40.00", country="FR")])
    assert {"impossible_travel", "new_country"} <= {h.rule for h in result.reasons}
    assert CONFIG.weight_impossible_travel + CONFIG.weight_new_country >= CONFIG.rules_review_score
    assert result.risk_score >= CONFIG.review_threshold and result.decision is not Decision.APPROVE
    # One unlearned rule whose weight alone stays below the rules' review score forces nothing.
    casino = score_transaction(txn("casino", T0, "41.00", country="FR", merchant_category="7995"), routine())
    assert [h.rule for h in casino.reasons] == ["high_risk_merchant"] and casino.decision is Decision.APPROVE
    # Enough weight blocks, as the hand-weighted engine did.
    heavy = dataclasses.replace(CONFIG, weight_impossible_travel=70)
    blocked = score_transaction(jump, [*routine(), txn("paris", T0 - 600, "40.00", country="FR")], heavy)
    assert blocked.decision is Decision.BLOCK


def test_a_label_reported_after_scoring_never_changes_the_score() -> None:
    fraud = txn("f", T0 - 3 * DAY, "200.00", country="FR")
    before = score_transaction(txn("now", T0, "45.00", country="FR"), [*routine(), fraud])
    late = dataclasses.replace(fraud, fraud_reported_at=T0 + 60)
    at_once = dataclasses.replace(fraud, fraud_reported_at=T0)
    assert score_transaction(txn("now", T0, "45.00", country="FR"), [*routine(), late]) == before
    assert score_transaction(txn("now", T0, "45.00", country="FR"), [*routine(), at_once]) == before
    known = dataclasses.replace(fraud, fraud_reported_at=T0 - 60)
    assert score_transaction(txn("now", T0, "45.00", country="FR"), [*routine(), known]) != before


def test_a_label_delay_other_than_the_models_is_refused() -> None:
    with pytest.raises(ScoringConfigError, match="label_delay_days is 3 but model"):
        checked_model(None, dataclasses.replace(CONFIG, label_delay_days=3))
