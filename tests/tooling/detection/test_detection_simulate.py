"""The simulator follows the handbook's generative process and is reproducible."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np

from tests.tooling.detection.conftest import SMALL
from tooling.detection.simulate import AMOUNT_FACTOR, DAY, FRAUD_AMOUNT, simulate, write_csv


def test_same_seed_same_transactions_other_seed_others() -> None:
    first, again, other = simulate(SMALL), simulate(SMALL), simulate(replace(SMALL, seed=4))
    assert np.array_equal(first.amount_cents, again.amount_cents)
    assert np.array_equal(first.scenario, again.scenario)
    assert not np.array_equal(first.amount_cents[:100], other.amount_cents[:100])


def test_scenarios() -> None:
    sim = simulate(SMALL)
    start = int(np.datetime64(SMALL.start.isoformat(), "s").astype(np.int64))
    assert np.all(np.diff(sim.timestamp) >= 0), "time order"
    assert sim.timestamp.min() >= start and sim.timestamp.max() < start + SMALL.days * DAY
    # Scenario 1: an amount above 220 (not multiplied by scenario 3) is always a fraud.
    untouched = sim.scenario != 3
    assert np.all((sim.amount_cents[untouched] > FRAUD_AMOUNT * 100) <= (sim.scenario[untouched] > 0))
    # Scenario 2: a compromised terminal's transactions after its first fraud are all frauds (28 days).
    for terminal in np.unique(sim.terminal[sim.scenario == 2])[:10]:
        rows = (sim.terminal == terminal) & (sim.scenario != 3)
        first = sim.timestamp[rows & (sim.scenario == 2)].min()
        within = rows & (sim.timestamp >= first) & (sim.timestamp < first - first % DAY + 28 * DAY)
        assert np.all(sim.scenario[within] > 0)
    # Scenario 3: amounts multiplied by 5, so always a multiple of 5 cents.
    assert np.all(sim.amount_cents[sim.scenario == 3] % AMOUNT_FACTOR == 0)
    assert {1, 2, 3} <= set(np.unique(sim.scenario).tolist())


def test_csv_has_the_project_columns(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    rows = write_csv(simulate(SMALL), path)
    with path.open() as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == rows
    assert list(read[0]) == ["transaction_id", "customer_id", "merchant_id", "amount", "currency", "timestamp",
                             "is_fraud", "fraud_scenario"]
    assert read[0]["timestamp"].startswith("2018-04-01T") and read[0]["timestamp"].endswith("Z")
    assert {r["is_fraud"] for r in read} == {"0", "1"}
    assert all((r["is_fraud"] == "1") == (r["fraud_scenario"] != "0") for r in read)
