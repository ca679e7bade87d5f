"""Lambda entry point: score INSERT records of the transactions stream, queue review/block alerts.

Flow per batch: decode the INSERT records, read each distinct customer's history once and the
counters of every distinct merchant in bulk (the plan), then let the batch processor score and write
back record by record, then send the alerts of the batch in SendMessageBatch calls (the outbox). Any
record that fails at any step is reported by sequence number so the stream redelivers it; the others
are checkpointed. Per-id marker items of the transaction API share the table and its stream; they
are not transactions and are skipped.

Delivery guarantees. A stream record can be delivered more than once (a failed batch, a crash after
the write-back but before the alert was queued, a redrive). The score and the merchant's transaction
counter are written exactly once: one conditional transaction writes both, only while the item has
no `scored_at` (fraud_analyzer.store). Alerts are at least once: a redelivered record whose item is
already scored is neither scored nor counted again, but when its STORED decision is review or block
its alert is queued again, built from the stored score, because this code cannot know whether the
first delivery got as far as the queue. The notifier's idempotency (keyed on the transaction id)
drops such a copy within its window.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import DecimalException
from functools import cache, partial
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from fraudlib.alert_message import FraudAlertMessage
from fraudlib.pseudonym import Pseudonymizer
from fraudlib.scoring import Decision, evaluate
from fraudlib.tracing import TRACED_LIBRARIES
from fraudlib.transaction_item import TransactionItem, is_marker_key

from fraud_analyzer.merchant_reads import MerchantCounterReader
from fraud_analyzer.outbox import AlertOutbox
from fraud_analyzer.plan import BatchPlan
from fraud_analyzer.queue import FraudQueue
from fraud_analyzer.settings import load_settings
from fraud_analyzer.store import TransactionStore, WriteStatus

logger = Logger()
tracer = Tracer(patch_modules=TRACED_LIBRARIES)
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

_DECISION_METRICS = {
    Decision.APPROVE: "DecisionApprove",
    Decision.REVIEW: "DecisionReview",
    Decision.BLOCK: "DecisionBlock",
}


@cache
def _dynamodb() -> Any:
    # One client for both tables: each client costs its own endpoint and credential set-up at cold start.
    return boto3.client("dynamodb")


@cache
def _store() -> TransactionStore:
    settings = load_settings()
    return TransactionStore(_dynamodb(), settings.table_name, settings.customer_index_name,
                            settings.merchant_counters_table_name)


@cache
def _merchants() -> MerchantCounterReader:
    return MerchantCounterReader(_dynamodb(), load_settings().merchant_counters_table_name)


@cache
def _pseudonym() -> Pseudonymizer:
    # One GenerateMac per container; every identifier after that is hashed locally.
    return Pseudonymizer.from_kms(boto3.client("kms"), load_settings().pseudonym_key_id)


@cache
def _queue() -> FraudQueue:
    return FraudQueue(boto3.client("sqs"), load_settings().fraud_queue_url)


def _is_new_transaction(record: DynamoDBRecord) -> bool:
    try:
        if record.event_name != DynamoDBRecordEventName.INSERT:
            return False
    except ValueError:  # an event name this code does not know: certainly not an INSERT
        return False
    keys = record.dynamodb.keys if record.dynamodb else None
    return not is_marker_key((keys or {}).get("transaction_id"))


@tracer.capture_method
def _prepare(records: list[dict[str, Any]]) -> BatchPlan:
    settings = load_settings()
    plan = BatchPlan(settings.scoring, settings.history_window_days)
    for raw in records:
        record = DynamoDBRecord(raw)
        if not _is_new_transaction(record):
            continue
        sequence_number = str(record.dynamodb.sequence_number if record.dynamodb else None)
        try:
            image = record.dynamodb.new_image if record.dynamodb else None
        # What a corrupt image raises when decoded: a bad number, a bad type tag, a wrong shape.
        except (DecimalException, TypeError, ValueError, AttributeError, KeyError) as exc:
            plan.add_failure(sequence_number, ValueError(f"undecodable NewImage: {exc!r}"))
            continue
        plan.add_item(sequence_number, image or {})

    def on_error(customer_id: str, exc: Exception) -> None:
        logger.exception("History query failed", extra={"customer_pseudonym": _pseudonym()(customer_id)},
                         exc_info=exc)

    stats = plan.load_histories(_store().customer_history, on_error)
    metrics.add_metric(name="HistoryQueries", unit=MetricUnit.Count, value=stats.queries)
    if stats.failed_customers:
        metrics.add_metric(name="HistoryQueryFailures", unit=MetricUnit.Count, value=stats.failed_customers)
    if stats.malformed_items:
        logger.warning("Skipped malformed history items", extra={"count": stats.malformed_items})
    merchants = plan.load_merchants(_merchants().read)
    metrics.add_metric(name="MerchantCounterReads", unit=MetricUnit.Count, value=merchants.calls)
    if merchants.failures:
        first = next(iter(merchants.failures.values()))
        logger.error("Merchant counters read failed; their records will be retried",
                     extra={"merchants": len(merchants.failures)}, exc_info=first)
        metrics.add_metric(name="MerchantCounterReadFailures", unit=MetricUnit.Count, value=len(merchants.failures))
    return plan


@tracer.capture_method
def score_record(record: DynamoDBRecord, plan: BatchPlan, outbox: AlertOutbox) -> str:
    """Score one stream record, store the result on the item and hold an alert when suspicious."""
    if not _is_new_transaction(record):
        # The stream mapping filters on INSERT; this guards against our own MODIFY echoes and the
        # API's id markers anyway.
        return "ignored"
    sequence_number = str(record.dynamodb.sequence_number if record.dynamodb else None)
    inputs = plan.resolve(sequence_number)
    txn = inputs.transaction
    result = evaluate(txn, inputs.history, merchant=inputs.merchant)
    scored_at = datetime.now(UTC)
    written = _store().save_score(inputs.item, result, scored_at, inputs.merchant_key, inputs.counted_day)
    if written.status is WriteStatus.MISSING:
        logger.warning(
            "Transaction no longer exists; score not written", extra={"transaction_id": txn.transaction_id}
        )
        metrics.add_metric(name="ScoredItemMissing", unit=MetricUnit.Count, value=1)
        return "missing"
    if written.stored is not None:
        return _requeue_stored(sequence_number, written.stored, outbox)
    metrics.add_metric(name="TransactionsScored", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name=_DECISION_METRICS[result.decision], unit=MetricUnit.Count, value=1)
    logger.info(
        "Transaction scored",
        extra={
            "transaction_id": txn.transaction_id,
            "customer_pseudonym": _pseudonym()(txn.customer_id),
            "risk_score": result.risk_score,
            "decision": result.decision.value,
            "rules": [hit.rule for hit in result.reasons],
            "model_version": result.model_version,
        },
    )
    if result.decision is not Decision.APPROVE:
        outbox.add(sequence_number, FraudAlertMessage.for_scored(inputs.item, result, scored_at))
    return result.decision.value


def _requeue_stored(sequence_number: str, stored: TransactionItem, outbox: AlertOutbox) -> str:
    """A redelivered record whose transaction an earlier delivery scored and counted: the stored score
    stands; its alert is queued again when it needs one, since the first may never have been sent."""
    metrics.add_metric(name="AlreadyScored", unit=MetricUnit.Count, value=1)
    requeue = stored.decision is not None and stored.decision is not Decision.APPROVE
    logger.info(
        "Transaction already scored; stored score kept",
        extra={"transaction_id": stored.transaction_id, "decision": stored.decision and stored.decision.value,
               "alert_requeued": requeue},
    )
    if requeue:
        outbox.add(sequence_number, FraudAlertMessage.for_stored(stored))
        metrics.add_metric(name="AlertsRequeued", unit=MetricUnit.Count, value=1)
    return "already_scored"


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process a batch of DynamoDB stream records; returns the partial batch response."""
    records = event.get("Records") or []
    plan = _prepare(records)
    outbox = AlertOutbox()
    with processor(records, partial(score_record, plan=plan, outbox=outbox), lambda_context=context):
        processor.process()
    failures = list(processor.response()["batchItemFailures"])
    not_queued = outbox.flush(_queue().send)
    for sequence_number, reason in not_queued.items():
        logger.warning("Alert not queued; the record will be retried", extra={"sequence_number": sequence_number,
                                                                             "reason": reason})
        failures.append({"itemIdentifier": sequence_number})
    metrics.add_metric(name="AlertsQueued", unit=MetricUnit.Count, value=outbox.queued)
    if not_queued:
        metrics.add_metric(name="AlertQueueFailures", unit=MetricUnit.Count, value=len(not_queued))
    if failures:
        metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(failures))
    return {"batchItemFailures": failures}
