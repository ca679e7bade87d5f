"""Evaluates an exported gradient-boosted tree model in pure Python (no numpy: it runs in the Lambda).

The artifact is a JSON document (see tooling/detection/export.py for how it is written):

    {"format": 1, "model_version": "...", "objective": "binary", "label_delay_days": 7,
     "feature_names": [...], "trained_on": "...", "trees": [node, ...]}

where a node is either a leaf value (a number) or `[feature_index, threshold, left, right, value]`:
`x[feature_index] <= threshold` goes left, and `value` is the node's expected output (the weighted mean
of its leaves) used for path attribution. The raw score is the sum of the trees' leaves, as the
training library sums it; the probability is its logistic.

At load time every tree is compiled to one Python expression of nested conditionals, so that scoring
is a single call with no loop over nodes. Path attribution (Saabas): along the path to a leaf, each
split's feature is credited with the change of expected value it caused; that walk is compiled too, as
nested statements adding to one local per feature.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import partial
from operator import getitem
from pathlib import Path
from typing import Any

FORMAT = 1
_LEAF = re.compile(r"L(\d+)L")
DEFAULT_MODEL_PATH = Path(__file__).with_name("model.json")

Node = float | list[Any]


class ModelFormatError(ValueError):
    """The model artifact cannot be evaluated (wrong format, bad node, unknown feature count)."""


class TreeModel:
    """A compiled tree ensemble: raw score, probability and per-feature path attribution."""

    __slots__ = ("_contributions", "_leaf_values", "_leaves", "_raw", "bias", "feature_names", "label_delay_days",
                 "model_version", "trained_on", "used_features")

    def __init__(self, document: Mapping[str, Any]) -> None:
        if document.get("format") != FORMAT or document.get("objective") != "binary":
            raise ModelFormatError(f"unsupported model: format {document.get('format')!r}, "
                                   f"objective {document.get('objective')!r}")
        self.model_version: str = str(document["model_version"])
        self.feature_names: tuple[str, ...] = tuple(document["feature_names"])
        self.label_delay_days: int = int(document["label_delay_days"])
        self.trained_on: str = str(document.get("trained_on", ""))
        trees: list[Node] = document["trees"]
        expressions: list[str] = []
        leaf_values: list[list[float]] = []
        credit_lines: list[str] = []
        bias = 0.0
        self.used_features: frozenset[int] = frozenset()
        for tree in trees:
            values: list[float] = []
            expressions.append(self._compile(tree, values, credit_lines, 1))
            leaf_values.append(values)
            bias += _value(tree)
        # Leaves are written as L<n>L while compiling: numbers for `leaves`, values for `raw`.
        body = ", ".join(_LEAF.sub(r"\1", expression) for expression in expressions)
        body += "," if len(expressions) == 1 else ""
        # The raw score sums the same conditionals with the leaf values in place of the leaf numbers:
        # one call, no lookups. sum() adds from 0 in tree order, as the training library does.
        value_body = ", ".join(
            _LEAF.sub(partial(_leaf_value, values), expression)
            for expression, values in zip(expressions, leaf_values, strict=True)
        ) + ("," if len(expressions) == 1 else "")
        # Features are unpacked into locals first: a local read is cheaper than indexing x at every split.
        unpack = ", ".join(f"x{i}" for i in range(len(self.feature_names))) + ", = x"
        totals = ", ".join(f"c{i}" for i in range(len(self.feature_names)))
        credits = "\n".join(credit_lines)
        source = (
            f"def leaves(x):\n    {unpack}\n    return ({body})\n\n"
            f"def raw(x):\n    {unpack}\n    return sum(({value_body}))\n\n"
            f"def contributions(x):\n    {unpack}\n    {totals.replace(', ', ' = ')} = 0.0\n{credits}\n"
            f"    return [{totals}]\n"
        )
        namespace: dict[str, Any] = {}
        # The source is generated above from numbers and integer indexes only (validated node by node).
        exec(compile(source, f"<model {self.model_version}>", "exec"), namespace)  # noqa: S102
        self._leaves = namespace["leaves"]
        self._raw = namespace["raw"]
        self._contributions = namespace["contributions"]
        self._leaf_values = leaf_values
        self.bias = bias

    def _compile(self, node: Node, values: list[float], credit_lines: list[str], depth: int) -> str:
        """The tree as a conditional expression (leaves as L<n>L); its attribution as nested statements
        appended to `credit_lines`: each split credits its feature with the change of expected value."""
        if not isinstance(node, list):
            leaf = len(values)
            values.append(_number(node))
            return f"L{leaf}L"
        if len(node) != 5:
            raise ModelFormatError(f"a split node has 5 fields, got {node!r:.80}")
        feature, threshold, left, right, value = node
        if not isinstance(feature, int) or not 0 <= feature < len(self.feature_names):
            raise ModelFormatError(f"split on feature {feature!r}: the model has {len(self.feature_names)}")
        own = _number(value)
        self.used_features |= {feature}
        pad = "    " * depth
        sides = []
        for keyword, child in ((f"if x{feature} <= {_number(threshold)!r}:", left), ("else:", right)):
            credit_lines.append(pad + keyword)
            credit_lines.append(f"{pad}    c{feature} += {_value(child) - own!r}")
            sides.append(self._compile(child, values, credit_lines, depth + 1))
        return f"({sides[0]} if x{feature} <= {_number(threshold)!r} else {sides[1]})"

    @classmethod
    def from_json(cls, text: str) -> TreeModel:
        """Load an artifact from its JSON text."""
        return cls(json.loads(text))

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> TreeModel:
        """Load an artifact from a file (by default the model shipped with this package)."""
        return cls.from_json(path.read_text())

    def leaves(self, x: Sequence[float]) -> tuple[int, ...]:
        """The leaf each tree sends `x` to."""
        result: tuple[int, ...] = self._leaves(x)
        return result

    def raw_score(self, x: Sequence[float], leaves: Sequence[int] | None = None) -> float:
        """Sum of the trees' outputs (log-odds), summed in tree order as the training library does."""
        if leaves is None:
            return float(self._raw(x))
        return float(sum(map(getitem, self._leaf_values, leaves)))

    def probability(self, x: Sequence[float], leaves: Sequence[int] | None = None) -> float:
        """The fraud probability: logistic of the raw score."""
        return logistic(self.raw_score(x, leaves))

    def contributions(self, x: Sequence[float]) -> list[float]:
        """Per feature, its share of the raw score above `bias` (the contributions sum to raw - bias)."""
        result: list[float] = self._contributions(x)
        return result


def logistic(raw: float) -> float:
    """1 / (1 + e^-raw), without overflow for large negative raw scores."""
    if raw >= 0:
        return 1.0 / (1.0 + math.exp(-raw))
    e = math.exp(raw)
    return e / (1.0 + e)


def _leaf_value(values: list[float], match: re.Match[str]) -> str:
    return repr(values[int(match.group(1))])


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelFormatError(f"expected a finite number in the model, got {value!r:.80}")
    return float(value)


def _value(node: Node) -> float:
    return _number(node[4] if isinstance(node, list) else node)
