"""Handler tests of the fraud analyzer against mocked DynamoDB and SQS."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from fraudlib.scoring.trees import DEFAULT_MODEL_PATH
from fraudlib.settings import SettingsError

EVENTS = Path(__file__).parent / "events"
TABLE = "fraud-test-transactions"


def load_event(name: str) -> dict[str, Any]:
    """A stream event from the events/ folder (a fresh copy each time)."""
    return json.loads((EVENTS / name).read_text())


def _item(tid: str, ts: int) -> dict[str, Any] | None:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    return table.get_item(Key={"transaction_id": tid, "timestamp": ts}).get("Item")


def _timestamp(event: dict[str, Any], tid: str) -> int:
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage", {})
        if image.get("transaction_id", {}).get("S") == tid:
            return int(image["timestamp"]["N"])
    raise AssertionError(tid)


def _drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )


@pytest.fixture
def query_calls(app: Any) -> Counter[str]:
    """Counts Query calls per customer on the handler's own DynamoDB client."""
    calls: Counter[str] = Counter()

    def count(params: dict[str, Any], **_: Any) -> None:
        calls[params["ExpressionAttributeValues"][":c"]["S"]] += 1

    app._store()._client.meta.events.register("provide-client-params.dynamodb.Query", count)
    return calls


def test_batch_is_scored_stored_and_queued(app: Any, seeded: dict[str, Any], lambda_context: Any) -> None:
    event = load_event("insert_batch.json")

    response = app.handler(event, lambda_context)

    assert response == {"batchItemFailures": []}
    big = _item("t-a2", _timestamp(event, "t-a2"))
    assert big is not None
    assert big["decision"] == "block"
    # The model's probability in percent; the rules that fired are the readable reasons.
    assert big["risk_score"] == Decimal(99)
    rules = {r["rule"]: r for r in big["reasons"]}
    assert set(rules) == {
        "amount_above_profile",
        "high_amount",
        "high_risk_merchant",
        "round_amount",
        "unusual_hour",
    }
    assert rules["high_amount"]["contribution"] == Decimal(25)
    assert "6000.00 USD" in rules["high_amount"]["detail"]
    assert big["scored_at"].endswith("Z")
    # The model that scored it, and the features that raised its score most, are on the item.
    assert big["model_version"] == json.loads(DEFAULT_MODEL_PATH.read_text())["model_version"]
    assert 1 <= len(big["top_features"]) <= 3
    assert all(f["contribution"] > 0 and isinstance(f["value"], Decimal) for f in big["top_features"])

    travel = _item("t-b1", _timestamp(event, "t-b1"))
    assert travel is not None
    assert (travel["decision"], travel["risk_score"]) == ("review", Decimal(10))
    assert {r["rule"] for r in travel["reasons"]} == {"impossible_travel", "new_country"}

    for tid, risk in (("t-a1", 1), ("t-c1", 0)):
        plain = _item(tid, _timestamp(event, tid))
        assert plain is not None
        assert (plain["decision"], plain["risk_score"], plain["reasons"]) == ("approve", Decimal(risk), [])

    messages = {json.loads(m["Body"])["transaction_id"]: m for m in _drain(seeded["queue_url"])}
    assert set(messages) == {"t-a2", "t-b1"}
    block = messages["t-a2"]
    body = json.loads(block["Body"])
    assert body["amount"] == "6000.00"
    assert body["currency"] == "USD"
    assert body["customer_id"] == "c-100"
    assert body["merchant_id"] == "m-casino"
    assert (body["risk_score"], body["decision"]) == (99, "block")
    assert body["scored_at"] == big["scored_at"]
    assert {r["rule"] for r in body["reasons"]} == set(rules)
    assert "day_shard" not in body
    attributes = block["MessageAttributes"]
    assert attributes["decision"] == {"StringValue": "block", "DataType": "String"}
    assert attributes["risk_score"] == {"StringValue": "99", "DataType": "Number"}
    assert set(attributes) == {"decision", "risk_score"}  # no customer identifier outside the body
    assert messages["t-b1"]["MessageAttributes"]["decision"]["StringValue"] == "review"


def test_one_history_query_per_distinct_customer(
    app: Any, seeded: dict[str, Any], lambda_context: Any, query_calls: Counter[str]
) -> None:
    app.handler(load_event("insert_batch.json"), lambda_context)

    # Four records, two of them for c-100: three customers, three queries.
    assert query_calls == Counter({"c-100": 1, "c-200": 1, "c-300": 1})


def test_poison_record_fails_alone(app: Any, seeded: dict[str, Any], lambda_context: Any) -> None:
    event = load_event("insert_batch_with_poison.json")

    response = app.handler(event, lambda_context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "100000000000000000005"}]}
    for tid in ("t-a1", "t-a2", "t-b1", "t-c1"):
        item = _item(tid, _timestamp(event, tid))
        assert item is not None
        assert "decision" in item, tid
    assert len(_drain(seeded["queue_url"])) == 2


