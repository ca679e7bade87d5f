"""The scoring view of a stored transaction item."""

from __future__ import annotations

from fraudlib.scoring import Transaction
from fraudlib.transaction_item import TransactionItem


def to_transaction(item: TransactionItem) -> Transaction:
    """What the scoring rules look at, from a validated item."""
    return Transaction(
        transaction_id=item.transaction_id,
        customer_id=item.customer_id,
        timestamp=item.timestamp,
        amount=item.amount,
        currency=item.currency,
        country=item.country,
        merchant_category=item.merchant_category,
        latitude=None if item.latitude is None else float(item.latitude),
        longitude=None if item.longitude is None else float(item.longitude),
    )
