"""Writes a trained LightGBM booster as the compact, deterministic JSON artifact fraudlib.scoring.trees reads.

Only what prediction needs is kept: per split the feature index, the threshold (exact: JSON floats
round-trip), both children and the node's expected value (for path attribution, 6 digits); per leaf its
value (10 digits).
Keys are sorted and the model version is a hash of everything else, so the same booster always gives
the same bytes and a retrained but identical model keeps its version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import lightgbm as lgb
from fraudlib.scoring.trees import FORMAT, Node


class UnsupportedSplitError(ValueError):
    """The booster uses a split kind the pure evaluator does not implement."""


LEAF_DIGITS = 10
"""Significant digits kept of a leaf value: the sum of 200 such leaves stays within 1e-7 of the library's."""
EXPECTED_VALUE_DIGITS = 6
"""Significant digits kept of a split's expected value: it only ranks features in explanations."""


def _rounded(value: float, digits: int) -> float:
    return float(f"{value:.{digits}g}")


def _node(tree: dict[str, Any]) -> Node:
    if "leaf_value" in tree:
        return _rounded(float(tree["leaf_value"]), LEAF_DIGITS)
    if tree["decision_type"] != "<=" or tree.get("missing_type", "None") not in ("None", "NaN"):
        # Features are never missing (NaN) and never categorical: only "x <= threshold" splits exist.
        raise UnsupportedSplitError(
            f"split {tree['decision_type']} with missing type {tree.get('missing_type')} is not supported"
        )
    # Thresholds stay exact: a rounded one could send a value to the other side of a split.
    return [
        int(tree["split_feature"]), float(tree["threshold"]),
        _node(tree["left_child"]), _node(tree["right_child"]),
        _rounded(float(tree["internal_value"]), EXPECTED_VALUE_DIGITS),
    ]


def export_model(
    booster: lgb.Booster, feature_names: Sequence[str], *, label_delay_days: int, trained_on: str
) -> str:
    """The artifact's JSON text (ends with a newline)."""
    dumped = booster.dump_model()
    if list(dumped["feature_names"]) != list(feature_names):
        raise ValueError("the booster was trained on other features than the ones given")
    document: dict[str, Any] = {
        "format": FORMAT,
        "objective": "binary",
        "feature_names": list(feature_names),
        "label_delay_days": label_delay_days,
        "trained_on": trained_on,
        "trees": [_node(info["tree_structure"]) for info in dumped["tree_info"]],
    }
    return artifact_text(document)


def artifact_text(document: dict[str, Any]) -> str:
    """The canonical JSON of an artifact document, with its content-hash version added."""
    document = {key: value for key, value in document.items() if key != "model_version"}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    document["model_version"] = "gbt-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"
