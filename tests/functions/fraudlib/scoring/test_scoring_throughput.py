"""Scoring speed with history in memory, indexed once per customer as the analyzer does.

The target is 20,000 transactions per second per core; the assertion is set well below it so the
test stays meaningful (an accidental O(n) per rule would fail it) on a busy shared machine.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from fraudlib.scoring import CustomerHistory, ScoringConfig, Transaction, evaluate

T0 = 1763812800


def _customer(rng: random.Random, customer: int, size: int) -> list[Transaction]:
    ts = T0 - 30 * 86400
    out = []
    for i in range(size):
        ts += rng.randint(600, 40_000)
        out.append(
            Transaction(
                transaction_id=f"t{customer}-{i}",
                customer_id=f"c{customer}",
                timestamp=ts,
                amount=Decimal(rng.randint(100, 200_000)) / 100,
                currency=rng.choice(["USD", "USD", "EUR"]),
                country=rng.choice(["US", "US", "FR", "DE"]),
                merchant_category=rng.choice(["5411", "5812", "7995"]),
            )
        )
    return out


def test_scores_thousands_of_transactions_per_second() -> None:
    rng = random.Random(7)
    config = ScoringConfig()
    customers = [_customer(rng, c, 200) for c in range(50)]
    start = time.perf_counter()
    scored = 0
    for transactions in customers:
        history = CustomerHistory(transactions, config)
        for txn in transactions:
            evaluate(txn, history)
            scored += 1
    rate = scored / (time.perf_counter() - start)
    assert rate > 5_000, f"only {rate:,.0f} transactions/s"
