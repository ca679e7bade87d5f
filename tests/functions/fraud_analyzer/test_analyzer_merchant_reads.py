"""Unit tests of the merchant counter reads: 100 keys per call, unprocessed keys retried with bounded
backoff, failures per key, the read projection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fraud_analyzer.merchant_reads import (
    MAX_CALLS_PER_KEYS,
    MAX_PROJECTED_DAYS,
    MerchantCounterReader,
    MerchantCountersUnavailableError,
)
from fraudlib.merchant_counters import READ_DAYS
from moto import mock_aws

from tests.functions.tables import create_merchant_counters_table

TABLE = "counters"


class _FakeDynamoDB:
    """BatchGetItem stand-in: every key has an item (`{key, tx#2025-11-22: 1}`); `unprocessed(call, keys)`
    says which keys of a call to leave unprocessed; `fail(call)` whether the call fails as a whole."""

    def __init__(self, unprocessed: Any = None, fail: Any = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self._unprocessed: Callable[[int, list[str]], list[str]] = unprocessed or (lambda call, keys: [])
        self._fail: Callable[[int], bool] = fail or (lambda call: False)

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(RequestItems)
        call = len(self.calls)
        if self._fail(call):
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "boom"}}, "BatchGetItem")
        keys = [k["merchant_key"]["S"] for k in RequestItems[TABLE]["Keys"]]
        left = self._unprocessed(call, keys)
        found = [{"merchant_key": {"S": k}, "tx#2025-11-22": {"N": "1"}} for k in keys if k not in left]
        response: dict[str, Any] = {"Responses": {TABLE: found}, "UnprocessedKeys": {}}
        if left:
            response["UnprocessedKeys"] = {TABLE: {"Keys": [{"merchant_key": {"S": k}} for k in left]}}
        return response


def _reader(client: Any, sleeps: list[float]) -> MerchantCounterReader:
    return MerchantCounterReader(client, TABLE, sleep=sleeps.append, jitter=lambda: 1.0)


def test_keys_go_one_hundred_per_call_each_once_with_the_windows_projection() -> None:
    client, sleeps = _FakeDynamoDB(), list[float]()
    keys = [f"terminal#T-{n:03}" for n in range(250)]

    reads = _reader(client, sleeps).read([*keys, *keys[:10]], "2025-11-22", READ_DAYS)

    assert [len(c[TABLE]["Keys"]) for c in client.calls] == [100, 100, 50]
    assert reads.calls == 3
    assert sorted(reads.items) == keys
    assert reads.failures == {}
    assert sleeps == []
    request = client.calls[0][TABLE]
    names = set(request["ExpressionAttributeNames"].values())
    assert {"merchant_key", "tx#2025-11-22", "fraud#2025-11-22", "tx#2025-10-16"} <= names
    assert "tx#2025-10-15" not in names  # 38 days ending on the 22nd
    assert "ConsistentRead" not in request


def test_unprocessed_keys_are_asked_for_again_after_a_growing_pause() -> None:
    # DynamoDB leaves half the keys twice, then serves them.
    client = _FakeDynamoDB(unprocessed=lambda call, keys: keys[: len(keys) // 2] if call < 3 else [])
    sleeps = list[float]()

    reads = _reader(client, sleeps).read([f"merchant#M-{n}" for n in range(8)], "2025-11-22", READ_DAYS)

    assert [len(c[TABLE]["Keys"]) for c in client.calls] == [8, 4, 2]
    assert len(reads.items) == 8
    assert reads.failures == {}
    assert sleeps == sorted(sleeps) and len(sleeps) == 2 and 0 < sleeps[0] < sleeps[1] <= 1.0


def test_keys_still_unprocessed_after_the_last_call_fail_alone() -> None:
    stuck = {"merchant#M-3"}
    client, sleeps = _FakeDynamoDB(unprocessed=lambda call, keys: [k for k in keys if k in stuck]), list[float]()

    reads = _reader(client, sleeps).read([f"merchant#M-{n}" for n in range(5)], "2025-11-22", READ_DAYS)

    assert len(client.calls) == MAX_CALLS_PER_KEYS
    assert set(reads.failures) == stuck
    assert isinstance(reads.failures["merchant#M-3"], MerchantCountersUnavailableError)
    assert len(reads.items) == 4


def test_a_failed_call_fails_its_keys_and_not_the_other_calls() -> None:
    client, sleeps = _FakeDynamoDB(fail=lambda call: call == 1), list[float]()
    keys = [f"terminal#T-{n:03}" for n in range(150)]

    reads = _reader(client, sleeps).read(keys, "2025-11-22", READ_DAYS)

    assert sorted(reads.failures) == keys[:100]
    assert sorted(reads.items) == keys[100:]
    assert all(isinstance(e, ClientError) for e in reads.failures.values())


def test_a_window_too_wide_for_a_projection_reads_whole_items() -> None:
    client, sleeps = _FakeDynamoDB(), list[float]()

    _reader(client, sleeps).read(["merchant#M-1"], "2025-11-22", MAX_PROJECTED_DAYS + 1)

    assert "ProjectionExpression" not in client.calls[0][TABLE]


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_merchant_counters_table(client, TABLE)
        yield client


def test_the_projection_reads_only_the_windows_days_from_the_table(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item={
        "merchant_key": {"S": "terminal#T-1"}, "tx#2025-11-22": {"N": "2"}, "fraud#2025-11-01": {"N": "1"},
        "tx#2025-01-01": {"N": "7"}})

    reads = MerchantCounterReader(dynamodb, TABLE).read(["terminal#T-1", "terminal#T-2"], "2025-11-22", READ_DAYS)

    assert reads.items == {"terminal#T-1": {"merchant_key": "terminal#T-1", "tx#2025-11-22": 2, "fraud#2025-11-01": 1}}
    assert (reads.calls, reads.failures) == (1, {})
