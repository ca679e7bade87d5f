"""Which UTC day a report covers, from the scheduler's event."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidReportDateError(ValueError):
    """The event names a day (or a time) that cannot be understood."""


def report_day(event: Mapping[str, Any], now: datetime | None = None) -> date:
    """The day to report on.

    - {"date": "YYYY-MM-DD"}: that day (manual runs and backfills);
    - otherwise the UTC day before the event's `time` (the daily 00:00 UTC schedule reports on the
      day that just ended);
    - otherwise (an ad-hoc invocation with an empty event) the day before `now`.
    """
    if "date" in event:
        raw = event["date"]
        if not isinstance(raw, str) or not _DATE.match(raw):
            raise InvalidReportDateError(f"'date' must be a YYYY-MM-DD string, got {raw!r}")
        try:
            return date.fromisoformat(raw)
        except ValueError as exc:
            raise InvalidReportDateError(f"'date' is not a calendar date: {raw!r}") from exc
    raw_time = event.get("time")
    if raw_time is None:
        moment = now or datetime.now(UTC)
    else:
        if not isinstance(raw_time, str):
            raise InvalidReportDateError(f"'time' must be an ISO 8601 string, got {raw_time!r}")
        try:
            moment = datetime.fromisoformat(raw_time.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidReportDateError(f"'time' is not an ISO 8601 time: {raw_time!r}") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return (moment.astimezone(UTC) - timedelta(days=1)).date()


def day_bounds(day: date) -> tuple[int, int]:
    """First and last epoch second of a UTC day (both inclusive)."""
    start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    return start, start + 86399
