"""The transaction API behind the API Gateway player: keys, routing, validation, idempotency."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.pipeline_session import open_pipeline
from tooling.local_pipeline import LocalPipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pipeline(local_deployment: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPipeline]:
    with open_pipeline(local_deployment, tmp_path_factory) as opened:
        yield opened


def _body(**overrides: Any) -> dict[str, Any]:
    body = {"transaction_id": f"api-{uuid.uuid4().hex[:12]}", "amount": "19.99", "currency": "EUR",
            "customer_id": f"api-cust-{uuid.uuid4().hex[:6]}", "merchant_id": "api-merchant",
            "merchant_category": "5411", "country": "DE"}
    body.update(overrides)
    return body


def test_a_request_without_an_api_key_is_refused_by_the_gateway(pipeline: LocalPipeline) -> None:
    calls = len(pipeline.service.invocations.entries)
    response = pipeline.post_transaction(_body(), api_key=None)
    assert response.status_code == 403
    assert response.json()["message"] == "Forbidden"
    assert response.json()["request_id"] == response.request_id
    assert len(pipeline.service.invocations.entries) == calls  # the function never ran


def test_an_unknown_api_key_is_refused(pipeline: LocalPipeline) -> None:
    assert pipeline.post_transaction(_body(), api_key="not-a-key").status_code == 403
    assert pipeline.get_transaction("whatever", api_key="not-a-key").status_code == 403


def test_a_valid_transaction_is_created_and_can_be_read_back(pipeline: LocalPipeline) -> None:
    body = _body()
    created = pipeline.post_transaction(body)
    assert created.status_code == 201, created.body
    # The path the client called, stage included.
    assert created.headers["Location"] == f"/{pipeline.api.stage}/transactions/{body['transaction_id']}"
    assert created.json()["request_id"] == created.request_id
    fetched = pipeline.get_transaction(body["transaction_id"])
    assert fetched.status_code == 200
    assert fetched.json()["amount"] == "19.99"
    assert pipeline.stored_item(body["transaction_id"])["customer_id"] == body["customer_id"]


def test_malformed_json_is_refused_by_the_request_validator(pipeline: LocalPipeline) -> None:
    calls = len(pipeline.service.invocations.entries)
    response = pipeline.post_transaction('{"amount": ')
    assert response.status_code == 400
    assert response.json() == {"error": "validation_failed", "message": "Invalid request body",
                               "request_id": response.request_id}
    assert len(pipeline.service.invocations.entries) == calls  # API Gateway answered: the function never ran


def test_invalid_fields_are_all_reported_by_the_request_validator(pipeline: LocalPipeline) -> None:
    # The deployed model (the function's own schema) is applied by API Gateway before the function runs;
    # the function's field-by-field errors are covered by the handler tests.
    calls = len(pipeline.service.invocations.entries)
    response = pipeline.post_transaction(_body(amount="1.234", currency="EURO", surprise=1))
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "validation_failed" and payload["request_id"] == response.request_id
    message = payload["message"]
    assert message.startswith("[") and message.endswith("]")
    for offending in ('"1.234"', '"EURO"', '["surprise"]'):
        assert offending in message, message
    assert len(pipeline.service.invocations.entries) == calls


def test_another_content_type_is_a_415(pipeline: LocalPipeline) -> None:
    assert pipeline.post_transaction(json.dumps(_body()), content_type="text/plain").status_code == 415


def test_an_unknown_transaction_is_a_404(pipeline: LocalPipeline) -> None:
    response = pipeline.get_transaction(f"missing-{uuid.uuid4().hex}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_an_unrouted_path_is_answered_by_the_gateway(pipeline: LocalPipeline) -> None:
    response = pipeline.api.request("DELETE", "/transactions", headers={"x-api-key": pipeline.api.default_api_key()})
    assert response.status_code == 403
    assert response.json()["message"] == "Missing Authentication Token"


def test_a_replay_returns_the_record_and_a_different_body_conflicts(pipeline: LocalPipeline) -> None:
    body = _body()
    assert pipeline.post_transaction(body).status_code == 201
    assert pipeline.post_transaction(body).status_code == 200
    conflict = pipeline.post_transaction({**body, "amount": "20.00"})
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "conflict"
