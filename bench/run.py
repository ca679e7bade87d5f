"""Runs the benchmark suite and writes bench/results.json and bench/RESULTS.md.

    python -m bench.run [--skip-deploy] [--only SECTION ...]

BENCH_ROUNDS overrides the number of interleaved rounds of the side-by-side comparisons.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    analyzer,
    api_hot_path,
    cold_start,
    detection,
    layer_cache,
    local_deploy,
    package_size,
    report,
    soak,
    synth,
)
from bench.common import Figure, SectionResult, not_measured
from bench.machine import describe

BENCH_DIR = Path(__file__).resolve().parent
SECTIONS = ("package_size", "analyzer", "detection", "api", "cold_start", "synth", "local_deploy", "soak")
LABELS = {
    "package_size": package_size.SECTION, "analyzer": analyzer.SECTION, "detection": detection.SECTION,
    "api": api_hot_path.SECTION,
    "cold_start": cold_start.SECTION, "synth": synth.SECTION, "local_deploy": local_deploy.SECTION,
    "soak": soak.SECTION,
}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _section(name: str, work: Path, cache: Path, skip_deploy: bool) -> SectionResult:
    own = work / name
    own.mkdir()
    runners: dict[str, Callable[[], SectionResult]] = {
        "package_size": lambda: package_size.measure(own, cache),
        "analyzer": lambda: analyzer.measure(own),
        "detection": lambda: detection.measure(own),
        "api": lambda: api_hot_path.measure(own),
        "cold_start": lambda: cold_start.measure(own, cache),
        "synth": lambda: synth.measure(own),
        "local_deploy": lambda: (
            local_deploy.skipped("skipped with BENCH_SKIP_DEPLOY=1") if skip_deploy else local_deploy.measure(own)
        ),
        "soak": lambda: soak.skipped("skipped with BENCH_SKIP_DEPLOY=1") if skip_deploy else soak.measure(),
    }
    try:
        return runners[name]()
    except Exception as exc:  # noqa: BLE001 - one broken benchmark must not lose the others' figures
        traceback.print_exc()
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else exc.__class__.__name__
        return SectionResult([not_measured(name.replace("_", " "), "(whole section)", "", None, reason)])


def main(argv: list[str] | None = None) -> int:
    """Run the sections in order, then write the results next to this file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-deploy", action="store_true", help="do not measure the local deployment")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    args = parser.parse_args(argv)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "make bench" + (" BENCH_SKIP_DEPLOY=1" if args.skip_deploy else "")
    if args.only:
        command = "python -m bench.run --only " + " ".join(args.only)
    machine = describe()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    figures: list[Figure] = []
    raw: dict[str, object] = {}
    try:
        cache = layer_cache.prepare(work)
        for name in args.only or SECTIONS:
            _say(f"bench: {name} ...")
            result = _section(name, work, cache, args.skip_deploy)
            figures += result.figures
            raw[name] = result.raw
            for figure in result.figures:
                _say(f"  {figure.name}: {figure.measured} {figure.unit} -> {figure.verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.only:
        figures, raw, command = report.merge_previous(BENCH_DIR, figures, raw, {LABELS[n] for n in args.only}, command)
        command += f" (re-run {started}: {', '.join(args.only)})"
        started, machine = report.previous_start(BENCH_DIR, started, machine)
    report.write(BENCH_DIR, figures, raw, machine, started, command)
    _say(f"bench: wrote {BENCH_DIR / 'results.json'} and {BENCH_DIR / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
