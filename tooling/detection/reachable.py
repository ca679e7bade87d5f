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
    """Ids of the compromised-terminal frauds made before any fraud label at their terminal was visible.

    `rows` in time order (as read_dataset returns them); a label is visible from its `label_time` on.
    """
    first_visible: dict[str, int] = {}  # terminal -> earliest label_time of its frauds so far
    hidden: set[str] = set()
    for row in rows:
        if not row.is_fraud:
            continue
        terminal = row.merchant_id
        visible_since = first_visible.get(terminal)
        seen = visible_since is not None and visible_since < row.txn.timestamp
        if scenarios.get(row.txn.transaction_id) == COMPROMISED_TERMINAL and not seen:
            hidden.add(row.txn.transaction_id)
        first_visible[terminal] = min(visible_since, row.label_time) if visible_since is not None else row.label_time
    return hidden


def reachable_scores(test: Sequence[LabelledTransaction], hidden: set[str]) -> list[float]:
    """The perfect ranking of the foreseeable frauds among `test`: 1.0 for them, 0.0 for every other row."""
    return [float(row.is_fraud and row.txn.transaction_id not in hidden) for row in test]
