"""Stored transaction items for tests, built with the one item model (so they are what the API writes)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fraudlib.sharding import day_shard
from fraudlib.transaction_item import TransactionItem

SHARDS = 4


def stored_item(
    transaction_id: str,
    customer_id: str,
    timestamp: int,
    amount: str = "3.00",
    currency: str = "USD",
    country: str = "US",
    **extra: Any,
) -> dict[str, Any]:
    """A valid item of the transactions table (plain values, numbers as Decimal); `extra` overrides."""
    attributes: dict[str, Any] = {
        "transaction_id": transaction_id,
        "timestamp": timestamp,
        "customer_id": customer_id,
        "merchant_id": "m-regular",
        "merchant_category": "5411",
        "amount": Decimal(amount),
        "currency": currency,
        "country": country,
        "day_shard": day_shard(transaction_id, timestamp, SHARDS),
        "request_fingerprint": "0" * 64,
        "received_at": datetime.fromtimestamp(timestamp, tz=UTC),
        "expires_at": timestamp + 400 * 86400,
    }
    return TransactionItem(**{**attributes, **extra}).to_item()
