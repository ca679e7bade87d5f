"""Unit tests of alert parsing and rendering."""

from __future__ import annotations

import json

import pytest
from fraudlib.alert_message import FraudAlertMessage
from fraudlib.transaction_item import MalformedItemError
from hypothesis import given
from hypothesis import strategies as st
from notifier.alert import build_subject


def _body(**overrides: object) -> str:
    body = {
        "transaction_id": "t-1",
        "customer_id": "c-123",
        "amount": "10.00",
        "currency": "EUR",
        "timestamp": 1763844600,
        "merchant_category": "7995",
        "country": "FR",
        "received_at": "2025-11-22T00:00:00.000Z",
        "risk_score": 87,
        "decision": "block",
        "reasons": [{"rule": "high_amount", "contribution": 25, "detail": "x"}],
        "scored_at": "2025-11-22T00:00:00.000Z",
    }
    body.update(overrides)
    return json.dumps(body)


def test_subject_matches_the_documented_shape() -> None:
    subject = build_subject(FraudAlertMessage.from_body(_body()))
    assert subject == "[BLOCK] Fraud alert: score 87 (txn t-1)"


@given(customer=st.emails(), txn=st.text(min_size=1, max_size=300).filter(lambda t: "@" not in t))
def test_subject_is_short_ascii_single_line(customer: str, txn: str) -> None:
    if not txn.strip():
        return
    subject = build_subject(FraudAlertMessage.from_body(_body(customer_id=customer, transaction_id=txn)))
    assert len(subject) <= 100
    assert subject.isascii()
    assert all(32 <= ord(c) < 127 for c in subject)
    assert subject.startswith("[BLOCK] Fraud alert: score 87 (txn ")
    # Customer ids here are e-mail addresses and transaction ids hold no "@": nothing of the customer's
    # can reach the subject without its "@".
    assert "@" not in subject and customer not in subject


def test_attributes_for_filter_policies() -> None:
    attributes = FraudAlertMessage.from_body(_body(decision="review", risk_score=55)).attributes()
    assert attributes["decision"] == {"DataType": "String", "StringValue": "review"}
    assert attributes["risk_score"] == {"DataType": "Number", "StringValue": "55"}


def test_attributes_carry_no_customer_identifier() -> None:
    message = FraudAlertMessage.from_body(_body(customer_id="alice@example.com"))
    assert set(message.attributes()) == {"decision", "risk_score"}
    assert "alice@example.com" not in json.dumps(message.attributes())


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("{not json", "json_invalid|Invalid JSON"),
        ("[1, 2]", "FraudAlertMessage"),
        (_body(risk_score=101), "risk_score"),
        (_body(risk_score=True), "risk_score"),
        (_body(risk_score="87"), "risk_score"),
        (_body(decision="panic"), "decision"),
        (_body(transaction_id=""), "transaction_id"),
        (_body(customer_id=None), "customer_id"),
        (_body(received_at="2025-11-22T00:00:00"), "received_at"),
        (_body(amount="ten"), "amount"),
        (_body(reasons="high_amount"), "reasons"),
    ],
)
def test_malformed_bodies_are_rejected(raw: str, problem: str) -> None:
    with pytest.raises(MalformedItemError, match=problem):
        FraudAlertMessage.from_body(raw)
