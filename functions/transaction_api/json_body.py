"""Strict JSON parsing of request bodies that keeps every number exact."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NoReturn


class MalformedJsonError(ValueError):
    """The body is not a single well-formed JSON document (or not UTF-8)."""


def _reject_constant(name: str) -> NoReturn:
    # Python's json module accepts NaN and Infinity by default; they are not JSON (RFC 8259).
    raise MalformedJsonError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            # The last duplicate would silently win; with money and idempotency fingerprints an
            # ambiguous body is refused instead.
            raise MalformedJsonError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def parse_json(raw: bytes) -> Any:
    """Decode a UTF-8 JSON document; fractions become `Decimal`, never `float`.

    Raises `MalformedJsonError` for invalid UTF-8, invalid JSON, NaN/Infinity or duplicate keys.
    """
    try:
        text = raw.decode("utf-8")
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except MalformedJsonError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise MalformedJsonError(str(exc)) from None
