"""Mapping between stored transaction items (deserialized DynamoDB maps) and scoring transactions."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fraudlib.scoring import Transaction


class MalformedItemError(ValueError):
    """A stored item lacks an attribute the analyzer needs, or has one of the wrong type."""


def _text(item: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = item.get(name)
    if value is None:
        if required:
            raise MalformedItemError(f"attribute {name!r} is missing")
        return None
    if not isinstance(value, str) or not value:
        raise MalformedItemError(f"attribute {name!r} must be a non-empty string, got {value!r}")
    return value


def _number(item: Mapping[str, Any], name: str) -> Decimal | None:
    value = item.get(name)
    if value is None:
        return None
    # Deserialized DynamoDB numbers are Decimal; anything else (a float, a string) is not a number.
    if isinstance(value, bool) or not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
        raise MalformedItemError(f"attribute {name!r} must be a number, got {value!r}")
    return Decimal(value)


def _coordinate(item: Mapping[str, Any], name: str, limit: int) -> float | None:
    value = _number(item, name)
    if value is None:
        return None
    if not -limit <= value <= limit:
        raise MalformedItemError(f"attribute {name!r} is out of range: {value}")
    return float(value)


def to_transaction(item: Mapping[str, Any]) -> Transaction:
    """The scoring view of a stored item; raises MalformedItemError when it cannot be scored."""
    if not isinstance(item, Mapping) or not item:
        raise MalformedItemError("the item is empty")
    timestamp = _number(item, "timestamp")
    if timestamp is None or timestamp != timestamp.to_integral_value():
        raise MalformedItemError(f"attribute 'timestamp' must be integer epoch seconds, got {timestamp!r}")
    amount = _number(item, "amount")
    if amount is None or amount < 0:
        raise MalformedItemError(f"attribute 'amount' must be a non-negative number, got {amount!r}")
    return Transaction(
        transaction_id=_text(item, "transaction_id") or "",
        customer_id=_text(item, "customer_id") or "",
        timestamp=int(timestamp),
        amount=amount,
        currency=_text(item, "currency") or "",
        country=_text(item, "country", required=False),
        merchant_category=_text(item, "merchant_category", required=False),
        latitude=_coordinate(item, "latitude", 90),
        longitude=_coordinate(item, "longitude", 180),
    )
