"""The DLQ redrive: listing by kind without consuming, and moving each kind back with nothing lost.

moto (in process) holds the queues and the table; the functions are played by small fakes behind the
redrive's Invoker interface (moto cannot run Lambda code): a fake analyzer scores what it is given by
writing `scored_at`, as the real one does, and can be told to reject a transaction.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tooling import redrive
from tooling.dlq_records import ALERT, ASYNC, MALFORMED, SCHEDULE, STREAM, AlertFailure, StreamFailure
from tooling.lambda_service.events import async_failure_record, scheduled_event, stream_failure_record
from tooling.lambda_service.runtime import InvocationResult
from tooling.redrive import Invoked, Redriver, RedriveTargets, Selection, list_dlq
from tooling.redrive_cli import LambdaInvoker, PlayedInvoker, main, stack_outputs

REGION = "us-east-1"
ACCOUNT = "123456789012"
ANALYZER = "fraud-analyzer-dev"
REPORTS = "fraud-report-generator-dev"
NOTIFIER = "fraud-notifier-dev"
TABLE = "fraud-transactions-dev"
STREAM_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}/stream/2026-11-30T00:00:00.000"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/fraud-daily-report-dev"
ARRIVED = datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC)


def _arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


class FakeFunctions:
    """Plays the deployment's functions: the analyzer writes scored_at; others answer or fail on demand."""

    def __init__(self, dynamodb: Any) -> None:
        self.dynamodb = dynamodb
        self.calls: list[tuple[str, Any]] = []
        self.rejected: set[str] = set()
        self.failing: set[str] = set()

    def invoke(self, function_name: str, event: Any) -> Invoked:
        self.calls.append((function_name, event))
        if function_name in self.failing:
            return Invoked(False, {"errorType": "Boom"}, "Boom: still broken")
        if function_name != ANALYZER:
            return Invoked(True, {"ran_with": event})
        failures = []
        for record in event["Records"]:
            image = record["dynamodb"]["NewImage"]
            if image["transaction_id"]["S"] in self.rejected:
                failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
                continue
            self.dynamodb.update_item(TableName=TABLE, Key=record["dynamodb"]["Keys"],
                                      UpdateExpression="SET scored_at = :t",
                                      ExpressionAttributeValues={":t": {"S": "2026-11-30T16:05:00+00:00"}})
        return Invoked(True, {"batchItemFailures": failures})


