"""Unit tests of the batch plan: one history read per customer, batch records part of the history."""

from __future__ import annotations

from typing import Any

import pytest
from fraud_analyzer.plan import BatchPlan, HistoryUnavailableError
from fraudlib.scoring import ScoringConfig, evaluate

from tests.functions.items import stored_item

T0 = 1763812800


def _item(tid: str, customer: str, ts: int, amount: str = "3.00", **extra: Any) -> dict[str, Any]:
    return stored_item(tid, customer, ts, amount, **extra)


def test_batch_records_are_history_for_later_ones_even_when_the_index_lags() -> None:
    plan = BatchPlan(ScoringConfig(), history_window_days=30)
    for n in range(4):
        plan.add_item(f"s{n}", _item(f"t{n}", "c-1", T0 + 60 * n))
    reads: list[tuple[str, int, int]] = []

    def read(customer_id: str, since: int, until: int) -> list[dict[str, Any]]:
        reads.append((customer_id, since, until))
        return []  # the index has not caught up with this batch yet

    plan.load_histories(read, lambda *_: None)

    assert reads == [("c-1", T0 - 30 * 86400, T0 + 180)]
    # Four small amounts within four minutes: the fourth is card testing, the third is not yet.
    _, third, history = plan.resolve("s2")
    assert "card_testing" not in {h.rule for h in evaluate(third, history).reasons}
    _, fourth, history = plan.resolve("s3")
    assert "card_testing" in {h.rule for h in evaluate(fourth, history).reasons}


def test_stored_copy_of_a_batch_record_is_not_counted_twice() -> None:
    plan = BatchPlan(ScoringConfig(), history_window_days=30)
    plan.add_item("s0", _item("t0", "c-1", T0))
    plan.load_histories(lambda *_: [_item("t0", "c-1", T0)], lambda *_: None)

    _, txn, history = plan.resolve("s0")

    assert len(history) == 1
    assert history.position(txn) == 0


def test_malformed_and_failing_records_are_kept_per_record() -> None:
    plan = BatchPlan(ScoringConfig(), history_window_days=30)
    plan.add_item("ok", _item("t0", "c-ok", T0))
    plan.add_item("bad", {"transaction_id": "t1", "customer_id": "c-ok"})
    plan.add_item("down", _item("t2", "c-down", T0))
    errors: list[str] = []

    def read(customer_id: str, since: int, until: int) -> list[dict[str, Any]]:
        if customer_id == "c-down":
            raise TimeoutError("read timed out")
        return [{"transaction_id": "junk"}]  # a malformed stored item is skipped, not fatal

    stats = plan.load_histories(read, lambda customer, exc: errors.append(customer))

    assert (stats.queries, stats.failed_customers, stats.malformed_items) == (2, 1, 1)
    assert errors == ["c-down"]
    assert plan.resolve("ok")[1].transaction_id == "t0"
    with pytest.raises(ValueError, match="timestamp"):
        plan.resolve("bad")
    with pytest.raises(HistoryUnavailableError, match="read timed out") as unavailable:
        plan.resolve("down")
    assert "c-down" not in str(unavailable.value)  # the message reaches logs and traces
