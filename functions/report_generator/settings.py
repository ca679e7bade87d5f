"""Configuration of the report generator, read from the environment once per container."""

from __future__ import annotations

from functools import cache

from fraudlib.settings import FunctionSettings, PositiveInt, RequiredText

DEFAULT_TOP_N = 10


class ReportSettings(FunctionSettings):
    """Everything the report generator reads from its environment."""

    table_name: RequiredText
    """The transactions table."""
    day_index_name: RequiredText
    """GSI keyed on `day_shard` + `timestamp`."""
    day_shards: PositiveInt
    """Write shards of the per-day index: every one is read."""
    reports_bucket: RequiredText
    """Bucket the report objects are written to."""


@cache
def load_settings() -> ReportSettings:
    """Settings from the environment, validated on first use and cached for the container's life."""
    return ReportSettings.from_environ()
