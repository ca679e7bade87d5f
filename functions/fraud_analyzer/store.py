"""Data access to the transactions table: customer history reads and the one write of a score.

The score write-back is one TransactWriteItems: the update of the transaction item, conditioned on
the item existing and not being scored yet (`scored_at` absent), and +1 on its merchant's transaction
counter of its day. Both happen exactly once whatever the number of deliveries of the stream record;
a redelivered record finds the item scored, and the transaction cancelled returns the stored item
(ReturnValuesOnConditionCheckFailure=ALL_OLD), whose stored decision the caller then acts on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import islice
from typing import Any

from fraudlib.dynamodb_items import deserialize, page_items, serialize
from fraudlib.merchant_counters import count_transaction
from fraudlib.scoring import ScoreResult
from fraudlib.transaction_item import TransactionItem, score_attributes

# A bound on memory for a customer with an extreme number of transactions: the most recent ones
# matter most, so the query reads newest first and stops here.
MAX_HISTORY_ITEMS = 10_000


class WriteStatus(StrEnum):
    """What the score write-back did."""

    SAVED = "saved"
    """Score written and the transaction counted, just now."""
    ALREADY_SCORED = "already_scored"
    """An earlier delivery scored and counted it; nothing was written."""
    MISSING = "missing"
    """The item no longer exists (deleted or expired since it was streamed); nothing was written."""


@dataclass(frozen=True)
class ScoreWrite:
    """The outcome of a score write-back; `stored` is the item as scored before, when ALREADY_SCORED."""

    status: WriteStatus
    stored: TransactionItem | None = None


_SAVED = ScoreWrite(WriteStatus.SAVED)
_MISSING = ScoreWrite(WriteStatus.MISSING)


class TransactionStore:
    """Reads a customer's recent transactions from the customer index and writes scores to items."""

    def __init__(self, client: Any, table_name: str, customer_index_name: str, counters_table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._index = customer_index_name
        self._counters = counters_table_name

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

    def save_score(
        self, item: TransactionItem, result: ScoreResult, scored_at: datetime, merchant_key: str | None, day: str
    ) -> ScoreWrite:
        """Write score, decision, reasons, model version, top features and scored_at onto the item and
        count the transaction at `merchant_key` on `day` (nothing to count when the key is None), in one
        transaction that happens once per transaction.

        The condition keeps an update from recreating a transaction that was deleted (or expired) since
        it was streamed (MISSING), and a redelivered record from scoring or counting twice
        (ALREADY_SCORED, with the stored item). Any other cancellation or failure raises, so the record
        is retried.
        """
        values = serialize(score_attributes(result, scored_at))
        update = {
            "TableName": self._table,
            "Key": serialize({"transaction_id": item.transaction_id, "timestamp": item.timestamp}),
            "UpdateExpression": "SET risk_score = :s, decision = :d, reasons = :r, model_version = :m,"
                                " top_features = :f, scored_at = :t",
            "ConditionExpression": "attribute_exists(transaction_id) AND attribute_not_exists(scored_at)",
            "ExpressionAttributeValues": {
                ":s": values["risk_score"],
                ":d": values["decision"],
                ":r": values["reasons"],
                ":m": values["model_version"],
                ":f": values["top_features"],
                ":t": values["scored_at"],
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        writes: list[dict[str, Any]] = [{"Update": update}]
        if merchant_key is not None:
            writes.append(count_transaction(self._counters, merchant_key, day))
        try:
            self._client.transact_write_items(TransactItems=writes)
        except self._client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or []
            first = reasons[0] if reasons else {}
            if first.get("Code") != "ConditionalCheckFailed":
                raise  # a conflict with a concurrent label write, throttling: retried with the record
            stored = first.get("Item")
            if not stored:
                return _MISSING
            return ScoreWrite(WriteStatus.ALREADY_SCORED, TransactionItem.from_item(deserialize(stored)))
        return _SAVED
