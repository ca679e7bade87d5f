"""The sample transactions through every hop: API, table, stream, analyzer, queue, notifier, topic, report."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.pipeline_session import open_pipeline
from tooling.lambda_service.queue_source import QueueDrainReport
from tooling.lambda_service.stream_source import StreamDrainReport
from tooling.local_pipeline import LocalPipeline, ObservedAlert, post_samples, run_pipeline
from tooling.sample_transactions import SampleTransaction, sample_transactions

pytestmark = pytest.mark.integration


@dataclass
class Run:
    """Everything one pass of the samples through the pipeline left behind."""

    pipeline: LocalPipeline
    samples: list[SampleTransaction]
    statuses: Counter[int]
    stream: StreamDrainReport
    queue: QueueDrainReport
    alerts: list[ObservedAlert]
    items: dict[str, dict[str, Any]]
    days: list[date]
    dlq_before: int
    dlq_after: int


@pytest.fixture(scope="module")
def run(local_deployment: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with open_pipeline(local_deployment, tmp_path_factory) as pipeline, pipeline.subscribe_alerts() as observer:
        samples = sample_transactions(datetime.now(UTC), f"e2e{uuid.uuid4().hex[:8]}")
        dlq_before = pipeline.dlq_depth()
        statuses = post_samples(pipeline, samples)
        stream = pipeline.drive_stream()
        queue = pipeline.drive_queue()
        days = sorted({datetime.fromtimestamp(s.timestamp, UTC).date() for s in samples if s.scenario != "history"})
        for day in days:
            pipeline.fire_daily_report(day)
        ours = {s.transaction_id for s in samples}
        yield Run(
            pipeline=pipeline, samples=samples, statuses=statuses, stream=stream, queue=queue,
            alerts=[a for a in observer.collect() if a.transaction_id in ours],
            items={s.transaction_id: pipeline.stored_item(s.transaction_id) for s in samples},
            days=days, dlq_before=dlq_before, dlq_after=pipeline.dlq_depth(),
        )


def _flagged(run: Run) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in run.items.items() if v and v.get("decision") in ("review", "block")}


def test_every_transaction_is_accepted_and_stored(run: Run) -> None:
    assert run.statuses == Counter({201: len(run.samples)})
    for sample in run.samples:
        item = run.items[sample.transaction_id]
        assert item is not None, sample.transaction_id
        assert item["customer_id"] == sample.body["customer_id"]
        assert item["day_shard"].startswith(datetime.fromtimestamp(sample.timestamp, UTC).date().isoformat())


def test_the_analyzer_saw_only_inserts_and_wrote_a_score_back_on_every_item(run: Run) -> None:
    assert run.stream.failure_records == []
    assert run.stream.records_filtered_out >= len(run.samples)  # the score write-backs (MODIFY)
    for sample in run.samples:
        item = run.items[sample.transaction_id]
        assert 0 <= item["risk_score"] <= 100
        assert item["decision"] in ("approve", "review", "block")
        assert item["scored_at"]
        assert isinstance(item["reasons"], list)


def test_each_fraud_kind_is_caught_with_its_decision(run: Run) -> None:
    for sample in run.samples:
        item = run.items[sample.transaction_id]
        rules = {reason["rule"] for reason in item["reasons"]}
        assert set(sample.expected_rules) <= rules, (sample.scenario, rules)
        if sample.expected_decision:
            assert item["decision"] == sample.expected_decision, (sample.scenario, item)
    assert {item["decision"] for item in run.items.values()} == {"approve", "review", "block"}
    assert all(
        item["reasons"] == [] for s, item in ((s, run.items[s.transaction_id]) for s in run.samples)
        if s.scenario == "normal"
    )


def test_every_flagged_transaction_went_through_the_queue_to_the_notifier(run: Run) -> None:
    flagged = _flagged(run)
    assert run.queue.received >= len(flagged)
    assert run.queue.failed_deliveries == 0
    assert run.pipeline.queue_sources[0].depth() == {
        "ApproximateNumberOfMessages": 0, "ApproximateNumberOfMessagesNotVisible": 0}
    notifier_calls = run.pipeline.service.invocations.of(run.pipeline.notifier)
    assert notifier_calls
    assert all(c.result.ok and not c.result.payload.get("batchItemFailures") for c in notifier_calls)


def test_one_alert_per_flagged_transaction_reaches_the_topic(run: Run) -> None:
    flagged = _flagged(run)
    assert sorted(a.transaction_id for a in run.alerts) == sorted(flagged)
    for alert in run.alerts:
        item = flagged[alert.transaction_id]
        assert alert.subject == (
            f"[{item['decision'].upper()}] Fraud alert: score {int(item['risk_score'])} "
            f"(txn {item['transaction_id']})"
        )
        assert alert.attributes == {"decision": item["decision"], "risk_score": str(int(item["risk_score"]))}
        assert [r["rule"] for r in alert.message["reasons"]] == [r["rule"] for r in item["reasons"]]


def test_nothing_reached_the_dead_letter_queue(run: Run) -> None:
    assert run.dlq_after == run.dlq_before


def test_the_daily_report_counts_what_the_day_index_holds(run: Run) -> None:
    for day in run.days:
        objects = run.pipeline.report_objects(day)
        json_key, csv_key = (f"reports/{day:%Y/%m/%d}/fraud-report.{ext}" for ext in ("json", "csv"))
        assert set(objects) == {json_key, csv_key}
        report = json.loads(objects[json_key])
        # The generator reads the day index: every item with a day_shard of that day.
        indexed = [i for i in run.pipeline.day_items(day) if str(i.get("day_shard", "")).startswith(day.isoformat())]
        decisions = Counter(str(i.get("decision", "unscored")) for i in indexed)
        assert report["report_date"] == day.isoformat()
        assert report["transaction_count"] == len(indexed)
        assert report["flagged_count"] == decisions["review"] + decisions["block"]
        assert {k: v for k, v in report["decisions"].items() if v} == dict(decisions)
        rows = list(csv.DictReader(io.StringIO(objects[csv_key].decode("utf-8"))))
        assert len(rows) == report["flagged_count"]
        ours_that_day = {k for k in _flagged(run)
                         if datetime.fromtimestamp(int(run.items[k]["timestamp"]), UTC).date() == day}
        assert ours_that_day <= {row["transaction_id"] for row in rows}


def test_the_api_serves_the_scored_record(run: Run) -> None:
    blocked = next(s for s in run.samples if s.expected_decision == "block")
    response = run.pipeline.get_transaction(blocked.transaction_id)
    assert response.status_code == 200
    assert response.json()["decision"] == "block"
    assert {r["rule"] for r in response.json()["reasons"]} >= set(blocked.expected_rules)


def _fraud_counter(run: Run, sample: SampleTransaction) -> int:
    """The merchant fraud counter of the sample's terminal (or merchant) and day, in the emulator."""
    environment = run.pipeline.service.package(run.pipeline.api_function).environment
    body = sample.body
    key = f"terminal#{body['terminal_id']}" if body.get("terminal_id") else f"merchant#{body['merchant_id']}"
    item = run.pipeline.clients.client("dynamodb").get_item(
        TableName=environment["MERCHANT_COUNTERS_TABLE_NAME"], Key={"merchant_key": {"S": key}},
        ConsistentRead=True).get("Item", {})
    day = datetime.fromtimestamp(sample.timestamp, UTC).date().isoformat()
    return int(item.get(f"fraud#{day}", {}).get("N", "0"))


