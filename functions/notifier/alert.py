"""The fraud alert: parsed from a fraud-queue message, rendered as an SNS subject, body and attributes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

SUBJECT_LIMIT = 100  # SNS rejects longer subjects
DECISIONS = frozenset({"approve", "review", "block"})
# Everything that is scoring output; the rest of the message body describes the transaction.
_SCORING_FIELDS = frozenset({"risk_score", "decision", "reasons", "scored_at"})
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")


class MalformedAlertError(ValueError):
    """A fraud-queue message that is not a valid alert; retrying cannot fix it."""


@dataclass(frozen=True)
class FraudAlert:
    """A validated fraud-queue message."""

    transaction_id: str
    customer_id: str
    risk_score: int
    decision: str
    reasons: tuple[dict[str, Any], ...]
    scored_at: str | None
    transaction: dict[str, Any]

    def as_payload(self) -> dict[str, Any]:
        """The alert as a plain JSON-able dict (also what the idempotency key is taken from)."""
        return {
            "transaction_id": self.transaction_id,
            "customer_id": self.customer_id,
            "risk_score": self.risk_score,
            "decision": self.decision,
            "reasons": list(self.reasons),
            "scored_at": self.scored_at,
            "transaction": self.transaction,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> FraudAlert:
        """The inverse of as_payload."""
        return cls(
            transaction_id=payload["transaction_id"],
            customer_id=payload["customer_id"],
            risk_score=payload["risk_score"],
            decision=payload["decision"],
            reasons=tuple(payload["reasons"]),
            scored_at=payload["scored_at"],
            transaction=payload["transaction"],
        )


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise MalformedAlertError(f"{name!r} must be a non-empty string, got {value!r}")
    return value


def parse_alert(raw: str) -> FraudAlert:
    """Validate a fraud-queue message body; raises MalformedAlertError saying what is wrong."""
    try:
        body = json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise MalformedAlertError(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise MalformedAlertError("body must be a JSON object")
    score = body.get("risk_score")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise MalformedAlertError(f"'risk_score' must be an integer 0..100, got {score!r}")
    decision = body.get("decision")
    if decision not in DECISIONS:
        raise MalformedAlertError(f"'decision' must be one of {sorted(DECISIONS)}, got {decision!r}")
    reasons = body.get("reasons", [])
    if not isinstance(reasons, list) or not all(isinstance(r, dict) and "rule" in r for r in reasons):
        raise MalformedAlertError("'reasons' must be a list of objects with a 'rule'")
    amount = body.get("amount")
    if amount is not None:
        try:
            if not isinstance(amount, str) or not Decimal(amount).is_finite():
                raise InvalidOperation
        except InvalidOperation as exc:
            raise MalformedAlertError(f"'amount' must be a decimal string, got {amount!r}") from exc
    scored_at = body.get("scored_at")
    return FraudAlert(
        transaction_id=_text(body, "transaction_id"),
        customer_id=_text(body, "customer_id"),
        risk_score=score,
        decision=decision,
        reasons=tuple(reasons),
        scored_at=scored_at if isinstance(scored_at, str) else None,
        transaction={k: v for k, v in body.items() if k not in _SCORING_FIELDS},
    )


def _ascii(text: str) -> str:
    return _NOT_PRINTABLE_ASCII.sub("?", text)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


def build_subject(alert: FraudAlert) -> str:
    """A one-line ASCII subject of at most 100 characters, e.g.
    "[BLOCK] Fraud alert: score 87 for customer c-123 (txn t-1)".

    Ids are client-supplied, so they are reduced to printable ASCII and shortened (customer first,
    then transaction) when the whole would not fit.
    """
    customer = _ascii(alert.customer_id)
    txn = _ascii(alert.transaction_id)
    head = f"[{alert.decision.upper()}] Fraud alert: score {alert.risk_score} for customer "
    fixed = len(head) + len(" (txn )")
    room = SUBJECT_LIMIT - fixed
    if len(customer) + len(txn) > room:
        txn = _shorten(txn, max(room // 2, room - len(customer)))
        customer = _shorten(customer, room - len(txn))
    return f"{head}{customer} (txn {txn})"


def build_message(alert: FraudAlert) -> str:
    """The alert body: JSON with the transaction, score, decision and reasons, readable in an email."""
    return json.dumps(
        {
            "transaction": alert.transaction,
            "risk_score": alert.risk_score,
            "decision": alert.decision,
            "reasons": list(alert.reasons),
            "scored_at": alert.scored_at,
        },
        indent=2,
        sort_keys=True,
    )


def build_attributes(alert: FraudAlert) -> dict[str, dict[str, str]]:
    """SNS message attributes that subscription filter policies can match on."""
    return {
        "decision": {"DataType": "String", "StringValue": alert.decision},
        "risk_score": {"DataType": "Number", "StringValue": str(alert.risk_score)},
        "customer_id": {"DataType": "String", "StringValue": alert.customer_id},
    }
