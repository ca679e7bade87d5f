"""Fraud analyzer: scoring throughput of the pure engine, and the AWS calls of one stream batch.

Throughput: 50 customers x 200 transactions, each customer's history indexed once and every
transaction scored against it (as the analyzer does per batch), in one thread: per core.
AWS calls: the handler under moto with a batch of 10 INSERT records from 4 customers whose history
is stored; every API call is recorded by a botocore `before-call` hook on the default session.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import FUNCTIONS_DIR, PYTHON, REPO_ROOT, Figure, SectionResult, median, run_checked, score_all

SECTION = "fraud analyzer"
TARGET_RATE = 20_000
CUSTOMERS = 4
BATCH = 10
# One history query per customer, one counter read for the batch's merchants, one write-back transaction per
# record, one KMS call per container (pseudonyms), one send for the alerts.
EXPECTED_CALLS = {"Query": CUSTOMERS, "BatchGetItem": 1, "TransactWriteItems": BATCH, "GenerateMac": 1,
                  "SendMessageBatch": 1}
T0 = 1_763_812_800
TABLE = "bench-transactions"
INDEX = "customer-index"
COUNTERS_TABLE = "bench-merchant-counters"


def _throughput(repeats: int = 5) -> list[float]:
    from fraudlib.scoring import CustomerHistory, ScoringConfig, Transaction, evaluate

    rng = random.Random(7)  # noqa: S311 - reproducible test data, not cryptography
    config = ScoringConfig()
    customers = []
    for customer in range(50):
        ts = T0 - 30 * 86400
        transactions = []
        for i in range(200):
            ts += rng.randint(600, 40_000)
            transactions.append(
                Transaction(
                    transaction_id=f"t{customer}-{i}", customer_id=f"c{customer}", timestamp=ts,
                    amount=Decimal(rng.randint(100, 200_000)) / 100, currency=rng.choice(["USD", "USD", "EUR"]),
                    country=rng.choice(["US", "US", "FR", "DE"]),
                    merchant_category=rng.choice(["5411", "5812", "7995"]),
                )
            )
        customers.append(transactions)
    rates = []
    for _ in range(repeats):
        cpu, _, scored = score_all(customers, lambda t: CustomerHistory(t, config), evaluate)
        rates.append(scored / cpu)
    return rates


def _item(tid: str, customer: str, ts: int, amount: str, country: str, mcc: str = "5411") -> dict[str, Any]:
    return {
        "transaction_id": tid, "timestamp": ts, "customer_id": customer, "merchant_id": "m-1",
        "merchant_category": mcc, "amount": Decimal(amount), "currency": "USD", "country": country,
        "day_shard": "2025-11-22#0", "received_at": "2025-11-22T12:00:00.000Z", "request_fingerprint": "0" * 64,
        "expires_at": ts + 400 * 86400,
    }


def _batch_items() -> list[dict[str, Any]]:
    """10 new transactions of 4 customers; a few far off each customer's profile."""
    plan = [  # customer, amount, country, merchant category
        ("c-1", "45.00", "US", "5411"), ("c-1", "4900.00", "RU", "6051"), ("c-1", "52.00", "US", "5411"),
        ("c-2", "61.00", "US", "5812"), ("c-2", "38.00", "US", "5411"), ("c-2", "3900.00", "NG", "7995"),
        ("c-3", "47.00", "US", "5411"), ("c-3", "55.00", "US", "5411"),
        ("c-4", "49.00", "US", "5411"), ("c-4", "2500.00", "BR", "6051"),
    ]
    return [
        _item(f"b-{n}", customer, T0 + 60 * n, amount, country, mcc)
        for n, (customer, amount, country, mcc) in enumerate(plan)
    ]


