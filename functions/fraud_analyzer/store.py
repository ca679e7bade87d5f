"""Data access to the transactions table: customer history reads and score writes."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from fraudlib.scoring import ScoreResult

# Only what scoring needs: a smaller read, and the query works on an index projecting these (INCLUDE).
_HISTORY_PROJECTION = (
    "transaction_id, #ts, customer_id, amount, currency, country, merchant_category, latitude, longitude"
)
# A bound on memory for a customer with an extreme number of transactions: the most recent ones
# matter most, so the query reads newest first and stops here.
MAX_HISTORY_ITEMS = 10_000

_deserializer = TypeDeserializer()


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


class TransactionStore:
    """Reads a customer's recent transactions from the customer index and writes scores to items."""

    def __init__(self, client: Any, table_name: str, customer_index_name: str) -> None:
        self._client = client
        self._table = table_name
        self._index = customer_index_name

    def customer_history(self, customer_id: str, since: int, until: int) -> list[dict[str, Any]]:
        """The customer's items with since <= timestamp <= until, newest first, across all pages.

        One logical Query (several pages at most) per call: the caller calls it once per customer.
        """
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": self._index,
            "KeyConditionExpression": "customer_id = :c AND #ts BETWEEN :lo AND :hi",
            "ExpressionAttributeNames": {"#ts": "timestamp"},
            "ExpressionAttributeValues": {
                ":c": {"S": customer_id},
                ":lo": {"N": str(since)},
                ":hi": {"N": str(until)},
            },
            "ProjectionExpression": _HISTORY_PROJECTION,
            "ScanIndexForward": False,
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self._client.query(**params)
            items.extend(_deserialize(item) for item in page.get("Items", []))
            last_key = page.get("LastEvaluatedKey")
            if not last_key or len(items) >= MAX_HISTORY_ITEMS:
                return items[:MAX_HISTORY_ITEMS]
            params["ExclusiveStartKey"] = last_key

    def save_score(self, transaction_id: str, timestamp: int, result: ScoreResult, scored_at: str) -> bool:
        """Write score, decision, reasons and scored_at onto the item.

        Returns False, writing nothing, when the item no longer exists: the condition keeps an
        update from recreating a transaction that was deleted (or expired) since it was streamed.
        """
        reasons = [
            {
                "M": {
                    "rule": {"S": hit.rule},
                    "contribution": {"N": str(hit.contribution)},
                    "detail": {"S": hit.detail},
                }
            }
            for hit in result.reasons
        ]
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"transaction_id": {"S": transaction_id}, "timestamp": {"N": str(timestamp)}},
                UpdateExpression="SET risk_score = :s, decision = :d, reasons = :r, scored_at = :t",
                ConditionExpression="attribute_exists(transaction_id)",
                ExpressionAttributeValues={
                    ":s": {"N": str(result.risk_score)},
                    ":d": {"S": result.decision.value},
                    ":r": {"L": reasons},
                    ":t": {"S": scored_at},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
