"""One test group per rule: fires at the boundary, stays quiet just below it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import pytest
from fraudlib.scoring import (
    Decision,
    ScoringConfig,
    Transaction,
    decide,
    score_transaction,
)

T0 = 1763812800  # 2025-11-22T12:00:00Z
HOUR = 3600
DAY = 86400


def txn(tid: str, ts: int, amount: str = "42.00", **fields: Any) -> Transaction:
    """A transaction of customer c-1 with plain defaults."""
    values: dict[str, Any] = {"currency": "USD", "country": "US", "merchant_category": "5411"}
    values.update(fields)
    return Transaction(transaction_id=tid, customer_id="c-1", timestamp=ts, amount=Decimal(amount), **values)


def rules(current: Transaction, history: list[Transaction], config: ScoringConfig | None = None) -> set[str]:
    """Names of the rules that fire."""
    return {hit.rule for hit in score_transaction(current, history, config).reasons}


def daily(count: int, amount: str = "100.00", **fields: Any) -> list[Transaction]:
    """`count` transactions at 12:00 UTC on the days before T0."""
    return [txn(f"h{k}", T0 - k * DAY, amount, **fields) for k in range(1, count + 1)]


class TestAmountAboveProfile:
    def test_fires_at_three_times_a_flat_profile(self) -> None:
        assert "amount_above_profile" in rules(txn("t", T0, "300.00"), daily(5))

    def test_quiet_just_below_the_ratio(self) -> None:
        assert "amount_above_profile" not in rules(txn("t", T0, "299.99"), daily(5))

    def test_needs_minimum_history(self) -> None:
        assert "amount_above_profile" not in rules(txn("t", T0, "900.00"), daily(4))

    def test_only_the_trailing_window_counts(self) -> None:
        old = [txn(f"o{k}", T0 - (30 * DAY) - k, "100.00") for k in range(5)]
        assert "amount_above_profile" not in rules(txn("t", T0, "900.00"), old)

    def test_only_the_same_currency_counts(self) -> None:
        assert "amount_above_profile" not in rules(txn("t", T0, "900.00"), daily(5, currency="EUR"))

    def test_z_score_boundary(self) -> None:
        # mean 100, sample standard deviation 10: 130 is exactly 3 deviations above.
        history = [
            txn(f"h{i}", T0 - (i + 1) * DAY, a) for i, a in enumerate(["90", "110", "90", "110", "100"])
        ]
        config = ScoringConfig(profile_min_ratio=Decimal(1))
        assert "amount_above_profile" in rules(txn("t", T0, "130.00"), history, config)
        assert "amount_above_profile" not in rules(txn("t", T0, "129.99"), history, config)

    def test_detail_names_the_numbers(self) -> None:
        result = score_transaction(txn("t", T0, "300.00"), daily(5))
        detail = next(h.detail for h in result.reasons if h.rule == "amount_above_profile")
        assert "300.00 USD" in detail
        assert "mean of 100.00 USD over 5 transactions" in detail


class TestHighAmount:
    def test_boundary(self) -> None:
        assert "high_amount" in rules(txn("t", T0, "5000.00"), [])
        assert "high_amount" not in rules(txn("t", T0, "4999.99"), [])

    def test_scaled_currency(self) -> None:
        assert "high_amount" in rules(txn("t", T0, "750000", currency="JPY"), [])
        assert "high_amount" not in rules(txn("t", T0, "749999", currency="JPY"), [])


class TestVelocity:
    def test_hour_count_boundary(self) -> None:
        five = [txn(f"v{k}", T0 - k * 600, "10.00") for k in range(1, 6)]
        assert "velocity_hour" in rules(txn("t", T0, "10.00"), five)
        assert "velocity_hour" not in rules(txn("t", T0, "10.00"), five[:4])

    def test_a_transaction_exactly_one_hour_old_is_outside(self) -> None:
        five = [txn(f"v{k}", T0 - k * 600, "10.00") for k in range(1, 5)] + [txn("edge", T0 - HOUR, "10.00")]
        assert "velocity_hour" not in rules(txn("t", T0, "10.00"), five)

    def test_hour_amount_boundary(self) -> None:
        earlier = [txn("v1", T0 - 60, "1500.00")]
        assert "velocity_hour" in rules(txn("t", T0, "1500.01"), earlier)
        assert "velocity_hour" not in rules(txn("t", T0, "1500.00"), earlier)

    def test_a_single_large_amount_is_not_velocity(self) -> None:
        assert "velocity_hour" not in rules(txn("t", T0, "4000.00"), [])

    def test_day_count_boundary(self) -> None:
        twenty = [txn(f"v{k}", T0 - k * 4000, "1.50") for k in range(1, 21)]
        assert "velocity_day" in rules(txn("t", T0, "1.50"), twenty)
        assert "velocity_day" not in rules(txn("t", T0, "1.50"), twenty[:19])


class TestCardTesting:
    def test_fourth_small_amount_in_ten_minutes_fires(self) -> None:
        three = [txn(f"s{k}", T0 - k * 120, "1.00") for k in range(1, 4)]
        assert "card_testing" in rules(txn("t", T0, "5.00"), three)
        assert "card_testing" not in rules(txn("t", T0, "5.00"), three[:2])

    def test_current_amount_must_be_small(self) -> None:
        three = [txn(f"s{k}", T0 - k * 120, "1.00") for k in range(1, 4)]
        assert "card_testing" not in rules(txn("t", T0, "5.01"), three)

    def test_window_edge_is_excluded(self) -> None:
        three = [txn("s1", T0 - 60, "1.00"), txn("s2", T0 - 120, "1.00"), txn("s3", T0 - 600, "1.00")]
        assert "card_testing" not in rules(txn("t", T0, "1.00"), three)


class TestNewCountry:
    def test_boundary_on_history_size(self) -> None:
        assert "new_country" in rules(txn("t", T0, country="FR"), daily(5))
        assert "new_country" not in rules(txn("t", T0, country="FR"), daily(4))

    def test_known_country_is_quiet(self) -> None:
        history = [*daily(5), txn("fr", T0 - 40 * DAY, country="FR")]
        assert "new_country" not in rules(txn("t", T0, country="FR"), history)


class TestImpossibleTravel:
    PARIS: ClassVar[dict[str, Any]] = {"latitude": 48.8566, "longitude": 2.3522, "country": "FR"}
    NEW_YORK: ClassVar[dict[str, Any]] = {"latitude": 40.7128, "longitude": -74.0060, "country": "US"}

    def test_coordinates_too_fast(self) -> None:
        # About 5,840 km: one hour is far too fast, seven hours is an airliner.
        previous = [txn("p", T0 - HOUR, **self.PARIS)]
        assert "impossible_travel" in rules(txn("t", T0, **self.NEW_YORK), previous)
        previous = [txn("p", T0 - 7 * HOUR, **self.PARIS)]
        assert "impossible_travel" not in rules(txn("t", T0, **self.NEW_YORK), previous)

    def test_same_second_far_away(self) -> None:
        assert "impossible_travel" in rules(txn("t", T0, **self.NEW_YORK), [txn("p", T0, **self.PARIS)])

    def test_country_centroids_when_coordinates_are_missing(self) -> None:
        previous = [txn("p", T0 - 30 * 60, country="FR")]
        assert "impossible_travel" in rules(txn("t", T0, country="AU"), previous)

    def test_short_hops_are_ignored(self) -> None:
        # Brussels -> Amsterdam (about 175 km) in ten minutes: fast, but under the minimum distance.
        previous = [txn("p", T0 - 600, latitude=50.8503, longitude=4.3517, country="BE")]
        assert "impossible_travel" not in rules(
            txn("t", T0, latitude=52.3676, longitude=4.9041, country="NL"), previous
        )

    def test_only_the_previous_transaction_counts(self) -> None:
        history = [txn("p1", T0 - 30 * 60, **self.PARIS), txn("p2", T0 - 20 * 60, **self.NEW_YORK)]
        assert "impossible_travel" not in rules(txn("t", T0, **self.NEW_YORK), history)


class TestMerchantCategory:
    @pytest.mark.parametrize("mcc", ["4829", "6051", "7995", "6211", "5967"])
    def test_high_risk(self, mcc: str) -> None:
        assert "high_risk_merchant" in rules(txn("t", T0, merchant_category=mcc), [])

    @pytest.mark.parametrize("mcc", ["5411", None])
    def test_ordinary(self, mcc: str | None) -> None:
        assert "high_risk_merchant" not in rules(txn("t", T0, merchant_category=mcc), [])


class TestRoundAmount:
    @pytest.mark.parametrize(("amount", "fires"), [("500.00", True), ("400.00", False), ("550.00", False)])
    def test_boundaries(self, amount: str, fires: bool) -> None:
        assert ("round_amount" in rules(txn("t", T0, amount), [])) is fires

    def test_scaled_currency_uses_a_round_unit_of_its_own(self) -> None:
        assert "round_amount" in rules(txn("t", T0, "80000", currency="JPY"), [])
        assert "round_amount" not in rules(txn("t", T0, "75000", currency="JPY"), [])


class TestUnusualHour:
    def test_boundary_on_history_size(self) -> None:
        assert "unusual_hour" in rules(txn("t", T0 - 9 * HOUR), daily(10))
        assert "unusual_hour" not in rules(txn("t", T0 - 9 * HOUR), daily(9))

    def test_neighbouring_hour_is_usual(self) -> None:
        assert "unusual_hour" not in rules(txn("t", T0 + HOUR), daily(10))
        assert "unusual_hour" in rules(txn("t", T0 + 2 * HOUR), daily(10))


def test_zero_weight_switches_a_rule_off() -> None:
    config = ScoringConfig(weight_high_risk_mcc=0)
    assert "high_risk_merchant" not in rules(txn("t", T0, merchant_category="7995"), [], config)


def test_history_of_other_customers_and_later_transactions_is_ignored() -> None:
    stranger = Transaction("x", "c-2", T0 - 60, Decimal("1.00"), "USD", "US")
    later = [txn(f"l{k}", T0 + k, "1.00") for k in range(1, 5)]
    assert score_transaction(txn("t", T0, "1.00"), [stranger, *later]).reasons == ()


@pytest.mark.parametrize(
    ("score", "decision"),
    [
        (0, Decision.APPROVE),
        (9, Decision.APPROVE),
        (10, Decision.REVIEW),
        (59, Decision.REVIEW),
        (60, Decision.BLOCK),
        (100, Decision.BLOCK),
    ],
)
def test_decision_thresholds(score: int, decision: Decision) -> None:
    assert decide(score, ScoringConfig()) is decision


def test_score_is_capped_and_decided() -> None:
    config = ScoringConfig(weight_high_amount=60)
    current = txn("t", T0 - 9 * HOUR, "9000.00", merchant_category="7995", country="FR")
    result = score_transaction(current, daily(10), config)
    assert sum(h.contribution for h in result.reasons) > 100
    assert (result.rule_score, result.decision) == (100, Decision.BLOCK)
