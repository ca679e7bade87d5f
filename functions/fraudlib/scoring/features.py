"""The model's features of one transaction: the same code runs in the analyzer and in the offline tools.

Pure Python (no numpy, no AWS). Every feature of a transaction is computed from what was known before
its own timestamp (a label reported at time r is visible to transactions after r, so never to its own):
the customer's earlier transactions, the fraud labels already reported on them, and its merchant's daily
counters shifted by the label delay (the book's "delay period": outcomes of the last
`label_delay_days` days are mostly still unknown, so the merchant's risk is measured on the days before).

Features, in FEATURE_NAMES order:
- the Fraud Detection Handbook's: amount; night (hour <= 6 UTC) and weekend flags; the customer's
  transaction count and mean amount over 1, 7 and 30 days (the transaction included); the merchant's
  transaction count and fraud rate over 1, 7 and 30 days ending `label_delay_days` before the
  transaction's day;
- the customer's profile: amount over the mean of its earlier 30 days, the same in standard deviations,
  seconds since its previous transaction, frauds already reported on its last 30 days and days since
  the latest of them;
- the merchant's frauds already reported on transactions of the delay period itself;
- one flag per rule of rules.RULES (1.0 when the rule fired).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from itertools import repeat

from fraudlib.scores import RuleHit, Transaction
from fraudlib.scoring.config import ScoringConfig
from fraudlib.scoring.history import CustomerHistory
from fraudlib.scoring.rules import DAY, RULES, Rule

WINDOWS_DAYS = (1, 7, 30)
"""Windows of the customer and merchant counts; the merchant's end `label_delay_days` before the day."""
PROFILE_DAYS = 30
NO_FRAUD_DAYS = 365.0
"""Days since the customer's latest known fraud when there is none (beyond any window that matters)."""
NIGHT_LAST_HOUR = 6
RULE_NAMES = tuple(rule.__name__ for rule in RULES)
_ZERO = Decimal(0)

FEATURE_NAMES: tuple[str, ...] = (
    "amount",
    "is_night",
    "is_weekend",
    *(f"customer_tx_count_{w}d" for w in WINDOWS_DAYS),
    *(f"customer_mean_amount_{w}d" for w in WINDOWS_DAYS),
    "amount_over_customer_mean_30d",
    "amount_customer_z_30d",
    "seconds_since_previous",
    "customer_known_frauds_30d",
    "days_since_customer_known_fraud",
    *(f"merchant_tx_count_{w}d" for w in WINDOWS_DAYS),
    *(f"merchant_fraud_rate_{w}d" for w in WINDOWS_DAYS),
    "merchant_known_frauds_delay_period",
    *(f"rule_{name}" for name in RULE_NAMES),
)


class MerchantDailyCounters:
    """One merchant's counters per transaction day (days since 1970-01-01, UTC).

    `transactions[day]`: transactions seen on that day; `frauds[day]`: transactions of that day whose
    effective label is fraud, as known so far. The deployed analyzer builds one from the merchant's
    single aggregate item (`from_day_counts`); the offline replay builds one per merchant and records
    each transaction at its timestamp and each fraud at the time its label becomes visible.
    """

    __slots__ = ("frauds", "transactions")

    def __init__(self, transactions: dict[int, int] | None = None, frauds: dict[int, int] | None = None) -> None:
        self.transactions: dict[int, int] = transactions if transactions is not None else {}
        self.frauds: dict[int, int] = frauds if frauds is not None else {}

    @classmethod
    def from_day_counts(cls, transactions: Mapping[str, int], frauds: Mapping[str, int]) -> MerchantDailyCounters:
        """From counters keyed by ISO date ("2026-11-22"), as an aggregate item stores them."""
        return cls(
            {day_number(d): int(n) for d, n in transactions.items()},
            {day_number(d): int(n) for d, n in frauds.items()},
        )

    def record_transaction(self, day: int) -> None:
        """One more transaction on `day`."""
        self.transactions[day] = self.transactions.get(day, 0) + 1

    def record_fraud(self, day: int, change: int = 1) -> None:
        """A fraud label on a transaction of `day` became effective (change=-1: it was superseded)."""
        self.frauds[day] = self.frauds.get(day, 0) + change


NO_MERCHANT_HISTORY = MerchantDailyCounters()


