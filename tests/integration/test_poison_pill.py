"""A record the analyzer cannot parse fails alone, is retried, and ends on the dead-letter queue."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.pipeline_session import open_pipeline
from tooling.local_pipeline import LocalPipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pipeline(local_deployment: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPipeline]:
    with open_pipeline(local_deployment, tmp_path_factory) as opened:
        yield opened


def test_the_poison_pill_alone_fails_and_is_dead_lettered(pipeline: LocalPipeline) -> None:
    run = f"pill{uuid.uuid4().hex[:8]}"
    now = int(time.time())
    good = [{"transaction_id": f"{run}-{i}", "amount": "25.00", "currency": "EUR", "customer_id": f"{run}-c",
             "merchant_id": "m", "merchant_category": "5411", "country": "DE", "timestamp": now - 60 + i}
            for i in range(4)]
    pill_id = f"{run}-pill"
    # Given a batch in which one item was written behind the API's back with an amount that is text
    for body in good[:2]:
        assert pipeline.post_transaction(body).status_code == 201
    pipeline.put_raw_item({"transaction_id": pill_id, "timestamp": now - 30, "customer_id": f"{run}-c",
                           "amount": "twenty", "currency": "EUR"})
    for body in good[2:]:
        assert pipeline.post_transaction(body).status_code == 201
    calls_before = len(pipeline.service.invocations.of(pipeline.analyzer))

    # When the stream is delivered to the analyzer
    report = pipeline.drive_stream()

    # Then the analyzer reports exactly the pill's record as failed in the batch it arrived in
    calls = pipeline.service.invocations.of(pipeline.analyzer)[calls_before:]
    mapping = pipeline.stream_sources[0].mapping
    pill_records = {r["dynamodb"]["SequenceNumber"] for c in calls for r in c.event["Records"]
                    if r["dynamodb"]["Keys"]["transaction_id"]["S"] == pill_id}
    assert len(pill_records) == 1, "the pill's INSERT record was not delivered"
    pill_sequence = pill_records.pop()

    def sequences(call: Any) -> list[str]:
        return [r["dynamodb"]["SequenceNumber"] for r in call.event["Records"]]

    shared = [c for c in calls if pill_sequence in sequences(c) and len(sequences(c)) > 1]
    assert shared, "the pill never shared a batch with good records"
    for call in shared:
        assert call.result.ok
        assert [f["itemIdentifier"] for f in call.result.payload["batchItemFailures"]] == [pill_sequence]
    # isolated by bisection, it is retried MaximumRetryAttempts times; alone in its batch every record
    # failed, which Powertools turns into a function error
    alone = [c for c in calls if sequences(c) == [pill_sequence]]
    assert len(alone) == mapping.max_retries + 1
    assert all(not c.result.ok for c in alone)
    assert all(c.result.ok and not c.result.payload.get("batchItemFailures")
               for c in calls if pill_sequence not in sequences(c))
    # the rest of its batch was scored
    for body in good:
        item = pipeline.stored_item(body["transaction_id"])
        assert item["decision"] == "approve" and "scored_at" in item
    assert "decision" not in pipeline.stored_item(pill_id)
    # and after the retries the pill's record is a failure record on the dead-letter queue
    assert len(report.failure_records) == 1
    records = [m for m in pipeline.read_dlq()
               if json.loads(m["Body"]).get("DDBStreamBatchInfo", {}).get("startSequenceNumber") == pill_sequence]
    assert len(records) == 1
    failure = json.loads(records[0]["Body"])
    info = failure["DDBStreamBatchInfo"]
    assert (info["endSequenceNumber"], info["batchSize"]) == (pill_sequence, 1)
    assert info["streamArn"] == mapping.source_arn
    assert info["shardId"]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == mapping.max_retries + 1
    assert failure["requestContext"]["functionArn"] == mapping.function_arn
    assert failure["version"] == "1.0" and failure["timestamp"]
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}

    # The stream moved on: delivering again does nothing
    again = pipeline.drive_stream()
    assert again.invocations == 0 and again.failure_records == []
    pipeline.delete_dlq_messages(records)
