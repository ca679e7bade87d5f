"""Event source mappings: the table's stream into the analyzer, the fraud queue into the notifier."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.lambda_event_source_mapping import LambdaEventSourceMapping
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class StreamMappingProps:
    """How stream records reach a function."""

    stream_arn: str
    """DynamoDB stream ARN."""
    function_name: str
    """Consumer function."""
    failure_destination_arn: str
    """SQS queue receiving records of batches that exhausted their retries."""
    batch_size: int = 10
    """Records per invocation."""
    batching_window_seconds: int = 5
    """Time to gather a batch."""
    max_retries: int = 3
    """Retries of a failing batch (bisected) before its records go to the failure destination."""
    max_record_age_seconds: int = 3600
    """Records older than this go to the failure destination instead of being retried."""
    event_names: tuple[str, ...] = ("INSERT",)
    """Only these stream events reach the function (score write-backs are MODIFY)."""

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 10_000 or not 0 <= self.batching_window_seconds <= 300:
            raise ValueError("batch_size 1..10000 and batching_window_seconds 0..300")
        if not self.event_names:
            raise ValueError("at least one stream event name must pass the filter")


class StreamToFunction(Construct):
    """Stream mapping with an INSERT filter, partial batch responses, bisect on error, a retry cap,
    a maximum record age and an on-failure destination: one bad record never blocks the shard."""

    def __init__(self, scope: Construct, id_: str, props: StreamMappingProps) -> None:
        super().__init__(scope, id_)
        self.mapping = LambdaEventSourceMapping(
            self,
            "mapping",
            event_source_arn=props.stream_arn,
            function_name=props.function_name,
            starting_position="LATEST",
            batch_size=props.batch_size,
            maximum_batching_window_in_seconds=props.batching_window_seconds,
            function_response_types=["ReportBatchItemFailures"],
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=props.max_retries,
            maximum_record_age_in_seconds=props.max_record_age_seconds,
            destination_config={"on_failure": {"destination_arn": props.failure_destination_arn}},
            filter_criteria={"filter": [{"pattern": json.dumps({"eventName": list(props.event_names)})}]},
        )


@dataclass(frozen=True, kw_only=True)
class QueueMappingProps:
    """How queue messages reach a function."""

    queue_arn: str
    """SQS queue ARN (its redrive policy sends repeatedly failing messages to the DLQ)."""
    function_name: str
    """Consumer function."""
    batch_size: int = 10
    """Messages per invocation."""
    batching_window_seconds: int = 0
    """Time to gather a batch; counts towards the visibility timeout the queue needs."""
    max_concurrency: int | None = None
    """Upper bound of concurrent invocations from this queue (2..1000, SQS's range), at most the
    consumer's reserved concurrency; None leaves it to the reserved concurrency alone."""

    def __post_init__(self) -> None:
        if not 0 <= self.batching_window_seconds <= 300:
            raise ValueError(f"batching_window_seconds must be 0..300, got {self.batching_window_seconds}")
        # SQS allows batches above 10 messages only with a batching window.
        largest = 10_000 if self.batching_window_seconds else 10
        if not 1 <= self.batch_size <= largest:
            raise ValueError(
                f"batch_size must be 1..{largest} with a {self.batching_window_seconds} s window, got {self.batch_size}"
            )
        if self.max_concurrency is not None and not 2 <= self.max_concurrency <= 1000:
            raise ValueError(f"max_concurrency must be 2..1000, got {self.max_concurrency}")


class QueueToFunction(Construct):
    """Queue mapping with partial batch responses: only the failed messages return to the queue."""

    def __init__(self, scope: Construct, id_: str, props: QueueMappingProps) -> None:
        super().__init__(scope, id_)
        self.mapping = LambdaEventSourceMapping(
            self,
            "mapping",
            event_source_arn=props.queue_arn,
            function_name=props.function_name,
            batch_size=props.batch_size,
            maximum_batching_window_in_seconds=props.batching_window_seconds,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config={"maximum_concurrency": props.max_concurrency} if props.max_concurrency else None,
        )
