"""Drives the pipeline deployed in the local emulator end to end, with tooling.lambda_service playing Lambda.

`run_pipeline` posts the sample transactions through the API, drains the table's stream into the
analyzer and the fraud queue into the notifier, fires the daily schedule for the days the sample
covers, and summarizes what every hop produced. `LocalPipeline` exposes each step on its own for the
integration tests. Every resource is discovered from the emulator (mappings, routes, rules, the
functions' environments); nothing is looked up by name.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from tooling.lambda_service.api_gateway import ApiGatewayPlayer, ApiResponse
from tooling.lambda_service.checkpoints import CheckpointFile
from tooling.lambda_service.clients import DEFAULT_REGION, EmulatorClients
from tooling.lambda_service.mappings import EventSourceMapping, list_mappings, queue_url_of
from tooling.lambda_service.queue_source import QueueDrainReport, QueueSource
from tooling.lambda_service.schedule_source import ScheduleFiring, SchedulePlayer
from tooling.lambda_service.service import DEFAULT_LOCAL_CAP, LambdaService, function_name_of
from tooling.lambda_service.stream_source import StreamDrainReport, StreamSource
from tooling.sample_transactions import SampleTransaction, sample_transactions

_deserialize = TypeDeserializer().deserialize
_serialize = TypeSerializer().serialize


def plain_values(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB attribute map as plain Python values (numbers as Decimal)."""
    return {name: _deserialize(value) for name, value in item.items()}


class EmulatorDeliveryError(RuntimeError):
    """The emulator lost events before the pollers could read them (see lambda_service.emulator_server)."""


@dataclass(frozen=True)
class ObservedAlert:
    """One alert as a subscriber of the alert topic receives it."""

    subject: str
    message: dict[str, Any]
    attributes: dict[str, str]
    published_at: datetime | None = None
    """When SNS accepted the publish (the notification's Timestamp)."""

    @property
    def transaction_id(self) -> str:
        """The alerted transaction."""
        return str(self.message.get("transaction", {}).get("transaction_id"))


class AlertObserver:
    """A queue subscribed to the alert topic, to see what subscribers (e-mail, pager) would get."""

    def __init__(self, clients: EmulatorClients, topic_arn: str) -> None:
        self._sqs = clients.client("sqs")
        self._sns = clients.client("sns")
        name = f"alert-observer-{uuid.uuid4().hex[:12]}"
        self.queue_url = self._sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        self.subscription_arn = self._sns.subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        self.alerts: list[ObservedAlert] = []

    def collect(self) -> list[ObservedAlert]:
        """Read (and delete) everything delivered so far; returns every alert seen."""
        while True:
            messages = self._sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                                 WaitTimeSeconds=0).get("Messages", [])
            if not messages:
                return self.alerts
            for message in messages:
                envelope = json.loads(message["Body"])
                self.alerts.append(ObservedAlert(
                    subject=envelope.get("Subject", ""),
                    message=json.loads(envelope["Message"]),
                    attributes={k: v.get("Value", "") for k, v in envelope.get("MessageAttributes", {}).items()},
                    published_at=(datetime.fromisoformat(envelope["Timestamp"].replace("Z", "+00:00"))
                                  if envelope.get("Timestamp") else None),
                ))
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def close(self) -> None:
        """Unsubscribe and delete the queue."""
        self._sns.unsubscribe(SubscriptionArn=self.subscription_arn)
        self._sqs.delete_queue(QueueUrl=self.queue_url)


