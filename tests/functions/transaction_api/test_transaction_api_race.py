"""Concurrent copies of one request against the emulator (moto in server mode, real HTTP): the id
marker lets exactly one copy create the transaction, every other copy is answered as a replay of it,
and a different body racing for the same id gets a conflict. Each copy runs in its own thread with
its own client and its own clock (so the copies would carry different record keys without the marker).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fraudlib.dynamodb_items import deserialize
from fraudlib.transaction_item import is_marker_key
from transaction_api.errors import RequestInProgressError, TransactionConflictError
from transaction_api.repository import TransactionRepository
from transaction_api.service import StoragePolicy, TransactionService
from transaction_api.transaction_request import TransactionRequest

from tests.functions.concurrency import at_once, dynamodb_client, moto_server
from tests.functions.tables import create_transactions_table

TABLE = "race-transactions"
COPIES = 8
ROUNDS = 5
START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A moto server on a free port, with the transactions table, each DynamoDB request atomic as in
    DynamoDB (moto 5.2 alone can show the id marker of a transaction before its record)."""
    with moto_server(atomic_dynamodb=True) as url:
        create_transactions_table(dynamodb_client(url), TABLE)
        yield url


def _request(transaction_id: str, amount: str) -> TransactionRequest:
    return TransactionRequest.model_validate({
        "transaction_id": transaction_id, "amount": amount, "currency": "EUR", "customer_id": "c-1",
        "merchant_id": "m-1", "merchant_category": "5411", "country": "FR",
    })


def _race(url: str, requests: list[TransactionRequest]) -> list[str]:
    """Send every request at the same moment, each from its own thread; the outcome of each."""

    def attempt(index: int, start: Callable[[], object]) -> str:
        service = TransactionService(
            TransactionRepository(dynamodb_client(url), TABLE),
            StoragePolicy(day_shards=4, ttl_days=30),
            clock=lambda: START + timedelta(seconds=index),
        )
        request = requests[index]
        start()
        try:
            return "201" if service.create(request, f"{request.amount}".ljust(64, "0")).created else "200"
        except TransactionConflictError:
            return "409 conflict"
        except RequestInProgressError:
            return "409 in progress"

    return at_once(len(requests), attempt)


def _records(url: str, transaction_id: str) -> list[dict[str, Any]]:
    response = dynamodb_client(url).query(
        TableName=TABLE, KeyConditionExpression="transaction_id = :id",
        ExpressionAttributeValues={":id": {"S": transaction_id}}, ConsistentRead=True,
    )
    return [deserialize(item) for item in response["Items"] if not is_marker_key(item["transaction_id"]["S"])]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_copies_create_exactly_one_transaction(
    endpoint: str, round_: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLE_NAME", TABLE)  # as deployed: the table the code writes is the one its stack names
    transaction_id = f"race-same-{round_}"
    outcomes = Counter(_race(endpoint, [_request(transaction_id, "10.00")] * COPIES))

    assert outcomes["201"] == 1, outcomes
    assert set(outcomes) <= {"201", "200", "409 in progress"}, outcomes
    assert len(_records(endpoint, transaction_id)) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_different_body_racing_for_the_id_never_wins_twice(
    endpoint: str, round_: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLE_NAME", TABLE)
    transaction_id = f"race-mixed-{round_}"
    requests = [_request(transaction_id, "10.00" if i % 2 else "99.00") for i in range(COPIES)]
    outcomes = _race(endpoint, requests)

    assert outcomes.count("201") == 1, outcomes
    [record] = _records(endpoint, transaction_id)
    winner = str(record["amount"])
    for request, outcome in zip(requests, outcomes, strict=True):
        same = f"{request.amount}" == f"{record['amount']:.2f}"
        assert outcome in (("201", "200", "409 in progress") if same else ("409 conflict", "409 in progress")), (
            winner, request.amount, outcome)
