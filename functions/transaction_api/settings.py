"""Configuration of the transaction API, read from the environment (see functions/README.md)."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


class ConfigurationError(RuntimeError):
    """A required variable is missing or a value cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Everything the function reads from its environment."""

    table_name: str
    idempotency_table_name: str
    max_amount: Decimal
    max_body_bytes: int
    day_shards: int
    ttl_days: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Parse and check the variables; raises `ConfigurationError` naming the bad one."""
        return cls(
            table_name=_required(env, "TABLE_NAME"),
            idempotency_table_name=_required(env, "IDEMPOTENCY_TABLE_NAME"),
            max_amount=_positive_decimal(env, "MAX_AMOUNT", "1000000.00"),
            max_body_bytes=_positive_int(env, "MAX_BODY_BYTES", "10240"),
            day_shards=_positive_int(env, "DAY_SHARDS", "10"),
            ttl_days=_positive_int(env, "TRANSACTION_TTL_DAYS", "90"),
        )


@functools.cache
def get_settings() -> Settings:
    """The settings of this container, read at first use so that importing the handler never fails."""
    return Settings.from_env(os.environ)


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"{name} is not set")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: str) -> int:
    raw = env.get(name, "").strip() or default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value < 1:
        raise ConfigurationError(f"{name} must be at least 1, got {value}")
    return value


def _positive_decimal(env: Mapping[str, str], name: str, default: str) -> Decimal:
    raw = env.get(name, "").strip() or default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigurationError(f"{name} must be a decimal number, got {raw!r}") from None
    if not value.is_finite() or value <= 0:
        raise ConfigurationError(f"{name} must be a positive number, got {raw!r}")
    return value
