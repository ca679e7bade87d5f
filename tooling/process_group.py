"""Background processes that lead their own process group: liveness and stopping the whole group."""

from __future__ import annotations

import os
import signal
import time
from contextlib import suppress


def process_alive(pid: int) -> bool:
    """Whether `pid` still runs; reaps it when it is our exited child."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child (started by an earlier command): ask the kernel instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_process_group(pid: int, *, first: signal.Signals = signal.SIGTERM, grace_seconds: float = 15) -> None:
    """Send `first` to the group led by `pid`, wait for the leader, then SIGKILL whatever is left of the group."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, first)
    deadline = time.monotonic() + grace_seconds
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    process_alive(pid)
