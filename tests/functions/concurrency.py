"""Helpers of the tests that race writers against the emulator (moto in server mode, real HTTP)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from tooling.emulator import free_port


def dynamodb_client(url: str) -> Any:
    """A DynamoDB client of its own (one per thread: boto3 clients are not shared across racing writers)."""
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def at_once(count: int, attempt: Callable[[int, Callable[[], None]], str]) -> list[str]:
    """Run `attempt(i, start)` for i in 0..count-1, each in its own thread; every attempt calls `start()`
    once it is ready, and all are released together. The outcome of each, in order."""
    barrier = threading.Barrier(count)
    outcomes = [""] * count

    def run(index: int) -> None:
        outcomes[index] = attempt(index, barrier.wait)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free loopback port, for the time of the block; its URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
