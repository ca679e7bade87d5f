"""Writes a trained LightGBM booster as the compact, deterministic JSON artifact fraudlib.scoring.trees reads.

Only what prediction needs is kept: per split the feature index, the threshold (JSON floats round-trip
exactly), both children and the node's expected value (for path attribution); per leaf its value.
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


def _node(tree: dict[str, Any]) -> Node:
    if "leaf_value" in tree:
        return float(tree["leaf_value"])
    if tree["decision_type"] != "<=" or tree.get("missing_type", "None") not in ("None", "NaN"):
        # Features are never missing (NaN) and never categorical: only "x <= threshold" splits exist.
        raise UnsupportedSplitError(
            f"split {tree['decision_type']} with missing type {tree.get('missing_type')} is not supported"
        )
    return [
        int(tree["split_feature"]), float(tree["threshold"]),
        _node(tree["left_child"]), _node(tree["right_child"]), float(tree["internal_value"]),
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
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    document["model_version"] = "gbt-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"
