"""`make backtest` end to end on a small simulated file, and its refusal of a bad file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.tooling.detection.conftest import TEST, TRAIN
from tooling.detection import backtest
from tooling.detection.periods import parse_period


def test_scores_every_test_transaction_and_prints_the_baselines(
    small_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.csv"
    assert backtest.main([str(small_csv), "--train", TRAIN, "--test", TEST, "--out", str(out)]) == 0
    period = parse_period(TEST)
    with small_csv.open() as handle:
        expected = {r["transaction_id"] for r in csv.DictReader(handle) if r["timestamp"][:10] >= str(period.first)
                    and r["timestamp"][:10] <= str(period.last)}
    with out.open() as handle:
        reader = csv.DictReader(handle)
        scored = list(reader)
    assert reader.fieldnames == ["transaction_id", "score"]
    assert len(scored) == len(expected) and {r["transaction_id"] for r in scored} == expected
    assert all(0.0 <= float(r["score"]) <= 100.0 for r in scored)
    assert len({r["score"] for r in scored}) > len(scored) // 4, "scores rank, not a handful of values"
    printed = capsys.readouterr().out
    for name in ("gradient-boosted trees", "logistic regression", "rules alone", "amount alone", "perfect ranking"):
        assert name in printed
    for png in (out.with_suffix(".roc.png"), out.with_suffix(".pr.png")):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_model_beats_amount_alone_on_the_small_file(small_csv: Path, tmp_path: Path) -> None:
    result = backtest.run_backtest(small_csv, parse_period(TRAIN), parse_period(TEST), tmp_path / "s.csv")
    by_name = {r.name: r for r in result.results}
    model, amount, perfect = by_name[backtest.MODEL], by_name["amount alone"], by_name[backtest.PERFECT]
    reachable = by_name[backtest.REACHABLE]
    assert model.auc is not None and amount.auc is not None
    assert model.auc > amount.auc
    assert perfect.card_precision >= model.card_precision
    # The simulator's file tells which frauds were foreseeable; the reachable ceiling is never above the plain one.
    assert 0 < reachable.card_precision <= perfect.card_precision


def test_without_the_simulators_scenarios_only_the_plain_ceiling_is_shown(small_csv: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    with small_csv.open(newline="") as source, plain.open("w", newline="") as target:
        reader = csv.DictReader(source)
        columns = [c for c in reader.fieldnames or [] if c != "fraud_scenario"]
        writer = csv.DictWriter(target, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(reader)
    result = backtest.run_backtest(plain, parse_period(TRAIN), parse_period(TEST), tmp_path / "s.csv")
    names = [r.name for r in result.results]
    assert backtest.PERFECT in names and backtest.REACHABLE not in names


def test_bad_rows_stop_the_backtest_with_their_line_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(
        "transaction_id,customer_id,merchant_id,amount,currency,timestamp,is_fraud\n"
        "a,c,m,1.00,EUR,2018-04-10T00:00:00Z,0\n"
        "b,c,m,1.00,EUR,2018-04-10T00:00:01Z,yes\n"
    )
    out = tmp_path / "scores.csv"
    assert backtest.main([str(data), "--train", TRAIN, "--test", TEST, "--out", str(out)]) == 2
    assert "line 3: is_fraud 'yes' is not 0 or 1" in capsys.readouterr().err
    assert not out.exists()


def test_a_test_period_without_frauds_is_still_scored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["transaction_id,customer_id,merchant_id,amount,currency,timestamp,is_fraud"]
    for day in range(1, 20):
        for n in range(6):
            fraud = day < 10 and n == 0
            amount = "900.00" if fraud else f"{20 + n}.00"
            lines.append(f"d{day}-{n},c{n},m{n % 3},{amount},EUR,{1533081600 + day * 86400 + n * 600},{int(fraud)}")
    data = tmp_path / "quiet.csv"
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "scores.csv"
    assert backtest.main([str(data), "--train", "2018-08-02:2018-08-09", "--test", "2018-08-15:2018-08-19",
                          "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 1 + 5 * 6
    model_line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("gradient-boosted"))
    assert model_line.split()[4:6] == ["-", "-"], "no AUC or average precision without frauds to rank"
    assert not out.with_suffix(".roc.png").exists()
