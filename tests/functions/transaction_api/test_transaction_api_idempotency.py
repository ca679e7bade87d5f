"""POST /transactions with a client id: replays return the original, different bodies conflict."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from transaction_api import dependencies
from transaction_api.errors import RequestInProgressError, TransactionConflictError
from transaction_api.repository import TransactionRepository


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
        ExpressionAttributeValues={":s": {"N": "0.42"}, ":d": {"S": "review"}},
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


# --- the race window: the lookup found nothing, but a concurrent copy got there first -------------


@pytest.fixture
def blind_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the first lookup of each request miss, as if a concurrent request had not written yet."""
    real_find = TransactionRepository.find
    calls = {"n": 0}

    def find(self: TransactionRepository, transaction_id: str) -> dict[str, Any] | None:
        calls["n"] += 1
        if calls["n"] % 2 == 1:  # the pre-check of every request
            return None
        return real_find(self, transaction_id)

    monkeypatch.setattr(TransactionRepository, "find", find)


def test_race_same_body_is_answered_by_the_lock(post, valid_body, scan, blind_lookup) -> None:
    assert post(valid_body)["statusCode"] == 201
    second = post(valid_body)
    assert second["statusCode"] == 200
    assert _body(second)["transaction_id"] == "txn-0001"
    assert len(scan()) == 1


def test_race_different_body_is_refused_by_the_lock(post, valid_body, scan, blind_lookup) -> None:
    assert post(valid_body)["statusCode"] == 201
    [before] = scan()
    response = post({**valid_body, "amount": "1.00"})
    assert response["statusCode"] == 409
    assert scan() == [before]


def test_conditional_put_clash_is_resolved_by_comparing(
    post, valid_body, scan, dynamodb, monkeypatch
) -> None:
    """Lock expired and lookup missed: the conditional put itself still refuses to overwrite."""
    moment = int(datetime.now(UTC).timestamp()) - 10
    valid_body["timestamp"] = moment
    assert post(valid_body)["statusCode"] == 201
    [before] = scan()
    dynamodb.delete_item(  # the idempotency lock has expired
        TableName="idempotency-test",
        Key={"id": dynamodb.scan(TableName="idempotency-test")["Items"][0]["id"]},
    )
    real_find = TransactionRepository.find
    calls = {"n": 0}

    def find(self: TransactionRepository, transaction_id: str) -> dict[str, Any] | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real_find(self, transaction_id)

    monkeypatch.setattr(TransactionRepository, "find", find)
    assert post(valid_body)["statusCode"] == 200  # same body, same key -> replay

    calls["n"] = 0
    dynamodb.delete_item(
        TableName="idempotency-test",
        Key={"id": dynamodb.scan(TableName="idempotency-test")["Items"][0]["id"]},
    )
    assert post({**valid_body, "amount": "7.00"})["statusCode"] == 409
    assert scan() == [before]


def test_lock_is_released_when_the_write_fails(post, valid_body, scan, monkeypatch) -> None:
    """A failed write must not leave the id locked: the client's retry has to go through."""

    def broken_insert(self: TransactionRepository, item: dict[str, Any]) -> None:
        raise RuntimeError("throttled")

    with monkeypatch.context() as patch:
        patch.setattr(TransactionRepository, "insert", broken_insert)
        assert post(valid_body)["statusCode"] == 500
    assert scan() == []
    assert post(valid_body)["statusCode"] == 201
    assert len(scan()) == 1


# --- the guard on its own -----------------------------------------------------------------------


def test_guard_reports_a_concurrent_holder_as_in_progress(dynamodb, lambda_context) -> None:
    guard = dependencies.idempotency_guard()
    guard.register_lambda_context(lambda_context)

    def nested() -> bool:
        # While this action holds the lock, a second copy of the request arrives.
        with pytest.raises(RequestInProgressError):
            guard.run("txn-race", "f" * 64, lambda: True)
        return True

    assert guard.run("txn-race", "f" * 64, nested) is True
    # completed: the same request is now answered from the lock, a different one conflicts
    assert guard.run("txn-race", "f" * 64, lambda: pytest.fail("must not run twice")) is False
    with pytest.raises(TransactionConflictError):
        guard.run("txn-race", "e" * 64, lambda: pytest.fail("must not run"))


def test_in_progress_is_409_with_retry_after(post, valid_body, monkeypatch) -> None:
    from transaction_api.idempotency_guard import IdempotencyGuard

    def busy(self: IdempotencyGuard, transaction_id: str, fingerprint: str, action: Any) -> bool:
        raise RequestInProgressError(transaction_id)

    monkeypatch.setattr(IdempotencyGuard, "run", busy)
    response = post(valid_body)
    assert response["statusCode"] == 409
    assert _body(response)["error"] == "request_in_progress"
    assert response["multiValueHeaders"]["Retry-After"] == ["1"]
