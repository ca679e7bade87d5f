"""One warm "container" per function: a long-lived subprocess serving invocations over pipes.

Like Lambda's execution environment: the handler module is imported once (cold start), state kept at
module level survives between invocations, and a timed-out or crashed process is replaced by a fresh
one for the next invocation.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tooling.lambda_service.code_store import FunctionPackage

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")


@dataclass(frozen=True)
class InvocationResult:
    """The outcome of one invocation: the handler's return value, or its error."""

    request_id: str
    payload: Any = None
    error: Mapping[str, Any] | None = None
    duration_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the handler returned (a function error is not ok)."""
        return self.error is None

    @property
    def error_type(self) -> str | None:
        """errorType of a failed invocation ("Sandbox.Timedout" for a timeout)."""
        return None if self.error is None else str(self.error.get("errorType"))


def runtime_environment(
    package: FunctionPackage, emulator_env: Mapping[str, str], overrides: Mapping[str, str]
) -> dict[str, str]:
    """The process environment: the function's variables, then what Lambda itself sets.

    Lambda's reserved variables win over the function's own, as in the real service; the tracer is
    switched off because there is no X-Ray daemon to send segments to.
    """
    python_path = [str(package.code_dir), *(str(d / "python") for d in package.layer_dirs)]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        **package.environment,
        **overrides,
        **emulator_env,
        "_HANDLER": package.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{package.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": package.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(package.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(package.timeout_seconds),
        "AWS_LAMBDA_LOG_GROUP_NAME": package.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
        "LAMBDA_FUNCTION_ARN": package.arn,
        "LAMBDA_TASK_ROOT": str(package.code_dir),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONPATH": os.pathsep.join(python_path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    return env


class FunctionRuntime:
    """A warm process for one function; `invoke` runs the handler with the function's timeout."""

    def __init__(
        self,
        package: FunctionPackage,
        environment: Mapping[str, str],
        log_path: Path,
        python: str = sys.executable,
    ) -> None:
        self.package = package
        self._environment = dict(environment)
        self._log_path = log_path
        self._python = python
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None
        self.cold_starts = 0

    def _start(self) -> subprocess.Popen[str]:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._log is None:
            self._log = self._log_path.open("a", encoding="utf-8")
        self.cold_starts += 1
        self._process = subprocess.Popen(  # noqa: S603 - our interpreter and our bootstrap, no shell
            [self._python, "-s", str(BOOTSTRAP)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=self._environment,
            cwd=self.package.code_dir,
            text=True,
        )
        return self._process

    def ensure_started(self) -> subprocess.Popen[str]:
        """The running process, started (its handler module imported at once) when there is none."""
        return self._process if self._process and self._process.poll() is None else self._start()

    def invoke(self, event: Any) -> InvocationResult:
        """Run the handler on `event`; a timeout kills the process (the next call starts a new one)."""
        process = self.ensure_started()
        assert process.stdin is not None and process.stdout is not None
        request_id = str(uuid.uuid4())
        timeout = self.package.timeout_seconds
        started = time.monotonic()
        deadline_ms = int(time.time() * 1000) + timeout * 1000
        try:
            process.stdin.write(json.dumps({"event": event, "request_id": request_id, "deadline_ms": deadline_ms})
                                + "\n")
            process.stdin.flush()
        except BrokenPipeError:
            return self._crashed(request_id, started)
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=timeout)
        if not ready:
            process.kill()  # Lambda does not wait for a timed-out handler either
            self.stop()
            return InvocationResult(
                request_id,
                error={"errorType": "Sandbox.Timedout",
                       "errorMessage": f"Task timed out after {timeout:.2f} seconds"},
                duration_seconds=time.monotonic() - started,
            )
        line = process.stdout.readline()
        if not line:
            return self._crashed(request_id, started)
        reply = json.loads(line)
        duration = time.monotonic() - started
        if reply.get("ok"):
            return InvocationResult(request_id, payload=reply.get("result"), duration_seconds=duration)
        reply.pop("ok", None)
        return InvocationResult(request_id, error=reply, duration_seconds=duration)

    def _crashed(self, request_id: str, started: float) -> InvocationResult:
        code = self._process.wait() if self._process else None
        self._process = None
        return InvocationResult(
            request_id,
            error={"errorType": "Runtime.ExitError",
                   "errorMessage": f"process exited with status {code} (see {self._log_path})"},
            duration_seconds=time.monotonic() - started,
        )

    def stop(self) -> None:
        """End the process (closing stdin lets it exit; it is killed if it does not)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            try:
                if process.stdin:
                    process.stdin.close()
                process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()

    def close(self) -> None:
        """Stop the process and close the log."""
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None
