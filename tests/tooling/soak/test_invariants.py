"""The soak's invariant checks: all pass on a consistent run, and each fails on the violation it guards."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from tooling.soak.invariants import DayTotals, Observation, check_all
from tooling.soak.traffic import BAD, CONFLICT, DUPLICATE, NEW, PlannedRequest

DAY = "2026-11-30"


def _request(index: int, kind: str, transaction_id: str, amount: str, expected: tuple[int, ...],
             original: int | None = None) -> PlannedRequest:
    body = json.dumps({"transaction_id": transaction_id, "amount": amount, "timestamp": 1_796_000_000})
    return PlannedRequest(index, kind, transaction_id, body, expected, "normal", original)


REQUESTS = [
    _request(0, NEW, "t-1", "10.00", (201,)),
    _request(1, NEW, "t-2", "6000.00", (201,)),
    _request(2, DUPLICATE, "t-1", "10.00", (200,), original=0),
    _request(3, CONFLICT, "t-2", "6001.00", (409,), original=1),
    _request(4, BAD, "t-bad", "-5.00", tuple(range(400, 500))),
]


def _item(transaction_id: str, amount: str, decision: str) -> dict[str, Any]:
    return {"transaction_id": transaction_id, "amount": amount, "decision": decision,
            "scored_at": "2026-11-30T12:00:00+00:00"}


def consistent() -> Observation:
    """A run where everything went right."""
    return Observation(
        requests=REQUESTS,
        statuses={0: 201, 1: 201, 2: 200, 3: 409, 4: 400},
        stored={"t-1": [_item("t-1", "10.00", "approve")], "t-2": [_item("t-2", "6000.00", "block")]},
        markers=frozenset({"t-1", "t-2"}),
        score_writes={"t-1": 1, "t-2": 1},
        conditional_score_writes=True,
        alerts={"t-2": 1},
        dedup_window_seconds=86400,
        run_seconds=300,
        dlq_left=[],
        stream_pending=0,
        fraud_queue_depth=0,
        days={DAY: DayTotals(accepted_by_run=2, scored_of_run=2, stored=7, scored=6, reported=7, reported_unscored=1)},
        merchant_counters={("merchant#m-1", DAY): (2, 2)},
        faults_injected={"alert topic rejects publishes": 3, "analyzer killed mid-batch": 1},
    )


def _failed(observation: Observation) -> dict[str, str]:
    return {c.name: c.detail for c in check_all(observation) if c.passed is False}


def test_a_consistent_run_passes_every_check() -> None:
    checks = check_all(consistent())
    assert [c.status for c in checks] == ["PASS"] * len(checks), checks


@pytest.mark.parametrize(("change", "failing", "named"), [
    pytest.param({"stored": {"t-1": [_item("t-1", "10.00", "approve")] * 2,
                             "t-2": [_item("t-2", "6000.00", "block")]}},
                 "every 201 stored exactly once", "t-1 (1 x 201, 2 stored)", id="a duplicate stored"),
    pytest.param({"stored": {"t-1": [_item("t-1", "10.00", "approve")], "t-2": [_item("t-2", "6001.00", "block")]}},
                 "every 201 stored exactly once", "t-2 (stored amount 6001.00", id="a conflict overwrote"),
    pytest.param({"stored": {"t-1": [_item("t-1", "10.00", "approve")]}},
                 "every 201 stored exactly once", "t-2 (1 x 201, 0 stored)", id="a created one lost"),
    pytest.param({"statuses": {0: 201, 1: 201, 2: 500, 3: 409, 4: 400}},
                 "every request answered as the API promises", "#2 duplicate t-1 got 500", id="a replay failed"),
    pytest.param({"statuses": {0: 201, 1: 201, 2: 201, 3: 409, 4: 400}},
                 "every 201 stored exactly once", "t-1 (2 x 201, 1 stored)", id="a replay created again"),
    pytest.param({"alerts": {}}, "every review/block alerted once", "never alerted: t-2", id="a lost alert"),
    pytest.param({"alerts": {"t-2": 2}}, "every review/block alerted once", "t-2 (2x)", id="an alert published twice"),
    pytest.param({"dlq_left": ["shard s sequence 1..2"]}, "DLQ empty after redrive", "shard s sequence 1..2",
                 id="the DLQ left non-empty"),
    pytest.param({"markers": frozenset({"t-1", "t-2", "t-bad"})}, "every 4xx wrote nothing", "t-bad",
                 id="a refused request left a marker"),
    pytest.param({"score_writes": {"t-1": 2, "t-2": 1}}, "every stored transaction scored exactly once",
                 "t-1 (2 writes)", id="scored twice with the conditional write"),
    pytest.param({"score_writes": {"t-1": 1}}, "every stored transaction scored exactly once", "t-2",
                 id="never scored"),
    pytest.param({"merchant_counters": {("merchant#m-1", DAY): (2, 3)}}, "merchant counters exact",
                 "merchant#m-1 2026-11-30: counted 3, stored 2", id="a counter counted twice"),
    pytest.param({"stream_pending": 4}, "stream iterator caught up, fraud queue empty", "4 stream records",
                 id="the stream behind"),
    pytest.param({"days": {DAY: DayTotals(2, 1, 7, 6, 7, 1)}}, "transactions in = scored = reported, per day",
                 "accepted 2, of them scored 1", id="a transaction of the run unscored"),
    pytest.param({"days": {DAY: DayTotals(2, 2, 7, 6, 6, 1)}}, "transactions in = scored = reported, per day",
                 "reported 6", id="a report short of the table"),
    pytest.param({"days": {DAY: DayTotals(2, 2, 7, 6, 7, 0)}}, "transactions in = scored = reported, per day",
                 "(0 unscored)", id="a report that does not see what is unscored"),
    pytest.param({"faults_injected": {"analyzer killed mid-batch": 0}}, "every fault injected",
                 "analyzer killed mid-batch", id="a fault that never fired"),
])
def test_each_violation_fails_its_check(change: dict[str, Any], failing: str, named: str) -> None:
    failed = _failed(dataclasses.replace(consistent(), **change))
    assert failing in failed
    assert set(failed) <= {failing, "every request answered as the API promises"}
    assert named in failed[failing]


def test_an_unconditional_write_back_is_held_to_at_least_once() -> None:
    observation = dataclasses.replace(consistent(), conditional_score_writes=False, score_writes={"t-1": 2, "t-2": 1})
    [check] = [c for c in check_all(observation) if c.name == "every stored transaction scored exactly once"]
    assert check.passed and "at least once: 1 written again" in check.detail


def test_merchant_counters_are_skipped_with_the_reason_when_not_deployed() -> None:
    [check] = [c for c in check_all(dataclasses.replace(consistent(), merchant_counters=None))
               if c.name == "merchant counters exact"]
    assert check.status == "SKIP" and check.detail.startswith("not deployed")
    fed_not = dataclasses.replace(consistent(), merchant_counters=None, merchant_counters_absent="not fed: ...")
    assert [c.detail for c in check_all(fed_not) if c.name == "merchant counters exact"] == ["not fed: ..."]


def test_a_run_longer_than_the_dedup_window_tolerates_a_second_alert() -> None:
    observation = dataclasses.replace(consistent(), alerts={"t-2": 2}, run_seconds=90000)
    assert _failed(observation) == {}
