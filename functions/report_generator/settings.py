"""Configuration of the report generator, read from the environment once per container."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from fraudlib.environment import SettingsError, positive_int, required

__all__ = ["ReportSettings", "SettingsError", "load_settings"]

DEFAULT_TOP_N = 10


@dataclass(frozen=True)
class ReportSettings:
    """Everything the report generator needs to know about its environment."""

    table_name: str
    day_index_name: str
    day_shards: int
    reports_bucket: str


@cache
def load_settings() -> ReportSettings:
    """Settings from the environment, validated on first use and cached for the container's life."""
    return ReportSettings(
        table_name=required("TABLE_NAME"),
        day_index_name=required("DAY_INDEX_NAME"),
        day_shards=positive_int("DAY_SHARDS"),
        reports_bucket=required("REPORTS_BUCKET"),
    )
