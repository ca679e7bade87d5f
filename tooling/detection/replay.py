"""Builds features for a labelled dataset by replaying it in time order, as the analyzer would have seen it.

Events are applied in time order: a fraud label becomes visible to its merchant's counters just after
its label_time, to transactions later than it, so never to its own, even at delay 0 (the customer's
features see it from the same moment, through Transaction.fraud_reported_at); a transaction is scored
before it is counted. Features come from fraudlib.scoring.features, the
code the analyzer runs; nothing about a row's own label, or any label not yet visible at the row's
timestamp, can reach its features.

The customer's history here is every earlier transaction of the file; the analyzer loads its
`HISTORY_WINDOW_DAYS` (at least the 30 days the features use). Only the rules new_country and
unusual_hour look further back than 30 days, so only their flags can differ for long histories.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fraudlib.scores import RuleHit
from fraudlib.scoring.config import ScoringConfig
from fraudlib.scoring.features import MerchantDailyCounters, feature_vector, rule_hits
from fraudlib.scoring.history import CustomerHistory
from fraudlib.scoring.rules import DAY

from tooling.detection.dataset import LabelledTransaction


@dataclass
class FeatureTable:
    """The selected rows, in time order, with their features and the rules that fired."""

    rows: list[LabelledTransaction] = field(default_factory=list)
    features: list[list[float]] = field(default_factory=list)
    hits: list[tuple[RuleHit, ...]] = field(default_factory=list)

    def subset(self, keep: Callable[[LabelledTransaction], bool]) -> FeatureTable:
        """The rows for which `keep` is true."""
        chosen = [i for i, row in enumerate(self.rows) if keep(row)]
        return FeatureTable(
            [self.rows[i] for i in chosen], [self.features[i] for i in chosen], [self.hits[i] for i in chosen]
        )


def replay(
    rows: Sequence[LabelledTransaction],
    config: ScoringConfig,
    select: Callable[[LabelledTransaction], bool],
) -> FeatureTable:
    """Features of the rows `select` picks; `rows` must be in (timestamp, transaction_id) order."""
    by_customer: dict[str, list[LabelledTransaction]] = {}
    for row in rows:
        by_customer.setdefault(row.txn.customer_id, []).append(row)
    histories = {
        customer: CustomerHistory((r.txn for r in own), config) for customer, own in by_customer.items()
    }
    labels = sorted((r.label_time, r.txn.timestamp // DAY, r.merchant_id) for r in rows if r.is_fraud)
    merchants: dict[str, MerchantDailyCounters] = {}
    table = FeatureTable()
    next_label = 0
    for row in rows:
        txn = row.txn
        while next_label < len(labels) and labels[next_label][0] < txn.timestamp:
            _, day, merchant_id = labels[next_label]
            merchants.setdefault(merchant_id, MerchantDailyCounters()).record_fraud(day)
            next_label += 1
        counters = merchants.setdefault(row.merchant_id, MerchantDailyCounters())
        if select(row):
            history = histories[txn.customer_id]
            position = history.position(txn)
            hits = rule_hits(txn, history, position)
            table.rows.append(row)
            table.features.append(feature_vector(txn, history, position, counters, hits, config))
            table.hits.append(hits)
        counters.record_transaction(txn.timestamp // DAY)
    return table
