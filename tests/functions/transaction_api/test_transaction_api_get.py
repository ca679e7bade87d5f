"""GET /transactions/{id}."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fraudlib.dynamodb_items import serialize
from fraudlib.scoring import Decision, RuleHit, ScoreResult
from fraudlib.transaction_item import score_attributes

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
    result = ScoreResult(87, Decision.BLOCK, (RuleHit("velocity_hour", 20, "x"), RuleHit("new_country", 15, "y")))
    values = serialize(score_attributes(result, datetime(2026, 11, 22, 22, 10, 5, tzinfo=UTC)))
    dynamodb.update_item(  # what the analyzer writes
        TableName="transactions-test",
        Key={"transaction_id": {"S": "txn-0001"}, "timestamp": {"N": str(created["timestamp"])}},
        UpdateExpression="SET risk_score = :s, decision = :d, reasons = :r, scored_at = :t",
        ExpressionAttributeValues={
            ":s": values["risk_score"], ":d": values["decision"], ":r": values["reasons"], ":t": values["scored_at"],
        },
    )
    body = json.loads(get("txn-0001")["body"])
    assert body["risk_score"] == 87
    assert body["decision"] == "block"
    assert [r["rule"] for r in body["reasons"]] == ["velocity_hour", "new_country"]
    assert body["scored_at"] == "2026-11-22T22:10:05.000Z"
    assert body["received_at"].endswith("Z")


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
