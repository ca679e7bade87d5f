"""Recording outcome labels: the rules, independent of HTTP and of AWS.

A label is an event added to the transaction's history (fraudlib.labels). The same event again is a
replay (nothing written), the same source and moment with another label a conflict; a new event is
written together with the change of the merchant's fraud counter it causes, conditioned on the
history it was computed from. When another writer changed the history first, the new history is
computed again from the item as it is now, a bounded number of times, so concurrent labels of one
transaction each move the counter exactly once, by what they really change.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from fraudlib.labels import MAX_LABEL_EVENTS, LabelEvent, LabelHistory, Verdict
from fraudlib.transaction_item import TransactionItem

from transaction_api.errors import (
    LabelBeforeTransactionError,
    LabelConflictError,
    LabelHistoryFullError,
    RequestInProgressError,
    TransactionNotFoundError,
)

MAX_ATTEMPTS = 6
"""Writes tried per request before answering "in progress": each failed attempt means another label
of the same transaction was written meanwhile, so this many in a row is an unusual burst."""


class LabelVersionChangedError(Exception):
    """The item's label history is not the one the write was computed from; `current` is the item as
    it is now when the store returned it (None: read it again; it may also be gone)."""

    def __init__(self, current: TransactionItem | None) -> None:
        super().__init__("label history changed concurrently")
        self.current = current


class TransactionFinder(Protocol):
    """Reads transaction items by id (`transaction_api.repository.TransactionRepository`)."""

    def find(self, transaction_id: str, timestamp: int | None = None) -> TransactionItem | None:
        """The item for an id, read strongly consistently, or None."""
        ...


class LabelWriter(Protocol):
    """Writes a label history (`transaction_api.label_repository.LabelRepository`)."""

    def write(self, item: TransactionItem, history: LabelHistory, fraud_change: int) -> TransactionItem:
        """Store `history` on `item` if its history is still the one read, moving the merchant's fraud
        counter by `fraud_change` in the same transaction; the item as written. Raises
        `LabelVersionChangedError` otherwise."""
        ...


@dataclass(frozen=True)
class LabelResult:
    """The item after the request, and whether the request added an event (False: a replay)."""

    item: TransactionItem
    created: bool


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _backoff(attempt: int) -> None:
    # Full jitter: writers that collided once do not collide again in lockstep.
    time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter, not security


class LabelService:
    """Adds label events to transactions, exactly once each."""

    def __init__(
        self,
        finder: TransactionFinder,
        writer: LabelWriter,
        clock: Callable[[], datetime] = _utc_now,
        pause: Callable[[int], None] = _backoff,
    ) -> None:
        """Read with `finder`, write with `writer`; `clock` and `pause` are replaceable for tests."""
        self._finder = finder
        self._writer = writer
        self._clock = clock
        self._pause = pause

    def now(self) -> datetime:
        """The service's clock (the default `reported_at`)."""
        return self._clock()

    def record(self, transaction_id: str, event: LabelEvent) -> LabelResult:
        """Add `event` to the transaction's history, or recognise it as recorded already.

        Raises `TransactionNotFoundError`, `LabelBeforeTransactionError`, `LabelConflictError`,
        `LabelHistoryFullError`, and `RequestInProgressError` when the history kept changing under
        every attempt.
        """
        item = self._finder.find(transaction_id)
        for attempt in range(MAX_ATTEMPTS):
            if item is None:
                raise TransactionNotFoundError(transaction_id)
            history = item.label_history
            verdict = _check(item, history, event)
            if verdict is Verdict.REPLAY:
                return LabelResult(item, created=False)
            updated = history.with_event(event)
            try:
                return LabelResult(self._writer.write(item, updated, updated.fraud_change(history)), created=True)
            except LabelVersionChangedError as changed:
                self._pause(attempt)
                item = changed.current or self._finder.find(transaction_id)
        raise RequestInProgressError(transaction_id)


def _check(item: TransactionItem, history: LabelHistory, event: LabelEvent) -> Verdict:
    if event.reported_at.timestamp() < item.timestamp:
        raise LabelBeforeTransactionError(item.transaction_id)
    verdict = history.verdict(event)
    if verdict is Verdict.CONFLICT:
        raise LabelConflictError(item.transaction_id)
    if verdict is Verdict.NEW and len(history.events) >= MAX_LABEL_EVENTS:
        raise LabelHistoryFullError(item.transaction_id)
    return verdict
