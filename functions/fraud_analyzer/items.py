"""The scoring view of a stored transaction item."""

from __future__ import annotations

from dataclasses import fields

from fraudlib.scoring import Transaction
from fraudlib.transaction_item import TransactionItem

_COORDINATES = ("latitude", "longitude")


def to_transaction(item: TransactionItem) -> Transaction:
    """What the scoring rules look at, from a validated item: the item's attributes of the same names
    (what the item does not store keeps the scoring default), coordinates as floats, which is what the
    distance computations take."""
    stored = TransactionItem.model_fields
    values = {field.name: getattr(item, field.name) for field in fields(Transaction) if field.name in stored}
    for name in _COORDINATES:
        values[name] = None if values[name] is None else float(values[name])
    return Transaction(**values)
