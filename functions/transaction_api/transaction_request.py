"""The body of `POST /transactions`: the one definition of a valid request.

The handler validates with this model and the API Gateway request model is generated from it
(`transaction_api.schema`), so both layers agree on what is accepted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from transaction_api import field_rules
from transaction_api.countries import COUNTRY_CODES
from transaction_api.currencies import TRANSACTION_CURRENCY_CODES
from transaction_api.validation_context import ValidationLimits

TRANSACTION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
REFERENCE_ID_PATTERN = r"^[A-Za-z0-9_.:@-]{1,128}$"
"""Customer, merchant, terminal and device ids: opaque, but printable and bounded so they are safe
as index keys and in logs."""
MCC_PATTERN = r"^[0-9]{4}$"

Channel = Literal["online", "pos", "atm", "mobile"]

PATTERN_REASONS: dict[str, str] = {
    "transaction_id": "must be 1-64 characters from A-Z, a-z, 0-9, '_' and '-'",
    "customer_id": "must be 1-128 characters from A-Z, a-z, 0-9, '_', '.', ':', '@' and '-'",
    "merchant_id": "must be 1-128 characters from A-Z, a-z, 0-9, '_', '.', ':', '@' and '-'",
    "terminal_id": "must be 1-128 characters from A-Z, a-z, 0-9, '_', '.', ':', '@' and '-'",
    "device_id": "must be 1-128 characters from A-Z, a-z, 0-9, '_', '.', ':', '@' and '-'",
    "merchant_category": "must be a 4-digit merchant category code (MCC)",
}
"""What a field's pattern means, in words, for the error shown when a value does not match it."""

_AMOUNT_SCHEMA: dict[str, Any] = {
    "type": ["number", "string"],
    "description": "Positive, at most 2 decimal places; a JSON number or a decimal string such as '12.50'.",
    # Draft 4 applies `pattern` to strings only and `minimum` to numbers only, so one schema covers
    # both spellings. Decimal places of a number and the configured maximum are checked by the handler.
    "pattern": field_rules.AMOUNT_TEXT_PATTERN,
    "minimum": 0,
    "exclusiveMinimum": True,
}
_TIMESTAMP_SCHEMA: dict[str, Any] = {
    "type": ["integer", "string"],
    "description": "Epoch seconds or ISO 8601 with a timezone; defaults to the time of receipt.",
    "pattern": field_rules.TIMESTAMP_TEXT_PATTERN,
}
_IP_SCHEMA: dict[str, Any] = {"type": "string", "pattern": field_rules.IP_TEXT_PATTERN}


def _coordinate_schema(bound: int) -> dict[str, Any]:
    return {"type": "number", "minimum": -bound, "maximum": bound}


