"""Fixtures for the report generator: a mocked table with the day index, the reports bucket."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.functions.items import stored_item
from tests.functions.tables import DAY_INDEX, create_transactions_table

TABLE = "fraud-test-transactions"
BUCKET = "fraud-test-reports"
DAY_START = 1763769600  # 2025-11-22T00:00:00Z, the day the scheduled event reports on


def _item(tid: str, shard: str, ts: int, customer: str, amount: str, currency: str, **extra: Any) -> dict[str, Any]:
    # The shard is given, not computed: some items deliberately sit in a shard of another day.
    return stored_item(tid, customer, ts, amount, currency, day_shard=shard, **{"merchant_id": None, **extra})


def _scored(score: int, decision: str, *rules: str) -> dict[str, Any]:
    return {
        "risk_score": score,
        "decision": decision,
        "reasons": [{"rule": r, "contribution": 10, "detail": f"{r} fired"} for r in rules],
        "scored_at": "2025-11-22T12:00:00.000Z",
    }


SEED: list[dict[str, Any]] = [
    # The report day, spread over all four shards, three currencies, every decision and unscored.
    _item(
        "d1",
        "2025-11-22#0",
        DAY_START + 3600,
        "c-1",
        "100.00",
        "USD",
        merchant_id="m-1",
        **_scored(85, "block", "high_amount", "high_risk_merchant"),
    ),
    _item(
        "d2",
        "2025-11-22#1",
        DAY_START + 7200,
        "c-1",
        "50.50",
        "USD",
        merchant_id="m-2",
        **_scored(45, "review", "new_country"),
    ),
    _item(
        "d3",
        "2025-11-22#2",
        DAY_START + 10,
        "c-2",
        "20.00",
        "EUR",
        merchant_id="m-1",
        **_scored(10, "approve", "unusual_hour"),
    ),
    _item(
        "d4",
        "2025-11-22#3",
        DAY_START + 86399,
        "c-3",
        "1000",
        "JPY",
        terminal_id="term-9",
        **_scored(60, "review", "high_amount", "new_country"),
    ),
    _item("d5", "2025-11-22#0", DAY_START, "c-2", "0.99", "EUR", merchant_id="m-3"),
    _item(
        "d6",
        "2025-11-22#1",
        DAY_START + 5000,
        "=c-5",
        "5.00",
        "USD",
        merchant_id="m-2",
        **_scored(75, "block", "card_testing"),
    ),
    # The day before and after, and an item whose shard says the day but whose time does not.
    _item(
        "x1",
        "2025-11-21#0",
        DAY_START - 1,
        "c-1",
        "999.00",
        "USD",
        merchant_id="m-1",
        **_scored(90, "block", "high_amount"),
    ),
    _item(
        "x2",
        "2025-11-23#1",
        DAY_START + 86400,
        "c-1",
        "999.00",
        "USD",
        merchant_id="m-1",
        **_scored(90, "block", "high_amount"),
    ),
    _item("x3", "2025-11-22#2", DAY_START - 100, "c-9", "1.00", "GBP", merchant_id="m-9"),
    # 2025-11-21 (the explicit-date event's day): one item.
    _item(
        "y1",
        "2025-11-21#3",
        DAY_START - 86400 + 5,
        "c-7",
        "12.34",
        "CHF",
        merchant_id="m-7",
        **_scored(40, "review", "round_amount"),
    ),
]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Mocked AWS with the seeded transactions table (+ day index) and an empty reports bucket."""
    with mock_aws():
        create_transactions_table(boto3.client("dynamodb", region_name="us-east-1"), TABLE)
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
        with table.batch_writer() as batch:
            for item in SEED:
                batch.put_item(Item=item)
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        monkeypatch.setenv("TABLE_NAME", TABLE)
        monkeypatch.setenv("DAY_INDEX_NAME", DAY_INDEX)
        monkeypatch.setenv("DAY_SHARDS", "4")
        monkeypatch.setenv("REPORTS_BUCKET", BUCKET)
        yield {"table": table, "bucket": BUCKET}


@pytest.fixture
def app(aws: dict[str, Any]) -> Iterator[ModuleType]:
    """The handler module with fresh settings and clients (they are cached per container)."""
    from report_generator import app as module
    from report_generator.settings import load_settings

    def clear() -> None:
        load_settings.cache_clear()
        module._reader.cache_clear()
        module._bucket.cache_clear()

    clear()
    yield module
    clear()
