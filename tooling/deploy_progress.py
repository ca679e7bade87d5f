"""Live progress of Terraform applies and destroys, read from Terraform's machine-readable UI (`-json`).

`terraform apply -json` prints one JSON object per line (Terraform's documented "machine-readable
UI"): `planned_change` for every resource the plan touches, `apply_start` / `apply_progress` /
`apply_complete` / `apply_errored` hooks while it applies, `diagnostic` for warnings and errors,
and `change_summary` at the end. `StackProgress` folds those events into counts per stack;
`ProgressBoard` renders every stack being applied as one updating line on a terminal, or as plain
lines (at most one every `plain_interval` seconds per stack, plus one when a stack finishes) in CI
logs. Errors are never shortened: every error diagnostic is kept in full for the failure message.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

# A resource still being worked on after this long is named on the progress line.
SLOW_RESOURCE_SECONDS = 10.0


@dataclass
class StackProgress:
    """What one stack's apply has done so far (fed with the events of `terraform apply -json`)."""

    stack: str
    """Stack name (the synthesized directory's name)."""
    operation: str = "apply"
    """"apply" or "destroy" (only what the line says)."""
    phase: str = "initializing"
    """initializing (terraform init, no events yet), `waiting for <stack>` (a stack it depends on is not
    done yet), planning, applying, done or failed."""
    planned: int = 0
    """Resources the plan changes (planned_change events that are not no-ops or data source reads)."""
    done: int = 0
    """Resources whose change completed (data sources read during the apply are not counted)."""
    planned_addresses: set[str] = field(default_factory=set)
    """Addresses of the planned changes."""
    completed: set[str] = field(default_factory=set)
    """Addresses whose change completed."""
    in_flight: dict[str, tuple[str, float]] = field(default_factory=dict)
    """Address -> (action, seconds elapsed at the last event) of the resources being changed now."""
    errors: list[str] = field(default_factory=list)
    """Every error diagnostic, rendered in full."""
    other_output: list[str] = field(default_factory=list)
    """Lines that were not JSON (Terraform writes some failures that way, e.g. during init)."""
    summary: Mapping[str, int] | None = None
    """The final change_summary counts (add, change, remove, ...), once seen."""
    started: float = field(default_factory=time.monotonic)

    def feed(self, line: str) -> None:
        """Take one line of `terraform apply -json` output."""
        text = line.strip()
        if not text:
            return
        try:
            message = json.loads(text)
        except ValueError:
            self.other_output.append(line.rstrip("\n"))
            return
        if isinstance(message, dict):
            self._event(message)

    def _event(self, message: Mapping[str, Any]) -> None:
        kind = message.get("type")
        hook = message.get("hook") or {}
        address = str((hook.get("resource") or {}).get("addr", ""))
        if self.phase == "initializing":
            self.phase = "planning"
        if hook.get("action") == "read":
            return  # data sources: not resources the apply changes
        if kind == "planned_change":
            change = message.get("change") or {}
            if change.get("action") not in (None, "noop", "read"):
                self.planned += 1
                self.planned_addresses.add(str((change.get("resource") or {}).get("addr", "")))
        elif kind == "apply_start":
            self.phase = "applying"
            self.in_flight[address] = (str(hook.get("action", "")), 0.0)
        elif kind == "apply_progress":
            self.in_flight[address] = (str(hook.get("action", "")), float(hook.get("elapsed_seconds", 0)))
        elif kind == "apply_complete":
            self.in_flight.pop(address, None)
            self.completed.add(address)
            self.done += 1
        elif kind == "apply_errored":
            self.in_flight.pop(address, None)
        elif kind == "diagnostic":
            diagnostic = message.get("diagnostic") or {}
            if diagnostic.get("severity") == "error":
                self.errors.append(render_diagnostic(diagnostic))
        elif kind == "change_summary":
            changes = message.get("changes") or {}
            if changes.get("operation") in ("apply", "destroy"):
                self.summary = {k: int(v) for k, v in changes.items() if isinstance(v, int)}

    def finish(self, ok: bool) -> None:
        """Mark the stack done (or failed); in-flight resources are forgotten."""
        self.phase = "done" if ok else "failed"
        self.in_flight.clear()

    @property
    def elapsed(self) -> float:
        """Seconds since the stack's apply began."""
        return time.monotonic() - self.started

    def slowest(self) -> tuple[str, str, float] | None:
        """The in-flight resource worked on longest, when it has taken SLOW_RESOURCE_SECONDS or more."""
        if not self.in_flight:
            return None
        address, (action, seconds) = max(self.in_flight.items(), key=lambda item: item[1][1])
        return (address, action, seconds) if seconds >= SLOW_RESOURCE_SECONDS else None

    def describe(self) -> str:
        """One short phrase: `fraud-detection-local 40/123 (creating aws_sqs_queue.x, 30 s) 1m20s`."""
        total = f"/{self.planned}" if self.planned else ""
        if self.phase in ("initializing", "planning") or self.phase.startswith("waiting"):
            state = self.phase
        elif self.phase == "failed":
            state = f"FAILED after {self.done}{total}"
        else:
            state = f"{self.done}{total}"
            slow = self.slowest()
            if slow and self.phase == "applying":
                address, action, seconds = slow
                state += f" ({_progressive(action)} {address}, {seconds:.0f} s)"
        if self.phase == "done":
            state += " done"
        return f"{self.stack} {state} {format_seconds(self.elapsed)}"


