"""The fraud rules. Each looks at one transaction against the customer's earlier history.

Every rule has the same shape: (transaction, history, position, config) -> RuleHit or None, where
`position` is how many of the customer's transactions precede this one. A rule whose weight is 0
is switched off and never reported.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from fraudlib.scores import RuleHit, Transaction
from fraudlib.scoring.config import ScoringConfig
from fraudlib.scoring.geo import distance_between
from fraudlib.scoring.history import CustomerHistory

Rule = Callable[[Transaction, CustomerHistory, int, ScoringConfig], RuleHit | None]

HOUR = 3600
DAY = 86400
_CENT = Decimal("0.01")


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount.quantize(_CENT)} {currency}"


def amount_above_profile(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """Amount far above the customer's own mean, in standard deviations and as a multiple.

    Only the customer's transactions in the same currency within the trailing profile window count,
    and at least `profile_min_history` of them are needed. The standard deviation is floored at a
    fraction of the mean: a customer who always pays exactly 10.00 has a deviation of 0, and 10.50
    must not look infinitely unusual.
    """
    if config.weight_amount_profile == 0:
        return None
    count, total, squares = history.currency_window(txn, txn.timestamp - config.profile_window_days * DAY)
    if count < config.profile_min_history:
        return None
    mean = total / count
    if txn.amount < mean * config.profile_min_ratio:
        return None
    variance = (squares - total * mean) / (count - 1) if count > 1 else Decimal(0)
    std = variance.sqrt() if variance > 0 else Decimal(0)
    spread = max(std, mean * config.profile_std_floor_ratio)
    if spread > 0:
        z = (txn.amount - mean) / spread
        if z < config.profile_z_threshold:
            return None
        how_far = f"{z.quantize(Decimal('0.1'))} standard deviations"
    else:
        how_far = "infinitely many standard deviations"
    return RuleHit(
        "amount_above_profile",
        config.weight_amount_profile,
        f"amount {_money(txn.amount, txn.currency)} is {how_far} above the customer's "
        f"{config.profile_window_days}-day mean of {_money(mean, txn.currency)} over {count} transactions",
    )


def high_amount(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """Amount at or above the absolute high-amount threshold."""
    if config.weight_high_amount == 0:
        return None
    limit = config.high_amount * config.scale_for(txn.currency)
    if txn.amount < limit:
        return None
    return RuleHit(
        "high_amount",
        config.weight_high_amount,
        f"amount {_money(txn.amount, txn.currency)} is at or above the high-amount limit "
        f"of {_money(limit, txn.currency)}",
    )


def _velocity(
    name: str, window: int, label: str, max_count: int, max_amount: Decimal, weight: int,
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig,
) -> RuleHit | None:
    if weight == 0:
        return None
    since = txn.timestamp - window
    count = position - history.window_start(position, since) + 1
    _, earlier_sum, _ = history.currency_window(txn, since)
    total = earlier_sum + txn.amount
    limit = max_amount * config.scale_for(txn.currency)
    exceeded = []
    if count > max_count:
        exceeded.append(f"{count} transactions (limit {max_count})")
    # A single transaction over the limit is the high-amount rule's business, not velocity's.
    if count > 1 and total > limit:
        exceeded.append(f"{_money(total, txn.currency)} spent (limit {_money(limit, txn.currency)})")
    if not exceeded:
        return None
    return RuleHit(name, weight, f"{' and '.join(exceeded)} in the last {label}")


def velocity_hour(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """More transactions, or more money (over several transactions, in one currency), in one hour."""
    return _velocity(
        "velocity_hour", HOUR, "hour", config.velocity_hour_max_count, config.velocity_hour_max_amount,
        config.weight_velocity_hour, txn, history, position, config,
    )


def velocity_day(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """More transactions, or more money (over several transactions, in one currency), in 24 hours."""
    return _velocity(
        "velocity_day", DAY, "24 hours", config.velocity_day_max_count, config.velocity_day_max_amount,
        config.weight_velocity_day, txn, history, position, config,
    )


def card_testing(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """A burst of small amounts in a short window: someone checking whether a stolen card works."""
    if config.weight_card_testing == 0:
        return None
    if txn.amount > config.card_testing_max_amount * config.scale_for(txn.currency):
        return None
    start = history.window_start(position, txn.timestamp - config.card_testing_window_seconds)
    count = history.small_amounts_between(start, position) + 1
    if count < config.card_testing_min_count:
        return None
    minutes = config.card_testing_window_seconds / 60
    return RuleHit(
        "card_testing",
        config.weight_card_testing,
        f"{count} small transactions (each at most {config.card_testing_max_amount} reference units) "
        f"within {minutes:g} minutes",
    )


def new_country(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """A country the customer has not used before, once there is enough history to know."""
    if config.weight_new_country == 0 or txn.country is None:
        return None
    if position < config.new_country_min_history or history.country_seen_before(txn.country, position):
        return None
    return RuleHit(
        "new_country",
        config.weight_new_country,
        f"first transaction in {txn.country} among the customer's {position} earlier transactions",
    )


def impossible_travel(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """The previous transaction was too far away to have travelled here in the time between them."""
    if config.weight_impossible_travel == 0:
        return None
    previous = history.previous(position)
    if previous is None:
        return None
    measured = distance_between(previous, txn)
    if measured is None:
        return None
    distance, basis = measured
    if distance < config.travel_min_distance_km:
        return None
    elapsed = txn.timestamp - previous.timestamp
    if elapsed > 0:
        speed = distance / (elapsed / HOUR)
        if speed <= config.travel_max_speed_kmh:
            return None
        how_fast = f"{speed:,.0f} km/h"
    else:
        how_fast = "no time at all"
    where = f"{previous.country or '?'} -> {txn.country or '?'}"
    return RuleHit(
        "impossible_travel",
        config.weight_impossible_travel,
        f"{distance:,.0f} km ({where}, by {basis}) from the previous transaction "
        f"{previous.transaction_id} in {elapsed} s: {how_fast}, limit {config.travel_max_speed_kmh} km/h",
    )


def high_risk_merchant(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """A merchant category that fraudsters favour (cash-like, gambling, wire transfers...)."""
    if config.weight_high_risk_mcc == 0 or txn.merchant_category not in config.high_risk_mccs:
        return None
    return RuleHit(
        "high_risk_merchant",
        config.weight_high_risk_mcc,
        f"merchant category {txn.merchant_category} is on the high-risk list",
    )


def round_amount(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """A suspiciously round amount (e.g. 1000.00): typical of cash-out, rare for real purchases.

    For scaled currencies the unit is multiplied by the power of ten of the scale, so that the unit
    stays round in that currency (10,000 JPY rather than 15,000 JPY).
    """
    if config.weight_round_amount == 0:
        return None
    scale = config.scale_for(txn.currency)
    if txn.amount < config.round_amount_min * scale:
        return None
    unit = config.round_amount_unit.scaleb(scale.adjusted())
    if txn.amount % unit != 0:
        return None
    return RuleHit(
        "round_amount",
        config.weight_round_amount,
        f"amount {_money(txn.amount, txn.currency)} is a multiple of {unit.normalize():f} {txn.currency}",
    )


def unusual_hour(
    txn: Transaction, history: CustomerHistory, position: int, config: ScoringConfig
) -> RuleHit | None:
    """An hour of day (UTC) at which the customer has (almost) never transacted before."""
    if config.weight_unusual_hour == 0 or position < config.unusual_hour_min_history:
        return None
    hour = (txn.timestamp // HOUR) % 24
    tolerance = config.unusual_hour_tolerance
    hours = {(hour + offset) % 24 for offset in range(-tolerance, tolerance + 1)}
    count = history.count_in_hours(hours, position)
    if count >= config.unusual_hour_max_share * position:
        return None
    return RuleHit(
        "unusual_hour",
        config.weight_unusual_hour,
        f"{hour:02d}:00 UTC is unusual for the customer: {count} of {position} earlier transactions "
        f"within {tolerance} h of that hour",
    )


RULES: tuple[Rule, ...] = (
    amount_above_profile,
    high_amount,
    velocity_hour,
    velocity_day,
    card_testing,
    new_country,
    impossible_travel,
    high_risk_merchant,
    round_amount,
    unusual_hour,
)
