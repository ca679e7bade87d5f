"""Everything a batch needs before its records are scored: parsed records, one history per customer and
the counters of every merchant.

The batch processor works record by record, but reading history record by record would cost one
query per transaction. The plan reads each distinct customer's history once for the whole batch,
and indexes it together with that customer's records of the batch, so every record is scored against
exactly the transactions strictly before it, whether stored earlier or earlier in this batch.

Merchants' counters are read for the whole batch in bulk (fraud_analyzer.merchant_reads), one window
of days for every merchant: the one ending on the batch's latest day and long enough for its earliest.
The batch's own transactions need not be added to them: merchant features end `label_delay_days`
before the transaction's day, and the batch is counted as it is scored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fraudlib.merchant_counters import day_counts, merchant_key, transaction_day
from fraudlib.scoring import CustomerHistory, MerchantDailyCounters, ScoringConfig, Transaction
from fraudlib.scoring.features import NO_MERCHANT_HISTORY, WINDOWS_DAYS
from fraudlib.transaction_item import MalformedItemError, TransactionItem

from fraud_analyzer.items import to_transaction
from fraud_analyzer.merchant_reads import CounterReads, MerchantCountersUnavailableError

DAY = 86400

HistoryReader = Callable[[str, int, int], list[dict[str, Any]]]
CounterReader = Callable[[Iterable[str], str, int], CounterReads]
"""Reads merchants' counters: (keys, last ISO day, number of days) -> what was found and what failed."""


class HistoryUnavailableError(RuntimeError):
    """The customer's history could not be read, so the customer's records cannot be scored now."""


@dataclass(frozen=True)
class PlannedRecord:
    """One INSERT record: its item and scoring view, or why it cannot be processed."""

    item: TransactionItem | None = None
    transaction: Transaction | None = None
    error: Exception | None = None

    @property
    def merchant_key(self) -> str | None:
        """Key of the merchant aggregate the transaction is counted in (None: neither terminal nor merchant)."""
        return None if self.item is None else merchant_key(self.item.terminal_id, self.item.merchant_id)


@dataclass(frozen=True)
class ScoringInputs:
    """What scoring one record takes, and where its transaction is counted."""

    item: TransactionItem
    transaction: Transaction
    history: CustomerHistory
    merchant: MerchantDailyCounters
    """The merchant's counters as stored; NO_MERCHANT_HISTORY for a merchant never counted (or none)."""
    merchant_key: str | None

    @property
    def counted_day(self) -> str:
        """The day (UTC) whose transaction counter this transaction adds to."""
        return transaction_day(self.transaction.timestamp)


@dataclass
class HistoryLoadStats:
    """What reading the histories cost and found, for metrics and logs."""

    queries: int = 0
    failed_customers: int = 0
    items_read: int = 0
    malformed_items: int = 0


@dataclass
class MerchantLoadStats:
    """What reading the merchants' counters cost and found, for metrics and logs."""

    calls: int = 0
    merchants: int = 0
    found: int = 0
    failures: dict[str, Exception] = field(default_factory=dict)
    """Why each merchant that could not be read was not."""


class BatchPlan:
    """Parsed records of one batch keyed by stream sequence number, plus per-customer histories."""

    def __init__(self, config: ScoringConfig, history_window_days: int) -> None:
        self._config = config
        self._window = history_window_days * DAY
        self._records: dict[str, PlannedRecord] = {}
        self._histories: dict[str, CustomerHistory] = {}
        self._history_errors: dict[str, Exception] = {}
        self._merchants: dict[str, MerchantDailyCounters] = {}
        self._merchant_errors: dict[str, Exception] = {}

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

    def merchant_window(self) -> tuple[str, int] | None:
        """(last ISO day, number of days) of counters that serve every merchant of the batch: from the
        longest merchant window before the earliest transaction's day, shifted by the label delay, to
        the latest transaction's day. None when no transaction of the batch names a merchant."""
        days = [planned.transaction.timestamp // DAY for planned in self._records.values()
                if planned.transaction is not None and planned.merchant_key is not None]
        if not days:
            return None
        lookback = WINDOWS_DAYS[-1] + self._config.label_delay_days
        return transaction_day(max(days) * DAY), max(days) - min(days) + lookback + 1

    def load_merchants(self, read: CounterReader) -> MerchantLoadStats:
        """Read the counters of every distinct merchant of the batch in one bulk read.

        A merchant without an item has never been counted (NO_MERCHANT_HISTORY); one that could not be
        read fails its records only."""
        window = self.merchant_window()
        if window is None:
            return MerchantLoadStats()
        keys = sorted({key for planned in self._records.values()
                       if planned.transaction is not None and (key := planned.merchant_key) is not None})
        reads = read(keys, *window)
        for key, item in reads.items.items():
            self._merchants[key] = MerchantDailyCounters.from_day_counts(*day_counts(item))
        self._merchant_errors.update(reads.failures)
        return MerchantLoadStats(calls=reads.calls, merchants=len(keys), found=len(reads.items),
                                 failures=dict(reads.failures))

    def resolve(self, sequence_number: str) -> ScoringInputs:
        """What scoring a record takes, or the reason it cannot be scored now."""
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
        key = planned.merchant_key
        if key in self._merchant_errors:
            cause = self._merchant_errors[key]
            raise MerchantCountersUnavailableError(
                f"counters of this transaction's merchant are unavailable: {cause}"
            ) from cause
        merchant = self._merchants.get(key, NO_MERCHANT_HISTORY) if key is not None else NO_MERCHANT_HISTORY
        return ScoringInputs(planned.item, planned.transaction, history, merchant, key)
