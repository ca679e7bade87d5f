"""Lambda entry point: build the daily fraud report of the previous UTC day and store it in S3.

The day is read from the day index, one Query (paginated) per write shard, shards in parallel
threads; the aggregation and rendering are pure (fraudlib.reporting). Objects go to
reports/YYYY/MM/DD/fraud-report.json and .csv, with content that depends only on the day's data,
so a rerun overwrites them with identical bytes.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from fraudlib.reporting import DailyReportBuilder, render_csv, render_json, report_day
from fraudlib.reporting.period import day_bounds
from fraudlib.sharding import day_shard_keys
from fraudlib.tracing import TRACED_LIBRARIES
from fraudlib.transaction_item import MalformedItemError, TransactionItem

from report_generator.items import to_report_transaction
from report_generator.settings import DEFAULT_TOP_N, load_settings
from report_generator.store import DayIndexReader, ReportBucket

logger = Logger()
tracer = Tracer(patch_modules=TRACED_LIBRARIES)
metrics = Metrics()

MAX_READ_THREADS = 8


@cache
def _reader() -> DayIndexReader:
    settings = load_settings()
    return DayIndexReader(boto3.client("dynamodb"), settings.table_name, settings.day_index_name)


@cache
def _bucket() -> ReportBucket:
    return ReportBucket(boto3.client("s3"), load_settings().reports_bucket)


def report_keys(day: date) -> tuple[str, str]:
    """The JSON and CSV object keys of a day's report."""
    prefix = f"reports/{day:%Y/%m/%d}/fraud-report"
    return f"{prefix}.json", f"{prefix}.csv"


@tracer.capture_method
def _collect(day: date, shards: int) -> tuple[DailyReportBuilder, int]:
    """Read every shard of the day into a report builder; returns it and the malformed-item count."""
    builder = DailyReportBuilder(day=day, top_n=DEFAULT_TOP_N)
    lock = threading.Lock()
    malformed = 0
    start, end = day_bounds(day)
    reader = _reader()

    def read_shard(shard: str) -> None:
        nonlocal malformed
        for page in reader.pages(shard, start, end):
            # Items are mapped outside the lock; only the (fast) aggregation is serialized.
            parsed = []
            bad = 0
            for item in page:
                try:
                    parsed.append(to_report_transaction(TransactionItem.from_item(item)))
                except MalformedItemError as exc:
                    bad += 1
                    logger.warning("Skipping malformed item", extra={"reason": str(exc)})
            with lock:
                malformed += bad
                for txn in parsed:
                    builder.add(txn)

    with ThreadPoolExecutor(max_workers=min(shards, MAX_READ_THREADS)) as pool:
        # list() re-raises the first shard failure: a report missing a shard must not be written.
        list(pool.map(read_shard, day_shard_keys(day, shards)))
    return builder, malformed


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Generate the report for the day the event designates; returns its keys and counts."""
    settings = load_settings()
    day = report_day(event or {})
    logger.append_keys(report_date=day.isoformat())
    builder, malformed = _collect(day, settings.day_shards)
    report = builder.build()
    json_key, csv_key = report_keys(day)
    bucket = _bucket()
    bucket.put(json_key, render_json(report), "application/json")
    bucket.put(csv_key, render_csv(report), "text/csv; charset=utf-8")

    count = report.summary["transaction_count"]
    metrics.add_metric(name="ReportTransactions", unit=MetricUnit.Count, value=count)
    metrics.add_metric(name="ReportFlaggedTransactions", unit=MetricUnit.Count, value=len(report.flagged))
    if malformed:
        metrics.add_metric(name="ReportMalformedItems", unit=MetricUnit.Count, value=malformed)
    logger.info("Report written", extra={"json_key": json_key, "csv_key": csv_key, "transactions": count})
    return {
        "report_date": day.isoformat(),
        "bucket": settings.reports_bucket,
        "json_key": json_key,
        "csv_key": csv_key,
        "transaction_count": count,
        "flagged_count": len(report.flagged),
        "malformed_items": malformed,
    }
