"""Fraud detection: quality on the handbook protocol, and scoring speed with the model and its features.

Quality: `make backtest`'s code on the project's simulated data (simulated first when absent): train
2018-07-25..31, 7-day label delay, test 2018-08-08..14; the model's AUC ROC, average precision and
card precision@100 against the targets, every baseline of the same run beside them, and the ROC and
precision-recall curves copied next to RESULTS.md.

Speed: 50 customers x 200 transactions, each customer's history indexed once and every transaction
scored with its merchant's daily counters (30 days of them), as the analyzer does per batch: rules,
features, the compiled model and its path attribution; the rules alone (the previous engine) are timed
in the same rounds, interleaved. CPU time of the single thread (per core) and wall time.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import PYTHON, REPO_ROOT, Figure, SectionResult, median, rounds, run_checked, score_all

SECTION = "fraud detection"
TARGETS = {"auc": 0.88, "average_precision": 0.70, "card_precision": 0.37}
TARGET_RATE = 20_000
DATA = REPO_ROOT / "build" / "detection" / "transactions.csv"
TRAIN = "2018-07-25:2018-07-31"
TEST = "2018-08-08:2018-08-14"
T0 = 1_533_729_600  # 2018-08-08 12:00 UTC


def _workload() -> tuple[list[list[Any]], dict[str, Any]]:
    from fraudlib.scoring import Transaction
    from fraudlib.scoring.features import MerchantDailyCounters

    rng = random.Random(7)  # noqa: S311 - reproducible test data, not cryptography
    merchants = {}
    for m in range(200):
        counters = MerchantDailyCounters()
        for back in range(1, 40):
            day = T0 // 86400 - back
            for _ in range(rng.randint(0, 8)):
                counters.record_transaction(day)
            if rng.random() < 0.05:
                counters.record_fraud(day)
        merchants[f"m{m}"] = counters
    customers = []
    for customer in range(50):
        ts = T0 - 30 * 86400
        mean = rng.uniform(5, 100)  # spending as the simulator draws it: most payments are approved
        transactions = []
        for i in range(200):
            ts += rng.randint(600, 40_000)
            cents = max(1, round(rng.gauss(mean, mean / 2) * 100))
            transactions.append(Transaction(
                transaction_id=f"t{customer}-{i}", customer_id=f"c{customer}", timestamp=ts,
                amount=Decimal(cents) / 100, currency="EUR",
                fraud_reported_at=ts + 7 * 86400 if rng.random() < 0.01 else None,
            ))
        customers.append(transactions)
    return customers, merchants


def _rates() -> dict[str, Any]:
    from fraudlib.scoring import CustomerHistory, ScoringConfig, evaluate
    from fraudlib.scoring.engine import combine, load_model
    from fraudlib.scoring.features import rule_hits

    config = ScoringConfig()
    load_model()
    customers, merchants = _workload()
    names = list(merchants)
    merchant_of = {
        txn.transaction_id: merchants[names[n % len(names)]]
        for n, txn in enumerate(t for transactions in customers for t in transactions)
    }

    def index(transactions: Sequence[Any]) -> CustomerHistory:
        return CustomerHistory(transactions, config)

    def with_model() -> tuple[float, float, int]:
        return score_all(
            customers, index, lambda txn, history: evaluate(txn, history, merchant=merchant_of[txn.transaction_id])
        )

    def rules_alone() -> tuple[float, float, int]:
        return score_all(
            customers, index, lambda txn, history: combine(rule_hits(txn, history, history.position(txn)), config)
        )

    samples: dict[str, list[tuple[float, float, int]]] = {"model": [], "rules": []}
    for round_index in range(rounds(5)):
        order = [("model", with_model), ("rules", rules_alone)]
        for name, case in order if round_index % 2 == 0 else reversed(order):
            samples[name].append(case())
    return {
        name: {"cpu_rate": [n / cpu for cpu, _, n in runs], "wall_rate": [n / wall for _, wall, n in runs]}
        for name, runs in samples.items()
    }


def _quality(work: Path) -> dict[str, Any]:
    from fraudlib.scoring.engine import load_model

    from tooling.detection import backtest, simulate
    from tooling.detection.periods import parse_period

    if not DATA.exists():
        simulate.main([str(DATA)])
    out = work / "scores.csv"
    started = time.perf_counter()
    result = backtest.run_backtest(DATA, parse_period(TRAIN), parse_period(TEST), out)
    shipped = load_model()
    for kind in ("roc", "pr"):
        shutil.copyfile(out.with_suffix(f".{kind}.png"), REPO_ROOT / "bench" / f"detection-{kind}.png")
    return {
        "results": [r.__dict__ for r in result.results], "seconds": result.seconds,
        "roles": {"model": backtest.MODEL, "perfect": backtest.PERFECT, "reachable": backtest.REACHABLE},
        "wall_seconds": time.perf_counter() - started,
        "train_rows": result.train_rows, "train_frauds": result.train_frauds,
        "test_rows": result.test_rows, "test_frauds": result.test_frauds,
        "model_version": result.model_version,
        "shipped_model": {"version": shipped.model_version, "trained_on": shipped.trained_on,
                          "bytes": (REPO_ROOT / "functions/fraudlib/scoring/model.json").stat().st_size},
    }


def _worker(out: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT / "functions"))
    work = out.parent
    out.write_text(json.dumps({"rates": _rates(), "quality": _quality(work)}, default=str))


def measure(work: Path) -> SectionResult:
    """Run the worker in a fresh interpreter; quality and speed figures."""
    out = work / "detection.json"
    run_checked([PYTHON, "-m", "bench.detection", str(out)], env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    result = json.loads(out.read_text())
    quality = result["quality"]
    rows = {r["name"]: r for r in quality["results"]}
    model, perfect, reachable = (rows[quality["roles"][role]] for role in ("model", "perfect", "reachable"))
    protocol = (
        f"train {TRAIN} ({quality['train_rows']} transactions, {quality['train_frauds']} frauds), 7-day delay, "
        f"test {TEST} ({quality['test_rows']} transactions, {quality['test_frauds']} frauds), simulated data"
    )
    figures = [
        Figure(SECTION, "model AUC ROC (handbook protocol)", round(model["auc"], 3), "", TARGETS["auc"],
               better="higher", detail=protocol + f"; on the book's test set (known compromised cards removed) "
               f"{model['book_auc']:.3f}"),
        Figure(SECTION, "model average precision", round(model["average_precision"], 3), "",
               TARGETS["average_precision"], better="higher",
               detail=f"on the book's test set {model['book_average_precision']:.3f}"),
        Figure(SECTION, "model card precision@100", round(model["card_precision"], 3), "",
               TARGETS["card_precision"], better="higher",
               note=(f"the perfect ranking reaches {perfect['card_precision']:.3f} on these days (the ceiling); "
                     f"ranking perfectly only the frauds labels 7 days late can reveal reaches "
                     f"{reachable['card_precision']:.3f} (no model can rank a compromised terminal's frauds "
                     f"before its first label arrives): the model gets "
                     f"{model['card_precision'] / reachable['card_precision']:.0%} of that")),
    ]
    for name, row in rows.items():
        if row is model:
            continue
        parts = [f"CP@100 {row['card_precision']:.3f}"]
        if row["auc"] is not None:
            parts = [f"AUC {row['auc']:.3f}", f"AP {row['average_precision']:.3f}", *parts]
        figures.append(Figure(SECTION, f"baseline: {name}", ", ".join(parts), "", None))
    seconds = ", ".join(f"{k} {v:.0f} s" for k, v in quality["seconds"].items())
    shipped = quality["shipped_model"]
    figures.append(Figure(
        SECTION, "backtest run time (read, features, train, score)", round(quality["wall_seconds"], 1), "s", None,
        detail=f"{seconds}; curves: bench/detection-roc.png, bench/detection-pr.png",
    ))
    figures.append(Figure(
        SECTION, "shipped model artifact (functions/fraudlib/scoring/model.json)", round(shipped["bytes"] / 1024, 1),
        "KB", None, detail=f"{shipped['version']}, trained on {shipped['trained_on']}",
    ))
    rates = result["rates"]
    model_cpu, model_wall = median(rates["model"]["cpu_rate"]), median(rates["model"]["wall_rate"])
    rules_cpu = median(rates["rules"]["cpu_rate"])
    figures.append(Figure(
        SECTION, "transactions scored per second, one core, with features and model", round(model_cpu), "txn/s",
        TARGET_RATE, better="higher",
        detail=(
            f"per CPU second of the single scoring thread; wall {model_wall:,.0f} txn/s; the rules alone "
            f"in the same rounds {rules_cpu:,.0f} txn/s CPU; medians of {len(rates['model']['cpu_rate'])} "
            "interleaved passes over 10,000 transactions (50 customers x 200, merchant counters of 39 days)"
        ),
    ))
    return SectionResult(figures, result)


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
