"""Detection metrics: AUC ROC, average precision and the book's card precision top-k.

AUC and average precision follow scikit-learn's definitions (ties in the score are one threshold);
tests compare them with scikit-learn on known inputs.

Card precision top-k (Fraud Detection Handbook, chapter 4): per day, every card (customer_id) gets the
maximum score of its transactions that day and counts as compromised when any of them is a fraud; cards
already known compromised are removed: those `known_before(day)` names (the backtest passes the book's:
a fraud since the start of TRAIN whose label was visible before the day), and those this ranking already
put in a previous day's top k as frauds (investigators checked them); the
share of compromised cards among the top k of the remaining ones is that day's card precision (over k
even when fewer cards remain); the metric is the mean over the days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _distinct_thresholds(labels: Sequence[bool], scores: Sequence[float]) -> tuple[FloatArray, FloatArray]:
    """Cumulative true and false positives at each distinct score, highest score first."""
    y = np.asarray(labels, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last_of_tie = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(y)[last_of_tie]
    fps = (last_of_tie + 1) - tps
    return tps, fps


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Area under the ROC curve (trapezoids between distinct thresholds)."""
    tps, fps = _distinct_thresholds(labels, scores)
    if tps[-1] == 0 or fps[-1] == 0:
        raise ValueError("AUC needs both classes")
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def average_precision(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Sum over distinct thresholds of (recall gained) x (precision there)."""
    tps, fps = _distinct_thresholds(labels, scores)
    if tps[-1] == 0:
        raise ValueError("average precision needs at least one positive")
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def curves(labels: Sequence[bool], scores: Sequence[float]) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(fpr, tpr) of the ROC curve and (recall, precision) of the precision-recall curve."""
    tps, fps = _distinct_thresholds(labels, scores)
    return (
        np.r_[0.0, fps / fps[-1]], np.r_[0.0, tps / tps[-1]],
        np.r_[0.0, tps / tps[-1]], np.r_[1.0, tps / (tps + fps)],
    )


def card_precision_at_k(
    days: Sequence[int],
    cards: Sequence[str],
    scores: Sequence[float],
    labels: Sequence[bool],
    known_before: Callable[[int], Iterable[str]],
    k: int = 100,
) -> float:
    """Mean over the days of the share of compromised cards among the day's top k unknown cards.

    `days[i]`, `cards[i]`, `scores[i]`, `labels[i]` describe transaction i; `known_before(day)` gives
    the cards known compromised at the start of `day`. Ties in the score are broken by card id.
    """
    per_day: dict[int, dict[str, tuple[float, bool]]] = {}
    for day, card, score, label in zip(days, cards, scores, labels, strict=True):
        cards_of_day = per_day.setdefault(day, {})
        best, compromised = cards_of_day.get(card, (-np.inf, False))
        cards_of_day[card] = (max(best, float(score)), compromised or bool(label))
    detected: set[str] = set()
    precisions = []
    for day in sorted(per_day):
        removed = detected | set(known_before(day))
        candidates = [(-score, card, bad) for card, (score, bad) in per_day[day].items() if card not in removed]
        top = sorted(candidates)[:k]
        found = {card for _, card, bad in top if bad}
        precisions.append(len(found) / k)
        detected |= found
    return float(np.mean(precisions)) if precisions else 0.0
