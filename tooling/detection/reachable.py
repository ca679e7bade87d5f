"""How much of the simulated fraud can be caught at all, given when labels arrive.

The perfect ranking's card precision@100 counts every compromised card, including those nothing known
at the time points to. In the handbook's generative process (tooling.detection.simulate) one kind is
invisible by construction: a compromised terminal's frauds (scenario 2) are ordinary transactions
relabelled, told apart only by the terminal's fraud history, and that history shows nothing until the
first of its frauds' labels arrives (a label delay after it). Frauds at such a terminal before then are
*unforeseeable*: no feature of any model, ours or another, can rank them above legitimate payments.

`reachable_scores` is the perfect ranking of what remains: 1 for every fraud except the unforeseeable
ones, 0 for everything else. Its card precision@100 is the ceiling a model can actually reach on the
data, next to the plain ceiling. It needs the simulator's `fraud_scenario` column; on other data there
is no way to tell which frauds were foreseeable, and the backtest shows the plain ceiling only.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from tooling.detection.dataset import LabelledTransaction
from tooling.detection.periods import DAY
from tooling.detection.simulate import TERMINAL_DAYS

SCENARIO_COLUMN = "fraud_scenario"
"""Extra column written by the simulator: 0 legitimate, 1..3 the fraud scenario."""
COMPROMISED_TERMINAL = 2
"""The scenario whose frauds only the terminal's (delayed) fraud history reveals."""


def read_scenarios(path: Path) -> dict[str, int] | None:
    """transaction_id -> fraud scenario, or None when the CSV has no scenario column (not simulated)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if SCENARIO_COLUMN not in (reader.fieldnames or []):
            return None
        return {fields["transaction_id"].strip(): int(fields[SCENARIO_COLUMN]) for fields in reader}


def unforeseeable(rows: Sequence[LabelledTransaction], scenarios: dict[str, int]) -> set[str]:
    """Ids of the compromised-terminal frauds made before any label of the same compromise was visible.

    A compromise lasts TERMINAL_DAYS: an earlier compromised-terminal fraud at the same terminal within
    that span belongs to it, and its label, once visible (`label_time`), reveals the terminal. Frauds of
    other kinds, or of an earlier compromise, say nothing about a new one (the simulator draws
    compromised terminals independently of their past). `rows` in time order, as read_dataset gives them.
    """
    episode: dict[str, list[LabelledTransaction]] = {}  # terminal -> its recent compromised-terminal frauds
    hidden: set[str] = set()
    for row in rows:
        tid = row.txn.transaction_id
        if not row.is_fraud or scenarios.get(tid) != COMPROMISED_TERMINAL:
            continue
        now = row.txn.timestamp
        recent = [f for f in episode.get(row.merchant_id, []) if now - f.txn.timestamp < TERMINAL_DAYS * DAY]
        if not any(f.label_time < now for f in recent):
            hidden.add(tid)
        episode[row.merchant_id] = [*recent, row]
    return hidden


def reachable_scores(test: Sequence[LabelledTransaction], hidden: set[str]) -> list[float]:
    """The perfect ranking of the foreseeable frauds among `test`: 1.0 for them, 0.0 for every other row."""
    return [float(row.is_fraud and row.txn.transaction_id not in hidden) for row in test]
