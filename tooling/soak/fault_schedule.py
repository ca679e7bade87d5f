"""When each fault is on during a soak run, and what each one did.

Faults are spread over the load (a fault at a fixed share of the planned sending time), one at a
time. A window opens at its time and closes once it lasted `fault_seconds` and fired at least once
(or after `fault_max_seconds`), by rewriting the played service's fault plan
(tooling.lambda_service.faults), which the service and its function processes read on their next call.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from tooling.lambda_service.faults import (
    KILL_MID_BATCH,
    MALFORMED_STREAM_RECORD,
    REJECT_PUBLISH,
    THROTTLE_SCORE_WRITE,
    TIMEOUT,
    FaultBook,
    FaultWindow,
)
from tooling.soak.settings import SoakSettings

FAR_FUTURE = 10 ** 10


@dataclass(frozen=True)
class PlannedFault:
    """One fault of the run."""

    name: str
    kind: str
    function: str
    """Part of the function's name (analyzer, notifier)."""
    at_share: float
    """When it starts, as a share of the planned sending time."""
    limit: int | None
    description: str


FAULTS = (
    PlannedFault("alert topic rejects publishes", REJECT_PUBLISH, "notifier", 0.10, None,
                 "SNS Publish answers 500 InternalError in the notifier"),
    PlannedFault("score write-back throttled", THROTTLE_SCORE_WRITE, "analyzer", 0.25, None,
                 "UpdateItem / TransactWriteItems setting scored_at answer ProvisionedThroughputExceeded / "
                 "ThrottlingException in the analyzer"),
    PlannedFault("analyzer killed mid-batch", KILL_MID_BATCH, "analyzer", 0.40, 1,
                 "SIGKILL of the analyzer's process after a score write, with records of its batch to go"),
    PlannedFault("notifier times out", TIMEOUT, "notifier", 0.55, None,
                 "the played runtime answers Sandbox.Timedout at once instead of running the notifier"),
    PlannedFault("malformed stream record", MALFORMED_STREAM_RECORD, "analyzer", 0.70, 1,
                 "the played stream source delivers one INSERT whose NewImage holds a number that is none"),
)


@dataclass
class FaultOutcome:
    """A fault's window as it happened, and how often it fired."""

    fault: PlannedFault
    opened_at: float | None = None
    closed_at: float | None = None
    injected: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        seconds = None if self.opened_at is None or self.closed_at is None else self.closed_at - self.opened_at
        return {"fault": self.fault.name, "kind": self.fault.kind, "function": self.fault.function,
                "what": self.fault.description, "opened_at": self.opened_at, "closed_at": self.closed_at,
                "window_seconds": None if seconds is None else round(seconds, 1), "injected": self.injected}


class FaultScheduler(threading.Thread):
    """Opens and closes the faults' windows while the load runs."""

    def __init__(self, book: FaultBook, settings: SoakSettings, started_at: float,
                 faults: tuple[PlannedFault, ...] = FAULTS) -> None:
        super().__init__(name="soak-faults", daemon=True)
        self._book = book
        self._settings = settings
        self._started_at = started_at
        self._stop_event = threading.Event()
        self.outcomes = [FaultOutcome(fault) for fault in faults]
        self._windows: list[FaultWindow] = []

    def run(self) -> None:
        """Each fault in turn: wait for its time, open, keep open until done, close."""
        for outcome in self.outcomes:
            due = self._started_at + outcome.fault.at_share * self._settings.planned_seconds
            if self._stop_event.wait(max(0.0, due - time.time())):
                return
            self._open(outcome)
            minimum = outcome.opened_at + self._settings.fault_seconds  # type: ignore[operator]
            maximum = outcome.opened_at + self._settings.fault_max_seconds  # type: ignore[operator]
            while time.time() < maximum and not self._stop_event.is_set():
                if time.time() >= minimum and self._count(outcome) > 0:
                    break
                self._stop_event.wait(0.2)
            self._close(outcome)

    def _open(self, outcome: FaultOutcome) -> None:
        outcome.opened_at = time.time()
        fault = outcome.fault
        self._windows.append(FaultWindow(fault.name, fault.kind, fault.function, outcome.opened_at, FAR_FUTURE,
                                         fault.limit))
        self._book.write_plan(self._windows)

    def _close(self, outcome: FaultOutcome) -> None:
        outcome.closed_at = time.time()
        self._windows = [w if w.name != outcome.fault.name else
                         FaultWindow(w.name, w.kind, w.function, w.start, outcome.closed_at, w.limit)
                         for w in self._windows]
        self._book.write_plan(self._windows)

    def _count(self, outcome: FaultOutcome) -> int:
        return sum(1 for entry in self._book.injected() if entry.get("fault") == outcome.fault.name)

    def finish(self) -> list[FaultOutcome]:
        """Close whatever is open, stop, and count what each fault injected."""
        self._stop_event.set()
        self.join()
        for outcome in self.outcomes:
            if outcome.opened_at is not None and outcome.closed_at is None:
                self._close(outcome)
            outcome.injected = self._count(outcome)
        self._book.write_plan([w for w in self._windows if w.end <= time.time()])
        return self.outcomes
