"""The message the analyzer puts on the fraud queue for every review or block decision."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fraudlib.scoring import ScoreResult

# The transaction attributes worth showing to whoever handles the alert; storage bookkeeping
# (day_shard, request_fingerprint, expires_at) stays out.
ALERT_TRANSACTION_FIELDS: tuple[str, ...] = (
    "transaction_id",
    "timestamp",
    "customer_id",
    "merchant_id",
    "terminal_id",
    "merchant_category",
    "amount",
    "currency",
    "country",
    "channel",
    "device_id",
    "ip_address",
    "latitude",
    "longitude",
    "received_at",
)


@dataclass(frozen=True)
class QueueMessage:
    """A message body plus the attributes the queue's consumers route on."""

    body: str
    decision: str
    risk_score: int
    customer_id: str


def reasons_as_dicts(result: ScoreResult) -> list[dict[str, Any]]:
    """The fired rules as plain maps (rule, contribution, detail)."""
    return [{"rule": r.rule, "contribution": r.contribution, "detail": r.detail} for r in result.reasons]


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, Decimal):
        # Money stays exact as a string; the epoch timestamp is an integer; coordinates are not money.
        if name == "amount":
            return str(value)
        if name == "timestamp":
            return int(value)
        return float(value)
    return value


def build_message(item: Mapping[str, Any], result: ScoreResult, scored_at: str) -> QueueMessage:
    """The fraud-queue message for a scored item."""
    body: dict[str, Any] = {
        name: _plain(name, item[name]) for name in ALERT_TRANSACTION_FIELDS if item.get(name) is not None
    }
    body.update(
        risk_score=result.risk_score,
        decision=result.decision.value,
        reasons=reasons_as_dicts(result),
        scored_at=scored_at,
    )
    return QueueMessage(
        body=json.dumps(body, sort_keys=True, separators=(",", ":")),
        decision=result.decision.value,
        risk_score=result.risk_score,
        customer_id=str(item["customer_id"]),
    )
