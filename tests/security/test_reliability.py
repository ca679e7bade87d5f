"""Reliability settings, read from the synthesized JSON of every environment:

- a queue's visibility timeout covers 6x its consumer's timeout plus the batching window;
- every asynchronous path (stream mapping, queue, schedule target, each function's asynchronous
  invocations) ends in a dead-letter queue or failure destination, and that queue has a depth alarm
  with actions;
- every function has active tracing, its own log group with retention, and reserved concurrency.
"""

from __future__ import annotations

import pytest

from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp
from tests.security.stack_refs import StackView, one_block, ref, refs_in


def _view(app: SynthesizedApp, stack: str) -> StackView:
    return StackView(stack, app.stack(stack))


def _function_by_name_ref(view: StackView, value: str) -> dict:
    reference = ref(value)
    assert reference and reference.type == "aws_lambda_function", f"{view.name}: {value} names no function"
    return view.resource(reference)


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_queue_visibility_covers_six_consumer_timeouts_plus_the_batch_window(
    synthesized: SynthesizedApp, stack: str
) -> None:
    view = _view(synthesized, stack)
    checked = 0
    for mapping in view.resources("aws_lambda_event_source_mapping").values():
        source = ref(mapping["event_source_arn"])
        if not source or source.type != "aws_sqs_queue":
            continue
        queue = view.resource(source)
        function = _function_by_name_ref(view, mapping["function_name"])
        needed = 6 * function["timeout"] + mapping.get("maximum_batching_window_in_seconds", 0)
        assert queue["visibility_timeout_seconds"] >= needed, (queue["name"], needed)
        checked += 1
    assert checked == 1  # the fraud queue -> notifier


def _failure_queues(view: StackView) -> dict[str, str]:
    """Every asynchronous path -> the logical id of the queue its failures end in."""
    paths: dict[str, str] = {}

    def queue_of(where: str, value: str | None) -> None:
        reference = ref(value)
        assert reference and reference.type == "aws_sqs_queue", f"{view.name}: {where} has no failure queue"
        paths[where] = reference.logical_id

    for lid, mapping in view.resources("aws_lambda_event_source_mapping").items():
        source = ref(mapping["event_source_arn"])
        assert source
        if source.type == "aws_sqs_queue":
            # A queue's failures go where its redrive policy sends them.
            redrive = view.resource(source).get("redrive_policy")
            targets = [r for r in refs_in(redrive) if r.type == "aws_sqs_queue" and r.attribute == "arn"]
            assert len(targets) == 1, f"{view.name}: queue {source.logical_id} has no dead-letter queue"
            paths[f"queue {source.logical_id}"] = targets[0].logical_id
        else:
            destination = one_block(one_block(mapping.get("destination_config")).get("on_failure"))
            queue_of(f"stream mapping {lid}", destination.get("destination_arn"))
    for lid, target in view.resources("aws_cloudwatch_event_target").items():
        queue_of(f"schedule target {lid}", one_block(target.get("dead_letter_config")).get("arn"))
    configs = {
        ref(c["function_name"]).logical_id: c  # type: ignore[union-attr]
        for c in view.resources("aws_lambda_function_event_invoke_config").values()
    }
    for lid in view.resources("aws_lambda_function"):
        config = configs.get(lid)
        assert config, f"{view.name}: function {lid} has no asynchronous invocation config"
        destination = one_block(one_block(config.get("destination_config")).get("on_failure"))
        queue_of(f"async invocations of {lid}", destination.get("destination"))
    return paths


def _alarmed_queue_names(view: StackView) -> set[str]:
    names = set()
    for alarm in view.resources("aws_cloudwatch_metric_alarm").values():
        if (alarm.get("namespace") == "AWS/SQS" and alarm.get("metric_name") == "ApproximateNumberOfMessagesVisible"
                and alarm.get("alarm_actions")):
            names.add(alarm["dimensions"]["QueueName"])
    return names


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_every_asynchronous_path_ends_in_an_alarmed_dead_letter_queue(synthesized: SynthesizedApp, stack: str) -> None:
    view = _view(synthesized, stack)
    paths = _failure_queues(view)
    # stream mapping, fraud queue, schedule target, and the four functions' asynchronous invocations
    assert len(paths) == 7, sorted(paths)
    alarmed = _alarmed_queue_names(view)
    queues = view.resources("aws_sqs_queue")
    unalarmed = {path: queues[q]["name"] for path, q in paths.items() if queues[q]["name"] not in alarmed}
    assert unalarmed == {}
    # A dead-letter queue is the end of the line: it redrives nowhere.
    assert all("redrive_policy" not in queues[q] for q in paths.values())


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_every_function_is_traced_logged_with_retention_and_capped(synthesized: SynthesizedApp, stack: str) -> None:
    view = _view(synthesized, stack)
    groups = {g["name"]: g for g in view.resources("aws_cloudwatch_log_group").values()}
    problems = []
    for function in view.resources("aws_lambda_function").values():
        name = function["function_name"]
        if one_block(function.get("tracing_config")).get("mode") != "Active":
            problems.append(f"{name}: tracing not Active")
        group = groups.get(f"/aws/lambda/{name}")
        if not group or not group.get("retention_in_days"):
            problems.append(f"{name}: no log group /aws/lambda/{name} with retention")
        if not isinstance(function.get("reserved_concurrent_executions"), int) or \
                function["reserved_concurrent_executions"] < 1:
            problems.append(f"{name}: no reserved concurrency")
    assert problems == []
    assert len(view.resources("aws_lambda_function")) == 4


def test_the_path_walk_notices_a_function_without_a_failure_destination(synthesized: SynthesizedApp) -> None:
    body = dict(synthesized.stack("fraud-detection-dev"))
    configs = dict(body["resource"]["aws_lambda_function_event_invoke_config"])
    configs.pop(next(iter(configs)))
    body["resource"] = {**body["resource"], "aws_lambda_function_event_invoke_config": configs}
    with pytest.raises(AssertionError, match="no asynchronous invocation config"):
        _failure_queues(StackView("x", body))
