"""Data access to the transactions table: customer history reads and score writes."""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any

from fraudlib.dynamodb_items import page_items, serialize
from fraudlib.scoring import ScoreResult
from fraudlib.transaction_item import score_attributes

# A bound on memory for a customer with an extreme number of transactions: the most recent ones
# matter most, so the query reads newest first and stops here.
MAX_HISTORY_ITEMS = 10_000


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
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=self._index,
            KeyConditionExpression="customer_id = :c AND #ts BETWEEN :lo AND :hi",
            ExpressionAttributeNames={"#ts": "timestamp"},
            ExpressionAttributeValues={":c": {"S": customer_id}, ":lo": {"N": str(since)}, ":hi": {"N": str(until)}},
            ScanIndexForward=False,
        )
        items = (item for page in page_items(pages) for item in page)
        return list(islice(items, MAX_HISTORY_ITEMS))

    def save_score(self, transaction_id: str, timestamp: int, result: ScoreResult, scored_at: datetime) -> bool:
        """Write score, decision, reasons, model version, top features and scored_at onto the item.

        Returns False, writing nothing, when the item no longer exists: the condition keeps an
        update from recreating a transaction that was deleted (or expired) since it was streamed.
        """
        values = serialize(score_attributes(result, scored_at))
        try:
            self._client.update_item(
                TableName=self._table,
                Key=serialize({"transaction_id": transaction_id, "timestamp": timestamp}),
                UpdateExpression="SET risk_score = :s, decision = :d, reasons = :r, model_version = :m,"
                                 " top_features = :f, scored_at = :t",
                ConditionExpression="attribute_exists(transaction_id)",
                ExpressionAttributeValues={
                    ":s": values["risk_score"],
                    ":d": values["decision"],
                    ":r": values["reasons"],
                    ":m": values["model_version"],
                    ":f": values["top_features"],
                    ":t": values["scored_at"],
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
