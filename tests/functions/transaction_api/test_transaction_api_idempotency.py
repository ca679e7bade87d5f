"""POST /transactions with a client id: one TransactWriteItems (id marker + record), replays return the
original with one read more, different bodies conflict, nothing is ever overwritten."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from fraudlib.transaction_item import ID_MARKER_PREFIX
from transaction_api import dependencies
from transaction_api.repository import TransactionRepository

from tests.functions.transaction_api.conftest import TABLE


def _body(response: dict[str, Any]) -> dict[str, Any]:
    return json.loads(response["body"])


def test_same_body_again_returns_200_with_the_stored_record(post, valid_body, scan) -> None:
    first = post(valid_body)
    second = post(valid_body)
    assert first["statusCode"] == 201
    assert second["statusCode"] == 200
    original, replay = _body(first), _body(second)
    # Same record, down to the timestamp defaulted on the first call: the replay carried none.
    assert {k: v for k, v in replay.items() if k != "request_id"} == {
        k: v for k, v in original.items() if k != "request_id"
    }
    assert "Location" not in second.get("multiValueHeaders", {})
    assert len(scan()) == 1


def test_equivalent_spelling_is_a_replay(post, valid_body, scan) -> None:
    post(valid_body)
    valid_body["amount"] = "__A__"
    text = json.dumps(valid_body).replace('"__A__"', "125.5")  # number instead of "125.50"
    assert post(text)["statusCode"] == 200
    assert len(scan()) == 1


def test_different_body_same_id_is_409_and_stored_item_unchanged(post, valid_body, scan) -> None:
    assert post(valid_body)["statusCode"] == 201
    [before] = scan()
    changed = {**valid_body, "amount": "999.99"}
    response = post(changed)
    assert response["statusCode"] == 409
    body = _body(response)
    assert body["error"] == "conflict"
    assert body["request_id"]
    assert scan() == [before]
    assert before["amount"] == Decimal("125.5")


def test_added_timestamp_is_a_different_body(post, valid_body, scan) -> None:
    post(valid_body)
    valid_body["timestamp"] = int(datetime.now(UTC).timestamp())
    assert post(valid_body)["statusCode"] == 409
    assert len(scan()) == 1


def test_replay_after_scoring_returns_the_scored_record(post, get, valid_body, dynamodb) -> None:
    created = _body(post(valid_body))
    dynamodb.update_item(
        TableName="transactions-test",
        Key={"transaction_id": {"S": "txn-0001"}, "timestamp": {"N": str(created["timestamp"])}},
        UpdateExpression="SET risk_score = :s, decision = :d",
        ExpressionAttributeValues={":s": {"N": "42"}, ":d": {"S": "review"}},
    )
    replay = post(valid_body)
    assert replay["statusCode"] == 200
    assert _body(replay)["decision"] == "review"


def test_conflict_metric(post, valid_body, capsys) -> None:
    post(valid_body)
    post({**valid_body, "currency": "USD"})
    out = capsys.readouterr().out
    assert any('"Conflicts"' in line for line in out.splitlines() if '"_aws"' in line)


def test_replay_metric(post, valid_body, capsys) -> None:
    post(valid_body)
    post(valid_body)
    out = capsys.readouterr().out
    assert any('"IdempotentReplays"' in line for line in out.splitlines() if '"_aws"' in line)


# --- what it costs and what it stores -----------------------------------------------------------


@pytest.fixture
def operations(dynamodb: Any) -> list[str]:
    """The DynamoDB operations the function's client sends, in order."""
    sent: list[str] = []
    client = dependencies.dynamodb_client()
    client.meta.events.register("before-call.dynamodb.*", lambda model, **_: sent.append(model.name))
    return sent


def test_happy_path_is_one_transaction_and_a_replay_one_read_more(post, valid_body, operations) -> None:
    assert post(valid_body)["statusCode"] == 201
    assert operations == ["TransactWriteItems"]
    operations.clear()
    assert post(valid_body)["statusCode"] == 200
    assert operations == ["TransactWriteItems", "Query"]
    operations.clear()
    assert post({**valid_body, "amount": "1.00"})["statusCode"] == 409
    assert operations == ["TransactWriteItems"]  # the refused marker carries the fingerprint: no read


def test_without_a_client_id_one_conditional_put(post, valid_body, operations) -> None:
    assert post({k: v for k, v in valid_body.items() if k != "transaction_id"})["statusCode"] == 201
    assert operations == ["PutItem"]


def test_the_marker_claims_the_id_and_expires_with_the_record(post, valid_body, dynamodb, scan) -> None:
    created = json.loads(post(valid_body)["body"])
    marker = dynamodb.get_item(
        TableName=TABLE, Key={"transaction_id": {"S": f"{ID_MARKER_PREFIX}txn-0001"}, "timestamp": {"N": "0"}},
        ConsistentRead=True,
    )["Item"]
    [record] = scan()
    assert marker["request_fingerprint"]["S"] == record["request_fingerprint"]
    assert int(marker["record_timestamp"]["N"]) == created["timestamp"] == record["timestamp"]
    assert int(marker["expires_at"]["N"]) == record["expires_at"]
    assert set(marker) == {"transaction_id", "timestamp", "request_fingerprint", "record_timestamp", "expires_at"}


def test_a_record_without_its_marker_is_still_never_overwritten(post, valid_body, dynamodb, scan) -> None:
    """A record stored before markers existed (or whose marker expired first) still guards its key."""
    valid_body["timestamp"] = int(datetime.now(UTC).timestamp()) - 10
    assert post(valid_body)["statusCode"] == 201
    [before] = scan()
    marker_key = {"transaction_id": {"S": f"{ID_MARKER_PREFIX}txn-0001"}, "timestamp": {"N": "0"}}

    dynamodb.delete_item(TableName=TABLE, Key=marker_key)
    assert post(valid_body)["statusCode"] == 200  # same body, same key: a replay
    dynamodb.delete_item(TableName=TABLE, Key=marker_key)
    assert post({**valid_body, "amount": "7.00"})["statusCode"] == 409
    assert scan() == [before]


def test_a_failed_write_leaves_nothing_behind(post, valid_body, scan, dynamodb, monkeypatch) -> None:
    """Marker and record are one transaction: a failure writes neither, so the retry goes through."""

    def throttled(self: TransactionRepository, item: Any) -> None:
        raise RuntimeError("throttled")

    with monkeypatch.context() as patch:
        patch.setattr(TransactionRepository, "insert_claimed", throttled)
        assert post(valid_body)["statusCode"] == 500
    assert dynamodb.scan(TableName=TABLE)["Items"] == []
    assert post(valid_body)["statusCode"] == 201
    assert len(scan()) == 1


def test_a_concurrent_transaction_in_flight_is_409_with_retry_after(post, valid_body, dynamodb, monkeypatch) -> None:
    client = dependencies.dynamodb_client()

    def conflicting(**params: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
             "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}]},
            "TransactWriteItems",
        )

    monkeypatch.setattr(client, "transact_write_items", conflicting)
    response = post(valid_body)
    assert response["statusCode"] == 409
    assert _body(response)["error"] == "request_in_progress"
    assert response["multiValueHeaders"]["Retry-After"] == ["1"]
