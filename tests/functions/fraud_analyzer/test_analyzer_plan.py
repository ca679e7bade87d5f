"""Unit tests of the batch plan: one history read per customer, batch records part of the history, one
bulk read of the merchants' counters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from fraud_analyzer.merchant_reads import CounterReads, MerchantCountersUnavailableError
from fraud_analyzer.plan import BatchPlan, HistoryUnavailableError
from fraudlib.scoring import ScoringConfig, evaluate
from fraudlib.scoring.features import NO_MERCHANT_HISTORY, day_number

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
    third = plan.resolve("s2")
    assert "card_testing" not in {h.rule for h in evaluate(third.transaction, third.history).reasons}
    fourth = plan.resolve("s3")
    assert "card_testing" in {h.rule for h in evaluate(fourth.transaction, fourth.history).reasons}


def test_stored_copy_of_a_batch_record_is_not_counted_twice() -> None:
    plan = BatchPlan(ScoringConfig(), history_window_days=30)
    plan.add_item("s0", _item("t0", "c-1", T0))
    plan.load_histories(lambda *_: [_item("t0", "c-1", T0)], lambda *_: None)

    inputs = plan.resolve("s0")

    assert len(inputs.history) == 1
    assert inputs.history.position(inputs.transaction) == 0


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
    assert plan.resolve("ok").transaction.transaction_id == "t0"
    with pytest.raises(ValueError, match="timestamp"):
        plan.resolve("bad")
    with pytest.raises(HistoryUnavailableError, match="read timed out") as unavailable:
        plan.resolve("down")
    assert "c-down" not in str(unavailable.value)  # the message reaches logs and traces


def test_one_window_of_days_serves_every_merchant_of_a_batch_spanning_days() -> None:
    plan = BatchPlan(ScoringConfig(label_delay_days=7), history_window_days=30)
    plan.add_item("s0", _item("t0", "c-1", T0 - 86400))  # 2025-11-21
    plan.add_item("s1", _item("t1", "c-2", T0 + 3600, terminal_id="T-1"))  # 2025-11-22
    plan.add_item("bad", {"transaction_id": "t2"})

    # From 30 + 7 days before the 21st to the 22nd: 39 days.
    assert plan.merchant_window() == ("2025-11-22", 39)


def test_merchants_are_read_once_each_and_resolved_per_record() -> None:
    plan = BatchPlan(ScoringConfig(), history_window_days=30)
    plan.add_item("s0", _item("t0", "c-1", T0, terminal_id="T-1"))
    plan.add_item("s1", _item("t1", "c-2", T0, terminal_id="T-1", merchant_id="M-9"))
    plan.add_item("s2", _item("t2", "c-3", T0))  # merchant m-regular, never counted
    plan.add_item("s3", _item("t3", "c-4", T0, terminal_id="T-down"))
    plan.load_histories(lambda *_: [], lambda *_: None)
    reads: list[tuple[list[str], str, int]] = []

    def read(keys: Iterable[str], until_day: str, days: int) -> CounterReads:
        reads.append((list(keys), until_day, days))
        return CounterReads(items={"terminal#T-1": {"merchant_key": "terminal#T-1", "tx#2025-11-01": 4,
                                                    "fraud#2025-11-01": 1}},
                            failures={"terminal#T-down": TimeoutError("read timed out")}, calls=1)

    stats = plan.load_merchants(read)

    assert reads == [(["merchant#m-regular", "terminal#T-1", "terminal#T-down"], "2025-11-22", 38)]
    assert (stats.calls, stats.merchants, stats.found, list(stats.failures)) == (1, 3, 1, ["terminal#T-down"])
    first, second = plan.resolve("s0"), plan.resolve("s1")
    assert first.merchant is second.merchant  # one counters object per merchant
    assert (first.merchant.transactions, first.merchant.frauds) == ({day_number("2025-11-01"): 4},
                                                                    {day_number("2025-11-01"): 1})
    assert (second.merchant_key, second.counted_day) == ("terminal#T-1", "2025-11-22")
    assert plan.resolve("s2").merchant is NO_MERCHANT_HISTORY
    with pytest.raises(MerchantCountersUnavailableError, match="read timed out"):
        plan.resolve("s3")


def test_a_batch_without_merchants_reads_no_counters() -> None:
    plan = BatchPlan(ScoringConfig(), history_window_days=30)
    item = _item("t0", "c-1", T0)
    del item["merchant_id"]
    plan.add_item("s0", item)

    def read(*_: Any) -> CounterReads:
        raise AssertionError("no read expected")

    assert plan.load_merchants(read).calls == 0
    plan.load_histories(lambda *_: [], lambda *_: None)
    assert plan.resolve("s0").merchant_key is None
