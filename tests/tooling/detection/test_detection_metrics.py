"""The metrics agree with scikit-learn, and card precision follows the book's protocol."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from tooling.detection.metrics import average_precision, card_precision_at_k, roc_auc


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_and_average_precision_match_sklearn_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.random(500) < 0.1
    scores = np.round(rng.random(500) + labels * 0.3, 1)  # rounding makes many ties
    assert roc_auc(labels.tolist(), scores.tolist()) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert average_precision(labels.tolist(), scores.tolist()) == pytest.approx(
        average_precision_score(labels, scores), abs=1e-12
    )


def test_perfect_and_reversed_rankings() -> None:
    labels = [True, False, True, False]
    assert roc_auc(labels, [1, 0, 1, 0]) == 1.0 and average_precision(labels, [1, 0, 1, 0]) == 1.0
    assert roc_auc(labels, [0, 1, 0, 1]) == 0.0
    with pytest.raises(ValueError):
        roc_auc([False, False], [0.1, 0.2])


def test_card_precision_removes_known_and_already_detected_cards() -> None:
    # Day 1: cards a (fraud), b (fraud, known before day 1), c, d. Day 2: a again (fraud), e (fraud), c.
    days = [1, 1, 1, 1, 1, 2, 2, 2]
    cards = ["a", "a", "b", "c", "d", "a", "e", "c"]
    scores = [0.2, 0.9, 0.95, 0.1, 0.5, 0.99, 0.3, 0.4]
    labels = [False, True, True, False, False, True, True, False]

    def known(day: int) -> set[str]:
        return {"b"}

    # Day 1, k=2: b removed; top by max score: a (0.9), d (0.5) -> 1 of 2. a is now detected.
    # Day 2: a removed (detected on day 1); c (0.4), e (0.3) -> 1 of 2.
    assert card_precision_at_k(days, cards, scores, labels, known, k=2) == pytest.approx(0.5)
    # Divided by k even when fewer cards remain: day 1 a, d, c -> 1 of 3; day 2 c, e -> 1 of 3.
    assert card_precision_at_k(days, cards, scores, labels, known, k=3) == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert card_precision_at_k(days, cards, scores, labels, lambda d: set(), k=1) == pytest.approx(1.0)
