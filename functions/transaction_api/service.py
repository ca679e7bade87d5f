"""Creating and reading transactions: the rules, independent of HTTP and of AWS."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from fraudlib.transaction_item import TransactionItem

from transaction_api.errors import TransactionConflictError
from transaction_api.records import new_item
from transaction_api.repository import IdTakenError
from transaction_api.transaction_request import TransactionRequest


class TransactionStore(Protocol):
    """Where transaction items live (see `transaction_api.repository.TransactionRepository`)."""

    def find(self, transaction_id: str, timestamp: int | None = None) -> TransactionItem | None:
        """The item for an id (at `timestamp` when known), read strongly consistently, or None."""
        ...

    def insert(self, item: TransactionItem) -> None:
        """Write a record under a fresh id or raise `DuplicateTransactionError`."""
        ...

    def insert_claimed(self, item: TransactionItem) -> None:
        """Claim the id and write the record at once, or raise `IdTakenError`."""
        ...


@dataclass(frozen=True)
class StoragePolicy:
    """Storage settings that shape an item."""

    day_shards: int
    ttl_days: int


@dataclass(frozen=True)
class CreateResult:
    """The stored item, and whether this request created it (False: a replay of an earlier one)."""

    item: TransactionItem
    created: bool


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_transaction_id() -> str:
    return str(uuid.uuid4())


class TransactionService:
    """Accepts transactions exactly once per id and returns what is stored."""

    def __init__(
        self,
        store: TransactionStore,
        policy: StoragePolicy,
        clock: Callable[[], datetime] = _utc_now,
        new_id: Callable[[], str] = _new_transaction_id,
    ) -> None:
        """Write to `store` with `policy`; `clock` and `new_id` are replaceable for tests."""
        self._store = store
        self._policy = policy
        self._clock = clock
        self._new_id = new_id

    def get(self, transaction_id: str) -> TransactionItem | None:
        """The stored item, scoring attributes included once the analyzer has written them."""
        return self._store.find(transaction_id)

    def create(self, request: TransactionRequest, fingerprint: str) -> CreateResult:
        """Store a validated request, or return the earlier copy of the same request.

        One write on the happy path; a replay costs one read more. Raises
        `TransactionConflictError` when the id is taken by a different request and
        `RequestInProgressError` when a copy of this request is being stored concurrently.
        """
        if request.transaction_id is None:
            # A fresh UUID4 cannot be a replay, so no claim is needed; a collision would surface
            # as DuplicateTransactionError rather than overwrite anything.
            item = self._build(request, self._new_id(), fingerprint)
            self._store.insert(item)
            return CreateResult(item, created=True)

        item = self._build(request, request.transaction_id, fingerprint)
        try:
            self._store.insert_claimed(item)
        except IdTakenError as taken:
            if taken.claim.request_fingerprint != fingerprint:
                raise TransactionConflictError(item.transaction_id) from taken
            stored = self._store.find(item.transaction_id, taken.claim.record_timestamp)
            if stored is None:
                raise RuntimeError(f"transaction {item.transaction_id} is claimed but its record is gone") from taken
            return CreateResult(stored, created=False)
        return CreateResult(item, created=True)

    def _build(self, request: TransactionRequest, transaction_id: str, fingerprint: str) -> TransactionItem:
        return new_item(
            request,
            transaction_id=transaction_id,
            fingerprint=fingerprint,
            received_at=self._clock(),
            day_shards=self._policy.day_shards,
            ttl_days=self._policy.ttl_days,
        )
