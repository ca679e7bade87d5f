"""The exported model: the pure evaluator equals LightGBM, and retraining gives the same bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fraudlib.scoring import ScoringConfig
from fraudlib.scoring.engine import checked_model
from fraudlib.scoring.features import FEATURE_NAMES
from fraudlib.scoring.trees import TreeModel

from tests.tooling.detection.conftest import TEST, TRAIN
from tooling.detection.dataset import read_dataset
from tooling.detection.export import export_model
from tooling.detection.periods import parse_period
from tooling.detection.replay import FeatureTable, replay
from tooling.detection.train import train_booster


@pytest.fixture(scope="module")
def tables(small_csv: Path) -> tuple[FeatureTable, FeatureTable]:
    train, test = parse_period(TRAIN), parse_period(TEST)
    rows = read_dataset(small_csv, 7)
    table = replay(rows, ScoringConfig(), lambda r: train.contains(r.txn.timestamp) or test.contains(r.txn.timestamp))
    return (table.subset(lambda r: train.contains(r.txn.timestamp)),
            table.subset(lambda r: test.contains(r.txn.timestamp)))


def _export(table: FeatureTable) -> tuple[object, str]:
    booster = train_booster(table.features, [r.is_fraud for r in table.rows])
    return booster, export_model(booster, FEATURE_NAMES, label_delay_days=7, trained_on="small simulated file")


def test_pure_evaluator_equals_lightgbm(tables: tuple[FeatureTable, FeatureTable]) -> None:
    train, test = tables
    booster, text = _export(train)
    model = TreeModel.from_json(text)
    x = np.asarray(test.features)
    expected_raw = booster.predict(x, raw_score=True)  # type: ignore[attr-defined]
    expected = booster.predict(x)  # type: ignore[attr-defined]
    assert len(model.used_features) > 3 and len(test.features) > 500
    for row, raw, probability in zip(test.features, expected_raw, expected, strict=True):
        assert model.raw_score(row) == pytest.approx(raw, abs=1e-6)
        assert model.probability(row) == pytest.approx(probability, abs=1e-6)
    # Path attribution adds up to the raw score.
    first = test.features[0]
    assert sum(model.contributions(first)) + model.bias == pytest.approx(model.raw_score(first), abs=1e-9)


def test_retraining_on_the_same_data_gives_the_same_bytes(tables: tuple[FeatureTable, FeatureTable]) -> None:
    train, _ = tables
    _, first = _export(train)
    _, second = _export(train)
    assert first == second
    fewer = train.subset(lambda r: r.txn.transaction_id != train.rows[0].txn.transaction_id)
    _, other = _export(fewer)
    assert TreeModel.from_json(other).model_version != TreeModel.from_json(first).model_version


def test_the_shipped_model_matches_the_feature_code() -> None:
    model = checked_model(None, ScoringConfig())
    assert model.feature_names == FEATURE_NAMES
    assert model.model_version.startswith("gbt-") and "simulated" in model.trained_on
