"""Helpers of the tests that race writers against the emulator (moto in server mode, real HTTP)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.dynamodb.models import DynamoDBBackend
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


_DYNAMODB_REQUESTS = ("get_item", "put_item", "query", "scan", "update_item", "transact_write_items")


@contextmanager
def moto_server(*, atomic_dynamodb: bool = False) -> Iterator[str]:
    """A moto server on a free loopback port, for the time of the block; its URL.

    DynamoDB runs each request, a TransactWriteItems included, atomically; moto 5.2 does not (it checks
    the conditions of a transaction, then applies it, and on a failure restores a copy of the whole table
    taken before, with other threads free to run in between). With `atomic_dynamodb` the server's
    DynamoDB backend runs one request at a time, as DynamoDB's isolation guarantees; racing writers still
    interleave freely between their requests, which is what such tests race on.
    """
    originals = {name: getattr(DynamoDBBackend, name) for name in _DYNAMODB_REQUESTS} if atomic_dynamodb else {}
    lock = threading.RLock()

    def one_at_a_time(method: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(*args, **kwargs)
        return run

    for name, method in originals.items():
        setattr(DynamoDBBackend, name, one_at_a_time(method))
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for name, method in originals.items():
            setattr(DynamoDBBackend, name, method)
