"""Data access to the alert topic."""

from __future__ import annotations

from typing import Any

from fraudlib.alert_message import FraudAlertMessage

from notifier.alert import build_message, build_subject


class AlertPublisher:
    """Publishes fraud alerts to one SNS topic."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, alert: FraudAlertMessage) -> str:
        """Publish one alert; returns the SNS message id. Errors propagate so the message is retried."""
        response = self._client.publish(
            TopicArn=self._topic_arn,
            Subject=build_subject(alert),
            Message=build_message(alert),
            MessageAttributes=alert.attributes(),
        )
        return str(response["MessageId"])
