"""What every benchmark shares: paths, process timing, interleaved rounds, statistics, figures."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
PYTHON = sys.executable
HANDLERS = ("transaction_api", "fraud_analyzer", "notifier", "report_generator")

JSII_ENV = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "CHECKPOINT_DISABLE": "1",
}


def rounds(default: int) -> int:
    """Rounds of an interleaved comparison: BENCH_ROUNDS overrides the benchmark's default."""
    return max(1, int(os.environ.get("BENCH_ROUNDS", default)))


def run_checked(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None) -> str:
    """Run a command, return its stdout; raise with the end of its output when it fails."""
    result = subprocess.run(  # noqa: S603 - argv built by the benchmarks, no shell
        list(argv), env=dict(env), cwd=cwd or REPO_ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise RuntimeError(f"{' '.join(argv[:4])} ... exited {result.returncode}:\n{tail}")
    return result.stdout


def time_command(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None) -> float:
    """Wall seconds of one command, process start to exit."""
    started = time.perf_counter()
    run_checked(argv, env=env, cwd=cwd)
    return time.perf_counter() - started


def interleave(cases: Mapping[str, Callable[[], float]], n_rounds: int) -> dict[str, list[float]]:
    """Run every case once per round, rotating the order each round; samples per case.

    Side by side in one run, so a busy neighbour slows the measured thing and its floor alike.
    """
    names = list(cases)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(n_rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(cases[name]())
    return samples


def score_all(
    customers: Sequence[Sequence[Any]], index: Callable[[Sequence[Any]], Any], score: Callable[[Any, Any], Any]
) -> tuple[float, float, int]:
    """CPU seconds, wall seconds and count of scoring every customer's transactions against its history,
    indexed once per customer as the analyzer does per batch. CPU time of this single thread: per core."""
    cpu, wall = time.process_time(), time.perf_counter()
    scored = 0
    for transactions in customers:
        history = index(transactions)
        for txn in transactions:
            score(txn, history)
            scored += 1
    return time.process_time() - cpu, time.perf_counter() - wall, scored


def median(values: Sequence[float]) -> float:
    """Median of the samples."""
    return float(statistics.median(values))


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted samples (fraction in 0..1)."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[rank - 1])


def nice(value: float) -> float:
    """Round to two significant digits (for proposed targets)."""
    if value <= 0:
        return value
    digits = 1 - math.floor(math.log10(value))
    return round(value, digits)


Better = Literal["lower", "higher", "equal"]


@dataclass
class Figure:
    """One reported figure with its target and verdict."""

    section: str
    """Which benchmark (synth, cold start, ...)."""
    name: str
    """What was measured."""
    measured: float | str | None
    """The figure (None: not measured, see `note`)."""
    unit: str
    """Unit of `measured` and `target` ("x floor", "ms", "KB", ...)."""
    target: float | str | None
    """The limit (or the exact expectation when `better` is "equal"); None: no target set."""
    better: Better = "lower"
    """Direction of the comparison with the target."""
    detail: str = ""
    """The raw numbers behind a ratio (e.g. both medians)."""
    note: str = ""
    """Why a target is missed, why something was not measured, what a figure includes."""
    tightened_to: float | None = None
    """A new target when the old one is beaten more than 3x."""
    verdict: str = field(default="", init=False)
    ratio: float | None = field(default=None, init=False)
    """measured / target (lower is better) or target / measured (higher is better): <= 1 meets it."""

    def __post_init__(self) -> None:
        self.verdict, self.ratio = self._judge()

    def _judge(self) -> tuple[str, float | None]:
        if self.measured is None:
            return "not measured", None
        if self.target is None:
            return "baseline (no target)", None
        if self.better == "equal":
            return ("met" if self.measured == self.target else "missed"), None
        assert isinstance(self.measured, float | int) and isinstance(self.target, float | int)
        if self.better == "lower":
            ratio = self.measured / self.target if self.target else math.inf
            if ratio > 1:
                return f"missed by {(ratio - 1) * 100:.0f} %", ratio
            if ratio * 3 <= 1:
                self.tightened_to = nice(self.measured * 1.5)
                return f"beaten >3x: target tightened to {self.tightened_to:g} {self.unit}", ratio
            return "met", ratio
        ratio = self.target / self.measured if self.measured else math.inf
        if ratio > 1:
            return f"missed by {(1 - 1 / ratio) * 100:.0f} %", ratio
        if ratio * 3 <= 1:
            self.tightened_to = nice(self.measured / 1.5)
            return f"beaten >3x: target tightened to {self.tightened_to:g} {self.unit}", ratio
        return "met", ratio

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class SectionResult:
    """What one benchmark hands to the report: its figures and its raw samples."""

    figures: list[Figure]
    raw: dict[str, Any] = field(default_factory=dict)


def not_measured(section: str, name: str, unit: str, target: float | str | None, reason: str) -> Figure:
    """A figure that could not be measured, with the reason."""
    return Figure(section, name, None, unit, target, note=f"not measured: {reason}")
