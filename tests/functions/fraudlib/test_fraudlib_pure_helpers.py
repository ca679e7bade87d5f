"""JSON parsing, fingerprints, sharding, item building and response encoding."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fraudlib.fingerprint import request_fingerprint
from fraudlib.json_body import MalformedJsonError, parse_json
from fraudlib.json_encoding import dumps
from fraudlib.sharding import day_shard, day_shard_keys, shard_number
from fraudlib.transaction_record import RecordPolicy, build_item, public_view
from fraudlib.transaction_request import TransactionRequest
from fraudlib.validation_context import ValidationLimits
from hypothesis import given
from hypothesis import strategies as st

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
    assert len(base) == 64 and int(base, 16) >= 0


def test_fingerprint_of_iso_and_epoch_timestamp_agree() -> None:
    epoch = int(NOW.timestamp()) - 60
    iso = datetime.fromtimestamp(epoch, tz=UTC).isoformat()
    assert request_fingerprint(_request(timestamp=epoch)) == request_fingerprint(_request(timestamp=iso))


# --- sharding ----------------------------------------------------------------------------------


@given(st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z"), st.integers(min_value=1, max_value=64))
def test_shard_is_in_range_and_stable(transaction_id: str, shards: int) -> None:
    shard = shard_number(transaction_id, shards)
    assert 0 <= shard < shards
    assert shard == shard_number(transaction_id, shards)


def test_shard_is_a_fixed_function_of_the_id() -> None:
    # Pinned values: a change here would scatter existing items across different index keys.
    assert [shard_number(f"txn-{i}", 10) for i in range(5)] == [5, 5, 5, 9, 7]
    assert shard_number("txn-0001", 4) == 2
    assert shard_number("abc", 1) == 0


def test_shards_spread() -> None:
    used = {shard_number(f"id-{i}", 8) for i in range(400)}
    assert used == set(range(8))


def test_day_shard_uses_the_utc_day() -> None:
    late = int(datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC).timestamp())
    assert day_shard("x", late, 4).startswith("2026-03-01#")
    assert day_shard("x", late + 1, 4).startswith("2026-03-02#")
    assert day_shard("x", late, 4) in day_shard_keys(date(2026, 3, 1), 4)
    assert day_shard_keys(date(2026, 3, 1), 2) == ["2026-03-01#0", "2026-03-01#1"]
    with pytest.raises(ValueError):
        shard_number("x", 0)


# --- item and public view ----------------------------------------------------------------------


def test_build_item_defaults_and_bookkeeping() -> None:
    received = datetime(2026, 6, 1, 12, 0, 0, 123000, tzinfo=UTC)
    item = build_item(
        _request(), transaction_id="t-1", fingerprint="f" * 64, received_at=received,
        policy=RecordPolicy(day_shards=3, ttl_days=2),
    )
    assert item["timestamp"] == int(received.timestamp())
    assert item["amount"] == Decimal("10.50")
    assert item["received_at"] == "2026-06-01T12:00:00.123+00:00"
    assert item["expires_at"] == int(received.timestamp()) + 2 * 86400
    assert item["day_shard"] == f"2026-06-01#{shard_number('t-1', 3)}"
    assert "terminal_id" not in item and "latitude" not in item
    assert not any(isinstance(value, float) for value in item.values())
    with pytest.raises(ValueError):
        build_item(_request(), transaction_id="t", fingerprint="f", received_at=datetime(2026, 1, 1),
                   policy=RecordPolicy(1, 1))


def test_public_view_hides_bookkeeping_and_formats_money() -> None:
    item = {"transaction_id": "t", "amount": Decimal("12.5"), "day_shard": "d#1", "request_fingerprint": "f",
            "expires_at": Decimal(1), "internal_note": "x", "risk_score": Decimal("0.5")}
    assert public_view(item) == {"transaction_id": "t", "amount": "12.50", "risk_score": Decimal("0.5")}


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