def test_modify_and_remove_records_are_ignored(
    app: Any, seeded: dict[str, Any], lambda_context: Any, query_calls: Counter[str]
) -> None:
    response = app.handler(load_event("modify_remove.json"), lambda_context)

    assert response == {"batchItemFailures": []}
    assert not query_calls
    item = _item("t-a1", _timestamp(load_event("insert_batch.json"), "t-a1"))
    assert item is not None
    assert "decision" not in item
    assert _drain(seeded["queue_url"]) == []


def test_the_apis_id_markers_are_not_transactions(
    app: Any, seeded: dict[str, Any], lambda_context: Any, query_calls: Counter[str]
) -> None:
    # The API writes a marker per client id into the same table, so its INSERT reaches the stream too.
    event = load_event("insert_batch.json")
    record = event["Records"][0]
    marker = {"transaction_id": {"S": "id#t-a1"}, "timestamp": {"N": "0"}}
    record["dynamodb"]["Keys"] = marker
    record["dynamodb"]["NewImage"] = {**marker, "request_fingerprint": {"S": "0" * 64},
                                      "record_timestamp": {"N": "1763813400"}, "expires_at": {"N": "1800000000"}}
    event["Records"] = [record]

    assert app.handler(event, lambda_context) == {"batchItemFailures": []}
    assert not query_calls
    assert _drain(seeded["queue_url"]) == []


def test_rejected_queue_entry_fails_only_its_record(app: Any, seeded: dict[str, Any], lambda_context: Any) -> None:
    event = load_event("insert_batch.json")

    # The queue refuses the first entry of the call (the block message of t-a2, record 2): the entry
    # never reaches the queue and the response lists it under Failed, as SQS does.
    def drop_first_entry(params: dict[str, Any], **_: Any) -> None:
        params["Entries"] = [e for e in params["Entries"] if e["Id"] != "0"]

    def report_first_entry_failed(parsed: dict[str, Any], **_: Any) -> None:
        parsed.setdefault("Failed", []).append(
            {"Id": "0", "SenderFault": False, "Code": "InternalError", "Message": "try again"}
        )

    events = app._queue()._client.meta.events
    events.register("provide-client-params.sqs.SendMessageBatch", drop_first_entry)
    events.register("after-call.sqs.SendMessageBatch", report_first_entry_failed)

    response = app.handler(event, lambda_context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "100000000000000000002"}]}
    queued = [json.loads(m["Body"])["transaction_id"] for m in _drain(seeded["queue_url"])]
    assert queued == ["t-b1"]


def test_history_failure_fails_only_that_customers_records(
    app: Any, seeded: dict[str, Any], lambda_context: Any
) -> None:
    def fail_for_c100(params: dict[str, Any], **_: Any) -> None:
        if params["ExpressionAttributeValues"][":c"]["S"] == "c-100":
            raise ConnectionError("simulated network failure")

    app._store()._client.meta.events.register("provide-client-params.dynamodb.Query", fail_for_c100)

    response = app.handler(load_event("insert_batch.json"), lambda_context)

    failed = sorted(f["itemIdentifier"] for f in response["batchItemFailures"])
    assert failed == ["100000000000000000001", "100000000000000000002"]
    queued = [json.loads(m["Body"])["transaction_id"] for m in _drain(seeded["queue_url"])]
    assert queued == ["t-b1"]


def test_deleted_item_is_not_resurrected(app: Any, aws: dict[str, Any], lambda_context: Any) -> None:
    # Nothing was stored: the transactions were deleted between the INSERT and its processing.
    event = load_event("insert_batch.json")

    response = app.handler(event, lambda_context)

    assert response == {"batchItemFailures": []}
    assert _item("t-a2", _timestamp(event, "t-a2")) is None
    assert aws["table"].scan()["Count"] == 0
    assert _drain(aws["queue_url"]) == []


def test_entire_batch_failing_raises(app: Any, seeded: dict[str, Any], lambda_context: Any) -> None:
    event = load_event("insert_batch_with_poison.json")
    event["Records"] = [r for r in event["Records"] if r["dynamodb"]["SequenceNumber"].endswith("05")]

    with pytest.raises(BatchProcessingError):
        app.handler(event, lambda_context)


def test_bad_scoring_overrides_fail_clearly(
    app: Any, seeded: dict[str, Any], lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORING_OVERRIDES", '{"block_treshold": 80}')

    with pytest.raises(SettingsError, match=r"SCORING_OVERRIDES.*block_treshold"):
        app.handler(load_event("insert_batch.json"), lambda_context)


def test_overrides_change_decisions(
    app: Any, seeded: dict[str, Any], lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Thresholds above any score, for the model and for the rules that may force a decision alone.
    monkeypatch.setenv("SCORING_OVERRIDES", '{"review_threshold": 100, "block_threshold": 100, '
                                            '"rules_review_score": 100, "rules_block_score": 100}')
    event = load_event("insert_batch.json")

    app.handler(event, lambda_context)

    big = _item("t-a2", _timestamp(event, "t-a2"))
    assert big is not None
    assert (big["risk_score"], big["decision"]) == (Decimal(99), "approve")
    assert _drain(seeded["queue_url"]) == []


def test_missing_configuration_is_reported(app: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRAUD_QUEUE_URL")
    with pytest.raises(SettingsError, match="FRAUD_QUEUE_URL"):
        app.handler(load_event("insert_batch.json"), lambda_context)
