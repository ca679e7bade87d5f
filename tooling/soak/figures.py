"""Throughput, latencies and CPU time of a soak run (figures of the emulator on this machine).

CPU time is read from /proc for the process groups doing the work (the emulator; the played service
with its function processes, whose finished children count through the leader's cumulative child
times) plus this process (the clients), so that it can be set next to the wall time.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def nearest_rank(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (fraction in 0..1); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(1, math.ceil(fraction * len(ordered))) - 1])


def spread(values: Sequence[float]) -> dict[str, float | int | None]:
    """p50, p99, max and count."""
    return {"p50": nearest_rank(values, 0.5), "p99": nearest_rank(values, 0.99),
            "max": max(values) if values else None, "n": len(values)}


def group_cpu_seconds(process_groups: Iterable[int]) -> float:
    """User + system CPU seconds of every live process of the groups, children they waited for included."""
    groups = set(process_groups)
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) in groups:  # fields after the command: state, ppid, pgrp, ...
            ticks += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / CLOCK_TICKS


@dataclass
class CpuClock:
    """CPU time of the working processes and of this one, from `start` to `stop`."""

    process_groups: tuple[int, ...]
    started_cpu: float = 0.0
    started_own: float = 0.0
    started_wall: float = 0.0
    cpu_seconds: float = 0.0
    own_cpu_seconds: float = 0.0
    wall_seconds: float = 0.0

    def start(self) -> None:
        """Take the starting readings."""
        self.started_cpu = group_cpu_seconds(self.process_groups)
        self.started_own, self.started_wall = time.process_time(), time.monotonic()

    def stop(self) -> None:
        """Take the closing readings."""
        self.cpu_seconds = group_cpu_seconds(self.process_groups) - self.started_cpu
        self.own_cpu_seconds = time.process_time() - self.started_own
        self.wall_seconds = time.monotonic() - self.started_wall


def run_figures(*, accepted: int, load_seconds: float, post_seconds: Sequence[float],
                to_score: Sequence[float], to_alert: Sequence[float], cpu: CpuClock,
                machine_cores: int | None = None) -> dict[str, object]:
    """The figures of a run, JSON-ready."""
    total_cpu = cpu.cpu_seconds + cpu.own_cpu_seconds
    return {
        "accepted_per_second": round(accepted / load_seconds, 1) if load_seconds else None,
        "accepted": accepted,
        "load_seconds": round(load_seconds, 1),
        "post_ms": {k: (round(v * 1000, 1) if isinstance(v, float) else v) for k, v in spread(post_seconds).items()},
        "post_to_score_s": {k: (round(v, 2) if isinstance(v, float) else v) for k, v in spread(to_score).items()},
        "post_to_alert_s": {k: (round(v, 2) if isinstance(v, float) else v) for k, v in spread(to_alert).items()},
        "cpu_seconds": round(total_cpu, 1),
        "cpu_seconds_by_part": {"emulator and played service (functions included)": round(cpu.cpu_seconds, 1),
                                "soak clients and checks": round(cpu.own_cpu_seconds, 1)},
        "wall_seconds": round(cpu.wall_seconds, 1),
        "cores_busy": round(total_cpu / cpu.wall_seconds, 2) if cpu.wall_seconds else None,
        "cores": machine_cores or os.cpu_count(),
    }


def first_times(entries: Iterable[tuple[str, float]]) -> dict[str, float]:
    """The earliest instant per id."""
    first: dict[str, float] = {}
    for key, at in entries:
        if key not in first or at < first[key]:
            first[key] = at
    return first


def delays(sent: Mapping[str, float], reached: Mapping[str, float]) -> list[float]:
    """Seconds from sending to reaching a hop, for every id that reached it."""
    return [reached[key] - sent[key] for key in sent if key in reached]
