"""Lambda entry point of the transaction API (`transaction_api.app.handler`).

Wiring only: HTTP concerns and Powertools here, rules in `transaction_api.service` (transactions) and
`transaction_api.label_service` (outcome labels), DynamoDB behind `transaction_api.repository` and
`transaction_api.label_repository`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from fraudlib.tracing import TRACED_LIBRARIES
from pydantic import ValidationError

from transaction_api import dependencies
from transaction_api.errors import (
    LabelBeforeTransactionError,
    LabelConflictError,
    LabelHistoryFullError,
    RequestInProgressError,
    TransactionConflictError,
    TransactionNotFoundError,
)
from transaction_api.fingerprint import request_fingerprint
from transaction_api.json_body import MalformedJsonError, parse_json
from transaction_api.label_request import LabelRequest
from transaction_api.records import label_view, public_view
from transaction_api.request_checks import (
    UndecodableBodyError,
    body_bytes,
    is_json_content_type,
    is_valid_transaction_id,
)
from transaction_api.responses import error_response, json_response
from transaction_api.settings import get_settings
from transaction_api.transaction_request import PATTERN_REASONS, TransactionRequest
from transaction_api.validation_context import ValidationLimits
from transaction_api.validation_errors import FieldError, field_errors

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
# One subsegment per invocation (the handler) and one per AWS call (patched botocore): a route-level
# subsegment in between would add X-Ray work to every request and tell nothing the handler's does not.
tracer = Tracer(patch_modules=TRACED_LIBRARIES)
metrics = Metrics()
app = APIGatewayRestResolver()

RETRY_AFTER_SECONDS = "1"


def _request_id() -> str:
    # Read defensively: this also runs in the error handler, which must not fail on an odd event.
    context = app.current_event.get("requestContext") or {}
    return str(context.get("requestId", ""))


def _count(metric: str) -> None:
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)


def _rejected(status_code: int, error: str, message: str, fields: list[FieldError] | None = None) -> Response:
    """A 4xx for a request that never reached storage."""
    metric = "ValidationFailures" if error == "validation_failed" else "RejectedRequests"
    _count(metric)
    logger.info(
        "request rejected",
        extra={"status": status_code, "error": error, "fields": [f.as_dict() for f in fields or []]},
    )
    return error_response(status_code, error, message, _request_id(), fields)


def _conflict(error: str, message: str, *, retry: bool = False) -> Response:
    """A 409: the request collides with what is stored (or, with `retry`, with a write in progress)."""
    _count("Conflicts")
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if retry else None
    return error_response(409, error, message, _request_id(), headers=headers)


def _json_document(max_body_bytes: int) -> Any:
    """The request's JSON body, or the 4xx response refusing it: 415 not JSON, 413 too large, 400
    undecodable or malformed. The same checks, in the same order, for every route that takes a body."""
    event = app.current_event
    if not is_json_content_type(event.headers.get("content-type")):
        return _rejected(415, "unsupported_media_type", "Content-Type must be application/json")
    try:
        raw = body_bytes(event.body, event.is_base64_encoded or False)
    except UndecodableBodyError:
        return _rejected(400, "malformed_body", "The request body could not be decoded")
    if len(raw) > max_body_bytes:
        return _rejected(413, "payload_too_large", f"The body must not exceed {max_body_bytes} bytes")
    try:
        return parse_json(raw)
    except MalformedJsonError:
        return _rejected(400, "malformed_json", "The request body is not valid JSON")


@app.post("/transactions")
def create_transaction() -> Response:
    """Validate and store a transaction: 201 new, 200 replay, 4xx with nothing written."""
    settings = get_settings()
    document = _json_document(settings.max_body_bytes)
    if isinstance(document, Response):
        return document

    limits = ValidationLimits(max_amount=settings.max_amount)
    try:
        request = TransactionRequest.model_validate(document, context=limits.as_context())
    except ValidationError as exc:
        return _rejected(400, "validation_failed", "The request has invalid fields", field_errors(exc))

    try:
        result = dependencies.transaction_service().create(request, request_fingerprint(request))
    except TransactionConflictError:
        logger.info("transaction id conflict", extra={"transaction_id": request.transaction_id})
        return _conflict("conflict", "This transaction_id was already used with a different body")
    except RequestInProgressError:
        return _conflict("request_in_progress", "A request with this transaction_id is being processed; retry shortly",
                         retry=True)

    record = public_view(result.item)
    transaction_id = result.item.transaction_id
    logger.append_keys(transaction_id=transaction_id)
    if not result.created:
        _count("IdempotentReplays")
        logger.info("idempotent replay")
        return json_response(200, record, _request_id())
    _count("TransactionsAccepted")
    logger.info("transaction accepted")
    return json_response(201, record, _request_id(), headers={"Location": _location(transaction_id)})


def _location(transaction_id: str) -> str:
    # The path the client called, stage included (/v1/transactions on the execute-api host,
    # /transactions behind a custom domain's base path), so the header resolves to the record.
    called = app.current_event.request_context.path or app.current_event.path
    return f"{called.rstrip('/')}/{transaction_id}"


_BAD_ID = FieldError("transaction_id", PATTERN_REASONS["transaction_id"])


def _not_found() -> Response:
    _count("TransactionsNotFound")
    return error_response(404, "not_found", "No transaction with this id", _request_id())


@app.get("/transactions/<transaction_id>")
def get_transaction(transaction_id: str) -> Response:
    """The stored transaction with its score once analysed: 200, 400 for an impossible id, else 404."""
    if not is_valid_transaction_id(transaction_id):
        return _rejected(400, "validation_failed", "The transaction id is not valid", [_BAD_ID])
    item = dependencies.transaction_service().get(transaction_id)
    if item is None:
        return _not_found()
    _count("TransactionsRetrieved")
    return json_response(200, public_view(item), _request_id())


@app.post("/transactions/<transaction_id>/label")
def label_transaction(transaction_id: str) -> Response:
    """Record an outcome on a transaction: 201 new event, 200 replay, 404 unknown id, 409 conflict,
    4xx with nothing written for a bad request (every bad field named, the id included)."""
    settings = get_settings()
    document = _json_document(settings.max_body_bytes)
    if isinstance(document, Response):
        return document
    service = dependencies.label_service()
    now = service.now()
    bad_id = [] if is_valid_transaction_id(transaction_id) else [_BAD_ID]
    try:
        request = LabelRequest.model_validate(document, context=ValidationLimits(now=now).as_context())
    except ValidationError as exc:
        return _rejected(400, "validation_failed", "The request has invalid fields", [*bad_id, *field_errors(exc)])
    if bad_id:
        return _rejected(400, "validation_failed", "The transaction id is not valid", bad_id)

    logger.append_keys(transaction_id=transaction_id)
    try:
        result = service.record(transaction_id, request.event(now))
    except TransactionNotFoundError:
        return _not_found()
    except LabelBeforeTransactionError:
        return _rejected(400, "validation_failed", "The request has invalid fields",
                         [FieldError("reported_at", "must not be before the transaction's timestamp")])
    except LabelConflictError:
        logger.info("label conflict", extra={"source": request.source})
        return _conflict("conflict", "This source already reported a different label at this reported_at")
    except LabelHistoryFullError:
        return _conflict("label_history_full", "This transaction holds the most labels it may keep")
    except RequestInProgressError:
        return _conflict("request_in_progress", "Labels of this transaction are being written; retry shortly",
                         retry=True)

    view = label_view(result.item)
    if not result.created:
        _count("LabelReplays")
        logger.info("label replay")
        return json_response(200, view, _request_id())
    _count("LabelsRecorded")
    logger.info("label recorded", extra={"label": request.label, "source": request.source,
                                         "effective_label": result.item.label})
    return json_response(201, view, _request_id())


@app.not_found
def route_not_found(exc: NotFoundError) -> Response:
    """Unknown path or method: still a JSON body with the request id."""
    del exc
    _count("RejectedRequests")
    return error_response(404, "not_found", "No such resource", _request_id())


@app.exception_handler(Exception)
def unexpected_error(exc: Exception) -> Response:
    """Anything unplanned: the full story goes to the log, the client gets a generic 500."""
    del exc
    logger.exception("unhandled error")
    _count("InternalErrors")
    return error_response(500, "internal_error", "An internal error occurred", _request_id())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway REST proxy integration handler."""
    return app.resolve(event, context)
