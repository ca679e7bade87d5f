"""Data access to the merchant counters table: a batch's merchants read together, 100 keys per call.

One BatchGetItem call reads up to 100 merchants (one item each, see fraudlib.merchant_counters), so
a batch costs ceil(distinct merchants / 100) calls whatever its number of records, plus the retries
of keys DynamoDB left unprocessed (throttling, response size): those are asked for again, with
exponential backoff and full jitter, a bounded number of times. Keys still unprocessed after that, or
keys of a call that failed as a whole, are reported as failed, so that only their records are retried.

Reads are eventually consistent: scoring needs the counters of days that ended `label_delay_days`
before the transaction's day, plus fraud labels, which may arrive at any moment anyway.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from fraudlib.dynamodb_items import deserialize
from fraudlib.merchant_counters import KEY_ATTRIBUTE, read_projection

MAX_KEYS_PER_CALL = 100
"""BatchGetItem's limit."""
MAX_CALLS_PER_KEYS = 5
"""Calls made for one group of 100 keys at most: the first and four retries of unprocessed keys."""
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 1.0
MAX_PROJECTED_DAYS = 200
"""Widest window read by projection: 2 attribute names per day must fit the 4 KB expression limit.
A batch spanning more days (a replay of old transactions) reads whole items instead, which a
merchant's few bytes per day keep small."""


class MerchantCountersUnavailableError(RuntimeError):
    """The merchant's counters could not be read, so its records cannot be scored now."""


@dataclass
class CounterReads:
    """What reading a batch's merchants found: items by key, failures by key, calls made."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Deserialized items of the merchants that have one (a merchant never counted has none)."""
    failures: dict[str, Exception] = field(default_factory=dict)
    calls: int = 0


class MerchantCounterReader:
    """Reads merchants' daily counters from the counters table with BatchGetItem."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        max_calls: int = MAX_CALLS_PER_KEYS,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._client = client
        self._table = table_name
        self._max_calls = max_calls
        self._sleep = sleep
        self._jitter = jitter

    def read(self, keys: Iterable[str], until_day: str, days: int) -> CounterReads:
        """The items of `keys` with the counters of the `days` days ending on `until_day` (ISO date)."""
        request: dict[str, Any] = {}
        if days <= MAX_PROJECTED_DAYS:
            projection, names = read_projection(until_day, days)
            request = {"ProjectionExpression": projection, "ExpressionAttributeNames": names}
        reads = CounterReads()
        ordered = sorted(set(keys))
        for start in range(0, len(ordered), MAX_KEYS_PER_CALL):
            self._read_group(ordered[start : start + MAX_KEYS_PER_CALL], request, reads)
        return reads

    def _read_group(self, keys: list[str], request: dict[str, Any], reads: CounterReads) -> None:
        pending: list[dict[str, Any]] = [{KEY_ATTRIBUTE: {"S": key}} for key in keys]
        for attempt in range(self._max_calls):
            if attempt:
                self._sleep(self._jitter() * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))
            reads.calls += 1
            try:
                response = self._client.batch_get_item(RequestItems={self._table: {**request, "Keys": pending}})
            except (BotoCoreError, ClientError) as exc:
                reads.failures.update((key[KEY_ATTRIBUTE]["S"], exc) for key in pending)
                return
            for item in response.get("Responses", {}).get(self._table, []):
                plain = deserialize(item)
                reads.items[plain[KEY_ATTRIBUTE]] = plain
            pending = response.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
            if not pending:
                return
        unavailable = MerchantCountersUnavailableError(
            f"still unprocessed after {self._max_calls} BatchGetItem calls"
        )
        reads.failures.update((key[KEY_ATTRIBUTE]["S"], unavailable) for key in pending)
