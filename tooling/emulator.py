"""The local AWS emulator: moto in server mode on a free loopback port.

moto's own Lambda event delivery is switched off (tooling.lambda_service plays that part).

Started with AWS managed policies loaded (MOTO_IAM_LOAD_MANAGED_POLICIES=true), because the
account stack attaches one. Stopped when the context ends unless asked to stay up; a running
emulator is recorded in `emulator.json` of its log directory (build/local/emulator.json for `make
local` and `make up`) so `make down` can find it; an emulator of the tests never touches that file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from tooling.process_group import stop_process_group

STATE_FILE = Path(__file__).resolve().parent.parent / "build" / "local" / "emulator.json"


@dataclass(frozen=True)
class Emulator:
    """A running emulator."""

    endpoint_url: str
    """Base URL every service endpoint points at."""
    pid: int
    """Process id of the server."""
    log_path: str
    """Where the server writes its request log."""
    state_file: str | None = None
    """The file that records this emulator (removed when it is stopped)."""

    def is_up(self) -> bool:
        """Whether the server answers on its management API."""
        try:
            # Not /moto-api/data.json: it answers 500 once a Lambda function exists.
            with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=2):  # noqa: S310 - loopback
                return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, grace_seconds: float = 5) -> None:
        """Stop the server's process group (SIGINT, as moto's server expects; SIGKILL after a grace period)
        and forget it."""
        stop_process_group(self.pid, first=signal.SIGINT, grace_seconds=grace_seconds)
        if self.state_file:
            Path(self.state_file).unlink(missing_ok=True)


def free_port() -> int:
    """A TCP port nobody listens on right now (on 127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_emulator(log_dir: Path, *, port: int | None = None, timeout_seconds: float = 30) -> Emulator:
    """Start moto's server on 127.0.0.1 and wait until it answers."""
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"moto-{port}.log"
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            # moto's server with its own Lambda event delivery switched off: the tooling plays the
            # Lambda service (see tooling/lambda_service/emulator_server.py for why).
            [sys.executable, "-m", "tooling.lambda_service.emulator_server", "-H", "127.0.0.1", "-p", str(port)],
            cwd=Path(__file__).resolve().parent.parent,  # where the tooling package is importable
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # not killed by a Ctrl-C meant for the caller's progress output
        )
    state_file = log_dir / "emulator.json"
    emulator = Emulator(endpoint_url=f"http://127.0.0.1:{port}", pid=process.pid, log_path=str(log_path),
                        state_file=str(state_file))
    deadline = time.monotonic() + timeout_seconds
    while not emulator.is_up():
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited with {process.returncode}; see {log_path}")
        if time.monotonic() > deadline:
            emulator.stop()
            raise TimeoutError(f"the emulator did not answer within {timeout_seconds} s; see {log_path}")
        time.sleep(0.2)
    state_file.write_text(json.dumps(asdict(emulator)))
    return emulator


def recorded_emulator(state_file: Path = STATE_FILE) -> Emulator | None:
    """The emulator recorded in `state_file`, whether it still runs or not."""
    return Emulator(**json.loads(state_file.read_text())) if state_file.exists() else None


def running_emulator(state_file: Path = STATE_FILE) -> Emulator | None:
    """The emulator a previous run left up (make up, KEEP=1), if it still answers."""
    emulator = recorded_emulator(state_file)
    return emulator if emulator is not None and emulator.is_up() else None


@contextmanager
def emulator_session(log_dir: Path, *, keep: bool = False) -> Iterator[Emulator]:
    """An emulator for the duration of the block; left running when `keep` is true."""
    emulator = start_emulator(log_dir)
    try:
        yield emulator
    finally:
        if not keep:
            emulator.stop()
