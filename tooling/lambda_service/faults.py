"""Faults injected into the played Lambda service over time windows, and what was injected (soak tests).

A fault plan is a JSON file (`plan.json` in the faults directory) that a test writes while the played
service runs; every reader looks at it again when it changes, so faults start and stop without a
restart. Each window names a kind of fault, the functions it applies to (a part of the function
name), when it starts and ends (epoch seconds) and how many times at most it fires. Two places read it:

- the played service itself (`LambdaService.invoke`: an immediate timeout result; the stream source:
  a malformed stream record);
- the function processes, through botocore event hooks that the bootstrap installs when the
  environment names a faults directory (`install_botocore_hooks`): a rejected SNS Publish, a
  throttled score write-back, the process killed after a score write with records of its batch
  still to go. The same hooks note every score write that succeeded (`score-writes.jsonl`), so the
  soak can tell how often each transaction was scored.

Every injection is appended to `injected.jsonl` (one JSON line each); counting them under a file lock
is how `limit` holds across processes. This module imports only the standard library at load time:
the bootstrap loads it by path into the function's process, where the tooling is not importable.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FAULTS_DIR_VARIABLE = "LOCAL_FAULTS_DIR"
"""Environment variable naming the faults directory in a function's process."""
PLAN_FILE = "plan.json"
INJECTED_FILE = "injected.jsonl"
SCORE_WRITES_FILE = "score-writes.jsonl"

REJECT_PUBLISH = "reject_publish"
THROTTLE_SCORE_WRITE = "throttle_score_write"
KILL_MID_BATCH = "kill_mid_batch"
TIMEOUT = "timeout"
MALFORMED_STREAM_RECORD = "malformed_stream_record"
KINDS = (REJECT_PUBLISH, THROTTLE_SCORE_WRITE, KILL_MID_BATCH, TIMEOUT, MALFORMED_STREAM_RECORD)

SCORE_WRITE_OPERATIONS = ("UpdateItem", "TransactWriteItems")
"""The analyzer's score write-back is one TransactWriteItems (score and merchant counter together);
a plain UpdateItem setting `scored_at` is throttled too, so the fault still fires for a write-back
without counters."""
_THROTTLE_CODES = {"UpdateItem": "ProvisionedThroughputExceededException",
                   "TransactWriteItems": "ThrottlingException"}


