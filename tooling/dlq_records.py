"""What a dead-letter queue message is: the four kinds of failure the pipeline's DLQ collects, by shape.

The one DLQ receives:
- alert messages the fraud queue gave up on (its redrive policy): the analyzer's message body as sent,
  a JSON object naming the transaction and its decision;
- stream batch failures: Lambda's on-failure destination record for a stream source, whose
  `DDBStreamBatchInfo` names the shard, the sequence-number range and the arrival times (the records
  themselves are not in it);
- undeliverable schedule events: the EventBridge event itself, with the message attributes
  ERROR_CODE, ERROR_MESSAGE, RULE_ARN and TARGET_ARN;
- asynchronous invocation failures: Lambda's on-failure destination record with `requestContext`
  (functionArn, condition, approximateInvokeCount) and the `requestPayload` to run again.

Anything else is `Malformed`: reported with the reason, never deleted. Alert bodies are read as JSON
and recognized by shape (a transaction id and a decision), not by a model of this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tooling.lambda_service.service import function_name_of

ALERT = "alert"
STREAM = "stream"
SCHEDULE = "schedule"
ASYNC = "async"
MALFORMED = "malformed"
KINDS = (ALERT, STREAM, SCHEDULE, ASYNC, MALFORMED)
"""Every kind, in the order they are listed."""


@dataclass(frozen=True)
class DlqMessage:
    """One received DLQ message (what ReceiveMessage returns, with its attributes)."""

    message_id: str
    receipt_handle: str
    body: str
    attributes: Mapping[str, str]
    """Message attributes as plain strings (ERROR_CODE, RULE_ARN, decision, ...)."""
    receive_count: int
    message_attributes: Mapping[str, Any]
    """Message attributes as SQS gives them (DataType, StringValue): what a resend carries over."""

    @classmethod
    def from_sqs(cls, message: Mapping[str, Any]) -> DlqMessage:
        """From a ReceiveMessage message received with AttributeNames and MessageAttributeNames "All"."""
        return cls(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message.get("Body", ""),
            attributes={k: str(v.get("StringValue", "")) for k, v in message.get("MessageAttributes", {}).items()},
            receive_count=int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0)),
            message_attributes=dict(message.get("MessageAttributes", {})),
        )


@dataclass(frozen=True)
class AlertFailure:
    """An alert message the notifier could not deliver: resent to the fraud queue as is."""

    message: DlqMessage
    transaction_id: str
    decision: str
    kind: str = ALERT

    def describe(self) -> str:
        """One line for the listing."""
        return f"{self.transaction_id} ({self.decision}), received {self.message.receive_count}x"


@dataclass(frozen=True)
class StreamFailure:
    """A stream batch the analyzer gave up on: where it was, not what it held."""

    message: DlqMessage
    function_arn: str
    condition: str
    shard_id: str
    start_sequence: str
    end_sequence: str
    first_arrival: datetime
    last_arrival: datetime
    batch_size: int
    stream_arn: str
    kind: str = STREAM

    def describe(self) -> str:
        """One line for the listing."""
        return (f"shard {self.shard_id} sequence {self.start_sequence}..{self.end_sequence} "
                f"({self.batch_size} records, arrived {self.first_arrival:%Y-%m-%dT%H:%M:%SZ}.."
                f"{self.last_arrival:%H:%M:%SZ}), {self.condition}")


@dataclass(frozen=True)
class ScheduleFailure:
    """A scheduled event EventBridge could not deliver to its target."""

    message: DlqMessage
    event: dict[str, Any]
    rule_arn: str
    target_arn: str
    error: str
    kind: str = SCHEDULE

    def describe(self) -> str:
        """One line for the listing."""
        return f"rule {self.rule_arn.rsplit('/', 1)[-1]} at {self.event.get('time', '?')}: {self.error}"


@dataclass(frozen=True)
class AsyncFailure:
    """An asynchronous invocation that exhausted its retries: the payload to run again."""

    message: DlqMessage
    function_arn: str
    condition: str
    invoke_count: int
    payload: Any
    error: str
    kind: str = ASYNC

    def describe(self) -> str:
        """One line for the listing."""
        name = function_name_of(self.function_arn)
        return f"{name}: {self.condition} after {self.invoke_count} attempts ({self.error})"


@dataclass(frozen=True)
class Malformed:
    """A message of no known shape: reported, left where it is."""

    message: DlqMessage
    reason: str
    kind: str = MALFORMED

    def describe(self) -> str:
        """One line for the listing."""
        preview = self.message.body[:80].replace("\n", " ")
        return f"{self.message.message_id}: {self.reason}: {preview!r}"


DlqRecord = AlertFailure | StreamFailure | ScheduleFailure | AsyncFailure | Malformed


def classify(message: DlqMessage) -> DlqRecord:
    """The kind of failure `message` records (Malformed, with the reason, when none fits)."""
    try:
        body = json.loads(message.body)
    except ValueError as exc:
        return Malformed(message, f"not JSON ({exc})")
    if not isinstance(body, dict):
        return Malformed(message, f"a JSON {type(body).__name__}, not an object")
    try:
        if "DDBStreamBatchInfo" in body:
            return _stream(message, body)
        if "requestContext" in body and "requestPayload" in body:
            return _async(message, body)
        if "RULE_ARN" in message.attributes or ("detail-type" in body and "source" in body):
            return _schedule(message, body)
        transaction_id = _transaction_id(body)
        if transaction_id and "decision" in body:
            return AlertFailure(message, transaction_id, str(body["decision"]))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        return Malformed(message, f"incomplete {type(exc).__name__}: {exc}")
    return Malformed(message, "no known shape (alert, stream failure, schedule event, async failure)")


def _transaction_id(body: Mapping[str, Any]) -> str | None:
    """The alerted transaction: at the top level, or under "transaction" in a nested alert."""
    nested = body.get("transaction")
    value = body.get("transaction_id") or (nested.get("transaction_id") if isinstance(nested, Mapping) else None)
    return str(value) if value else None


def _stream(message: DlqMessage, body: Mapping[str, Any]) -> StreamFailure:
    info = body["DDBStreamBatchInfo"]
    context = body.get("requestContext", {})
    first = parse_instant(info["approximateArrivalOfFirstRecord"])
    last = parse_instant(info.get("approximateArrivalOfLastRecord") or info["approximateArrivalOfFirstRecord"])
    return StreamFailure(
        message=message,
        function_arn=str(context.get("functionArn", "")),
        condition=str(context.get("condition", "")),
        shard_id=str(info["shardId"]),
        start_sequence=str(info["startSequenceNumber"]),
        end_sequence=str(info["endSequenceNumber"]),
        first_arrival=first,
        last_arrival=last,
        batch_size=int(info.get("batchSize", 0)),
        stream_arn=str(info.get("streamArn", "")),
    )


def _async(message: DlqMessage, body: Mapping[str, Any]) -> AsyncFailure:
    context = body["requestContext"]
    response = body.get("responsePayload")
    error = (f"{response.get('errorType', 'Error')}: {response.get('errorMessage', '')}"
             if isinstance(response, Mapping) else str(body.get("responseContext", {}).get("functionError", "")))
    function_name_of(str(context["functionArn"]))  # an ARN too short to name a function is malformed
    return AsyncFailure(
        message=message,
        function_arn=str(context["functionArn"]),
        condition=str(context.get("condition", "")),
        invoke_count=int(context.get("approximateInvokeCount", 0)),
        payload=body["requestPayload"],
        error=error,
    )


def _schedule(message: DlqMessage, body: dict[str, Any]) -> ScheduleFailure:
    rule_arn = message.attributes.get("RULE_ARN") or (body.get("resources") or [""])[0]
    target_arn = message.attributes["TARGET_ARN"]
    error = f"{message.attributes.get('ERROR_CODE', '?')}: {message.attributes.get('ERROR_MESSAGE', '')}"
    return ScheduleFailure(message, body, str(rule_arn), target_arn, error)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant as Lambda writes it ("2026-11-30T17:00:00.000Z") or Python does ("+00:00")."""
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment
