"""POST /transactions/{id}/label: label events, the effective label, replays, conflicts, the merchant's
fraud counter, and every refused request (nothing written)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fraudlib.dynamodb_items import deserialize
from fraudlib.merchant_counters import FRAUDS_PREFIX, transaction_day

from tests.functions.transaction_api.conftest import COUNTERS_TABLE, MAX_BODY_BYTES, TABLE

REQUEST_ID = "5d0b2e1c-7b63-11e6-8c3d-1f2edeadbeef"
T0 = int(time.time()) - 3 * 86400
"""The transactions' time: three days ago (labels come after it)."""
DAY = transaction_day(T0)
MERCHANT = "merchant#merch-7"


def at(seconds: int) -> str:
    """ISO text of `seconds` after the transaction."""
    return datetime.fromtimestamp(T0 + seconds, UTC).isoformat().replace("+00:00", "Z")


def stored_text(seconds: int) -> str:
    """The same moment in the one stored format (milliseconds, Z)."""
    return datetime.fromtimestamp(T0 + seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def transaction(post: Any, valid_body: dict[str, Any]) -> str:
    """A stored transaction (merchant merch-7, no terminal) at T0; its id."""
    response = post({**valid_body, "timestamp": T0})
    assert response["statusCode"] == 201
    return "txn-0001"


def _item(dynamodb: Any, transaction_id: str) -> dict[str, Any]:
    found = dynamodb.query(TableName=TABLE, KeyConditionExpression="transaction_id = :id",
                           ExpressionAttributeValues={":id": {"S": transaction_id}}, ConsistentRead=True)["Items"]
    return deserialize(found[0])


def _frauds(counters: Any, key: str = MERCHANT, day: str = DAY) -> int:
    return counters().get(key, {}).get(FRAUDS_PREFIX + day, 0)


def _body(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"])


def test_a_first_label_is_recorded_and_counts_the_merchants_fraud(transaction, label, dynamodb, counters) -> None:
    response = label(transaction, {"label": "fraud", "source": "analyst", "reported_at": at(3600)})

    assert response["statusCode"] == 201
    event = {"label": "fraud", "source": "analyst", "reported_at": stored_text(3600)}
    assert _body(response) == {
        "transaction_id": transaction, "label": "fraud", "label_source": "analyst",
        "label_reported_at": stored_text(3600), "labels": [event], "request_id": REQUEST_ID,
    }
    item = _item(dynamodb, transaction)
    assert item["labels"] == [event]
    assert (item["label"], item["label_source"], item["label_reported_at"]) == ("fraud", "analyst", stored_text(3600))
    assert item["fraud_reported_at"] == T0 + 3600
    assert item["label_version"] == 1
    assert counters() == {MERCHANT: {FRAUDS_PREFIX + DAY: 1}}


def test_the_same_event_again_is_a_replay_that_changes_nothing(transaction, label, dynamodb, counters) -> None:
    body = {"label": "fraud", "source": "chargeback", "reported_at": at(60)}
    first = label(transaction, body)
    before, counted = _item(dynamodb, transaction), counters()

    for spelling in (body, {**body, "reported_at": T0 + 60}, {**body, "reported_at": at(60).replace("Z", "+00:00")}):
        again = label(transaction, spelling)
        assert again["statusCode"] == 200
        assert _body(again) == _body(first)
    assert _item(dynamodb, transaction) == before
    assert counters() == counted == {MERCHANT: {FRAUDS_PREFIX + DAY: 1}}


def test_another_label_from_the_same_source_at_the_same_time_is_a_conflict(transaction, label, dynamodb,
                                                                             counters) -> None:
    label(transaction, {"label": "fraud", "source": "analyst", "reported_at": at(60)})
    before = _item(dynamodb, transaction)

    response = label(transaction, {"label": "legitimate", "source": "analyst", "reported_at": at(60)})

    assert response["statusCode"] == 409
    assert _body(response)["error"] == "conflict"
    assert _item(dynamodb, transaction) == before
    assert _frauds(counters) == 1


def test_a_later_chargeback_supersedes_the_analysts_call(transaction, label, dynamodb, counters, get) -> None:
    label(transaction, {"label": "fraud", "source": "analyst", "reported_at": at(60)})
    response = label(transaction, {"label": "legitimate", "source": "chargeback", "reported_at": at(7200)})

    assert response["statusCode"] == 201
    view = _body(response)
    assert (view["label"], view["label_source"], view["label_reported_at"]) == (
        "legitimate", "chargeback", stored_text(7200))
    assert [(e["source"], e["label"]) for e in view["labels"]] == [("analyst", "fraud"), ("chargeback", "legitimate")]
    item = _item(dynamodb, transaction)
    assert "fraud_reported_at" not in item and item["label_version"] == 2
    assert _frauds(counters) == 0

    shown = _body(get(transaction))
    assert {k: shown[k] for k in ("label", "label_source", "label_reported_at", "labels")} == {
        k: view[k] for k in ("label", "label_source", "label_reported_at", "labels")}
    assert "label_version" not in shown and "fraud_reported_at" not in shown


def test_an_earlier_event_arriving_late_does_not_supersede(transaction, label, dynamodb, counters) -> None:
    label(transaction, {"label": "legitimate", "source": "chargeback", "reported_at": at(7200)})
    response = label(transaction, {"label": "fraud", "source": "analyst", "reported_at": at(60)})

    assert response["statusCode"] == 201
    view = _body(response)
    assert (view["label"], view["label_source"]) == ("legitimate", "chargeback")
    assert [e["source"] for e in view["labels"]] == ["analyst", "chargeback"]
    assert _frauds(counters) == 0


def test_at_the_same_moment_a_chargeback_outranks_an_analyst_and_an_analyst_a_customer(transaction, label) -> None:
    label(transaction, {"label": "fraud", "source": "chargeback", "reported_at": at(60)})
    label(transaction, {"label": "legitimate", "source": "analyst", "reported_at": at(60)})
    view = _body(label(transaction, {"label": "legitimate", "source": "customer_report", "reported_at": at(60)}))
    assert (view["label"], view["label_source"]) == ("fraud", "chargeback")
    assert [e["source"] for e in view["labels"]] == ["customer_report", "analyst", "chargeback"]


def test_fraud_reported_at_is_when_the_current_run_of_fraud_labels_began(transaction, label, dynamodb,
                                                                          counters) -> None:
    label(transaction, {"label": "fraud", "source": "customer_report", "reported_at": at(10)})
    label(transaction, {"label": "fraud", "source": "chargeback", "reported_at": at(20)})
    assert _item(dynamodb, transaction)["fraud_reported_at"] == T0 + 10
    label(transaction, {"label": "legitimate", "source": "analyst", "reported_at": at(30)})
    assert "fraud_reported_at" not in _item(dynamodb, transaction)
    label(transaction, {"label": "fraud", "source": "chargeback", "reported_at": at(40)})
    assert _item(dynamodb, transaction)["fraud_reported_at"] == T0 + 40
    assert _frauds(counters) == 1


def test_a_subsecond_report_time_rounds_fraud_reported_at_up(transaction, label, dynamodb) -> None:
    label(transaction, {"label": "fraud", "source": "analyst", "reported_at": at(10).replace("Z", ".250Z")})
    item = _item(dynamodb, transaction)
    assert item["label_reported_at"] == stored_text(10).replace(".000Z", ".250Z")
    assert item["fraud_reported_at"] == T0 + 11


def test_reported_at_defaults_to_now(transaction, label) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    view = _body(label(transaction, {"label": "fraud", "source": "analyst"}))
    reported = datetime.fromisoformat(view["label_reported_at"])
    assert before <= reported <= datetime.now(UTC)


def test_a_terminal_is_counted_rather_than_its_merchant(post, valid_body, label, counters) -> None:
    post({**valid_body, "transaction_id": "txn-term", "terminal_id": "T-9", "timestamp": T0})
    label("txn-term", {"label": "fraud", "source": "chargeback", "reported_at": at(5)})
    assert counters() == {"terminal#T-9": {FRAUDS_PREFIX + DAY: 1}}


def test_counters_are_kept_by_the_transactions_day_not_the_labels(post, valid_body, label, counters) -> None:
    label_time = T0 + 2 * 86400
    post({**valid_body, "timestamp": T0})
    label("txn-0001", {"label": "fraud", "source": "analyst", "reported_at": label_time})
    assert counters() == {MERCHANT: {FRAUDS_PREFIX + DAY: 1}}


def test_unknown_transaction_is_404_and_writes_nothing(label, counters, scan) -> None:
    response = label("no-such-txn", {"label": "fraud", "source": "analyst"})
    assert response["statusCode"] == 404
    assert _body(response) == {"error": "not_found", "message": "No transaction with this id",
                               "request_id": REQUEST_ID}
    assert counters() == {} and scan() == []


def test_a_label_before_its_transaction_is_refused(transaction, label, dynamodb, counters) -> None:
    response = label(transaction, {"label": "fraud", "source": "analyst", "reported_at": T0 - 1})
    assert response["statusCode"] == 400
    assert _body(response)["fields"] == [{"field": "reported_at",
                                          "reason": "must not be before the transaction's timestamp"}]
    assert "labels" not in _item(dynamodb, transaction) and counters() == {}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["label", "source"]),
        ({"label": "fraud"}, ["source"]),
        ({"label": "stolen", "source": "analyst"}, ["label"]),
        ({"label": "FRAUD", "source": "analyst"}, ["label"]),
        ({"label": "fraud", "source": "bank"}, ["source"]),
        ({"label": 1, "source": ["analyst"]}, ["label", "source"]),
        ({"label": None, "source": None}, ["label", "source"]),
        ({"label": "fraud", "source": "analyst", "reported_at": None}, ["reported_at"]),
        ({"label": "fraud", "source": "analyst", "reported_at": "yesterday"}, ["reported_at"]),
        ({"label": "fraud", "source": "analyst", "reported_at": "2026-11-01T10:00:00"}, ["reported_at"]),
        ({"label": "fraud", "source": "analyst", "reported_at": "2026-02-30T10:00:00Z"}, ["reported_at"]),
        ({"label": "fraud", "source": "analyst", "reported_at": 1.5}, ["reported_at"]),
        ({"label": "fraud", "source": "analyst", "reported_at": True}, ["reported_at"]),
        ({"label": "fraud", "source": "analyst", "reported_at": -1}, ["reported_at"]),
        ({"label": "fraud", "source": "analyst", "reported_at": int(time.time()) + 3600}, ["reported_at"]),
        ({"label": "fraud", "source": "analyst", "reported_at": 10**20}, ["reported_at"]),
        ({"label": "fraud", "source": "analyst", "note": "x"}, ["note"]),
        ({"label": "bad", "source": "bad", "reported_at": "bad", "extra": 1}, ["label", "source", "reported_at",
                                                                              "extra"]),
    ],
)
def test_every_bad_field_is_named_and_nothing_is_written(transaction, label, dynamodb, counters, body,
                                                         fields) -> None:
    response = label(transaction, body)
    assert response["statusCode"] == 400
    payload = _body(response)
    assert payload["error"] == "validation_failed" and payload["request_id"] == REQUEST_ID
    assert sorted(f["field"] for f in payload["fields"]) == sorted(fields)
    assert all(f["reason"] for f in payload["fields"])
    assert "labels" not in _item(dynamodb, transaction) and counters() == {}


