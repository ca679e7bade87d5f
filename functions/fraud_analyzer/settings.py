"""Configuration of the fraud analyzer, read from the environment once per container."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fraudlib.scoring import ScoringConfig
from fraudlib.settings import FunctionSettings, PositiveInt, RequiredText
from pydantic import BeforeValidator, ConfigDict, Field

OPTIONAL_VARIABLES = frozenset({"SCORING_OVERRIDES"})
"""Variables an operator may add to tune one environment; the stack does not set them."""


def _scoring(value: Any) -> ScoringConfig:
    # ScoringConfigError is a ValueError: pydantic reports it as this variable's error.
    return value if isinstance(value, ScoringConfig) else ScoringConfig.from_overrides(value)


class AnalyzerSettings(FunctionSettings):
    """Everything the analyzer reads from its environment."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    table_name: RequiredText
    """The transactions table (score updates)."""
    customer_index_name: RequiredText
    """GSI keyed on `customer_id` + `timestamp` (customer history)."""
    merchant_counters_table_name: RequiredText
    """Per-merchant daily counters: read for the batch's merchants, +1 per transaction scored."""
    fraud_queue_url: RequiredText
    """Where review and block alerts go."""
    history_window_days: PositiveInt
    """How far back a customer's history is read."""
    pseudonym_key_id: RequiredText
    """KMS HMAC key whose MAC of a fixed context is the secret of the customer pseudonyms in logs."""
    scoring: Annotated[ScoringConfig, BeforeValidator(_scoring)] = Field(
        default_factory=ScoringConfig, alias="SCORING_OVERRIDES"
    )
    """Scoring thresholds and weights: the defaults, with the JSON object in SCORING_OVERRIDES applied.
    A bad value fails on the cold start's first event instead of silently scoring with defaults."""


@cache
def load_settings() -> AnalyzerSettings:
    """Settings from the environment, validated on first use and cached for the container's life."""
    return AnalyzerSettings.from_environ()
