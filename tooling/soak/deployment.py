"""The live local deployment a `make soak` goes through: the one `make up` left running, or one
deployed for the run and taken down after it (the system is left as it was found)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tooling.emulator import running_emulator
from tooling.live_local import LocalLive
from tooling.local_main import LIVE, OUTDIR, destroy, up
from tooling.redrive_cli import stack_outputs
from tooling.soak.run import SoakTarget


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _is_up(live: LocalLive) -> bool:
    processes = live.recorded()
    return processes.emulator_alive and processes.service_alive and live.endpoint_file.exists()


@contextmanager
def live_target(live: LocalLive = LIVE) -> Iterator[SoakTarget]:
    """The running deployment, or a fresh one (`make up`) destroyed afterwards (`make down`)."""
    from tooling.local_deploy import PIPELINE_STACK, LocalToolchain  # the toolchain: only when needed

    started_here = not _is_up(live)
    if started_here:
        _say("no live local deployment: deploying one for the soak (make up), taken down afterwards")
        if up() != 0:
            raise SystemExit("make up failed")
    try:
        emulator = running_emulator(live.emulator_file)
        if emulator is None:
            raise SystemExit("the local emulator does not answer (make status says more)")
        stack_dir = OUTDIR / "stacks" / PIPELINE_STACK
        outputs = stack_outputs(stack_dir, extra_env=LocalToolchain(emulator.endpoint_url).env)
        yield SoakTarget(live, stack_dir, outputs, emulator.endpoint_url)
    finally:
        if started_here:
            destroy(live)