def test_outcome_labels_go_through_the_gateway_and_come_back_with_get(run: Run) -> None:
    blocked = next(s for s in run.samples if s.expected_decision == "block")
    scored = run.pipeline.stored_item(blocked.transaction_id)
    assert scored is not None
    frauds_before = _fraud_counter(run, blocked)
    analyst = {"label": "legitimate", "source": "analyst", "reported_at": blocked.timestamp + 1}
    chargeback = {"label": "fraud", "source": "chargeback", "reported_at": blocked.timestamp + 2}

    assert run.pipeline.post_label(blocked.transaction_id, analyst).status_code == 201
    assert run.pipeline.post_label(blocked.transaction_id, chargeback).status_code == 201
    assert run.pipeline.post_label(blocked.transaction_id, chargeback).status_code == 200  # a replay
    assert run.pipeline.post_label(blocked.transaction_id, {**chargeback, "label": "legitimate"}).status_code == 409
    assert run.pipeline.post_label("e2e-no-such-id", chargeback).status_code == 404
    refused = run.pipeline.post_label(blocked.transaction_id, {"label": "stolen", "source": "analyst"})
    assert refused.status_code == 400 and "stolen" in refused.json()["message"]  # the deployed model, at the gateway
    assert run.pipeline.post_label(blocked.transaction_id, "label=fraud", content_type="text/plain").status_code == 415

    record = run.pipeline.get_transaction(blocked.transaction_id).json()
    assert (record["label"], record["label_source"]) == ("fraud", "chargeback")
    assert [(e["source"], e["label"]) for e in record["labels"]] == [("analyst", "legitimate"), ("chargeback", "fraud")]
    assert record["risk_score"] == scored["risk_score"]  # a label never rescores
    # The merchant's fraud counter of the transaction's day moved once, in the label's own transaction.
    assert _fraud_counter(run, blocked) == frauds_before + 1
    # The two label writes are MODIFY records: the analyzer's filter drops them, nothing is scored again.
    again = run.pipeline.drive_stream()
    assert again.failure_records == [] and again.invocations == 0 and again.records_filtered_out >= 2


def test_run_pipeline_summarizes_a_whole_run(local_deployment: Any, tmp_path_factory: pytest.TempPathFactory,
                                             run: Run) -> None:
    del run  # ordered after the step-by-step run, which it must not disturb
    work_dir: Path = tmp_path_factory.getbasetemp() / "lambda-service"
    summary = run_pipeline(local_deployment.endpoint_url, local_deployment.stack_dir, work_dir=work_dir)
    samples = summary.transactions_posted
    assert summary.transactions_stored == samples
    assert sum(summary.decisions.values()) == samples
    assert set(summary.decisions) == {"approve", "review", "block"}
    assert summary.alerts_published == summary.decisions["review"] + summary.decisions["block"]
    assert {"card_testing", "impossible_travel", "velocity_hour", "unusual_hour"} <= set(summary.fraud_kinds)
    assert any(k.endswith(".json") for k in summary.report_keys)
    assert any(k.endswith(".csv") for k in summary.report_keys)
    text = summary.render()
    assert f"{samples} stored" in text and "alerts published" in text
