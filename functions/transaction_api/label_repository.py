"""Writing a transaction's label history and its merchant's fraud counter (boto3, low-level client).

One `TransactWriteItems`: an Update of the transaction item, conditioned on the item existing and
on `label_version` being the one read (absent for the first label), and, when the effective label
turns fraud or stops being fraud, the ADD of +1 / -1 to the fraud counter of the transaction's own
day at its terminal or merchant (fraudlib.merchant_counters). Both happen or neither does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from fraudlib.dynamodb_items import deserialize, serialize
from fraudlib.labels import LabelHistory
from fraudlib.merchant_counters import change_frauds, merchant_key, transaction_day
from fraudlib.transaction_item import TransactionItem, label_attributes

from transaction_api.label_service import LabelVersionChangedError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

_SET = ("labels", "label", "label_source", "label_reported_at", "label_version")
_FRAUD_SINCE = "fraud_reported_at"


def label_update(table_name: str, item: TransactionItem, attributes: dict[str, Any]) -> dict[str, Any]:
    """The TransactWriteItems entry that sets the label `attributes` (`label_attributes`) on `item`,
    valid only while the item holds the label version it was read with."""
    names = {f"#{name}": name for name in (*_SET, _FRAUD_SINCE)}
    values = {f":{name}": attributes[name] for name in _SET}
    expression = "SET " + ", ".join(f"#{name} = :{name}" for name in _SET)
    if attributes[_FRAUD_SINCE] is None:
        expression += f" REMOVE #{_FRAUD_SINCE}"
    else:
        expression += f", #{_FRAUD_SINCE} = :{_FRAUD_SINCE}"
        values[f":{_FRAUD_SINCE}"] = attributes[_FRAUD_SINCE]
    names["#id"] = "transaction_id"
    if item.label_version is None:
        condition = "attribute_exists(#id) AND attribute_not_exists(#label_version)"
    else:
        condition = "attribute_exists(#id) AND #label_version = :read_version"
        values[":read_version"] = item.label_version
    return {
        "Update": {
            "TableName": table_name,
            "Key": serialize({"transaction_id": item.transaction_id, "timestamp": item.timestamp}),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": serialize(values),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


class LabelRepository:
    """Writes label histories of the transactions table and the fraud counters they move."""

    def __init__(self, client: DynamoDBClient, table_name: str, counters_table_name: str) -> None:
        """Use `client` (created once per container) against the two tables."""
        self._client = client
        self._table_name = table_name
        self._counters_table_name = counters_table_name

    def write(self, item: TransactionItem, history: LabelHistory, fraud_change: int) -> TransactionItem:
        """Store `history` on `item` and move the fraud counter by `fraud_change`, in one transaction.

        Raises `LabelVersionChangedError` (with the item as it is now, when DynamoDB returns it) when
        another label was written since `item` was read, or when the item is gone.
        """
        attributes = label_attributes(history, (item.label_version or 0) + 1)
        entries = [label_update(self._table_name, item, attributes)]
        key = merchant_key(item.terminal_id, item.merchant_id)
        if fraud_change and key is not None:
            entries.append(change_frauds(self._counters_table_name, key, transaction_day(item.timestamp), fraud_change))
        try:
            self._client.transact_write_items(TransactItems=entries)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            raise _why_cancelled(item, exc.response.get("CancellationReasons", [])) from exc
        written = {**item.to_item(), **attributes}
        return TransactionItem.from_item({name: value for name, value in written.items() if value is not None})


def _why_cancelled(item: TransactionItem, reasons: list[Any]) -> Exception:
    codes = [reason.get("Code") for reason in reasons]
    first = reasons[0] if reasons else {}
    if first.get("Code") == "ConditionalCheckFailed":
        holder = first.get("Item")
        return LabelVersionChangedError(TransactionItem.from_item(deserialize(holder)) if holder else None)
    if "TransactionConflict" in codes:
        # Another transaction on the item (a concurrent label, a score write) was in flight.
        return LabelVersionChangedError(None)
    return RuntimeError(f"label write of {item.transaction_id} cancelled: {codes}")
