"""DynamoDB in the emulator server: a failed transaction undoes its own writes and nothing else, under
concurrent requests (moto alone puts back whole copies of its tables, undoing other requests' writes)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tooling.emulator import start_emulator

TABLE = "isolation"


@pytest.fixture(scope="module")
def dynamodb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    emulator = start_emulator(Path(tmp_path_factory.mktemp("emulator")))
    try:
        client = boto3.client("dynamodb", endpoint_url=emulator.endpoint_url, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test",
                              config=Config(retries={"max_attempts": 1}, max_pool_connections=20))
        client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"},
                                       {"AttributeName": "ts", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                                  {"AttributeName": "ts", "AttributeType": "N"}],
                            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        yield client
    finally:
        emulator.stop()


def _claim(client: Any, key: str, *, fail: bool) -> None:
    """A transaction writing a record, then a marker that must not exist (it does when `fail`)."""
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {"id": {"S": f"{key}-record"}, "ts": {"N": "1"}}}},
        {"Put": {"TableName": TABLE, "Item": {"id": {"S": "taken" if fail else f"{key}-marker"}, "ts": {"N": "0"}},
                 "ConditionExpression": "attribute_not_exists(id)"}},
    ])


def _ids(client: Any) -> set[str]:
    pages = client.get_paginator("scan").paginate(TableName=TABLE, ConsistentRead=True)
    return {item["id"]["S"] for page in pages for item in page["Items"]}


def test_a_failed_transaction_undoes_its_own_writes_and_leaves_no_stream_record(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "taken"}, "ts": {"N": "0"}})
    with pytest.raises(ClientError, match="TransactionCanceled"):
        _claim(dynamodb, "lone", fail=True)
    assert "lone-record" not in _ids(dynamodb)
    stream = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams", endpoint_url=dynamodb.meta.endpoint_url, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    written = [r["dynamodb"]["Keys"]["id"]["S"] for r in streams.get_records(ShardIterator=iterator)["Records"]]
    assert "lone-record" not in written


def test_concurrent_writes_survive_failing_transactions(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item={"id": {"S": "taken"}, "ts": {"N": "0"}})
    errors: list[str] = []

    def fail_repeatedly() -> None:
        for n in range(40):
            try:
                _claim(dynamodb, f"doomed{n}", fail=True)
            except ClientError as exc:
                errors.append(exc.response["Error"]["Code"])

    def write(prefix: str) -> None:
        for n in range(40):
            _claim(dynamodb, f"{prefix}{n}", fail=False)

    threads = [threading.Thread(target=fail_repeatedly), *(threading.Thread(target=write, args=(f"w{t}-",))
                                                           for t in range(3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = _ids(dynamodb)
    assert errors == ["TransactionCanceledException"] * 40
    assert {f"w{t}-{n}-{kind}" for t in range(3) for n in range(40) for kind in ("record", "marker")} <= ids
    assert not {i for i in ids if i.startswith("doomed")}
