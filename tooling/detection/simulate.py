"""A card-transaction simulator following the generative process the Fraud Detection Handbook publishes.

Written from the book's description (Le Borgne et al., "Reproducible Machine Learning for Credit Card
Fraud Detection", chapter 3), with its published parameters as defaults:

- customers at uniform locations (x, y in [0, 100]), each with a mean amount ~ U(5, 100), a standard
  deviation of half that mean and a mean number of transactions per day ~ U(0, 4);
- terminals at uniform locations; a customer uses the terminals within radius `radius` of it;
- each day every customer makes Poisson(mean per day) transactions at a time of day ~ N(noon, 20,000 s)
  (draws outside the day are dropped), for an amount ~ N(mean, std) (a negative draw is redrawn
  uniformly in [0, 2 * mean]), rounded to cents, at a terminal drawn uniformly among its terminals;
- fraud scenario 1: every amount above 220 is a fraud;
- scenario 2: every day 2 random terminals are compromised: all their transactions of the next 28 days
  are frauds;
- scenario 3: every day 3 random customers are compromised: a third of their transactions of the next
  14 days get five times their amount and are frauds.

Vectorised with numpy and seeded: the same arguments always give the same file.

    python -m tooling.detection.simulate OUT.csv [--customers 5000] [--terminals 10000] [--days 183]
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

DAY = 86400
NOON = 43200
TIME_STD = 20000
FRAUD_AMOUNT = 220
TERMINALS_PER_DAY = 2
TERMINAL_DAYS = 28
CUSTOMERS_PER_DAY = 3
CUSTOMER_DAYS = 14
AMOUNT_FACTOR = 5

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SimulationParameters:
    """The simulation's size and seed; the defaults are the book's published ones."""

    customers: int = 5000
    terminals: int = 10000
    days: int = 183
    start: date = date(2018, 4, 1)
    radius: float = 5.0
    """A customer uses the terminals closer than this (same unit as the 100 x 100 grid)."""
    seed: int = 0
    currency: str = "EUR"


@dataclass(frozen=True)
class Simulated:
    """Columns of the simulated transactions, in time order."""

    timestamp: IntArray
    customer: IntArray
    terminal: IntArray
    amount_cents: IntArray
    scenario: IntArray
    """0 legitimate, 1..3 the fraud scenario."""


def _available_terminals(
    customer_xy: FloatArray, terminal_xy: FloatArray, radius: float
) -> tuple[IntArray, IntArray]:
    """CSR layout of each customer's terminals: (offsets with one entry per customer + 1, terminal ids)."""
    chunks = []
    counts = np.zeros(len(customer_xy), dtype=np.int64)
    step = 256  # bounds the distance matrix held at once (256 x terminals)
    for begin in range(0, len(customer_xy), step):
        block = customer_xy[begin : begin + step]
        squared = ((block[:, None, :] - terminal_xy[None, :, :]) ** 2).sum(axis=2)
        rows, cols = np.nonzero(squared < radius * radius)
        counts[begin : begin + len(block)] = np.bincount(rows, minlength=len(block))
        chunks.append(cols.astype(np.int64))
    offsets = np.concatenate(([0], np.cumsum(counts)))
    flat = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    return offsets, flat


def simulate(params: SimulationParameters) -> Simulated:
    """Draw the customers, terminals, transactions and frauds."""
    rng = np.random.default_rng(params.seed)
    customer_xy = rng.uniform(0, 100, size=(params.customers, 2))
    mean_amount = rng.uniform(5, 100, size=params.customers)
    std_amount = mean_amount / 2
    per_day = rng.uniform(0, 4, size=params.customers)
    terminal_xy = rng.uniform(0, 100, size=(params.terminals, 2))
    offsets, flat = _available_terminals(customer_xy, terminal_xy, params.radius)
    n_available = np.diff(offsets)

    counts = rng.poisson(per_day[None, :], size=(params.days, params.customers))
    counts[:, n_available == 0] = 0  # a customer without terminals cannot pay anywhere
    day_of, customer = np.nonzero(counts)
    repeats = counts[day_of, customer]
    day_of = np.repeat(day_of, repeats)
    customer = np.repeat(customer, repeats)

    seconds = np.rint(rng.normal(NOON, TIME_STD, size=len(customer))).astype(np.int64)
    amount = rng.normal(mean_amount[customer], std_amount[customer])
    negative = amount < 0
    amount[negative] = rng.uniform(0, 2 * mean_amount[customer[negative]])
    pick = np.floor(rng.uniform(0, 1, size=len(customer)) * n_available[customer]).astype(np.int64)
    terminal = flat[offsets[customer] + pick]

    inside = (seconds > 0) & (seconds < DAY)
    amount_cents: IntArray = np.rint(amount[inside] * 100).astype(np.int64)
    day_of, customer, seconds, terminal = day_of[inside], customer[inside], seconds[inside], terminal[inside]
    elapsed: IntArray = day_of.astype(np.int64) * DAY + seconds
    order = np.lexsort((customer, elapsed))
    elapsed, day_of, customer = elapsed[order], day_of[order], customer[order]
    terminal, amount_cents = terminal[order], amount_cents[order]

    scenario = np.where(amount_cents > FRAUD_AMOUNT * 100, 1, 0).astype(np.int64)
    _compromise_terminals(rng, params, day_of, terminal, scenario)
    _compromise_customers(rng, params, day_of, customer, amount_cents, scenario)
    start = int(np.datetime64(params.start.isoformat(), "s").astype(np.int64))
    return Simulated(start + elapsed, customer, terminal, amount_cents, scenario)


