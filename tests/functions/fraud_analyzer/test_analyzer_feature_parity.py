"""The deployed analyzer's features equal the offline replay's for the same events.

The same forty days of transactions and fraud labels go two ways: as a CSV through the backtest's
replay (tooling/detection), and into mocked AWS as the deployed pipeline stores them: the items (a label
reported before the last day stored on its item with the label route's own attributes, so the customer's
history carries it), each earlier transaction counted at its terminal with the write-back's own counter
update, each label reported before the last day counted as the label route does; then the last day, on
which the victims buy again, is read by the
analyzer's own batch plan (history query, bulk counter read). The feature vectors must be equal, and
the scores the handler stores for that day must be the ones the offline features give. (That the
handler counts each streamed transaction exactly once is tests/functions/fraud_analyzer/
test_analyzer_merchants.py's part.)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from fraud_analyzer.merchant_reads import MerchantCounterReader
from fraud_analyzer.plan import BatchPlan
from fraud_analyzer.store import TransactionStore
from fraudlib.labels import LabelEvent, LabelHistory
from fraudlib.merchant_counters import change_frauds, count_transaction, transaction_day
from fraudlib.scoring import FEATURE_NAMES, ScoringConfig, load_model
from fraudlib.scoring.engine import score_features
from fraudlib.scoring.features import feature_vector, rule_hits
from fraudlib.transaction_item import label_attributes

from tests.functions.fraud_analyzer.conftest import COUNTERS_TABLE, T0, TABLE
from tests.functions.fraud_analyzer.stream import insert_event
from tests.functions.items import stored_item
from tests.functions.tables import CUSTOMER_INDEX
from tooling.detection.dataset import read_dataset
from tooling.detection.replay import replay

DAY = 86400
DAYS = 40
LAST_DAY = T0 // DAY  # 2025-11-22, the day scored and compared
FIRST_DAY = LAST_DAY - DAYS + 1
CONFIG = ScoringConfig()
HISTORY_DAYS = 60  # beyond every rule's look-back, as the replay's whole history is
MERCHANT_FEATURES = [i for i, name in enumerate(FEATURE_NAMES) if name.startswith("merchant_")]
CUSTOMER_FRAUDS = FEATURE_NAMES.index("customer_known_frauds_30d")


@dataclass(frozen=True)
class Event:
    """One transaction, and when its fraud label was reported (None: legitimate)."""

    item: dict[str, Any]
    terminal: str
    fraud_reported_at: int | None = None


def _events() -> list[Event]:
    """Ten customers buying daily at six terminals; four victims whose night purchases at two
    terminals are reported as fraud three to six days later (one of them only after the last day's
    purchases, so after they were scored), and who buy again on the last day."""
    events = []
    for day in range(FIRST_DAY, LAST_DAY + 1):
        for k in range(10):
            ts = day * DAY + (8 + k) * 3600 + 180 * k
            terminal = f"T-{(k + day) % 6}"
            amount = f"{10 + (7 * k + 3 * day) % 50}.00"
            events.append(Event(stored_item(f"t-{day}-{k}", f"c-{k}", ts, amount, terminal_id=terminal), terminal))
    for victim in range(4):
        ts = LAST_DAY * DAY + 20 * 3600 + victim
        events.append(Event(stored_item(f"v-last-{victim}", f"v-{victim}", ts, "40.00", terminal_id="T-0"), "T-0"))
    last_purchase = max(e.item["timestamp"] for e in events)
    for n, day in enumerate(range(FIRST_DAY + 5, LAST_DAY - 2, 4)):
        victim = n % 4
        ts = day * DAY + 2 * 3600 + n
        terminal = f"T-{1 + n % 2}"
        reported = ts + (3 + victim) * DAY
        if LAST_DAY * DAY <= reported <= last_purchase:
            reported = last_purchase + 3600  # keep each label before or after the whole scored day
        item = stored_item(f"f-{day}", f"v-{victim}", ts, f"{150 + n}.00", terminal_id=terminal)
        events.append(Event(item, terminal, reported))
    return sorted(events, key=lambda e: (e.item["timestamp"], e.item["transaction_id"]))


def _write_csv(events: list[Event], path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["transaction_id", "customer_id", "merchant_id", "amount", "currency", "timestamp",
                         "is_fraud", "label_time", "country", "merchant_category"])
        for e in events:
            i = e.item
            writer.writerow([i["transaction_id"], i["customer_id"], e.terminal, i["amount"], i["currency"],
                             i["timestamp"], int(e.fraud_reported_at is not None), e.fraud_reported_at or "",
                             i["country"], i["merchant_category"]])


def _as_stored(event: Event) -> dict[str, Any]:
    """The item once the label route recorded its fraud chargeback (reported at a whole second)."""
    assert event.fraud_reported_at is not None
    reported = LabelEvent(label="fraud", source="chargeback",
                          reported_at=datetime.fromtimestamp(event.fraud_reported_at, UTC))
    labels = label_attributes(LabelHistory.of([reported]), version=1)
    assert labels["fraud_reported_at"] == event.fraud_reported_at
    return {**event.item, **labels}


def test_the_analyzers_features_equal_the_offline_replays(
    app: Any, aws: dict[str, Any], lambda_context: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HISTORY_WINDOW_DAYS", str(HISTORY_DAYS))
    events = _events()
    last_day = [e for e in events if e.item["timestamp"] // DAY == LAST_DAY]
    labelled_before = [e for e in events if e.fraud_reported_at is not None and e.fraud_reported_at < LAST_DAY * DAY]

    # Offline: the backtest's reading of the CSV and its replay.
    _write_csv(events, tmp_path / "events.csv")
    rows = read_dataset(tmp_path / "events.csv", CONFIG.label_delay_days)
    chosen = {e.item["transaction_id"] for e in last_day}
    offline = replay(rows, CONFIG, lambda r: r.txn.transaction_id in chosen)

    # Deployed: the stored items and counters (the updates are the ones the writers' transactions carry;
    # moto copies every table per TransactWriteItems, so they are applied one by one here).
    client = boto3.client("dynamodb", region_name="us-east-1")
    with aws["table"].batch_writer() as writer:
        for e in events:
            writer.put_item(Item=_as_stored(e) if e in labelled_before else e.item)
    updates = [count_transaction(COUNTERS_TABLE, f"terminal#{e.terminal}", transaction_day(e.item["timestamp"]))
               for e in events if e.item["timestamp"] // DAY < LAST_DAY]
    updates += [change_frauds(COUNTERS_TABLE, f"terminal#{e.terminal}", transaction_day(e.item["timestamp"]), 1)
                for e in labelled_before]
    for update in updates:
        client.update_item(**update["Update"])

    plan = BatchPlan(CONFIG, HISTORY_DAYS)
    for n, e in enumerate(last_day):
        plan.add_item(str(n), e.item)
    plan.load_histories(TransactionStore(client, TABLE, CUSTOMER_INDEX, COUNTERS_TABLE).customer_history,
                        lambda customer, exc: pytest.fail(str(exc)))
    plan.load_merchants(MerchantCounterReader(client, COUNTERS_TABLE).read)
    online = {}
    for n in range(len(last_day)):
        inputs = plan.resolve(str(n))
        txn, history = inputs.transaction, inputs.history
        position = history.position(txn)
        online[txn.transaction_id] = feature_vector(
            txn, history, position, inputs.merchant, rule_hits(txn, history, position), CONFIG)

    assert [r.txn.transaction_id for r in offline.rows] == [e.item["transaction_id"] for e in last_day]
    for row, features in zip(offline.rows, offline.features, strict=True):
        assert online[row.txn.transaction_id] == features, row.txn.transaction_id
    # The comparison covers customers and merchants with reported frauds, not only empty histories.
    assert any(features[CUSTOMER_FRAUDS] > 0 for features in offline.features)
    assert any(features[i] > 0 for features in offline.features for i in MERCHANT_FEATURES
               if "fraud" in FEATURE_NAMES[i])

    # And the handler, scoring the same day, stores the scores those features give.
    assert app.handler(insert_event([e.item for e in last_day]), lambda_context) == {"batchItemFailures": []}
    model = load_model()
    for row, features, hits in zip(offline.rows, offline.features, offline.hits, strict=True):
        stored = aws["table"].get_item(Key={"transaction_id": row.txn.transaction_id,
                                            "timestamp": row.txn.timestamp})["Item"]
        assert stored["risk_score"] == score_features(features, hits, model, CONFIG).risk_score
