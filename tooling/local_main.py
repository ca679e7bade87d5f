"""The main job on one machine: emulator -> state bucket -> deploy -> traffic -> summary.

    python -m tooling.local_main run [--keep]   # KEEP=1 in make: leave the emulator up
    python -m tooling.local_main destroy        # destroy what a kept run deployed; show empty state
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time

from tooling.emulator import Emulator, running_emulator, start_emulator
from tooling.local_deploy import PIPELINE_STACK, REMOTE_STATE_STACKS, REPO_ROOT, LocalToolchain

WORK_DIR = REPO_ROOT / "build" / "local"
# A fresh emulator knows nothing of an earlier run, so neither may its synth output and state.
OUTDIR = WORK_DIR / "cdktf.out"


def _say(message: str) -> None:
    print(message, flush=True)


def _deploy(toolchain: LocalToolchain) -> None:
    _say("synthesizing stacks ...")
    toolchain.synth()
    _say("deploying state bucket, account and pipeline stacks into the emulator ...")
    toolchain.deploy()
    for stack in REMOTE_STATE_STACKS:
        changes = toolchain.plan_changes(stack)
        if changes is not None:
            raise SystemExit(f"a plan right after the deploy of {stack} is not empty:\n{changes[-4000:]}")
    resources = len(toolchain.state_list(PIPELINE_STACK))
    _say(f"deployed: {resources} resources in {PIPELINE_STACK}; a second plan shows no changes")


def run(keep: bool) -> int:
    """Deploy into a fresh emulator, push the sample traffic through, print the summary."""
    from tooling.local_pipeline import run_pipeline  # the pipeline driver loads boto3 etc. only here

    started = time.monotonic()
    emulator = start_emulator(WORK_DIR)
    _say(f"emulator (moto) listening on {emulator.endpoint_url}")
    try:
        shutil.rmtree(OUTDIR, ignore_errors=True)
        toolchain = LocalToolchain(emulator.endpoint_url, outdir=OUTDIR)
        _deploy(toolchain)
        deployed = time.monotonic()
        summary = run_pipeline(emulator.endpoint_url, toolchain.stack_dir(PIPELINE_STACK), work_dir=WORK_DIR)
        _say(summary.render())
        finished = time.monotonic()
        _say(
            f"timings: deploy {deployed - started:.0f} s (synth {toolchain.timings['synth']:.0f} s, "
            f"apply {toolchain.timings['deploy-state'] + toolchain.timings['deploy-stacks']:.0f} s), "
            f"pipeline run {finished - deployed:.0f} s, total {finished - started:.0f} s"
        )
        if keep:
            _print_how_to_reach(emulator, toolchain)
    finally:
        if not keep:
            emulator.stop()
            _say("emulator stopped (KEEP=1 leaves it running)")
    return 0


def _print_how_to_reach(emulator: Emulator, toolchain: LocalToolchain) -> None:
    stack_dir = toolchain.stack_dir(PIPELINE_STACK).relative_to(REPO_ROOT)
    _say(
        "\nThe emulator stays up. To look around:\n"
        f"  export AWS_ENDPOINT_URL={emulator.endpoint_url} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "
        "AWS_DEFAULT_REGION=us-east-1\n"
        "  (any AWS SDK or CLI honours AWS_ENDPOINT_URL; the played Lambda service is not running now)\n"
        f"  cd {stack_dir} && TF_CLI_CONFIG_FILE={REPO_ROOT / 'build' / 'terraformrc'} terraform state list\n"
        "  make local-destroy    # destroy everything, show the empty state, stop the emulator"
    )


def destroy() -> int:
    """Destroy the account and pipeline stacks of the emulator a kept run left up, show their
    empty state, then stop the emulator.

    The state bucket itself is discarded with the emulator rather than destroyed: moto 5.2.5
    fails DeleteObjects on a versioned bucket holding delete markers (FakeDeleteMarker has no
    dispose()), so Terraform's force_destroy would retry forever.
    """
    emulator = running_emulator()
    if emulator is None:
        _say("no running emulator recorded in build/local/emulator.json: nothing to destroy")
        return 0
    toolchain = LocalToolchain(emulator.endpoint_url, outdir=OUTDIR)
    _say(f"destroying the local stacks in {emulator.endpoint_url} ...")
    toolchain.destroy()
    for stack in REMOTE_STATE_STACKS:
        remaining = toolchain.state_list(stack)
        _say(f"terraform state list ({stack}): {len(remaining)} resources" + "".join(f"\n  {r}" for r in remaining))
        if remaining:
            return 1
    emulator.stop()
    _say("emulator stopped (its state bucket goes with it)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="deploy into a fresh emulator and run the pipeline")
    run_parser.add_argument("--keep", action="store_true", help="leave the emulator running")
    sub.add_parser("destroy", help="destroy the kept deployment and stop the emulator")
    args = parser.parse_args(argv)
    return run(args.keep) if args.command == "run" else destroy()


if __name__ == "__main__":
    sys.exit(main())
