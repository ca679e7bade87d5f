"""The stored transaction item: one model for its writer (the API) and every reader.

`TransactionItem.to_item()` gives the attribute map to store (plain Python values; numbers as
`Decimal`, moments as UTC text ending in `Z`), `TransactionItem.from_item()` reads a deserialized
item back with the same rules, wherever it is read (API, analyzer, report generator, tooling).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError

from fraudlib.labels import LabelEvent, LabelHistory, LabelSource, Outcome, epoch_seconds_up
from fraudlib.scores import Decision, FeatureContribution, RuleHit, ScoreResult
from fraudlib.timestamps import UtcMoment, utc_text

Text = Annotated[str, Field(min_length=1)]
Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
# Coordinates are exact decimals in storage; in JSON they are numbers, not money.
Latitude = Annotated[Decimal, Field(ge=-90, le=90, allow_inf_nan=False), PlainSerializer(float, when_used="json")]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, allow_inf_nan=False), PlainSerializer(float, when_used="json")]


class MalformedItemError(ValueError):
    """A stored item (or message) that does not follow its model; retrying cannot fix it."""


class TransactionFields(BaseModel):
    """What describes a transaction: the accepted request as stored, and when it was received."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    transaction_id: Text
    timestamp: int
    """Epoch seconds (UTC) of the transaction."""
    customer_id: Text
    merchant_id: Text | None = None
    terminal_id: Text | None = None
    merchant_category: Text
    amount: Money
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    country: Annotated[str, Field(min_length=2, max_length=2)]
    channel: Text | None = None
    device_id: Text | None = None
    ip_address: Text | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    received_at: UtcMoment
    """When the API accepted the transaction."""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self:
        """Validate `data`; raises `MalformedItemError` naming every bad attribute."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise malformed(cls.__name__, exc) from None


def malformed(what: str, exc: ValidationError) -> MalformedItemError:
    """A `MalformedItemError` that names every bad attribute of `exc`."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
        for error in exc.errors(include_url=False)
    )
    return MalformedItemError(f"malformed {what}: {problems}")


class TransactionItem(TransactionFields):
    """One item of the transactions table (key: `transaction_id` + `timestamp`)."""

    day_shard: Text
    """`YYYY-MM-DD#k`: key of the day index (fraudlib.sharding)."""
    request_fingerprint: Text
    """SHA-256 of the canonical client body: tells a replay from a different request."""
    expires_at: int
    """TTL, epoch seconds."""
    risk_score: Annotated[int, Field(ge=0, le=100)] | None = None
    decision: Decision | None = None
    reasons: tuple[RuleHit, ...] = ()
    model_version: Text | None = None
    """Content hash of the model that scored the transaction (fraudlib/scoring/model.json)."""
    top_features: tuple[FeatureContribution, ...] = ()
    """The model features that raised the score most (path attribution), for reviewed and blocked
    transactions."""
    scored_at: UtcMoment | None = None
    """Set by the analyzer (with score, decision, reasons and model version) once the transaction is scored."""
    labels: tuple[LabelEvent, ...] = ()
    """Every outcome reported on the transaction, in `fraudlib.labels` order (written by the label route)."""
    label: Outcome | None = None
    """The effective label: the latest event of `labels`."""
    label_source: LabelSource | None = None
    """Who reported the effective label."""
    label_reported_at: UtcMoment | None = None
    """When the effective label was reported."""
    fraud_reported_at: int | None = None
    """Epoch seconds (rounded up) since when the transaction has been effectively fraud; absent unless
    the effective label is fraud. What features of later transactions compare with their own time."""
    label_version: Annotated[int, Field(ge=1)] | None = None
    """Number of label writes so far: the condition of the next one (optimistic concurrency)."""

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> TransactionItem:
        """The model of a deserialized item; raises `MalformedItemError`."""
        return cls.parse(item)

    def to_item(self) -> dict[str, Any]:
        """The attribute map to store: absent values left out, numbers exact, moments as text."""
        item = self.model_dump(exclude_none=True)
        for empty in ("reasons", "top_features", "labels"):
            if not item[empty]:
                del item[empty]
        return item

    @property
    def scored(self) -> bool:
        """Whether the analyzer has written a score."""
        return self.risk_score is not None

    @property
    def label_history(self) -> LabelHistory:
        """The stored label events as a history."""
        return LabelHistory.of(self.labels)


LABEL_VIEW_ATTRIBUTES: frozenset[str] = frozenset({"label", "label_source", "label_reported_at", "labels"})
"""What a client sees of a transaction's labels: the effective label, its source and time, the history."""

PUBLIC_ATTRIBUTES: frozenset[str] = frozenset(TransactionFields.model_fields) | LABEL_VIEW_ATTRIBUTES | {
    "risk_score", "decision", "reasons", "model_version", "top_features", "scored_at",
}
"""Attributes a client may see. Storage bookkeeping (`day_shard`, `request_fingerprint`,
`expires_at`, `label_version`, `fraud_reported_at`) stays internal, and an allow-list keeps anything
added to the item later internal until it is deliberately published."""


def reason_maps(reasons: tuple[RuleHit, ...]) -> list[dict[str, Any]]:
    """The fired rules as stored and sent: `{"rule", "contribution", "detail"}` maps."""
    return [{"rule": r.rule, "contribution": r.contribution, "detail": r.detail} for r in reasons]


def feature_maps(features: tuple[FeatureContribution, ...]) -> list[dict[str, Any]]:
    """The top features as stored: `{"feature", "value", "contribution"}` maps, numbers as Decimal
    with six significant digits (DynamoDB takes no floats, and more digits explain nothing more)."""
    return [{"feature": f.feature, "value": Decimal(f"{f.value:.6g}"), "contribution": Decimal(f"{f.contribution:.6g}")}
            for f in features]


def score_attributes(result: ScoreResult, scored_at: datetime) -> dict[str, Any]:
    """The attributes the analyzer sets on an item, in the item's own format."""
    return {
        "risk_score": result.risk_score,
        "decision": result.decision.value,
        "reasons": reason_maps(result.reasons),
        "model_version": result.model_version,
        "top_features": feature_maps(result.top_features),
        "scored_at": utc_text(scored_at),
    }


def label_attributes(history: LabelHistory, version: int) -> dict[str, Any]:
    """The attributes the label route sets on an item for a non-empty `history` as its `version`th
    label write, in the item's own format; `fraud_reported_at` is None when it must be removed."""
    effective = history.effective
    if effective is None:
        raise ValueError("a label write needs at least one event")
    since = history.fraud_since
    stored = effective.model_dump()
    return {
        "labels": [event.model_dump() for event in history.events],
        "label": stored["label"],
        "label_source": stored["source"],
        "label_reported_at": stored["reported_at"],
        "fraud_reported_at": None if since is None else epoch_seconds_up(since),
        "label_version": version,
    }


ID_MARKER_PREFIX = "id#"
"""Key prefix of the API's per-id marker items (`id#<transaction_id>`, timestamp 0), which share
the transactions table with the records. `#` is outside the transaction id alphabet, so a marker
key can never be a record's key."""


def is_marker_key(transaction_id: object) -> bool:
    """Whether a `transaction_id` key value belongs to a marker item rather than a transaction."""
    return isinstance(transaction_id, str) and transaction_id.startswith(ID_MARKER_PREFIX)
