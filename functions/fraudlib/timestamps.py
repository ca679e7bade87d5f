"""The one text format of a moment in stored items and messages: ISO 8601, UTC, milliseconds, `Z`.

Example: `2026-05-01T12:30:00.123Z`. Text in this format sorts in time order, and every writer
uses it, so `received_at` and `scored_at` of one item can be compared as strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer


def utc_text(moment: datetime) -> str:
    """`moment` (timezone-aware) as `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    if moment.tzinfo is None:
        raise ValueError("a stored moment must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("must carry a timezone (stored moments end in Z)")
    return moment.astimezone(UTC)


UtcMoment = Annotated[datetime, AfterValidator(_aware), PlainSerializer(utc_text, return_type=str)]
"""A pydantic field type: parsed from ISO 8601 text with an offset, written in the one format."""
