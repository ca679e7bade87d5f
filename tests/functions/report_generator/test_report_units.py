"""Unit tests of the report's pure parts and of the paginated day-index reader."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from fraudlib.reporting import DailyReportBuilder, InvalidReportDateError, ReportTransaction, render_csv, report_day
from fraudlib.scoring import Decision
from fraudlib.transaction_item import MalformedItemError, TransactionItem
from report_generator.store import DayIndexReader

from tests.functions.items import stored_item


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"time": "2025-11-23T00:00:00Z"}, date(2025, 11, 22)),
        ({"time": "2025-01-01T00:00:05Z"}, date(2024, 12, 31)),
        ({"time": "2025-03-01T01:00:00+02:00"}, date(2025, 2, 27)),  # 2025-02-28T23:00Z
        ({"date": "2024-02-29", "time": "2025-11-23T00:00:00Z"}, date(2024, 2, 29)),
        ({}, date(2025, 6, 30)),
    ],
)
def test_report_day(event: dict[str, Any], expected: date) -> None:
    assert report_day(event, now=datetime(2025, 7, 1, 0, 0, tzinfo=UTC)) == expected


@pytest.mark.parametrize(
    "event",
    [{"date": "2025-02-30"}, {"date": "22/11/2025"}, {"date": 20251122}, {"date": ""}, {"time": "yesterday"}],
)
def test_invalid_dates_are_rejected(event: dict[str, Any]) -> None:
    with pytest.raises(InvalidReportDateError):
        report_day(event)


def _txn(tid: str, customer: str, score: int | None, decision: str | None) -> ReportTransaction:
    return ReportTransaction(
        transaction_id=tid,
        timestamp=1763769600,
        customer_id=customer,
        merchant_id=None,
        terminal_id=None,
        merchant_category=None,
        country=None,
        amount=Decimal("1.10"),
        currency="EUR",
        risk_score=score,
        decision=None if decision is None else Decision(decision),
    )


def test_a_transaction_read_twice_counts_once() -> None:
    builder = DailyReportBuilder(day=date(2025, 11, 22))
    for _ in range(2):
        builder.add(_txn("t1", "c-1", 80, "block"))
    report = builder.build()
    assert report.summary["transaction_count"] == 1
    assert report.summary["totals_by_currency"] == [{"currency": "EUR", "count": 1, "total_amount": "1.10"}]


def test_unscored_rows_are_counted_and_merchantless_rows_are_grouped() -> None:
    builder = DailyReportBuilder(day=date(2025, 11, 22))
    builder.add(_txn("t1", "c-1", None, None))
    builder.add(_txn("t2", "c-2", 50, "review"))
    summary = builder.build().summary
    assert summary["decisions"] == {"approve": 0, "review": 1, "block": 0, "unscored": 1}
    assert [m["merchant"] for m in summary["riskiest_merchants"]] == ["unknown"]


def test_an_item_with_an_unknown_decision_is_malformed() -> None:
    with pytest.raises(MalformedItemError, match="decision"):
        TransactionItem.from_item({**stored_item("t1", "c-1", 1763769600), "decision": "maybe"})


def test_top_n_limits_rankings() -> None:
    builder = DailyReportBuilder(day=date(2025, 11, 22), top_n=2)
    for n in range(5):
        builder.add(_txn(f"t{n}", f"c-{n}", 50 + n, "review"))
    assert [c["customer_id"] for c in builder.build().summary["riskiest_customers"]] == ["c-4", "c-3"]


def test_csv_defuses_formulas() -> None:
    builder = DailyReportBuilder(day=date(2025, 11, 22))
    builder.add(_txn("t1", "=HYPERLINK(1)", 90, "block"))
    assert b",'=HYPERLINK(1)," in render_csv(builder.build())


def test_reader_follows_pagination() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    expected = {
        "TableName": "tbl",
        "IndexName": "day-index",
        "KeyConditionExpression": "day_shard = :d AND #ts BETWEEN :start AND :end",
        "ExpressionAttributeNames": {"#ts": "timestamp"},
        "ExpressionAttributeValues": {":d": {"S": "2025-11-22#0"}, ":start": {"N": "10"}, ":end": {"N": "20"}},
    }
    with Stubber(client) as stub:
        for n in (1, 2, 3):
            page: dict[str, Any] = {"Items": [{"transaction_id": {"S": f"t{n}"}, "timestamp": {"N": str(n)}}]}
            if n < 3:
                page["LastEvaluatedKey"] = {"transaction_id": {"S": f"t{n}"}}
            start = {"ExclusiveStartKey": {"transaction_id": {"S": f"t{n - 1}"}}} if n > 1 else {}
            stub.add_response("query", page, {**expected, **start})
        pages = list(DayIndexReader(client, "tbl", "day-index").pages("2025-11-22#0", 10, 20))
        stub.assert_no_pending_responses()
    assert [p[0]["transaction_id"] for p in pages] == ["t1", "t2", "t3"]
    assert pages[0][0]["timestamp"] == Decimal(1)
