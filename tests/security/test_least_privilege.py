"""Least privilege, proven: the AWS calls each function's code makes when its handler runs through
each of its code paths under moto (tests/security/function_exercise.py, recorded by
tests/security/iam_recorder.py) against what its role allows in fraud-detection-dev.

- A recorded call the role does not allow on that resource would be AccessDenied in AWS: failure.
- A granted (action, resource) that no recorded call uses is over-privilege: failure, unless the
  Lambda service uses it on the function's behalf (SERVICE_SIDE below, scoped per function).

The recording is made by this module's fixture, the same way whatever else runs in the session,
so the result does not depend on test order or selection.
"""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from modules.iam import LAMBDA_VPC_ENI_ACTIONS
from tests.conftest import SynthesizedApp
from tests.security.function_exercise import exercise
from tests.security.iam_recorder import FUNCTION_KEYS
from tests.security.stack_refs import StackView, one_block, ref

STACK = "fraud-detection-dev"

# Actions the Lambda service performs with a function's role; our code never calls them, so the
# recording cannot show them. Each is (action, resource, why); resources are symbols resolved from
# the stack for the function at hand:
#   LOG_STREAMS          streams of the function's own log group
#   CMK                  the key of the function's environment
#   FAILURE_DESTINATION  the queue of failed asynchronous invocations (and failed stream batches)
#   STREAM, TABLE_STREAMS  the table stream the function's mapping reads, and that table's streams
#   SOURCE_QUEUE         the queue the function's mapping polls
SERVICE_SIDE: dict[str, tuple[tuple[str, str, str], ...]] = {
    "every function": (
        ("logs:CreateLogStream", "LOG_STREAMS", "the runtime writes the function's logs"),
        ("logs:PutLogEvents", "LOG_STREAMS", "the runtime writes the function's logs"),
        *((action, "*", "Lambda attaches the function to its VPC subnets (ENIs)") for action in LAMBDA_VPC_ENI_ACTIONS),
        ("xray:PutTraceSegments", "*", "the runtime uploads active-tracing segments"),
        ("xray:PutTelemetryRecords", "*", "the runtime uploads active-tracing telemetry"),
        ("kms:Decrypt", "CMK", "Lambda decrypts the function's environment variables"),
        ("sqs:SendMessage", "FAILURE_DESTINATION", "Lambda sends failed asynchronous invocations there"),
    ),
    "fraud_analyzer": (
        ("dynamodb:DescribeStream", "STREAM", "the event source mapping polls the stream"),
        ("dynamodb:GetRecords", "STREAM", "the event source mapping polls the stream"),
        ("dynamodb:GetShardIterator", "STREAM", "the event source mapping polls the stream"),
        ("dynamodb:ListStreams", "TABLE_STREAMS", "the event source mapping finds the stream"),
    ),
    "notifier": (
        ("sqs:ReceiveMessage", "SOURCE_QUEUE", "the event source mapping polls the queue"),
        ("sqs:DeleteMessage", "SOURCE_QUEUE", "the mapping deletes the messages of a successful batch"),
        ("sqs:GetQueueAttributes", "SOURCE_QUEUE", "the mapping reads the queue's settings"),
    ),
}

Grant = tuple[str, str]  # (action, resource pattern)


@pytest.fixture(scope="module")
def recorded() -> dict[str, list[dict[str, Any]]]:
    """Calls per function, from running every handler through its code paths (also written to build/)."""
    recorder = exercise()
    recorder.write()
    return recorder.as_json()


class FunctionInStack:
    """One function of the stack: its role's grants and the ARNs its symbols stand for."""

    def __init__(self, view: StackView, key: str) -> None:
        self.view = view
        handler = f"{key}.app.handler"
        (self.logical_id, self.body), = [
            (lid, f) for lid, f in view.resources("aws_lambda_function").items() if f["handler"] == handler
        ]
        self.environment: dict[str, str] = one_block(self.body.get("environment")).get("variables", {})

    def grants(self) -> set[Grant]:
        """Every (action, resource) the role's inline policies allow."""
        role = ref(self.body["role"])
        assert role
        grants: set[Grant] = set()
        for policy in self.view.resources("aws_iam_role_policy").values():
            target = ref(policy["role"])
            if not target or target.logical_id != role.logical_id:
                continue
            for statement in self.view.policy_statements(policy["policy"]):
                if statement.get("effect", "Allow") == "Allow":
                    grants |= {(a, r) for a in statement["actions"] for r in statement["resources"]}
        return grants

    def _mappings(self, source_type: str) -> list[dict[str, Any]]:
        return [
            m for m in self.view.resources("aws_lambda_event_source_mapping").values()
            if ref(m["function_name"]) and ref(m["function_name"]).logical_id == self.logical_id  # type: ignore[union-attr]
            and ref(m["event_source_arn"]).type == source_type  # type: ignore[union-attr]
        ]

    def symbol(self, name: str) -> set[str]:
        """The resource patterns a SERVICE_SIDE symbol stands for (empty when it does not apply)."""
        if name == "*":
            return {"*"}
        if name == "CMK":
            return {self.body["kms_key_arn"]}
        if name == "LOG_STREAMS":
            groups = [lid for lid, g in self.view.resources("aws_cloudwatch_log_group").items()
                      if g["name"] == f"/aws/lambda/{self.body['function_name']}"]
            return {f"${{aws_cloudwatch_log_group.{lid}.arn}}:log-stream:*" for lid in groups}
        if name == "FAILURE_DESTINATION":
            configs = [c for c in self.view.resources("aws_lambda_function_event_invoke_config").values()
                       if ref(c["function_name"]).logical_id == self.logical_id]  # type: ignore[union-attr]
            return {one_block(one_block(c["destination_config"])["on_failure"])["destination"] for c in configs}
        if name == "STREAM":
            return {m["event_source_arn"] for m in self._mappings("aws_dynamodb_table")}
        if name == "TABLE_STREAMS":
            tables = {ref(m["event_source_arn"]).logical_id for m in self._mappings("aws_dynamodb_table")}  # type: ignore[union-attr]
            return {f"${{aws_dynamodb_table.{t}.arn}}/stream/*" for t in tables}
        if name == "SOURCE_QUEUE":
            return {m["event_source_arn"] for m in self._mappings("aws_sqs_queue")}
        raise AssertionError(f"unknown symbol {name}")

    def service_side(self, key: str) -> set[Grant]:
        """(action, resource) pairs the Lambda service uses for this function."""
        entries = (*SERVICE_SIDE["every function"], *SERVICE_SIDE.get(key, ()))
        return {(action, resource) for action, symbol, _ in entries for resource in self.symbol(symbol)}

    def resource_of(self, call: dict[str, str]) -> str:
        """The ARN (as a stack reference) a recorded call acts on."""
        variable = call.get("resource_variable", "")
        value = self.environment.get(variable)
        target = ref(value)
        assert target, f"{call['action']}: the resource came from {variable!r}, not an environment variable " \
                       f"the stack sets for this function ({sorted(self.environment)})"
        arn = f"${{{target.type}.{target.logical_id}.arn}}"
        if call.get("index"):
            return f"{arn}/index/{call['index']}"
        if call.get("key"):
            return f"{arn}/{call['key']}"
        return arn