def _stream_event(items: list[dict[str, Any]]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    records = []
    for n, item in enumerate(items):
        image = {k: serializer.serialize(v) for k, v in item.items()}
        records.append({
            "eventID": f"ev-{n}", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": T0, "SequenceNumber": f"{100000000000000000000 + n}",
                "Keys": {"transaction_id": image["transaction_id"], "timestamp": image["timestamp"]},
                "NewImage": image, "SizeBytes": 300, "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
            "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}/stream/2025-11-22T00:00:00.000",
        })
    return {"Records": records}


class _Context:
    function_name = "fraud-analyzer-dev"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:fraud-analyzer-dev"
    aws_request_id = "0f6b3f0e-bench"
    log_group_name = "/aws/lambda/fraud-analyzer-dev"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _aws_calls() -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    calls: Counter[str] = Counter()

    def record(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    with mock_aws():
        boto3.setup_default_session(region_name="us-east-1")
        session = boto3.DEFAULT_SESSION
        assert session is not None
        session.events.register("before-call", record)
        table = boto3.resource("dynamodb").create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "transaction_id", "KeyType": "HASH"},
                       {"AttributeName": "timestamp", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "transaction_id", "AttributeType": "S"},
                                  {"AttributeName": "timestamp", "AttributeType": "N"},
                                  {"AttributeName": "customer_id", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{
                "IndexName": INDEX, "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "customer_id", "KeyType": "HASH"},
                              {"AttributeName": "timestamp", "KeyType": "RANGE"}],
            }],
        )
        boto3.resource("dynamodb").create_table(
            TableName=COUNTERS_TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "merchant_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "merchant_key", "AttributeType": "S"}],
        )
        pseudonym_key = boto3.client("kms").create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="bench-fraud-queue")["QueueUrl"]
        items = _batch_items()
        with table.batch_writer() as writer:
            for customer in range(1, CUSTOMERS + 1):
                for day in range(1, 9):
                    writer.put_item(Item=_item(f"h-{customer}-{day}", f"c-{customer}", T0 - day * 86400,
                                               f"{40 + day}.00", "US"))
            for item in items:
                writer.put_item(Item=item)
        os.environ.update({"TABLE_NAME": TABLE, "CUSTOMER_INDEX_NAME": INDEX, "HISTORY_WINDOW_DAYS": "30",
                           "FRAUD_QUEUE_URL": queue_url, "MERCHANT_COUNTERS_TABLE_NAME": COUNTERS_TABLE,
                           "PSEUDONYM_KEY_ID": pseudonym_key["KeyMetadata"]["KeyId"]})
        from fraud_analyzer import app

        calls.clear()
        response = app.handler(_stream_event(items), _Context())
        handler_calls = dict(calls)
        queued = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return {
        "calls": handler_calls,
        "batch_item_failures": len(response.get("batchItemFailures", [])),
        "messages_queued": int(queued["Attributes"]["ApproximateNumberOfMessages"]),
    }


def _worker(out: Path) -> None:
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "analyzer", "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "FraudDetection", "ENVIRONMENT": "bench",
    })
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - logs and EMF metrics
    sys.path.insert(0, str(FUNCTIONS_DIR))
    out.write_text(json.dumps({"rates": _throughput(), "batch": _aws_calls()}))


def _describe(calls: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in sorted(calls.items())) or "none"


def measure(work: Path) -> SectionResult:
    """Run the worker; throughput median and the call census."""
    out = work / "analyzer.json"
    run_checked([PYTHON, "-m", "bench.analyzer", str(out)], env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    result = json.loads(out.read_text())
    rate = median(result["rates"])
    batch = result["batch"]
    figures = [
        Figure(
            SECTION, "transactions scored per second, one core (history in memory)", round(rate), "txn/s",
            TARGET_RATE, better="higher",
            detail=(
                f"median of {len(result['rates'])} passes over 10,000 transactions (50 customers x 200), "
                "rate per CPU second of the single scoring thread"
            ),
        ),
        Figure(
            SECTION, f"AWS calls for {BATCH} stream records of {CUSTOMERS} customers", _describe(batch["calls"]),
            "calls", _describe(EXPECTED_CALLS), better="equal",
            detail=f"{batch['messages_queued']} alerts queued, {batch['batch_item_failures']} batch item failures",
        ),
    ]
    return SectionResult(figures, result)


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