@dataclass(frozen=True)
class FaultWindow:
    """One fault over a time window."""

    name: str
    """Unique within a plan: what the injections are counted by."""
    kind: str
    """One of KINDS."""
    function: str
    """Applies to functions whose name contains this."""
    start: float
    """Epoch seconds."""
    end: float
    """Epoch seconds (exclusive)."""
    limit: int | None = None
    """Injections at most (None: every matching call in the window)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (known: {', '.join(KINDS)})")
        if self.end <= self.start:
            raise ValueError(f"fault {self.name}: the window ends before it starts")

    def active(self, function_name: str, now: float) -> bool:
        """Whether the window covers `now` for `function_name`."""
        return self.function in function_name and self.start <= now < self.end


class FaultBook:
    """The faults directory: the plan (re-read when it changes) and the logs of what happened."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._plan_mtime: float | None = None
        self._windows: tuple[FaultWindow, ...] = ()
        self._record_score_writes = False

    # --- the plan ----------------------------------------------------------------------------

    def write_plan(self, windows: list[FaultWindow], *, record_score_writes: bool = True) -> None:
        """Replace the plan (atomically: a reader sees the old or the new one, never half)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        staging = self.directory / f".{PLAN_FILE}.{os.getpid()}"
        staging.write_text(json.dumps({"record_score_writes": record_score_writes,
                                       "windows": [asdict(w) for w in windows]}))
        staging.replace(self.directory / PLAN_FILE)

    def clear_plan(self) -> None:
        """No faults, nothing recorded."""
        (self.directory / PLAN_FILE).unlink(missing_ok=True)

    def _refresh(self) -> None:
        path = self.directory / PLAN_FILE
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            self._plan_mtime, self._windows, self._record_score_writes = None, (), False
            return
        if mtime == self._plan_mtime:
            return
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError):  # replaced while read: the next call reads the new one
            return
        self._plan_mtime = mtime
        self._windows = tuple(FaultWindow(**w) for w in document.get("windows", []))
        self._record_score_writes = bool(document.get("record_score_writes"))

    @property
    def records_score_writes(self) -> bool:
        """Whether successful score writes are to be noted."""
        self._refresh()
        return self._record_score_writes

    def take(self, kind: str, function_name: str, **detail: Any) -> FaultWindow | None:
        """The window of `kind` active for `function_name` now, if it may still fire; the injection is
        logged (and so counted against the window's limit) before it is returned."""
        self._refresh()
        now = time.time()
        for window in self._windows:
            if window.kind != kind or not window.active(function_name, now):
                continue
            with self._locked():
                if window.limit is not None and self._count(window.name) >= window.limit:
                    continue
                self._append(INJECTED_FILE, {"fault": window.name, "kind": kind, "function": function_name,
                                             "at": now, **detail})
            return window
        return None

    # --- the logs ----------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _count(self, fault_name: str) -> int:
        return sum(1 for entry in self.injected() if entry.get("fault") == fault_name)

    def _append(self, file_name: str, entry: Mapping[str, Any]) -> None:
        # One write() of one line on a file opened for appending: lines of concurrent processes never mix.
        line = (json.dumps(entry, default=str) + "\n").encode()
        descriptor = os.open(self.directory / file_name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)

    def _read(self, file_name: str) -> list[dict[str, Any]]:
        path = self.directory / file_name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def injected(self) -> list[dict[str, Any]]:
        """Every injection so far, in order."""
        return self._read(INJECTED_FILE)

    def note_score_write(self, entry: Mapping[str, Any]) -> None:
        """Log one successful score write."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._append(SCORE_WRITES_FILE, entry)

    def score_writes(self) -> list[dict[str, Any]]:
        """Every successful score write noted so far."""
        return self._read(SCORE_WRITES_FILE)

    def reset_logs(self) -> None:
        """Forget what earlier runs injected and wrote."""
        for name in (INJECTED_FILE, SCORE_WRITES_FILE):
            (self.directory / name).unlink(missing_ok=True)


# --- inside a function's process ---------------------------------------------------------------

def score_write_keys(operation: str, request: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The (table, key, operation, conditional) of every score write in an UpdateItem or TransactWriteItems request
    (an update that sets `scored_at`); empty for any other write."""
    updates = [request] if operation == "UpdateItem" else [
        entry["Update"] for entry in request.get("TransactItems", []) if "Update" in entry]
    writes = []
    for update in updates:
        if "scored_at" not in str(update.get("UpdateExpression", "")):
            continue
        condition = str(update.get("ConditionExpression", ""))
        writes.append({"table": update.get("TableName"), "key": update.get("Key"), "operation": operation,
                       "conditional": "attribute_not_exists(scored_at)" in condition.replace(" ", "")})
    return writes


class _Hooks:
    """botocore event handlers of one function process."""

    def __init__(self, book: FaultBook, function_name: str) -> None:
        self.book = book
        self.function_name = function_name
        self.records_in_invocation = 0
        self.writes_in_invocation = 0

    def begin_invocation(self, event: Any) -> None:
        records = event.get("Records") if isinstance(event, dict) else None
        self.records_in_invocation = len(records) if isinstance(records, list) else 0
        self.writes_in_invocation = 0

    def before_call(self, model: Any, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> Any:
        service = model.service_model.service_name
        operation = model.name
        if service == "sns" and operation == "Publish":
            if self.book.take(REJECT_PUBLISH, self.function_name, operation=operation):
                return _error_response(500, "InternalError", "injected: the topic rejects publishes")
            return None
        if service != "dynamodb" or operation not in SCORE_WRITE_OPERATIONS:
            return None
        try:
            request = json.loads(params.get("body") or b"{}")
        except ValueError:
            return None
        writes = score_write_keys(operation, request)
        if not writes:
            return None
        context["fault_score_writes"] = writes
        if self.book.take(THROTTLE_SCORE_WRITE, self.function_name, operation=operation,
                          keys=[w["key"] for w in writes]):
            return _error_response(400, _THROTTLE_CODES[operation], "injected: throughput exceeded")
        return None

    def after_call(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        writes = context.get("fault_score_writes")
        if not writes or http_response.status_code >= 300:
            return
        self.writes_in_invocation += 1
        if self.book.records_score_writes:
            for write in writes:
                self.book.note_score_write({**write, "function": self.function_name, "at": time.time()})
        still_to_go = self.records_in_invocation - self.writes_in_invocation
        if still_to_go > 0 and self.book.take(KILL_MID_BATCH, self.function_name, written=self.writes_in_invocation,
                                              batch=self.records_in_invocation):
            os.kill(os.getpid(), signal.SIGKILL)  # as an out-of-memory kill or a host failure would


class _Response:
    """The parts of botocore's AWSResponse that the client reads from a short-circuited call."""

    def __init__(self, status_code: int) -> None:
        self.status_code = status_code
        self.headers: dict[str, str] = {}
        self.content = b""


def _error_response(status: int, code: str, message: str) -> tuple[_Response, dict[str, Any]]:
    return _Response(status), {"Error": {"Code": code, "Message": message},
                               "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": 0}}


_ACTIVE: _Hooks | None = None


def install_botocore_hooks(directory: str, function_name: str) -> None:
    """Register the fault handlers on every botocore session this process will create.

    `botocore.handlers.BUILTIN_HANDLERS` is the list each new session registers; appending before the
    handler module makes its clients reaches every client the function creates. A `before-call`
    handler that returns a response short-circuits the call (no request is sent, no retry made).
    """
    global _ACTIVE  # one set of hooks per process, reached by the bootstrap
    from botocore import handlers

    hooks = _Hooks(FaultBook(Path(directory)), function_name)
    handlers.BUILTIN_HANDLERS.append(("before-call", hooks.before_call))
    handlers.BUILTIN_HANDLERS.append(("after-call", hooks.after_call))
    _ACTIVE = hooks


def begin_invocation(event: Any) -> None:
    """Called by the bootstrap before each invocation (a kill is "mid-batch" only with records to go)."""
    if _ACTIVE is not None:
        _ACTIVE.begin_invocation(event)
