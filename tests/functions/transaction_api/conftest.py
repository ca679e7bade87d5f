"""Fixtures for the transaction API handler: moto tables, API Gateway events, an invoke helper."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.functions.tables import create_merchant_counters_table, create_transactions_table

EVENTS = Path(__file__).parent / "events"
TABLE = "transactions-test"
COUNTERS_TABLE = "merchant-counters-test"
MAX_AMOUNT = "10000.00"
MAX_BODY_BYTES = 2048

Invoke = Callable[..., dict[str, Any]]


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of an API Gateway proxy event from events/."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment the infrastructure sets for the function."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "transaction-api")
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("MERCHANT_COUNTERS_TABLE_NAME", COUNTERS_TABLE)
    monkeypatch.setenv("MAX_AMOUNT", MAX_AMOUNT)
    monkeypatch.setenv("MAX_BODY_BYTES", str(MAX_BODY_BYTES))
    monkeypatch.setenv("DAY_SHARDS", "4")
    monkeypatch.setenv("TRANSACTION_TTL_DAYS", "30")


@pytest.fixture
def dynamodb(api_env: None) -> Iterator[Any]:
    """A moto DynamoDB with the transactions and merchant counters tables; the function's cached clients are
    reset around each test."""
    from transaction_api import dependencies

    with mock_aws():
        dependencies.reset()
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_transactions_table(client, TABLE)
        create_merchant_counters_table(client, COUNTERS_TABLE)
        yield client
        dependencies.reset()


@pytest.fixture
def scan(dynamodb: Any) -> Callable[[], list[dict[str, Any]]]:
    """The transaction records of the table (id markers left out), deserialized (numbers as Decimal)."""
    from fraudlib.dynamodb_items import deserialize
    from fraudlib.transaction_item import is_marker_key

    def _scan() -> list[dict[str, Any]]:
        items = [deserialize(item) for item in dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]]
        return [item for item in items if not is_marker_key(item["transaction_id"])]

    return _scan


@pytest.fixture
def valid_body() -> dict[str, Any]:
    """The body of the POST fixture event, as a dict to modify."""
    return json.loads(load_event("post_transaction.json")["body"])


@pytest.fixture
def post(dynamodb: Any, lambda_context: Any) -> Invoke:
    """Invoke the handler with the POST fixture event; `body` may be a dict or raw text."""
    from transaction_api.app import handler

    template = load_event("post_transaction.json")

    def _post(
        body: dict[str, Any] | str | None,
        headers: dict[str, str] | None = None,
        is_base64: bool = False,
    ) -> dict[str, Any]:
        event = copy.deepcopy(template)
        event["body"] = json.dumps(body) if isinstance(body, dict) else body
        event["isBase64Encoded"] = is_base64
        if headers is not None:
            event["headers"] = headers
            event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        return handler(event, lambda_context)

    return _post


@pytest.fixture
def get(dynamodb: Any, lambda_context: Any) -> Invoke:
    """Invoke the handler with the GET fixture event for a transaction id (raw path segment)."""
    from transaction_api.app import handler

    template = load_event("get_transaction.json")

    def _get(transaction_id: str) -> dict[str, Any]:
        event = copy.deepcopy(template)
        event["path"] = f"/transactions/{transaction_id}"
        event["pathParameters"] = {"id": transaction_id}
        event["requestContext"]["path"] = f"/dev/transactions/{transaction_id}"
        return handler(event, lambda_context)

    return _get



@pytest.fixture
def label(dynamodb: Any, lambda_context: Any) -> Invoke:
    """Invoke the handler with the label fixture event for a transaction id; `body` may be a dict or raw text."""
    from transaction_api.app import handler

    template = load_event("post_label.json")

    def _label(
        transaction_id: str,
        body: dict[str, Any] | str | None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        event = copy.deepcopy(template)
        event["path"] = f"/transactions/{transaction_id}/label"
        event["pathParameters"] = {"id": transaction_id}
        event["requestContext"]["path"] = f"/dev/transactions/{transaction_id}/label"
        event["body"] = json.dumps(body) if isinstance(body, dict) else body
        if headers is not None:
            event["headers"] = headers
            event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        return handler(event, lambda_context)

    return _label


@pytest.fixture
def counters(dynamodb: Any) -> Callable[[], dict[str, dict[str, int]]]:
    """The merchant counters table as {merchant key: {attribute: count}} (zero counters kept)."""
    from fraudlib.dynamodb_items import deserialize
    from fraudlib.merchant_counters import KEY_ATTRIBUTE

    def _counters() -> dict[str, dict[str, int]]:
        items = [deserialize(i) for i in dynamodb.scan(TableName=COUNTERS_TABLE, ConsistentRead=True)["Items"]]
        return {item.pop(KEY_ATTRIBUTE): {k: int(v) for k, v in item.items()} for item in items}

    return _counters
