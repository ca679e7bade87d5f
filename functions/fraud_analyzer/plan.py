"""Everything a batch needs before its records are scored: parsed records and one history per customer.

The batch processor works record by record, but reading history record by record would cost one
query per transaction. The plan reads each distinct customer's history once for the whole batch,
and indexes it together with that customer's records of the batch, so every record is scored against
exactly the transactions strictly before it, whether stored earlier or earlier in this batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fraudlib.scoring import CustomerHistory, ScoringConfig, Transaction
from fraudlib.transaction_item import MalformedItemError, TransactionItem

from fraud_analyzer.items import to_transaction

DAY = 86400

HistoryReader = Callable[[str, int, int], list[dict[str, Any]]]


class HistoryUnavailableError(RuntimeError):
    """The customer's history could not be read, so the customer's records cannot be scored now."""


@dataclass(frozen=True)
class PlannedRecord:
    """One INSERT record: its item and scoring view, or why it cannot be processed."""

    item: TransactionItem | None = None
    transaction: Transaction | None = None
    error: Exception | None = None


@dataclass
class HistoryLoadStats:
    """What reading the histories cost and found, for metrics and logs."""

    queries: int = 0
    failed_customers: int = 0
    items_read: int = 0
    malformed_items: int = 0


class BatchPlan:
    """Parsed records of one batch keyed by stream sequence number, plus per-customer histories."""

    def __init__(self, config: ScoringConfig, history_window_days: int) -> None:
        self._config = config
        self._window = history_window_days * DAY
        self._records: dict[str, PlannedRecord] = {}
        self._histories: dict[str, CustomerHistory] = {}
        self._history_errors: dict[str, Exception] = {}

    def add_item(self, sequence_number: str, item: Mapping[str, Any]) -> None:
        """Register a record's new image; a malformed one is remembered as that record's failure."""
        try:
            parsed = TransactionItem.from_item(item)
            self._records[sequence_number] = PlannedRecord(item=parsed, transaction=to_transaction(parsed))
        except MalformedItemError as exc:
            self._records[sequence_number] = PlannedRecord(error=exc)

    def add_failure(self, sequence_number: str, error: Exception) -> None:
        """Register a record whose image could not even be decoded."""
        self._records[sequence_number] = PlannedRecord(error=error)

    def customers(self) -> dict[str, list[Transaction]]:
        """The batch's parseable transactions grouped by customer."""
        grouped: dict[str, list[Transaction]] = {}
        for planned in self._records.values():
            if planned.transaction is not None:
                grouped.setdefault(planned.transaction.customer_id, []).append(planned.transaction)
        return grouped

    def load_histories(
        self, read: HistoryReader, on_error: Callable[[str, Exception], None]
    ) -> HistoryLoadStats:
        """Read each distinct customer's history once: from HISTORY_WINDOW_DAYS before the customer's
        oldest record in the batch up to the newest one.

        A failure for one customer is kept for that customer's records only; the others go on.
        """
        stats = HistoryLoadStats()
        for customer_id, batch_transactions in self.customers().items():
            since = min(t.timestamp for t in batch_transactions) - self._window
            until = max(t.timestamp for t in batch_transactions)
            stats.queries += 1
            try:
                items = read(customer_id, since, until)
            # Any failure (throttling, timeouts, a permissions slip) must fail only this customer's
            # records, which is why nothing narrower than Exception will do.
            except Exception as exc:  # noqa: BLE001
                stats.failed_customers += 1
                self._history_errors[customer_id] = exc
                on_error(customer_id, exc)
                continue
            stats.items_read += len(items)
            stored: list[Transaction] = []
            for item in items:
                try:
                    stored.append(to_transaction(TransactionItem.from_item(item)))
                except MalformedItemError:
                    # A bad old item must not make the new transaction unscorable: skip it.
                    stats.malformed_items += 1
            own = [t for t in stored if t.customer_id == customer_id]
            self._histories[customer_id] = CustomerHistory(own + batch_transactions, self._config)
        return stats

    def resolve(self, sequence_number: str) -> tuple[TransactionItem, Transaction, CustomerHistory]:
        """The item, transaction and indexed history of a record, or the reason it cannot be scored."""
        planned = self._records.get(sequence_number)
        if planned is None:
            raise KeyError(f"record {sequence_number} was not prepared")
        if planned.error is not None:
            raise planned.error
        assert planned.item is not None and planned.transaction is not None
        customer_id = planned.transaction.customer_id
        history = self._histories.get(customer_id)
        if history is None:
            cause = self._history_errors.get(customer_id)
            raise HistoryUnavailableError(
                # No customer id here: the message reaches the batch processor and the traces.
                f"history of this transaction's customer is unavailable: {cause}"
            ) from cause
        return planned.item, planned.transaction, history
