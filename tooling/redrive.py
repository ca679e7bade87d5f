"""List the dead-letter queue by kind of failure, and move what can be moved back into the pipeline.

Listing never consumes: messages are received with a short visibility timeout, made visible again at
once, and never deleted; messages another consumer holds are counted as in flight, not listed.

Moving (`apply`) handles each kind its own way, always acting first and deleting the DLQ message only
after the action succeeded, so a crash between the two leaves the message where it was:
- alert messages are sent back to the fraud queue with their body and attributes unchanged; a second
  send of the same alert (a crash after the send, before the delete) is harmless because the notifier
  publishes at most once per transaction id (Powertools idempotency keyed on `transaction_id`, 24 h);
- stream failures are re-driven from the table: the stream's records are gone, so the transactions
  written in the batch's arrival window and not yet scored (no `scored_at`) are read back and the
  analyzer is invoked with a stream-shaped event (INSERT records with NewImage) built from them; the
  message is deleted once every one of them is scored. When the window holds transactions and every
  one of them is already scored (a later redelivery or redrive scored them, or the failed record was
  no transaction at all, such as a corrupt image), the failure is resolved: reported as such and
  deleted. It is kept when the window holds no transaction at all. Items without `received_at`
  (written by something other than the API) cannot be placed in any window: unscored ones are named
  in the report, for a person to look at, but do not hold the record back;
- schedule events are delivered again to their target function;
- asynchronous failures are invoked again with their request payload.
Only the deployment's own functions are invoked. What could not be moved stays in the DLQ, with the
reason printed; malformed messages are reported and left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from fraudlib.transaction_item import is_marker_key  # functions/ on the path, as in the functions' packages

from tooling.dlq_records import (
    ALERT,
    ASYNC,
    KINDS,
    MALFORMED,
    SCHEDULE,
    STREAM,
    AlertFailure,
    AsyncFailure,
    DlqMessage,
    DlqRecord,
    Malformed,
    ScheduleFailure,
    StreamFailure,
    classify,
    parse_instant,
)
from tooling.lambda_service.events import dynamodb_stream_record
from tooling.lambda_service.service import function_name_of

PEEK_VISIBILITY_SECONDS = 30
"""How long a listed message stays hidden while the listing pages through the queue (it is made visible
again as soon as the listing is complete; nothing but this tool consumes the DLQ)."""
WORK_VISIBILITY_SECONDS = 300
"""How long a message being moved stays hidden: longer than the slowest re-invocation."""
ARRIVAL_SLACK = timedelta(seconds=5)
"""Widening of a failed batch's arrival window: DynamoDB rounds arrival times to the second and the
API stamps `received_at` a little before the write. Unscored items caught by the margin are items the
analyzer has not scored either, so scoring them is what should happen anyway."""
DEFAULT_STREAM_BATCH = 10
ANALYZER_KEY = "fraud_analyzer"
"""The analyzer's key among the stack's `<key>_function_name` outputs."""

KIND_TITLES = {ALERT: "alert messages", STREAM: "stream failures", SCHEDULE: "schedule events",
               ASYNC: "async invocation failures", MALFORMED: "malformed messages"}


@dataclass(frozen=True)
class Invoked:
    """The outcome of one synchronous invocation."""

    ok: bool
    payload: Any = None
    error: str | None = None


class Invoker(Protocol):
    """Runs a deployed function synchronously (Lambda's Invoke, or the played service locally)."""

    def invoke(self, function_name: str, event: Any) -> Invoked:
        """Invoke `function_name` (a name or ARN) with `event`; a function error is not ok."""
        ...


@dataclass(frozen=True)
class RedriveTargets:
    """Where things go: the deployment's queues, table and functions (from its Terraform outputs)."""

    dlq_url: str
    fraud_queue_url: str
    table_name: str
    functions: Mapping[str, str]
    """Function key (fraud_analyzer, notifier, ...) -> deployed function name."""

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any]) -> RedriveTargets:
        """From the pipeline stack's outputs (dlq_url, fraud_queue_url, table_name, <key>_function_name)."""
        missing = [name for name in ("dlq_url", "fraud_queue_url", "table_name") if not outputs.get(name)]
        if missing:
            raise LookupError(f"the stack's outputs lack {', '.join(missing)}")
        suffix = "_function_name"
        return cls(
            dlq_url=str(outputs["dlq_url"]),
            fraud_queue_url=str(outputs["fraud_queue_url"]),
            table_name=str(outputs["table_name"]),
            functions={k[: -len(suffix)]: str(v) for k, v in outputs.items() if k.endswith(suffix)},
        )

    def own_function(self, name_or_arn: str) -> str | None:
        """The deployment's function `name_or_arn` designates (name, ARN or qualified ARN), else None."""
        try:
            name = function_name_of(name_or_arn)
        except IndexError:  # "arn:..." too short to name a function
            return None
        return name if name and name in self.functions.values() else None


