"""Configuration of the fraud analyzer, read from the environment once per container."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from fraudlib.environment import SettingsError, positive_int, required
from fraudlib.scoring import ScoringConfig

__all__ = ["AnalyzerSettings", "SettingsError", "load_settings"]

DEFAULT_HISTORY_WINDOW_DAYS = 30


@dataclass(frozen=True)
class AnalyzerSettings:
    """Everything the analyzer needs to know about its environment."""

    table_name: str
    customer_index_name: str
    fraud_queue_url: str
    history_window_days: int
    scoring: ScoringConfig


@cache
def load_settings() -> AnalyzerSettings:
    """Settings from the environment, validated on first use and cached for the container's life.

    A bad SCORING_OVERRIDES raises ScoringConfigError here, i.e. on the cold start's first event,
    instead of silently scoring with defaults.
    """
    return AnalyzerSettings(
        table_name=required("TABLE_NAME"),
        customer_index_name=required("CUSTOMER_INDEX_NAME"),
        fraud_queue_url=required("FRAUD_QUEUE_URL"),
        history_window_days=positive_int("HISTORY_WINDOW_DAYS", DEFAULT_HISTORY_WINDOW_DAYS),
        scoring=ScoringConfig.from_overrides(os.environ.get("SCORING_OVERRIDES")),
    )
