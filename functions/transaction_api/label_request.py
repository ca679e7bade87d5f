"""The body of `POST /transactions/{id}/label`: the one definition of a valid outcome report.

The handler validates with this model and the API Gateway request model is generated from it
(`transaction_api.schema`), so both layers agree on what is accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fraudlib.labels import LabelEvent, LabelSource, Outcome
from pydantic import BaseModel, ConfigDict, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from transaction_api import field_rules
from transaction_api.validation_context import ValidationLimits

_REPORTED_AT_SCHEMA: dict[str, Any] = {
    "type": ["integer", "string"],
    "description": "When the outcome was reported: epoch seconds or ISO 8601 with a timezone; defaults to the "
                   "time of receipt. Not before the transaction, not in the future.",
    "pattern": field_rules.TIMESTAMP_TEXT_PATTERN,
    "minimum": 0,
}


class LabelRequest(BaseModel):
    """An outcome reported on a transaction: fraud or legitimate, by whom, and when.

    Unknown fields and explicit `null`s are rejected; `reported_at` omitted means now.
    """

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        json_schema_extra={"description": "An outcome reported on a transaction (a label event)."},
    )

    label: Outcome
    source: LabelSource
    reported_at: Annotated[datetime, WithJsonSchema(_REPORTED_AT_SCHEMA)] | None = None

    @field_validator("reported_at", mode="before")
    @classmethod
    def _reported_at(cls, value: Any, info: ValidationInfo) -> datetime:
        if value is None:
            # Only an explicit null gets here (an omitted field keeps its default): omit it instead.
            raise PydanticCustomError("null_value", "must not be null (omit the field instead)")
        return field_rules.parse_reported_at(value, ValidationLimits.from_context(info.context))

    def event(self, now: datetime) -> LabelEvent:
        """The label event this request reports, `now` when it names no time."""
        return LabelEvent(label=self.label, source=self.source, reported_at=self.reported_at or now)