class TransactionRequest(BaseModel):
    """A card or account transaction submitted for fraud scoring.

    Numbers are expected as `int` or `Decimal` (parse JSON with `parse_float=Decimal`); a `float`
    amount is rejected rather than rounded. Unknown fields and explicit `null`s are rejected.
    """

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        json_schema_extra={
            "description": "A card or account transaction submitted for fraud scoring.",
            "anyOf": [{"required": ["merchant_id"]}, {"required": ["terminal_id"]}],
            "dependencies": {"latitude": ["longitude"], "longitude": ["latitude"]},
        },
    )

    transaction_id: str | None = Field(default=None, pattern=TRANSACTION_ID_PATTERN)
    amount: Annotated[Decimal, WithJsonSchema(_AMOUNT_SCHEMA)]
    currency: Annotated[
        str, WithJsonSchema({"type": "string", "enum": sorted(TRANSACTION_CURRENCY_CODES)})
    ]
    customer_id: str = Field(pattern=REFERENCE_ID_PATTERN)
    merchant_id: str | None = Field(default=None, pattern=REFERENCE_ID_PATTERN)
    terminal_id: str | None = Field(default=None, pattern=REFERENCE_ID_PATTERN)
    merchant_category: str = Field(pattern=MCC_PATTERN)
    country: Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(COUNTRY_CODES)})]
    timestamp: Annotated[int, WithJsonSchema(_TIMESTAMP_SCHEMA)] | None = None
    channel: Channel | None = None
    device_id: str | None = Field(default=None, pattern=REFERENCE_ID_PATTERN)
    ip_address: Annotated[str, WithJsonSchema(_IP_SCHEMA)] | None = None
    latitude: Annotated[Decimal, WithJsonSchema(_coordinate_schema(90))] | None = None
    longitude: Annotated[Decimal, WithJsonSchema(_coordinate_schema(180))] | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: Any, info: ValidationInfo) -> Decimal:
        return field_rules.parse_amount(value, ValidationLimits.from_context(info.context))

    @field_validator("currency", mode="after")
    @classmethod
    def _currency(cls, value: str) -> str:
        return field_rules.check_currency(value)

    @field_validator("country", mode="after")
    @classmethod
    def _country(cls, value: str) -> str:
        return field_rules.check_country(value)

    @field_validator("timestamp", mode="before")
    @classmethod
    def _timestamp(cls, value: Any, info: ValidationInfo) -> int | None:
        if value is None:
            return None  # reported once, by the null check in `_all_errors`
        return field_rules.parse_timestamp(value, ValidationLimits.from_context(info.context))

    @field_validator("latitude", mode="before")
    @classmethod
    def _latitude(cls, value: Any) -> Decimal | None:
        return None if value is None else field_rules.parse_coordinate(value, 90)

    @field_validator("longitude", mode="before")
    @classmethod
    def _longitude(cls, value: Any) -> Decimal | None:
        return None if value is None else field_rules.parse_coordinate(value, 180)

    @field_validator("ip_address", mode="before")
    @classmethod
    def _ip_address(cls, value: Any) -> str | None:
        return None if value is None else field_rules.parse_ip_address(value)

    @model_validator(mode="wrap")
    @classmethod
    def _all_errors(cls, data: Any, handler: ModelWrapValidatorHandler[TransactionRequest]) -> Any:
        """Run the field checks and the cross-field checks together, so one response names every
        bad field (an `after` validator would be skipped as soon as any single field failed)."""
        if not isinstance(data, dict):
            return handler(data)
        cross_field = _cross_field_errors(data)
        try:
            model = handler(data)
        except ValidationError as exc:
            if not cross_field:
                raise
            raise ValidationError.from_exception_data(
                cls.__name__, [*_reraisable(exc), *cross_field]
            ) from None
        if cross_field:
            raise ValidationError.from_exception_data(cls.__name__, cross_field)
        return model


def _cross_field_errors(data: dict[str, Any]) -> list[InitErrorDetails]:
    """Rules that involve more than one field, or the presence of a field, on the raw body."""
    errors: list[InitErrorDetails] = []
    for name, value in data.items():
        if value is None and name in TransactionRequest.model_fields:
            errors.append(_error("null_value", "must not be null (omit the field instead)", name, value))
    if data.get("merchant_id") is None and data.get("terminal_id") is None:
        reason = "merchant_id or terminal_id is required"
        errors.append(_error("merchant_or_terminal", reason, "merchant_id", None))
        errors.append(_error("merchant_or_terminal", reason, "terminal_id", None))
    has_latitude, has_longitude = "latitude" in data, "longitude" in data
    if has_latitude != has_longitude:
        missing = "longitude" if has_latitude else "latitude"
        errors.append(
            _error("coordinates_pair", "latitude and longitude must be given together", missing, None)
        )
    return errors


def _error(kind: str, reason: str, field: str, value: Any) -> InitErrorDetails:
    return {"type": PydanticCustomError(kind, reason), "loc": (field,), "input": value}


def _reraisable(exc: ValidationError) -> list[InitErrorDetails]:
    """The errors of `exc` in the form `ValidationError.from_exception_data` accepts.

    Messages are already rendered; without a context pydantic does not format them again.
    """
    return [
        {
            "type": PydanticCustomError(error["type"], error["msg"]),
            "loc": error["loc"],
            "input": error["input"],
        }
        for error in exc.errors(include_url=False)
    ]
