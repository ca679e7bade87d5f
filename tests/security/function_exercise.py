"""Runs every function's handler through each of its AWS code paths under moto, recording the calls.

The least-privilege test compares this recording with the functions' roles. It is made here, in one
place and in a fixed way, so its result does not depend on which other tests ran before it or in
which order. Scenarios use the handler tests' event fixtures:

- transaction API: POST with a client id (new, replay, conflict), POST without an id, GET; labels:
  a first fraud label (item update + merchant fraud counter), its replay, a superseding legitimate
  chargeback (counter back down), a conflict, a label on an unknown id;
- fraud analyzer: a stream batch whose records are scored, counted at their merchant (whose counters
  are read in bulk) and alerted (and logged by pseudonym), then delivered again (already scored: the
  stored alerts are queued again);
- notifier: a batch of alerts published, and one whose publish fails (its idempotency record is
  deleted again);
- report generator: the daily run (day index read, objects written).
"""

from __future__ import annotations

import copy
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from fraudlib.dynamodb_items import deserialize
from moto import mock_aws

from tests.functions.conftest import FakeLambdaContext
from tests.functions.items import stored_item
from tests.functions.tables import (
    CUSTOMER_INDEX,
    DAY_INDEX,
    create_idempotency_table,
    create_merchant_counters_table,
    create_transactions_table,
)
from tests.security.iam_recorder import FUNCTION_KEYS, Recorder, install, recording

EVENTS = Path(__file__).resolve().parents[1] / "functions"
REGION = "us-east-1"
BASE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "FraudDetection",
}


def _event(function: str, name: str) -> dict[str, Any]:
    return json.loads((EVENTS / function / "events" / name).read_text())


def _forget_cached_state(function: str) -> None:
    """Drop the clients and settings a handler caches per container (functools.cache)."""
    for name, module in list(sys.modules.items()):
        if name == function or name.startswith(f"{function}."):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    import os

    saved = dict(os.environ)
    os.environ.update({**BASE_ENVIRONMENT, **variables})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _transaction_api() -> None:
    create_transactions_table(boto3.client("dynamodb", region_name=REGION), "api-transactions")
    create_merchant_counters_table(boto3.client("dynamodb", region_name=REGION), "api-merchant-counters")
    with _environment({"POWERTOOLS_SERVICE_NAME": "transaction-api", "TABLE_NAME": "api-transactions",
                       "MERCHANT_COUNTERS_TABLE_NAME": "api-merchant-counters",
                       "MAX_AMOUNT": "10000.00", "MAX_BODY_BYTES": "4096", "DAY_SHARDS": "4",
                       "TRANSACTION_TTL_DAYS": "30"}):
        _forget_cached_state("transaction_api")
        from transaction_api.app import handler

        post = _event("transaction_api", "post_transaction.json")
        body = json.loads(post["body"])
        without_id = {k: v for k, v in body.items() if k != "transaction_id"}
        for variant in (body, body, {**body, "amount": "1.00"}, without_id):  # new, replay, conflict, no id
            event = copy.deepcopy(post)
            event["body"] = json.dumps(variant)
            assert handler(event, FakeLambdaContext())["statusCode"] in (200, 201, 409)
        assert handler(_event("transaction_api", "get_transaction.json"), FakeLambdaContext())["statusCode"] == 200
        label = _event("transaction_api", "post_label.json")
        now = int(time.time())  # the transaction's time (posted just now without one) or later
        fraud = {"label": "fraud", "source": "analyst", "reported_at": now + 1}
        superseding = {"label": "legitimate", "source": "chargeback", "reported_at": now + 2}
        conflict = {**fraud, "label": "legitimate"}
        for labelled, label_body, expected in (("txn-0001", fraud, 201), ("txn-0001", fraud, 200),
                                         ("txn-0001", superseding, 201), ("txn-0001", conflict, 409),
                                         ("no-such-txn", fraud, 404)):
            event = copy.deepcopy(label)
            event["path"], event["pathParameters"] = f"/transactions/{labelled}/label", {"id": labelled}
            event["body"] = json.dumps(label_body)
            assert handler(event, FakeLambdaContext())["statusCode"] == expected


