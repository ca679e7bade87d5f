"""Configuration of the report generator, read from the environment once per container."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

DEFAULT_TOP_N = 10


class SettingsError(RuntimeError):
    """A required environment variable is missing or malformed."""


@dataclass(frozen=True)
class ReportSettings:
    """Everything the report generator needs to know about its environment."""

    table_name: str
    day_index_name: str
    day_shards: int
    reports_bucket: str


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


@cache
def load_settings() -> ReportSettings:
    """Settings from the environment, validated on first use and cached for the container's life."""
    raw_shards = _required("DAY_SHARDS")
    try:
        shards = int(raw_shards)
    except ValueError as exc:
        raise SettingsError(
            f"environment variable DAY_SHARDS must be an integer, got {raw_shards!r}"
        ) from exc
    if shards < 1:
        raise SettingsError(f"environment variable DAY_SHARDS must be >= 1, got {shards}")
    return ReportSettings(
        table_name=_required("TABLE_NAME"),
        day_index_name=_required("DAY_INDEX_NAME"),
        day_shards=shards,
        reports_bucket=_required("REPORTS_BUCKET"),
    )