@dataclass
class PipelineSummary:
    """What one run produced at every hop."""

    run_id: str
    transactions_posted: int
    api_statuses: dict[int, int]
    transactions_stored: int
    decisions: dict[str, int]
    fraud_kinds: list[str]
    alerts_published: int
    report_keys: list[str]
    report_counts: dict[str, int]
    dlq_depth: int
    stream: StreamDrainReport
    queue: QueueDrainReport
    seconds: float
    unscored: list[str] = field(default_factory=list)

    def render(self) -> str:
        """A short, readable summary."""
        decisions = ", ".join(f"{k} {v}" for k, v in sorted(self.decisions.items()))
        lines = [
            f"run {self.run_id}: {self.seconds:.1f} s",
            f"  transactions: {self.transactions_posted} posted (HTTP {dict(sorted(self.api_statuses.items()))}), "
            f"{self.transactions_stored} stored",
            f"  stream: {self.stream.records_read} records read, {self.stream.records_filtered_out} filtered out, "
            f"{self.stream.invocations} analyzer invocations, {len(self.stream.failure_records)} failed batches",
            f"  decisions: {decisions}" + (f" ({len(self.unscored)} unscored)" if self.unscored else ""),
            f"  fraud kinds caught: {', '.join(self.fraud_kinds) or 'none'}",
            f"  fraud queue: {self.queue.received} received, {self.queue.deleted} processed, "
            f"{self.queue.failed_deliveries} failed deliveries",
            f"  alerts published: {self.alerts_published}",
            f"  reports: {', '.join(self.report_keys) or 'none'} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(self.report_counts.items()))})",
            f"  dead-letter queue depth: {self.dlq_depth}",
        ]
        return "\n".join(lines)


