"""The fingerprint that tells a replayed request from a different one under the same id."""

from __future__ import annotations

import hashlib
import json

from transaction_api.transaction_request import TransactionRequest


def request_fingerprint(request: TransactionRequest) -> str:
    """SHA-256 (hex) of the canonical form of what the client sent, before any default is applied.

    Canonical: only the fields the client set, each in its normalised form (amount "12.50",
    timestamp in epoch seconds, compressed IP address), keys sorted, no whitespace. So
    `"amount": 12.5` and `"amount": "12.50"` are the same request, and a replay that leaves out
    `timestamp` matches the original even though the stored item got a default timestamp.
    """
    canonical = json.dumps(
        request.model_dump(mode="json", exclude_unset=True),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
