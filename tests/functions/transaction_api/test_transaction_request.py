"""The request model on its own: exact money, normalisation, limits (property-based)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from transaction_api.json_body import parse_json
from transaction_api.transaction_request import TransactionRequest
from transaction_api.validation_context import ValidationLimits
from transaction_api.validation_errors import field_errors

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LIMITS = ValidationLimits(max_amount=Decimal("5000.00"), now=NOW)
BASE: dict[str, Any] = {
    "amount": "10.00",
    "currency": "EUR",
    "customer_id": "c-1",
    "merchant_id": "m-1",
    "merchant_category": "5411",
    "country": "FR",
}


def _validate(**changes: Any) -> TransactionRequest:
    return TransactionRequest.model_validate({**BASE, **changes}, context=LIMITS.as_context())


def _reasons(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        _validate(**changes)
    return {error.field: error.reason for error in field_errors(caught.value)}


cents = st.integers(min_value=1, max_value=500_000)


@given(cents)
def test_any_two_place_amount_is_kept_exactly(value: int) -> None:
    text = f"{Decimal(value) / 100:.2f}"
    from_string = _validate(amount=text).amount
    from_number = TransactionRequest.model_validate(
        parse_json(f'{{"amount": {text}, "currency": "EUR", "customer_id": "c", "terminal_id": "t",'
                   f' "merchant_category": "5411", "country": "FR"}}'.encode()),
        context=LIMITS.as_context(),
    ).amount
    assert from_string == from_number == Decimal(value) / 100
    assert str(from_string) == text


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=3, max_value=8))
def test_more_than_two_places_is_rejected(units: int, places: int) -> None:
    amount = Decimal(units).scaleb(-places)  # e.g. 1000 and 3 places: 1.000, still 3 places
    assert "at most 2 decimal places" in _reasons(amount=amount)["amount"]


@given(st.decimals(min_value=Decimal("5000.01"), max_value=Decimal("1e12"), places=2))
def test_above_max_amount_is_rejected(amount: Decimal) -> None:
    assert _reasons(amount=amount)["amount"] == "must not exceed 5000.00"


def test_float_amount_is_refused_not_rounded() -> None:
    assert "JSON number or a decimal string" in _reasons(amount=0.1)["amount"]


def test_point_one_plus_point_two_is_exact() -> None:
    first = _validate(amount=parse_json(b"0.1")).amount
    second = _validate(amount=parse_json(b"0.2")).amount
    assert first + second == Decimal("0.30")


@given(st.integers(min_value=-300, max_value=60 * 4))
def test_timestamp_window_accepts_recent(offset_seconds: int) -> None:
    epoch = int(NOW.timestamp()) + offset_seconds
    assert _validate(timestamp=epoch).timestamp == epoch


@given(st.integers(min_value=301, max_value=10**6))
def test_timestamp_too_far_ahead(offset_seconds: int) -> None:
    epoch = int(NOW.timestamp()) + offset_seconds
    assert "future" in _reasons(timestamp=epoch)["timestamp"]


def test_iso_timestamp_with_offset_and_fraction() -> None:
    stamp = _validate(timestamp="2026-06-01T13:59:59.999+02:00").timestamp
    assert stamp == int(datetime(2026, 6, 1, 11, 59, 59, tzinfo=UTC).timestamp())


def test_timestamp_boundary_age() -> None:
    oldest = NOW - timedelta(days=30)
    assert _validate(timestamp=int(oldest.timestamp())).timestamp == int(oldest.timestamp())
    assert "past" in _reasons(timestamp=int(oldest.timestamp()) - 1)["timestamp"]


@given(
    st.decimals(min_value=-90, max_value=90, allow_nan=False, places=9),
    st.decimals(min_value=-180, max_value=180, allow_nan=False, places=9),
)
def test_coordinates_round_to_six_places(lat: Decimal, lon: Decimal) -> None:
    request = _validate(latitude=lat, longitude=lon)
    assert request.latitude is not None and request.longitude is not None
    assert request.latitude.as_tuple().exponent == -6
    assert abs(request.latitude - lat) <= Decimal("0.0000005")
    assert abs(request.longitude - lon) <= Decimal("0.0000005")


@given(st.ip_addresses())
def test_any_ip_address_is_accepted_and_canonical(address: Any) -> None:
    assert _validate(ip_address=str(address).upper()).ip_address == str(address)


def test_nulls_are_rejected_even_for_optional_fields() -> None:
    reasons = _reasons(device_id=None, channel=None)
    assert reasons == {
        "device_id": "must not be null (omit the field instead)",
        "channel": "must not be null (omit the field instead)",
    }


def test_model_is_immutable() -> None:
    request = _validate()
    with pytest.raises(ValidationError):
        request.amount = Decimal("1")  # type: ignore[misc]


def test_lowercase_and_withdrawn_currencies() -> None:
    assert _validate(currency="CHF").currency == "CHF"
    for code in ("chf", "BGN", "HRK", "XTS"):
        assert "ISO 4217" in _reasons(currency=code)["currency"]
