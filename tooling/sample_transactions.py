"""A sample day of card transactions: routine customers with history, and every kind of fraud scored.

Everything is placed relative to `now` because the API accepts timestamps from 30 days ago up to 5
minutes ahead: each customer gets a history of one purchase a day on the previous 2..13 days (enough
for the profile, new-country and unusual-hour rules, which need 5 or 10 earlier transactions), and
the scenarios happen in the last hour. Ids carry a run id, so runs never collide in a shared table.

Scenarios, scored by the shipped model with the thresholds of fraudlib.scoring.config (the rules that
fire are the readable reasons, and rules the model never learned may force review or block alone):
- normal: routine purchases -> approve, no reasons;
- amount_above_profile, high_amount, round_amount: 6000.00 for a customer whose mean is ~50 -> block;
- velocity_hour, velocity_day: seven purchases of 1450.50 at a broker in 40 minutes -> the last is
  blocked (more than 3000 in an hour and 10000 in a day);
- card_testing: a burst of 1-2 unit purchases at a high-risk merchant -> the 4th on are reviewed;
- new_country: a routine purchase in a country the customer never used -> approve with a reason;
- impossible_travel: Berlin, then New York 25 minutes later, cash-like merchant, 900.00 -> block;
- unusual_hour + high_risk_merchant: a casino purchase at an hour the customer never uses -> block;
- high_amount + high_risk_merchant: 5200.50 wired by a new customer -> review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

HOUR = 3600
DAY = 86400
BERLIN = (52.520008, 13.404954)
NEW_YORK = (40.712776, -74.005974)
HISTORY_DAYS = range(2, 14)  # twelve earlier purchases, one a day


@dataclass(frozen=True)
class SampleTransaction:
    """One POST /transactions body and what the scoring engine is expected to make of it."""

    body: dict[str, Any]
    scenario: str
    """"history", "normal", or the fraud kind this transaction demonstrates."""
    expected_rules: tuple[str, ...] = ()
    """Rules that must be among the reasons (others may fire as well)."""
    expected_decision: str | None = None
    """approve, review or block; None when not checked (history)."""

    @property
    def transaction_id(self) -> str:
        """The client-supplied id."""
        return str(self.body["transaction_id"])

    @property
    def timestamp(self) -> int:
        """Epoch seconds."""
        return int(self.body["timestamp"])


@dataclass
class _Builder:
    run_id: str
    now: int
    items: list[SampleTransaction] = field(default_factory=list)
    _counter: int = 0

    def customer(self, name: str) -> str:
        return f"{self.run_id}-{name}"

    def add(self, customer: str, at: int, amount: str, *, scenario: str, country: str = "DE",
            mcc: str = "5411", merchant: str = "grocer-1", where: tuple[float, float] | None = BERLIN,
            currency: str = "EUR", rules: tuple[str, ...] = (), decision: str | None = None) -> None:
        self._counter += 1
        body: dict[str, Any] = {
            "transaction_id": f"{self.run_id}-{self._counter:04d}",
            "timestamp": at,
            "amount": amount,
            "currency": currency,
            "customer_id": customer,
            "merchant_id": f"{self.run_id}-{merchant}",
            "merchant_category": mcc,
            "country": country,
            "channel": "pos",
        }
        if where is not None:
            body["latitude"], body["longitude"] = where
        self.items.append(SampleTransaction(body, scenario, rules, decision))

    def history(self, customer: str, *, hour_shift: int = 0) -> None:
        """One routine purchase a day on earlier days, at the hour of `now` (shifted by `hour_shift`)."""
        for index, days in enumerate(sorted(HISTORY_DAYS, reverse=True)):
            at = self.now - days * DAY + hour_shift * HOUR - 600
            self.add(customer, at, f"{45 + index % 5 * 3}.{index % 10}0", scenario="history")


def sample_transactions(now: datetime, run_id: str) -> list[SampleTransaction]:
    """The sample set, in chronological order (the order to post it in)."""
    b = _Builder(run_id=run_id, now=int(now.astimezone(UTC).timestamp()))
    t = b.now - 45 * 60  # scenarios happen in the last 45 minutes

    for name in ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"):
        b.history(b.customer(name))
    b.history(b.customer("ivan"), hour_shift=12)

    for offset, name in enumerate(("alice", "bob", "carol")):
        b.add(b.customer(name), t + offset * 60, "52.30", scenario="normal", decision="approve")
        b.add(b.customer(name), t + 1500 + offset * 60, "47.90", scenario="normal", merchant="bakery-2",
              decision="approve")

    b.add(b.customer("dave"), t + 300, "6000.00", scenario="amount_above_profile", merchant="jeweller-3",
          mcc="5944", rules=("amount_above_profile", "high_amount", "round_amount"), decision="block")

    for i in range(7):
        last = i == 6
        b.add(b.customer("erin"), t + 60 + i * 360, "1450.50", scenario="velocity" if last else "velocity_burst",
              merchant="broker-4", mcc="6211",
              rules=("velocity_hour", "velocity_day", "high_risk_merchant") if last else (),
              decision="block" if last else None)

    for i in range(5):
        burst = i >= 3
        b.add(b.customer("frank"), t + 900 + i * 45, f"1.{i}9", scenario="card_testing" if burst else "probe",
              merchant="webshop-5", mcc="5967", where=None,
              rules=("card_testing", "high_risk_merchant") if burst else (),
              decision="review" if burst else None)

    b.add(b.customer("grace"), t + 1200, "44.10", scenario="new_country", country="AT", where=None,
          rules=("new_country",), decision="approve")

    b.add(b.customer("heidi"), t + 600, "38.20", scenario="normal", decision="approve")
    b.add(b.customer("heidi"), t + 600 + 25 * 60, "900.00", scenario="impossible_travel", country="US",
          mcc="6051", merchant="exchange-6", where=NEW_YORK,
          rules=("impossible_travel", "new_country", "high_risk_merchant", "amount_above_profile"),
          decision="block")

    b.add(b.customer("ivan"), t + 1800, "310.00", scenario="unusual_hour", mcc="7995", merchant="casino-7",
          rules=("unusual_hour", "high_risk_merchant", "amount_above_profile"), decision="block")

    b.add(b.customer("judy"), t + 2100, "5200.50", scenario="high_amount", mcc="4829", merchant="wire-8",
          where=None, rules=("high_amount", "high_risk_merchant"), decision="review")

    return sorted(b.items, key=lambda s: (s.timestamp, s.transaction_id))


def fraud_kinds(samples: list[SampleTransaction]) -> set[str]:
    """Every rule some sample is expected to trigger."""
    return {rule for s in samples for rule in s.expected_rules}
