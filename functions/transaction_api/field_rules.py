"""Parsers for the request fields whose rules go beyond a JSON type and a pattern.

Each parser takes the raw JSON value (numbers arrive as `int` or `Decimal`, never `float`: the body
is parsed with `parse_float=Decimal`) and returns the normalised value, or raises a
`PydanticCustomError` whose message is the reason shown to the client.
"""

from __future__ import annotations

import calendar
import ipaddress
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic_core import PydanticCustomError

from transaction_api.countries import COUNTRY_CODES
from transaction_api.currencies import TRANSACTION_CURRENCY_CODES
from transaction_api.validation_context import MAX_AGE, MAX_FUTURE_SKEW, ValidationLimits

# Literal dots are written `[.]`, not `\.`: the pattern travels inside JSON inside Terraform (the API
# Gateway model), and a backslash there is one escaping layer away from breaking (cdktf's HCL output).
AMOUNT_TEXT_PATTERN = r"^([1-9][0-9]{0,17}([.][0-9]{1,2})?|0[.]([1-9][0-9]?|0[1-9]))$"
"""A positive amount written as a string: no sign, no exponent, no leading zeros, at most 2 places.
Zero ("0", "0.00") does not match, so the JSON schema rejects it exactly like the handler."""

TIMESTAMP_TEXT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"
)
"""ISO 8601 / RFC 3339 date-time with seconds and an explicit offset: a time without a zone is ambiguous."""

IP_TEXT_PATTERN = r"^[0-9A-Fa-f:.]{2,45}$"
"""The characters an IPv4 or IPv6 address is made of; the parser checks the address itself."""

CENT = Decimal("0.01")
COORDINATE_STEP = Decimal("0.000001")  # about 0.1 m: finer than any device reports meaningfully

_AMOUNT_TEXT = re.compile(AMOUNT_TEXT_PATTERN)
_TIMESTAMP_TEXT = re.compile(TIMESTAMP_TEXT_PATTERN)
_IP_TEXT = re.compile(IP_TEXT_PATTERN)


def _json_number(value: Any) -> Decimal | None:
    """`value` as a Decimal when it is a JSON number (bool is not, even though it subclasses int)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    return None


def parse_amount(value: Any, limits: ValidationLimits) -> Decimal:
    """A positive amount with at most two decimal places, not above the configured maximum."""
    if isinstance(value, str):
        if not _AMOUNT_TEXT.fullmatch(value):
            raise PydanticCustomError(
                "amount_format",
                'must be a positive decimal with at most 2 decimal places, e.g. "12.50"',
            )
        amount = Decimal(value)
    else:
        number = _json_number(value)
        if number is None:
            # A float can only come from a caller that bypassed the Decimal-preserving parser;
            # accepting it would smuggle binary rounding into money.
            raise PydanticCustomError("amount_type", "must be a JSON number or a decimal string")
        amount = number
    if not amount.is_finite() or amount <= 0:
        raise PydanticCustomError("amount_not_positive", "must be greater than 0")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise PydanticCustomError("amount_precision", "must have at most 2 decimal places")
    if amount > limits.max_amount:
        raise PydanticCustomError(
            "amount_too_large", "must not exceed {max_amount}", {"max_amount": str(limits.max_amount)}
        )
    return amount.quantize(CENT)


def parse_timestamp(value: Any, limits: ValidationLimits) -> int:
    """Epoch seconds (UTC) from integer epoch seconds or an ISO 8601 date-time with an offset."""
    if isinstance(value, int) and not isinstance(value, bool):
        epoch = value
    else:
        # Integer arithmetic (no float); sub-second precision is dropped because the table's
        # sort key is whole epoch seconds.
        epoch = calendar.timegm(_moment_text(value).utctimetuple())
    _not_in_future(epoch, limits)
    now = limits.now.timestamp()
    if epoch < now - MAX_AGE.total_seconds():
        raise PydanticCustomError(
            "timestamp_too_old", "must not be more than {days} days in the past", {"days": MAX_AGE.days}
        )
    return epoch


def parse_reported_at(value: Any, limits: ValidationLimits) -> datetime:
    """When an outcome was reported: epoch seconds or an ISO 8601 date-time with an offset, in UTC,
    kept to the millisecond (the precision of stored moments), not in the future. How old it may be
    is bounded by its transaction (a label cannot precede it), which only the stored item knows."""
    if isinstance(value, int) and not isinstance(value, bool):
        _not_in_future(value, limits)
        if value < 0:
            raise PydanticCustomError("timestamp_negative", "must not be before 1970-01-01T00:00:00Z")
        return datetime.fromtimestamp(value, UTC)
    moment = _moment_text(value).astimezone(UTC)
    _not_in_future(calendar.timegm(moment.utctimetuple()), limits)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _moment_text(value: Any) -> datetime:
    """An ISO 8601 date-time with an offset, from text; other types and spellings are refused."""
    if not isinstance(value, str):
        raise PydanticCustomError(
            "timestamp_type", "must be integer epoch seconds or an ISO 8601 date-time string"
        )
    if not _TIMESTAMP_TEXT.fullmatch(value):
        raise PydanticCustomError(
            "timestamp_format",
            "must be an ISO 8601 date-time with a timezone, e.g. 2024-05-01T12:30:00Z",
        )
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("timestamp_invalid", "is not a valid date-time") from None


def _not_in_future(epoch: int, limits: ValidationLimits) -> None:
    if epoch > limits.now.timestamp() + MAX_FUTURE_SKEW.total_seconds():
        raise PydanticCustomError(
            "timestamp_future", "must not be more than {minutes} minutes in the future",
            {"minutes": int(MAX_FUTURE_SKEW.total_seconds() // 60)},
        )


def parse_coordinate(value: Any, bound: int) -> Decimal:
    """A latitude (bound 90) or longitude (bound 180) in degrees, rounded to 6 decimal places."""
    number = _json_number(value)
    if number is None or not number.is_finite():
        raise PydanticCustomError("coordinate_type", "must be a JSON number")
    if not -bound <= number <= bound:
        raise PydanticCustomError(
            "coordinate_range", "must be between -{bound} and {bound}", {"bound": bound}
        )
    return number.quantize(COORDINATE_STEP, rounding=ROUND_HALF_EVEN)


def parse_ip_address(value: Any) -> str:
    """A literal IPv4 or IPv6 address, in its canonical (compressed) form."""
    if not isinstance(value, str) or not _IP_TEXT.fullmatch(value):
        raise PydanticCustomError("ip_address", "must be an IPv4 or IPv6 address")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise PydanticCustomError("ip_address", "must be an IPv4 or IPv6 address") from None


def check_currency(value: str) -> str:
    """An active ISO 4217 code a payment can be made in."""
    if value not in TRANSACTION_CURRENCY_CODES:
        raise PydanticCustomError(
            "currency", "must be an active ISO 4217 currency code in upper case, e.g. EUR"
        )
    return value


def check_country(value: str) -> str:
    """An officially assigned ISO 3166-1 alpha-2 country code."""
    if value not in COUNTRY_CODES:
        raise PydanticCustomError(
            "country", "must be an ISO 3166-1 alpha-2 country code in upper case, e.g. DE"
        )
    return value