def day_number(iso_date: str) -> int:
    """Days since 1970-01-01 of an ISO date."""
    return date.fromisoformat(iso_date).toordinal() - _EPOCH_ORDINAL


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def rule_hits(
    txn: Transaction, history: CustomerHistory, position: int, rules: Sequence[Rule] = RULES
) -> tuple[RuleHit, ...]:
    """The rules that fire for `txn` at `position` of its customer's history."""
    config = history.config
    hits = []
    for rule in rules:
        hit = rule(txn, history, position, config)
        if hit is not None:
            hits.append(hit)
    return tuple(hits)


def feature_vector(
    txn: Transaction,
    history: CustomerHistory,
    position: int,
    merchant: MerchantDailyCounters,
    hits: Sequence[RuleHit],
    config: ScoringConfig,
) -> list[float]:
    """The features of `txn`, in FEATURE_NAMES order, from what was known at its timestamp."""
    now = txn.timestamp
    scale = float(config.scale_for(txn.currency))
    amount = float(txn.amount) / scale
    hour = (now // 3600) % 24
    weekday = (now // DAY + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
    values = [amount, float(hour <= NIGHT_LAST_HOUR), float(weekday >= 5)]

    counts = []
    means = []
    n = 0
    total = squares = _ZERO
    for window in WINDOWS_DAYS:
        since = now - window * DAY
        counts.append(float(position - history.window_start(position, since) + 1))
        n, total, squares = history.currency_window(txn, since)
        means.append((float(total) / scale + amount) / (n + 1))
    values += counts
    values += means
    # The last window is the 30-day profile: the same counts serve both.
    values += _profile(txn, history, position, amount, scale, n, float(total), float(squares))
    values += _customer_frauds(history, position, now)
    values += _merchant(merchant, now // DAY, config.label_delay_days)
    fired = {hit.rule for hit in hits}
    values += [1.0 if name in fired else 0.0 for name in RULE_NAMES]
    return values


def _profile(
    txn: Transaction, history: CustomerHistory, position: int, amount: float, scale: float,
    n: int, total: float, squares: float,
) -> list[float]:
    """Amount against the customer's earlier 30 days (n, sum, sum of squares in txn's currency), and the
    time since its last transaction."""
    if n:
        mean = total / scale / n
        variance = (squares / (scale * scale) - n * mean * mean) / (n - 1) if n > 1 else 0.0
        spread = max(variance, 0.0) ** 0.5
        spread = max(spread, 0.1 * mean)  # as the profile rule: a constant spender is not infinitely unusual
        ratio = amount / mean if mean > 0 else 1.0
        z = (amount - mean) / spread if spread > 0 else 0.0
    else:
        ratio, z = 1.0, 0.0
    previous = history.previous(position)
    gap = float(txn.timestamp - previous.timestamp) if previous is not None else float(PROFILE_DAYS * DAY)
    return [ratio, z, min(gap, float(PROFILE_DAYS * DAY))]


def _customer_frauds(history: CustomerHistory, position: int, now: int) -> list[float]:
    """Frauds on the customer's earlier 30 days already reported at `now`, and days since the latest."""
    since = now - PROFILE_DAYS * DAY
    count = 0
    latest: int | None = None
    for fraud_position, timestamp, reported_at in history.frauds:
        if fraud_position >= position:
            break
        # Only the last 30 days: the analyzer loads no more history than that.
        if timestamp > since and reported_at is not None and reported_at < now:
            latest = timestamp
            count += 1
    days = (now - latest) / DAY if latest is not None else NO_FRAUD_DAYS
    return [float(count), min(days, NO_FRAUD_DAYS)]


def _merchant(merchant: MerchantDailyCounters, today: int, delay: int) -> list[float]:
    """Counts and fraud rates over the windows ending `delay` days before today, and frauds known since."""
    # Days newest first, from the day before the delay period back to the longest window.
    days = range(today - delay - 1, today - delay - 1 - WINDOWS_DAYS[-1], -1)
    seen = list(map(merchant.transactions.get, days, repeat(0)))
    known = list(map(merchant.frauds.get, days, repeat(0)))
    counts: list[float] = []
    rates: list[float] = []
    for window in WINDOWS_DAYS:
        transactions = sum(seen[:window])
        counts.append(float(transactions))
        rates.append(sum(known[:window]) / transactions if transactions else 0.0)
    recent = sum(map(merchant.frauds.get, range(today - delay, today + 1), repeat(0)))
    return [*counts, *rates, float(recent)]
