"""SQS queue -> function: receives batches and deletes what the function processed, like Lambda's poller.

A message the function fails on stays in the queue and becomes visible again when its visibility
timeout (the queue's, 360 s for the fraud queue) runs out. Nobody waits six minutes in a test: the
poller makes the failed messages visible again at once (ChangeMessageVisibility to 0), which is
exactly the state the queue reaches when the timeout elapses. The queue's redrive policy is the
emulator's business: moto counts receives and, on the receive after the maxReceiveCount-th, moves the
message to the dead-letter queue instead of returning it (checked in the integration tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tooling.lambda_service.batch import failed_items
from tooling.lambda_service.events import sqs_record
from tooling.lambda_service.mappings import EventSourceMapping, queue_url_of
from tooling.lambda_service.service import LambdaService


@dataclass
class QueueDrainReport:
    """What one drain of a queue did."""

    received: int = 0
    invocations: int = 0
    deleted: int = 0
    failed_deliveries: int = 0
    failed_message_ids: list[str] = field(default_factory=list)


class QueueSource:
    """The poller of one SQS queue mapping."""

    def __init__(self, service: LambdaService, mapping: EventSourceMapping) -> None:
        if mapping.service != "sqs":
            raise ValueError(f"{mapping.source_arn} is not a queue")
        self._service = service
        self.mapping = mapping
        self._sqs = service.clients.client("sqs")
        self.queue_url = queue_url_of(self._sqs, mapping.source_arn)

    def poll_once(self, report: QueueDrainReport | None = None) -> QueueDrainReport:
        """Receive one batch, invoke, delete the processed messages; failed ones are made visible again."""
        report = report or QueueDrainReport()
        messages = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.mapping.batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            return report
        report.received += len(messages)
        region = self._service.clients.region
        event = {"Records": [sqs_record(m, self.mapping.source_arn, region) for m in messages]}
        result = self._service.invoke(self.mapping.function_arn, event)
        report.invocations += 1
        ids = [m["MessageId"] for m in messages]
        failed = set(failed_items(ids, result, self.mapping.report_item_failures))
        done = [m for m in messages if m["MessageId"] not in failed]
        retry = [m for m in messages if m["MessageId"] in failed]
        for start in range(0, len(done), 10):
            chunk = done[start:start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        report.deleted += len(done)
        report.failed_deliveries += len(retry)
        report.failed_message_ids.extend(m["MessageId"] for m in retry)
        for message in retry:
            # Emulates the visibility timeout running out (see the module docstring).
            self._sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return report

    def drain(self, max_polls: int = 1000) -> QueueDrainReport:
        """Poll until a receive returns nothing (failed messages are retried until redriven)."""
        report = QueueDrainReport()
        for _ in range(max_polls):
            before = report.received
            self.poll_once(report)
            if report.received == before:
                return report
        raise RuntimeError(f"{self.queue_url} still had messages after {max_polls} polls")

    def depth(self) -> dict[str, int]:
        """Visible and in-flight message counts."""
        attributes: dict[str, Any] = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return {name: int(value) for name, value in attributes.items()}
