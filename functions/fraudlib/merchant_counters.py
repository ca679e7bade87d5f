"""The one stored shape of a merchant's risk aggregate: one item per merchant, daily counters inside.

One item per merchant (its terminal when the transaction names one, else the merchant), so that one
BatchGetItem key serves a merchant whatever the number of its transactions in a batch. Each day's
counters are top-level attributes (`tx#2026-11-22`, `fraud#2026-11-22`) rather than entries of a
map: DynamoDB's ADD creates a missing top-level number but cannot create an entry inside a map that
does not exist yet, and counters must be created and incremented by one atomic expression.

Who changes what, so that the counters are exact under redelivery, retries and repeated labels:
- `tx#<day>`: +1 by the analyzer, in the same TransactWriteItems as the conditional first write of
  the transaction's score (`scored_at` absent), so a redelivered record counts nothing twice;
- `fraud#<day>`: +1 / -1 by the label route, in the same TransactWriteItems as the label write that
  makes the transaction's effective label become / stop being fraud, conditioned on the label history
  the change was computed from.
`<day>` is always the transaction's own day (UTC), never the day a label arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

KEY_ATTRIBUTE = "merchant_key"
"""Hash key of the merchant counters table."""
TRANSACTIONS_PREFIX = "tx#"
FRAUDS_PREFIX = "fraud#"
READ_DAYS = 38
"""Days of counters a scoring read needs: the longest merchant window (30 days) ending
`label_delay_days` (7) before the transaction's day, plus that day itself."""


def merchant_key(terminal_id: str | None, merchant_id: str | None) -> str | None:
    """The aggregate's key: the terminal when known (the finer unit a compromise affects), else the
    merchant; None when the transaction names neither (nothing is counted)."""
    if terminal_id:
        return f"terminal#{terminal_id}"
    if merchant_id:
        return f"merchant#{merchant_id}"
    return None


def transaction_day(timestamp: int) -> str:
    """The UTC day (ISO date) of an epoch-seconds timestamp: the day counters are kept by."""
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def _counter_update(table_name: str, key: str, attribute: str, change: int) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table_name,
            "Key": {KEY_ATTRIBUTE: {"S": key}},
            "UpdateExpression": "ADD #counter :change",
            "ExpressionAttributeNames": {"#counter": attribute},
            "ExpressionAttributeValues": {":change": {"N": str(change)}},
        }
    }


def count_transaction(table_name: str, key: str, day: str) -> dict[str, Any]:
    """One TransactWriteItems entry: one more transaction of `day` at merchant `key`."""
    return _counter_update(table_name, key, TRANSACTIONS_PREFIX + day, 1)


def change_frauds(table_name: str, key: str, day: str, change: int) -> dict[str, Any]:
    """One TransactWriteItems entry: a transaction of `day` at `key` became (+1) or stopped being (-1)
    effectively fraud."""
    if change not in (1, -1):
        raise ValueError(f"a label changes a fraud counter by one, not {change}")
    return _counter_update(table_name, key, FRAUDS_PREFIX + day, change)


def read_projection(until_day: str, days: int = READ_DAYS) -> tuple[str, dict[str, str]]:
    """ProjectionExpression and its names reading the key and the `days` days of counters ending on
    `until_day`, for BatchGetItem: a merchant's item keeps every day it ever counted, scoring needs
    only these."""
    last = date.fromisoformat(until_day).toordinal()
    names = {"#k": KEY_ATTRIBUTE}
    for offset in range(days):
        day = date.fromordinal(last - offset).isoformat()
        names[f"#t{offset}"] = TRANSACTIONS_PREFIX + day
        names[f"#f{offset}"] = FRAUDS_PREFIX + day
    return ", ".join(names), names


def day_counts(item: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """(transactions, frauds) by ISO date of a deserialized aggregate item, other attributes ignored:
    what `MerchantDailyCounters.from_day_counts` takes. Plain dicts, so that the transaction API's
    package does not carry the scoring code."""
    transactions: dict[str, int] = {}
    frauds: dict[str, int] = {}
    for name, value in item.items():
        if name.startswith(TRANSACTIONS_PREFIX):
            transactions[name.removeprefix(TRANSACTIONS_PREFIX)] = int(value)
        elif name.startswith(FRAUDS_PREFIX):
            frauds[name.removeprefix(FRAUDS_PREFIX)] = int(value)
    return transactions, frauds
