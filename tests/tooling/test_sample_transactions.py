"""The sample set triggers what it claims to, scored by the real engine (pure, no emulator)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fraudlib.scores import Transaction
from fraudlib.scoring import score_transaction
from transaction_api.json_body import parse_json
from transaction_api.transaction_request import TransactionRequest
from transaction_api.validation_context import ValidationLimits

from tooling.sample_transactions import fraud_kinds, sample_transactions

NOWS = [datetime.now(UTC), datetime(2026, 1, 1, 0, 5, tzinfo=UTC), datetime(2026, 6, 30, 23, 59, tzinfo=UTC)]


def _transaction(body: dict) -> Transaction:
    return Transaction(
        transaction_id=body["transaction_id"], customer_id=body["customer_id"], timestamp=body["timestamp"],
        amount=Decimal(body["amount"]), currency=body["currency"], country=body["country"],
        merchant_category=body["merchant_category"], latitude=body.get("latitude"), longitude=body.get("longitude"),
    )


@pytest.mark.parametrize("now", NOWS, ids=lambda n: n.strftime("%H%M"))
def test_every_expectation_holds_and_all_decisions_occur(now: datetime) -> None:
    samples = sample_transactions(now, "t1")
    everything = [_transaction(s.body) for s in samples]
    decisions: Counter[str] = Counter()
    for sample, txn in zip(samples, everything, strict=True):
        result = score_transaction(txn, everything)
        decisions[result.decision.value] += 1
        rules = {hit.rule for hit in result.reasons}
        assert set(sample.expected_rules) <= rules, (sample.scenario, rules)
        if sample.expected_decision:
            assert result.decision.value == sample.expected_decision, (sample.scenario, result)
    assert set(decisions) == {"approve", "review", "block"}


def test_every_rule_of_the_engine_is_demonstrated() -> None:
    assert fraud_kinds(sample_transactions(NOWS[0], "t1")) == {
        "amount_above_profile", "high_amount", "velocity_hour", "velocity_day", "card_testing", "new_country",
        "impossible_travel", "high_risk_merchant", "round_amount", "unusual_hour",
    }


def test_bodies_pass_the_api_validation_within_its_time_window() -> None:
    now = datetime.now(UTC)
    samples = sample_transactions(now, "t1")
    limits = ValidationLimits(max_amount=Decimal("1000000.00"))
    for sample in samples:
        # As the API reads it: the JSON text, numbers as Decimal.
        document = parse_json(json.dumps(sample.body).encode())
        TransactionRequest.model_validate(document, context=limits.as_context())
        assert now - timedelta(days=30) < datetime.fromtimestamp(sample.timestamp, UTC) <= now


def test_ids_are_unique_and_carry_the_run_id() -> None:
    samples = sample_transactions(NOWS[0], "run42")
    ids = [s.transaction_id for s in samples]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("run42-") and s.body["customer_id"].startswith("run42-")
               for i, s in zip(ids, samples, strict=True))
    assert [s.timestamp for s in samples] == sorted(s.timestamp for s in samples)
