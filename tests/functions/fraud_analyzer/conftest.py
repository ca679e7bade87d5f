"""Fixtures for the fraud analyzer: a mocked table with both indexes, the fraud queue, the handler."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.functions.items import stored_item
from tests.functions.tables import CUSTOMER_INDEX, create_merchant_counters_table, create_transactions_table

EVENTS = Path(__file__).parent / "events"
TABLE = "fraud-test-transactions"
COUNTERS_TABLE = "fraud-test-merchant-counters"
T0 = 1763812800  # 2025-11-22T12:00:00Z, the time around which the fixture events happen


def load_event(name: str) -> dict[str, Any]:
    """A stream event from the events/ folder."""
    return json.loads((EVENTS / name).read_text())


def image_to_item(image: dict[str, Any]) -> dict[str, Any]:
    """A stream NewImage as a plain item for the table resource."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {k: deserializer.deserialize(v) for k, v in image.items()}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Mocked AWS with the transactions table (+ customer index), the merchant counters table and the
    fraud queue."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_transactions_table(client, TABLE)
        create_merchant_counters_table(client, COUNTERS_TABLE)
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
        counters = boto3.resource("dynamodb", region_name="us-east-1").Table(COUNTERS_TABLE)
        queue_url = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="fraud-test-queue")["QueueUrl"]
        monkeypatch.setenv("TABLE_NAME", TABLE)
        monkeypatch.setenv("CUSTOMER_INDEX_NAME", CUSTOMER_INDEX)
        monkeypatch.setenv("MERCHANT_COUNTERS_TABLE_NAME", COUNTERS_TABLE)
        monkeypatch.setenv("HISTORY_WINDOW_DAYS", "30")
        monkeypatch.setenv("FRAUD_QUEUE_URL", queue_url)
        monkeypatch.delenv("SCORING_OVERRIDES", raising=False)
        pseudonym_key = boto3.client("kms", region_name="us-east-1").create_key(
            KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC"
        )["KeyMetadata"]["KeyId"]
        monkeypatch.setenv("PSEUDONYM_KEY_ID", pseudonym_key)
        yield {"table": table, "counters": counters, "queue_url": queue_url}


@pytest.fixture
def app(aws: dict[str, Any]) -> Iterator[ModuleType]:
    """The handler module with fresh settings and clients (they are cached per container)."""
    from fraud_analyzer import app as module
    from fraud_analyzer.settings import load_settings

    def clear() -> None:
        load_settings.cache_clear()
        module._dynamodb.cache_clear()
        module._store.cache_clear()
        module._merchants.cache_clear()
        module._queue.cache_clear()
        module._pseudonym.cache_clear()

    clear()
    yield module
    clear()


def _history_item(tid: str, customer: str, ts: int, amount: str, currency: str, country: str) -> dict[str, Any]:
    return stored_item(tid, customer, ts, amount, currency, country)


@pytest.fixture
def seeded(aws: dict[str, Any]) -> dict[str, Any]:
    """Stored history for customers c-100 and c-200, plus the items of insert_batch.json.

    c-100: ten purchases of 41..50 USD at 12:00 UTC on the ten previous days, all in the US.
    c-200: six purchases of about 100 EUR in France, the last one at T0.
    c-300: no history at all.
    """
    table = aws["table"]
    with table.batch_writer() as batch:
        for k in range(1, 11):
            batch.put_item(Item=_history_item(f"h-100-{k}", "c-100", T0 - k * 86400, f"{40 + k}.00", "USD", "US"))
        for k in range(1, 6):
            batch.put_item(Item=_history_item(f"h-200-{k}", "c-200", T0 - k * 86400, f"{95 + k}.00", "EUR", "FR"))
        batch.put_item(Item=_history_item("h-200-0", "c-200", T0, "101.00", "EUR", "FR"))
        for record in load_event("insert_batch.json")["Records"]:
            batch.put_item(Item=image_to_item(record["dynamodb"]["NewImage"]))
    return aws
