"""The soak as a benchmark: `make soak` (N=, RATE=) against the live local deployment, its figures
recorded into bench/results.json and RESULTS.md beside the other sections.

The figures are the emulator's and the played Lambda service's on this machine (moto in one Python
process, every function in local processes, a handful of cores shared with other work), not AWS
capacity: they show what a run costs here and catch regressions of the local tooling.

    python -m bench.soak [--requests N] [--rate R] [--clients C]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.common import Figure, SectionResult, not_measured
from bench.machine import describe

SECTION = "soak"
BENCH_DIR = Path(__file__).resolve().parent
NAMES = (
    "accepted requests per second through the played API (201 + 200)",
    "POST /transactions p50 through the played API",
    "POST /transactions p99 through the played API",
    "POST -> scored p50",
    "POST -> scored p99",
    "POST -> alert published p50",
    "POST -> alert published p99",
    "CPU time of the run (emulator, played service and functions, clients)",
)


def figures_of(document: dict[str, Any], passed: bool, load_average: list[float]) -> list[Figure]:
    """The bench figures of one soak run's result."""
    f = document["figures"]
    settings = document["settings"]
    run = (f"load average at the start {' / '.join(str(x) for x in load_average)}; "
           f"{settings['requests']} requests at {settings['rate']}/s from {settings['clients']} clients, "
           f"every fault injected once per window; invariants {'all hold' if passed else 'VIOLATED'}")
    return [
        Figure(SECTION, NAMES[0], f["accepted_per_second"], "req/s", None, "higher",
               detail=f"{f['accepted']} accepted in {f['load_seconds']} s; {run}"),
        Figure(SECTION, NAMES[1], f["post_ms"]["p50"], "ms", None, detail=f"n={f['post_ms']['n']}"),
        Figure(SECTION, NAMES[2], f["post_ms"]["p99"], "ms", None, detail=f"max {f['post_ms']['max']} ms"),
        Figure(SECTION, NAMES[3], f["post_to_score_s"]["p50"], "s", None,
               detail=f"n={f['post_to_score_s']['n']}, first successful score write"),
        Figure(SECTION, NAMES[4], f["post_to_score_s"]["p99"], "s", None,
               note="includes the transactions held up by the injected faults and re-scored by the redrive"),
        Figure(SECTION, NAMES[5], f["post_to_alert_s"]["p50"], "s", None,
               detail=f"n={f['post_to_alert_s']['n']}, SNS publish time"),
        Figure(SECTION, NAMES[6], f["post_to_alert_s"]["p99"], "s", None,
               note="includes alerts held up by the injected faults and moved back by the redrive"),
        Figure(SECTION, NAMES[7], f["cpu_seconds"], "s", None,
               detail=f"{f['wall_seconds']} s wall, {f['cores_busy']} of {f['cores']} cores busy on average; "
                      + ", ".join(f"{k} {v} s" for k, v in f["cpu_seconds_by_part"].items())),
    ]


def skipped(reason: str) -> SectionResult:
    """The section's figures, none measured."""
    return SectionResult([not_measured(SECTION, name, "", None, reason) for name in NAMES])


def measure(requests: int | None = None, rate: float | None = None, clients: int | None = None) -> SectionResult:
    """A soak run (on the live deployment, or one deployed for it) and its figures."""
    from tooling.soak.deployment import live_target
    from tooling.soak.run import run_soak
    from tooling.soak.settings import SoakSettings

    defaults = SoakSettings()
    settings = SoakSettings(requests=requests or defaults.requests, rate=rate or defaults.rate,
                            clients=clients or defaults.clients)
    with live_target() as target:
        load_average = describe()["load_average_1_5_15"]
        result = run_soak(target, settings)
    return SectionResult(figures_of(result.document, result.passed, load_average),
                         {"soak": {**result.document, "invariants": [
                             {"name": c.name, "status": c.status, "detail": c.detail} for c in result.checks]}})


def record(result: SectionResult) -> None:
    """Put the section's figures in place of the previous ones in bench/results.json and RESULTS.md."""
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    figures, raw, command = report.merge_previous(BENCH_DIR, result.figures, result.raw, {SECTION}, "make soak")
    first_started, machine = report.previous_start(BENCH_DIR, started, describe())
    report.write(BENCH_DIR, figures, raw, machine, first_started, f"{command} (re-run {started}: soak)")


def main(argv: list[str] | None = None) -> int:
    """`make soak`: run, print, record; exit 1 when an invariant failed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--clients", type=int)
    args = parser.parse_args(argv)
    result = measure(args.requests, args.rate, args.clients)
    record(result)
    print(f"bench: soak figures written to {BENCH_DIR / 'RESULTS.md'}", file=sys.stderr)
    invariants = result.raw["soak"]["invariants"]
    return 0 if all(check["status"] != "FAIL" for check in invariants) else 1


if __name__ == "__main__":
    sys.exit(main())
