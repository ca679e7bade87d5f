"""GET /transactions/{id}."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

REQUEST_ID = "0e4b7c1a-7b62-11e6-8f2d-21a9deadbeef"


def test_returns_the_stored_record(post, get, valid_body) -> None:
    created = json.loads(post(valid_body)["body"])
    response = get("txn-0001")
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["request_id"] == REQUEST_ID
    assert body["amount"] == "125.50"
    assert body["latitude"] == 52.520008
    assert {k: v for k, v in body.items() if k != "request_id"} == {
        k: v for k, v in created.items() if k != "request_id"
    }


def test_includes_the_score_once_written(post, get, valid_body, dynamodb) -> None:
    created = json.loads(post(valid_body)["body"])
    dynamodb.update_item(
        TableName="transactions-test",
        Key={"transaction_id": {"S": "txn-0001"}, "timestamp": {"N": str(created["timestamp"])}},
        UpdateExpression="SET risk_score = :s, decision = :d, reasons = :r, scored_at = :t",
        ExpressionAttributeValues={
            ":s": {"N": "0.87"},
            ":d": {"S": "block"},
            ":r": {"L": [{"S": "velocity"}, {"S": "new_country"}]},
            ":t": {"S": "2026-11-22T22:10:05+00:00"},
        },
    )
    body = json.loads(get("txn-0001")["body"])
    assert body["risk_score"] == 0.87
    assert body["decision"] == "block"
    assert body["reasons"] == ["velocity", "new_country"]
    assert body["scored_at"] == "2026-11-22T22:10:05+00:00"
    # exact: the JSON text carries the stored digits
    assert '"risk_score":0.87' in get("txn-0001")["body"]
    assert Decimal("0.87") == Decimal(repr(body["risk_score"]))


def test_unknown_id_is_404(get) -> None:
    response = get("does-not-exist")
    assert response["statusCode"] == 404
    body = json.loads(response["body"])
    assert body == {"error": "not_found", "message": "No transaction with this id", "request_id": REQUEST_ID}


@pytest.mark.parametrize("bad_id", ["x" * 65, "bad%20id", "semi;colon", "a.b"])
def test_impossible_id_is_400(get, bad_id) -> None:
    response = get(bad_id)
    assert response["statusCode"] == 400
    body = json.loads(response["body"])
    assert body["error"] == "validation_failed"
    assert body["fields"][0]["field"] == "transaction_id"
    assert body["request_id"] == REQUEST_ID


def test_unknown_route_is_json_404(dynamodb, lambda_context) -> None:
    from transaction_api.app import handler

    event = json.loads(
        (__import__("pathlib").Path(__file__).parent / "events" / "get_transaction.json").read_text()
    )
    event["path"] = "/customers/42"
    response = handler(event, lambda_context)
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["request_id"] == REQUEST_ID
