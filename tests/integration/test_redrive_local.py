"""The DLQ redrive on the local deployment: every kind of failure goes back through the played functions.

The dead-letter messages are made the way the pipeline makes them (an alert the analyzer queued, moved
as the fraud queue's redrive moves it; Lambda's stream and async failure records; EventBridge's
undeliverable event), then `Redriver` moves them with the played Lambda service running the real code.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.integration.pipeline_session import open_pipeline
from tooling.dlq_records import ALERT, ASYNC, SCHEDULE, STREAM
from tooling.lambda_service.events import async_failure_record, scheduled_event, stream_failure_record
from tooling.local_pipeline import LocalPipeline
from tooling.redrive import Redriver, RedriveTargets, list_dlq
from tooling.redrive_cli import PlayedInvoker, stack_outputs

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pipeline(local_deployment: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPipeline]:
    with open_pipeline(local_deployment, tmp_path_factory) as opened:
        yield opened


def _queued_alert(pipeline: LocalPipeline, transaction_id: str) -> dict[str, Any]:
    """Take the analyzer's message for `transaction_id` off the fraud queue (others are left)."""
    sqs = pipeline.clients.client("sqs")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=pipeline.fraud_queue_url, MaxNumberOfMessages=10,
                                           VisibilityTimeout=30, MessageAttributeNames=["All"]).get("Messages", []):
            if json.loads(message["Body"]).get("transaction_id") == transaction_id:
                sqs.delete_message(QueueUrl=pipeline.fraud_queue_url, ReceiptHandle=message["ReceiptHandle"])
                return message
            sqs.change_message_visibility(QueueUrl=pipeline.fraud_queue_url, ReceiptHandle=message["ReceiptHandle"],
                                          VisibilityTimeout=0)
    raise AssertionError(f"no fraud-queue message for {transaction_id}")


def test_every_kind_of_dead_letter_is_moved_back_and_takes_effect(
        pipeline: LocalPipeline, local_deployment: Any) -> None:
    run = f"redrive{uuid.uuid4().hex[:8]}"
    sqs = pipeline.clients.client("sqs")
    lambda_client = pipeline.clients.client("lambda")
    # where things are, read from the stack's Terraform outputs as `make redrive` reads them
    outputs = stack_outputs(local_deployment.stack_dir, extra_env=local_deployment.toolchain.env)
    assert outputs == local_deployment.toolchain.outputs()
    targets = RedriveTargets.from_outputs(outputs)
    assert targets.dlq_url == pipeline.dlq_url
    report_function = targets.functions["report_generator"]
    report_arn = lambda_client.get_function(FunctionName=report_function)["Configuration"]["FunctionArn"]
    rule_arn = next(t.rule_arn for t in pipeline.schedule.targets_of(report_function))
    mapping = pipeline.stream_sources[0].mapping

    # Given an alert the notifier never delivered (the fraud queue's redrive moved it, as it is)
    alerted = {"transaction_id": f"{run}-alert", "amount": "5200.50", "currency": "EUR", "customer_id": f"{run}-c",
               "terminal_id": "t", "merchant_category": "4829", "country": "DE", "timestamp": int(time.time()) - 5}
    assert pipeline.post_transaction(alerted).status_code == 201
    pipeline.drive_stream()
    queued = _queued_alert(pipeline, alerted["transaction_id"])
    # twice: what the fraud queue gets when a redrive dies between its send and its delete, then runs again
    sent = [sqs.send_message(QueueUrl=pipeline.dlq_url, MessageBody=queued["Body"],
                             MessageAttributes=queued.get("MessageAttributes", {}))["MessageId"] for _ in range(2)]
    # and a transaction whose stream batch the analyzer gave up on (stored by the API, never scored)
    unscored_id = f"{run}-batch"
    stored = {"transaction_id": unscored_id, "amount": "25.00", "currency": "EUR", "customer_id": f"{run}-c2",
              "merchant_id": "m", "merchant_category": "5411", "country": "DE", "timestamp": int(time.time()) - 60}
    assert pipeline.post_transaction(stored).status_code == 201
    received = datetime.fromisoformat(str((pipeline.stored_item(unscored_id) or {})["received_at"]))
    failure = stream_failure_record(
        records=[{"dynamodb": {"SequenceNumber": "900000000000000000001",
                               "ApproximateCreationDateTime": int(received.timestamp())}}],
        shard_id="shardId-redrive", stream_arn=mapping.source_arn, function_arn=mapping.function_arn,
        condition="RetryAttemptsExhausted", invoke_count=3, function_error="Unhandled", status_code=200,
        now=received)
    sent.append(sqs.send_message(QueueUrl=pipeline.dlq_url, MessageBody=json.dumps(failure))["MessageId"])
    # and a schedule event EventBridge could not deliver, and a report run that failed asynchronously
    schedule_day, async_day = date(2031, 1, 10), date(2031, 1, 11)
    event = scheduled_event(rule_arn=rule_arn, account_id=rule_arn.split(":")[4], region=pipeline.clients.region,
                            time=datetime(2031, 1, 11, tzinfo=UTC))
    sent.append(sqs.send_message(QueueUrl=pipeline.dlq_url, MessageBody=json.dumps(event), MessageAttributes={
        k: {"DataType": "String", "StringValue": v} for k, v in {
            "ERROR_CODE": "RESOURCE_NOT_FOUND", "ERROR_MESSAGE": "gone", "RULE_ARN": rule_arn,
            "TARGET_ARN": report_arn}.items()})["MessageId"])
    async_event = scheduled_event(rule_arn=rule_arn, account_id=rule_arn.split(":")[4],
                                  region=pipeline.clients.region, time=datetime(2031, 1, 12, tzinfo=UTC))
    sent.append(sqs.send_message(QueueUrl=pipeline.dlq_url, MessageBody=json.dumps(async_failure_record(
        function_arn=report_arn, event=async_event, error={"errorType": "Sandbox.Timedout"}, invoke_count=3,
        request_id=run, now=received)))["MessageId"])

    # When the DLQ is listed, then redriven with the played service running the functions
    listing = list_dlq(sqs, targets.dlq_url)
    assert sorted(r.kind for r in listing.records if r.message.message_id in sent) == sorted(
        [ALERT, ALERT, STREAM, SCHEDULE, ASYNC])
    dynamodb = pipeline.clients.client("dynamodb")
    report = Redriver(sqs, dynamodb, PlayedInvoker(pipeline.service), targets).apply()

    # Then each of ours moved, and took effect
    ours = {o.record.message.message_id: o for o in report.outcomes if o.record.message.message_id in sent}
    assert len(ours) == 5 and all(o.moved for o in ours.values()), report.render()
    assert "scored_at" in (pipeline.stored_item(unscored_id) or {})
    with pipeline.subscribe_alerts() as observer:
        pipeline.drive_queue()
        deadline = time.monotonic() + 10
        while alerted["transaction_id"] not in {a.transaction_id for a in observer.collect()}:
            assert time.monotonic() < deadline, "the redriven alert was not published"
            time.sleep(0.2)
        time.sleep(1)  # a second publish, were there one, would have arrived by now (the first took less)
        # both copies were delivered to the notifier, which published once (idempotent per transaction id)
        assert [a.transaction_id for a in observer.collect()].count(alerted["transaction_id"]) == 1
    for day in (schedule_day, async_day):
        assert any(key.endswith(".json") for key in pipeline.report_objects(day)), day
    left = {r.message.message_id for r in list_dlq(sqs, targets.dlq_url).records}
    assert not left & set(ours)