class Deployment:
    """The queues and table of one environment, in moto."""

    def __init__(self) -> None:
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.dlq_url = self.sqs.create_queue(QueueName="fraud-dlq-dev")["QueueUrl"]
        self.fraud_queue_url = self.sqs.create_queue(QueueName="fraud-queue-dev")["QueueUrl"]
        self.dynamodb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "transaction_id", "KeyType": "HASH"},
                       {"AttributeName": "timestamp", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "transaction_id", "AttributeType": "S"},
                                  {"AttributeName": "timestamp", "AttributeType": "N"}],
        )
        self.targets = RedriveTargets(
            dlq_url=self.dlq_url, fraud_queue_url=self.fraud_queue_url, table_name=TABLE,
            functions={"fraud_analyzer": ANALYZER, "report_generator": REPORTS, "notifier": NOTIFIER},
        )
        self.functions = FakeFunctions(self.dynamodb)

    def redriver(self, sqs: Any = None) -> Redriver:
        return Redriver(sqs or self.sqs, self.dynamodb, self.functions, self.targets)

    # --- what lands in the DLQ -------------------------------------------------------------------

    def dead_alert(self, transaction_id: str, decision: str = "review") -> None:
        body = {"transaction_id": transaction_id, "amount": "5200.50", "currency": "EUR", "customer_id": "c-1",
                "risk_score": 72, "decision": decision, "reasons": [], "scored_at": "2026-11-30T15:00:00+00:00"}
        self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(body), MessageAttributes={
            "decision": {"DataType": "String", "StringValue": decision},
            "risk_score": {"DataType": "Number", "StringValue": "72"},
        })

    def stored(self, transaction_id: str, received: datetime, *, scored: bool = False) -> None:
        item = {"transaction_id": {"S": transaction_id}, "timestamp": {"N": str(int(received.timestamp()))},
                "customer_id": {"S": "c-1"}, "amount": {"N": "12.50"}, "currency": {"S": "EUR"},
                "received_at": {"S": received.isoformat(timespec="milliseconds")}}
        if scored:
            item["scored_at"] = {"S": "2026-11-30T16:00:01+00:00"}
        self.dynamodb.put_item(TableName=TABLE, Item=item)

    def dead_batch(self, first: datetime, last: datetime, size: int = 2) -> None:
        records = [{"dynamodb": {"SequenceNumber": f"{1000 + i}",
                                 "ApproximateCreationDateTime": int((first if i == 0 else last).timestamp())}}
                   for i in range(size)]
        record = stream_failure_record(records=records, shard_id="shardId-0001", stream_arn=STREAM_ARN,
                                       function_arn=_arn(ANALYZER), condition="RetryAttemptsExhausted",
                                       invoke_count=3, function_error="Unhandled", status_code=200, now=last)
        self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(record))

    def dead_schedule_event(self, target: str = REPORTS) -> dict[str, Any]:
        event = scheduled_event(rule_arn=RULE_ARN, account_id=ACCOUNT, region=REGION, time=ARRIVED)
        self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(event), MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in {
                "ERROR_CODE": "RESOURCE_NOT_FOUND", "ERROR_MESSAGE": "function not found",
                "RULE_ARN": RULE_ARN, "TARGET_ARN": _arn(target)}.items()})
        return event

    def dead_async(self, function: str = REPORTS) -> dict[str, Any]:
        payload = {"time": "2026-11-30T00:00:00Z", "detail-type": "Scheduled Event", "resources": [RULE_ARN]}
        record = async_failure_record(function_arn=_arn(function), event=payload,
                                      error={"errorType": "TimeoutError", "errorMessage": "late"},
                                      invoke_count=3, request_id="r-1", now=ARRIVED)
        self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(record))
        return payload

    def dead_raw(self, body: str) -> None:
        self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=body)

    # --- what the queues hold --------------------------------------------------------------------

    def depth(self, url: str) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return sum(int(v) for v in attributes.values())

    def drain(self, url: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                                MessageAttributeNames=["All"]).get("Messages", []):
            found.extend(batch)
        return found

    def scored(self, transaction_id: str, received: datetime) -> bool:
        item = self.dynamodb.get_item(TableName=TABLE, Key={
            "transaction_id": {"S": transaction_id}, "timestamp": {"N": str(int(received.timestamp()))}})["Item"]
        return "scored_at" in item


