"""The deployed table shapes, for handler tests under moto: one definition instead of one per function.

Mirrors modules/transactions_table.py, modules/idempotency_table.py and modules/merchant_counters_table.py
(keys, indexes, projections).
"""

from __future__ import annotations

from typing import Any

CUSTOMER_INDEX = "customer-index"
DAY_INDEX = "day-index"


def _index(name: str, partition_key: str) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": partition_key, "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


def create_transactions_table(client: Any, name: str) -> None:
    """The transactions table: transaction_id + timestamp, with the customer and day indexes."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "transaction_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
            {"AttributeName": "customer_id", "AttributeType": "S"},
            {"AttributeName": "day_shard", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "transaction_id", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[_index(CUSTOMER_INDEX, "customer_id"), _index(DAY_INDEX, "day_shard")],
    )


def create_idempotency_table(client: Any, name: str) -> None:
    """The idempotency table: `id` key, as the Powertools persistence layer expects."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )


def create_merchant_counters_table(client: Any, name: str) -> None:
    """The merchant counters table: one item per terminal or merchant, `merchant_key` key."""
    from fraudlib.merchant_counters import KEY_ATTRIBUTE

    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": KEY_ATTRIBUTE, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": KEY_ATTRIBUTE, "KeyType": "HASH"}],
    )
