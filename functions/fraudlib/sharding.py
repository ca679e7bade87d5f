"""Write sharding of the per-day index (`day-index` GSI keyed on `day_shard`)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime


def shard_number(transaction_id: str, shards: int) -> int:
    """A stable shard in `0..shards-1` for a transaction id.

    SHA-256 rather than `hash()`: Python salts `hash()` per process, and the shard must be the same
    in every container, forever.
    """
    if shards < 1:
        raise ValueError("shards must be at least 1")
    digest = hashlib.sha256(transaction_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


def day_shard(transaction_id: str, timestamp: int, shards: int) -> str:
    """`YYYY-MM-DD#k`: the UTC day of the transaction and its shard."""
    day = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    return f"{day}#{shard_number(transaction_id, shards)}"


def day_shard_keys(day: date, shards: int) -> list[str]:
    """Every `day_shard` value of one UTC day, to read the whole day back from the index."""
    if shards < 1:
        raise ValueError("shards must be at least 1")
    return [f"{day.isoformat()}#{k}" for k in range(shards)]
