"""Inclusive UTC date ranges given as YYYY-MM-DD:YYYY-MM-DD."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DAY = 86400


@dataclass(frozen=True)
class Period:
    """From the start of `first` to the end of `last`, UTC."""

    first: date
    last: date

    @property
    def start(self) -> int:
        """Epoch seconds of the first instant."""
        return int(datetime(self.first.year, self.first.month, self.first.day, tzinfo=UTC).timestamp())

    @property
    def end(self) -> int:
        """Epoch seconds just after the last instant."""
        return self.start + ((self.last - self.first).days + 1) * DAY

    def contains(self, timestamp: int) -> bool:
        """Whether an epoch-seconds timestamp falls in the period."""
        return self.start <= timestamp < self.end

    def days(self) -> list[date]:
        """Every date of the period."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def __str__(self) -> str:
        return f"{self.first.isoformat()}:{self.last.isoformat()}"


def parse_period(text: str) -> Period:
    """A Period from "YYYY-MM-DD:YYYY-MM-DD"; argparse.ArgumentTypeError saying what is wrong."""
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError("expected two dates separated by ':'")
        first, last = (date.fromisoformat(p.strip()) for p in parts)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not YYYY-MM-DD:YYYY-MM-DD ({exc})") from exc
    if last < first:
        raise argparse.ArgumentTypeError(f"{text!r}: the last date is before the first")
    return Period(first, last)
