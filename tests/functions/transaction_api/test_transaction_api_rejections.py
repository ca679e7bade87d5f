"""POST /transactions: every kind of bad request is refused, named, and writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def _error(response: dict[str, Any], status: int) -> dict[str, Any]:
    assert response["statusCode"] == status, response["body"]
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    body = json.loads(response["body"])
    assert body["request_id"] == REQUEST_ID
    assert isinstance(body["message"], str) and body["message"]
    return body


def _fields(response: dict[str, Any]) -> dict[str, str]:
    body = _error(response, 400)
    assert body["error"] == "validation_failed"
    return {entry["field"]: entry["reason"] for entry in body["fields"]}


@pytest.fixture(autouse=True)
def nothing_written(scan) -> Any:
    """Every test in this module must leave the transactions table empty."""
    yield
    assert scan() == []


@pytest.mark.parametrize(
    "raw",
    [
        "{",
        "",
        "not json",
        '{"amount": NaN}',
        '{"amount": Infinity}',
        '{"amount": "1.00", "amount": "2.00"}',
        '{"a": 1} trailing',
    ],
)
def test_malformed_json_is_400(post, raw) -> None:
    body = _error(post(raw), 400)
    assert body["error"] == "malformed_json"


def test_missing_body_is_400(post) -> None:
    assert _error(post(None), 400)["error"] == "malformed_json"


def test_invalid_utf8_is_400(post) -> None:
    import base64

    raw = base64.b64encode(b'{"amount": "\xff"}').decode()
    assert _error(post(raw, is_base64=True), 400)["error"] == "malformed_json"


def test_invalid_base64_is_400(post) -> None:
    assert _error(post("%%%not-base64%%%", is_base64=True), 400)["error"] == "malformed_body"


@pytest.mark.parametrize("document", ["[]", "[1, 2]", '"text"', "42", "null"])
def test_non_object_json_is_400(post, document) -> None:
    assert _fields(post(document)) == {"body": "must be a JSON object"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "application/json; charset=latin-1"},
        {"Content-Type": "application/jsonx"},
        {"Accept": "application/json"},  # no Content-Type at all
    ],
)
def test_wrong_content_type_is_415(post, valid_body, headers) -> None:
    assert _error(post(valid_body, headers=headers), 415)["error"] == "unsupported_media_type"


def test_oversize_body_is_413(post, valid_body) -> None:
    text = json.dumps(valid_body)
    padded = text[:-1] + " " * (2049 - len(text)) + "}"  # MAX_BODY_BYTES=2048 plus one byte
    assert len(padded.encode()) == 2049
    assert _error(post(padded), 413)["error"] == "payload_too_large"


def test_oversize_counts_bytes_not_characters(post, valid_body) -> None:
    valid_body["device_id"] = "d"
    text = json.dumps(valid_body, ensure_ascii=False)
    # "é" is 2 bytes in UTF-8: 1000 characters of padding are 2000 bytes
    padded = text[:-1] + ', "x": "' + "é" * 1000 + '"}'
    assert len(padded) < 2048 < len(padded.encode())
    assert _error(post(padded), 413)["error"] == "payload_too_large"


@pytest.mark.parametrize(
    ("field", "value", "reason_part"),
    [
        ("transaction_id", "has space", "1-64 characters"),
        ("transaction_id", "x" * 65, "1-64 characters"),
        ("transaction_id", "", "1-64 characters"),
        ("transaction_id", 12345, "must be a string"),
        ("amount", "-1.00", "positive decimal"),
        ("amount", -1, "greater than 0"),
        ("amount", 0, "greater than 0"),
        ("amount", "0", "positive decimal"),
        ("amount", "0.00", "positive decimal"),
        ("amount", "1.005", "positive decimal"),
        ("amount", "10000.01", "must not exceed 10000.00"),
        ("amount", "1e3", "positive decimal"),
        ("amount", " 1.00", "positive decimal"),
        ("amount", True, "JSON number or a decimal string"),
        ("amount", [1], "JSON number or a decimal string"),
        ("currency", "usd", "ISO 4217"),
        ("currency", "ABC", "ISO 4217"),
        ("currency", "XXX", "ISO 4217"),
        ("currency", "HRK", "ISO 4217"),
        ("currency", 978, "must be a string"),
        ("customer_id", "", "1-128 characters"),
        ("customer_id", "a/b", "1-128 characters"),
        ("merchant_category", "541", "4-digit"),
        ("merchant_category", "54111", "4-digit"),
        ("merchant_category", 5411, "must be a string"),
        ("country", "XX", "ISO 3166-1"),
        ("country", "de", "ISO 3166-1"),
        ("country", "DEU", "ISO 3166-1"),
        ("channel", "web", "online"),
        ("device_id", "bad device", "1-128 characters"),
        ("ip_address", "256.1.1.1", "IPv4 or IPv6"),
        ("ip_address", "1.2.3", "IPv4 or IPv6"),
        ("ip_address", "::g", "IPv4 or IPv6"),
        ("ip_address", "localhost", "IPv4 or IPv6"),
        ("timestamp", "2026-11-22 10:00:00", "ISO 8601"),
        ("timestamp", "2026-11-22T10:00:00", "ISO 8601"),  # no timezone
        ("timestamp", "2026-02-30T10:00:00Z", "not a valid date-time"),
        ("timestamp", 1.5, "integer epoch seconds"),
        ("timestamp", 0, "days in the past"),
        ("timestamp", True, "integer epoch seconds"),
        ("merchant_id", None, "must not be null"),
    ],
)
def test_invalid_field_is_named_with_reason(post, valid_body, field, value, reason_part) -> None:
    valid_body[field] = value
    fields = _fields(post(valid_body))
    assert field in fields
    assert reason_part in fields[field]


@pytest.mark.parametrize(
    ("raw_amount", "reason_part"),
    [
        ("1.005", "at most 2 decimal places"),
        ("0.001", "at most 2 decimal places"),
        ("12.500", "at most 2 decimal places"),
        ("1e400", "must not exceed"),
    ],
)
def test_invalid_amount_numbers(post, valid_body, raw_amount, reason_part) -> None:
    valid_body["amount"] = "__AMOUNT__"
    text = json.dumps(valid_body).replace('"__AMOUNT__"', raw_amount)
    assert reason_part in _fields(post(text))["amount"]


def test_future_timestamp(post, valid_body) -> None:
    valid_body["timestamp"] = int((datetime.now(UTC) + timedelta(minutes=6)).timestamp())
    assert "future" in _fields(post(valid_body))["timestamp"]


def test_old_timestamp(post, valid_body) -> None:
    when = datetime.now(UTC) - timedelta(days=31)
    valid_body["timestamp"] = when.isoformat()
    assert "past" in _fields(post(valid_body))["timestamp"]


@pytest.mark.parametrize("field", ["amount", "currency", "customer_id", "merchant_category", "country"])
def test_required_field_missing(post, valid_body, field) -> None:
    del valid_body[field]
    assert _fields(post(valid_body)) == {field: "is required"}


def test_merchant_or_terminal_required(post, valid_body) -> None:
    del valid_body["merchant_id"]
    fields = _fields(post(valid_body))
    assert fields == {
        "merchant_id": "merchant_id or terminal_id is required",
        "terminal_id": "merchant_id or terminal_id is required",
    }


@pytest.mark.parametrize(("present", "missing"), [("latitude", "longitude"), ("longitude", "latitude")])
def test_coordinates_come_in_pairs(post, valid_body, present, missing) -> None:
    del valid_body[missing]
    assert _fields(post(valid_body)) == {missing: "latitude and longitude must be given together"}


@pytest.mark.parametrize(("field", "value"), [("latitude", 90.5), ("latitude", -91), ("longitude", 180.01)])
def test_coordinates_out_of_range(post, valid_body, field, value) -> None:
    valid_body[field] = value
    assert "between" in _fields(post(valid_body))[field]


def test_coordinate_as_string_is_rejected(post, valid_body) -> None:
    valid_body["latitude"] = "52.5"
    assert _fields(post(valid_body))["latitude"] == "must be a JSON number"


def test_unknown_field_is_rejected_by_name(post, valid_body) -> None:
    valid_body["cvv"] = "123"
    valid_body["card_number"] = "4111111111111111"
    assert _fields(post(valid_body)) == {"cvv": "is not a known field", "card_number": "is not a known field"}


def test_every_bad_field_is_named_at_once(post) -> None:
    body = {
        "transaction_id": "bad id!",
        "amount": "12.345",
        "currency": "eur",
        "merchant_category": "54",
        "country": "Germany",
        "channel": "fax",
        "ip_address": "999.0.0.1",
        "latitude": 100,
        "surprise": True,
    }
    fields = _fields(post(body))
    assert set(fields) == {
        "transaction_id",
        "amount",
        "currency",
        "customer_id",  # missing
        "merchant_category",
        "country",
        "channel",
        "ip_address",
        "latitude",
        "longitude",  # latitude without longitude
        "merchant_id",  # neither merchant nor terminal
        "terminal_id",
        "surprise",  # unknown
    }


def test_rejections_do_not_echo_values(post, valid_body) -> None:
    valid_body["customer_id"] = "secret<script>"
    response = post(valid_body)
    assert "secret" not in response["body"]


def test_validation_failure_metric(post, valid_body, capsys) -> None:
    del valid_body["amount"]
    post(valid_body)
    out = capsys.readouterr().out
    assert any('"ValidationFailures"' in line and '"_aws"' in line for line in out.splitlines())
