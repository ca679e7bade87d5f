"""The label rules without AWS: the history order, fraud_since, and the bounded re-read on a changed version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fraudlib.labels import LabelEvent, LabelHistory, Verdict
from fraudlib.transaction_item import TransactionItem, label_attributes
from transaction_api.errors import RequestInProgressError, TransactionNotFoundError
from transaction_api.label_repository import _why_cancelled
from transaction_api.label_service import MAX_ATTEMPTS, LabelService, LabelVersionChangedError

from tests.functions.items import stored_item

T0 = 1_790_000_000
BASE = datetime.fromtimestamp(T0, UTC)


def event(label: str, source: str, seconds: int) -> LabelEvent:
    return LabelEvent(label=label, source=source, reported_at=BASE + timedelta(seconds=seconds))  # type: ignore[arg-type]


def item(history: LabelHistory | None = None, version: int | None = None) -> TransactionItem:
    extra: dict[str, Any] = {}
    if history is not None and version is not None:
        extra = {k: v for k, v in label_attributes(history, version).items() if v is not None}
    return TransactionItem.from_item(stored_item("t-1", "c-1", T0, **extra))


def test_the_history_is_ordered_by_time_then_source_precedence_whatever_the_arrival_order() -> None:
    events = [event("fraud", "chargeback", 5), event("legitimate", "customer_report", 5), event("fraud", "analyst", 9),
              event("legitimate", "analyst", 5)]
    history = LabelHistory.of(events)
    assert [(e.source, e.reported_at) for e in history.events] == [
        ("customer_report", BASE + timedelta(seconds=5)), ("analyst", BASE + timedelta(seconds=5)),
        ("chargeback", BASE + timedelta(seconds=5)), ("analyst", BASE + timedelta(seconds=9))]
    assert LabelHistory.of(list(reversed(events))) == history
    assert history.effective == event("fraud", "analyst", 9)


def test_verdicts() -> None:
    history = LabelHistory.of([event("fraud", "analyst", 5)])
    assert history.verdict(event("fraud", "analyst", 5)) is Verdict.REPLAY
    assert history.verdict(event("legitimate", "analyst", 5)) is Verdict.CONFLICT
    assert history.verdict(event("legitimate", "chargeback", 5)) is Verdict.NEW
    assert history.verdict(event("fraud", "analyst", 6)) is Verdict.NEW


def test_fraud_since_and_the_counter_change() -> None:
    empty = LabelHistory()
    fraud = empty.with_event(event("fraud", "analyst", 5))
    still = fraud.with_event(event("fraud", "chargeback", 9))
    cleared = still.with_event(event("legitimate", "chargeback", 20))
    assert (empty.fraud_since, fraud.fraud_since, still.fraud_since, cleared.fraud_since) == (
        None, BASE + timedelta(seconds=5), BASE + timedelta(seconds=5), None)
    assert (fraud.fraud_change(empty), still.fraud_change(fraud), cleared.fraud_change(still)) == (1, 0, -1)
    assert cleared.with_event(event("fraud", "customer_report", 1)).fraud_change(cleared) == 0


class ScriptedStore:
    """A finder and writer whose writes fail while `conflicts` lasts, each time someone else's event landing."""

    def __init__(self, current: TransactionItem | None, conflicts: int, returns_item: bool) -> None:
        self.current = current
        self.conflicts = conflicts
        self.returns_item = returns_item
        self.writes = 0
        self.reads = 0

    def find(self, transaction_id: str, timestamp: int | None = None) -> TransactionItem | None:
        self.reads += 1
        return self.current

    def write(self, found: TransactionItem, history: LabelHistory, fraud_change: int) -> TransactionItem:
        self.writes += 1
        if self.conflicts:
            self.conflicts -= 1
            assert self.current is not None
            other = self.current.label_history.with_event(event("legitimate", "customer_report", self.writes))
            self.current = item(other, (self.current.label_version or 0) + 1)
            raise LabelVersionChangedError(self.current if self.returns_item else None)
        assert found == self.current, "a write must start from the item as it is now"
        self.current = item(history, (found.label_version or 0) + 1)
        return self.current


@pytest.mark.parametrize("returns_item", [True, False])
def test_a_changed_version_is_retried_from_the_item_as_it_is_now(returns_item: bool) -> None:
    store = ScriptedStore(item(), conflicts=2, returns_item=returns_item)
    pauses: list[int] = []
    service = LabelService(store, store, pause=pauses.append)

    result = service.record("t-1", event("fraud", "chargeback", 100))

    assert result.created and store.writes == 3 and pauses == [0, 1]
    assert store.reads == (1 if returns_item else 3)
    assert result.item.label == "fraud" and len(result.item.labels) == 3


def test_the_retries_are_bounded_and_then_answered_as_in_progress() -> None:
    store = ScriptedStore(item(), conflicts=MAX_ATTEMPTS, returns_item=True)
    with pytest.raises(RequestInProgressError):
        LabelService(store, store, pause=lambda attempt: None).record("t-1", event("fraud", "chargeback", 100))
    assert store.writes == MAX_ATTEMPTS


def test_an_event_written_meanwhile_by_another_request_becomes_a_replay() -> None:
    mine = event("fraud", "chargeback", 100)

    class SameEventLanded(ScriptedStore):
        def write(self, found: TransactionItem, history: LabelHistory, fraud_change: int) -> TransactionItem:
            self.writes += 1
            self.current = item(history, 1)
            raise LabelVersionChangedError(self.current)

    store = SameEventLanded(item(), conflicts=0, returns_item=True)
    result = LabelService(store, store, pause=lambda attempt: None).record("t-1", mine)
    assert not result.created and store.writes == 1 and result.item.labels == (mine,)


def test_an_item_gone_between_attempts_is_not_found() -> None:
    store = ScriptedStore(item(), conflicts=1, returns_item=False)
    original_write = store.write

    def write_then_vanish(found: TransactionItem, history: LabelHistory, change: int) -> TransactionItem:
        try:
            return original_write(found, history, change)
        finally:
            store.current = None

    store.write = write_then_vanish  # type: ignore[method-assign]
    with pytest.raises(TransactionNotFoundError):
        LabelService(store, store, pause=lambda attempt: None).record("t-1", event("fraud", "analyst", 1))


def test_cancellation_reasons() -> None:
    current = item()
    stored = {"transaction_id": {"S": "t-1"}}
    from fraudlib.dynamodb_items import serialize

    changed = _why_cancelled(current, [{"Code": "ConditionalCheckFailed", "Item": serialize(current.to_item())},
                                       {"Code": "None"}])
    assert isinstance(changed, LabelVersionChangedError) and changed.current == current
    gone = _why_cancelled(current, [{"Code": "ConditionalCheckFailed"}, {"Code": "None"}])
    assert isinstance(gone, LabelVersionChangedError) and gone.current is None
    racing = _why_cancelled(current, [{"Code": "None"}, {"Code": "TransactionConflict"}])
    assert isinstance(racing, LabelVersionChangedError) and racing.current is None
    other = _why_cancelled(current, [{"Code": "ValidationError", "Item": stored}])
    assert isinstance(other, RuntimeError) and "ValidationError" in str(other)
