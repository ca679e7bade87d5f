"""DynamoDB stream -> function: reads the deployed table's stream and delivers it like Lambda's poller.

Records are read through the Streams API (DescribeStream, GetShardIterator, GetRecords) from a
checkpoint per shard (kept in a file, so that it outlives the poller as a mapping's position does;
a new poller of a LATEST mapping starts after the records already in the stream), filtered with the mapping's
FilterCriteria (filtered-out records are checkpointed without an invocation, as in Lambda), grouped
in batches of BatchSize, delivered with StreamBatchRunner (partial batch responses, bisection,
MaximumRetryAttempts), and batches given up on are sent as failure records to the mapping's
on-failure queue with SQS SendMessage. Records older than MaximumRecordAgeInSeconds are not
delivered but sent to the on-failure queue ("RecordAgeExceeded"). A fault plan (tooling.lambda_service.
faults) may have it deliver one malformed record among the real ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tooling.lambda_service.batch import GiveUp, StreamBatchRunner, StreamRetryPolicy
from tooling.lambda_service.checkpoints import CheckpointFile
from tooling.lambda_service.events import dynamodb_stream_record, stream_failure_record
from tooling.lambda_service.faults import MALFORMED_STREAM_RECORD
from tooling.lambda_service.filter_patterns import passes_filters
from tooling.lambda_service.mappings import EventSourceMapping, queue_url_of
from tooling.lambda_service.runtime import InvocationResult
from tooling.lambda_service.service import LambdaService, function_name_of


@dataclass
class StreamDrainReport:
    """What one drain of a stream did."""

    records_read: int = 0
    records_filtered_out: int = 0
    invocations: int = 0
    failure_records: list[dict[str, Any]] = field(default_factory=list)


class StreamSource:
    """The poller of one DynamoDB stream mapping."""

    def __init__(self, service: LambdaService, mapping: EventSourceMapping,
                 checkpoint_file: CheckpointFile | None = None) -> None:
        if mapping.service != "dynamodb":
            raise ValueError(f"{mapping.source_arn} is not a DynamoDB stream")
        self._service = service
        self.mapping = mapping
        self._streams = service.clients.client("dynamodbstreams")
        self._sqs = service.clients.client("sqs")
        # shard id -> last sequence number delivered (or skipped); absent = start at TRIM_HORIZON.
        self._checkpoint_file = checkpoint_file
        self._checkpoints: dict[str, str] = checkpoint_file.load() if checkpoint_file else {}
        self._latest_iterators: dict[str, str] = {}
        self._policy = StreamRetryPolicy(mapping.max_retries, mapping.bisect_on_error, mapping.report_item_failures)
        if checkpoint_file is not None and not self._checkpoints and mapping.starting_position == "LATEST":
            # The first poller of this mapping starts where LATEST starts: after what is already in the
            # stream. Open the poller before writing, as a mapping exists before the writes it sees.
            self.skip_to_latest()

    def skip_to_latest(self) -> None:
        """Start every shard without a checkpoint after its newest record (StartingPosition LATEST).

        A LATEST iterator marks the position without reading the shard (GetRecords over a long stream
        is slow in the emulator); the first record read from it becomes the shard's checkpoint.
        """
        for shard_id in self._shard_ids():
            if shard_id not in self._checkpoints:
                self._latest_iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=self.mapping.source_arn, ShardId=shard_id, ShardIteratorType="LATEST"
                )["ShardIterator"]

    def pending(self) -> int:
        """Records after the checkpoints (before filtering)."""
        return sum(len(self._read(shard_id)) for shard_id in self._shard_ids())

    def drain(self) -> StreamDrainReport:
        """Deliver every record after the checkpoints, until the stream has nothing new."""
        report = StreamDrainReport()
        while True:
            progressed = False
            for shard_id in self._shard_ids():
                records = self._read(shard_id)
                if records:
                    progressed = True
                    self._deliver(shard_id, records, report)
            if self._checkpoint_file is not None:
                self._checkpoint_file.save(self._checkpoints)
            if not progressed:
                return report

    def _shard_ids(self) -> list[str]:
        description = self._streams.describe_stream(StreamArn=self.mapping.source_arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description.get("Shards", [])]

    def _read(self, shard_id: str) -> list[dict[str, Any]]:
        checkpoint = self._checkpoints.get(shard_id)
        if checkpoint:
            self._latest_iterators.pop(shard_id, None)
            position: dict[str, Any] = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": checkpoint}
        else:
            position = {"ShardIteratorType": "TRIM_HORIZON"}
        iterator = self._latest_iterators.get(shard_id) or self._streams.get_shard_iterator(
            StreamArn=self.mapping.source_arn, ShardId=shard_id, **position
        )["ShardIterator"]
        records: list[dict[str, Any]] = []
        while iterator:
            page = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page.get("Records"):
                break
            records.extend(page["Records"])
            iterator = page.get("NextShardIterator")
        region = self._service.clients.region
        delivered = [dynamodb_stream_record(r, self.mapping.source_arn, region) for r in records]
        if (delivered and delivered[0]["eventName"] == "INSERT"
                and self._service.faults.take(MALFORMED_STREAM_RECORD, function_name_of(self.mapping.function_arn),
                                              shard=shard_id)):
            delivered.insert(0, self._malformed_record(delivered[0], region))
        return delivered

    def _malformed_record(self, first: Mapping[str, Any], region: str) -> dict[str, Any]:
        """An INSERT whose NewImage cannot be decoded (a number that is none), placed just before `first`
        (an INSERT read right after the checkpoint) and stamped with its arrival time: its sequence number
        is one below, the checkpoint itself or a number never used, so checkpointing it (when the batch
        holding it is given up) never skips a real record."""
        sequence = str(int(first["dynamodb"]["SequenceNumber"]) - 1).zfill(len(first["dynamodb"]["SequenceNumber"]))
        arrived = first["dynamodb"].get("ApproximateCreationDateTime") or int(datetime.now(UTC).timestamp())
        key = {"transaction_id": {"S": f"malformed-{sequence}"}, "timestamp": {"N": str(int(arrived))}}
        raw = {"eventID": f"malformed-{sequence}", "eventName": "INSERT",
               "dynamodb": {"ApproximateCreationDateTime": arrived, "Keys": key,
                            "NewImage": key | {"amount": {"N": "not-a-number"}},
                            "SequenceNumber": sequence, "SizeBytes": 64, "StreamViewType": "NEW_IMAGE"}}
        return dynamodb_stream_record(raw, self.mapping.source_arn, region)

    def _deliver(self, shard_id: str, records: list[dict[str, Any]], report: StreamDrainReport) -> None:
        report.records_read += len(records)

        def checkpoint(record: Mapping[str, Any]) -> None:
            self._checkpoints[shard_id] = record["dynamodb"]["SequenceNumber"]

        def invoke(batch: list[dict[str, Any]]) -> InvocationResult:
            report.invocations += 1
            return self._service.invoke(self.mapping.function_arn, {"Records": batch})

        def give_up(failed: GiveUp[dict[str, Any]]) -> None:
            outcome: InvocationResult = failed.last_outcome
            report.failure_records.append(self._send_failure(
                shard_id, failed.records, "RetryAttemptsExhausted", failed.invoke_count,
                function_error="Unhandled" if not outcome.ok else None,
                request_id=outcome.request_id,
            ))

        runner = StreamBatchRunner(self._policy, invoke, lambda r: r["dynamodb"]["SequenceNumber"], checkpoint,
                                   give_up)
        batch: list[dict[str, Any]] = []
        for record in records:
            if not passes_filters(record, self.mapping.filter_patterns):
                report.records_filtered_out += 1
                if not batch:
                    checkpoint(record)
                continue
            if self._too_old(record):
                if batch:
                    runner.run(batch)
                    batch = []
                report.failure_records.append(self._send_failure(shard_id, [record], "RecordAgeExceeded", 0))
                checkpoint(record)
                continue
            batch.append(record)
            if len(batch) == self.mapping.batch_size:
                runner.run(batch)
                batch = []
        if batch:
            runner.run(batch)
        if records:
            # Filtered-out records after the last batch are consumed too.
            last = records[-1]["dynamodb"]["SequenceNumber"]
            if int(self._checkpoints.get(shard_id, "0")) < int(last):
                self._checkpoints[shard_id] = last

    def _too_old(self, record: Mapping[str, Any]) -> bool:
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        limit = self.mapping.max_record_age_seconds
        return limit >= 0 and isinstance(created, int | float) and datetime.now(UTC).timestamp() - created > limit

    def _send_failure(
        self, shard_id: str, records: list[dict[str, Any]], condition: str, invoke_count: int,
        function_error: str | None = None, request_id: str | None = None,
    ) -> dict[str, Any]:
        failure = stream_failure_record(
            records=records, shard_id=shard_id, stream_arn=self.mapping.source_arn,
            function_arn=self.mapping.function_arn, condition=condition, invoke_count=invoke_count,
            function_error=function_error, status_code=200, now=datetime.now(UTC), request_id=request_id,
        )
        if self.mapping.on_failure_arn:
            if self.mapping.on_failure_arn.split(":")[2] != "sqs":
                raise NotImplementedError(f"on-failure destination {self.mapping.on_failure_arn} is not a queue")
            self._sqs.send_message(QueueUrl=queue_url_of(self._sqs, self.mapping.on_failure_arn),
                                   MessageBody=json.dumps(failure))
        return failure
