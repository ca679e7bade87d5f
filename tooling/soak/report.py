"""The soak's verdict as printed (a table of invariants, the faults, the figures) and as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tooling.soak.invariants import Check


def table(checks: Sequence[Check]) -> str:
    """The invariants, one row each."""
    width = max(len(c.name) for c in checks)
    lines = [f"{'invariant':<{width}}  result  detail", f"{'-' * width}  ------  ------"]
    lines += [f"{c.name:<{width}}  {c.status:<6}  {c.detail}" for c in checks]
    return "\n".join(lines)


def fault_lines(faults: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per fault: its window and how often it fired."""
    return [f"  {f['fault']:<32} {f['window_seconds'] if f['window_seconds'] is not None else '-':>5} s, "
            f"injected {f['injected']}x  ({f['what']})" for f in faults]


def figure_lines(figures: Mapping[str, Any]) -> list[str]:
    """The run's figures, readable."""
    post, score, alert = figures["post_ms"], figures["post_to_score_s"], figures["post_to_alert_s"]
    return [
        f"  accepted {figures['accepted']} in {figures['load_seconds']} s: {figures['accepted_per_second']} per second",
        f"  POST through the played API: p50 {post['p50']} ms, p99 {post['p99']} ms (n={post['n']})",
        f"  POST -> scored: p50 {score['p50']} s, p99 {score['p99']} s (n={score['n']})",
        f"  POST -> alert published: p50 {alert['p50']} s, p99 {alert['p99']} s (n={alert['n']})",
        f"  CPU {figures['cpu_seconds']} s in {figures['wall_seconds']} s wall "
        f"({figures['cores_busy']} of {figures['cores']} cores busy on average)",
    ]


def render(result: Mapping[str, Any], checks: Sequence[Check]) -> str:
    """Everything printed at the end of a run."""
    return "\n".join([
        f"soak {result['run_id']}: {result['settings']['requests']} requests at {result['settings']['rate']}/s "
        f"from {result['settings']['clients']} clients",
        "faults (window, injections):", *fault_lines(result["faults"]),
        "redrive:", *(f"  {line}" for line in result["redrive"].splitlines()),
        "figures (the emulator on this machine, not AWS capacity):", *figure_lines(result["figures"]),
        "", table(checks),
        "", "every invariant holds" if all(c.passed is not False for c in checks) else "INVARIANTS VIOLATED",
    ])


def write(path: Path, result: Mapping[str, Any], checks: Sequence[Check]) -> None:
    """result.json: the run, its faults, figures and every check."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**result, "invariants": [{"name": c.name, "status": c.status, "detail": c.detail} for c in checks],
                "passed": all(c.passed is not False for c in checks)}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