def _fraud_analyzer() -> None:
    create_transactions_table(boto3.client("dynamodb", region_name=REGION), "analyzer-transactions")
    create_merchant_counters_table(boto3.client("dynamodb", region_name=REGION), "analyzer-merchant-counters")
    table = boto3.resource("dynamodb", region_name=REGION).Table("analyzer-transactions")
    event = _event("fraud_analyzer", "insert_batch.json")
    for record in event["Records"]:  # the streamed items themselves, and one earlier item per customer
        item = deserialize(record["dynamodb"]["NewImage"])
        table.put_item(Item=item)
        customer = item["customer_id"]
        table.put_item(Item=stored_item(f"h-{customer}", customer, int(item["timestamp"]) - 86400))
    queue_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="analyzer-alerts")["QueueUrl"]
    pseudonym_key = boto3.client("kms", region_name=REGION).create_key(
        KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
    with _environment({"POWERTOOLS_SERVICE_NAME": "fraud-analyzer", "TABLE_NAME": "analyzer-transactions",
                       "CUSTOMER_INDEX_NAME": CUSTOMER_INDEX, "HISTORY_WINDOW_DAYS": "30",
                       "MERCHANT_COUNTERS_TABLE_NAME": "analyzer-merchant-counters",
                       "FRAUD_QUEUE_URL": queue_url, "PSEUDONYM_KEY_ID": pseudonym_key,
                       # Thresholds so low that every record is alerted: the queue path is exercised.
                       "SCORING_OVERRIDES": '{"review_threshold": 1, "block_threshold": 2}'}):
        _forget_cached_state("fraud_analyzer")
        from fraud_analyzer.app import handler

        for _ in range(2):  # scored and counted, then a redelivery of the same batch
            assert handler(event, FakeLambdaContext()) == {"batchItemFailures": []}


def _notifier() -> None:
    create_idempotency_table(boto3.client("dynamodb", region_name=REGION), "notifier-idempotency")
    topic_arn = boto3.client("sns", region_name=REGION).create_topic(Name="notifier-alerts")["TopicArn"]
    for topic, expect_failures in ((topic_arn, False), (f"{topic_arn}-deleted", True)):
        with _environment({"POWERTOOLS_SERVICE_NAME": "notifier", "ALERT_TOPIC_ARN": topic,
                           "IDEMPOTENCY_TABLE_NAME": "notifier-idempotency"}):
            _forget_cached_state("notifier")
            from notifier.app import handler

            event = _event("notifier", "alerts.json")
            if expect_failures:  # other transactions, so the idempotency records of the first run do not answer
                for record in event["Records"]:
                    record["body"] = record["body"].replace('"transaction_id":"', '"transaction_id":"retry-')
            if expect_failures:  # every publish fails: the whole batch is retried
                with pytest.raises(BatchProcessingError):
                    handler(event, FakeLambdaContext())
            else:
                assert handler(event, FakeLambdaContext()) == {"batchItemFailures": []}


def _report_generator() -> None:
    create_transactions_table(boto3.client("dynamodb", region_name=REGION), "report-transactions")
    boto3.resource("dynamodb", region_name=REGION).Table("report-transactions").put_item(
        Item=stored_item("r-1", "c-1", 1763769600 + 3600)
    )
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="report-objects")
    with _environment({"POWERTOOLS_SERVICE_NAME": "report-generator", "TABLE_NAME": "report-transactions",
                       "DAY_INDEX_NAME": DAY_INDEX, "DAY_SHARDS": "4", "REPORTS_BUCKET": "report-objects"}):
        _forget_cached_state("report_generator")
        from report_generator.app import handler

        assert handler({"date": "2025-11-22"}, FakeLambdaContext())["transaction_count"] == 1


SCENARIOS: dict[str, Callable[[], None]] = {
    "transaction_api": _transaction_api,
    "fraud_analyzer": _fraud_analyzer,
    "notifier": _notifier,
    "report_generator": _report_generator,
}
assert tuple(SCENARIOS) == FUNCTION_KEYS


def exercise() -> Recorder:
    """Run every scenario in a fresh mocked account; the calls each function's code made."""
    install()
    with recording() as recorder:
        for function, scenario in SCENARIOS.items():
            with mock_aws():
                scenario()
            _forget_cached_state(function)
    return recorder
