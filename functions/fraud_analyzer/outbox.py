"""Alerts held back while a batch is scored, then sent ten per SendMessageBatch call.

Sending one message per record would cost one call per suspicious transaction; the outbox sends the
batch's alerts together once scoring is done, and names the records whose alert the queue did not
accept, so they are reported as batch item failures and the stream redelivers them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fraudlib.alert_message import FraudAlertMessage

Sender = Callable[[Sequence[FraudAlertMessage]], dict[int, str]]
"""Sends messages; returns {index in the sequence: reason} for those that were not accepted."""


@dataclass
class AlertOutbox:
    """The alerts of one batch, keyed by the stream sequence number of their record."""

    _pending: list[tuple[str, FraudAlertMessage]] = field(default_factory=list)
    queued: int = 0
    """Messages the queue accepted at the last flush."""

    def add(self, sequence_number: str, message: FraudAlertMessage) -> None:
        """Hold `message` of the record `sequence_number` until the batch is scored."""
        self._pending.append((sequence_number, message))

    def flush(self, send: Sender) -> dict[str, str]:
        """Send everything held; returns {sequence number: reason} of the records whose alert was refused."""
        if not self._pending:
            return {}
        failures = send([message for _, message in self._pending])
        refused = {self._pending[index][0]: reason for index, reason in sorted(failures.items())}
        self.queued = len(self._pending) - len(failures)
        self._pending.clear()
        return refused
