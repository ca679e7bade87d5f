"""Unit tests of the analyzer's data access: paginated history reads, conditional score writes."""

from __future__ import annotations

from typing import Any

from fraud_analyzer.messages import QueueMessage
from fraud_analyzer.queue import FraudQueue
from fraud_analyzer.store import TransactionStore


class _PagedClient:
    """A DynamoDB client stand-in returning one history item per page."""

    def __init__(self, pages: int) -> None:
        self.calls: list[dict[str, Any]] = []
        self._pages = pages

    def query(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        n = len(self.calls)
        page: dict[str, Any] = {"Items": [{"transaction_id": {"S": f"t{n}"}, "amount": {"N": "1.50"}}]}
        if n < self._pages:
            page["LastEvaluatedKey"] = {"k": {"S": str(n)}}
        return page


def test_history_query_follows_pagination_within_one_call() -> None:
    client = _PagedClient(pages=3)
    items = TransactionStore(client, "tbl", "customer-index").customer_history("c-1", 100, 200)
    assert [i["transaction_id"] for i in items] == ["t1", "t2", "t3"]
    assert str(items[0]["amount"]) == "1.50"
    first = client.calls[0]
    assert first["IndexName"] == "customer-index"
    assert first["ExpressionAttributeValues"] == {":c": {"S": "c-1"}, ":lo": {"N": "100"}, ":hi": {"N": "200"}}
    assert client.calls[1]["ExclusiveStartKey"] == {"k": {"S": "1"}}


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


def test_messages_go_ten_per_call_and_a_failed_call_fails_only_its_messages() -> None:
    client = _BatchClient()
    messages = [
        QueueMessage(body=f'{{"n": {n}}}', decision="review", risk_score=50, customer_id="c") for n in range(23)
    ]

    failures = FraudQueue(client, "https://queue").send(messages)

    assert [len(call) for call in client.calls] == [10, 10, 3]
    assert sorted(failures) == list(range(10, 20))
    assert client.calls[2][0]["Id"] == "20"
    assert client.calls[0][0]["MessageAttributes"]["risk_score"] == {"DataType": "Number", "StringValue": "50"}
