"""boto3 clients for the emulator: one endpoint, dummy credentials, one region."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_REGION = "us-east-1"
# The emulator checks no credentials; these only satisfy botocore's signer.
DUMMY_ACCESS_KEY = "test"
DUMMY_SECRET_KEY = "test"  # noqa: S105 - not a secret: the emulator ignores credentials


@dataclass
class EmulatorClients:
    """Creates (and caches) boto3 clients pointed at the emulator."""

    endpoint_url: str
    region: str = DEFAULT_REGION
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    # boto3's default session is not thread-safe: clients are created one at a time (using them is safe).
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str) -> Any:
        """A client for `service` ("lambda", "sqs", "dynamodbstreams", ...); safe to call from many threads."""
        with self._lock:
            return self._client(service)

    def _client(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = boto3.client(
                service,
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id=DUMMY_ACCESS_KEY,
                aws_secret_access_key=DUMMY_SECRET_KEY,
                # No retries hiding an emulator error, and no long waits on a dead emulator.
                config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60),
            )
        return self._cache[service]

    def function_environment(self) -> dict[str, str]:
        """Variables that point the AWS SDK inside a function at the emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_KEY,
            "AWS_SESSION_TOKEN": "emulator",
        }
