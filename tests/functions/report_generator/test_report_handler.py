"""Handler tests of the report generator against a mocked table and bucket."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from fraudlib.reporting import InvalidReportDateError

EVENTS = Path(__file__).parent / "events"
BUCKET = "fraud-test-reports"


def load_event(name: str) -> dict[str, Any]:
    """An event from the events/ folder."""
    return json.loads((EVENTS / name).read_text())


def read_object(key: str) -> bytes:
    """The bytes of an object in the reports bucket."""
    return boto3.client("s3", region_name="us-east-1").get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_scheduled_run_reports_the_previous_day(app: Any, lambda_context: Any) -> None:
    result = app.handler(load_event("scheduled.json"), lambda_context)

    assert result == {
        "report_date": "2025-11-22",
        "bucket": BUCKET,
        "json_key": "reports/2025/11/22/fraud-report.json",
        "csv_key": "reports/2025/11/22/fraud-report.csv",
        "transaction_count": 6,
        "flagged_count": 4,
        "malformed_items": 0,
    }
    keys = [o["Key"] for o in boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert sorted(keys) == ["reports/2025/11/22/fraud-report.csv", "reports/2025/11/22/fraud-report.json"]

    summary = json.loads(read_object("reports/2025/11/22/fraud-report.json"))
    assert summary == {
        "report_date": "2025-11-22",
        "transaction_count": 6,
        "flagged_count": 4,
        "totals_by_currency": [
            {"currency": "EUR", "count": 2, "total_amount": "20.99"},
            {"currency": "JPY", "count": 1, "total_amount": "1000.00"},
            {"currency": "USD", "count": 3, "total_amount": "155.50"},
        ],
        "decisions": {"approve": 1, "review": 2, "block": 2, "unscored": 1},
        "top_rules": [
            {"rule": "high_amount", "count": 2},
            {"rule": "new_country", "count": 2},
            {"rule": "card_testing", "count": 1},
            {"rule": "high_risk_merchant", "count": 1},
            {"rule": "unusual_hour", "count": 1},
        ],
        "riskiest_customers": [
            {
                "customer_id": "c-1",
                "flagged_count": 2,
                "block_count": 1,
                "review_count": 1,
                "transaction_count": 2,
                "max_risk_score": 85,
                "avg_risk_score": "65.00",
            },
            {
                "customer_id": "=c-5",
                "flagged_count": 1,
                "block_count": 1,
                "review_count": 0,
                "transaction_count": 1,
                "max_risk_score": 75,
                "avg_risk_score": "75.00",
            },
            {
                "customer_id": "c-3",
                "flagged_count": 1,
                "block_count": 0,
                "review_count": 1,
                "transaction_count": 1,
                "max_risk_score": 60,
                "avg_risk_score": "60.00",
            },
        ],
        "riskiest_merchants": [
            {
                "merchant": "m-2",
                "flagged_count": 2,
                "block_count": 1,
                "review_count": 1,
                "transaction_count": 2,
                "max_risk_score": 75,
                "avg_risk_score": "60.00",
            },
            {
                "merchant": "m-1",
                "flagged_count": 1,
                "block_count": 1,
                "review_count": 0,
                "transaction_count": 2,
                "max_risk_score": 85,
                "avg_risk_score": "47.50",
            },
            {
                "merchant": "terminal:term-9",
                "flagged_count": 1,
                "block_count": 0,
                "review_count": 1,
                "transaction_count": 1,
                "max_risk_score": 60,
                "avg_risk_score": "60.00",
            },
        ],
    }

    csv_text = read_object("reports/2025/11/22/fraud-report.csv").decode("utf-8")
    assert csv_text.split("\r\n") == [
        "transaction_id,time_utc,customer_id,merchant_id,terminal_id,merchant_category,country,amount,"
        "currency,risk_score,decision,rules",
        "d1,2025-11-22T01:00:00Z,c-1,m-1,,5411,US,100.00,USD,85,block,high_amount;high_risk_merchant",
        "d6,2025-11-22T01:23:20Z,'=c-5,m-2,,5411,US,5.00,USD,75,block,card_testing",
        "d4,2025-11-22T23:59:59Z,c-3,,term-9,5411,US,1000,JPY,60,review,high_amount;new_country",
        "d2,2025-11-22T02:00:00Z,c-1,m-2,,5411,US,50.50,USD,45,review,new_country",
        "",
    ]


def test_rerun_writes_identical_bytes(app: Any, lambda_context: Any) -> None:
    event = load_event("scheduled.json")
    app.handler(event, lambda_context)
    first = (
        read_object("reports/2025/11/22/fraud-report.json"),
        read_object("reports/2025/11/22/fraud-report.csv"),
    )

    app.handler(event, lambda_context)

    second = (
        read_object("reports/2025/11/22/fraud-report.json"),
        read_object("reports/2025/11/22/fraud-report.csv"),
    )
    assert first == second


def test_one_query_per_shard_on_the_day_index(app: Any, lambda_context: Any) -> None:
    queried: list[tuple[str, str]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        queried.append((params["IndexName"], params["ExpressionAttributeValues"][":d"]["S"]))

    events = app._reader()._client.meta.events
    events.register("provide-client-params.dynamodb.Query", record)
    events.register("before-call.dynamodb.Scan", lambda **_: pytest.fail("the report must never scan"))

    app.handler(load_event("scheduled.json"), lambda_context)

    assert sorted(queried) == [("day-index", f"2025-11-22#{k}") for k in range(4)]


def test_explicit_date(app: Any, lambda_context: Any) -> None:
    result = app.handler(load_event("explicit_date.json"), lambda_context)

    assert (result["report_date"], result["transaction_count"], result["flagged_count"]) == (
        "2025-11-21",
        2,
        2,
    )
    assert result["json_key"] == "reports/2025/11/21/fraud-report.json"
    summary = json.loads(read_object("reports/2025/11/21/fraud-report.json"))
    assert summary["totals_by_currency"] == [
        {"currency": "CHF", "count": 1, "total_amount": "12.34"},
        {"currency": "USD", "count": 1, "total_amount": "999.00"},
    ]


def test_invalid_date_is_a_clear_error(app: Any, lambda_context: Any) -> None:
    with pytest.raises(InvalidReportDateError, match="2025-02-30"):
        app.handler(load_event("invalid_date.json"), lambda_context)
    assert "Contents" not in boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=BUCKET)


def test_empty_day_still_writes_a_report(app: Any, lambda_context: Any) -> None:
    result = app.handler({"date": "2024-01-01"}, lambda_context)

    assert (result["transaction_count"], result["flagged_count"]) == (0, 0)
    summary = json.loads(read_object("reports/2024/01/01/fraud-report.json"))
    assert summary["decisions"] == {"approve": 0, "review": 0, "block": 0, "unscored": 0}
    assert read_object("reports/2024/01/01/fraud-report.csv").count(b"\r\n") == 1
