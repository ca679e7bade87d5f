"""The analyzer's merchant counters under mocked AWS: bulk reads per batch, and scores and counters written
exactly once whatever the number of deliveries, with alerts at least once."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from fraudlib.merchant_counters import change_frauds, merchant_key, transaction_day
from fraudlib.scoring import MerchantDailyCounters, ScoreResult, Transaction
from fraudlib.scoring.features import NO_MERCHANT_HISTORY

from tests.functions.fraud_analyzer.conftest import COUNTERS_TABLE, T0, load_event
from tests.functions.fraud_analyzer.stream import insert_event, sequence_number
from tests.functions.items import stored_item

DAY = 86400


def _drain(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    bodies: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return bodies


def _counters(aws: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Every counter of the counters table: {merchant key: {attribute: value}}."""
    items = aws["counters"].scan()["Items"]
    return {i["merchant_key"]: {k: int(v) for k, v in i.items() if k != "merchant_key"} for i in items}


def _stored(aws: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    key = {"transaction_id": item["transaction_id"], "timestamp": item["timestamp"]}
    return aws["table"].get_item(Key=key, ConsistentRead=True)["Item"]


@pytest.fixture
def batch_gets(app: Any) -> list[list[str]]:
    """The merchant keys of every BatchGetItem call the handler's counter reader makes."""
    calls: list[list[str]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        (request,) = params["RequestItems"].values()
        calls.append([key["merchant_key"]["S"] for key in request["Keys"]])

    app._merchants()._client.meta.events.register("provide-client-params.dynamodb.BatchGetItem", record)
    return calls


@pytest.fixture
def merchants_scored(app: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, MerchantDailyCounters]:
    """The merchant counters each transaction was scored with, by transaction id."""
    seen: dict[str, MerchantDailyCounters] = {}
    evaluate = app.evaluate

    def spy(txn: Transaction, history: Any, merchant: MerchantDailyCounters | None = None) -> ScoreResult:
        assert merchant is not None
        seen[txn.transaction_id] = merchant
        return evaluate(txn, history, merchant=merchant)

    monkeypatch.setattr(app, "evaluate", spy)
    return seen


def _many(records: int, merchants: int) -> list[dict[str, Any]]:
    """`records` small purchases within one day, at `merchants` terminals, by 50 customers."""
    return [stored_item(f"t-{n}", f"c-{n % 50}", T0 + 60 * n, "20.00", terminal_id=f"T-{n % merchants}")
            for n in range(records)]


def test_a_batch_reads_its_merchants_in_calls_of_one_hundred_not_one_per_record(
    app: Any, aws: dict[str, Any], lambda_context: Any, batch_gets: list[list[str]],
    merchants_scored: dict[str, MerchantDailyCounters],
) -> None:
    # The items are not stored (moto copies every table per TransactWriteItems, which would make this
    # test slow): each record is read for and scored, then found missing. Counting is the replay tests' part.
    items = _many(250, 150)
    aws["counters"].put_item(Item={"merchant_key": "terminal#T-7", "tx#2025-11-10": 40, "fraud#2025-11-10": 3,
                                   "tx#2024-01-01": 9})  # a day outside every window of the batch

    response = app.handler(insert_event(items), lambda_context)

    assert response == {"batchItemFailures": []}
    assert len(merchants_scored) == 250
    assert [len(call) for call in batch_gets] == [100, 50]
    assert sorted(key for call in batch_gets for key in call) == sorted({f"terminal#T-{n}" for n in range(150)})
    # A merchant with an item is scored with its counters (only the days the batch needs were read);
    # one never counted before with none.
    expected = MerchantDailyCounters.from_day_counts({"2025-11-10": 40}, {"2025-11-10": 3})
    for tid in ("t-7", "t-157"):
        scored_with = merchants_scored[tid]
        assert (scored_with.transactions, scored_with.frauds) == (expected.transactions, expected.frauds)
    assert merchants_scored["t-8"] is NO_MERCHANT_HISTORY


def test_a_transaction_with_neither_terminal_nor_merchant_is_scored_and_counts_nowhere(
    app: Any, aws: dict[str, Any], lambda_context: Any, batch_gets: list[list[str]],
    merchants_scored: dict[str, MerchantDailyCounters],
) -> None:
    item = stored_item("t-anon", "c-1", T0)
    item.pop("merchant_id")
    aws["table"].put_item(Item=item)

    assert app.handler(insert_event([item]), lambda_context) == {"batchItemFailures": []}

    assert batch_gets == []
    assert merchants_scored["t-anon"] is NO_MERCHANT_HISTORY
    assert "scored_at" in _stored(aws, item)
    assert _counters(aws) == {}


def test_a_failed_counter_read_fails_only_the_records_of_those_merchants(
    app: Any, aws: dict[str, Any], lambda_context: Any, batch_gets: list[list[str]],
    merchants_scored: dict[str, MerchantDailyCounters],
) -> None:
    items = _many(250, 150)  # not stored, as above: the records that are scored find their item missing

    def fail_second_call(**_: Any) -> None:
        if len(batch_gets) == 2:
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    app._merchants()._client.meta.events.register("before-call.dynamodb.BatchGetItem", fail_second_call)

    response = app.handler(insert_event(items), lambda_context)

    unreadable = set(batch_gets[1])
    expected = sorted(sequence_number(n + 1) for n, item in enumerate(items)
                      if merchant_key(item.get("terminal_id"), item.get("merchant_id")) in unreadable)
    assert sorted(f["itemIdentifier"] for f in response["batchItemFailures"]) == expected
    assert 0 < len(expected) < len(items)
    scored = {sequence_number(n + 1) for n, item in enumerate(items) if item["transaction_id"] in merchants_scored}
    assert sorted(scored) == sorted(set(map(sequence_number, range(1, 251))) - set(expected))


def test_replaying_a_batch_scores_and_counts_once_and_requeues_the_alerts(
    app: Any, seeded: dict[str, Any], lambda_context: Any
) -> None:
    event = load_event("insert_batch.json")
    items = [_stored(seeded, {"transaction_id": r["dynamodb"]["Keys"]["transaction_id"]["S"],
                              "timestamp": int(r["dynamodb"]["Keys"]["timestamp"]["N"])}) for r in event["Records"]]

    results = [app.handler(load_event("insert_batch.json"), lambda_context) for _ in range(3)]

    assert results == [{"batchItemFailures": []}] * 3
    scored = {item["transaction_id"]: _stored(seeded, item) for item in items}
    first = _drain(seeded["queue_url"])
    # Each review/block alert was queued by every delivery, with the stored score: the same message.
    assert Counter(body["transaction_id"] for body in first) == Counter({"t-a2": 3, "t-b1": 3})
    for body in first:
        stored = scored[body["transaction_id"]]
        assert (body["risk_score"], body["decision"], body["scored_at"]) == (
            int(stored["risk_score"]), stored["decision"], stored["scored_at"])
    assert len({json.dumps(b, sort_keys=True) for b in first}) == 2
    # One count per transaction at its merchant and day, whatever the deliveries.
    expected: Counter[str] = Counter(
        f"{merchant_key(i.get('terminal_id'), i.get('merchant_id'))} tx#{transaction_day(int(i['timestamp']))}"
        for i in items)
    counted = Counter({f"{k} {a}": n for k, c in _counters(seeded).items() for a, n in c.items()})
    assert counted == expected


def test_a_crash_between_write_back_and_send_requeues_the_stored_alert_once_redelivered(
    app: Any, seeded: dict[str, Any], lambda_context: Any
) -> None:
    sends: list[int] = []

    def lost_on_first_send(**_: Any) -> None:
        sends.append(1)
        if len(sends) == 1:
            raise EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com")

    app._queue()._client.meta.events.register("before-call.sqs.SendMessageBatch", lost_on_first_send)

    first = app.handler(load_event("insert_batch.json"), lambda_context)
    assert sorted(f["itemIdentifier"] for f in first["batchItemFailures"]) == [sequence_number(2), sequence_number(3)]
    blocked = _stored(seeded, {"transaction_id": "t-a2", "timestamp": _ts("t-a2")})
    counters_after_crash = _counters(seeded)
    assert _drain(seeded["queue_url"]) == []

    # The stream redelivers from the first failed record on.
    event = load_event("insert_batch.json")
    event["Records"] = event["Records"][1:]
    assert app.handler(event, lambda_context) == {"batchItemFailures": []}

    assert _stored(seeded, blocked) == blocked  # not scored again
    assert _counters(seeded) == counters_after_crash  # not counted again
    alerts = {body["transaction_id"]: body for body in _drain(seeded["queue_url"])}
    assert sorted(alerts) == ["t-a2", "t-b1"]
    assert (alerts["t-a2"]["decision"], alerts["t-a2"]["scored_at"]) == ("block", blocked["scored_at"])
    assert [r["rule"] for r in alerts["t-a2"]["reasons"]] == [r["rule"] for r in blocked["reasons"]]


def _ts(tid: str) -> int:
    for record in load_event("insert_batch.json")["Records"]:
        if record["dynamodb"]["Keys"]["transaction_id"]["S"] == tid:
            return int(record["dynamodb"]["Keys"]["timestamp"]["N"])
    raise AssertionError(tid)


def test_a_label_reported_after_scoring_never_changes_that_score(
    app: Any, aws: dict[str, Any], lambda_context: Any, merchants_scored: dict[str, MerchantDailyCounters],
) -> None:
    earlier = [stored_item(f"t-e{n}", f"c-e{n}", T0 - 3600 + n, "20.00", terminal_id="T-9") for n in range(5)]
    scored = stored_item("t-x", "c-x", T0, "20.00", terminal_id="T-9")
    for item in (*earlier, scored):
        aws["table"].put_item(Item=item)
    app.handler(insert_event([*earlier, scored]), lambda_context)
    before = _stored(aws, scored)
    counters_at_scoring = merchants_scored["t-x"]

    # After scoring: the earlier transactions of the day at the same terminal are reported as fraud;
    # the label route raises the day's fraud counter (and marks the items) in its own transactions.
    client = boto3.client("dynamodb", region_name="us-east-1")
    day = transaction_day(T0)
    for item in earlier:
        client.transact_write_items(TransactItems=[change_frauds(COUNTERS_TABLE, "terminal#T-9", day, 1)])
        aws["table"].update_item(
            Key={"transaction_id": item["transaction_id"], "timestamp": item["timestamp"]},
            UpdateExpression="SET fraud_reported_at = :r", ExpressionAttributeValues={":r": T0 + 60})
    # Redeliveries of the scored record (and a rescore would see these frauds: they are in the counters
    # the analyzer reads now, as the merchant's frauds of the delay period).
    merchants_scored.clear()
    for _ in range(2):
        assert app.handler(insert_event([scored], first=6), lambda_context) == {"batchItemFailures": []}

    assert merchants_scored["t-x"].frauds != counters_at_scoring.frauds
    assert _stored(aws, scored) == before
    assert _counters(aws)["terminal#T-9"] == {f"tx#{day}": 6, f"fraud#{day}": 5}


def test_a_deleted_transaction_is_neither_scored_nor_counted(
    app: Any, aws: dict[str, Any], lambda_context: Any
) -> None:
    item = stored_item("t-gone", "c-1", T0, terminal_id="T-1")  # streamed, then deleted before scoring

    assert app.handler(insert_event([item]), lambda_context) == {"batchItemFailures": []}

    assert aws["table"].scan()["Count"] == 0
    assert _counters(aws) == {}


def test_the_stored_decision_not_the_new_one_decides_a_requeue(
    app: Any, aws: dict[str, Any], lambda_context: Any
) -> None:
    # Scored earlier as approve (say, by an older model); today's model would decide otherwise: the
    # stored decision stands and nothing is alerted.
    item = stored_item("t-old", "c-1", T0, "6000.00", merchant_category="7995")
    aws["table"].put_item(Item={**item, "risk_score": 3, "decision": "approve", "scored_at": "2025-11-22T12:00:01.000Z",
                                "model_version": "older"})

    assert app.handler(insert_event([item]), lambda_context) == {"batchItemFailures": []}

    assert _stored(aws, item)["risk_score"] == Decimal(3)
    assert _drain(aws["queue_url"]) == []
    assert _counters(aws) == {}
