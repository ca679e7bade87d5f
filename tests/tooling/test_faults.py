"""Faults of the played service: windows and limits across processes, and the botocore hooks of a
function's process (a rejected publish, a throttled score write, a kill mid-batch, score writes noted)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tooling.lambda_service import faults
from tooling.lambda_service.faults import (
    KILL_MID_BATCH,
    REJECT_PUBLISH,
    THROTTLE_SCORE_WRITE,
    TIMEOUT,
    FaultBook,
    FaultWindow,
    score_write_keys,
)

ANALYZER = "fraud-analyzer-local"
TABLE = "fraud-transactions-local"


def _window(kind: str, function: str = "analyzer", *, seconds: float = 60, limit: int | None = None,
            name: str | None = None) -> FaultWindow:
    now = time.time()
    return FaultWindow(name or kind, kind, function, now - 1, now + seconds, limit)


def test_a_window_fires_for_its_functions_within_its_time_and_limit(tmp_path: Path) -> None:
    book = FaultBook(tmp_path)
    assert book.take(TIMEOUT, "fraud-notifier-local") is None  # no plan: no fault
    book.write_plan([_window(TIMEOUT, "notifier", limit=2)])
    other_process = FaultBook(tmp_path)  # the limit holds across readers (function processes)
    assert book.take(TIMEOUT, "fraud-analyzer-local") is None
    assert book.take(TIMEOUT, "fraud-notifier-local") is not None
    assert other_process.take(TIMEOUT, "fraud-notifier-local") is not None
    assert book.take(TIMEOUT, "fraud-notifier-local") is None
    assert [e["fault"] for e in book.injected()] == [TIMEOUT, TIMEOUT]


def test_a_closed_window_and_a_cleared_plan_inject_nothing(tmp_path: Path) -> None:
    book = FaultBook(tmp_path)
    now = time.time()
    book.write_plan([FaultWindow("past", TIMEOUT, "notifier", now - 10, now - 5)])
    assert book.take(TIMEOUT, "fraud-notifier-local") is None
    book.write_plan([_window(TIMEOUT, "notifier")])
    assert book.take(TIMEOUT, "fraud-notifier-local") is not None
    book.clear_plan()
    assert book.take(TIMEOUT, "fraud-notifier-local") is None and not book.records_score_writes


def test_a_window_must_be_known_and_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        FaultWindow("x", "flood", "analyzer", 1, 2)
    with pytest.raises(ValueError, match="ends before it starts"):
        FaultWindow("x", TIMEOUT, "analyzer", 2, 1)


def test_score_writes_are_recognized_in_both_shapes_of_the_write_back() -> None:
    key = {"transaction_id": {"S": "t-1"}, "timestamp": {"N": "1"}}
    update = {"TableName": TABLE, "Key": key, "UpdateExpression": "SET decision = :d, scored_at = :t"}
    assert score_write_keys("UpdateItem", update) == [
        {"table": TABLE, "key": key, "operation": "UpdateItem", "conditional": False}]
    transact = {"TransactItems": [
        {"Update": {**update, "ConditionExpression": "attribute_not_exists(scored_at)"}},
        {"Update": {"TableName": "counters", "Key": {"merchant_key": {"S": "m"}}, "UpdateExpression": "ADD #c :one"}},
    ]}
    assert score_write_keys("TransactWriteItems", transact) == [
        {"table": TABLE, "key": key, "operation": "TransactWriteItems", "conditional": True}]
    assert score_write_keys("UpdateItem", {**update, "UpdateExpression": "SET label = :l"}) == []


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def _hooked(service: str, hooks: Any) -> Any:
    client = boto3.client(service, region_name="us-east-1")
    client.meta.events.register("before-call", hooks.before_call)
    client.meta.events.register("after-call", hooks.after_call)
    return client


def _table() -> Any:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "transaction_id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "transaction_id", "AttributeType": "S"}])
    return dynamodb


def _score(client: Any, transaction_id: str) -> None:
    client.update_item(TableName=TABLE, Key={"transaction_id": {"S": transaction_id}},
                       UpdateExpression="SET scored_at = :t", ExpressionAttributeValues={":t": {"S": "now"}})


def test_a_throttled_score_write_fails_in_the_function_and_successes_are_noted(aws: None, tmp_path: Path) -> None:
    _table()
    book = FaultBook(tmp_path)
    hooks = faults._Hooks(book, ANALYZER)
    client = _hooked("dynamodb", hooks)
    book.write_plan([], record_score_writes=True)
    _score(client, "t-1")
    book.write_plan([_window(THROTTLE_SCORE_WRITE)], record_score_writes=True)
    with pytest.raises(ClientError) as raised:
        _score(client, "t-2")
    assert raised.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    client.put_item(TableName=TABLE, Item={"transaction_id": {"S": "t-3"}})  # not a score write: untouched
    assert [w["key"]["transaction_id"]["S"] for w in book.score_writes()] == ["t-1"]
    assert [e["kind"] for e in book.injected()] == [THROTTLE_SCORE_WRITE]


def test_the_topic_rejects_publishes_in_its_window(aws: None, tmp_path: Path) -> None:
    book = FaultBook(tmp_path)
    client = _hooked("sns", faults._Hooks(book, "fraud-notifier-local"))
    topic = client.create_topic(Name="alerts")["TopicArn"]
    book.write_plan([_window(REJECT_PUBLISH, "notifier")])
    with pytest.raises(ClientError, match="InternalError"):
        client.publish(TopicArn=topic, Message="m")
    book.clear_plan()
    assert client.publish(TopicArn=topic, Message="m")["MessageId"]


def test_the_process_is_killed_after_a_score_write_only_with_records_to_go(
        aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _table()
    killed: list[int] = []
    monkeypatch.setattr(faults.os, "kill", lambda pid, sig: killed.append(sig))
    book = FaultBook(tmp_path)
    hooks = faults._Hooks(book, ANALYZER)
    client = _hooked("dynamodb", hooks)
    book.write_plan([_window(KILL_MID_BATCH, limit=1)])
    hooks.begin_invocation({"Records": [{}]})  # one record: the write ends the batch, no kill
    _score(client, "t-1")
    assert killed == []
    hooks.begin_invocation({"Records": [{}, {}, {}]})
    _score(client, "t-2")
    _score(client, "t-3")  # the limit: killed once
    assert len(killed) == 1
    assert book.injected()[0] | {"at": 0} == {"fault": KILL_MID_BATCH, "kind": KILL_MID_BATCH, "function": ANALYZER,
                                              "at": 0, "written": 1, "batch": 3}