def test_a_bad_id_is_named_together_with_the_bad_body_fields(label) -> None:
    response = label("bad;id", {"label": "stolen", "source": "analyst"})
    assert response["statusCode"] == 400
    assert [f["field"] for f in _body(response)["fields"]] == ["transaction_id", "label"]
    alone = label("x" * 65, {"label": "fraud", "source": "analyst"})
    assert alone["statusCode"] == 400 and [f["field"] for f in _body(alone)["fields"]] == ["transaction_id"]


@pytest.mark.parametrize(
    ("raw", "error"),
    [("{not json", "malformed_json"), ('["fraud"]', "validation_failed"), ("", "malformed_json"),
     ('{"label": "fraud", "label": "legitimate", "source": "analyst"}', "malformed_json")],
)
def test_malformed_bodies_are_400(transaction, label, counters, raw, error) -> None:
    response = label(transaction, raw)
    assert response["statusCode"] == 400
    assert _body(response)["error"] == error
    assert counters() == {}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; charset=latin-1",
                                          "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415(transaction, label, dynamodb, content_type) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = label(transaction, {"label": "fraud", "source": "analyst"}, headers=headers)
    assert response["statusCode"] == 415
    assert _body(response)["error"] == "unsupported_media_type"
    assert "labels" not in _item(dynamodb, transaction)


def test_a_body_above_the_limit_is_413(transaction, label, dynamodb) -> None:
    body = json.dumps({"label": "fraud", "source": "analyst", "note": "x" * MAX_BODY_BYTES})
    response = label(transaction, body)
    assert response["statusCode"] == 413
    assert _body(response)["error"] == "payload_too_large"
    assert "labels" not in _item(dynamodb, transaction)


def test_the_post_route_still_creates_without_touching_the_counters(post, valid_body, dynamodb) -> None:
    assert post(valid_body)["statusCode"] == 201
    assert dynamodb.scan(TableName=COUNTERS_TABLE)["Items"] == []
