"""Handler tests of the notifier against mocked SNS, SQS and DynamoDB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """An SQS event from the events/ folder."""
    return json.loads((EVENTS / name).read_text())


def delivered(inbox_url: str) -> list[dict[str, Any]]:
    """The SNS envelopes that reached the subscribed queue."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    envelopes: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=inbox_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return envelopes
        for message in messages:
            envelopes.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=inbox_url, ReceiptHandle=message["ReceiptHandle"])


def idempotency_keys() -> list[str]:
    """Keys of the idempotency records currently stored."""
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("fraud-test-idempotency")
    return [item["id"] for item in table.scan()["Items"]]


def test_publishes_one_alert_per_message(app: Any, aws: dict[str, Any], lambda_context: Any) -> None:
    response = app.handler(load_event("alerts.json"), lambda_context)

    assert response == {"batchItemFailures": []}
    envelopes = {e["Subject"]: e for e in delivered(aws["inbox_url"])}
    assert set(envelopes) == {
        "[BLOCK] Fraud alert: score 85 (txn t-a2)",
        "[REVIEW] Fraud alert: score 50 (txn t-b1)",
    }
    block = envelopes["[BLOCK] Fraud alert: score 85 (txn t-a2)"]
    body = json.loads(block["Message"])
    assert body["decision"] == "block"
    assert body["risk_score"] == 85
    assert body["transaction"]["transaction_id"] == "t-a2"
    assert body["transaction"]["amount"] == "6000.00"
    assert body["transaction"]["merchant_category"] == "7995"
    assert [r["rule"] for r in body["reasons"]] == ["high_amount", "high_risk_merchant"]
    assert body["scored_at"] == "2025-11-22T21:00:01.250Z"
    assert block["MessageAttributes"]["decision"] == {"Type": "String", "Value": "block"}
    assert block["MessageAttributes"]["risk_score"] == {"Type": "Number", "Value": "85"}
    assert len(idempotency_keys()) == 2


def test_malformed_message_is_a_batch_item_failure(
    app: Any, aws: dict[str, Any], lambda_context: Any
) -> None:
    response = app.handler(load_event("alerts_with_malformed.json"), lambda_context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "00000003-aaaa-4bbb-8ccc-dddddddddddd"}]}
    assert len(delivered(aws["inbox_url"])) == 2


def test_failed_publish_is_retried_and_not_blocked_by_idempotency(
    app: Any, aws: dict[str, Any], lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notifier.publisher import AlertPublisher

    real_publish = AlertPublisher.publish
    outage = {"on": True}

    def flaky_publish(self: AlertPublisher, alert: Any) -> str:
        if outage["on"] and alert.transaction_id == "t-a2":
            raise ConnectionError("SNS unreachable")
        return real_publish(self, alert)

    monkeypatch.setattr(AlertPublisher, "publish", flaky_publish)
    event = load_event("alerts.json")

    first = app.handler(event, lambda_context)

    assert first == {"batchItemFailures": [{"itemIdentifier": "00000001-aaaa-4bbb-8ccc-dddddddddddd"}]}
    assert [e["Subject"] for e in delivered(aws["inbox_url"])] == [
        "[REVIEW] Fraud alert: score 50 (txn t-b1)"
    ]
    assert len(idempotency_keys()) == 1  # only the alert that went out is remembered

    outage["on"] = False
    retry = {"Records": [event["Records"][0]]}
    assert app.handler(retry, lambda_context) == {"batchItemFailures": []}
    assert [e["Subject"] for e in delivered(aws["inbox_url"])] == [
        "[BLOCK] Fraud alert: score 85 (txn t-a2)"
    ]


def test_missing_topic_fails_the_messages(
    app: Any, aws: dict[str, Any], lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    monkeypatch.setenv("ALERT_TOPIC_ARN", aws["topic_arn"] + "-gone")

    # Every message failing: the whole batch goes back to the queue, nothing is remembered as sent.
    with pytest.raises(BatchProcessingError, match="All records failed"):
        app.handler(load_event("alerts.json"), lambda_context)
    assert idempotency_keys() == []
    assert delivered(aws["inbox_url"]) == []


def test_duplicate_delivery_sends_one_alert(app: Any, aws: dict[str, Any], lambda_context: Any) -> None:
    event = load_event("duplicate_alerts.json")

    assert app.handler(event, lambda_context) == {"batchItemFailures": []}
    assert app.handler(event, lambda_context) == {"batchItemFailures": []}

    envelopes = delivered(aws["inbox_url"])
    assert [e["Subject"] for e in envelopes] == [
        "[BLOCK] Fraud alert: score 85 (txn t-a2)"
    ]
    assert len(idempotency_keys()) == 1
