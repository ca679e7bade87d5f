"""Configuration of the notifier, read from the environment once per container."""

from __future__ import annotations

from functools import cache

from fraudlib.settings import FunctionSettings, RequiredText

# How long a sent alert suppresses a repeat for the same transaction. Redeliveries come within
# minutes (queue retries) or hours (a stream shard replayed after an outage); a day covers both.
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60


class NotifierSettings(FunctionSettings):
    """Everything the notifier reads from its environment."""

    alert_topic_arn: RequiredText
    """SNS topic the alerts go to."""
    idempotency_table_name: RequiredText
    """Powertools idempotency table (one record per alerted transaction)."""


@cache
def load_settings() -> NotifierSettings:
    """Settings from the environment, validated on first use and cached for the container's life."""
    return NotifierSettings.from_environ()
