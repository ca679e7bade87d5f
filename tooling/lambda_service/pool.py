"""Warm execution environments of one function, used concurrently (Lambda's scaling, on one machine).

Lambda runs one invocation per execution environment at a time and starts another environment when
all are busy, up to the function's reserved concurrency; beyond it, a synchronous invoke is throttled
(TooManyRequestsException). The pool does the same with processes, bounded by the smaller of the
reserved concurrency and a local cap (a laptop is not a fleet). When only the local cap is reached,
an invocation waits for a process to free up (the machine's limit, not the deployment's), for at
most the function's timeout; when the reserved concurrency is reached, it is throttled at once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from tooling.lambda_service.code_store import FunctionPackage
from tooling.lambda_service.runtime import FunctionRuntime, InvocationResult

THROTTLED = "TooManyRequestsException"


class FunctionPool:
    """Up to `limit` warm FunctionRuntimes of one package; `invoke` is safe to call from many threads."""

    def __init__(self, package: FunctionPackage, start: Callable[[], FunctionRuntime], *,
                 reserved_concurrency: int | None, local_cap: int) -> None:
        if local_cap < 1:
            raise ValueError("local_cap must be >= 1")
        self.package = package
        self._start = start
        self.reserved_concurrency = reserved_concurrency
        self.limit = min(local_cap, reserved_concurrency) if reserved_concurrency else local_cap
        self._limited_by_reservation = reserved_concurrency is not None and reserved_concurrency <= local_cap
        self._idle: list[FunctionRuntime] = []
        self._all: list[FunctionRuntime] = []
        self._busy = 0
        self._closed = False
        self._condition = threading.Condition()
        self.throttles = 0
        self.peak_concurrency = 0

    @property
    def warm(self) -> int:
        """Execution environments started so far (idle or busy)."""
        with self._condition:
            return len(self._all)

    def warm_up(self, count: int = 1) -> None:
        """Start up to `count` environments ahead of the first invocation (their imports run later, at once)."""
        with self._condition:
            while len(self._all) < min(count, self.limit):
                runtime = self._start()
                runtime.ensure_started()
                self._all.append(runtime)
                self._idle.append(runtime)

    def invoke(self, event: Any) -> InvocationResult:
        """Invoke on a free environment, starting one if the limit allows; throttle or wait otherwise."""
        runtime = self._checkout()
        if runtime is None:
            return InvocationResult(
                str(uuid.uuid4()),
                error={"errorType": THROTTLED,
                       "errorMessage": f"Rate Exceeded: {self.package.name} is at its concurrency limit "
                                       f"({self.limit})"},
            )
        try:
            return runtime.invoke(event)
        finally:
            with self._condition:
                self._busy -= 1
                if self._closed:
                    runtime.close()
                else:
                    self._idle.append(runtime)
                    self._condition.notify()

    def _checkout(self) -> FunctionRuntime | None:
        deadline = time.monotonic() + self.package.timeout_seconds
        with self._condition:
            while True:
                if self._closed:
                    raise RuntimeError(f"the pool of {self.package.name} is closed")
                if self._idle:
                    runtime = self._idle.pop()
                    break
                if len(self._all) < self.limit:
                    runtime = self._start()
                    self._all.append(runtime)
                    break
                remaining = deadline - time.monotonic()
                if self._limited_by_reservation or remaining <= 0:
                    self.throttles += 1
                    return None
                self._condition.wait(timeout=remaining)
            self._busy += 1
            self.peak_concurrency = max(self.peak_concurrency, self._busy)
            return runtime

    def close(self) -> None:
        """Stop the idle environments now and the busy ones as their invocations end."""
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
            self._condition.notify_all()
        for runtime in idle:
            runtime.close()
