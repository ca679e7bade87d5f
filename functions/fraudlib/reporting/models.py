"""The view of a stored transaction that the daily report needs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fraudlib.scores import Decision


@dataclass(frozen=True, slots=True)
class ReportTransaction:
    """One transaction of the report day; score fields are None while it is not scored yet."""

    transaction_id: str
    timestamp: int
    customer_id: str
    merchant_id: str | None
    terminal_id: str | None
    merchant_category: str | None
    country: str | None
    amount: Decimal
    currency: str
    risk_score: int | None
    decision: Decision | None
    rules: tuple[str, ...] = ()

    @property
    def merchant_key(self) -> str:
        """Who to attribute the transaction to: the merchant, else the terminal (marked as such)."""
        if self.merchant_id:
            return self.merchant_id
        if self.terminal_id:
            return f"terminal:{self.terminal_id}"
        return "unknown"

    @property
    def flagged(self) -> bool:
        """Whether scoring asked for a review or a block."""
        return self.decision in (Decision.REVIEW, Decision.BLOCK)
