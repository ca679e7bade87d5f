"""JSON parsing, fingerprints, item building and response encoding."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fraudlib.sharding import shard_number
from fraudlib.transaction_item import TransactionItem
from hypothesis import given
from hypothesis import strategies as st
from transaction_api.fingerprint import request_fingerprint
from transaction_api.json_body import MalformedJsonError, parse_json
from transaction_api.json_encoding import dumps
from transaction_api.records import new_item, public_view
from transaction_api.transaction_request import TransactionRequest
from transaction_api.validation_context import ValidationLimits

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CONTEXT = ValidationLimits(now=NOW).as_context()
BASE = {
    "transaction_id": "t-1",
    "amount": "10.50",
    "currency": "EUR",
    "customer_id": "c-1",
    "merchant_id": "m-1",
    "merchant_category": "5411",
    "country": "FR",
}


def _request(**changes: object) -> TransactionRequest:
    return TransactionRequest.model_validate({**BASE, **changes}, context=CONTEXT)


# --- json_body ---------------------------------------------------------------------------------


def test_fractions_become_decimals() -> None:
    assert parse_json(b'{"a": 0.1, "b": 3, "c": 1e2}') == {"a": Decimal("0.1"), "b": 3, "c": Decimal("1E+2")}


@pytest.mark.parametrize("raw", [b"NaN", b"[Infinity]", b"-Infinity", b'{"a":1,"a":2}', b"\xff", b"{", b""])
def test_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedJsonError):
        parse_json(raw)


def test_deep_nesting_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedJsonError):
        parse_json(b"[" * 100_000 + b"]" * 100_000)


# --- fingerprint -------------------------------------------------------------------------------


def test_fingerprint_ignores_spelling_but_not_content() -> None:
    base = request_fingerprint(_request())
    assert request_fingerprint(_request(amount=Decimal("10.5"))) == base
    assert request_fingerprint(_request(ip_address="::FFFF:1.2.3.4")) == request_fingerprint(
        _request(ip_address="::ffff:1.2.3.4")
    )
    assert request_fingerprint(_request(amount="10.51")) != base
    assert request_fingerprint(_request(channel="pos")) != base
    canonical = json.dumps({**BASE, "amount": "10.50"}, sort_keys=True, separators=(",", ":"))
    assert base == hashlib.sha256(canonical.encode()).hexdigest()


def test_fingerprint_of_iso_and_epoch_timestamp_agree() -> None:
    epoch = int(NOW.timestamp()) - 60
    iso = datetime.fromtimestamp(epoch, tz=UTC).isoformat()
    assert request_fingerprint(_request(timestamp=epoch)) == request_fingerprint(_request(timestamp=iso))


# --- item and public view ----------------------------------------------------------------------


def _item(received: datetime, **changes: object) -> TransactionItem:
    return new_item(_request(**changes), transaction_id="t-1", fingerprint="f" * 64, received_at=received,
                    day_shards=3, ttl_days=2)


def test_new_item_defaults_and_bookkeeping() -> None:
    received = datetime(2026, 6, 1, 12, 0, 0, 123000, tzinfo=UTC)
    item = _item(received).to_item()
    assert item["timestamp"] == int(received.timestamp())
    assert item["amount"] == Decimal("10.50")
    assert item["received_at"] == "2026-06-01T12:00:00.123Z"
    assert item["expires_at"] == int(received.timestamp()) + 2 * 86400
    assert item["day_shard"] == f"2026-06-01#{shard_number('t-1', 3)}"
    assert "terminal_id" not in item and "latitude" not in item and "reasons" not in item
    assert not any(isinstance(value, float) for value in item.values())
    assert TransactionItem.from_item(item).to_item() == item
    with pytest.raises(ValueError):
        _item(datetime(2026, 1, 1))


def test_public_view_hides_bookkeeping_and_formats_money() -> None:
    item = _item(NOW, amount="12.5").model_copy(update={"risk_score": 42})
    view = public_view(item)
    assert view["amount"] == "12.50"
    assert view["risk_score"] == 42
    assert view["received_at"] == "2026-06-01T12:00:00.000Z"
    assert not {"day_shard", "request_fingerprint", "expires_at", "reasons"} & set(view)


# --- response encoding -------------------------------------------------------------------------


def test_dumps_is_exact() -> None:
    payload = {
        "ints": Decimal("1700000000"),
        "lat": Decimal("52.520008"),
        "score": Decimal("0.1"),
        "huge": Decimal("0.12345678901234567890"),
        "set": {"b", "a"},
        "list": [Decimal("2.50")],
    }
    text = dumps(payload)
    assert json.loads(text, parse_float=Decimal) == {
        "ints": 1700000000,
        "lat": Decimal("52.520008"),
        "score": Decimal("0.1"),
        "huge": "0.12345678901234567890",  # would lose digits as a number: sent as text
        "set": ["a", "b"],
        "list": [Decimal("2.5")],
    }


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**6, max_value=10**6, places=6))
def test_dumps_never_changes_a_decimal(value: Decimal) -> None:
    decoded = json.loads(dumps({"v": value}), parse_float=Decimal)["v"]
    assert Decimal(str(decoded)) == value
