"""Fixtures shared by every function's handler tests: fake credentials, a Lambda context.

Every AWS call the functions' code makes during these tests is recorded per function
(tests/security/iam_recorder.py) and, when all handler tests ran and passed, written to
build/iam-calls.json; tests/security/test_least_privilege.py compares it with the functions' roles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from tests.security.iam_recorder import HANDLER_TEST_DIRS, RECORDER, install

# Before any test module creates a boto3 session or client.
install()


def _handler_test(nodeid: str) -> bool:
    return nodeid.startswith(tuple(d + "/" for d in HANDLER_TEST_DIRS))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember which handler tests this session runs (the recording is complete only if all do)."""
    RECORDER.collected = {item.nodeid for item in session.items if _handler_test(item.nodeid)}


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    """A handler test left out by -k, -m or --deselect makes the recording partial."""
    if any(_handler_test(item.nodeid) for item in items):
        RECORDER.narrowed = True


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count passed handler tests."""
    if report.when == "call" and report.passed and _handler_test(report.nodeid):
        RECORDER.passed.add(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write build/iam-calls.json, but only from a complete recording (never a partial one)."""
    del session
    if RECORDER.complete:
        RECORDER.write()


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region so no test can reach a real account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "FraudDetection")


@dataclass
class FakeLambdaContext:
    """The attributes Powertools reads from a Lambda context object."""

    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2026/11/22/[$LATEST]test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    """A Lambda context like the one the runtime passes to a handler."""
    return FakeLambdaContext()
