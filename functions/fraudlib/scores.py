"""Value objects of fraud scoring, shared by every function: a transaction in, a scored result out, the
decision set. Outside the scoring package so that functions which only read or send scores do not load
the engine and its model."""

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
    seconds, UTC. Coordinates are optional and only used for the travel rule. `fraud_reported_at`
    (epoch seconds) is when a fraud label on this transaction became effective, None when it has none:
    features of a later transaction count it only when that time is before their own timestamp.
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
    fraud_reported_at: int | None = None

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
class FeatureContribution:
    """One model feature that pushed a score up: its value and its share of the log-odds (path attribution)."""

    feature: str
    value: float
    contribution: float

    @property
    def detail(self) -> str:
        """The contribution in words an analyst can read."""
        return f"{self.feature} = {self.value:.6g} raised the fraud log-odds by {self.contribution:.2f}"


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The outcome of scoring one transaction.

    `risk_score` is the model's fraud probability in percent, rounded (raised to a decision threshold by
    fired rules the model never learned, see engine); `score` is the same unrounded, for
    ranking. `reasons` are the rules that fired (contribution: the rule's hand weight), `top_features`
    the model features that raised this score most, and `rule_score` what the hand-weighted rules alone
    would have scored.
    """

    risk_score: int
    decision: Decision
    reasons: tuple[RuleHit, ...]
    model_version: str = ""
    score: float = 0.0
    top_features: tuple[FeatureContribution, ...] = ()
    rule_score: int = 0
