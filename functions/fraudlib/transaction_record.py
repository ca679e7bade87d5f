"""The stored transaction item, and the view of it that the API returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fraudlib.sharding import day_shard
from fraudlib.transaction_request import TransactionRequest

PUBLIC_ATTRIBUTES: tuple[str, ...] = (
    "transaction_id",
    "timestamp",
    "amount",
    "currency",
    "customer_id",
    "merchant_id",
    "terminal_id",
    "merchant_category",
    "country",
    "channel",
    "device_id",
    "ip_address",
    "latitude",
    "longitude",
    "received_at",
    "risk_score",
    "decision",
    "reasons",
    "scored_at",
)
"""Attributes a client may see. Storage bookkeeping (`day_shard`, `request_fingerprint`,
`expires_at`) stays internal, and an allow-list keeps anything added to the item later internal
until it is deliberately published."""


@dataclass(frozen=True)
class RecordPolicy:
    """Storage settings that shape an item."""

    day_shards: int
    ttl_days: int


def build_item(
    request: TransactionRequest,
    *,
    transaction_id: str,
    fingerprint: str,
    received_at: datetime,
    policy: RecordPolicy,
) -> dict[str, Any]:
    """The item to write for an accepted request.

    `received_at` must be timezone-aware; it is the default transaction time and the start of
    the TTL (counting from receipt keeps a late-submitted transaction for the full retention).
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    received_epoch = int(received_at.timestamp())
    timestamp = request.timestamp if request.timestamp is not None else received_epoch
    fields = request.model_dump(exclude_none=True, exclude={"transaction_id", "timestamp"})
    return {
        **fields,
        "transaction_id": transaction_id,
        "timestamp": timestamp,
        "day_shard": day_shard(transaction_id, timestamp, policy.day_shards),
        "request_fingerprint": fingerprint,
        "received_at": received_at.isoformat(timespec="milliseconds"),
        "expires_at": received_epoch + int(timedelta(days=policy.ttl_days).total_seconds()),
    }


def public_view(item: dict[str, Any]) -> dict[str, Any]:
    """The client-facing record: allow-listed attributes, amount as a two-decimal string.

    Money goes out as a string ("12.50") so no client JSON parser can turn it into a binary float;
    DynamoDB also normalises "12.50" to 12.5, and the string restores the cents.
    """
    view = {name: item[name] for name in PUBLIC_ATTRIBUTES if name in item}
    amount = view.get("amount")
    if isinstance(amount, Decimal):
        view["amount"] = f"{amount:.2f}"
    return view
