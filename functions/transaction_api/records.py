"""From an accepted request to the stored item, and from the stored item to the client's record."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fraudlib.sharding import day_shard
from fraudlib.transaction_item import LABEL_VIEW_ATTRIBUTES, PUBLIC_ATTRIBUTES, TransactionItem

from transaction_api.transaction_request import TransactionRequest


def new_item(
    request: TransactionRequest,
    *,
    transaction_id: str,
    fingerprint: str,
    received_at: datetime,
    day_shards: int,
    ttl_days: int,
) -> TransactionItem:
    """The item to write for an accepted request.

    `received_at` must be timezone-aware; it is the default transaction time and the start of
    the TTL (counting from receipt keeps a late-submitted transaction for the full retention).
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    received_epoch = int(received_at.timestamp())
    timestamp = request.timestamp if request.timestamp is not None else received_epoch
    # Built from a request the model has validated and values computed here: nothing to validate again.
    return TransactionItem.model_construct(
        **request.model_dump(exclude_none=True, exclude={"transaction_id", "timestamp"}),
        transaction_id=transaction_id,
        timestamp=timestamp,
        day_shard=day_shard(transaction_id, timestamp, day_shards),
        request_fingerprint=fingerprint,
        received_at=received_at,
        expires_at=received_epoch + int(timedelta(days=ttl_days).total_seconds()),
    )


def public_view(item: TransactionItem) -> dict[str, Any]:
    """The client-facing record: allow-listed attributes, amount as a two-decimal string.

    Money goes out as a string ("12.50") so no client JSON parser can turn it into a binary float;
    DynamoDB also normalises "12.50" to 12.5, and the string restores the cents.
    """
    view = item.model_dump(include=set(PUBLIC_ATTRIBUTES), exclude_none=True)
    if not item.reasons:
        view.pop("reasons", None)
    if not item.labels:
        view.pop("labels", None)
    view["amount"] = f"{item.amount:.2f}"
    return view


def label_view(item: TransactionItem) -> dict[str, Any]:
    """What the label route answers: the transaction id, its effective label, source and time, and
    the whole history (the same attributes GET shows)."""
    return {"transaction_id": item.transaction_id,
            **item.model_dump(include=set(LABEL_VIEW_ATTRIBUTES), exclude_none=True)}
