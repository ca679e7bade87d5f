"""Configuration of the fraud analyzer, read from the environment once per container."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from fraudlib.scoring import ScoringConfig

DEFAULT_HISTORY_WINDOW_DAYS = 30


class SettingsError(RuntimeError):
    """A required environment variable is missing or malformed."""


@dataclass(frozen=True)
class AnalyzerSettings:
    """Everything the analyzer needs to know about its environment."""

    table_name: str
    customer_index_name: str
    fraud_queue_url: str
    history_window_days: int
    scoring: ScoringConfig


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"environment variable {name} must be an integer, got {raw!r}") from exc
    if value < 1:
        raise SettingsError(f"environment variable {name} must be >= 1, got {value}")
    return value


@cache
def load_settings() -> AnalyzerSettings:
    """Settings from the environment, validated on first use and cached for the container's life.

    A bad SCORING_OVERRIDES raises ScoringConfigError here, i.e. on the cold start's first event,
    instead of silently scoring with defaults.
    """
    return AnalyzerSettings(
        table_name=_required("TABLE_NAME"),
        customer_index_name=_required("CUSTOMER_INDEX_NAME"),
        fraud_queue_url=_required("FRAUD_QUEUE_URL"),
        history_window_days=_positive_int("HISTORY_WINDOW_DAYS", DEFAULT_HISTORY_WINDOW_DAYS),
        scoring=ScoringConfig.from_overrides(os.environ.get("SCORING_OVERRIDES")),
    )
