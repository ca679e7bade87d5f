"""Reading a soak's outcome back: the table's records and markers, day totals, merchant counters (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tooling.soak.observe import TableSnapshot, day_totals, merchant_counters

TABLE = "fraud-transactions-local"
COUNTERS = "fraud-merchant-counters-local"
DAY_1 = 1_796_040_000  # 2026-11-30 (UTC)
DAY = "2026-11-30"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "transaction_id", "KeyType": "HASH"},
                                       {"AttributeName": "timestamp", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "transaction_id", "AttributeType": "S"},
                                                  {"AttributeName": "timestamp", "AttributeType": "N"}])
        yield client


def _put(client: Any, transaction_id: str, *, merchant: str = "m-1", terminal: str | None = None,
         scored: bool = True, api: bool = True) -> None:
    item = {"transaction_id": {"S": transaction_id}, "timestamp": {"N": str(DAY_1)},
            "merchant_id": {"S": merchant}}
    if terminal:
        item["terminal_id"] = {"S": terminal}
    if api:
        item["received_at"] = {"S": "2026-11-30T12:00:00.000+00:00"}
    if scored:
        item["scored_at"] = {"S": "2026-11-30T12:00:01+00:00"}
    client.put_item(TableName=TABLE, Item=item)


def test_records_and_id_markers_are_told_apart(dynamodb: Any) -> None:
    _put(dynamodb, "t-1")
    dynamodb.put_item(TableName=TABLE, Item={"transaction_id": {"S": "id#t-1"}, "timestamp": {"N": "0"}})
    snapshot = TableSnapshot.read(dynamodb, TABLE)
    assert [r["transaction_id"] for r in snapshot.records] == ["t-1"]
    assert snapshot.marker_ids == {"t-1"}
    assert list(snapshot.by_id({"t-1", "t-2"})) == ["t-1"]


def test_day_totals_count_what_the_api_stored_and_what_is_scored(dynamodb: Any) -> None:
    _put(dynamodb, "t-1")
    _put(dynamodb, "t-2", scored=False)
    _put(dynamodb, "pill", scored=False, api=False)  # written behind the API's back: not a transaction
    totals = day_totals(TableSnapshot.read(dynamodb, TABLE), {DAY: ["t-1", "t-2"]}, {DAY: (2, 1)})
    day = totals[DAY]
    assert (day.accepted_by_run, day.scored_of_run, day.stored, day.scored, day.reported,
            day.reported_unscored) == (2, 1, 2, 1, 2, 1)


def test_merchant_counters_are_not_deployed_without_their_table(dynamodb: Any) -> None:
    _put(dynamodb, "t-1")
    snapshot = TableSnapshot.read(dynamodb, TABLE)
    assert merchant_counters(dynamodb, snapshot, snapshot.records) is None


def test_merchant_counters_compare_tx_of_the_day_with_the_scored_records(dynamodb: Any) -> None:
    dynamodb.create_table(TableName=COUNTERS, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "merchant_key", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "merchant_key", "AttributeType": "S"}])
    _put(dynamodb, "t-1")
    _put(dynamodb, "t-2")
    _put(dynamodb, "t-3", terminal="term-9")
    _put(dynamodb, "t-4", scored=False)  # not scored: not counted yet
    for key, count in (("merchant#m-1", 3), ("terminal#term-9", 1), ("merchant#other", 5)):
        dynamodb.put_item(TableName=COUNTERS, Item={"merchant_key": {"S": key}, f"tx#{DAY}": {"N": str(count)},
                                                    "fraud#2026-11-30": {"N": "1"}})
    snapshot = TableSnapshot.read(dynamodb, TABLE)
    counters = merchant_counters(dynamodb, snapshot, snapshot.records)
    # one too many on merchant m-1 (a counted redelivery); the merchant this run never used is left out
    assert counters == {("merchant#m-1", DAY): (2, 3), ("terminal#term-9", DAY): (1, 1)}
