"""When an EventBridge schedule expression fires, at minute resolution (pure).

`cron(minutes hours day-of-month month day-of-week year)` with `*`, `?`, lists, ranges, steps and
names (JAN-DEC, SUN-SAT; day-of-week 1-7 = SUN-SAT, as EventBridge counts), and `rate(N unit)`
counted from the moment the schedule was created. `L`, `W` and `#` (last day, nearest weekday, n-th
weekday) are refused: the stacks use none of them, and a schedule that never fires must not pass
unnoticed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

_MONTHS = {n: i for i, n in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_DAYS = {n: i for i, n in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
# (low, high, names) of each cron field in order.
_FieldSpec = tuple[int, int, dict[str, int]]
_FIELDS: tuple[_FieldSpec, ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (1, 7, _DAYS), (1970, 2199, {}),
)


class UnsupportedSchedule(ValueError):
    """An expression this clock cannot evaluate."""


def _values(field: str, low: int, high: int, names: dict[str, int]) -> frozenset[int] | None:
    """The values a field admits; None for `*` / `?` (any)."""
    if field in ("*", "?"):
        return None
    try:
        return frozenset(_parse_values(field, low, high, names))
    except ValueError as exc:  # L, W, # or anything else that is not a number, name, range or step
        raise UnsupportedSchedule(f"cron field {field!r}: {exc}") from exc


def _parse_values(field: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    found: set[int] = set()
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, last = body.split("-", 1)
            start, end = names.get(first.upper()) or int(first), names.get(last.upper()) or int(last)
        else:
            start = names.get(body.upper()) or int(body)
            end = high if step_text else start
        if not low <= start <= end <= high:
            raise UnsupportedSchedule(f"cron field {field!r} is outside {low}-{high}")
        found.update(range(start, end + 1, step))
    return found


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule expression."""

    expression: str
    fields: tuple[frozenset[int] | None, ...] | None = None
    every_minutes: int | None = None

    @classmethod
    def parse(cls, expression: str) -> Schedule:
        """From `cron(...)` or `rate(...)`; UnsupportedSchedule otherwise."""
        rate = _RATE.match(expression.strip())
        if rate:
            return cls(expression, every_minutes=int(rate.group(1)) * _UNIT_MINUTES[rate.group(2).rstrip("s")])
        if not (expression.startswith("cron(") and expression.endswith(")")):
            raise UnsupportedSchedule(f"not a schedule expression: {expression!r}")
        parts = expression[5:-1].split()
        if len(parts) != 6:
            raise UnsupportedSchedule(f"{expression!r}: cron takes 6 fields")
        return cls(expression, fields=tuple(_values(p, *spec) for p, spec in zip(parts, _FIELDS, strict=True)))

    def fires_at(self, moment: datetime, *, since: datetime | None = None) -> bool:
        """Whether the schedule fires in the minute of `moment` (UTC); rates count minutes from `since`."""
        if self.every_minutes is not None:
            if since is None:
                return False
            elapsed = int((moment - since).total_seconds() // 60)
            return elapsed > 0 and elapsed % self.every_minutes == 0
        assert self.fields is not None
        minute, hour, day, month, weekday, year = self.fields
        actual = (moment.minute, moment.hour, moment.day, moment.month, moment.isoweekday() % 7 + 1, moment.year)
        return all(allowed is None or value in allowed
                   for allowed, value in zip((minute, hour, day, month, weekday, year), actual, strict=True))