@pytest.fixture
def deployment(monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield Deployment()


def _fill_every_kind(deployment: Deployment) -> None:
    deployment.dead_alert("t-alert-1")
    deployment.dead_alert("t-alert-2", "block")
    deployment.stored("t-batch-1", ARRIVED)
    deployment.dead_batch(ARRIVED, ARRIVED + timedelta(seconds=1))
    deployment.dead_schedule_event()
    deployment.dead_async()
    deployment.dead_raw("not json at all")


# --- listing ---------------------------------------------------------------------------------------


def test_listing_groups_every_kind_and_consumes_nothing(deployment: Deployment) -> None:
    _fill_every_kind(deployment)

    listing = list_dlq(deployment.sqs, deployment.dlq_url)

    groups = listing.by_kind()
    assert list(groups) == [ALERT, STREAM, SCHEDULE, ASYNC, MALFORMED]
    assert sorted(r.transaction_id for r in groups[ALERT] if isinstance(r, AlertFailure)) == ["t-alert-1", "t-alert-2"]
    batch = groups[STREAM][0]
    assert isinstance(batch, StreamFailure)
    assert (batch.shard_id, batch.start_sequence, batch.end_sequence) == ("shardId-0001", "1000", "1001")
    text = listing.render(deployment.dlq_url)
    assert "shard shardId-0001 sequence 1000..1001" in text
    assert "rule fraud-daily-report-dev at 2026-11-30T16:00:00Z: RESOURCE_NOT_FOUND" in text
    assert "fraud-report-generator-dev: RetriesExhausted after 3 attempts (TimeoutError: late)" in text
    assert "not JSON" in text
    # Nothing consumed, nothing left hidden: the pipeline (or the next listing) sees all six at once.
    assert len(deployment.drain(deployment.dlq_url)) == 6


def test_listing_counts_what_another_consumer_holds(deployment: Deployment) -> None:
    deployment.dead_alert("t-1")
    deployment.dead_alert("t-2")
    deployment.sqs.receive_message(QueueUrl=deployment.dlq_url, MaxNumberOfMessages=1, VisibilityTimeout=60)

    listing = list_dlq(deployment.sqs, deployment.dlq_url)

    assert (len(listing.records), listing.in_flight) == (1, 1)
    assert "1 in flight" in listing.render(deployment.dlq_url)


# --- moving ----------------------------------------------------------------------------------------


def test_alert_messages_go_back_to_the_fraud_queue_unchanged(deployment: Deployment) -> None:
    deployment.dead_alert("t-1", "block")
    original = deployment.sqs.receive_message(QueueUrl=deployment.dlq_url, VisibilityTimeout=0)["Messages"][0]

    report = deployment.redriver().apply(Selection(kinds=frozenset({ALERT})))

    assert [o.record.kind for o in report.moved] == [ALERT] and not report.kept
    resent = deployment.drain(deployment.fraud_queue_url)
    assert [m["Body"] for m in resent] == [original["Body"]]
    assert resent[0]["MessageAttributes"]["decision"]["StringValue"] == "block"
    assert deployment.depth(deployment.dlq_url) == 0


def test_alerts_can_be_moved_for_chosen_transactions_only(deployment: Deployment) -> None:
    deployment.dead_alert("t-1")
    deployment.dead_alert("t-2")

    report = deployment.redriver().apply(Selection(transaction_ids=frozenset({"t-2"})))

    assert [json.loads(m["Body"])["transaction_id"] for m in deployment.drain(deployment.fraud_queue_url)] == ["t-2"]
    assert len(report.moved) == 1
    left = list_dlq(deployment.sqs, deployment.dlq_url).records
    assert [r.transaction_id for r in left if isinstance(r, AlertFailure)] == ["t-1"]


class CrashBeforeDelete:
    """An SQS client whose process dies right after the send, before the DLQ delete."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    def delete_message(self, **_: Any) -> None:
        raise SystemExit("killed between send and delete")


def test_a_crash_between_send_and_delete_loses_nothing_and_resends_the_same_alert(
        deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    deployment.dead_alert("t-1")
    monkeypatch.setattr(redrive, "WORK_VISIBILITY_SECONDS", 1)

    with pytest.raises(SystemExit):
        deployment.redriver(CrashBeforeDelete(deployment.sqs)).apply()
    assert deployment.depth(deployment.dlq_url) == 1  # still there, hidden until its visibility ends
    import time

    time.sleep(1.2)  # the crashed run's visibility timeout (1 s here) runs out
    report = deployment.redriver().apply()

    assert len(report.moved) == 1 and deployment.depth(deployment.dlq_url) == 0
    copies = deployment.drain(deployment.fraud_queue_url)
    # At-least-once: two deliveries of one alert, identical, carrying the notifier's idempotency key.
    assert len(copies) == 2 and copies[0]["Body"] == copies[1]["Body"]
    assert {json.loads(c["Body"])["transaction_id"] for c in copies} == {"t-1"}


def test_a_stream_failure_is_rescored_from_the_table(deployment: Deployment) -> None:
    last = ARRIVED + timedelta(seconds=2)
    deployment.stored("t-a", ARRIVED)
    deployment.stored("t-b", last)
    deployment.stored("t-done", ARRIVED, scored=True)
    deployment.stored("t-later", ARRIVED + timedelta(minutes=5))
    deployment.dead_batch(ARRIVED, last)

    report = deployment.redriver().apply()

    assert len(report.moved) == 1 and not report.kept
    assert deployment.scored("t-a", ARRIVED) and deployment.scored("t-b", last)
    assert not deployment.scored("t-later", ARRIVED + timedelta(minutes=5))
    [(function, event)] = deployment.functions.calls
    assert function == ANALYZER
    records = event["Records"]
    assert [r["dynamodb"]["NewImage"]["transaction_id"]["S"] for r in records] == ["t-a", "t-b"]
    assert {r["eventName"] for r in records} == {"INSERT"}
    assert {r["eventSourceARN"] for r in records} == {STREAM_ARN}
    assert records[0]["dynamodb"]["Keys"] == {"transaction_id": {"S": "t-a"},
                                              "timestamp": {"N": str(int(ARRIVED.timestamp()))}}
    assert len({r["dynamodb"]["SequenceNumber"] for r in records}) == 2
    assert deployment.depth(deployment.dlq_url) == 0


def test_a_stream_failure_the_analyzer_still_rejects_stays(deployment: Deployment) -> None:
    deployment.stored("t-ok", ARRIVED)
    deployment.stored("t-poison", ARRIVED)
    deployment.dead_batch(ARRIVED, ARRIVED)
    deployment.functions.rejected.add("t-poison")

    report = deployment.redriver().apply()

    assert not report.moved
    assert "1 of 2 unscored: t-poison" in report.kept[0].detail
    assert deployment.scored("t-ok", ARRIVED)
    assert [r.kind for r in list_dlq(deployment.sqs, deployment.dlq_url).records] == [STREAM]


def test_a_stream_failure_whose_transactions_are_all_scored_is_resolved_and_deleted(
        deployment: Deployment) -> None:
    # Given a failed batch whose window holds only transactions scored since (by a redelivery), and an
    # id marker of the API (no received_at, never scored: not a transaction)
    deployment.stored("t-done", ARRIVED, scored=True)
    deployment.stored("t-also-done", ARRIVED + timedelta(seconds=1), scored=True)
    deployment.stored("t-much-later", ARRIVED + timedelta(minutes=1))
    deployment.dynamodb.put_item(TableName=TABLE, Item={"transaction_id": {"S": "id#t-done"},
                                                        "timestamp": {"N": "0"}})
    deployment.dead_batch(ARRIVED, ARRIVED)

    report = deployment.redriver().apply()

    # Then nothing is invoked, the record is reported as resolved and leaves the DLQ
    assert not deployment.functions.calls and not report.kept
    [outcome] = report.resolved
    assert outcome.moved and outcome.record.kind == STREAM
    assert "the 2 transactions with received_at in 2026-11-30T15:59:55..16:00:05Z are all scored" in outcome.detail
    assert "moved 0, resolved 1, left in the DLQ 0" in report.render()
    assert "resolved stream failures: shard shardId-0001" in report.render()
    assert deployment.depth(deployment.dlq_url) == 0


def test_a_stream_failure_with_no_transaction_in_its_window_stays(deployment: Deployment) -> None:
    deployment.stored("t-much-later", ARRIVED + timedelta(minutes=1), scored=True)
    deployment.dead_batch(ARRIVED, ARRIVED)

    report = deployment.redriver().apply()

    assert not report.moved and not deployment.functions.calls
    assert "no transaction with received_at in 2026-11-30T15:59:55..16:00:05Z (look for" in report.kept[0].detail
    assert deployment.depth(deployment.dlq_url) == 1


def test_a_resolved_stream_failure_names_unscored_items_that_cannot_be_placed_in_time(
        deployment: Deployment) -> None:
    deployment.stored("t-done", ARRIVED, scored=True)
    deployment.dynamodb.put_item(TableName=TABLE, Item={"transaction_id": {"S": "t-raw"},
                                                        "timestamp": {"N": str(int(ARRIVED.timestamp()))}})
    deployment.dead_batch(ARRIVED, ARRIVED)

    report = deployment.redriver().apply()

    [outcome] = report.resolved
    assert "1 unscored item(s) without received_at cannot be placed in any window: look at them" in outcome.detail
    assert deployment.depth(deployment.dlq_url) == 0


def test_schedule_events_and_async_failures_run_again(deployment: Deployment) -> None:
    event = deployment.dead_schedule_event()
    payload = deployment.dead_async()

    report = deployment.redriver().apply()

    assert sorted(o.record.kind for o in report.moved) == [ASYNC, SCHEDULE]
    assert sorted(deployment.functions.calls, key=lambda call: "id" in call[1]) == [(REPORTS, payload),
                                                                                   (REPORTS, event)]
    assert deployment.depth(deployment.dlq_url) == 0


def test_what_fails_again_or_names_a_foreign_function_stays(deployment: Deployment) -> None:
    deployment.dead_schedule_event()
    deployment.dead_async("someone-elses-function")
    deployment.functions.failing.add(REPORTS)

    report = deployment.redriver().apply()

    details = sorted(o.detail for o in report.kept)
    assert not report.moved and len(details) == 2
    assert "fraud-report-generator-dev failed again: Boom: still broken" in details
    assert any("is not a function of this deployment" in d for d in details)
    assert [call[0] for call in deployment.functions.calls] == [REPORTS]
    assert len(deployment.drain(deployment.dlq_url)) == 2


def test_malformed_messages_are_reported_and_never_deleted(deployment: Deployment) -> None:
    deployment.dead_raw("{not json")
    deployment.dead_raw(json.dumps({"something": "else"}))
    deployment.dead_raw(json.dumps({"DDBStreamBatchInfo": {"shardId": "s"}}))
    deployment.dead_raw(json.dumps({"requestContext": {"functionArn": "arn:aws:lambda"}, "requestPayload": {}}))
    deployment.dead_alert("t-1")

    report = deployment.redriver().apply()

    assert [o.record.kind for o in report.moved] == [ALERT]
    reasons = sorted(o.detail for o in report.kept)
    assert len(reasons) == 4 and all(o.record.kind == MALFORMED for o in report.kept)
    assert any(r.startswith("not JSON") for r in reasons)
    assert any("no known shape" in r for r in reasons)
    assert any("incomplete KeyError" in r for r in reasons)
    assert any("incomplete IndexError" in r for r in reasons)
    assert len(deployment.drain(deployment.dlq_url)) == 4
    assert "KEPT" in report.render()


# --- the command -----------------------------------------------------------------------------------


def test_the_command_lists_a_deployed_environment_from_its_saved_outputs(
        deployment: Deployment, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fill_every_kind(deployment)
    outputs = {"dlq_url": deployment.dlq_url, "fraud_queue_url": deployment.fraud_queue_url,
               "table_name": TABLE, "fraud_analyzer_function_name": ANALYZER, "api_url": "https://x"}
    saved = tmp_path / "outputs.json"
    saved.write_text(json.dumps({k: {"value": v, "type": "string"} for k, v in outputs.items()}))

    assert main(["--env", "dev", "--outputs", str(saved)]) == 0

    printed = capsys.readouterr().out
    assert "6 messages listed, 0 in flight" in printed
    assert "alert messages (2):" in printed and "stream failures (1):" in printed
    assert "(listed only: APPLY=1 moves them)" in printed
    assert deployment.depth(deployment.dlq_url) == 6
    targets = RedriveTargets.from_outputs(stack_outputs(tmp_path / "absent", saved))
    assert targets.functions == {"fraud_analyzer": ANALYZER}


def test_outputs_without_the_queues_are_refused() -> None:
    with pytest.raises(LookupError, match="dlq_url, fraud_queue_url"):
        RedriveTargets.from_outputs({"table_name": TABLE})


# --- the invokers ----------------------------------------------------------------------------------


class RecordingLambda:
    """Lambda's Invoke as boto3 answers it: a streaming payload, FunctionError on a handler error."""

    def __init__(self, payload: bytes, function_error: str | None = None) -> None:
        self.payload, self.function_error = payload, function_error
        self.requests: list[dict[str, Any]] = []

    def invoke(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(self.payload)}
        if self.function_error:
            response["FunctionError"] = self.function_error
        return response


def test_the_aws_invoker_calls_request_response_and_reads_function_errors() -> None:
    ok = RecordingLambda(b'{"batchItemFailures": []}')
    assert LambdaInvoker(ok).invoke(ANALYZER, {"Records": []}) == Invoked(True, {"batchItemFailures": []})
    assert ok.requests == [{"FunctionName": ANALYZER, "InvocationType": "RequestResponse",
                            "Payload": b'{"Records": []}'}]

    failed = LambdaInvoker(RecordingLambda(b'{"errorType": "KeyError", "errorMessage": "x"}', "Unhandled"))
    outcome = failed.invoke(REPORTS, {})
    assert not outcome.ok and outcome.error is not None and outcome.error.startswith("Unhandled: ")
    assert "KeyError" in outcome.error


def test_the_played_invoker_reports_the_handler_error() -> None:
    class Service:
        def invoke(self, name: str, event: Any) -> InvocationResult:
            if name == REPORTS:
                return InvocationResult("r-1", error={"errorType": "Sandbox.Timedout", "errorMessage": "late"})
            return InvocationResult("r-2", payload={"echo": event})

    invoker = PlayedInvoker(Service())  # type: ignore[arg-type]
    assert invoker.invoke(ANALYZER, {"a": 1}) == Invoked(True, {"echo": {"a": 1}})
    assert invoker.invoke(REPORTS, {}).error == "Sandbox.Timedout: late"