@dataclass(frozen=True)
class DlqListing:
    """What the DLQ holds right now."""

    records: list[DlqRecord]
    in_flight: int
    """Messages hidden by another consumer when the listing was made (not listed)."""

    def by_kind(self) -> dict[str, list[DlqRecord]]:
        """Records grouped by kind, in KINDS order, empty kinds left out."""
        groups: dict[str, list[DlqRecord]] = {}
        for kind in KINDS:
            members = [r for r in self.records if r.kind == kind]
            if members:
                groups[kind] = members
        return groups

    def render(self, dlq_url: str) -> str:
        """The listing as printed."""
        lines = [f"{dlq_url}: {len(self.records)} message{'s' if len(self.records) != 1 else ''} listed, "
                 f"{self.in_flight} in flight (held by a consumer, not listed)"]
        for kind, members in self.by_kind().items():
            lines.append(f"{KIND_TITLES[kind]} ({len(members)}):")
            lines.extend(f"  {record.describe()}" for record in members)
        return "\n".join(lines)


@dataclass(frozen=True)
class Outcome:
    """What became of one DLQ message."""

    record: DlqRecord
    moved: bool
    """Whether it left the DLQ (moved back, or resolved)."""
    detail: str
    resolved: bool = False
    """It left the DLQ with nothing to move: what it recorded had already been done."""


@dataclass(frozen=True)
class Resolved:
    """A handler's answer when the failure needs nothing more (the message is deleted all the same)."""

    detail: str


