"""The merchant fraud counters stay exact however label events arrive: repeated many times, in any
order, superseding each other, conflicting. Checked through the handler against moto, with the
expected state computed here independently of the function's code."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import Any

from fraudlib.dynamodb_items import deserialize
from fraudlib.merchant_counters import FRAUDS_PREFIX, transaction_day
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.functions.transaction_api.conftest import TABLE

T0 = int(time.time()) - 5 * 86400
PRECEDENCE = {"customer_report": 0, "analyst": 1, "chargeback": 2}

Event = tuple[int, str, str, int]
"""(transaction index, label, source, seconds after the transaction)."""

events = st.tuples(st.integers(0, 2), st.sampled_from(["fraud", "legitimate"]),
                   st.sampled_from(["chargeback", "analyst", "customer_report"]), st.sampled_from([60, 120, 180]))
FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def _post_transactions(post: Any, body: dict[str, Any], merchant: str, count: int) -> list[str]:
    ids = [f"x-{uuid.uuid4().hex[:12]}" for _ in range(count)]
    for index, transaction_id in enumerate(ids):
        response = post({**body, "transaction_id": transaction_id, "merchant_id": merchant, "timestamp": T0 + index})
        assert response["statusCode"] == 201
    return ids


def _send(label: Any, ids: list[str], event: Event) -> int:
    index, outcome, source, seconds = event
    body = {"label": outcome, "source": source, "reported_at": T0 + seconds}
    return int(label(ids[index], body)["statusCode"])


def _stored(dynamodb: Any, transaction_id: str) -> dict[str, Any]:
    items = dynamodb.query(TableName=TABLE, KeyConditionExpression="transaction_id = :id",
                           ExpressionAttributeValues={":id": {"S": transaction_id}}, ConsistentRead=True)["Items"]
    return deserialize(items[0])


def _as_event(index: int, stored: dict[str, Any]) -> Event:
    seconds = int(datetime.fromisoformat(stored["reported_at"]).timestamp()) - T0
    return (index, stored["label"], stored["source"], seconds)


def _frauds(counters: Any, merchant: str) -> int:
    return counters().get(f"merchant#{merchant}", {}).get(FRAUDS_PREFIX + transaction_day(T0), 0)


@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES)
@given(st.lists(events, min_size=1, max_size=10), st.integers(1, 3), st.randoms(use_true_random=False))
def test_counters_equal_the_effective_frauds_after_any_arrival_order_and_replays(
        post, label, dynamodb, counters, valid_body, sent: list[Event], repeats: int, shuffler: Any) -> None:
    merchant = f"m-{uuid.uuid4().hex[:12]}"
    ids = _post_transactions(post, valid_body, merchant, 3)
    outcomes: dict[Event, set[int]] = {}
    stream = [event for _ in range(repeats) for event in sent]
    shuffler.shuffle(stream)
    for event in stream:
        outcomes.setdefault(event, set()).add(_send(label, ids, event))

    effective_frauds = 0
    for index, transaction_id in enumerate(ids):
        item = _stored(dynamodb, transaction_id)
        history = [_as_event(index, e) for e in item.get("labels", [])]
        # Each event sent: written once (201, then only replays), or refused as a conflict with a stored event.
        for event in {e for e in sent if e[0] == index}:
            if event in history:
                assert outcomes[event] <= {200, 201} and 201 in outcomes[event], (event, outcomes[event])
            else:
                assert outcomes[event] == {409}, (event, outcomes[event])
                assert any(h[2:] == event[2:] and h[1] != event[1] for h in history)
        assert len(history) == len(set(history)) == item.get("label_version", 0)
        if not history:
            assert "label" not in item
            continue
        latest = max(history, key=lambda e: (e[3], PRECEDENCE[e[2]]))
        assert (item["label"], item["label_source"]) == (latest[1], latest[2])
        effective_frauds += latest[1] == "fraud"
        assert ("fraud_reported_at" in item) == (latest[1] == "fraud")
    assert _frauds(counters, merchant) == effective_frauds


@settings(max_examples=15, deadline=None, suppress_health_check=FIXTURES)
@given(st.lists(events.map(lambda e: (0, *e[1:])), min_size=1, max_size=8, unique_by=lambda e: (e[2], e[3])),
       st.randoms(use_true_random=False))
def test_without_conflicts_every_arrival_order_ends_in_the_same_labels_and_counts(
        post, label, dynamodb, counters, valid_body, sent: list[Event], shuffler: Any) -> None:
    ends = []
    for _ in range(2):
        merchant = f"m-{uuid.uuid4().hex[:12]}"
        [transaction_id] = _post_transactions(post, valid_body, merchant, 1)
        order = list(sent)
        shuffler.shuffle(order)
        assert {_send(label, [transaction_id], e) for e in order} == {201}
        assert {_send(label, [transaction_id], e) for e in reversed(order)} == {200}
        item = _stored(dynamodb, transaction_id)
        view = {k: item.get(k) for k in ("labels", "label", "label_source", "label_reported_at", "fraud_reported_at")}
        ends.append((json.dumps(view, sort_keys=True, default=str), _frauds(counters, merchant)))
    assert ends[0] == ends[1]
    latest = max(sent, key=lambda e: (e[3], PRECEDENCE[e[2]]))
    assert ends[0][1] == (latest[1] == "fraud")
