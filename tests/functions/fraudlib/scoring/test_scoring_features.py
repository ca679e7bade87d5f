"""The feature module: windows, the label-delay shift of merchant counters, and labels seen only once reported."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from fraudlib.scoring import CustomerHistory, ScoringConfig, Transaction
from fraudlib.scoring.features import (
    FEATURE_NAMES,
    NO_FRAUD_DAYS,
    MerchantDailyCounters,
    day_number,
    feature_vector,
    rule_hits,
)

DAY = 86400
T0 = day_number("2018-08-08") * DAY + 12 * 3600  # a Wednesday, noon UTC
CONFIG = ScoringConfig()


def txn(tid: str, ts: int, amount: str, reported: int | None = None) -> Transaction:
    return Transaction(tid, "c-1", ts, Decimal(amount), "EUR", fraud_reported_at=reported)


def features(current: Transaction, history: list[Transaction], merchant: MerchantDailyCounters | None = None,
             config: ScoringConfig = CONFIG) -> dict[str, float]:
    indexed = CustomerHistory([*history, current], config)
    position = indexed.position(current)
    hits = rule_hits(current, indexed, position)
    vector = feature_vector(current, indexed, position, merchant or MerchantDailyCounters(), hits, config)
    assert len(vector) == len(FEATURE_NAMES)
    return dict(zip(FEATURE_NAMES, vector, strict=True))


def test_customer_windows_include_the_transaction_and_profile_excludes_it() -> None:
    history = [txn("a", T0 - 20 * DAY, "10"), txn("b", T0 - 3 * DAY, "20"), txn("c", T0 - 3600, "30")]
    f = features(txn("now", T0, "120"), history)
    assert (f["customer_tx_count_1d"], f["customer_tx_count_7d"], f["customer_tx_count_30d"]) == (2, 3, 4)
    assert f["customer_mean_amount_1d"] == pytest.approx(75)
    assert f["customer_mean_amount_30d"] == pytest.approx(45)
    assert f["amount_over_customer_mean_30d"] == pytest.approx(120 / 20)
    assert f["amount_customer_z_30d"] == pytest.approx((120 - 20) / 10)
    assert f["seconds_since_previous"] == 3600
    assert (f["amount"], f["is_night"], f["is_weekend"]) == (120, 0, 0)
    assert features(txn("n", T0 - 7 * 3600 + 3 * DAY, "1"), [])["is_night"] == 1  # 05:00 on a Saturday
    assert features(txn("n", T0 - 7 * 3600 + 3 * DAY, "1"), [])["is_weekend"] == 1


def test_amounts_are_in_reference_units() -> None:
    yen = dataclasses.replace(txn("now", T0, "15000"), currency="JPY")
    assert features(yen, [])["amount"] == pytest.approx(100)


def test_merchant_counters_are_shifted_by_the_label_delay() -> None:
    today = T0 // DAY
    merchant = MerchantDailyCounters()
    for back, count, frauds in ((8, 10, 5), (10, 30, 0), (20, 60, 3), (40, 100, 100), (3, 50, 2), (7, 5, 1)):
        for _ in range(count):
            merchant.record_transaction(today - back)
        merchant.record_fraud(today - back, frauds)
    f = features(txn("now", T0, "10"), [], merchant)
    # Delay 7: the 1-day window is day -8, the 7-day days -8..-14, the 30-day days -8..-37.
    assert (f["merchant_tx_count_1d"], f["merchant_tx_count_7d"], f["merchant_tx_count_30d"]) == (10, 40, 100)
    assert f["merchant_fraud_rate_1d"] == pytest.approx(0.5)
    assert f["merchant_fraud_rate_7d"] == pytest.approx(5 / 40)
    assert f["merchant_fraud_rate_30d"] == pytest.approx(8 / 100)
    # Frauds already reported on the delay period itself (days -7..0).
    assert f["merchant_known_frauds_delay_period"] == 3
    shorter = features(txn("now", T0, "10"), [], merchant, dataclasses.replace(CONFIG, label_delay_days=3))
    assert shorter["merchant_tx_count_1d"] == 0 and shorter["merchant_tx_count_7d"] == 5 + 10 + 30


def test_merchant_counters_from_an_aggregate_item() -> None:
    counters = MerchantDailyCounters.from_day_counts({"2018-07-31": 4}, {"2018-07-31": 1})
    assert counters.transactions == {day_number("2018-07-31"): 4} and counters.frauds == {day_number("2018-07-31"): 1}
    f = features(txn("now", T0, "10"), [], counters)
    assert (f["merchant_tx_count_1d"], f["merchant_fraud_rate_1d"]) == (4, 0.25)


def test_a_customer_fraud_counts_only_once_reported_before_the_transaction() -> None:
    fraud = txn("f", T0 - 5 * DAY, "500", reported=T0 - 100)
    assert features(txn("now", T0, "10"), [fraud])["customer_known_frauds_30d"] == 1
    assert features(txn("now", T0, "10"), [fraud])["days_since_customer_known_fraud"] == pytest.approx(5)
    reported_later = dataclasses.replace(fraud, fraud_reported_at=T0)
    f = features(txn("now", T0, "10"), [reported_later])
    assert (f["customer_known_frauds_30d"], f["days_since_customer_known_fraud"]) == (0, NO_FRAUD_DAYS)
    too_old = dataclasses.replace(fraud, timestamp=T0 - 31 * DAY)
    assert features(txn("now", T0, "10"), [too_old])["customer_known_frauds_30d"] == 0


def test_rule_flags() -> None:
    f = features(dataclasses.replace(txn("now", T0, "9000"), merchant_category="7995"), [])
    assert f["rule_high_amount"] == 1 and f["rule_high_risk_merchant"] == 1 and f["rule_card_testing"] == 0
