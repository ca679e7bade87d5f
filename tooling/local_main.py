"""The main job on one machine: emulator -> state bucket -> deploy -> traffic -> summary, and the
local pipeline kept live in the background.

    python -m tooling.local_main run [--keep]   # make local [KEEP=1]: samples end to end (then stay live)
    python -m tooling.local_main up             # make up: deploy and stay live, no samples
    python -m tooling.local_main status         # make status
    python -m tooling.local_main alerts         # make alerts: alerts published since the last call
    python -m tooling.local_main report [--date YYYY-MM-DD]
    python -m tooling.local_main logs [--fn NAME] [--lines N]
    python -m tooling.local_main destroy        # make down / make local-destroy
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from tooling.emulator import Emulator, running_emulator, start_emulator
from tooling.live_local import WORK_DIR, LiveError, LocalLive

if TYPE_CHECKING:  # the toolchain loads the cdktf app (seconds): only the commands that deploy import it
    from tooling.local_deploy import LocalToolchain

# A fresh emulator knows nothing of an earlier run, so neither may its synth output and state.
OUTDIR = WORK_DIR / "cdktf.out"


LIVE = LocalLive(WORK_DIR)


def _say(message: str) -> None:
    print(message, flush=True)


def _toolchain(emulator: Emulator) -> LocalToolchain:
    from tooling.local_deploy import LocalToolchain

    return LocalToolchain(emulator.endpoint_url, outdir=OUTDIR, progress_out=sys.stderr)


def _deploy(toolchain: LocalToolchain) -> None:
    from tooling.local_deploy import NETWORK_STACK, PIPELINE_STACK, REMOTE_STATE_STACKS

    _say("synthesizing stacks ...")
    toolchain.synth()
    _say(f"synthesized in {toolchain.timings['synth']:.0f} s; applying the state bucket, then the account, "
         "network and pipeline stacks (the pipeline after the network), in the emulator ...")
    toolchain.deploy()
    # The stacks' plans and state reads are independent: run side by side.
    with ThreadPoolExecutor(max_workers=len(REMOTE_STATE_STACKS)) as pool:
        plans = dict(zip(REMOTE_STATE_STACKS, pool.map(toolchain.plan_changes, REMOTE_STATE_STACKS), strict=True))
        shown = (NETWORK_STACK, PIPELINE_STACK)
        states = dict(zip(shown, pool.map(toolchain.state_list, shown), strict=True))
    for stack, changes in plans.items():
        if changes is not None:
            raise SystemExit(f"a plan right after the deploy of {stack} is not empty:\n{changes[-4000:]}")
    counts = ", ".join(f"{len(addresses)} in {stack}" for stack, addresses in states.items())
    _say(f"deployed: resources {counts}; a second plan of each stack shows no changes")


def _go_live(emulator: Emulator, toolchain: LocalToolchain, port: int) -> None:
    from tooling.local_deploy import PIPELINE_STACK

    started = time.monotonic()
    _say("starting the played Lambda service ...")
    LIVE.start_service(emulator, toolchain.stack_dir(PIPELINE_STACK), port=port)
    _say(f"live in {time.monotonic() - started:.0f} s")
    LIVE.print_ready(LIVE.write_endpoint(LIVE.service_state()))


def _deployed(work: Callable[[Emulator, LocalToolchain, float], None], *, stay_live: bool, port: int = 0) -> int:
    """Fresh emulator, synth, deploy, then `work(emulator, toolchain, started)`; then stay live (the played
    service started) or stop everything. A failure on the way stops whatever was started."""
    LIVE.refuse_if_running()
    started = time.monotonic()
    emulator = start_emulator(WORK_DIR)
    _say(f"emulator (moto) listening on {emulator.endpoint_url}")
    live = False
    try:
        shutil.rmtree(OUTDIR, ignore_errors=True)
        toolchain = _toolchain(emulator)
        _deploy(toolchain)
        work(emulator, toolchain, started)
        if stay_live:
            _go_live(emulator, toolchain, port)
            live = True
            _say(f"up in {time.monotonic() - started:.0f} s")
    finally:
        if not live:
            LIVE.stop_service()
            emulator.stop()
            _say("emulator stopped (make up and KEEP=1 keep it running)")
    return 0


def _run_samples(emulator: Emulator, toolchain: LocalToolchain, started: float) -> None:
    from tooling.local_deploy import PIPELINE_STACK
    from tooling.local_pipeline import run_pipeline  # the pipeline driver loads boto3 etc. only here

    deployed = time.monotonic()
    summary = run_pipeline(emulator.endpoint_url, toolchain.stack_dir(PIPELINE_STACK), work_dir=WORK_DIR)
    _say(summary.render())
    finished = time.monotonic()
    _say(
        f"timings: deploy {deployed - started:.0f} s (synth {toolchain.timings['synth']:.0f} s, "
        f"apply {toolchain.timings['deploy-stacks']:.0f} s), "
        f"pipeline run {finished - deployed:.0f} s, total {finished - started:.0f} s"
    )


def run(keep: bool, port: int = 0) -> int:
    """Deploy into a fresh emulator, push the sample traffic through, print the summary (then stay live)."""
    return _deployed(_run_samples, stay_live=keep, port=port)


def up(port: int = 0) -> int:
    """Deploy into a fresh emulator and keep the emulator and the played service running."""
    return _deployed(lambda *_: None, stay_live=True, port=port)


def destroy(live: LocalLive = LIVE, toolchain: LocalToolchain | None = None) -> int:
    """Stop the played service, destroy the account, network and pipeline stacks of the running emulator
    (the network after the pipeline), show their empty state, then stop the emulator.

    The state bucket itself is discarded with the emulator rather than destroyed: moto 5.2.5
    fails DeleteObjects on a versioned bucket holding delete markers (FakeDeleteMarker has no
    dispose()), so Terraform's force_destroy would retry forever.
    """
    from tooling.local_deploy import REMOTE_STATE_STACKS

    started = time.monotonic()
    live.stop_service()
    emulator = running_emulator(live.emulator_file)
    if emulator is None:
        recorded = live.recorded().emulator
        if recorded is not None:
            recorded.stop()  # a recorded emulator that no longer answers: nothing left to destroy in it
        live.emulator_file.unlink(missing_ok=True)
        _say(f"no running emulator recorded in {live.emulator_file}: nothing to destroy")
        return 0
    toolchain = toolchain or _toolchain(emulator)
    _say(f"destroying the local stacks in {emulator.endpoint_url} ...")
    toolchain.destroy()
    for stack in REMOTE_STATE_STACKS:
        remaining = toolchain.state_list(stack)
        _say(f"terraform state list ({stack}): {len(remaining)} resources" + "".join(f"\n  {r}" for r in remaining))
        if remaining:
            return 1
    emulator.stop()
    live.emulator_file.unlink(missing_ok=True)
    _say(f"emulator stopped (its state bucket goes with it); down in {time.monotonic() - started:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="deploy into a fresh emulator and run the pipeline")
    run_parser.add_argument("--keep", action="store_true", help="stay live afterwards (as make up)")
    up_parser = sub.add_parser("up", help="deploy into a fresh emulator and stay live")
    for live_parser in (run_parser, up_parser):
        live_parser.add_argument("--port", type=int, default=0, help="the API's port (default: any free one)")
    sub.add_parser("destroy", help="stop the service, destroy the deployment, stop the emulator")
    sub.add_parser("status", help="what runs, pollers and function processes")
    sub.add_parser("alerts", help="alerts published since the last call")
    report_parser = sub.add_parser("report", help="fire the daily report for a day")
    report_parser.add_argument("--date", default=None, help="YYYY-MM-DD (default: today, UTC)")
    logs_parser = sub.add_parser("logs", help="the played functions' logs")
    logs_parser.add_argument("--fn", default=None, help="only functions whose name contains this")
    logs_parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args(argv)
    commands = {
        "run": lambda: run(args.keep, args.port), "up": lambda: up(args.port), "destroy": destroy,
        "status": LIVE.status,
        "alerts": LIVE.alerts, "report": lambda: LIVE.report(args.date),
        "logs": lambda: LIVE.logs(args.fn, args.lines),
    }
    expected: tuple[type[Exception], ...] = (LiveError,)
    if args.command in ("run", "up", "destroy"):
        from tooling.local_deploy import DeployError

        expected = (LiveError, DeployError)
    try:
        return commands[args.command]()
    except expected as exc:
        print(str(exc), file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
