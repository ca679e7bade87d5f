"""Offline features equal the analyzer's: the replay against inputs built as the deployed analyzer reads them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from fraudlib.scoring import FEATURE_NAMES, CustomerHistory, MerchantDailyCounters, ScoringConfig, evaluate, load_model
from fraudlib.scoring.engine import score_features
from fraudlib.scoring.features import feature_vector, rule_hits

from tests.tooling.detection.conftest import TEST
from tooling.detection.dataset import LabelledTransaction, read_dataset
from tooling.detection.periods import DAY, parse_period
from tooling.detection.replay import replay

CONFIG = ScoringConfig()
HISTORY_DAYS = 30
FRAUD_RATE_7D = FEATURE_NAMES.index("merchant_fraud_rate_7d")


def _as_the_analyzer_reads(
    rows: list[LabelledTransaction], row: LabelledTransaction
) -> tuple[CustomerHistory, MerchantDailyCounters]:
    """The customer's last 30 days from the table (labels reported so far) and the merchant's one item."""
    now = row.txn.timestamp
    history = []
    for other in rows:
        if other.txn.customer_id == row.txn.customer_id and now - HISTORY_DAYS * DAY <= other.txn.timestamp <= now:
            known = other.txn.fraud_reported_at is not None and other.label_time < now
            history.append(dataclasses.replace(other.txn, fraud_reported_at=other.label_time if known else None))
    transactions: dict[str, int] = {}
    frauds: dict[str, int] = {}
    for other in rows:
        if other.merchant_id != row.merchant_id or other.txn.order_key >= row.txn.order_key:
            continue
        day = datetime.fromtimestamp(other.txn.timestamp, UTC).date().isoformat()
        transactions[day] = transactions.get(day, 0) + 1
        if other.is_fraud and other.label_time < now:
            frauds[day] = frauds.get(day, 0) + 1
    return CustomerHistory(history, CONFIG), MerchantDailyCounters.from_day_counts(transactions, frauds)


def test_replayed_features_and_scores_equal_the_analyzers(small_csv: Path) -> None:
    rows = read_dataset(small_csv, CONFIG.label_delay_days)
    period = parse_period(TEST)
    sample = [r for r in rows if period.contains(r.txn.timestamp)][::23]
    chosen = {r.txn.transaction_id for r in sample}
    table = replay(rows, CONFIG, lambda r: r.txn.transaction_id in chosen)
    model = load_model()
    assert len(table.rows) == len(sample) > 20
    assert any(f[FRAUD_RATE_7D] > 0 for f in table.features), "the sample must exercise merchant labels"
    for row, offline, hits in zip(table.rows, table.features, table.hits, strict=True):
        history, merchant = _as_the_analyzer_reads(rows, row)
        position = history.position(row.txn)
        online = feature_vector(row.txn, history, position, merchant, rule_hits(row.txn, history, position), CONFIG)
        assert online == offline, row.txn.transaction_id
        assert evaluate(row.txn, history, merchant=merchant) == score_features(offline, hits, model, CONFIG)

