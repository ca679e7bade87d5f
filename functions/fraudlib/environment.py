"""Reading a function's settings from its environment: one rule for missing and malformed values."""

from __future__ import annotations

import os


class SettingsError(RuntimeError):
    """A required environment variable is missing or malformed."""


def required(name: str) -> str:
    """The stripped value of `name`; SettingsError when it is unset or blank."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


def positive_int(name: str, default: int | None = None) -> int:
    """`name` as an integer >= 1; `default` when unset (required when there is no default)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        if default is None:
            raise SettingsError(f"environment variable {name} is required")
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"environment variable {name} must be an integer, got {raw!r}") from exc
    if value < 1:
        raise SettingsError(f"environment variable {name} must be >= 1, got {value}")
    return value