def _progressive(action: str) -> str:
    return {"create": "creating", "update": "updating", "delete": "destroying", "replace": "replacing",
            "read": "reading"}.get(action, action)


def format_seconds(seconds: float) -> str:
    """`45s`, `3m05s`."""
    whole = int(seconds)
    return f"{whole}s" if whole < 60 else f"{whole // 60}m{whole % 60:02d}s"


def render_diagnostic(diagnostic: Mapping[str, Any]) -> str:
    """An error or warning diagnostic as Terraform prints it (summary, where, detail), never shortened."""
    lines = [f"{str(diagnostic.get('severity', 'error')).capitalize()}: {diagnostic.get('summary', '')}"]
    if diagnostic.get("address"):
        lines.append(f"  with {diagnostic['address']}")
    where = diagnostic.get("range") or {}
    if where.get("filename"):
        lines.append(f"  on {where['filename']} line {(where.get('start') or {}).get('line', '?')}")
    detail = str(diagnostic.get("detail") or "").strip()
    if detail:
        lines.extend(["", *detail.splitlines()])
    return "\n".join(lines)


class ProgressBoard:
    """Renders the progress of one or more stacks applied at the same time.

    On a terminal (`tty=True`) one line is rewritten in place; otherwise plain lines are printed, at
    most one per stack every `plain_interval` seconds, and one when a stack finishes or fails.
    """

    def __init__(self, out: TextIO, *, tty: bool, plain_interval: float = 15.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._out = out
        self._tty = tty
        self._plain_interval = plain_interval
        self._clock = clock
        self._stacks: list[StackProgress] = []
        self._last_plain: dict[str, float] = {}
        self._lock = threading.Lock()
        self._width = 0

    def add(self, progress: StackProgress) -> StackProgress:
        """Show one more stack."""
        with self._lock:
            self._stacks.append(progress)
            self._last_plain[progress.stack] = self._clock()
        return progress

    def refresh(self) -> None:
        """Redraw the line (terminal) or print the lines that are due (plain)."""
        with self._lock:
            if self._tty:
                line = " | ".join(s.describe() for s in self._stacks if s.phase not in ("done", "failed"))
                if line:
                    self._draw(line)
                return
            now = self._clock()
            for stack in self._stacks:
                if stack.phase in ("done", "failed"):
                    continue
                if now - self._last_plain[stack.stack] >= self._plain_interval:
                    self._last_plain[stack.stack] = now
                    self._out.write(stack.describe() + "\n")
            self._out.flush()

    def finished(self, progress: StackProgress) -> None:
        """Print the final line of a stack (kept on screen on a terminal)."""
        with self._lock:
            text = progress.describe()
            if progress.summary:
                counts = ", ".join(f"{k} {v}" for k, v in progress.summary.items() if k != "import" and v)
                text += f" ({counts or 'no changes'})"
            if self._tty:
                self._draw(text)
                self._out.write("\n")
                self._width = 0
            else:
                self._out.write(text + "\n")
            self._out.flush()

    def _draw(self, line: str) -> None:
        padding = max(0, self._width - len(line))
        self._out.write("\r" + line + " " * padding)
        self._out.flush()
        self._width = len(line)
