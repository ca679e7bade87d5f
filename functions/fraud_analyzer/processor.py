"""A Powertools BatchProcessor that sends queue messages in batches after the records are processed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from fraud_analyzer.messages import QueueMessage

Sender = Callable[[Sequence[QueueMessage]], dict[int, str]]


class AlertNotQueuedError(RuntimeError):
    """The record was scored but its alert message was not accepted by the queue."""


@dataclass(frozen=True)
class _Pending:
    record: DynamoDBRecord
    message: QueueMessage


class OutboxBatchProcessor(BatchProcessor):
    """Per-record processing as usual, plus an outbox flushed with batched sends at the end.

    Record handlers call `enqueue` instead of sending one message each; when processing is over the
    outbox goes out ten messages per call, and a message the queue rejects turns its record from a
    success into a batch item failure, so that the stream redelivers it.
    """

    def __init__(self, send: Sender, **kwargs: Any) -> None:
        super().__init__(event_type=EventType.DynamoDBStreams, **kwargs)
        self._send = send
        self._outbox: list[_Pending] = []
        self.queued = 0
        self.queue_failures = 0

    def enqueue(self, record: DynamoDBRecord, message: QueueMessage) -> None:
        """Hold a message for `record` until the batch is done."""
        self._outbox.append(_Pending(record, message))

    def _prepare(self) -> None:
        super()._prepare()
        self._outbox.clear()
        self.queued = 0
        self.queue_failures = 0

    def _clean(self) -> None:
        # Flush before the base class computes the response, so send failures are part of it.
        if self._outbox:
            failures = self._send([pending.message for pending in self._outbox])
            for index, reason in sorted(failures.items()):
                record = self._outbox[index].record
                self.success_messages = [m for m in self.success_messages if m is not record.raw_event]
                error = AlertNotQueuedError(
                    f"alert for record {record.dynamodb.sequence_number if record.dynamodb else '?'} "
                    f"not queued: {reason}"
                )
                if self.logger is not None:
                    self.logger.warning(str(error))
                self.failure_handler(record, (type(error), error, None))
            self.queue_failures = len(failures)
            self.queued = len(self._outbox) - len(failures)
            self._outbox.clear()
        super()._clean()
