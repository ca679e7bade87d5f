"""Mapping of stored items (deserialized DynamoDB maps) to report transactions."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fraudlib.reporting import ReportTransaction


class MalformedItemError(ValueError):
    """A stored item cannot be counted (missing id, time, customer, amount or currency)."""


def _optional_text(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return value if isinstance(value, str) and value else None


def to_report_transaction(item: Mapping[str, Any]) -> ReportTransaction:
    """The report view of an item; raises MalformedItemError when a required attribute is unusable."""
    tid = item.get("transaction_id")
    customer = item.get("customer_id")
    timestamp = item.get("timestamp")
    amount = item.get("amount")
    currency = item.get("currency")
    if not (isinstance(tid, str) and isinstance(customer, str) and isinstance(currency, str)):
        raise MalformedItemError(f"item {tid!r}: transaction_id, customer_id and currency must be strings")
    if not isinstance(timestamp, Decimal) or not isinstance(amount, Decimal) or not amount.is_finite():
        raise MalformedItemError(f"item {tid!r}: timestamp and amount must be numbers")
    score = item.get("risk_score")
    reasons = item.get("reasons")
    rules = (
        tuple(r["rule"] for r in reasons if isinstance(r, Mapping) and isinstance(r.get("rule"), str))
        if isinstance(reasons, list)
        else ()
    )
    return ReportTransaction(
        transaction_id=tid,
        timestamp=int(timestamp),
        customer_id=customer,
        merchant_id=_optional_text(item, "merchant_id"),
        terminal_id=_optional_text(item, "terminal_id"),
        merchant_category=_optional_text(item, "merchant_category"),
        country=_optional_text(item, "country"),
        amount=amount,
        currency=currency,
        risk_score=int(score) if isinstance(score, Decimal) else None,
        decision=_optional_text(item, "decision"),
        rules=rules,
    )
