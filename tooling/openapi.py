"""OpenAPI 3.1 description of the transaction API, generated from the same JSON Schemas that API
Gateway validates request bodies with and that the handler's models produce
(functions/transaction_api/schemas/). Nothing is written by hand twice:
change the model, regenerate the schema (`python -m transaction_api.schema` in functions/), and this
document follows.

    python -m tooling.openapi [build/openapi.json]
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
REQUEST_SCHEMA = REPO_ROOT / "functions" / "transaction_api" / "schemas" / "transaction_request.schema.json"
LABEL_REQUEST_SCHEMA = REPO_ROOT / "functions" / "transaction_api" / "schemas" / "label_request.schema.json"
DEFAULT_OUTPUT = REPO_ROOT / "build" / "openapi.json"
TRANSACTION_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "Machine-readable error code."},
        "message": {"type": "string", "description": "Human-readable explanation."},
        "fields": {
            "type": "array",
            "description": "Every invalid field with a reason (validation_failed only).",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "request_id": {"type": "string", "description": "API Gateway request id (absent on WAF answers)."},
    },
}
_LABEL_EVENT = {
    "type": "object",
    "required": ["label", "source", "reported_at"],
    "properties": {
        "label": {"type": "string", "enum": ["fraud", "legitimate"]},
        "source": {"type": "string", "enum": ["chargeback", "analyst", "customer_report"]},
        "reported_at": {"type": "string", "format": "date-time"},
    },
}
_LABEL_PROPERTIES = {
    "label": {"type": "string", "enum": ["fraud", "legitimate"],
              "description": "The effective label: the event with the latest reported_at (at the same moment, "
                             "chargeback over analyst over customer_report)."},
    "label_source": {"type": "string", "enum": ["chargeback", "analyst", "customer_report"]},
    "label_reported_at": {"type": "string", "format": "date-time"},
    "labels": {"type": "array", "description": "Every label event, oldest first.", "items": _LABEL_EVENT},
}
_RECORD = {
    "type": "object",
    "description": "The stored transaction: the request fields as stored, `received_at`, and once scored "
                   "`risk_score`, `decision`, `reasons`, `model_version`, `top_features`, `scored_at`; once "
                   "labelled `label`, `label_source`, `label_reported_at` and the history `labels`. "
                   "`amount` is always a string with two decimals.",
    "required": ["transaction_id", "amount", "currency", "customer_id", "timestamp", "received_at", "request_id"],
    "properties": {
        "transaction_id": {"type": "string", "pattern": TRANSACTION_ID_PATTERN},
        "amount": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$"},
        "currency": {"type": "string"},
        "customer_id": {"type": "string"},
        "timestamp": {"type": "integer"},
        "received_at": {"type": "string", "format": "date-time"},
        "risk_score": {"type": "number"},
        "decision": {"type": "string", "enum": ["approve", "review", "block"]},
        "model_version": {"type": "string", "description": "Content hash of the model that scored it."},
        "top_features": {"type": "array", "description": "Model features that raised the score most.",
                         "items": {"type": "object", "required": ["feature", "value", "contribution"],
                                   "properties": {"feature": {"type": "string"}, "value": {"type": "number"},
                                                  "contribution": {"type": "number"}}}},
        **_LABEL_PROPERTIES,
        "request_id": {"type": "string"},
    },
}
_LABELS = {
    "type": "object",
    "description": "The transaction's labels after the request: the effective one and the whole history.",
    "required": ["transaction_id", "label", "label_source", "label_reported_at", "labels", "request_id"],
    "properties": {"transaction_id": {"type": "string", "pattern": TRANSACTION_ID_PATTERN}, **_LABEL_PROPERTIES,
                   "request_id": {"type": "string"}},
}


def to_openapi_schema(draft4: dict[str, Any]) -> dict[str, Any]:
    """The draft-4 schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema with the same meaning.

    Draft 4's boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers, and the array form of
    `dependencies` becomes `dependentRequired`; `$schema` is dropped (OpenAPI sets the dialect).
    """

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: convert(value) for key, value in node.items() if key != "$schema"}
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            if out.get(exclusive) is True:
                out[exclusive] = out.pop(bound)
            elif out.get(exclusive) is False:
                del out[exclusive]
        dependencies = out.pop("dependencies", None)
        if dependencies:
            if not all(isinstance(v, list) for v in dependencies.values()):
                raise ValueError("schema dependencies are only converted in their array form")
            out["dependentRequired"] = dependencies
        return out

    return convert(copy.deepcopy(draft4))


def _response(description: str, schema: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def build_document(request_schema: dict[str, Any], label_request_schema: dict[str, Any], *,
                   max_body_bytes: int = 8192) -> dict[str, Any]:
    """The OpenAPI document of every route, with the request body schemas converted from the draft-4 ones."""
    request = {"$ref": "#/components/schemas/TransactionRequest"}
    id_parameter = {"name": "id", "in": "path", "required": True,
                    "schema": {"type": "string", "pattern": TRANSACTION_ID_PATTERN}}
    error = {"$ref": "#/components/schemas/Error"}
    record = {"$ref": "#/components/schemas/TransactionRecord"}
    common = {
        "403": _response("Unsigned or wrongly signed request, a caller the API's resource policy does not admit, "
                         "a missing or unknown API key, or blocked by the web ACL's managed rules.", error),
        "429": _response("Throttled: the stage or usage plan limit, or the per-address rate rule.", error),
        "500": _response("Unexpected error (details only in the function's log).", error),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Fraud-detection transaction API",
            "version": "1.0.0",
            "description": "Accepts transactions for fraud scoring and serves them with their score. "
                           f"Bodies above {max_body_bytes} bytes (the environment's MAX_BODY_BYTES) are refused "
                           "by the web ACL (413) before the function runs.",
        },
        "servers": [{"url": "{stageUrl}", "variables": {"stageUrl": {
            "default": "https://example.execute-api.us-east-1.amazonaws.com/v1",
            "description": "The stack's api_url output"}}}],
        # Signed requests (SigV4, the API's AWS_IAM authorization) plus the producer's API key, which
        # identifies its usage plan; the local environment takes the API key alone (stacks/config.py).
        "security": [{"sigv4": [], "apiKey": []}],
        "paths": {
            "/transactions": {
                "post": {
                    "operationId": "createTransaction",
                    "summary": "Submit a transaction for scoring",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": request}},
                    },
                    "responses": {
                        "201": _response("Stored.", record, {"Location": {
                            "description": "Path of the stored transaction, relative to the stage",
                            "schema": {"type": "string"}}}),
                        "200": _response("The same body again under the same transaction_id: nothing written.",
                                         record),
                        "400": _response("Malformed body or invalid fields (each one listed).", error),
                        "409": _response("transaction_id taken by a different body, or the same request is being "
                                         "stored right now (Retry-After).", error),
                        "413": _response("Body larger than the environment's limit.", error),
                        "415": _response("Content type other than application/json (UTF-8).", error),
                        **common,
                    },
                }
            },
            "/transactions/{id}": {
                "get": {
                    "operationId": "getTransaction",
                    "summary": "A stored transaction with its score once analysed",
                    "parameters": [id_parameter],
                    "responses": {
                        "200": _response("The transaction.", record),
                        "400": _response("An id that cannot match the transaction_id rule.", error),
                        "404": _response("No such transaction.", error),
                        **common,
                    },
                }
            },
            "/transactions/{id}/label": {
                "post": {
                    "operationId": "labelTransaction",
                    "summary": "Report an outcome (fraud or legitimate) on a transaction",
                    "description": "Callable only by the environment's outcome reporters (analysts' and "
                                   "chargeback systems' roles), never by transaction producers. Each label is an "
                                   "event of the transaction's history; the same event again changes nothing.",
                    "parameters": [id_parameter],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LabelRequest"}}},
                    },
                    "responses": {
                        "201": _response("A new label event, recorded.", {"$ref": "#/components/schemas/Labels"}),
                        "200": _response("The same event (label, source, reported_at) again: nothing written.",
                                         {"$ref": "#/components/schemas/Labels"}),
                        "400": _response("Malformed body, invalid fields or id (each one listed), or reported_at "
                                         "before the transaction.", error),
                        "404": _response("No such transaction.", error),
                        "409": _response("The same source reported a different label at the same reported_at, the "
                                         "history is full, or labels of the transaction kept changing "
                                         "concurrently (Retry-After).", error),
                        "413": _response("Body larger than the environment's limit.", error),
                        "415": _response("Content type other than application/json (UTF-8).", error),
                        **common,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key",
                           "description": "The producer's key: its usage plan's quota identity, not a credential."},
                "sigv4": {"type": "apiKey", "in": "header", "name": "Authorization",
                          "description": "AWS Signature Version 4 (service execute-api) by a principal the "
                                         "API's resource policy admits.",
                          "x-amazon-apigateway-authtype": "awsSigv4"},
            },
            "schemas": {
                "TransactionRequest": to_openapi_schema(request_schema),
                "TransactionRecord": _RECORD,
                "LabelRequest": to_openapi_schema(label_request_schema),
                "Labels": _LABELS,
                "Error": _ERROR,
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Write the document (default build/openapi.json)."""
    args = sys.argv[1:] if argv is None else argv
    output = Path(args[0]) if args else DEFAULT_OUTPUT
    from stacks.config import load_environments

    # Every environment has the same limit today; prod's is the one clients integrate against.
    limit = load_environments()["prod"].max_body_bytes
    document = build_document(json.loads(REQUEST_SCHEMA.read_text(encoding="utf-8")),
                              json.loads(LABEL_REQUEST_SCHEMA.read_text(encoding="utf-8")), max_body_bytes=limit)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
