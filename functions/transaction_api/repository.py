"""Data access for the transactions table (boto3, low-level client)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from transaction_api.errors import DuplicateTransactionError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class TransactionRepository:
    """Reads and writes transaction items; numbers come back as `Decimal`, never `float`."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        """Use `client` (created once per container) against `table_name`."""
        self._client = client
        self._table_name = table_name

    def find(self, transaction_id: str) -> dict[str, Any] | None:
        """The item stored under `transaction_id`, whatever its timestamp, or None.

        The sort key (`timestamp`) is not known to a caller holding only the id, hence a Query on
        the partition key. It is strongly consistent: a replay right after the first write must
        see that write, or the idempotency check would let a duplicate through.
        """
        response = self._client.query(
            TableName=self._table_name,
            KeyConditionExpression="transaction_id = :id",
            ExpressionAttributeValues={":id": {"S": transaction_id}},
            ConsistentRead=True,
            Limit=1,
        )
        items = response.get("Items", [])
        if not items:
            return None
        return {name: _deserializer.deserialize(value) for name, value in items[0].items()}

    def insert(self, item: dict[str, Any]) -> None:
        """Write a new item; raises `DuplicateTransactionError` instead of overwriting one."""
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item={name: _serializer.serialize(value) for name, value in item.items()},
                ConditionExpression="attribute_not_exists(transaction_id)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise DuplicateTransactionError(item["transaction_id"]) from exc
            raise
