"""Configuration of the notifier, read from the environment once per container."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from fraudlib.environment import SettingsError, required

__all__ = ["NotifierSettings", "SettingsError", "load_settings"]

# How long a sent alert suppresses a repeat for the same transaction. Redeliveries come within
# minutes (queue retries) or hours (a stream shard replayed after an outage); a day covers both.
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class NotifierSettings:
    """Everything the notifier needs to know about its environment."""

    alert_topic_arn: str
    idempotency_table_name: str


@cache
def load_settings() -> NotifierSettings:
    """Settings from the environment, validated on first use and cached for the container's life."""
    return NotifierSettings(
        alert_topic_arn=required("ALERT_TOPIC_ARN"),
        idempotency_table_name=required("IDEMPOTENCY_TABLE_NAME"),
    )
