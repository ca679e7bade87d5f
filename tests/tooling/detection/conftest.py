"""A small simulated dataset shared by the detection tests (a few thousand rows over 25 days)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tooling.detection.simulate import SimulationParameters, simulate, write_csv

SMALL = SimulationParameters(customers=120, terminals=240, days=25, start=date(2018, 4, 1), radius=15.0, seed=3)
TRAIN = "2018-04-09:2018-04-15"
TEST = "2018-04-23:2018-04-25"


@pytest.fixture(scope="session")
def small_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("detection") / "transactions.csv"
    write_csv(simulate(SMALL), path)
    return path
