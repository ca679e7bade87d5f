"""Value objects the scoring engine works on: a transaction in, a scored result out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Decision(StrEnum):
    """What should happen to a transaction, in increasing order of severity."""

    APPROVE = "approve"
    REVIEW = "review"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Transaction:
    """The attributes of one card transaction that the rules look at.

    `amount` is a Decimal in the units of `currency` (never a float); `timestamp` is integer epoch
    seconds, UTC. Coordinates are optional and only used for the travel rule.
    """

    transaction_id: str
    customer_id: str
    timestamp: int
    amount: Decimal
    currency: str
    country: str | None = None
    merchant_category: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def order_key(self) -> tuple[int, str]:
        """Total order of a customer's transactions: time, then id to break ties within a second."""
        return (self.timestamp, self.transaction_id)


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule that fired: its name, the points it adds and why, in words an analyst can read."""

    rule: str
    contribution: int
    detail: str


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The outcome of scoring one transaction."""

    risk_score: int
    decision: Decision
    reasons: tuple[RuleHit, ...]
