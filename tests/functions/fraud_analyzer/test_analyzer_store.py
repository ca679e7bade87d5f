"""Unit tests of the analyzer's data access: paginated history reads, batched queue sends."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
from botocore.stub import Stubber
from fraud_analyzer.queue import FraudQueue
from fraud_analyzer.store import TransactionStore
from fraudlib.alert_message import FraudAlertMessage
from fraudlib.dynamodb_items import serialize
from fraudlib.scoring import Decision

from tests.functions.items import stored_item

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
        items = TransactionStore(client, "tbl", "customer-index").customer_history("c-1", 100, 200)
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
