"""Configuration of the transaction API, read from the environment (see functions/README.md)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Annotated

from fraudlib.settings import FunctionSettings, PositiveInt, RequiredText
from pydantic import Field


class ApiSettings(FunctionSettings):
    """Everything the transaction API reads from its environment."""

    table_name: RequiredText
    """The transactions table (records and per-id markers)."""
    merchant_counters_table_name: RequiredText
    """The merchant counters table: a label that turns a transaction fraud (or back) moves its
    merchant's fraud counter."""
    max_amount: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
    """Upper bound for `amount`."""
    max_body_bytes: PositiveInt
    """Request body limit in bytes; 413 above it."""
    day_shards: PositiveInt
    """Write shards of the per-day index."""
    transaction_ttl_days: PositiveInt
    """Days from receipt until an item expires."""


@functools.cache
def get_settings() -> ApiSettings:
    """The settings of this container, read at first use so that importing the handler never fails."""
    return ApiSettings.from_environ()
