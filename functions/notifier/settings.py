"""Configuration of the notifier, read from the environment once per container."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

# How long a sent alert suppresses a repeat for the same transaction. Redeliveries come within
# minutes (queue retries) or hours (a stream shard replayed after an outage); a day covers both.
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60


class SettingsError(RuntimeError):
    """A required environment variable is missing."""


@dataclass(frozen=True)
class NotifierSettings:
    """Everything the notifier needs to know about its environment."""

    alert_topic_arn: str
    idempotency_table_name: str


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


@cache
def load_settings() -> NotifierSettings:
    """Settings from the environment, validated on first use and cached for the container's life."""
    return NotifierSettings(
        alert_topic_arn=_required("ALERT_TOPIC_ARN"),
        idempotency_table_name=_required("IDEMPOTENCY_TABLE_NAME"),
    )
