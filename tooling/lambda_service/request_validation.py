"""API Gateway's request validators, replayed: body against the method's model (JSON Schema draft 4),
required request parameters, with the error strings API Gateway puts in `$context.error.*`.

API Gateway validates with a draft-4 validator and reports every violation in one bracketed list,
`[object has missing required properties (["amount"]), ...]`, as `validationErrorString`. The
messages below are the ones its validator writes for each keyword; a keyword without one here is
reported with jsonschema's own message (the status and gateway response type are the same).
A request whose media type has no model is not body-validated (as in API Gateway); a missing
Content-Type counts as application/json.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError

DEFAULT_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class ValidationFailure:
    """Why a request was refused before the integration ran."""

    response_type: str
    """BAD_REQUEST_BODY or BAD_REQUEST_PARAMETERS (the gateway response that renders it)."""
    message: str
    """$context.error.message."""
    validation_error: str
    """$context.error.validationErrorString."""


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _type_name(instance: Any) -> str:
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return "boolean"
    if isinstance(instance, int):
        return "integer"
    if isinstance(instance, float):
        return "number"
    if isinstance(instance, str):
        return "string"
    return "array" if isinstance(instance, list) else "object"


def describe(error: ValidationError) -> str:
    """One violation in API Gateway's wording."""
    keyword, value, instance = error.validator, error.validator_value, error.instance
    if keyword == "required":
        missing = sorted(name for name in value if isinstance(instance, dict) and name not in instance)
        return f"object has missing required properties ({_json(missing)})"
    if keyword == "type":
        allowed = sorted(value) if isinstance(value, list) else [value]
        return (f"instance type ({_type_name(instance)}) does not match any allowed primitive type "
                f"(allowed: {_json(allowed)})")
    if keyword == "enum":
        return f"instance value ({_json(instance)}) not found in enum (possible values: {_json(value)})"
    if keyword == "pattern":
        return f"ECMA 262 regex {_json(value)} does not match input string {_json(instance)}"
    if keyword == "minLength":
        return f"string {_json(instance)} is too short (length: {len(instance)}, required minimum: {value})"
    if keyword == "maxLength":
        return f"string {_json(instance)} is too long (length: {len(instance)}, maximum allowed: {value})"
    if keyword == "minimum":
        return f"numeric instance is lower than the required minimum (minimum: {value}, found: {instance})"
    if keyword == "maximum":
        return f"numeric instance is greater than the required maximum (maximum: {value}, found: {instance})"
    if keyword == "anyOf":
        return f"instance failed to match at least one required schema among {len(value)}"
    if keyword == "oneOf":
        matched = sum(1 for option in value if Draft4Validator(option).is_valid(instance))
        return f"instance failed to match exactly one schema (matched {matched} out of {len(value)})"
    if keyword == "allOf":
        matched = sum(1 for option in value if Draft4Validator(option).is_valid(instance))
        return f"instance failed to match all required schemas (matched only {matched} out of {len(value)})"
    if keyword == "dependencies" and isinstance(instance, dict):
        owner = next(name for name, needed in value.items() if name in instance and isinstance(needed, list)
                     and any(other not in instance for other in needed))
        missing = [other for other in value[owner] if other not in instance]
        return (f"property {_json(owner)} of object has missing property dependencies "
                f"(schema requires {_json(value[owner])}; missing: {_json(missing)})")
    if keyword == "additionalProperties" and isinstance(instance, dict):
        declared = set(error.schema.get("properties", {}))
        extra = sorted(name for name in instance if name not in declared)
        return f"object instance has properties which are not allowed by the schema: {_json(extra)}"
    return error.message


class BodyValidator:
    """The draft-4 model of one method and media type."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        Draft4Validator.check_schema(schema)
        self._validator = Draft4Validator(schema)

    def validate(self, body: str | None) -> ValidationFailure | None:
        """None when the body satisfies the model."""
        try:
            document = json.loads(body or "")
        except ValueError:
            return ValidationFailure("BAD_REQUEST_BODY", "Invalid request body", "Invalid request body")
        errors = sorted(self._validator.iter_errors(document), key=lambda e: (list(e.absolute_path), e.validator))
        if not errors:
            return None
        # jsonschema reports each missing property on its own; API Gateway lists them in one message.
        messages = list(dict.fromkeys(describe(e) for e in errors))
        return ValidationFailure("BAD_REQUEST_BODY", "Invalid request body", "[" + ", ".join(messages) + "]")


def media_type(headers: Mapping[str, str]) -> str:
    """The request's media type (no parameters), application/json when absent."""
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return value.split(";")[0].strip().lower() or DEFAULT_MEDIA_TYPE


def missing_parameters(required: Mapping[str, bool], headers: Mapping[str, str], query: Mapping[str, str],
                       path_parameters: Mapping[str, str]) -> ValidationFailure | None:
    """Required `method.request.{header,querystring,path}.<name>` parameters the request lacks."""
    lowered = {k.lower() for k in headers}
    missing: list[str] = []
    for key, is_required in required.items():
        if not is_required:
            continue
        _, _, where, name = key.split(".", 3)
        present = (name.lower() in lowered if where == "header"
                   else name in query if where == "querystring" else bool(path_parameters.get(name)))
        if not present:
            missing.append(name)
    if not missing:
        return None
    text = f"Missing required request parameters: [{', '.join(missing)}]"
    return ValidationFailure("BAD_REQUEST_PARAMETERS", text, text)


def first_failure(*checks: ValidationFailure | None) -> ValidationFailure | None:
    """The first failed check (parameters are checked before the body, as in API Gateway)."""
    return next((c for c in checks if c is not None), None)

