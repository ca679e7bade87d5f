"""Data access for the transactions table (boto3, low-level client).

A client-supplied id is claimed with a marker item in the same table, written in one
`TransactWriteItems` together with the record, both conditional. The table's key is
(`transaction_id`, `timestamp`) and a request without a timestamp gets "now", so two copies of one
request carry different record keys and a conditional put of the record alone would let both in;
the marker's key depends on the id only (`id#<id>`, timestamp 0), so exactly one copy wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from fraudlib.dynamodb_items import deserialize, serialize
from fraudlib.transaction_item import ID_MARKER_PREFIX, TransactionItem

from transaction_api.errors import DuplicateTransactionError, RequestInProgressError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

MARKER_TIMESTAMP = 0
"""Sort key of every marker item."""
_NEW_KEY = "attribute_not_exists(transaction_id)"


@dataclass(frozen=True)
class IdClaim:
    """Who holds a transaction id: the fingerprint of its request and the key of its record."""

    request_fingerprint: str
    record_timestamp: int


class IdTakenError(Exception):
    """The transaction id is already claimed; `claim` says by which request."""

    def __init__(self, claim: IdClaim) -> None:
        super().__init__(f"transaction id taken (record timestamp {claim.record_timestamp})")
        self.claim = claim


def marker_item(item: TransactionItem) -> dict[str, Any]:
    """The marker that claims `item`'s id: it expires with the record."""
    return {
        "transaction_id": f"{ID_MARKER_PREFIX}{item.transaction_id}",
        "timestamp": MARKER_TIMESTAMP,
        "request_fingerprint": item.request_fingerprint,
        "record_timestamp": item.timestamp,
        "expires_at": item.expires_at,
    }


class TransactionRepository:
    """Reads and writes transaction items; numbers come back as `Decimal`, never `float`."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        """Use `client` (created once per container) against `table_name`."""
        self._client = client
        self._table_name = table_name

    def find(self, transaction_id: str, timestamp: int | None = None) -> TransactionItem | None:
        """The record stored under `transaction_id` (at `timestamp` when known), or None.

        A caller holding only the id does not know the sort key, hence a Query on the partition
        key. It is strongly consistent: a replay right after the first write must see that write.
        """
        found = self._query_one(transaction_id, timestamp)
        return None if found is None else TransactionItem.from_item(found)

    def insert(self, item: TransactionItem) -> None:
        """Write a record under a fresh id; raises `DuplicateTransactionError` instead of overwriting."""
        try:
            self._client.put_item(
                TableName=self._table_name, Item=serialize(item.to_item()), ConditionExpression=_NEW_KEY
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise DuplicateTransactionError(item.transaction_id) from exc
            raise

    def insert_claimed(self, item: TransactionItem) -> None:
        """Claim the id and write the record in one transaction.

        Raises `IdTakenError` (with the holder's fingerprint and record key) when the id is taken,
        `RequestInProgressError` when a concurrent transaction on the id has not finished yet.
        """
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table_name,
                            "Item": serialize(marker_item(item)),
                            "ConditionExpression": _NEW_KEY,
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._table_name,
                            "Item": serialize(item.to_item()),
                            "ConditionExpression": _NEW_KEY,
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                ]
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            raise self._why_cancelled(item, exc.response.get("CancellationReasons", [])) from exc

    def _why_cancelled(self, item: TransactionItem, reasons: list[Any]) -> Exception:
        codes = [reason.get("Code") for reason in reasons]
        for reason in reasons:
            holder = reason.get("Item")
            if reason.get("Code") == "ConditionalCheckFailed" and holder:
                # The marker (or, for an id claimed before markers existed, the record) that is there.
                found = deserialize(holder)
                timestamp = found["record_timestamp"] if "record_timestamp" in found else found["timestamp"]
                return IdTakenError(IdClaim(str(found.get("request_fingerprint", "")), int(timestamp)))
        if "TransactionConflict" in codes:
            # A concurrent copy is being written: its marker shows once its transaction committed.
            marker = self._query_one(f"{ID_MARKER_PREFIX}{item.transaction_id}", MARKER_TIMESTAMP)
            if marker is not None:
                return IdTakenError(IdClaim(str(marker["request_fingerprint"]), int(marker["record_timestamp"])))
            return RequestInProgressError(item.transaction_id)
        return RuntimeError(f"transaction of {item.transaction_id} cancelled: {codes}")

    def _query_one(self, transaction_id: str, timestamp: int | None) -> dict[str, Any] | None:
        condition = "transaction_id = :id"
        values: dict[str, Any] = {":id": transaction_id}
        names: dict[str, str] = {}
        if timestamp is not None:
            condition += " AND #ts = :ts"
            values[":ts"] = timestamp
            names["#ts"] = "timestamp"
        response = self._client.query(
            TableName=self._table_name,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=serialize(values),
            **({"ExpressionAttributeNames": names} if names else {}),
            ConsistentRead=True,
            Limit=1,
        )
        items = response.get("Items", [])
        return deserialize(items[0]) if items else None
