"""Unexpected failures: a generic 500, a full log entry, nothing leaked, nothing written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from transaction_api.repository import TransactionRepository

SECRET = "arn:aws:dynamodb:us-east-1:123456789012:table/transactions-test SECRET-DETAIL"


def _client_error(*args: Any, **kwargs: Any) -> None:
    raise ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": SECRET}}, "PutItem"
    )


def _assert_generic_500(response: dict[str, Any]) -> None:
    assert response["statusCode"] == 500
    body = json.loads(response["body"])
    assert body == {
        "error": "internal_error",
        "message": "An internal error occurred",
        "request_id": body["request_id"],
    }
    assert body["request_id"]
    for leak in ("SECRET", "arn:aws", "Traceback", "ClientError", "Provisioned"):
        assert leak not in response["body"]


@pytest.mark.parametrize(("method", "client_id"), [("insert_claimed", True), ("insert", False)])
def test_data_layer_failure_on_create_is_generic_500(post, valid_body, scan, monkeypatch, caplog, method, client_id):
    monkeypatch.setattr(TransactionRepository, method, _client_error)
    response = post(valid_body if client_id else {k: v for k, v in valid_body.items() if k != "transaction_id"})
    _assert_generic_500(response)
    [record] = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert record.levelname == "ERROR"
    # the log has the full story, with the exception and its traceback
    assert record.exc_info is not None
    assert "SECRET-DETAIL" in str(record.exc_info[1])
    # rendered as the function renders it: structured JSON keyed to the API Gateway request id
    from transaction_api.app import logger

    entry = json.loads(logger.registered_formatter.format(record))
    assert entry["correlation_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert "SECRET-DETAIL" in entry["exception"]
    monkeypatch.undo()
    assert scan() == []


def test_data_layer_failure_on_get_is_generic_500(get, monkeypatch) -> None:
    monkeypatch.setattr(TransactionRepository, "find", _client_error)
    _assert_generic_500(get("txn-0001"))


def test_missing_configuration_is_generic_500(post, valid_body, monkeypatch) -> None:
    from transaction_api import dependencies

    monkeypatch.delenv("TABLE_NAME")
    dependencies.reset()
    _assert_generic_500(post(valid_body))


def test_internal_error_metric(post, valid_body, monkeypatch, capsys) -> None:
    monkeypatch.setattr(TransactionRepository, "insert_claimed", _client_error)
    post(valid_body)
    out = capsys.readouterr().out
    assert any('"InternalErrors"' in line for line in out.splitlines() if '"_aws"' in line)
