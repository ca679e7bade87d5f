"""Event source mappings: the table stream into the analyzer, the fraud queue into the notifier."""

from __future__ import annotations

import json

import pytest
from terraform_json import at_path, ref

from modules.event_wiring import QueueMappingProps, StreamMappingProps
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp


def _mapping(synthesized: SynthesizedApp, stack: str, path: str) -> dict:
    return at_path(synthesized.resources(stack, "aws_lambda_event_source_mapping"), path)[1]


def _id(synthesized: SynthesizedApp, stack: str, resource_type: str, path: str) -> str:
    return at_path(synthesized.resources(stack, resource_type), path)[0]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_stream_feeds_the_analyzer(synthesized: SynthesizedApp, stack: str) -> None:
    mapping = _mapping(synthesized, stack, "stream-to-analyzer/mapping")
    table_id = _id(synthesized, stack, "aws_dynamodb_table", "transactions/table")
    analyzer_id = _id(synthesized, stack, "aws_lambda_function", "analyzer/function")
    assert mapping["event_source_arn"] == ref("aws_dynamodb_table", table_id, "stream_arn")
    assert mapping["function_name"] == ref("aws_lambda_function", analyzer_id, "function_name")
    assert mapping["starting_position"] == "LATEST"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_stream_batches_ten_records_within_five_seconds(synthesized: SynthesizedApp, stack: str) -> None:
    mapping = _mapping(synthesized, stack, "stream-to-analyzer/mapping")
    assert mapping["batch_size"] == 10
    assert mapping["maximum_batching_window_in_seconds"] == 5


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_only_inserts_reach_the_analyzer(synthesized: SynthesizedApp, stack: str) -> None:
    mapping = _mapping(synthesized, stack, "stream-to-analyzer/mapping")
    [criterion] = mapping["filter_criteria"]["filter"]
    assert json.loads(criterion["pattern"]) == {"eventName": ["INSERT"]}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_a_bad_record_never_blocks_the_shard(synthesized: SynthesizedApp, stack: str) -> None:
    mapping = _mapping(synthesized, stack, "stream-to-analyzer/mapping")
    dlq_id = _id(synthesized, stack, "aws_sqs_queue", "messaging/dlq")
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["bisect_batch_on_function_error"] is True
    assert mapping["maximum_retry_attempts"] == 3
    assert mapping["maximum_record_age_in_seconds"] == 3600
    assert mapping["destination_config"] == {"on_failure": {"destination_arn": ref("aws_sqs_queue", dlq_id, "arn")}}


@pytest.mark.parametrize(("stack", "concurrency"), [
    ("fraud-detection-dev", 10), ("fraud-detection-staging", 20), ("fraud-detection-prod", 100),
    ("fraud-detection-local", 10),
])
def test_fraud_queue_feeds_the_notifier_with_partial_batch_responses(
    synthesized: SynthesizedApp, stack: str, concurrency: int
) -> None:
    mapping = _mapping(synthesized, stack, "queue-to-notifier/mapping")
    queue_id = _id(synthesized, stack, "aws_sqs_queue", "messaging/queue")
    notifier_id = _id(synthesized, stack, "aws_lambda_function", "notifier/function")
    assert mapping["event_source_arn"] == ref("aws_sqs_queue", queue_id, "arn")
    assert mapping["function_name"] == ref("aws_lambda_function", notifier_id, "function_name")
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["batch_size"] == 10
    assert mapping["maximum_batching_window_in_seconds"] == 0
    # Never more pollers than the notifier may run at once.
    assert mapping["scaling_config"] == {"maximum_concurrency": concurrency}
    _, notifier = at_path(synthesized.resources(stack, "aws_lambda_function"), "notifier/function")
    assert mapping["scaling_config"]["maximum_concurrency"] <= notifier["reserved_concurrent_executions"]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_exactly_two_mappings(synthesized: SynthesizedApp, stack: str) -> None:
    assert len(synthesized.resources(stack, "aws_lambda_event_source_mapping")) == 2


def _stream_props(**overrides: object) -> StreamMappingProps:
    base: dict[str, object] = {"stream_arn": "s", "function_name": "f", "failure_destination_arn": "d"}
    return StreamMappingProps(**{**base, **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "overrides",
    [{"batch_size": 0}, {"batch_size": 10_001}, {"batching_window_seconds": 301}, {"batching_window_seconds": -1},
     {"event_names": ()}],
)
def test_invalid_stream_mapping_settings_are_rejected(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _stream_props(**overrides)


def test_stream_mapping_defaults() -> None:
    props = _stream_props()
    assert (props.batch_size, props.batching_window_seconds, props.max_retries, props.max_record_age_seconds,
            props.event_names) == (10, 5, 3, 3600, ("INSERT",))


def _queue_props(**overrides: object) -> QueueMappingProps:
    return QueueMappingProps(**{"queue_arn": "q", "function_name": "f", **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_concurrency": 1}, r"max_concurrency must be 2\.\.1000"),
        ({"max_concurrency": 1001}, r"max_concurrency must be 2\.\.1000"),
        ({"batch_size": 0}, r"batch_size must be 1\.\.10"),
        # Above 10 messages, SQS needs a batching window.
        ({"batch_size": 11}, r"batch_size must be 1\.\.10 with a 0 s window"),
        ({"batch_size": 10_001, "batching_window_seconds": 1}, r"batch_size must be 1\.\.10000"),
        ({"batching_window_seconds": 301}, r"batching_window_seconds must be 0\.\.300"),
        ({"batching_window_seconds": -1}, r"batching_window_seconds must be 0\.\.300"),
    ],
)
def test_invalid_queue_mapping_settings_are_rejected(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _queue_props(**overrides)


@pytest.mark.parametrize("overrides", [{"max_concurrency": 2}, {"max_concurrency": 1000}, {"max_concurrency": None},
                                       {"batch_size": 100, "batching_window_seconds": 5}])
def test_queue_mapping_settings_at_the_edges_of_the_range_are_accepted(overrides: dict[str, object]) -> None:
    assert _queue_props(**overrides)
