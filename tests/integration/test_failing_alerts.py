"""A notifier that cannot publish: the alert is retried, redriven after three receives, and not lost.

The fault: the notifier runs with ALERT_TOPIC_ARN naming a topic that does not exist (a variable of
its process only; the deployed configuration is untouched), so every SNS Publish answers NotFound,
as it would if the topic had been deleted.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.pipeline_session import open_pipeline
from tooling.local_pipeline import LocalPipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pipeline(local_deployment: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPipeline]:
    with open_pipeline(local_deployment, tmp_path_factory) as opened:
        yield opened


def _max_receive_count(pipeline: LocalPipeline) -> int:
    attributes = pipeline.clients.client("sqs").get_queue_attributes(
        QueueUrl=pipeline.fraud_queue_url, AttributeNames=["RedrivePolicy"])["Attributes"]
    return int(json.loads(attributes["RedrivePolicy"])["maxReceiveCount"])


def test_an_unpublishable_alert_ends_on_the_dead_letter_queue_intact(pipeline: LocalPipeline) -> None:
    run = f"sns{uuid.uuid4().hex[:8]}"
    body = {"transaction_id": f"{run}-1", "amount": "5200.50", "currency": "EUR", "customer_id": f"{run}-c",
            "terminal_id": "t", "merchant_category": "4829", "country": "DE", "timestamp": int(time.time()) - 5}
    assert pipeline.post_transaction(body).status_code == 201
    pipeline.drive_stream()
    item = pipeline.stored_item(body["transaction_id"])
    assert item["decision"] in ("review", "block")
    assert pipeline.queue_sources[0].depth()["ApproximateNumberOfMessages"] == 1

    topic = pipeline.alert_topic_arn
    missing_topic = f"{topic.rsplit(':', 1)[0]}:missing-{run}"
    calls_before = len(pipeline.service.invocations.of(pipeline.notifier))
    with pipeline.subscribe_alerts() as observer:
        with pipeline.service.environment_override(pipeline.notifier, {"ALERT_TOPIC_ARN": missing_topic}):
            report = pipeline.drive_queue()
        alerts = [a for a in observer.collect() if a.transaction_id == body["transaction_id"]]

    receives = _max_receive_count(pipeline)
    calls = pipeline.service.invocations.of(pipeline.notifier)[calls_before:]
    assert len(calls) == receives  # delivered maxReceiveCount times, then redriven by the queue
    for call in calls:
        # The one message of each batch failed: Powertools raises when every record of a batch failed.
        assert [r["body"] for r in call.event["Records"]] == [call.event["Records"][0]["body"]]
        assert not call.result.ok and call.result.error_type == "BatchProcessingError"
    assert [c.event["Records"][0]["attributes"]["ApproximateReceiveCount"] for c in calls] == [
        str(n) for n in range(1, receives + 1)]
    assert report.failed_deliveries == receives and report.deleted == 0
    assert alerts == []
    assert pipeline.queue_sources[0].depth() == {
        "ApproximateNumberOfMessages": 0, "ApproximateNumberOfMessagesNotVisible": 0}

    dead = [m for m in pipeline.read_dlq() if body["transaction_id"] in m["Body"]]
    assert len(dead) == 1
    message = json.loads(dead[0]["Body"])
    # Nothing is lost: the original fraud-queue message, with its routing attributes.
    assert message["transaction_id"] == body["transaction_id"]
    assert message["decision"] == item["decision"]
    assert message["risk_score"] == int(item["risk_score"])
    assert [r["rule"] for r in message["reasons"]] == [r["rule"] for r in item["reasons"]]
    assert message["amount"] == "5200.50"
    attributes = dead[0]["MessageAttributes"]
    assert attributes["decision"]["StringValue"] == item["decision"]
    assert "customer_id" not in attributes  # customer identifiers stay in the encrypted body
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= receives
    pipeline.delete_dlq_messages(dead)

    # With the topic back, a replay of the dead-lettered alert is published once
    pipeline.clients.client("sqs").send_message(
        QueueUrl=pipeline.fraud_queue_url, MessageBody=dead[0]["Body"],
        MessageAttributes={k: {"DataType": v["DataType"], "StringValue": v["StringValue"]}
                           for k, v in attributes.items()})
    with pipeline.subscribe_alerts() as observer:
        assert pipeline.drive_queue().failed_deliveries == 0
        assert [a.transaction_id for a in observer.collect()
                if a.transaction_id == body["transaction_id"]] == [body["transaction_id"]]
