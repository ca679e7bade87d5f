"""Records every AWS API call the functions' code makes while their handler tests run under moto.

A botocore `before-parameter-build` handler (it sees the call's own parameters) is added to
botocore's built-in handlers, so every session (and so every client) created afterwards carries it.
Each call is attributed to the function whose code is on the Python stack (a frame under
functions/<function>/); calls made by test fixtures (creating tables, seeding items) have no such
frame and are not recorded. For each call the recorder keeps the IAM action and which of the
function's environment variables named the resource (TABLE_NAME, FRAUD_QUEUE_URL, ...), so the
call can be matched against the role's statements on the stack's ARNs.

tests/security/function_exercise.py installs it and runs every handler under `recording()`;
tests/security/test_least_privilege.py compares the recording with the roles.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FUNCTION_KEYS = ("transaction_api", "fraud_analyzer", "notifier", "report_generator")
FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"
OUTPUT = Path(__file__).resolve().parents[2] / "build" / "iam-calls.json"

# Operations whose IAM action is not `<prefix>:<OperationName>`.
_ACTION_OF = {
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
    ("sns", "PublishBatch"): "sns:Publish",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
}
# TransactWriteItems is authorized per item: each operation of the transaction needs its own action.
_TRANSACTION_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# Batch operations name their tables as the keys of RequestItems, one authorization per table.
_BATCH_OPERATIONS = {"BatchGetItem", "BatchWriteItem"}
# Service ids whose IAM prefix differs.
_PREFIX_OF = {"monitoring": "cloudwatch", "logs": "logs", "events": "events"}
# Request parameters that name the resource a call acts on.
_RESOURCE_PARAMS = ("TableName", "QueueUrl", "TopicArn", "Bucket", "KeyId")


@dataclass(frozen=True, order=True)
class Call:
    """One kind of call: action, the environment variable naming its resource, index or key prefix."""

    action: str
    """IAM action, e.g. dynamodb:Query."""
    resource_variable: str
    """The function's environment variable whose value named the resource ("" when none did)."""
    index: str = ""
    """DynamoDB index queried, if any."""
    key: str = ""
    """S3 object key written or read, if any."""

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class Recorder:
    """Calls per function."""

    calls: dict[str, Counter[Call]] = field(default_factory=lambda: {k: Counter() for k in FUNCTION_KEYS})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, function: str, call: Call) -> None:
        """Count one call of `function`."""
        with self.lock:
            self.calls[function][call] += 1

    def as_json(self) -> dict[str, Any]:
        """Per function: each kind of call with its count, sorted."""
        return {
            function: [{**call.as_dict(), "count": count} for call, count in sorted(counter.items())]
            for function, counter in self.calls.items()
        }

    def write(self, path: Path = OUTPUT) -> None:
        """Write the calls as JSON (the README's figures come from this file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), indent=2, sort_keys=True) + "\n")


_active: Recorder | None = None
_installed = False


@contextmanager
def recording() -> Iterator[Recorder]:
    """Record the functions' calls made inside the block into a fresh recorder (and only there)."""
    global _active
    recorder, previous = Recorder(), _active
    _active = recorder
    try:
        yield recorder
    finally:
        _active = previous


@functools.cache
def _function_of_file(filename: str) -> str | None:
    """The function package a source file belongs to (absolute path under functions/<function>/)."""
    path = Path(os.path.abspath(filename))
    if FUNCTIONS_DIR not in path.parents:
        return None
    package = path.relative_to(FUNCTIONS_DIR).parts[0]
    return package if package in FUNCTION_KEYS else None


def _calling_function() -> str | None:
    frame = sys._getframe(2)
    while frame is not None:
        function = _function_of_file(frame.f_code.co_filename)
        if function:
            return function
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _resource_variable(params: dict[str, Any]) -> str:
    for name in _RESOURCE_PARAMS:
        value = params.get(name)
        if value is None:
            continue
        matches = sorted(var for var, env_value in os.environ.items() if env_value == value and var.isupper())
        return matches[0] if matches else f"<unnamed {name}={value}>"
    return ""


def _before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
    recorder = _active
    if recorder is None:
        return  # not inside recording()
    function = _calling_function()
    if function is None:
        return  # a fixture or the test itself, not the function's code
    service = model.service_model.service_name
    if (service, model.name) == ("dynamodb", "TransactWriteItems"):
        for entry in params.get("TransactItems", []):
            for kind, operation in entry.items():
                recorder.record(function, Call(_TRANSACTION_ACTIONS[kind], _resource_variable(operation)))
        return
    if service == "dynamodb" and model.name in _BATCH_OPERATIONS:
        for table in params.get("RequestItems", {}):
            recorder.record(function, Call(f"dynamodb:{model.name}", _resource_variable({"TableName": table})))
        return
    prefix = _PREFIX_OF.get(service, service)
    action = _ACTION_OF.get((prefix, model.name), f"{prefix}:{model.name}")
    key = str(params.get("Key", "")) if prefix == "s3" else ""
    recorder.record(function, Call(action, _resource_variable(params), str(params.get("IndexName", "")), key))


def install() -> None:
    """Register the hook for every botocore session created from now on (idempotent)."""
    global _installed
    if _installed:
        return
    import boto3
    from botocore.handlers import BUILTIN_HANDLERS

    BUILTIN_HANDLERS.append(("before-parameter-build.*.*", _before_call))
    # A default session created before the hook was added would not carry it.
    boto3.DEFAULT_SESSION = None
    _installed = True
