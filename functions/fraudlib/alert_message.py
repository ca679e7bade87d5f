"""The fraud-queue message: built by the analyzer for every review or block, read by the notifier.

The body is the JSON of `FraudAlertMessage`: the transaction's fields as stored (amount as a
decimal string, moments as UTC text ending in `Z`) plus the score, decision, reasons and scoring
time. Producer and consumer use this one model, so they cannot disagree on the contract.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, ValidationError

from fraudlib.scores import Decision, RuleHit, ScoreResult
from fraudlib.timestamps import UtcMoment
from fraudlib.transaction_item import TransactionFields, TransactionItem, malformed

_TRANSACTION_FIELDS = set(TransactionFields.model_fields)


class FraudAlertMessage(TransactionFields):
    """A scored transaction that needs a human: review or block."""

    risk_score: Annotated[int, Field(ge=0, le=100, strict=True)]
    decision: Decision
    reasons: tuple[RuleHit, ...] = ()
    scored_at: UtcMoment

    @classmethod
    def for_scored(cls, item: TransactionItem, result: ScoreResult, scored_at: datetime) -> FraudAlertMessage:
        """The message for a scored item."""
        return cls(
            **item.model_dump(include=_TRANSACTION_FIELDS),
            risk_score=result.risk_score,
            decision=result.decision,
            reasons=result.reasons,
            scored_at=scored_at,
        )

    @classmethod
    def for_stored(cls, item: TransactionItem) -> FraudAlertMessage:
        """The message of an item scored earlier, from its stored score: the same message as the one
        built when it was scored, so a re-sent alert says what the first one said."""
        if item.risk_score is None or item.decision is None or item.scored_at is None:
            raise ValueError(f"transaction {item.transaction_id} has no stored score")
        return cls.for_scored(item, ScoreResult(item.risk_score, item.decision, item.reasons), item.scored_at)

    @classmethod
    def from_body(cls, body: str) -> FraudAlertMessage:
        """Validate a message body; raises `MalformedItemError` naming every bad field."""
        try:
            return cls.model_validate_json(body)
        except ValidationError as exc:
            raise malformed(cls.__name__, exc) from None

    def body(self) -> str:
        """The message body: compact JSON, absent values left out."""
        return self.model_dump_json(exclude_none=True)

    def transaction(self) -> dict[str, Any]:
        """The transaction's own fields as JSON values (what an alert shows about it)."""
        return self.model_dump(mode="json", include=_TRANSACTION_FIELDS, exclude_none=True)

    def attributes(self) -> dict[str, dict[str, str]]:
        """Message attributes that queue consumers and topic subscription filters route on.

        No customer identifier: attributes are shown to subscribers outside the encrypted body
        (e-mail headers, filter policies), so they carry the decision and the score only."""
        return {
            "decision": {"DataType": "String", "StringValue": self.decision.value},
            "risk_score": {"DataType": "Number", "StringValue": str(self.risk_score)},
        }
