"""Synth: the whole app in a fresh interpreter against a minimal one-resource app, side by side.

Both run in fresh interpreters with their imports, so the ratio compares the app's own cost (its
constructs, the packaging, eight stacks) with the fixed cost of cdktf and the AWS provider
bindings. Importing any provider submodule loads the whole provider package, so the floor pays
the same import as the app. Also reports the packaging time measured inside the app run and the
number of full synths one pytest session of the module and stack tests performs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import layer_cache
from bench.common import (
    JSII_ENV,
    PYTHON,
    REPO_ROOT,
    Figure,
    SectionResult,
    interleave,
    median,
    rounds,
    run_checked,
)

SECTION = "synth"
TARGET_RATIO = 1.5
TARGET_SYNTHS_PER_SESSION = 1


def _app_worker(outdir: Path, artifacts_dir: Path, timings: Path) -> None:
    """Like main.py, to `outdir`; writes the phase timings (seconds) to `timings`."""
    started = time.perf_counter()
    from cdktf import App

    from stacks.app import build_stacks
    from stacks.app_settings import resolve_settings
    from stacks.artifacts import build_artifacts

    imported = time.perf_counter()
    app = App(outdir=str(outdir))
    settings = resolve_settings(os.environ, {})
    artifacts = build_artifacts(artifacts_dir)
    packaged = time.perf_counter()
    stacks = build_stacks(app, settings, artifacts)
    built = time.perf_counter()
    app.synth()
    done = time.perf_counter()
    timings.write_text(
        json.dumps(
            {
                "imports": imported - started,
                "packaging": packaged - imported,
                "constructs": built - packaged,
                "synth": done - built,
                "stacks": len(stacks),
            }
        )
    )


def _floor_worker(outdir: Path, timings: Path) -> None:
    """One stack, one provider, one SQS queue."""
    started = time.perf_counter()
    from cdktf import App, TerraformStack
    from cdktf_cdktf_provider_aws.provider import AwsProvider
    from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue

    imported = time.perf_counter()
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, "floor")
    AwsProvider(stack, "aws", region="us-east-1")
    SqsQueue(stack, "queue", name="floor")
    app.synth()
    timings.write_text(json.dumps({"imports": imported - started, "rest": time.perf_counter() - imported}))


def _env() -> dict[str, str]:
    return {**os.environ, **JSII_ENV, "PYTHONPATH": str(REPO_ROOT)}


def _synth_count(work: Path) -> tuple[int | None, str]:
    """Full synths one pytest session over tests/modules and tests/stacks performs.

    Runs in `work` so the session's build/synth-count.txt is its own. Terraform-marked tests are
    deselected: they reuse the session synth and only add minutes of terraform init.
    """
    session_dir = work / "pytest-session"
    session_dir.mkdir()
    argv = [
        PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not terraform",
        "-c", str(REPO_ROOT / "pyproject.toml"), "--rootdir", str(REPO_ROOT),
        str(REPO_ROOT / "tests" / "modules"), str(REPO_ROOT / "tests" / "stacks"),
    ]
    started = time.perf_counter()
    try:
        output = run_checked(argv, env=_env(), cwd=session_dir)
        outcome = output.strip().splitlines()[-1] if output.strip() else ""
    except RuntimeError as exc:  # failing tests still tell how often the session synthesized
        outcome = f"session had failures: {str(exc).splitlines()[-1]}"
    elapsed = time.perf_counter() - started
    count_file = session_dir / "build" / "synth-count.txt"
    count = int(count_file.read_text()) if count_file.exists() else None
    return count, f"{outcome} ({elapsed:.0f} s)"


def measure(work: Path) -> SectionResult:
    """Interleave the app and the floor (one discarded warm-up round), then count session synths."""
    cache = layer_cache.prepare(work)
    phases: list[dict[str, float]] = []
    floor_phases: list[dict[str, float]] = []

    def app_run() -> float:
        run_dir = Path(tempfile.mkdtemp(prefix="app-", dir=work))
        layer_cache.link_into(cache, run_dir / "artifacts" / "layer")
        timings = run_dir / "timings.json"
        argv = [PYTHON, "-m", "bench.synth", "app", str(run_dir / "out"), str(run_dir / "artifacts"), str(timings)]
        started = time.perf_counter()
        run_checked(argv, env=_env())
        elapsed = time.perf_counter() - started
        phases.append(json.loads(timings.read_text()))
        shutil.rmtree(run_dir, ignore_errors=True)
        return elapsed

    def floor_run() -> float:
        run_dir = Path(tempfile.mkdtemp(prefix="floor-", dir=work))
        timings = run_dir / "timings.json"
        started = time.perf_counter()
        run_checked([PYTHON, "-m", "bench.synth", "floor", str(run_dir / "out"), str(timings)], env=_env())
        elapsed = time.perf_counter() - started
        floor_phases.append(json.loads(timings.read_text()))
        shutil.rmtree(run_dir, ignore_errors=True)
        return elapsed

    cases = {"app": app_run, "floor": floor_run}
    interleave(cases, 1)  # warm-up: page cache, node, the provider's jsii assembly
    phases.clear()
    floor_phases.clear()
    samples = interleave(cases, rounds(3))
    app_s, floor_s = median(samples["app"]), median(samples["floor"])
    packaging = median([p["packaging"] for p in phases])
    count, session = _synth_count(work)
    n = len(samples["app"])
    figures = [
        Figure(
            SECTION, "synth all stacks vs one-resource app (fresh interpreters)", round(app_s / floor_s, 2),
            "x floor", TARGET_RATIO,
            detail=f"app {app_s:.1f} s vs floor {floor_s:.1f} s (medians of {n}, interleaved)",
            note=(
                f"app phases (medians): imports {median([p['imports'] for p in phases]):.1f} s, packaging "
                f"{packaging:.1f} s, constructs {median([p['constructs'] for p in phases]):.1f} s, synth "
                f"{median([p['synth'] for p in phases]):.1f} s; floor imports "
                f"{median([p['imports'] for p in floor_phases]):.1f} s"
            ),
        ),
        Figure(
            SECTION, "packaging inside the synth (4 function zips + layer zip from cache)", round(packaging, 2),
            "s", None, detail=f"{packaging / app_s * 100:.0f} % of the app's synth wall time",
        ),
        Figure(
            SECTION, "full synths per pytest session (tests/modules + tests/stacks)", count, "synths",
            TARGET_SYNTHS_PER_SESSION, better="equal", detail=session,
        ),
    ]
    raw = {"wall_seconds": samples, "app_phases": phases, "floor_phases": floor_phases, "pytest_session": session}
    return SectionResult(figures, raw)


def main(argv: list[str]) -> None:
    """Worker entry point: `app <outdir> <artifacts> <timings>` or `floor <outdir> <timings>`."""
    if argv[0] == "app":
        _app_worker(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    elif argv[0] == "floor":
        _floor_worker(Path(argv[1]), Path(argv[2]))
    else:
        raise SystemExit(f"unknown worker {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
