"""ROC and precision-recall curves of several rankings, as PNG files (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and CI

import matplotlib.pyplot as plt

from tooling.detection.metrics import curves


def write_curves(
    labels: Sequence[bool], rankings: Mapping[str, Sequence[float]], roc_path: Path, pr_path: Path, title: str
) -> None:
    """One ROC and one precision-recall figure, each with a line per ranking."""
    roc, roc_axes = plt.subplots(figsize=(6, 5))
    pr, pr_axes = plt.subplots(figsize=(6, 5))
    for name, scores in rankings.items():
        fpr, tpr, recall, precision = curves(labels, scores)
        roc_axes.plot(fpr, tpr, label=name)
        pr_axes.step(recall, precision, where="post", label=name)
    roc_axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
    roc_axes.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC - {title}")
    pr_axes.set(xlabel="recall", ylabel="precision", title=f"Precision-recall - {title}", ylim=(0, 1.02))
    for figure, axes, path in ((roc, roc_axes, roc_path), (pr, pr_axes, pr_path)):
        axes.legend(loc="lower right" if figure is roc else "upper right", fontsize="small")
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        # No timestamp in the PNG metadata, so an unchanged result gives the same file.
        figure.savefig(path, dpi=100, metadata={"Software": None})
        plt.close(figure)
