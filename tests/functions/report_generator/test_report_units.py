"""Unit tests of the report's pure parts and of the paginated day-index reader."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fraudlib.reporting import DailyReportBuilder, InvalidReportDateError, ReportTransaction, render_csv, report_day
from report_generator.store import DayIndexReader


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
        decision=decision,
    )


def test_a_transaction_read_twice_counts_once() -> None:
    builder = DailyReportBuilder(day=date(2025, 11, 22))
    for _ in range(2):
        builder.add(_txn("t1", "c-1", 80, "block"))
    report = builder.build()
    assert report.summary["transaction_count"] == 1
    assert report.summary["totals_by_currency"] == [{"currency": "EUR", "count": 1, "total_amount": "1.10"}]


def test_unknown_decision_counts_as_unscored_and_merchantless_rows_are_grouped() -> None:
    builder = DailyReportBuilder(day=date(2025, 11, 22))
    builder.add(_txn("t1", "c-1", None, "maybe"))
    builder.add(_txn("t2", "c-2", 50, "review"))
    summary = builder.build().summary
    assert summary["decisions"] == {"approve": 0, "review": 1, "block": 0, "unscored": 1}
    assert [m["merchant"] for m in summary["riskiest_merchants"]] == ["unknown"]


def test_top_n_limits_rankings() -> None:
    builder = DailyReportBuilder(day=date(2025, 11, 22), top_n=2)
    for n in range(5):
        builder.add(_txn(f"t{n}", f"c-{n}", 50 + n, "review"))
    assert [c["customer_id"] for c in builder.build().summary["riskiest_customers"]] == ["c-4", "c-3"]


def test_csv_defuses_formulas() -> None:
    builder = DailyReportBuilder(day=date(2025, 11, 22))
    builder.add(_txn("t1", "=HYPERLINK(1)", 90, "block"))
    assert b",'=HYPERLINK(1)," in render_csv(builder.build())


class _PagedClient:
    """A DynamoDB client stand-in returning one item per page."""

    def __init__(self, pages: int) -> None:
        self.calls: list[dict[str, Any]] = []
        self._pages = pages

    def query(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        n = len(self.calls)
        page: dict[str, Any] = {"Items": [{"transaction_id": {"S": f"t{n}"}, "timestamp": {"N": str(n)}}]}
        if n < self._pages:
            page["LastEvaluatedKey"] = {"transaction_id": {"S": f"t{n}"}}
        return page


def test_reader_follows_pagination() -> None:
    client = _PagedClient(pages=3)
    pages = list(DayIndexReader(client, "tbl", "day-index").pages("2025-11-22#0", 10, 20))
    assert [p[0]["transaction_id"] for p in pages] == ["t1", "t2", "t3"]
    assert "ExclusiveStartKey" not in client.calls[0]
    assert client.calls[2]["ExclusiveStartKey"] == {"transaction_id": {"S": "t2"}}
    assert client.calls[0]["KeyConditionExpression"] == "day_shard = :d AND #ts BETWEEN :start AND :end"
    assert client.calls[0]["ExpressionAttributeValues"][":end"] == {"N": "20"}
