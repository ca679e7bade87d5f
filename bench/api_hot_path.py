"""Warm transaction API: time per POST /transactions with DynamoDB answered in memory.

A worker process imports the handler as deployed (tracing on, X-Ray segments sent over UDP to a
local socket nobody reads, logs and metrics written to /dev/null), puts a botocore Stubber on the
function's DynamoDB client - so parameter validation and serialization still run, only the HTTP
round trip is skipped - warms up, then times each handler call. Two request shapes, alternating in
blocks: a client-supplied transaction_id (one TransactWriteItems: the id marker and the record,
both conditional) and no id (one conditional put). The figure is the CPU time of the handling
thread (what the request costs, whatever the neighbours do); wall time is in the detail.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import (
    FUNCTIONS_DIR,
    PYTHON,
    REPO_ROOT,
    Figure,
    SectionResult,
    percentile,
    run_checked,
)
from bench.lambda_env import function_env

SECTION = "warm API"
TARGET_CPU_P99_MS = {"client id": 1.5, "no id": 1.0}
WARMUP_CALLS = 500
MEASURED_CALLS = 3000
BLOCK = 250

_BODY = {
    "transaction_id": "txn-0001",
    "amount": "125.50",
    "currency": "EUR",
    "customer_id": "cust-42",
    "merchant_id": "merch-7",
    "merchant_category": "5411",
    "country": "DE",
    "channel": "pos",
    "device_id": "dev-9",
    "ip_address": "203.0.113.10",
    "latitude": 52.520008,
    "longitude": 13.404954,
}
# DynamoDB operations one POST makes, in order, and the canned answers.
_CALLS = {
    "client id": [("transact_write_items", {})],
    "no id": [("put_item", {})],
}
_SHAPES = {"client id": "1 TransactWriteItems", "no id": "1 PutItem"}


_WHY = (
    "one DynamoDB call costs about 0.3-0.4 ms of CPU in botocore alone (parameter validation, serialization, "
    "endpoint resolution, user agent; SigV4 signing comes on top in AWS) plus an X-Ray subsegment; the rest is "
    "Powertools' resolver, logging and metrics, and the request's validation"
)


class _Context:
    """The attributes Powertools reads from a Lambda context object."""

    function_name = "fraud-transaction-api-dev"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:fraud-transaction-api-dev"
    aws_request_id = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    log_group_name = "/aws/lambda/fraud-transaction-api-dev"
    log_stream_name = "2026/01/01/[$LATEST]bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _event(body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Host": "abc123def4.execute-api.us-east-1.amazonaws.com"}
    return {
        "resource": "/transactions",
        "path": "/transactions",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/transactions", "httpMethod": "POST", "path": "/v1/transactions",
            "accountId": "123456789012", "stage": "v1", "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "198.51.100.7"}, "apiId": "abc123def4",
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=1"


def _worker(out: Path) -> None:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the "X-Ray daemon": receives nothing
    sink.bind(("127.0.0.1", 0))
    env = function_env("transaction_api", str(FUNCTIONS_DIR / "transaction_api"))
    env["AWS_XRAY_DAEMON_ADDRESS"] = f"127.0.0.1:{sink.getsockname()[1]}"
    # Dummy credentials: requests are never sent, but nothing may look for real ones either.
    env |= {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
    os.environ.clear()
    os.environ.update(env)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Powertools binds its log handler to it at import
    sys.path.insert(0, str(FUNCTIONS_DIR))
    from botocore.stub import Stubber
    from transaction_api import app, dependencies

    stubber = Stubber(dependencies.dynamodb_client())
    stubber.activate()
    context = _Context()
    no_id = {k: v for k, v in _BODY.items() if k != "transaction_id"}
    templates = {"client id": _event(_BODY), "no id": _event(no_id)}
    samples: dict[str, list[int]] = {name: [] for name in templates}
    cpu: dict[str, list[int]] = {name: [] for name in templates}
    statuses: dict[str, dict[int, int]] = {name: {} for name in templates}

    def block(name: str, calls: int, keep: bool) -> None:
        events = [copy.deepcopy(templates[name]) for _ in range(calls)]
        traces = [_trace_id() for _ in range(calls)]
        for _ in range(calls):
            for operation, response in _CALLS[name]:
                stubber.add_response(operation, response)
        for event, trace in zip(events, traces, strict=True):
            os.environ["_X_AMZN_TRACE_ID"] = trace
            started, cpu_started = time.perf_counter_ns(), time.thread_time_ns()
            response = app.handler(event, context)
            elapsed, cpu_elapsed = time.perf_counter_ns() - started, time.thread_time_ns() - cpu_started
            if keep:
                samples[name].append(elapsed)
                cpu[name].append(cpu_elapsed)
                statuses[name][response["statusCode"]] = statuses[name].get(response["statusCode"], 0) + 1
        stubber.assert_no_pending_responses()

    for name in templates:
        block(name, WARMUP_CALLS, keep=False)
    for _ in range(MEASURED_CALLS // BLOCK):
        for name in templates:
            block(name, BLOCK, keep=True)
    load = [round(x, 2) for x in os.getloadavg()]
    out.write_text(json.dumps({"samples_ns": samples, "cpu_ns": cpu, "statuses": statuses, "load_after": load}))


def measure(work: Path) -> SectionResult:
    """Run the worker; p50/p99 per request shape."""
    out = work / "api-hot-path.json"
    run_checked([PYTHON, "-m", "bench.api_hot_path", str(out)], env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    result = json.loads(out.read_text())
    figures = []
    raw: dict[str, Any] = {"statuses": result["statuses"], "load_after": result["load_after"], "ms": {}, "cpu_ms": {}}
    for name, values in result["samples_ns"].items():
        ordered = sorted(v / 1e6 for v in values)
        p50, p99 = percentile(ordered, 0.50), percentile(ordered, 0.99)
        cpu = sorted(v / 1e6 for v in result["cpu_ns"][name])
        cpu_p50, cpu_p99 = percentile(cpu, 0.50), percentile(cpu, 0.99)
        raw["cpu_ms"][name] = {"p50": round(cpu_p50, 3), "p99": round(cpu_p99, 3)}
        raw["ms"][name] = {
            "p50": round(p50, 3), "p90": round(percentile(ordered, 0.90), 3), "p99": round(p99, 3),
            "max": round(ordered[-1], 3), "mean": round(sum(ordered) / len(ordered), 3), "n": len(ordered),
        }
        target = TARGET_CPU_P99_MS[name]
        figures.append(
            Figure(
                SECTION, f"POST /transactions CPU p99, {name} ({_SHAPES[name]})", round(cpu_p99, 2), "ms", target,
                detail=(
                    f"CPU time of the handling thread p50 {cpu_p50:.2f} ms; wall p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
                    f"max {ordered[-1]:.1f} ms (wall includes the time a busy neighbour takes); n={len(ordered)}, "
                    f"HTTP statuses {result['statuses'][name]}, load average after {result['load_after'][0]}"
                ),
                note="" if cpu_p99 <= target else _WHY,
            )
        )
    return SectionResult(figures, raw)


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
