"""Concurrent labels of one transaction against the emulator (moto in server mode, real HTTP): each
writer in its own thread with its own client. The label version makes every write start from the
history as it is, so the history holds every event once and the merchant's fraud counter equals
what the effective label says, whatever the interleaving.

Each DynamoDB request is made atomic in the emulator, as DynamoDB's isolation guarantees and moto 5.2
does not (`tests.functions.concurrency.moto_server`); the writers still interleave freely between
their read and their conditional write, which is the race tested.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fraudlib.dynamodb_items import deserialize, serialize
from fraudlib.labels import LabelEvent
from fraudlib.merchant_counters import FRAUDS_PREFIX, transaction_day
from transaction_api.errors import LabelConflictError, RequestInProgressError
from transaction_api.label_repository import LabelRepository
from transaction_api.label_service import LabelService
from transaction_api.repository import TransactionRepository

from tests.functions.concurrency import at_once, dynamodb_client, moto_server
from tests.functions.items import stored_item
from tests.functions.tables import create_merchant_counters_table, create_transactions_table

TABLE = "race-label-transactions"
COUNTERS = "race-label-counters"
WRITERS = 8
ROUNDS = 4
T0 = int((datetime.now(UTC) - timedelta(days=2)).timestamp())
SOURCES = ("chargeback", "analyst", "customer_report")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A moto server on a free port, with the transactions and merchant counters tables, each DynamoDB
    request atomic."""
    with moto_server(atomic_dynamodb=True) as url:
        create_transactions_table(dynamodb_client(url), TABLE)
        create_merchant_counters_table(dynamodb_client(url), COUNTERS)
        yield url


def _store_transaction(url: str, transaction_id: str, merchant: str) -> None:
    item = stored_item(transaction_id, "c-1", T0, merchant_id=merchant)
    dynamodb_client(url).put_item(TableName=TABLE, Item=serialize(item))


def _race(url: str, transaction_id: str, events: list[LabelEvent]) -> list[str]:
    """Record every event at the same moment, each from its own thread; the outcome of each."""

    def attempt(index: int, start: Callable[[], object]) -> str:
        client = dynamodb_client(url)
        service = LabelService(TransactionRepository(client, TABLE), LabelRepository(client, TABLE, COUNTERS))
        start()
        try:
            return "201" if service.record(transaction_id, events[index]).created else "200"
        except LabelConflictError:
            return "409 conflict"
        except RequestInProgressError:
            return "409 in progress"

    return at_once(len(events), attempt)


def _state(url: str, transaction_id: str, merchant: str) -> tuple[dict[str, Any], int]:
    client = dynamodb_client(url)
    [item] = [deserialize(i) for i in client.query(
        TableName=TABLE, KeyConditionExpression="transaction_id = :id",
        ExpressionAttributeValues={":id": {"S": transaction_id}}, ConsistentRead=True)["Items"]]
    counters = client.get_item(TableName=COUNTERS, Key={"merchant_key": {"S": f"merchant#{merchant}"}},
                               ConsistentRead=True).get("Item", {})
    return item, int(deserialize(counters).get(FRAUDS_PREFIX + transaction_day(T0), 0))


def _event(index: int, round_: int) -> LabelEvent:
    # Alternating labels from rotating sources at distinct moments: the effective label flips with
    # every write order, so a counter move computed from a stale history would show.
    return LabelEvent(label="fraud" if (index + round_) % 2 == 0 else "legitimate", source=SOURCES[index % 3],
                      reported_at=datetime.fromtimestamp(T0 + 60 + index * 7, UTC))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_different_labels_keep_history_and_counter_exact(endpoint: str, round_: int) -> None:
    transaction_id, merchant = f"race-labels-{round_}", f"m-race-{round_}"
    _store_transaction(endpoint, transaction_id, merchant)
    events = [_event(i, round_) for i in range(WRITERS)]

    outcomes = _race(endpoint, transaction_id, events)

    item, frauds = _state(endpoint, transaction_id, merchant)
    written = [e for e, outcome in zip(events, outcomes, strict=True) if outcome == "201"]
    assert set(outcomes) <= {"201", "409 in progress"}, outcomes
    assert written, outcomes
    stored = [LabelEvent.model_validate(e) for e in item["labels"]]
    assert sorted(stored, key=lambda e: e.reported_at) == sorted(written, key=lambda e: e.reported_at)
    assert item["label_version"] == len(written)
    latest = max(written, key=lambda e: e.reported_at)
    assert item["label"] == latest.label
    assert frauds == (1 if latest.label == "fraud" else 0)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_copies_of_one_event_write_it_once(endpoint: str, round_: int) -> None:
    transaction_id, merchant = f"race-copies-{round_}", f"m-copies-{round_}"
    _store_transaction(endpoint, transaction_id, merchant)
    event = LabelEvent(label="fraud", source="chargeback", reported_at=datetime.fromtimestamp(T0 + 99, UTC))

    outcomes = Counter(_race(endpoint, transaction_id, [event] * WRITERS))

    assert outcomes["201"] == 1, outcomes
    assert set(outcomes) <= {"201", "200", "409 in progress"}, outcomes
    item, frauds = _state(endpoint, transaction_id, merchant)
    assert item["label_version"] == 1 and len(item["labels"]) == 1
    assert frauds == 1
