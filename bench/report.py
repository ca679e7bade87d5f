"""Writes results.json and the Markdown table RESULTS.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import Figure


def _amount(value: float | str | None, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if unit == "x floor":
        return f"{value:g}x floor"
    return f"{value:,g} {unit}"


def _target(figure: Figure) -> str:
    if figure.target is None:
        return "none set"
    sign = {"lower": "<= ", "higher": ">= ", "equal": ""}[figure.better]
    return sign + _amount(figure.target, figure.unit)


def _ratio(figure: Figure) -> str:
    return "-" if figure.ratio is None else f"{figure.ratio:.2f}"


def markdown(figures: list[Figure], machine: dict[str, Any], started: str, command: str) -> str:
    """The results table, the machine, and one note per figure that has details."""
    lines = [
        "# Benchmark results",
        "",
        f"`{command}`, {started}. Ratios against a floor are medians of interleaved rounds in the same run.",
        "Ratio column: measured / target (lower is better) or target / measured (higher is better); <= 1 meets it.",
        "",
        "| machine | |",
        "|---|---|",
        f"| CPU | {machine['cpu_model']} |",
        f"| cores | {machine['logical_cores']} logical ({machine['usable_cores']} usable), shared |",
        f"| memory | {machine['memory_gib']} GiB |",
        f"| load average at start (1/5/15 min) | {' / '.join(str(x) for x in machine['load_average_1_5_15'])} |",
        f"| OS | {machine['os']} |",
        f"| Python / Node / Terraform | {machine['python']} / {machine['node']} / {machine['terraform']} |",
        "",
        "| # | section | figure | target | measured | ratio | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    notes = []
    for number, figure in enumerate(figures, start=1):
        lines.append(
            f"| {number} | {figure.section} | {figure.name} | {_target(figure)} | "
            f"{_amount(figure.measured, figure.unit)} | {_ratio(figure)} | {figure.verdict} |"
        )
        text = ". ".join(part for part in (figure.detail, figure.note) if part)
        if text:
            notes.append(f"{number}. {text}")
    lines += ["", "## Notes", "", *notes, ""]
    return "\n".join(lines)


def write(
    out_dir: Path, figures: list[Figure], raw: dict[str, Any], machine: dict[str, Any], started: str, command: str
) -> None:
    """results.json (everything, raw samples included) and RESULTS.md (the table)."""
    document = {
        "started": started,
        "command": command,
        "machine": machine,
        "figures": [figure.as_dict() for figure in figures],
        "raw": raw,
    }
    (out_dir / "results.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    (out_dir / "RESULTS.md").write_text(markdown(figures, machine, started, command))