class LocalPipeline:
    """The deployed pipeline, one step at a time."""

    def __init__(self, endpoint_url: str, stack_dir: Path, *, work_dir: Path, region: str = DEFAULT_REGION,
                 local_cap: int = DEFAULT_LOCAL_CAP, keep_invocations: int | None = None) -> None:
        self.clients = EmulatorClients(endpoint_url, region)
        self.service = LambdaService(self.clients, stack_dir, work_dir, local_cap=local_cap,
                                     keep_invocations=keep_invocations)
        try:
            self.api = ApiGatewayPlayer(self.service)
            mappings = list_mappings(self.clients.client("lambda"))
            self.stream_sources = [
                StreamSource(self.service, m, CheckpointFile(work_dir / "checkpoints" / f"{m.uuid}.json"))
                for m in mappings if m.service == "dynamodb" and m.enabled
            ]
            self.queue_sources = [QueueSource(self.service, m) for m in mappings if m.service == "sqs" and m.enabled]
            if len(self.stream_sources) != 1 or len(self.queue_sources) != 1:
                raise LookupError(f"expected one stream and one queue mapping, found {mappings}")
            self.schedule = SchedulePlayer(self.service)
        except Exception:
            self.service.close()
            raise
        stream = self.stream_sources[0].mapping
        queue = self.queue_sources[0].mapping
        self.table_name = stream.source_arn.split(":")[5].split("/")[1]
        self.fraud_queue_url = self.queue_sources[0].queue_url
        self.dlq_url = self._dlq_url(stream)
        self.analyzer = function_name_of(stream.function_arn)
        self.notifier = function_name_of(queue.function_arn)
        self.alert_topic_arn = self.service.package(self.notifier).environment["ALERT_TOPIC_ARN"]
        self.api_function = function_name_of(self.api.routes[0].function_arn)

    def _dlq_url(self, stream: EventSourceMapping) -> str:
        if not stream.on_failure_arn:
            raise LookupError("the stream mapping has no on-failure destination")
        return queue_url_of(self.clients.client("sqs"), stream.on_failure_arn)

    # --- the API -------------------------------------------------------------------------------

    def post_transaction(self, body: Mapping[str, Any] | str, *, api_key: str | None = "default",
                         content_type: str = "application/json") -> ApiResponse:
        """POST /transactions (api_key "default" = the stage's key, None = no key header)."""
        return self._post("/transactions", body, api_key=api_key, content_type=content_type)

    def post_label(self, transaction_id: str, body: Mapping[str, Any] | str, *, api_key: str | None = "default",
                   content_type: str = "application/json") -> ApiResponse:
        """POST /transactions/{id}/label (an outcome reporter's call; locally the stage's key admits it)."""
        return self._post(f"/transactions/{transaction_id}/label", body, api_key=api_key, content_type=content_type)

    def _post(self, path: str, body: Mapping[str, Any] | str, *, api_key: str | None,
              content_type: str) -> ApiResponse:
        headers = {"Content-Type": content_type}
        if api_key is not None:
            headers["x-api-key"] = self.api.default_api_key() if api_key == "default" else api_key
        text = body if isinstance(body, str) else json.dumps(body)
        url = self.api.local_url(path)
        return self.api.request("POST", path, body=text, url=url, headers=self.api.sign("POST", url, headers, text))

    def get_transaction(self, transaction_id: str, *, api_key: str | None = "default") -> ApiResponse:
        """GET /transactions/{id}."""
        headers = {}
        if api_key is not None:
            headers["x-api-key"] = self.api.default_api_key() if api_key == "default" else api_key
        url = self.api.local_url(f"/transactions/{transaction_id}")
        return self.api.request("GET", f"/transactions/{transaction_id}", url=url,
                                headers=self.api.sign("GET", url, headers, None))

    # --- the event sources ---------------------------------------------------------------------

    def drive_stream(self) -> StreamDrainReport:
        """Deliver every new stream record to the analyzer (until the stream has nothing new)."""
        return self.stream_sources[0].drain()

    def drive_queue(self) -> QueueDrainReport:
        """Deliver the fraud queue to the notifier until it is empty (failures retried until redriven)."""
        return self.queue_sources[0].drain()

    def fire_daily_report(self, day: date) -> list[ScheduleFiring]:
        """Fire the report generator's schedule as it fires at the midnight ending `day`.

        The generator reports on the UTC day before the event's time, so this covers `day`.
        """
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        targets = self.schedule.targets_of(self._report_function())
        return [self.schedule.fire(target, moment) for target in targets]

    def _report_function(self) -> str:
        for rule in self.clients.client("events").list_rules().get("Rules", []):
            for target in self.clients.client("events").list_targets_by_rule(Rule=rule["Name"])["Targets"]:
                if ":lambda:" in target["Arn"]:
                    return function_name_of(target["Arn"])
        raise LookupError("no scheduled rule targets a function")

    @contextmanager
    def subscribe_alerts(self) -> Iterator[AlertObserver]:
        """An observer queue subscribed to the alert topic for the duration of the block."""
        observer = AlertObserver(self.clients, self.alert_topic_arn)
        try:
            yield observer
        finally:
            observer.close()

    # --- stores ----------------------------------------------------------------------------------

    def stored_item(self, transaction_id: str) -> dict[str, Any] | None:
        """The stored transaction (plain Python values), or None."""
        page = self.clients.client("dynamodb").query(
            TableName=self.table_name, KeyConditionExpression="transaction_id = :t",
            ExpressionAttributeValues={":t": {"S": transaction_id}}, ConsistentRead=True,
        )
        items = page.get("Items", [])
        return plain_values(items[0]) if items else None

    def put_raw_item(self, item: Mapping[str, Any]) -> None:
        """Write an item straight into the table, bypassing the API (a record the API would refuse)."""
        self.clients.client("dynamodb").put_item(
            TableName=self.table_name, Item={name: _serialize(value) for name, value in item.items()}
        )

    def day_items(self, day: date) -> list[dict[str, Any]]:
        """Every stored transaction whose timestamp falls on `day` (UTC), by a full scan."""
        start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        pages = self.clients.client("dynamodb").get_paginator("scan").paginate(
            TableName=self.table_name, FilterExpression="#ts BETWEEN :a AND :b",
            ExpressionAttributeNames={"#ts": "timestamp"},
            ExpressionAttributeValues={":a": {"N": str(start)}, ":b": {"N": str(start + 86399)}},
        )
        return [plain_values(item) for page in pages for item in page.get("Items", [])]

    def report_objects(self, day: date) -> dict[str, bytes]:
        """The report objects of a day: key -> content."""
        bucket = self.service.package(self._report_function()).environment["REPORTS_BUCKET"]
        s3 = self.clients.client("s3")
        listing = s3.list_objects_v2(Bucket=bucket, Prefix=f"reports/{day:%Y/%m/%d}/")
        return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
                for o in listing.get("Contents", [])}

    def read_dlq(self, *, delete: bool = False) -> list[dict[str, Any]]:
        """Every message now visible on the dead-letter queue (Body, MessageAttributes, Attributes).

        Messages are hidden while the queue is paged through, then made visible again (or deleted).
        """
        return self._sweep_dlq(lambda message: delete)

    def delete_dlq_messages(self, messages: list[dict[str, Any]]) -> None:
        """Remove specific messages (as returned by read_dlq) from the dead-letter queue."""
        wanted = {m["MessageId"] for m in messages}
        self._sweep_dlq(lambda message: message["MessageId"] in wanted)

    def _sweep_dlq(self, remove: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        sqs = self.clients.client("sqs")
        seen: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                        VisibilityTimeout=120, AttributeNames=["All"],
                                        MessageAttributeNames=["All"]).get("Messages", [])
            if not batch:
                break
            seen.extend(batch)
        for message in seen:
            if remove(message):
                sqs.delete_message(QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"])
            else:
                sqs.change_message_visibility(QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"],
                                              VisibilityTimeout=0)
        return seen

    def dlq_depth(self) -> int:
        """Messages on the dead-letter queue (visible and in flight)."""
        attributes = self.clients.client("sqs").get_queue_attributes(
            QueueUrl=self.dlq_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(v) for v in attributes.values())

    def close(self) -> None:
        """Stop the function processes."""
        self.service.close()

    def __enter__(self) -> LocalPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def post_samples(pipeline: LocalPipeline, samples: list[SampleTransaction]) -> Counter[int]:
    """Post every sample in order; returns the count of each HTTP status."""
    statuses: Counter[int] = Counter()
    for sample in samples:
        statuses[pipeline.post_transaction(sample.body).status_code] += 1
    return statuses


def run_pipeline(endpoint_url: str, stack_dir: Path, *, work_dir: Path) -> PipelineSummary:
    """Send the sample transactions through the whole pipeline and summarize every hop."""
    started = time.monotonic()
    run_id = f"run{uuid.uuid4().hex[:8]}"
    samples = sample_transactions(datetime.now(UTC), run_id)
    with LocalPipeline(endpoint_url, stack_dir, work_dir=work_dir) as pipeline, \
            pipeline.subscribe_alerts() as observer:
        statuses = post_samples(pipeline, samples)
        stream = pipeline.drive_stream()
        if stream.records_read == 0 and statuses.get(201):
            raise EmulatorDeliveryError(
                "transactions were stored but the table's stream is empty: the emulator consumed the records "
                "itself; run it with `python -m tooling.lambda_service.emulator_server`"
            )
        queue = pipeline.drive_queue()
        days = sorted({datetime.fromtimestamp(s.timestamp, UTC).date() for s in samples if s.scenario != "history"})
        report_keys: list[str] = []
        report_counts: Counter[str] = Counter()
        for day in days:
            pipeline.fire_daily_report(day)
            for key, content in sorted(pipeline.report_objects(day).items()):
                report_keys.append(key)
                if key.endswith(".json"):
                    summary = json.loads(content)
                    report_counts["transactions"] += summary["transaction_count"]
                    report_counts["flagged"] += summary["flagged_count"]
        items = {s.transaction_id: pipeline.stored_item(s.transaction_id) for s in samples}
        stored = {k: v for k, v in items.items() if v is not None}
        decisions = Counter(str(v.get("decision", "unscored")) for v in stored.values())
        kinds = sorted({r["rule"] for v in stored.values() if v.get("decision") in ("review", "block")
                        for r in v.get("reasons", [])})
        ours = {s.transaction_id for s in samples}
        alerts = [a for a in observer.collect() if a.transaction_id in ours]
        return PipelineSummary(
            run_id=run_id,
            transactions_posted=len(samples),
            api_statuses=dict(statuses),
            transactions_stored=len(stored),
            decisions=dict(decisions),
            fraud_kinds=kinds,
            alerts_published=len(alerts),
            report_keys=report_keys,
            report_counts=dict(report_counts),
            dlq_depth=pipeline.dlq_depth(),
            stream=stream,
            queue=queue,
            seconds=time.monotonic() - started,
            unscored=[k for k, v in stored.items() if "decision" not in v],
        )
