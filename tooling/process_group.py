"""Background processes that lead their own process group: liveness and stopping the whole group."""

from __future__ import annotations

import os
import signal
import time
from contextlib import suppress
from pathlib import Path


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
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether `pid` has exited but was never reaped. A detached service is reparented to PID 1 once its
    launcher exits, and in a container PID 1 is not always an init that reaps: such a zombie holds
    its pid and answers `kill(pid, 0)`, yet runs nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux) or gone in between: kill(pid, 0) has answered already
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def stop_process_group(pid: int, *, first: signal.Signals = signal.SIGTERM, grace_seconds: float = 15) -> None:
    """Send `first` to the group led by `pid`, wait for the leader, then SIGKILL whatever is left of the group."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, first)
    deadline = time.monotonic() + grace_seconds
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    # A killed process is not gone at once: a large one (the emulator holds every deployed resource)
    # takes a moment to release its memory on a busy machine. Return only once it is gone (or reaped).
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


KILL_WAIT_SECONDS = 10
"""How long `stop_process_group` waits for the leader to disappear after SIGKILL."""
