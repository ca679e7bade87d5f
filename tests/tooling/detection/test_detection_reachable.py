"""Which simulated frauds no model can foresee: a compromised terminal's frauds before its first label."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fraudlib.scores import Transaction

from tooling.detection.dataset import LabelledTransaction, read_dataset
from tooling.detection.reachable import reachable_scores, read_scenarios, unforeseeable

DAY = 86400
DELAY = 7 * DAY


def _row(tid: str, terminal: str, day: float, fraud: bool, label_after: int = DELAY) -> LabelledTransaction:
    ts = int(day * DAY)
    txn = Transaction(transaction_id=tid, customer_id=f"c-{tid}", timestamp=ts, amount=Decimal("10.00"),
                      currency="EUR")
    return LabelledTransaction(txn=txn, merchant_id=terminal, is_fraud=fraud, label_time=ts + label_after, line=0)


def test_a_terminals_frauds_are_hidden_until_its_first_label_arrives() -> None:
    rows = [
        _row("t1", "T", 0, True),     # first fraud at T: nothing known yet
        _row("t2", "T", 3, True),     # t1's label arrives on day 7
        _row("t3", "T", 7.5, True),   # now visible
        _row("u1", "U", 8, False),    # legitimate rows are never hidden
    ]
    scenarios = {"t1": 2, "t2": 2, "t3": 2, "u1": 0}
    assert unforeseeable(rows, scenarios) == {"t1", "t2"}


def test_only_compromised_terminal_frauds_can_be_hidden() -> None:
    rows = [_row("a", "T", 0, True), _row("b", "T", 1, True), _row("c", "T", 9, True)]
    # Scenario 1 (amount) and 3 (the customer's spending) show in the transaction itself; their labels
    # say nothing about the terminal being compromised.
    assert unforeseeable(rows, {"a": 1, "b": 3, "c": 2}) == {"c"}


def test_an_earlier_compromise_says_nothing_about_a_new_one() -> None:
    rows = [_row("old", "T", 0, True), _row("new", "T", 60, True), _row("next", "T", 61, True)]
    assert unforeseeable(rows, {"old": 2, "new": 2, "next": 2}) == {"old", "new", "next"}


def test_an_early_label_makes_the_terminal_visible_from_then_on() -> None:
    rows = [_row("a", "T", 0, True, label_after=DAY // 2), _row("b", "T", 1, True)]
    assert unforeseeable(rows, {"a": 2, "b": 2}) == {"a"}


def test_the_reachable_ranking_scores_only_the_foreseeable_frauds() -> None:
    rows = [_row("a", "T", 0, True), _row("b", "T", 8, True), _row("c", "U", 8, False)]
    assert reachable_scores(rows, {"a"}) == [0.0, 1.0, 0.0]


def test_on_simulated_data_some_but_not_all_terminal_frauds_are_unforeseeable(small_csv: Path) -> None:
    scenarios = read_scenarios(small_csv)
    assert scenarios is not None
    hidden = unforeseeable(read_dataset(small_csv, 7), scenarios)
    terminal_frauds = {tid for tid, scenario in scenarios.items() if scenario == 2}
    assert hidden and hidden < terminal_frauds
