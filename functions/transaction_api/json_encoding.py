"""JSON encoding of API responses, exact for the Decimals that DynamoDB returns."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def _exact_number(value: Decimal) -> int | float | str:
    """A Decimal as a JSON number that prints with exactly its digits.

    Integers stay ints. Other values (coordinates with 6 places, scores) go through float only when
    the shortest float repr reproduces the decimal exactly, which holds for up to 15 significant
    digits; anything that would be rounded is sent as a string instead. Amounts never get here:
    `public_view` already made them strings.
    """
    if not value.is_finite():
        return str(value)
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


def _prepare(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _exact_number(value)
    if isinstance(value, dict):
        return {key: _prepare(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_prepare(item) for item in value]
    if isinstance(value, set | frozenset):
        # DynamoDB string/number sets come back as Python sets; JSON has only arrays.
        return sorted(_prepare(item) for item in value)
    return value


def dumps(payload: Any) -> str:
    """Compact JSON for a response body."""
    return json.dumps(_prepare(payload), separators=(",", ":"), ensure_ascii=False)
