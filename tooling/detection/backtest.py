"""The backtest: train on one period of a labelled CSV, score another with the analyzer's code, compare.

    python -m tooling.detection.backtest DATA.csv --train YYYY-MM-DD:YYYY-MM-DD --test YYYY-MM-DD:YYYY-MM-DD \
        --out scores.csv

1. Reads the CSV (tooling.detection.dataset: a bad row stops everything, with its line number).
2. Replays every row in time order and computes the features of the TRAIN and TEST rows with the
   analyzer's feature code; a label becomes visible at its label_time (default timestamp + delay).
3. Trains the model on the TRAIN rows (tooling.detection.train) and exports it to the artifact format.
4. Scores every TEST row with the analyzer's scoring code (fraudlib.scoring: the compiled pure-Python
   evaluator, rule floor and all) and writes `transaction_id,score` (score 0-100, unrounded).
5. Prints AUC ROC, average precision and card precision@100 next to baselines computed on the same
   rows in the same run: amount alone, the hand-weighted rules alone, a logistic regression on the same
   features, and the perfect ranking's card precision@100 (the ceiling of that data); on the simulator's
   data also the perfect ranking of the frauds labels could reveal (tooling.detection.reachable); writes
   ROC and precision-recall curves as PNG next to the scores file.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from fraudlib.scoring.config import ScoringConfig
from fraudlib.scoring.engine import checked_model, rule_score, score_features
from fraudlib.scoring.features import FEATURE_NAMES
from fraudlib.scoring.trees import TreeModel
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

from tooling.detection.dataset import LabelledTransaction, read_dataset
from tooling.detection.export import export_model
from tooling.detection.metrics import average_precision, card_precision_at_k, roc_auc
from tooling.detection.periods import DAY, Period, parse_period
from tooling.detection.plots import write_curves
from tooling.detection.reachable import reachable_scores, read_scenarios, unforeseeable
from tooling.detection.replay import FeatureTable, replay
from tooling.detection.train import SEED, train_booster

TOP_K = 100
MODEL = "gradient-boosted trees (this model)"
PERFECT = "perfect ranking (ceiling)"
REACHABLE = "perfect on foreseeable frauds (reachable)"


@dataclass(frozen=True)
class Evaluation:
    """The metrics of one ranking (None where the ranking has no meaning for the metric).

    `auc` and `average_precision` are over every TEST transaction; the `book_` ones over the book's
    test set, which drops the transactions of cards already known compromised on their day.
    """

    name: str
    auc: float | None
    average_precision: float | None
    card_precision: float
    book_auc: float | None = None
    book_average_precision: float | None = None


def known_compromised(rows: Sequence[LabelledTransaction], since: int) -> Callable[[int], set[str]]:
    """For an epoch day, the cards known compromised at its start, as the book's protocol defines them:
    a fraud on or after `since` (the start of TRAIN) whose label is visible by the start of that day."""
    first_visible: dict[str, int] = {}
    for row in rows:
        if row.is_fraud and row.txn.timestamp >= since:
            card = row.txn.customer_id
            first_visible[card] = min(first_visible.get(card, row.label_time), row.label_time)

    def known_before(day: int) -> set[str]:
        return {card for card, visible in first_visible.items() if visible < day * DAY}

    return known_before


def evaluate_ranking(
    name: str, test: FeatureTable, scores: Sequence[float], known_before: Callable[[int], set[str]],
    *, ranks_transactions: bool = True,
) -> Evaluation:
    """The metrics of one ranking of the TEST rows."""
    labels = [row.is_fraud for row in test.rows]
    days = [row.txn.timestamp // DAY for row in test.rows]
    cards = [row.txn.customer_id for row in test.rows]
    cp = card_precision_at_k(days, cards, scores, labels, known_before, TOP_K)
    if not ranks_transactions:
        return Evaluation(name, None, None, cp)
    known = {day: known_before(day) for day in set(days)}
    kept = [i for i, (day, card) in enumerate(zip(days, cards, strict=True)) if card not in known[day]]
    book_labels = [labels[i] for i in kept]
    book_scores = [scores[i] for i in kept]
    auc, ap = _ranking_metrics(labels, scores)
    book_auc, book_ap = _ranking_metrics(book_labels, book_scores)
    return Evaluation(name, auc, ap, cp, book_auc, book_ap)


def _ranking_metrics(labels: Sequence[bool], scores: Sequence[float]) -> tuple[float | None, float | None]:
    """AUC and average precision, or None where the rows hold a single class (nothing to rank)."""
    if all(labels) or not any(labels):
        return None, None
    return roc_auc(labels, scores), average_precision(labels, scores)


def fit_model(train: FeatureTable, config: ScoringConfig, trained_on: str) -> TreeModel:
    """The gradient-boosted model fitted on the TRAIN rows, through the exported artifact."""
    booster = train_booster(train.features, [row.is_fraud for row in train.rows])
    text = export_model(booster, FEATURE_NAMES, label_delay_days=config.label_delay_days, trained_on=trained_on)
    return checked_model(TreeModel.from_json(text), config)


def logistic_scores(train: FeatureTable, test: FeatureTable) -> list[float]:
    """A standardized logistic regression on the same features (the linear baseline)."""
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=SEED))
    model.fit(np.asarray(train.features), np.asarray([row.is_fraud for row in train.rows]))
    return [float(p) for p in model.predict_proba(np.asarray(test.features))[:, 1]]


def write_scores(path: Path, test: FeatureTable, scores: Sequence[float]) -> None:
    """`transaction_id,score` for every TEST row, in time order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["transaction_id", "score"])
        for row, score in zip(test.rows, scores, strict=True):
            writer.writerow([row.txn.transaction_id, f"{score:.10g}"])


