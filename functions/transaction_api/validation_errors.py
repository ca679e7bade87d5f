"""Turns pydantic validation errors into the per-field reasons the API returns."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from transaction_api.transaction_request import PATTERN_REASONS

BODY_FIELD = "body"
"""The name reported when the problem is the body as a whole (e.g. a JSON array instead of an object)."""

# Reasons for pydantic's built-in error types; the rule-specific errors raised by
# `transaction_api.field_rules` and the model already carry a client-facing message.
_BUILTIN_REASONS: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be a string",
    "model_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
}


@dataclass(frozen=True)
class FieldError:
    """One rejected field and why, as shown to the client."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """The JSON shape of the error: `{"field": ..., "reason": ...}`."""
        return {"field": self.field, "reason": self.reason}


def field_errors(exc: ValidationError) -> list[FieldError]:
    """One error per bad field, in the order pydantic reported them (the first reason wins)."""
    seen: dict[str, FieldError] = {}
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or BODY_FIELD
        if field in seen:
            continue
        seen[field] = FieldError(field, _reason(field, error["type"], error["msg"]))
    return list(seen.values())


def _reason(field: str, error_type: str, message: str) -> str:
    if error_type == "string_pattern_mismatch":
        return PATTERN_REASONS.get(field, "has an invalid format")
    return _BUILTIN_REASONS.get(error_type, message)