@dataclass
class RedriveReport:
    """Every message looked at by `apply`."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def moved(self) -> list[Outcome]:
        """The messages that left the DLQ."""
        return [o for o in self.outcomes if o.moved]

    @property
    def resolved(self) -> list[Outcome]:
        """The messages deleted because what they recorded had already been done."""
        return [o for o in self.outcomes if o.resolved]

    @property
    def kept(self) -> list[Outcome]:
        """The messages left in the DLQ, with the reason."""
        return [o for o in self.outcomes if not o.moved]

    def render(self) -> str:
        """What moved and what could not, as printed."""
        lines = [f"moved {len(self.moved) - len(self.resolved)}, resolved {len(self.resolved)}, "
                 f"left in the DLQ {len(self.kept)}"]
        lines.extend(f"  {'resolved' if o.resolved else 'moved':<8} {KIND_TITLES[o.record.kind]}: "
                     f"{o.record.describe()} -> {o.detail}" for o in self.moved)
        lines.extend(f"  KEPT     {KIND_TITLES[o.record.kind]}: {o.record.describe()}: {o.detail}" for o in self.kept)
        return "\n".join(lines)


def _receive_batch(sqs: Any, queue_url: str, visibility_seconds: int) -> list[DlqMessage]:
    """Up to ten visible messages, hidden for `visibility_seconds`."""
    batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                VisibilityTimeout=visibility_seconds, AttributeNames=["All"],
                                MessageAttributeNames=["All"]).get("Messages", [])
    return [DlqMessage.from_sqs(m) for m in batch]


def _receive_all(sqs: Any, queue_url: str, visibility_seconds: int) -> list[DlqMessage]:
    """Every message visible now, each received once (hidden for `visibility_seconds`)."""
    seen: dict[str, DlqMessage] = {}
    while fresh := [m for m in _receive_batch(sqs, queue_url, visibility_seconds) if m.message_id not in seen]:
        seen.update((m.message_id, m) for m in fresh)
    return list(seen.values())


def _release(sqs: Any, queue_url: str, messages: Iterable[DlqMessage]) -> None:
    """Make messages visible again at once (left in the queue)."""
    for message in messages:
        try:
            sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=message.receipt_handle,
                                          VisibilityTimeout=0)
        except ClientError:  # its visibility already ended (a long run): it is visible anyway
            continue


def _in_flight(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url,
                                          AttributeNames=["ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))


def list_dlq(sqs: Any, dlq_url: str) -> DlqListing:
    """What the DLQ holds, classified; nothing is consumed."""
    in_flight = _in_flight(sqs, dlq_url)
    messages = _receive_all(sqs, dlq_url, PEEK_VISIBILITY_SECONDS)
    _release(sqs, dlq_url, messages)
    return DlqListing([classify(m) for m in messages], in_flight)


@dataclass(frozen=True)
class Selection:
    """Which messages `apply` moves: some kinds, optionally only some transactions' alerts."""

    kinds: frozenset[str] = frozenset({ALERT, STREAM, SCHEDULE, ASYNC})
    transaction_ids: frozenset[str] = frozenset()
    """When not empty, only alert messages of these transactions are moved."""
    skip_message_ids: frozenset[str] = frozenset()
    """Messages left alone (e.g. those the DLQ held before a test run)."""

    def wants(self, record: DlqRecord) -> bool:
        """Whether `record` is to be moved."""
        if record.kind not in self.kinds or record.message.message_id in self.skip_message_ids:
            return False
        return not (self.transaction_ids and isinstance(record, AlertFailure)
                    and record.transaction_id not in self.transaction_ids)


