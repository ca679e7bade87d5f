"""Local deployment: emulator start + synth + deploy, a second plan, and the end-to-end run.

Uses the real toolchain (cdktf CLI, Terraform) against a fresh emulator, with every output in a
temporary directory. The emulator's record (build/local/emulator.json) of a kept deployment, if
there is one, is put back afterwards.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import Figure, SectionResult, not_measured

SECTION = "local deploy"
NAMES = (
    "deploy: emulator start + synth + deploy of the local stacks",
    "second plan of fraud-detection-local (must be empty)",
    "end-to-end pipeline run (sample traffic through every hop)",
)


@contextmanager
def _outside_virtualenv() -> Iterator[None]:
    """PATH without this virtualenv's bin directory, for the cdktf CLI's child processes.

    Under `pipenv run` the virtualenv's bin comes first on PATH, so the app command of cdktf.json
    (`python3 -m pipenv run ...`) would find the virtualenv's python3, which has no pipenv.
    """
    venv_bin = str(Path(sys.executable).parent)
    saved = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join(p for p in saved.split(os.pathsep) if p != venv_bin)
    try:
        yield
    finally:
        os.environ["PATH"] = saved


def skipped(reason: str) -> SectionResult:
    """The section's figures, none measured."""
    return SectionResult([not_measured(SECTION, name, "s", None, reason) for name in NAMES])


def measure(work: Path) -> SectionResult:
    """Deploy, plan, run; the parts not reached are reported with the reason."""
    from tooling.emulator import STATE_FILE, start_emulator
    from tooling.local_deploy import PIPELINE_STACK, LocalToolchain

    record = STATE_FILE.read_text() if STATE_FILE.exists() else None
    figures: list[Figure] = []
    raw: dict[str, object] = {}
    started = time.monotonic()
    emulator = start_emulator(work / "emulator")
    try:
        with _outside_virtualenv():
            toolchain = LocalToolchain(emulator.endpoint_url, outdir=work / "cdktf.out", log_dir=work / "logs")
        try:
            toolchain.synth()
            toolchain.deploy()
        except Exception as exc:  # noqa: BLE001 - reported as the figure's reason
            lines = [line for line in str(exc).splitlines() if line.strip() and "!!" not in line]
            return skipped(f"deploy failed: {lines[0] if lines else exc!r} ... {lines[-1] if lines else ''}")
        deployed = time.monotonic() - started
        raw["toolchain_seconds"] = {step: round(s, 1) for step, s in toolchain.timings.items()}
        figures.append(
            Figure(SECTION, NAMES[0], round(deployed, 1), "s", None,
                   detail=", ".join(f"{k} {v:.0f} s" for k, v in toolchain.timings.items()))
        )
        plan_started = time.monotonic()
        changes = toolchain.plan_changes(PIPELINE_STACK)
        figures.append(
            Figure(SECTION, NAMES[1], round(time.monotonic() - plan_started, 1), "s", None,
                   detail="no changes" if changes is None else f"NOT EMPTY: {_plan_gist(changes)}")
        )
        if changes is not None:
            raw["second_plan_tail"] = changes[-6000:]
        figures.append(_pipeline(emulator.endpoint_url, toolchain.stack_dir(PIPELINE_STACK), work, raw))
    finally:
        emulator.stop()
        if record is not None and not STATE_FILE.exists():
            STATE_FILE.write_text(record)
    return SectionResult(figures, raw)


def _plan_gist(plan: str) -> str:
    """The plan's summary line and the addresses it would change."""
    changed = [line.strip().removeprefix("# ") for line in plan.splitlines() if line.strip().startswith("# ")]
    summary = next((line.strip() for line in plan.splitlines() if line.strip().startswith("Plan:")), "")
    return f"{summary} {'; '.join(changed[:8])}".strip()


def _pipeline(endpoint_url: str, stack_dir: Path, work: Path, raw: dict[str, object]) -> Figure:
    try:
        from tooling.local_pipeline import run_pipeline
    except ImportError as exc:
        return not_measured(SECTION, NAMES[2], "s", None, f"tooling.local_pipeline is not importable ({exc})")
    started = time.monotonic()
    try:
        summary = run_pipeline(endpoint_url, stack_dir, work_dir=work / "pipeline")
    except Exception as exc:  # noqa: BLE001 - reported as the figure's reason
        return not_measured(SECTION, NAMES[2], "s", None, f"the run failed: {str(exc).splitlines()[0]}")
    elapsed = time.monotonic() - started
    raw["pipeline_summary"] = summary.render()
    return Figure(
        SECTION, NAMES[2], round(elapsed, 1), "s", None,
        detail=f"{summary.transactions_posted} transactions posted, {summary.alerts_published} alerts published",
    )
