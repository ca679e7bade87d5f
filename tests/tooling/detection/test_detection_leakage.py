"""No feature sees a label before it is reported, nor the transaction's own label."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from fraudlib.scoring import ScoringConfig

from tooling.detection.dataset import LabelledTransaction, read_dataset
from tooling.detection.replay import replay

CONFIG = ScoringConfig()


def _relabel(row: LabelledTransaction, is_fraud: bool, label_time: int | None = None) -> LabelledTransaction:
    when = row.label_time if label_time is None else label_time
    txn = dataclasses.replace(row.txn, fraud_reported_at=when if is_fraud else None)
    return dataclasses.replace(row, txn=txn, is_fraud=is_fraud, label_time=when)


def test_labels_reported_after_a_transaction_never_change_its_features(small_csv: Path) -> None:
    rows = read_dataset(small_csv, CONFIG.label_delay_days)
    cut = rows[len(rows) // 2].txn.timestamp
    # Every label reported after the cut is flipped: frauds become legitimate and the reverse.
    flipped = [_relabel(r, not r.is_fraud) if r.label_time >= cut else r for r in rows]
    assert sum(r.is_fraud for r in flipped) != sum(r.is_fraud for r in rows)
    before = replay(rows, CONFIG, lambda r: r.txn.timestamp <= cut)
    after = replay(flipped, CONFIG, lambda r: r.txn.timestamp <= cut)
    assert len(before.rows) > 1000
    assert before.features == after.features
    # Control: the same flip does change features of later transactions (the test can fail).
    later_before = replay(rows, CONFIG, lambda r: r.txn.timestamp > cut + 8 * 86400)
    later_after = replay(flipped, CONFIG, lambda r: r.txn.timestamp > cut + 8 * 86400)
    assert later_before.features != later_after.features


def test_a_transaction_never_sees_its_own_label_even_when_reported_at_once(small_csv: Path) -> None:
    rows = read_dataset(small_csv, CONFIG.label_delay_days)
    # Labels known the second the transaction happens: the most a feature could leak.
    instant = [_relabel(r, r.is_fraud, r.txn.timestamp) for r in rows]
    chosen = [r.txn.transaction_id for r in instant[len(instant) // 2 :: 997]][:5]
    for transaction_id in chosen:
        index = next(i for i, r in enumerate(instant) if r.txn.transaction_id == transaction_id)
        as_fraud = [*instant[:index], _relabel(instant[index], True), *instant[index + 1 :]]
        as_legit = [*instant[:index], _relabel(instant[index], False), *instant[index + 1 :]]
        keep = {transaction_id}
        fraud = replay(as_fraud, CONFIG, lambda r, keep=keep: r.txn.transaction_id in keep)
        legit = replay(as_legit, CONFIG, lambda r, keep=keep: r.txn.transaction_id in keep)
        assert fraud.features == legit.features
