"""Unit tests of the analyzer's data access: paginated history reads, the once-only score write-back,
batched queue sends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from fraud_analyzer.queue import FraudQueue
from fraud_analyzer.store import TransactionStore, WriteStatus
from fraudlib.alert_message import FraudAlertMessage
from fraudlib.dynamodb_items import serialize
from fraudlib.scoring import Decision, RuleHit, ScoreResult
from fraudlib.transaction_item import TransactionItem
from moto import mock_aws

from tests.functions.items import stored_item
from tests.functions.tables import create_merchant_counters_table, create_transactions_table

T0 = 1763812800


def test_history_query_follows_pagination_within_one_call() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    pages = [stored_item(f"t{n}", "c-1", T0 + n, amount="1.50") for n in (1, 2, 3)]
    expected = {
        "TableName": "tbl",
        "IndexName": "customer-index",
        "KeyConditionExpression": "customer_id = :c AND #ts BETWEEN :lo AND :hi",
        "ExpressionAttributeNames": {"#ts": "timestamp"},
        "ExpressionAttributeValues": {":c": {"S": "c-1"}, ":lo": {"N": "100"}, ":hi": {"N": "200"}},
        "ScanIndexForward": False,
    }
    with Stubber(client) as stub:
        for n, item in enumerate(pages):
            page: dict[str, Any] = {"Items": [serialize(item)]}
            params = dict(expected)
            if n:
                params["ExclusiveStartKey"] = {"k": {"S": str(n)}}
            if n < len(pages) - 1:
                page["LastEvaluatedKey"] = {"k": {"S": str(n + 1)}}
            stub.add_response("query", page, params)
        items = TransactionStore(client, "tbl", "customer-index", "counters").customer_history("c-1", 100, 200)
        stub.assert_no_pending_responses()
    assert [i["transaction_id"] for i in items] == ["t1", "t2", "t3"]
    assert items[0]["amount"] == Decimal("1.50")


class _BatchClient:
    """An SQS client stand-in: fails the whole second call, accepts everything else."""

    def __init__(self) -> None:
        self.calls: list[list[dict[str, Any]]] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        if len(self.calls) == 2:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url=QueueUrl)
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}


def _message(n: int) -> FraudAlertMessage:
    return FraudAlertMessage(
        **{k: v for k, v in stored_item(f"t{n}", "c", T0).items() if k not in ("day_shard", "expires_at")},
        risk_score=50,
        decision=Decision.REVIEW,
        scored_at=datetime.fromtimestamp(T0 + 1, tz=UTC),
    )


def test_messages_go_ten_per_call_and_a_failed_call_fails_only_its_messages() -> None:
    client = _BatchClient()
    messages = [_message(n) for n in range(23)]

    failures = FraudQueue(client, "https://queue").send(messages)

    assert [len(call) for call in client.calls] == [10, 10, 3]
    assert sorted(failures) == list(range(10, 20))
    assert client.calls[2][0]["Id"] == "20"
    assert client.calls[0][0]["MessageAttributes"]["risk_score"] == {"DataType": "Number", "StringValue": "50"}
    assert FraudAlertMessage.from_body(client.calls[2][0]["MessageBody"]) == messages[20]


COUNTERS = "counters"


@pytest.fixture
def tables() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_transactions_table(client, "tbl")
        create_merchant_counters_table(client, COUNTERS)
        yield client


def _result(risk: int, decision: Decision) -> ScoreResult:
    return ScoreResult(risk, decision, (RuleHit("high_amount", 25, "6000.00 USD is high"),), "v1")


def test_the_score_and_the_merchant_count_are_written_once_and_a_second_write_returns_the_stored_item(
    tables: Any,
) -> None:
    item = stored_item("t1", "c-1", T0, terminal_id="T-1")
    tables.put_item(TableName="tbl", Item=serialize(item))
    store = TransactionStore(tables, "tbl", "customer-index", COUNTERS)
    parsed = TransactionItem.from_item(item)
    first_at = datetime.fromtimestamp(T0 + 1, tz=UTC)

    first = store.save_score(parsed, _result(80, Decision.BLOCK), first_at, "terminal#T-1", "2025-11-22")
    second = store.save_score(parsed, _result(5, Decision.APPROVE), first_at.replace(second=9), "terminal#T-1",
                              "2025-11-22")

    assert first.status is WriteStatus.SAVED and first.stored is None
    # The cancelled transaction returns the stored item (ReturnValuesOnConditionCheckFailure=ALL_OLD,
    # which moto implements for TransactWriteItems too): no extra read.
    assert second.status is WriteStatus.ALREADY_SCORED
    assert second.stored is not None
    assert (second.stored.risk_score, second.stored.decision, second.stored.scored_at) == (80, Decision.BLOCK, first_at)
    counters = tables.get_item(TableName=COUNTERS, Key={"merchant_key": {"S": "terminal#T-1"}})["Item"]
    assert counters == {"merchant_key": {"S": "terminal#T-1"}, "tx#2025-11-22": {"N": "1"}}


def test_a_missing_item_is_neither_written_nor_counted(tables: Any) -> None:
    store = TransactionStore(tables, "tbl", "customer-index", COUNTERS)
    parsed = TransactionItem.from_item(stored_item("t1", "c-1", T0))

    written = store.save_score(parsed, _result(1, Decision.APPROVE), datetime.now(UTC), "merchant#m-regular",
                               "2025-11-22")

    assert written.status is WriteStatus.MISSING
    assert tables.scan(TableName="tbl")["Count"] == 0
    assert tables.scan(TableName=COUNTERS)["Count"] == 0


def test_any_other_cancellation_is_raised_for_the_record_to_be_retried() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    store = TransactionStore(client, "tbl", "customer-index", COUNTERS)
    parsed = TransactionItem.from_item(stored_item("t1", "c-1", T0))
    with Stubber(client) as stub:
        stub.add_client_error(
            "transact_write_items", service_error_code="TransactionCanceledException",
            modeled_fields={"CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}]})
        with pytest.raises(client.exceptions.TransactionCanceledException):
            store.save_score(parsed, _result(1, Decision.APPROVE), datetime.now(UTC), "merchant#m", "2025-11-22")
