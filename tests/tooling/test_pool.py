"""Warm environments per function: concurrent invocations in parallel, bounded, throttled past the
reserved concurrency, waiting past the local cap."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tooling.lambda_service.code_store import FunctionPackage
from tooling.lambda_service.pool import THROTTLED, FunctionPool
from tooling.lambda_service.runtime import InvocationResult


class SlowRuntime:
    """Stands in for a FunctionRuntime: each invocation takes `seconds`; counts overlap."""

    running = 0
    peak = 0
    lock = threading.Lock()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.closed = False
        self.started = False

    def ensure_started(self) -> None:
        self.started = True

    def invoke(self, event: Any) -> InvocationResult:
        with SlowRuntime.lock:
            SlowRuntime.running += 1
            SlowRuntime.peak = max(SlowRuntime.peak, SlowRuntime.running)
        time.sleep(self.seconds)
        with SlowRuntime.lock:
            SlowRuntime.running -= 1
        return InvocationResult("r", payload=event)

    def close(self) -> None:
        self.closed = True


def _package(timeout: int = 3) -> FunctionPackage:
    return FunctionPackage(name="fn", arn="arn:aws:lambda:us-east-1:123456789012:function:fn", handler="a.h",
                           runtime="python3.11", timeout_seconds=timeout, memory_mb=128, environment={},
                           code_dir=Path("."), layer_dirs=(), code_sha256="x")


@pytest.fixture(autouse=True)
def _reset() -> None:
    SlowRuntime.running = SlowRuntime.peak = 0


def _pool(reserved: int | None, cap: int, seconds: float = 0.3, timeout: int = 3) -> tuple[FunctionPool, list[Any]]:
    started: list[SlowRuntime] = []

    def start() -> Any:
        started.append(SlowRuntime(seconds))
        return started[-1]

    return FunctionPool(_package(timeout), start, reserved_concurrency=reserved, local_cap=cap), started


def test_concurrent_invocations_run_in_parallel_up_to_the_limit() -> None:
    pool, started = _pool(reserved=10, cap=4)
    begin = time.monotonic()
    with ThreadPoolExecutor(8) as executor:
        results = list(executor.map(pool.invoke, [{"n": i} for i in range(8)]))
    elapsed = time.monotonic() - begin
    assert [r.payload for r in results] == [{"n": i} for i in range(8)]
    assert len(started) == 4 and SlowRuntime.peak == 4 and pool.peak_concurrency == 4
    assert elapsed < 8 * 0.3  # not one at a time
    assert pool.throttles == 0  # past the local cap, invocations wait


def test_sequential_invocations_reuse_one_warm_environment() -> None:
    pool, started = _pool(reserved=10, cap=4, seconds=0)
    for i in range(5):
        pool.invoke({"n": i})
    assert len(started) == 1


def test_past_the_reserved_concurrency_an_invocation_is_throttled() -> None:
    pool, started = _pool(reserved=2, cap=4, seconds=0.5)
    with ThreadPoolExecutor(3) as executor:
        results = list(executor.map(pool.invoke, [{}, {}, {}]))
    throttled = [r for r in results if not r.ok]
    assert len(started) == 2 and len(throttled) == 1
    assert throttled[0].error_type == THROTTLED and pool.throttles == 1


def test_a_wait_for_the_local_cap_ends_with_the_functions_timeout() -> None:
    pool, _ = _pool(reserved=None, cap=1, seconds=1.5, timeout=1)
    with ThreadPoolExecutor(2) as executor:
        results = list(executor.map(pool.invoke, [{}, {}]))
    assert sorted(r.ok for r in results) == [False, True]


def test_warm_up_starts_processes_ahead_and_close_stops_them() -> None:
    pool, started = _pool(reserved=3, cap=4)
    pool.warm_up(5)
    assert len(started) == 3 and all(r.started for r in started) and pool.warm == 3
    pool.close()
    assert all(r.closed for r in started)
    with pytest.raises(RuntimeError, match="closed"):
        pool.invoke({})
