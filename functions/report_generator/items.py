"""The report view of a stored transaction item."""

from __future__ import annotations

from fraudlib.reporting import ReportTransaction
from fraudlib.transaction_item import TransactionItem


def to_report_transaction(item: TransactionItem) -> ReportTransaction:
    """What the daily report counts, from a validated item."""
    return ReportTransaction(
        transaction_id=item.transaction_id,
        timestamp=item.timestamp,
        customer_id=item.customer_id,
        merchant_id=item.merchant_id,
        terminal_id=item.terminal_id,
        merchant_category=item.merchant_category,
        country=item.country,
        amount=item.amount,
        currency=item.currency,
        risk_score=item.risk_score,
        decision=item.decision,
        rules=tuple(reason.rule for reason in item.reasons),
    )
