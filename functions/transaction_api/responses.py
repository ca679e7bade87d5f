"""JSON responses of the transaction API; every one carries the API Gateway request id."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from transaction_api.json_encoding import dumps
from transaction_api.validation_errors import FieldError

JSON_CONTENT_TYPE = "application/json"


def json_response(
    status_code: int, payload: dict[str, Any], request_id: str, headers: dict[str, str] | None = None
) -> Response:
    """A JSON body with `request_id` added, Decimals encoded exactly."""
    return Response(
        status_code=status_code,
        content_type=JSON_CONTENT_TYPE,
        body=dumps({**payload, "request_id": request_id}),
        headers=headers,
    )


def error_response(
    status_code: int,
    error: str,
    message: str,
    request_id: str,
    fields: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """`{"error": code, "message": text, ["fields": [...]], "request_id": ...}`.

    Only fixed, client-facing text goes in here; exception details are logged, never returned.
    """
    payload: dict[str, Any] = {"error": error, "message": message}
    if fields:
        payload["fields"] = [field.as_dict() for field in fields]
    return json_response(status_code, payload, request_id, headers)
