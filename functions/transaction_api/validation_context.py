"""The run-time limits a transaction request is validated against."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

DEFAULT_MAX_AMOUNT = Decimal("1000000.00")
"""Upper bound for `amount` when the caller does not pass one (the deployed function always does)."""

MAX_FUTURE_SKEW = timedelta(minutes=5)
"""How far ahead of the server clock a transaction time may be: client clocks drift, not by hours."""

MAX_AGE = timedelta(days=30)
"""How old a transaction may be when it is submitted. Late presentment rarely exceeds a few weeks;
anything older is a client bug (e.g. a zero or a millisecond epoch misread), not a payment to score."""


@dataclass(frozen=True)
class ValidationLimits:
    """Limits that depend on configuration or on the clock, passed to pydantic as validation context."""

    max_amount: Decimal = DEFAULT_MAX_AMOUNT
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_context(self) -> dict[str, Any]:
        """The mapping handed to `model_validate(..., context=...)`."""
        return {"limits": self}

    @classmethod
    def from_context(cls, context: Any) -> ValidationLimits:
        """The limits stored in a validation context, or defaults when validating without one."""
        if isinstance(context, dict):
            limits = context.get("limits")
            if isinstance(limits, ValidationLimits):
                return limits
        return cls()
