"""Lambda entry point: publish one SNS alert per fraud-queue message, at most once per transaction.

Failed publishes and malformed messages are reported as batch item failures: the queue redelivers
them, and after the queue's maximum receives they land in its dead-letter queue. The idempotency
record (keyed on transaction_id) is only kept once a publish has succeeded, so a failed publish
never blocks its own retry, while a duplicate of a sent alert is answered from the record.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any, cast

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from fraudlib.alert_message import FraudAlertMessage
from fraudlib.tracing import TRACED_LIBRARIES
from fraudlib.transaction_item import MalformedItemError

from notifier.publisher import AlertPublisher
from notifier.settings import IDEMPOTENCY_TTL_SECONDS, load_settings

logger = Logger()
tracer = Tracer(patch_modules=TRACED_LIBRARIES)
metrics = Metrics()
# Powertools' Logger is accepted where a logging.Logger is typed: it has the same warning() API.
processor = BatchProcessor(event_type=EventType.SQS, logger=cast(logging.Logger, logger))


def _on_duplicate(response: Any, idempotent_data: DataRecord) -> Any:
    # Called only when the result comes from the idempotency store, i.e. the alert was already sent.
    logger.info("Duplicate alert suppressed", extra={"idempotency_key": idempotent_data.idempotency_key})
    metrics.add_metric(name="DuplicateAlertsSuppressed", unit=MetricUnit.Count, value=1)
    return response


idempotency_config = IdempotencyConfig(
    event_key_jmespath="transaction_id",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
    response_hook=_on_duplicate,
)


@cache
def _publish_once() -> Any:
    """The idempotent publish, built on first use: the persistence layer creates a client at once."""
    settings = load_settings()
    publisher = AlertPublisher(boto3.client("sns"), settings.alert_topic_arn)
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table_name)

    @idempotent_function(
        data_keyword_argument="alert", persistence_store=persistence, config=idempotency_config
    )
    def publish_alert(alert: dict[str, Any]) -> dict[str, str]:
        message_id = publisher.publish(FraudAlertMessage.model_validate(alert))
        metrics.add_metric(name="AlertsPublished", unit=MetricUnit.Count, value=1)
        logger.info(
            "Alert published",
            extra={
                "transaction_id": alert["transaction_id"],
                "decision": alert["decision"],
                "sns_id": message_id,
            },
        )
        return {"message_id": message_id}

    return publish_alert


@tracer.capture_method
def record_handler(record: SQSRecord) -> dict[str, str]:
    """Publish the alert of one message; raises (-> batch item failure) when it cannot be sent."""
    try:
        alert = FraudAlertMessage.from_body(record.body)
    except MalformedItemError as exc:
        # Not retryable: log enough to find the message in the dead-letter queue.
        logger.error(
            "Malformed fraud-queue message; it will end in the dead-letter queue",
            extra={
                "message_id": record.message_id,
                "reason": str(exc),
                "receive_count": _receive_count(record),
            },
        )
        metrics.add_metric(name="MalformedMessages", unit=MetricUnit.Count, value=1)
        raise
    try:
        return _publish_once()(alert=alert.model_dump(mode="json", exclude_none=True))
    except Exception:
        metrics.add_metric(name="AlertPublishFailures", unit=MetricUnit.Count, value=1)
        logger.exception(
            "Alert not published; the message will be retried",
            extra={"message_id": record.message_id, "transaction_id": alert.transaction_id},
        )
        raise


def _receive_count(record: SQSRecord) -> str | None:
    return record.attributes.approximate_receive_count if record.attributes else None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process a batch of fraud-queue messages; returns the partial batch response."""
    # Lets the idempotency utility expire in-progress records with the invocation's deadline.
    idempotency_config.register_lambda_context(context)
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