class Redriver:
    """Moves DLQ messages back into the pipeline (see the module docstring for each kind)."""

    def __init__(self, sqs: Any, dynamodb: Any, invoker: Invoker, targets: RedriveTargets) -> None:
        self._sqs = sqs
        self._dynamodb = dynamodb
        self._invoker = invoker
        self._targets = targets
        self._fifo = targets.fraud_queue_url.endswith(".fifo")
        self._handlers: dict[str, Callable[[Any], str | Resolved]] = {
            ALERT: self._resend_alert, STREAM: self._rescore_batch,
            SCHEDULE: self._refire_schedule, ASYNC: self._reinvoke,
        }

    def apply(self, selection: Selection = Selection()) -> RedriveReport:
        """Move every selected message; each is deleted only once its action succeeded.

        Messages are taken ten at a time and acted on at once, so a receipt is fresh when its message is
        deleted; what stays is kept hidden until the end of the run (so it is not taken twice), then made
        visible again.
        """
        report = RedriveReport()
        seen: set[str] = set()
        unmoved: list[DlqMessage] = []
        while True:
            batch = [m for m in _receive_batch(self._sqs, self._targets.dlq_url, WORK_VISIBILITY_SECONDS)
                     if m.message_id not in seen]
            if not batch:
                break
            for message in batch:
                seen.add(message.message_id)
                outcome = self._move(message, selection)
                if outcome is not None:
                    report.outcomes.append(outcome)
                if outcome is None or not outcome.moved:
                    unmoved.append(message)
        _release(self._sqs, self._targets.dlq_url, unmoved)
        return report

    def _move(self, message: DlqMessage, selection: Selection) -> Outcome | None:
        """Act on one message and delete it if that worked; None when it is not selected."""
        record = classify(message)
        if isinstance(record, Malformed) and message.message_id not in selection.skip_message_ids:
            return Outcome(record, False, record.reason)  # always reported: it needs a person
        if not selection.wants(record):
            return None
        try:
            done = self._handlers[record.kind](record)
        except (NotMoved, BotoCoreError, ClientError) as exc:
            return Outcome(record, False, str(exc))
        self._sqs.delete_message(QueueUrl=self._targets.dlq_url, ReceiptHandle=message.receipt_handle)
        if isinstance(done, Resolved):
            return Outcome(record, True, done.detail, resolved=True)
        return Outcome(record, True, done)

    # --- alert messages --------------------------------------------------------------------------

    def _resend_alert(self, record: AlertFailure) -> str:
        message = record.message
        request: dict[str, Any] = {"QueueUrl": self._targets.fraud_queue_url, "MessageBody": message.body}
        if message.message_attributes:
            request["MessageAttributes"] = {
                name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
                for name, value in message.message_attributes.items()
            }
        if self._fifo:  # a FIFO queue drops a resend of the same DLQ message within its 5-minute window
            request |= {"MessageGroupId": record.transaction_id, "MessageDeduplicationId": message.message_id}
        sent = self._sqs.send_message(**request)
        return f"fraud queue (message {sent['MessageId']})"

    # --- stream failures -------------------------------------------------------------------------

    def _rescore_batch(self, record: StreamFailure) -> str | Resolved:
        analyzer = self._own_function(record.function_arn or self._targets.functions.get(ANALYZER_KEY, ""))
        since, until = record.first_arrival - ARRIVAL_SLACK, record.last_arrival + ARRIVAL_SLACK
        window = self._window_items(since, until)
        items = window.unscored
        span = f"{since:%Y-%m-%dT%H:%M:%S}..{until:%H:%M:%S}Z"
        unplaceable = (f"; {window.unplaceable} unscored item(s) without received_at cannot be placed in "
                       "any window: look at them" if window.unplaceable else "")
        if not items:
            if window.scored:
                return Resolved(f"nothing to re-drive: the {window.scored} transaction"
                                f"{'s' if window.scored != 1 else ''} with received_at in {span} "
                                f"are all scored{unplaceable}")
            # Kept rather than assumed done: with nothing in the window there is nothing to judge by.
            raise NotMoved(f"no transaction with received_at in {span}{unplaceable} "
                           "(look for items without scored_at, then delete the message by hand)")
        key_names = self._key_names()
        region = record.stream_arn.split(":")[3] if record.stream_arn.count(":") >= 3 else ""
        size = max(1, min(record.batch_size or DEFAULT_STREAM_BATCH, 100))
        failed: list[str] = []
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            event = {"Records": [_insert_record(item, key_names, record, start + i, region)
                                 for i, item in enumerate(chunk)]}
            result = self._invoker.invoke(analyzer, event)
            if not result.ok:
                failed.extend(_id_of(item) for item in chunk)
                continue
            failures = (result.payload or {}).get("batchItemFailures", []) if isinstance(result.payload, dict) else []
            rejected = {f.get("itemIdentifier") for f in failures}
            failed.extend(_id_of(item) for i, item in enumerate(chunk)
                          if _sequence(record, start + i) in rejected)
        unscored = sorted(set(failed) | {_id_of(i) for i in items if not self._scored(i, key_names)})
        if unscored:
            raise NotMoved(f"analyzer left {len(unscored)} of {len(items)} unscored: {', '.join(unscored[:10])}")
        return f"{len(items)} transaction{'s' if len(items) != 1 else ''} scored: " + ", ".join(
            _id_of(i) for i in items[:10]) + (" ..." if len(items) > 10 else "")

    def _window_items(self, since: datetime, until: datetime) -> WindowItems:
        """The transactions whose `received_at` falls in [since, until], by a scan (the table has no
        index on arrival time): the unscored ones oldest first, the scored ones counted; and the count
        of unscored items without `received_at` anywhere in the table."""
        found: list[tuple[datetime, dict[str, Any]]] = []
        scored = unplaceable = 0
        paginator = self._dynamodb.get_paginator("scan")
        for page in paginator.paginate(TableName=self._targets.table_name, ConsistentRead=True):
            for item in page.get("Items", []):
                if is_marker(item):
                    continue
                received = _received_at(item)
                if received is None:
                    unplaceable += "scored_at" not in item
                elif since <= received <= until:
                    if "scored_at" in item:
                        scored += 1
                    else:
                        found.append((received, item))
        return WindowItems([item for _, item in sorted(found, key=lambda pair: pair[0])], scored, unplaceable)

    def _key_names(self) -> list[str]:
        table = self._dynamodb.describe_table(TableName=self._targets.table_name)["Table"]
        return [k["AttributeName"] for k in table["KeySchema"]]

    def _scored(self, item: Mapping[str, Any], key_names: Sequence[str]) -> bool:
        fresh = self._dynamodb.get_item(TableName=self._targets.table_name, ConsistentRead=True,
                                        Key={k: item[k] for k in key_names}).get("Item")
        return bool(fresh and "scored_at" in fresh)

    # --- schedule events and async failures ------------------------------------------------------

    def _refire_schedule(self, record: ScheduleFailure) -> str:
        function = self._own_function(record.target_arn)
        return self._run(function, record.event)

    def _reinvoke(self, record: AsyncFailure) -> str:
        function = self._own_function(record.function_arn)
        return self._run(function, record.payload)

    def _run(self, function: str, event: Any) -> str:
        result = self._invoker.invoke(function, event)
        if not result.ok:
            raise NotMoved(f"{function} failed again: {result.error}")
        return f"{function} ran: {json.dumps(result.payload, default=str)[:120]}"

    def _own_function(self, name_or_arn: str) -> str:
        function = self._targets.own_function(name_or_arn)
        if function is None:
            raise NotMoved(f"{name_or_arn or '(no function)'} is not a function of this deployment")
        return function


