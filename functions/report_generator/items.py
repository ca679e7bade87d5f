"""The report view of a stored transaction item."""

from __future__ import annotations

from dataclasses import fields

from fraudlib.reporting import ReportTransaction
from fraudlib.transaction_item import TransactionItem


def to_report_transaction(item: TransactionItem) -> ReportTransaction:
    """What the daily report counts, from a validated item: the item's attributes of the same names,
    and the names of the rules that fired."""
    values = {field.name: getattr(item, field.name) for field in fields(ReportTransaction) if field.name != "rules"}
    return ReportTransaction(**values, rules=tuple(reason.rule for reason in item.reasons))
