"""EventBridge schedule expressions, evaluated per minute."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tooling.lambda_service.schedule_clock import Schedule, UnsupportedSchedule


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_daily_midnight_cron_fires_once_a_day() -> None:
    daily = Schedule.parse("cron(0 0 * * ? *)")
    assert daily.fires_at(_at("2026-11-30T00:00:00"))
    assert not daily.fires_at(_at("2026-11-30T00:01:00"))
    assert not daily.fires_at(_at("2026-11-30T12:00:00"))


def test_day_of_week_counts_sunday_as_one_and_takes_names() -> None:
    weekdays = Schedule.parse("cron(30 8 ? * MON-FRI *)")
    assert weekdays.fires_at(_at("2026-11-30T08:30:00"))  # a Monday
    assert not weekdays.fires_at(_at("2026-11-29T08:30:00"))  # a Sunday
    assert Schedule.parse("cron(0 9 ? * 1 *)").fires_at(_at("2026-11-29T09:00:00"))


def test_lists_ranges_and_steps() -> None:
    every_quarter = Schedule.parse("cron(0/15 9-17 1,15 JAN,NOV ? 2026)")
    assert every_quarter.fires_at(_at("2026-11-15T17:45:00"))
    assert not every_quarter.fires_at(_at("2026-11-15T17:50:00"))
    assert not every_quarter.fires_at(_at("2027-11-15T17:45:00"))


def test_rates_count_from_when_the_clock_started() -> None:
    every_five = Schedule.parse("rate(5 minutes)")
    since = _at("2026-11-30T10:00:00")
    assert every_five.fires_at(_at("2026-11-30T10:05:00"), since=since)
    assert not every_five.fires_at(_at("2026-11-30T10:04:00"), since=since)
    assert not every_five.fires_at(_at("2026-11-30T10:00:00"), since=since)
    assert Schedule.parse("rate(1 hour)").fires_at(_at("2026-11-30T11:00:00"), since=since)


@pytest.mark.parametrize("expression", ["cron(0 0 L * ? *)", "cron(0 0 ? * 2#1 *)", "cron(0 0 * *)", "at(2026)",
                                        "cron(61 0 * * ? *)"])
def test_what_cannot_be_evaluated_is_refused(expression: str) -> None:
    with pytest.raises(UnsupportedSchedule):
        Schedule.parse(expression)