def _compromise_terminals(
    rng: np.random.Generator, params: SimulationParameters, day_of: IntArray, terminal: IntArray,
    scenario: IntArray,
) -> None:
    for day in range(params.days):
        chosen = rng.choice(params.terminals, size=TERMINALS_PER_DAY, replace=False)
        hit = np.isin(terminal, chosen) & (day_of >= day) & (day_of < day + TERMINAL_DAYS)
        scenario[hit] = 2


def _compromise_customers(
    rng: np.random.Generator, params: SimulationParameters, day_of: IntArray, customer: IntArray,
    amount_cents: IntArray, scenario: IntArray,
) -> None:
    by_customer = np.argsort(customer, kind="stable")
    bounds = np.searchsorted(customer[by_customer], np.arange(params.customers + 1))
    for day in range(params.days):
        for chosen in rng.choice(params.customers, size=CUSTOMERS_PER_DAY, replace=False):
            rows = by_customer[bounds[chosen] : bounds[chosen + 1]]
            rows = rows[(day_of[rows] >= day) & (day_of[rows] < day + CUSTOMER_DAYS)]
            victims = rng.choice(rows, size=len(rows) // 3, replace=False) if len(rows) >= 3 else rows[:0]
            amount_cents[victims] *= AMOUNT_FACTOR
            scenario[victims] = 3


def write_csv(simulated: Simulated, path: Path, currency: str = "EUR") -> int:
    """The project's transaction CSV (fraud_scenario as an extra column); returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamps = np.datetime_as_string(simulated.timestamp.astype("datetime64[s]"), unit="s")
    amounts = [f"{c // 100}.{c % 100:02d}" for c in simulated.amount_cents.tolist()]
    width = len(str(len(stamps)))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["transaction_id", "customer_id", "merchant_id", "amount", "currency", "timestamp", "is_fraud",
             "fraud_scenario"]
        )
        for n, (stamp, cust, term, amount, scen) in enumerate(
            zip(stamps.tolist(), simulated.customer.tolist(), simulated.terminal.tolist(), amounts,
                simulated.scenario.tolist(), strict=True)
        ):
            writer.writerow(
                [f"tx{n:0{width}d}", f"c{cust}", f"t{term}", amount, currency, stamp + "Z", int(scen > 0), scen]
            )
    return len(stamps)


def main(argv: list[str] | None = None) -> int:
    """Simulate and write the CSV; print what was written."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--customers", type=int, default=SimulationParameters.customers)
    parser.add_argument("--terminals", type=int, default=SimulationParameters.terminals)
    parser.add_argument("--days", type=int, default=SimulationParameters.days)
    parser.add_argument("--start", type=date.fromisoformat, default=SimulationParameters.start)
    parser.add_argument("--radius", type=float, default=SimulationParameters.radius)
    parser.add_argument("--seed", type=int, default=SimulationParameters.seed)
    args = parser.parse_args(argv)
    params = SimulationParameters(args.customers, args.terminals, args.days, args.start, args.radius, args.seed)
    simulated = simulate(params)
    rows = write_csv(simulated, args.out, params.currency)
    frauds = int((simulated.scenario > 0).sum())
    print(f"simulated {rows} transactions, {frauds} frauds ({frauds / max(rows, 1):.2%}) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
