"""The analyzer's logs name customers by pseudonym only: the raw ids of the events never appear."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
import pytest
from fraudlib.pseudonym import Pseudonymizer

from tests.functions.fraud_analyzer.conftest import EVENTS, image_to_item
from tests.functions.log_scan import HandlerLogs

# Customer ids as a client may send them: e-mail addresses are personal data.
CUSTOMERS = {"c-100": "alice.martin@example.com", "c-200": "bob+cards@example.org", "c-300": "carol@example.net"}



def _event_with_email_customers(aws: dict[str, Any]) -> dict[str, Any]:
    """insert_batch.json with e-mail customer ids; its items are stored (so scores are written)."""
    text = (EVENTS / "insert_batch.json").read_text()
    for plain, email in CUSTOMERS.items():
        text = text.replace(f'"{plain}"', json.dumps(email))
    event = json.loads(text)
    for record in event["Records"]:
        aws["table"].put_item(Item=image_to_item(record["dynamodb"]["NewImage"]))
    return event


def _pseudonym(customer: str) -> str:
    key_id = os.environ["PSEUDONYM_KEY_ID"]
    return Pseudonymizer.from_kms(boto3.client("kms", region_name="us-east-1"), key_id)(customer)


def test_scored_transactions_are_logged_by_pseudonym(
    app: Any, aws: dict[str, Any], logs: HandlerLogs, lambda_context: Any
) -> None:
    event = _event_with_email_customers(aws)

    assert app.handler(event, lambda_context)["batchItemFailures"] == []

    logs.assert_free_of(CUSTOMERS.values())
    # The scan reads the real output: the scored lines are there, with the customer's pseudonym.
    scored = [json.loads(line) for line in logs.text.splitlines()
              if line.startswith("{") and '"Transaction scored"' in line]
    assert scored
    assert {line["customer_pseudonym"] for line in scored} <= {_pseudonym(c) for c in CUSTOMERS.values()}
    assert _pseudonym(CUSTOMERS["c-100"]) in {line["customer_pseudonym"] for line in scored}


def test_a_failed_history_query_is_logged_by_pseudonym(
    app: Any, aws: dict[str, Any], logs: HandlerLogs, lambda_context: Any
) -> None:
    event = _event_with_email_customers(aws)
    alice = CUSTOMERS["c-100"]

    def fail_for_alice(params: dict[str, Any], **_: Any) -> None:
        if params["ExpressionAttributeValues"][":c"]["S"] == alice:
            raise ConnectionError("simulated network failure")

    app._store()._client.meta.events.register("provide-client-params.dynamodb.Query", fail_for_alice)

    assert app.handler(event, lambda_context)["batchItemFailures"]

    logs.assert_free_of(CUSTOMERS.values())
    assert "History query failed" in logs.text
    assert _pseudonym(alice) in logs.text


def test_the_scan_finds_a_raw_id_that_is_logged(
    app: Any, aws: dict[str, Any], logs: HandlerLogs, lambda_context: Any
) -> None:
    app.logger.info("leak", extra={"customer_id": CUSTOMERS["c-100"]})
    with pytest.raises(AssertionError, match="raw customer data"):
        logs.assert_free_of(CUSTOMERS.values())


def test_one_kms_call_per_container(
    app: Any, aws: dict[str, Any], lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    derivations: list[str] = []
    real = Pseudonymizer.from_kms.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Pseudonymizer], kms: Any, key_id: str) -> Pseudonymizer:
        derivations.append(key_id)
        return real(cls, kms, key_id)

    monkeypatch.setattr(Pseudonymizer, "from_kms", classmethod(counting))
    event = _event_with_email_customers(aws)

    for _ in range(2):  # two batches of three customers' records in one container
        assert app.handler(event, lambda_context)["batchItemFailures"] == []
    assert derivations == [os.environ["PSEUDONYM_KEY_ID"]]
