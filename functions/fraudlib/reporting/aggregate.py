"""Streaming aggregation of one day's transactions into the daily fraud report.

Ranking of the riskiest customers and merchants: only those with at least one flagged (review or
block) transaction that day are listed, ordered by number of flagged transactions, then number of
blocks, then highest score, then average score of their scored transactions, then id; the top N
are kept. Counting flags first favours repeated suspicious activity over a single high score.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from fraudlib.reporting.models import ReportTransaction
from fraudlib.scores import Decision

DECISIONS = tuple(decision.value for decision in Decision)
UNSCORED = "unscored"
_CENT = Decimal("0.01")


@dataclass
class _EntityStats:
    transactions: int = 0
    scored: int = 0
    score_sum: int = 0
    max_score: int = -1
    reviews: int = 0
    blocks: int = 0

    def add(self, txn: ReportTransaction) -> None:
        self.transactions += 1
        if txn.risk_score is not None:
            self.scored += 1
            self.score_sum += txn.risk_score
            self.max_score = max(self.max_score, txn.risk_score)
        if txn.decision == Decision.REVIEW:
            self.reviews += 1
        elif txn.decision == Decision.BLOCK:
            self.blocks += 1

    @property
    def flagged(self) -> int:
        return self.reviews + self.blocks

    def average(self) -> Decimal:
        return (Decimal(self.score_sum) / self.scored).quantize(_CENT) if self.scored else Decimal(0)


@dataclass(frozen=True)
class DailyReport:
    """The finished report: a JSON-able summary plus the flagged transactions in report order."""

    summary: dict[str, Any]
    flagged: tuple[ReportTransaction, ...]


@dataclass
class DailyReportBuilder:
    """Accumulates transactions one by one (in any order) and builds a deterministic report."""

    day: date
    top_n: int = 10
    _count: int = 0
    _currency_counts: Counter[str] = field(default_factory=Counter)
    _currency_totals: dict[str, Decimal] = field(default_factory=dict)
    _decisions: Counter[str] = field(default_factory=Counter)
    _rules: Counter[str] = field(default_factory=Counter)
    _customers: dict[str, _EntityStats] = field(default_factory=dict)
    _merchants: dict[str, _EntityStats] = field(default_factory=dict)
    _flagged: list[ReportTransaction] = field(default_factory=list)
    _seen: set[tuple[str, int]] = field(default_factory=set)

    def add(self, txn: ReportTransaction) -> None:
        """Count one transaction (a repeat of the same id and time is ignored)."""
        key = (txn.transaction_id, txn.timestamp)
        if key in self._seen:
            return
        self._seen.add(key)
        self._count += 1
        self._currency_counts[txn.currency] += 1
        self._currency_totals[txn.currency] = self._currency_totals.get(txn.currency, Decimal(0)) + txn.amount
        # The item model admits only known decisions; an item not scored yet counts as "unscored".
        self._decisions[UNSCORED if txn.decision is None else Decision(txn.decision).value] += 1
        self._rules.update(set(txn.rules))
        self._customers.setdefault(txn.customer_id, _EntityStats()).add(txn)
        self._merchants.setdefault(txn.merchant_key, _EntityStats()).add(txn)
        if txn.flagged:
            self._flagged.append(txn)

    def build(self) -> DailyReport:
        """The report; the same set of transactions always gives the same report."""
        flagged = sorted(self._flagged, key=lambda t: (-(t.risk_score or 0), t.timestamp, t.transaction_id))
        summary = {
            "report_date": self.day.isoformat(),
            "transaction_count": self._count,
            "flagged_count": len(flagged),
            "totals_by_currency": [
                {
                    "currency": currency,
                    "count": self._currency_counts[currency],
                    "total_amount": str(self._currency_totals[currency].quantize(_CENT)),
                }
                for currency in sorted(self._currency_totals)
            ],
            "decisions": {name: self._decisions.get(name, 0) for name in (*DECISIONS, UNSCORED)},
            "top_rules": [
                {"rule": rule, "count": count}
                for rule, count in sorted(self._rules.items(), key=lambda rc: (-rc[1], rc[0]))[: self.top_n]
            ],
            "riskiest_customers": self._ranking(self._customers, "customer_id"),
            "riskiest_merchants": self._ranking(self._merchants, "merchant"),
        }
        return DailyReport(summary=summary, flagged=tuple(flagged))

    def _ranking(self, entities: dict[str, _EntityStats], label: str) -> list[dict[str, Any]]:
        candidates = [(key, stats) for key, stats in entities.items() if stats.flagged]
        candidates.sort(
            key=lambda ks: (-ks[1].flagged, -ks[1].blocks, -ks[1].max_score, -ks[1].average(), ks[0])
        )
        return [
            {
                label: key,
                "flagged_count": stats.flagged,
                "block_count": stats.blocks,
                "review_count": stats.reviews,
                "transaction_count": stats.transactions,
                "max_risk_score": stats.max_score,
                "avg_risk_score": str(stats.average()),
            }
            for key, stats in candidates[: self.top_n]
        ]
