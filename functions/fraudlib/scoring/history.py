"""A customer's transactions indexed once, so that every rule's window is a couple of binary searches.

The analyzer scores up to a batch of transactions per customer against the same history; building
these indexes once per customer and batch keeps scoring at O(log n) per transaction instead of a
pass over the whole history for every rule.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from decimal import Decimal

from fraudlib.scores import Transaction
from fraudlib.scoring.config import ScoringConfig

_ZERO = Decimal(0)


class CurrencySeries:
    """The customer's amounts in one currency, in time order, with prefix sums for window statistics."""

    __slots__ = ("keys", "prefix_sq", "prefix_sum", "times")

    def __init__(self, transactions: list[Transaction]) -> None:
        self.keys = [t.order_key for t in transactions]
        self.times = [t.timestamp for t in transactions]
        self.prefix_sum = [_ZERO]
        self.prefix_sq = [_ZERO]
        total = _ZERO
        squares = _ZERO
        for t in transactions:
            total += t.amount
            squares += t.amount * t.amount
            self.prefix_sum.append(total)
            self.prefix_sq.append(squares)

    def window(self, before: tuple[int, str], since: int) -> tuple[int, Decimal, Decimal]:
        """Count, sum and sum of squares of amounts strictly before `before` with timestamp > `since`."""
        end = bisect_left(self.keys, before)
        start = bisect_right(self.times, since, 0, end)
        return (
            end - start,
            self.prefix_sum[end] - self.prefix_sum[start],
            self.prefix_sq[end] - self.prefix_sq[start],
        )


class CustomerHistory:
    """One customer's transactions (deduplicated, time-ordered) plus the indexes the rules query.

    "History of a transaction" always means the items strictly before it in (timestamp,
    transaction_id) order, so the transaction itself, and anything later, never counts even when it
    is part of the list (as it is when a whole batch is indexed together).
    """

    __slots__ = ("_first_seen_country", "_hour_positions", "_series", "_small_prefix", "config", "frauds",
                 "items", "keys", "times")

    def __init__(self, transactions: Iterable[Transaction], config: ScoringConfig) -> None:
        unique = {t.order_key: t for t in transactions}
        self.config = config
        self.items: list[Transaction] = [unique[k] for k in sorted(unique)]
        self.keys = [t.order_key for t in self.items]
        self.times = [t.timestamp for t in self.items]

        by_currency: dict[str, list[Transaction]] = {}
        small_prefix = [0]
        first_seen_country: dict[str, int] = {}
        hour_positions: list[list[int]] = [[] for _ in range(24)]
        small_limit: dict[str, Decimal] = {}
        for position, t in enumerate(self.items):
            by_currency.setdefault(t.currency, []).append(t)
            limit = small_limit.get(t.currency)
            if limit is None:
                limit = config.card_testing_max_amount * config.scale_for(t.currency)
                small_limit[t.currency] = limit
            small_prefix.append(small_prefix[-1] + (1 if t.amount <= limit else 0))
            if t.country is not None:
                first_seen_country.setdefault(t.country, position)
            hour_positions[(t.timestamp // 3600) % 24].append(position)
        self._series = {currency: CurrencySeries(items) for currency, items in by_currency.items()}
        self._small_prefix = small_prefix
        self._first_seen_country = first_seen_country
        self._hour_positions = hour_positions
        # (position, timestamp, reported_at) of the transactions carrying a fraud label; usually none.
        self.frauds = [
            (position, t.timestamp, t.fraud_reported_at)
            for position, t in enumerate(self.items)
            if t.fraud_reported_at is not None
        ]

    def __len__(self) -> int:
        return len(self.items)

    def position(self, txn: Transaction) -> int:
        """How many of the customer's transactions come strictly before `txn`."""
        return bisect_left(self.keys, txn.order_key)

    def window_start(self, position: int, since: int) -> int:
        """First position (below `position`) whose timestamp is > `since`."""
        return bisect_right(self.times, since, 0, position)

    def previous(self, position: int) -> Transaction | None:
        """The transaction immediately before `position`, if any."""
        return self.items[position - 1] if position > 0 else None

    def currency_window(self, txn: Transaction, since: int) -> tuple[int, Decimal, Decimal]:
        """Count, sum, sum of squares of earlier amounts in txn's currency with timestamp > `since`."""
        series = self._series.get(txn.currency)
        if series is None:
            return 0, _ZERO, _ZERO
        return series.window(txn.order_key, since)

    def small_amounts_between(self, start: int, end: int) -> int:
        """How many transactions in positions [start, end) are small enough to count as card testing."""
        return self._small_prefix[end] - self._small_prefix[start]

    def country_seen_before(self, country: str, position: int) -> bool:
        """Whether the customer used `country` in one of the first `position` transactions."""
        first = self._first_seen_country.get(country)
        return first is not None and first < position

    def count_in_hours(self, hours: Iterable[int], position: int) -> int:
        """How many of the first `position` transactions fall in the given UTC hours of day."""
        return sum(bisect_left(self._hour_positions[h], position) for h in hours)