def _allowed(action: str, resource: str, grants: set[Grant]) -> bool:
    return any(a == action and (r == resource or fnmatch.fnmatchcase(resource, r)) for a, r in grants)


def _compare(key: str, calls: list[dict[str, Any]], function: FunctionInStack) -> tuple[list[str], list[str]]:
    """(calls the role denies, grants neither the code nor the Lambda service uses)."""
    grants = function.grants()
    needed = {(c["action"], function.resource_of(c)) for c in calls}
    denied = sorted(f"{a} on {r}" for a, r in needed if not _allowed(a, r, grants))
    service = function.service_side(key)
    unused = sorted(
        f"{a} on {r}" for a, r in grants
        if (a, r) not in service and not any(na == a and _allowed(na, nr, {(a, r)}) for na, nr in needed)
    )
    return denied, unused


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_the_role_allows_every_call_the_code_makes(
    synthesized: SynthesizedApp, recorded: dict[str, list[dict[str, Any]]], key: str
) -> None:
    calls = recorded[key]
    assert calls, f"no AWS call of {key} was recorded: the handler tests did not exercise it"
    denied, _ = _compare(key, calls, FunctionInStack(StackView(STACK, synthesized.stack(STACK)), key))
    assert denied == [], f"{key} would get AccessDenied for: {denied}"


@pytest.mark.parametrize("key", FUNCTION_KEYS)
def test_the_role_allows_nothing_unused(
    synthesized: SynthesizedApp, recorded: dict[str, list[dict[str, Any]]], key: str
) -> None:
    _, unused = _compare(key, recorded[key], FunctionInStack(StackView(STACK, synthesized.stack(STACK)), key))
    assert unused == [], f"{key}'s role grants what neither its code nor the Lambda service uses: {unused}"


def test_every_service_side_entry_is_granted_and_explained(synthesized: SynthesizedApp) -> None:
    # The list must not excuse what the role does not even hold (a stale or misspelled entry).
    view = StackView(STACK, synthesized.stack(STACK))
    for key in FUNCTION_KEYS:
        function = FunctionInStack(view, key)
        missing = sorted(function.service_side(key) - function.grants())
        assert missing == [], f"{key}: service-side entries the role does not grant: {missing}"
    assert all(why.strip() for entries in SERVICE_SIDE.values() for _, _, why in entries)


def test_the_comparison_catches_denied_and_unused_grants(synthesized: SynthesizedApp) -> None:
    view = StackView(STACK, synthesized.stack(STACK))
    function = FunctionInStack(view, "notifier")
    calls = [
        {"action": "sns:Publish", "resource_variable": "ALERT_TOPIC_ARN"},
        {"action": "dynamodb:Scan", "resource_variable": "IDEMPOTENCY_TABLE_NAME"},
    ]
    denied, unused = _compare("notifier", calls, function)
    assert [d.split(" on ")[0] for d in denied] == ["dynamodb:Scan"]
    assert sorted(u.split(" on ")[0] for u in unused) == ["dynamodb:DeleteItem", "dynamodb:PutItem",
                                                          "dynamodb:UpdateItem"]


def test_the_analyzers_recording_covers_its_batched_reads_and_its_transactional_write_back(
    recorded: dict[str, list[dict[str, Any]]],
) -> None:
    # BatchGetItem names its tables in RequestItems and TransactWriteItems is authorized per contained
    # action: both must reach the comparison as the (action, table) pairs IAM evaluates.
    calls = {(c["action"], c["resource_variable"]) for c in recorded["fraud_analyzer"]}
    assert {
        ("dynamodb:BatchGetItem", "MERCHANT_COUNTERS_TABLE_NAME"),
        ("dynamodb:UpdateItem", "MERCHANT_COUNTERS_TABLE_NAME"),
        ("dynamodb:UpdateItem", "TABLE_NAME"),
    } <= calls
    assert not any(action == "dynamodb:GetItem" for action, _ in calls)  # the stored item comes back with the write
