"""Creating and reading transactions: the rules, independent of HTTP and of AWS."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from fraudlib.transaction_record import RecordPolicy, build_item
from fraudlib.transaction_request import TransactionRequest

from transaction_api.errors import DuplicateTransactionError, TransactionConflictError


class TransactionStore(Protocol):
    """Where transaction items live (see `transaction_api.repository.TransactionRepository`)."""

    def find(self, transaction_id: str) -> dict[str, Any] | None:
        """The item for an id, read strongly consistently, or None."""
        ...

    def insert(self, item: dict[str, Any]) -> None:
        """Write a new item or raise `DuplicateTransactionError`."""
        ...


class CreationGuard(Protocol):
    """Mutual exclusion of creates per id (see `transaction_api.idempotency_guard`)."""

    def run(self, transaction_id: str, fingerprint: str, action: Callable[[], bool]) -> bool:
        """Run `action` at most once per id; True if it ran in this call."""
        ...


@dataclass(frozen=True)
class CreateResult:
    """The stored item, and whether this request created it (False: a replay of an earlier one)."""

    item: dict[str, Any]
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
        guard: Callable[[], CreationGuard],
        policy: RecordPolicy,
        clock: Callable[[], datetime] = _utc_now,
        new_id: Callable[[], str] = _new_transaction_id,
    ) -> None:
        """`guard` is a factory so the idempotency machinery loads only when a client id needs it."""
        self._store = store
        self._guard = guard
        self._policy = policy
        self._clock = clock
        self._new_id = new_id

    def get(self, transaction_id: str) -> dict[str, Any] | None:
        """The stored item, scoring attributes included once the analyzer has written them."""
        return self._store.find(transaction_id)

    def create(self, request: TransactionRequest, fingerprint: str) -> CreateResult:
        """Store a validated request, or return the earlier copy of the same request.

        Raises `TransactionConflictError` when the id is taken by a different request and
        `RequestInProgressError` when a copy of this request is being stored concurrently.
        """
        if request.transaction_id is None:
            # A fresh UUID4 cannot be a replay, so no lookup and no lock are needed; a collision
            # would surface as DuplicateTransactionError rather than overwrite anything.
            item = self._build(request, self._new_id(), fingerprint)
            self._store.insert(item)
            return CreateResult(item, created=True)

        transaction_id = request.transaction_id
        existing = self._store.find(transaction_id)
        if existing is not None:
            return _replay(existing, fingerprint)

        item = self._build(request, transaction_id, fingerprint)
        created = self._guard().run(transaction_id, fingerprint, lambda: self._insert_new(item, fingerprint))
        if created:
            return CreateResult(item, created=True)
        # A concurrent copy of this request stored it between our lookup and the lock.
        stored = self._store.find(transaction_id)
        if stored is None:
            raise RuntimeError(f"transaction {transaction_id} reported as stored but not found")
        return _replay(stored, fingerprint)

    def _build(self, request: TransactionRequest, transaction_id: str, fingerprint: str) -> dict[str, Any]:
        return build_item(
            request,
            transaction_id=transaction_id,
            fingerprint=fingerprint,
            received_at=self._clock(),
            policy=self._policy,
        )

    def _insert_new(self, item: dict[str, Any], fingerprint: str) -> bool:
        """Conditional write; on a key clash, compare with what is there instead of failing."""
        try:
            self._store.insert(item)
        except DuplicateTransactionError:
            existing = self._store.find(item["transaction_id"])
            if existing is None:
                raise
            _replay(existing, fingerprint)  # raises TransactionConflictError on a different body
            return False
        return True


def _replay(existing: dict[str, Any], fingerprint: str) -> CreateResult:
    if existing.get("request_fingerprint") != fingerprint:
        raise TransactionConflictError(existing.get("transaction_id", ""))
    return CreateResult(existing, created=False)
