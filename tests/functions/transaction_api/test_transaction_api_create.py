"""POST /transactions: accepted requests and what gets stored."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fraudlib.sharding import shard_number

UUID4 = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"


def test_created_returns_201_with_the_stored_record_and_location(post, valid_body, scan) -> None:
    before = int(datetime.now(UTC).timestamp())
    response = post(valid_body)
    after = int(datetime.now(UTC).timestamp())

    assert response["statusCode"] == 201
    # The stage prefix the client called (requestContext.path) stays in the header.
    assert response["multiValueHeaders"]["Location"][0] == "/dev/transactions/txn-0001"
    assert response["multiValueHeaders"]["Content-Type"][0] == "application/json"
    body = json.loads(response["body"])
    assert body["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert body["transaction_id"] == "txn-0001"
    assert body["amount"] == "125.50"
    assert body["currency"] == "EUR"
    assert body["latitude"] == 52.520008
    assert body["longitude"] == 13.404954
    assert before <= body["timestamp"] <= after
    # storage bookkeeping is not part of the API
    assert not {"day_shard", "request_fingerprint", "expires_at"} & body.keys()

    [item] = scan()
    assert item["transaction_id"] == "txn-0001"
    assert item["amount"] == Decimal("125.5")
    assert item["timestamp"] == body["timestamp"]
    assert item["received_at"] == body["received_at"]
    assert len(item["request_fingerprint"]) == 64


def test_item_follows_the_storage_contract(post, valid_body, scan) -> None:
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    valid_body["timestamp"] = moment.isoformat().replace("+00:00", "Z")
    response = post(valid_body)
    assert response["statusCode"] == 201

    [item] = scan()
    epoch = int(moment.timestamp())
    assert item["timestamp"] == epoch
    # day of the transaction (UTC) and the id's stable shard out of DAY_SHARDS=4
    assert item["day_shard"] == f"{moment:%Y-%m-%d}#{shard_number('txn-0001', 4)}"
    received = datetime.fromisoformat(item["received_at"])
    assert received.tzinfo is not None
    # TTL: TRANSACTION_TTL_DAYS=30 from receipt
    assert item["expires_at"] == int(received.timestamp()) + 30 * 86400
    assert item["merchant_category"] == "5411"
    assert item["channel"] == "pos"
    assert item["ip_address"] == "203.0.113.10"
    assert "terminal_id" not in item  # absent optional fields are not stored as nulls


def test_generated_id_when_absent(post, valid_body, scan) -> None:
    del valid_body["transaction_id"]
    response = post(valid_body)
    assert response["statusCode"] == 201
    body = json.loads(response["body"])
    assert re.fullmatch(UUID4, body["transaction_id"])
    assert response["multiValueHeaders"]["Location"][0] == f"/dev/transactions/{body['transaction_id']}"
    assert [item["transaction_id"] for item in scan()] == [body["transaction_id"]]


def test_two_bodies_without_id_are_two_transactions(post, valid_body, scan) -> None:
    del valid_body["transaction_id"]
    first = json.loads(post(valid_body)["body"])["transaction_id"]
    second = json.loads(post(valid_body)["body"])["transaction_id"]
    assert first != second
    assert len(scan()) == 2


def test_minimal_body_with_terminal_only(post, scan) -> None:
    body = {
        "amount": 1,
        "currency": "JPY",
        "customer_id": "c",
        "terminal_id": "t-1",
        "merchant_category": "6011",
        "country": "JP",
    }
    response = post(body)
    assert response["statusCode"] == 201, response["body"]
    [item] = scan()
    assert item["terminal_id"] == "t-1"
    assert "merchant_id" not in item
    assert json.loads(response["body"])["amount"] == "1.00"


@pytest.mark.parametrize(
    ("raw_amount", "stored", "returned"),
    [
        ("0.1", Decimal("0.1"), "0.10"),
        ("0.3", Decimal("0.3"), "0.30"),
        ("1234.56", Decimal("1234.56"), "1234.56"),
        ("9999.99", Decimal("9999.99"), "9999.99"),
        ("10000.00", Decimal("10000"), "10000.00"),  # MAX_AMOUNT itself is allowed
        ("0.01", Decimal("0.01"), "0.01"),
    ],
)
def test_amount_as_json_number_stays_exact(post, valid_body, scan, raw_amount, stored, returned) -> None:
    # Splice the number into the JSON text so no Python float is ever involved.
    valid_body["amount"] = "__AMOUNT__"
    text = json.dumps(valid_body).replace('"__AMOUNT__"', raw_amount)
    response = post(text)
    assert response["statusCode"] == 201, response["body"]
    assert json.loads(response["body"])["amount"] == returned
    assert scan()[0]["amount"] == stored


def test_amount_as_string_stays_exact(post, valid_body, scan) -> None:
    valid_body["amount"] = "0.30"
    response = post(valid_body)
    assert json.loads(response["body"])["amount"] == "0.30"
    assert scan()[0]["amount"] == Decimal("0.3")


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"]
)
def test_json_content_types_accepted(post, valid_body, content_type) -> None:
    assert post(valid_body, headers={"content-type": content_type})["statusCode"] == 201


def test_base64_encoded_body(post, valid_body, scan) -> None:
    encoded = base64.b64encode(json.dumps(valid_body).encode()).decode()
    assert post(encoded, is_base64=True)["statusCode"] == 201
    assert len(scan()) == 1


@pytest.mark.parametrize("channel", ["online", "pos", "atm", "mobile"])
def test_every_channel(post, valid_body, channel) -> None:
    valid_body["channel"] = channel
    assert post(valid_body)["statusCode"] == 201


def test_epoch_timestamp_and_ipv6(post, valid_body, scan) -> None:
    epoch = int(datetime.now(UTC).timestamp()) - 60
    valid_body["timestamp"] = epoch
    valid_body["ip_address"] = "2001:0DB8:0000:0000:0000:0000:0000:0001"
    response = post(valid_body)
    assert response["statusCode"] == 201
    [item] = scan()
    assert item["timestamp"] == epoch
    assert item["ip_address"] == "2001:db8::1"  # canonical form


def _metrics_in(output: str) -> dict[str, Any]:
    for line in output.splitlines():
        if '"_aws"' in line:
            return json.loads(line)
    return {}


def test_accepted_metric_is_emitted(post, valid_body, capsys) -> None:
    post(valid_body)
    emf = _metrics_in(capsys.readouterr().out)
    assert emf.get("TransactionsAccepted") == [1.0] or emf.get("TransactionsAccepted") == 1.0


def test_body_exactly_at_the_size_limit_is_accepted(post, valid_body) -> None:
    text = json.dumps(valid_body)
    padded = text[:-1] + " " * (2048 - len(text)) + "}"  # MAX_BODY_BYTES=2048
    assert len(padded.encode()) == 2048
    assert post(padded)["statusCode"] == 201
