"""The pure-Python tree evaluator on a hand-written model: leaves, sums, attribution, bad artifacts."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from fraudlib.scoring.trees import ModelFormatError, TreeModel, logistic

# Tree 1 splits on feature 0 then feature 1; tree 2 on feature 1; tree 3 is a single leaf.
TREE_1 = [0, 10.0, [1, 0.5, -1.0, 0.5, -0.6], 2.0, -0.2]
TREE_2 = [1, 1.5, -0.3, 0.9, 0.1]
DOCUMENT: dict[str, Any] = {
    "format": 1, "objective": "binary", "model_version": "gbt-test", "label_delay_days": 7,
    "feature_names": ["amount", "flag"], "trained_on": "hand-written", "trees": [TREE_1, TREE_2, 0.25],
}


def _model(**changes: Any) -> TreeModel:
    return TreeModel.from_json(json.dumps({**DOCUMENT, **changes}))


@pytest.mark.parametrize(
    ("x", "leaves", "raw"),
    [
        ([5.0, 0.0], (0, 0, 0), -1.0 - 0.3 + 0.25),
        ([5.0, 1.0], (1, 0, 0), 0.5 - 0.3 + 0.25),
        ([10.0, 2.0], (1, 1, 0), 0.5 + 0.9 + 0.25),  # equal to the threshold goes left
        ([10.5, 0.5], (2, 0, 0), 2.0 - 0.3 + 0.25),
    ],
)
def test_leaves_raw_score_and_probability(x: list[float], leaves: tuple[int, ...], raw: float) -> None:
    model = _model()
    assert model.leaves(x) == leaves
    assert model.raw_score(x) == pytest.approx(raw, abs=1e-15)
    assert model.probability(x) == pytest.approx(1 / (1 + math.exp(-raw)))


def test_contributions_sum_to_raw_minus_bias() -> None:
    model = _model()
    assert model.bias == pytest.approx(-0.2 + 0.1 + 0.25)
    x = [5.0, 1.0]
    contributions = model.contributions(x)
    # Tree 1: root -0.2 -> node -0.6 (amount: -0.4) -> leaf 0.5 (flag: +1.1); tree 2: 0.1 -> -0.3 (flag: -0.4).
    assert contributions == pytest.approx([-0.4, 1.1 - 0.4])
    assert sum(contributions) + model.bias == pytest.approx(model.raw_score(x))
    assert model.used_features == frozenset({0, 1})


def test_logistic_is_stable_at_extremes() -> None:
    assert logistic(-1000.0) == 0.0 and logistic(1000.0) == 1.0 and logistic(0.0) == 0.5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": 2}, "unsupported model"),
        ({"objective": "regression"}, "unsupported model"),
        ({"trees": [[5, 1.0, 0.0, 1.0, 0.5]]}, "split on feature 5"),
        ({"trees": [[0, 1.0, 0.0, 1.0]]}, "a split node has 5 fields"),
        ({"trees": [[0, "1; import os", 0.0, 1.0, 0.5]]}, "expected a finite number"),
        ({"trees": [True]}, "expected a finite number"),
    ],
)
def test_bad_artifacts_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ModelFormatError, match=message):
        _model(**changes)
