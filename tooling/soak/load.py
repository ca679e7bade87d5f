"""Sends the planned requests through the played API at a fixed rate from concurrent client threads.

Request i is due at start + i / rate; each client thread takes the next request, waits until it is
due (and, for a replay or conflict, until its original was answered), sends it and records the
answer. A slow answer delays its own client only; when every client is busy the schedule slips, and
the achieved rate says so.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tooling.soak.traffic import PlannedRequest

TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Answer:
    """What one request got."""

    index: int
    status: int
    sent_at: float
    """Epoch seconds when the request left."""
    seconds: float
    """Until the whole answer was read."""
    body: str


class ApiClient:
    """POST /transactions on the played API with the deployment's credentials (API key, or SigV4)."""

    def __init__(self, endpoint: Mapping[str, Any]) -> None:
        self.url = f"{endpoint['api_url']}/transactions"
        self._api_key = endpoint.get("api_key")
        self._signing = endpoint if endpoint.get("auth") == "iam" else None

    def _headers(self, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["x-api-key"] = self._api_key
        if self._signing is not None:
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials

            request = AWSRequest("POST", self.url, data=body, headers=headers)
            SigV4Auth(Credentials(self._signing["access_key_id"], self._signing["secret_access_key"]),
                      "execute-api", self._signing["region"]).add_auth(request)
            headers = dict(request.headers.items())
        return headers

    def post(self, body: str) -> tuple[int, str]:
        """Status and body text of one POST."""
        data = body.encode()
        request = urllib.request.Request(self.url, data=data, method="POST", headers=self._headers(data))  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - loopback
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


@dataclass(frozen=True)
class LoadResult:
    """Every answer, and the wall and CPU time of sending."""

    answers: list[Answer]
    started_at: float
    wall_seconds: float


def drive(client: ApiClient, requests: Sequence[PlannedRequest], *, rate: float, clients: int) -> LoadResult:
    """Send every request on schedule from `clients` threads; returns the answers by request index."""
    answered = [threading.Event() for _ in requests]
    answers: list[Answer | None] = [None] * len(requests)
    cursor = iter(range(len(requests)))
    cursor_lock = threading.Lock()
    started = time.time()
    monotonic_start = time.monotonic()

    def work() -> None:
        while True:
            with cursor_lock:
                index = next(cursor, None)
            if index is None:
                return
            request = requests[index]
            delay = monotonic_start + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if request.original is not None:
                answered[request.original].wait()
            sent_at, sent = time.time(), time.monotonic()
            try:
                status, body = client.post(request.body)
            except OSError as exc:  # no answer at all: recorded as status 0
                status, body = 0, f"{type(exc).__name__}: {exc}"
            answers[index] = Answer(index, status, sent_at, time.monotonic() - sent, body)
            answered[index].set()

    threads = [threading.Thread(target=work, name=f"soak-client-{n}", daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult([a for a in answers if a is not None], started, time.monotonic() - monotonic_start)
