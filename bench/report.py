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


def _load(out_dir: Path) -> dict[str, Any] | None:
    path = out_dir / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def merge_previous(
    out_dir: Path, figures: list[Figure], raw: dict[str, Any], sections: set[str], command: str
) -> tuple[list[Figure], dict[str, Any], str]:
    """A partial run's figures in place of the same sections of the previous results; the rest kept."""
    previous = _load(out_dir)
    if previous is None:
        return figures, raw, command
    derived = {"verdict", "ratio", "tightened_to"}
    merged: list[Figure] = []
    for entry in previous["figures"]:
        if entry["section"] in sections:
            if not merged or merged[-1].section != entry["section"] or merged[-1] not in figures:
                merged += [f for f in figures if f.section == entry["section"] and f not in merged]
            continue
        merged.append(Figure(**{k: v for k, v in entry.items() if k not in derived}))
    merged += [f for f in figures if f not in merged]
    return merged, {**previous["raw"], **raw}, previous["command"]


def previous_start(out_dir: Path, started: str, machine: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Start time and machine of the full run a partial run is merged into."""
    previous = _load(out_dir)
    return (previous["started"], previous["machine"]) if previous else (started, machine)


def write(
    out_dir: Path, figures: list[Figure], raw: dict[str, Any], machine: dict[str, Any], started: str, command: str
) -> None:
    """results.json (everything, raw samples included) and RESULTS.md (the table, then COMPARISONS.md)."""
    document = {
        "started": started,
        "command": command,
        "machine": machine,
        "figures": [figure.as_dict() for figure in figures],
        "raw": raw,
    }
    (out_dir / "results.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    # Side-by-side comparisons of two code versions cannot be re-run by `make bench` (the old code is
    # gone), so they are kept by hand in COMPARISONS.md and carried into every RESULTS.md.
    comparisons = out_dir / "COMPARISONS.md"
    extra = "\n" + comparisons.read_text() if comparisons.exists() else ""
    (out_dir / "RESULTS.md").write_text(markdown(figures, machine, started, command) + extra)
