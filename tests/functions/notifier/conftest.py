"""Fixtures for the notifier: a mocked alert topic with a subscribed queue, the idempotency table."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.functions.tables import create_idempotency_table

IDEMPOTENCY_TABLE = "fraud-test-idempotency"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Mocked AWS: the alert topic, a queue subscribed to it (not raw: SNS envelopes), idempotency table."""
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        topic_arn = sns.create_topic(Name="fraud-test-alerts")["TopicArn"]
        inbox_url = sqs.create_queue(QueueName="alert-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=inbox_arn)
        create_idempotency_table(boto3.client("dynamodb", region_name="us-east-1"), IDEMPOTENCY_TABLE)
        monkeypatch.setenv("ALERT_TOPIC_ARN", topic_arn)
        monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", IDEMPOTENCY_TABLE)
        yield {"topic_arn": topic_arn, "inbox_url": inbox_url}


@pytest.fixture
def app(aws: dict[str, Any]) -> Iterator[ModuleType]:
    """The handler module with fresh settings and clients (they are cached per container)."""
    from notifier import app as module
    from notifier.settings import load_settings

    def clear() -> None:
        load_settings.cache_clear()
        module._publish_once.cache_clear()

    clear()
    yield module
    clear()
