"""Batch bookkeeping of event source mappings: which items failed, what to retry, when to give up (pure).

Partial batch responses follow Lambda's rules (FunctionResponseTypes = ReportBatchItemFailures):
the batch succeeded when the response is null, not an object, or has a null/empty
`batchItemFailures`; it failed as a whole when the function raised, or when an entry has a missing,
empty or unknown `itemIdentifier` (the response cannot be trusted). Without ReportBatchItemFailures
the response is ignored: only a function error fails the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

R = TypeVar("R")

# MaximumRetryAttempts -1 means "until the record expires", which an emulation without a clock
# cannot wait for; such batches are retried this many times instead.
UNBOUNDED_RETRIES_CAP = 10


class Outcome(Protocol):
    """What the bookkeeping needs from an invocation result."""

    @property
    def ok(self) -> bool:
        """Whether the function returned (did not raise or time out)."""

    @property
    def payload(self) -> Any:
        """What the function returned."""


def failed_items(item_ids: Sequence[str], outcome: Outcome, report_item_failures: bool) -> list[str]:
    """The ids (in batch order) of the items to treat as failed; every id for a whole-batch failure."""
    if not outcome.ok:
        return list(item_ids)
    if not report_item_failures or not isinstance(outcome.payload, dict):
        return []
    entries = outcome.payload.get("batchItemFailures")
    if not entries:
        return []
    if not isinstance(entries, list):
        return list(item_ids)
    reported = set()
    for entry in entries:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or identifier not in item_ids:
            return list(item_ids)
        reported.add(identifier)
    return [i for i in item_ids if i in reported]


def first_failed_index(item_ids: Sequence[str], outcome: Outcome, report_item_failures: bool) -> int | None:
    """For a stream batch: the index to retry from (the lowest failed sequence number), None on success."""
    failed = failed_items(item_ids, outcome, report_item_failures)
    return item_ids.index(failed[0]) if failed else None


@dataclass(frozen=True)
class StreamRetryPolicy:
    """The retry settings of a stream mapping."""

    max_retries: int
    bisect_on_error: bool
    report_item_failures: bool

    @property
    def retries(self) -> int:
        """Retries per batch (MaximumRetryAttempts, with -1 capped: see UNBOUNDED_RETRIES_CAP)."""
        return UNBOUNDED_RETRIES_CAP if self.max_retries < 0 else self.max_retries


@dataclass(frozen=True)
class GiveUp(Generic[R]):
    """A batch the mapping stops retrying: it goes to the on-failure destination."""

    records: list[R]
    invoke_count: int
    last_outcome: Any


class StreamBatchRunner(Generic[R]):
    """Delivers one stream batch the way Lambda does for a shard.

    - success: checkpoint after the batch;
    - partial failure: checkpoint before the first failed record and retry from it;
    - with BisectBatchOnFunctionError, a failing batch of several records is split in two and each half
      is delivered on its own (splitting does not use up retries, as in Lambda), which isolates a bad
      record in a batch of its own;
    - a batch still failing after MaximumRetryAttempts retries is given up (on-failure destination) and
      skipped, so one bad record never blocks the shard.
    """

    def __init__(
        self,
        policy: StreamRetryPolicy,
        invoke: Callable[[list[R]], Outcome],
        sequence_of: Callable[[R], str],
        checkpoint: Callable[[R], None],
        give_up: Callable[[GiveUp[R]], None],
    ) -> None:
        self._policy = policy
        self._invoke = invoke
        self._sequence_of = sequence_of
        self._checkpoint = checkpoint
        self._give_up = give_up

    def run(self, batch: list[R]) -> None:
        """Deliver `batch` (contiguous records of one shard, in order) until done or given up."""
        self._run(list(batch), self._policy.retries)

    def _run(self, batch: list[R], retries_left: int) -> None:
        invokes = 0
        while batch:
            outcome = self._invoke(batch)
            invokes += 1
            ids = [self._sequence_of(r) for r in batch]
            failed_at = first_failed_index(ids, outcome, self._policy.report_item_failures)
            if failed_at is None:
                self._checkpoint(batch[-1])
                return
            if failed_at > 0:
                self._checkpoint(batch[failed_at - 1])
                batch = batch[failed_at:]
            if self._policy.bisect_on_error and len(batch) > 1:
                middle = len(batch) // 2
                self._run(batch[:middle], retries_left)
                self._run(batch[middle:], retries_left)
                return
            if retries_left <= 0:
                self._give_up(GiveUp(records=batch, invoke_count=invokes, last_outcome=outcome))
                self._checkpoint(batch[-1])
                return
            retries_left -= 1
