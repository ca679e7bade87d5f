"""Outcome labels of a transaction: the events reported on it, and the label they make effective.

Pure rules (no AWS), shared by the label route that writes them and every reader of the stored item.

- A label event is (label, source, reported_at). The history keeps every event, ordered by
  `order_key`: `reported_at`, then the source's precedence (customer report < analyst < chargeback),
  so that of two events reported at the same moment by different sources the more authoritative one
  counts as the later: a chargeback is the card network's final word, an analyst's call outranks a
  customer's claim. One source cannot report two different labels at the same moment (a conflict),
  so no two events of a history share an order key and the order is total and deterministic.
- The effective label is the last event of that order: a chargeback after an analyst's call
  supersedes it, whatever order the two arrived in.
- `fraud_since` is when the transaction became (and has stayed) effectively fraud: the `reported_at`
  of the first event of the run of fraud labels that ends the history; None unless the effective
  label is fraud.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from fraudlib.timestamps import UtcMoment

Outcome = Literal["fraud", "legitimate"]
"""What a transaction turned out to be."""
LabelSource = Literal["chargeback", "analyst", "customer_report"]
"""Who reported the outcome."""

FRAUD: Outcome = "fraud"
SOURCE_PRECEDENCE: dict[str, int] = {"customer_report": 0, "analyst": 1, "chargeback": 2}
"""Tie-break of events reported at the same moment: the higher counts as the later."""
MAX_LABEL_EVENTS = 100
"""Events one transaction may hold: far beyond any real case history, and it keeps the item well
below DynamoDB's 400 KB item limit."""


class LabelEvent(BaseModel):
    """One reported outcome, as stored in the item's `labels` list (`reported_at` in the one text format)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: Outcome
    source: LabelSource
    reported_at: UtcMoment

    @property
    def order_key(self) -> tuple[datetime, int]:
        """Position in the history: time reported, then source precedence."""
        return (self.reported_at, SOURCE_PRECEDENCE[self.source])


class Verdict(StrEnum):
    """What an incoming event is to a history."""

    NEW = "new"
    """Not in the history: to be written."""
    REPLAY = "replay"
    """Already in the history (same label, source and time): nothing to write."""
    CONFLICT = "conflict"
    """The same source reported a different label at the same moment."""


@dataclass(frozen=True)
class LabelHistory:
    """The events of one transaction in `order_key` order."""

    events: tuple[LabelEvent, ...] = ()

    @classmethod
    def of(cls, events: tuple[LabelEvent, ...] | list[LabelEvent]) -> LabelHistory:
        """A history of `events` in any order."""
        return cls(tuple(sorted(events, key=lambda event: event.order_key)))

    def verdict(self, event: LabelEvent) -> Verdict:
        """Whether `event` is new, a replay of a recorded event, or in conflict with one."""
        for recorded in self.events:
            if recorded.order_key == event.order_key:
                return Verdict.REPLAY if recorded.label == event.label else Verdict.CONFLICT
        return Verdict.NEW

    def with_event(self, event: LabelEvent) -> LabelHistory:
        """This history with `event` in its place."""
        return LabelHistory.of([*self.events, event])

    @property
    def effective(self) -> LabelEvent | None:
        """The event that decides the label: the latest in `order_key` order."""
        return self.events[-1] if self.events else None

    @property
    def is_fraud(self) -> bool:
        """Whether the effective label is fraud."""
        return self.effective is not None and self.effective.label == FRAUD

    @property
    def fraud_since(self) -> datetime | None:
        """When the effective fraud label's uninterrupted run of fraud labels began, None unless fraud."""
        since = None
        for event in reversed(self.events):
            if event.label != FRAUD:
                break
            since = event.reported_at
        return since

    def fraud_change(self, before: LabelHistory) -> int:
        """+1 when this history is effectively fraud and `before` was not, -1 the other way, else 0:
        what the merchant's fraud counter must move by when `before` becomes this history."""
        return int(self.is_fraud) - int(before.is_fraud)


def epoch_seconds_up(moment: datetime) -> int:
    """`moment` as whole epoch seconds, rounded up: a label reported at 12:00:00.400 is not known at
    12:00:00, so a reader comparing with whole-second transaction times never sees it too early."""
    return math.ceil(moment.timestamp())
