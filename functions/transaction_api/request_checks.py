"""HTTP-level checks of a request before its body is parsed (no AWS, no framework)."""

from __future__ import annotations

import base64
import binascii
import re

from transaction_api.transaction_request import TRANSACTION_ID_PATTERN

JSON_MEDIA_TYPE = "application/json"

_TRANSACTION_ID = re.compile(TRANSACTION_ID_PATTERN)


class UndecodableBodyError(ValueError):
    """A body flagged as base64 that is not valid base64."""


def is_json_content_type(header: str | None) -> bool:
    """True for `application/json`, optionally with `charset=utf-8` (JSON is UTF-8 by RFC 8259).

    Any other media type, another charset or any other parameter is refused rather than guessed at.
    """
    if not header:
        return False
    media_type, *parameters = header.split(";")
    if media_type.strip().lower() != JSON_MEDIA_TYPE:
        return False
    for parameter in parameters:
        if not parameter.strip():
            continue  # a stray trailing ";" carries no meaning
        name, separator, value = parameter.partition("=")
        if not separator or name.strip().lower() != "charset":
            return False
        if value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


def body_bytes(body: str | None, is_base64_encoded: bool) -> bytes:
    """The raw request body as API Gateway delivered it, base64 undone."""
    if body is None:
        return b""
    if not is_base64_encoded:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise UndecodableBodyError("body is not valid base64") from None


def is_valid_transaction_id(value: str) -> bool:
    """Whether `value` could name a transaction at all (ids that can't exist are a 400, not a 404)."""
    return _TRANSACTION_ID.fullmatch(value) is not None