@dataclass(frozen=True)
class WindowItems:
    """What a stream failure's arrival window holds in the table."""

    unscored: list[dict[str, Any]]
    scored: int
    unplaceable: int
    """Unscored items without `received_at` (anywhere: they cannot be placed in time)."""


def is_marker(item: Mapping[str, Any]) -> bool:
    """Whether a raw table item is one of the API's id markers, not a transaction."""
    return is_marker_key(item.get("transaction_id", {}).get("S"))


class NotMoved(Exception):
    """The action for one message failed; the message stays in the DLQ."""


def _insert_record(item: Mapping[str, Any], key_names: Sequence[str], failure: StreamFailure, index: int,
                   region: str) -> dict[str, Any]:
    """A Lambda DynamoDB stream record (INSERT, NEW_IMAGE) for a stored item."""
    received = _received_at(item) or failure.first_arrival
    raw = {
        "eventID": f"redrive-{failure.message.message_id}-{index}",
        "eventName": "INSERT",
        "dynamodb": {
            "ApproximateCreationDateTime": int(received.timestamp()),
            "Keys": {k: item[k] for k in key_names},
            "NewImage": dict(item),
            "SequenceNumber": _sequence(failure, index),
            "SizeBytes": len(json.dumps(item, default=str)),
            "StreamViewType": "NEW_IMAGE",
        },
    }
    return dynamodb_stream_record(raw, failure.stream_arn, region)


def _sequence(failure: StreamFailure, index: int) -> str:
    """A sequence number unique within the rebuilt event (the analyzer reports failures by it)."""
    return str(int(failure.start_sequence) + index) if failure.start_sequence.isdigit() else f"{index:021d}"


def _id_of(item: Mapping[str, Any]) -> str:
    return str(item.get("transaction_id", {}).get("S", "?"))


def _received_at(item: Mapping[str, Any]) -> datetime | None:
    text = item.get("received_at", {}).get("S")
    if not text:
        return None
    try:
        return parse_instant(text)
    except ValueError:  # not an instant: an item this tool cannot place in time
        return None