def _table(results: Sequence[Evaluation]) -> str:
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    lines = [
        f"{'ranking':<36} {'AUC ROC':>8} {'AP':>8} {'CP@' + str(TOP_K):>8}   book test set: {'AUC ROC':>8} {'AP':>8}"
    ]
    lines += [
        f"{r.name:<36} {cell(r.auc):>8} {cell(r.average_precision):>8} {cell(r.card_precision):>8}"
        f"{'':>17}{cell(r.book_auc):>8} {cell(r.book_average_precision):>8}"
        for r in results
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class BacktestResult:
    """Everything one backtest run measured."""

    results: tuple[Evaluation, ...]
    train_rows: int
    train_frauds: int
    test_rows: int
    test_frauds: int
    model_version: str
    seconds: dict[str, float]


def run_backtest(
    data: Path, train_period: Period, test_period: Period, out: Path, config: ScoringConfig | None = None
) -> BacktestResult:
    """Read, replay, train, score, compare; writes `out` and the two PNGs beside it."""
    cfg = config or ScoringConfig()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    rows = read_dataset(data, cfg.label_delay_days)
    seconds["read"] = time.perf_counter() - started
    started = time.perf_counter()
    table = replay(rows, cfg, lambda r: train_period.contains(r.txn.timestamp) or test_period.contains(r.txn.timestamp))
    train = table.subset(lambda r: train_period.contains(r.txn.timestamp))
    test = table.subset(lambda r: test_period.contains(r.txn.timestamp))
    seconds["features"] = time.perf_counter() - started
    frauds = sum(row.is_fraud for row in train.rows)
    if frauds == 0 or frauds == len(train.rows):
        raise ValueError(
            f"TRAIN {train_period} has {len(train.rows)} rows and {frauds} frauds: both classes are needed"
        )
    if not test.rows:
        raise ValueError(f"TEST {test_period} has no rows")
    started = time.perf_counter()
    model = fit_model(train, cfg, f"{data.name}, {train_period}")
    seconds["train"] = time.perf_counter() - started
    started = time.perf_counter()
    scores = [score_features(x, hits, model, cfg).score for x, hits in zip(test.features, test.hits, strict=True)]
    seconds["score"] = time.perf_counter() - started
    write_scores(out, test, scores)

    known_before = known_compromised(rows, train_period.start)
    labels = [row.is_fraud for row in test.rows]
    rankings = {
        MODEL: scores,
        "logistic regression, same features": logistic_scores(train, test),
        "rules alone (hand weights)": [float(rule_score(hits)) for hits in test.hits],
        "amount alone": [float(row.txn.amount) for row in test.rows],
    }
    results = [evaluate_ranking(name, test, ranking, known_before) for name, ranking in rankings.items()]
    results.append(evaluate_ranking(PERFECT, test, [float(y) for y in labels], known_before,
                                    ranks_transactions=False))
    scenarios = read_scenarios(data)
    if scenarios is not None:  # simulated data: what any model can reach, given when labels arrive
        hidden = unforeseeable(rows, scenarios)
        results.append(evaluate_ranking(REACHABLE, test, reachable_scores(test.rows, hidden), known_before,
                                        ranks_transactions=False))
    roc_png, pr_png = out.with_suffix(".roc.png"), out.with_suffix(".pr.png")
    if any(labels) and not all(labels):  # a curve needs both classes
        write_curves(labels, rankings, roc_png, pr_png, f"test {test_period}")
    else:  # no stale curves of an earlier run beside these scores
        roc_png.unlink(missing_ok=True)
        pr_png.unlink(missing_ok=True)
    return BacktestResult(
        tuple(results), len(train.rows), sum(r.is_fraud for r in train.rows), len(test.rows), sum(labels),
        model.model_version, seconds,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the backtest and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path)
    parser.add_argument("--train", type=parse_period, required=True, help="inclusive UTC dates YYYY-MM-DD:YYYY-MM-DD")
    parser.add_argument("--test", type=parse_period, required=True, help="inclusive UTC dates YYYY-MM-DD:YYYY-MM-DD")
    parser.add_argument("--out", type=Path, required=True, help="scores CSV: transaction_id,score")
    args = parser.parse_args(argv)
    try:
        result = run_backtest(args.data, args.train, args.test, args.out)
    except (OSError, ValueError) as exc:  # DatasetError included: bad rows, named by line
        print(f"backtest: {exc}", file=sys.stderr)
        return 2
    print(f"train {args.train}: {result.train_rows} transactions, {result.train_frauds} frauds; "
          f"test {args.test}: {result.test_rows} transactions, {result.test_frauds} frauds; "
          f"model {result.model_version}")
    print(_table(result.results))
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    curves = (args.out.with_suffix(".roc.png"), args.out.with_suffix(".pr.png"))
    written = [args.out, *(path for path in curves if path.exists())]
    print(f"wrote {', '.join(map(str, written))} ({timing})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
