"""The Lambda service as the event sources see it: invoke a deployed function by name or ARN."""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tooling.lambda_service.clients import EmulatorClients
from tooling.lambda_service.code_store import ArtifactLocator, CodeStore, FunctionPackage
from tooling.lambda_service.faults import FAULTS_DIR_VARIABLE, TIMEOUT, FaultBook
from tooling.lambda_service.pool import FunctionPool
from tooling.lambda_service.runtime import FunctionRuntime, InvocationResult, runtime_environment

# Execution environments per function at most, whatever its reserved concurrency (one machine).
DEFAULT_LOCAL_CAP = 4


def function_name_of(name_or_arn: str) -> str:
    """The function name in a name, a function ARN, or a qualified function ARN."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn


@dataclass(frozen=True)
class Invocation:
    """One invocation: which function, the event it got, what came of it."""

    function_name: str
    event: Any
    result: InvocationResult


@dataclass
class InvocationLog:
    """Every invocation made, in order (what a test or a summary inspects); the oldest are dropped
    beyond `keep` (a long-running service must not hold every event it ever delivered)."""

    entries: list[Invocation] = field(default_factory=list)
    keep: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, entry: Invocation) -> None:
        """Append one invocation (thread-safe)."""
        with self._lock:
            self.entries.append(entry)
            if self.keep is not None and len(self.entries) > self.keep:
                del self.entries[: len(self.entries) - self.keep]

    def of(self, function_name: str) -> list[Invocation]:
        """The invocations of one function."""
        return [entry for entry in self.entries if entry.function_name == function_name]


class LambdaService:
    """Runs deployed functions in warm subprocesses, configured from the emulator.

    `work_dir` holds the unpacked code cache (`code/`), one log file per function (`logs/`) and the
    faults directory (`faults/`: a plan of faults to inject, see tooling.lambda_service.faults).
    Each function gets a FunctionPool: as many warm processes as concurrent invocations need, up to
    its reserved concurrency and `local_cap`; `invoke` may be called from many threads.
    """

    def __init__(self, clients: EmulatorClients, stack_dir: Path, work_dir: Path, *,
                 local_cap: int = DEFAULT_LOCAL_CAP, keep_invocations: int | None = None,
                 faults_dir: Path | None = None) -> None:
        self.clients = clients
        self.work_dir = work_dir
        self.local_cap = local_cap
        self._store = CodeStore(clients, ArtifactLocator(stack_dir, clients.client("s3")), work_dir / "code")
        self._pools: dict[str, FunctionPool] = {}
        self._pools_lock = threading.Lock()
        self._overrides: dict[str, dict[str, str]] = {}
        self.invocations = InvocationLog(keep=keep_invocations)
        # Another service's directory may be named, so that both inject and note into one place.
        self.faults = FaultBook(faults_dir or work_dir / "faults")

    def package(self, name_or_arn: str) -> FunctionPackage:
        """The deployed function's configuration and unpacked code."""
        return self.pool(name_or_arn).package

    def log_path(self, name_or_arn: str) -> Path:
        """Where the function's output (logs, metrics) is written."""
        return self.work_dir / "logs" / f"{function_name_of(name_or_arn)}.log"

    def pool(self, name_or_arn: str) -> FunctionPool:
        """The warm processes of one function (created, without a process yet, on first use)."""
        name = function_name_of(name_or_arn)
        with self._pools_lock:
            pool = self._pools.get(name)
            if pool is None:
                package = self._store.package(name)
                environment = runtime_environment(
                    package, self.clients.function_environment(), self._overrides.get(name, {})
                ) | {FAULTS_DIR_VARIABLE: str(self.faults.directory)}
                log_path = self.log_path(name)

                def start() -> FunctionRuntime:
                    return FunctionRuntime(package, environment, log_path)

                pool = FunctionPool(package, start, reserved_concurrency=package.reserved_concurrency,
                                    local_cap=self.local_cap)
                self._pools[name] = pool
            return pool

    def pools(self) -> dict[str, FunctionPool]:
        """The pools created so far, by function name."""
        with self._pools_lock:
            return dict(self._pools)

    def invoke(self, name_or_arn: str, event: Any) -> InvocationResult:
        """Invoke synchronously (RequestResponse); the event must be JSON-serializable."""
        name = function_name_of(name_or_arn)
        # A round trip through JSON, as the real service does: no Python object reaches the handler.
        delivered = json.loads(json.dumps(event))
        if self.faults.take(TIMEOUT, name):
            # An injected timeout, reported at once: the handler does not run (a real one would be
            # killed at its deadline, after running for the function's whole timeout).
            result = InvocationResult(str(uuid.uuid4()), error={
                "errorType": "Sandbox.Timedout", "errorMessage": "Task timed out (injected fault)"})
        else:
            result = self.pool(name).invoke(delivered)
        self.invocations.record(Invocation(name, delivered, result))
        return result

    @contextlib.contextmanager
    def environment_override(self, name_or_arn: str, variables: Mapping[str, str]) -> Iterator[None]:
        """Run a function with some variables replaced, in fresh processes, for the duration of the block.

        Nothing in the emulator changes: this is how a test injects a fault (e.g. a topic that does not
        exist) without drifting the deployment. The override's processes are stopped afterwards.
        """
        name = function_name_of(name_or_arn)
        self._drop(name)
        self._overrides[name] = dict(variables)
        try:
            yield
        finally:
            self._overrides.pop(name, None)
            self._drop(name)

    def _drop(self, name: str) -> None:
        with self._pools_lock:
            pool = self._pools.pop(name, None)
        if pool is not None:
            pool.close()

    def close(self) -> None:
        """Stop every function process."""
        for name in list(self.pools()):
            self._drop(name)

    def __enter__(self) -> LambdaService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
