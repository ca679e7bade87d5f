"""The played Lambda service kept running in the background against a deployed emulator (`make up`).

One process serves, until SIGTERM (or until the emulator it plays for is gone):
- the deployed REST API on a loopback port (tooling.live_http), requests served concurrently, each
  function in as many warm processes as concurrent invocations need (up to its reserved concurrency
  and the local cap);
- the event sources in background threads: the table's stream into the analyzer, the fraud queue
  into the notifier, and the scheduled rules when their expression says so;
- a control API on another loopback port: status, alerts published since the last call (a queue the
  service subscribes to the alert topic), firing the daily report for a day.

When ready it writes its state file (pid, URLs, the API key and the signing key a client uses);
`tooling.live_local` starts, supervises and stops it.

    python -m tooling.live_service --emulator-url URL --emulator-pid PID --stack-dir DIR --work-dir DIR \
        --state-file FILE [--port N] [--local-cap N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from tooling.lambda_service.queue_source import QueueSource
from tooling.lambda_service.schedule_clock import Schedule, UnsupportedSchedule
from tooling.lambda_service.schedule_source import ScheduleTarget
from tooling.lambda_service.service import DEFAULT_LOCAL_CAP
from tooling.lambda_service.stream_source import StreamSource
from tooling.local_pipeline import AlertObserver, LocalPipeline
from tooling.process_group import process_alive

LOG = logging.getLogger("live-service")
IDLE_POLL_SECONDS = 0.5
ERROR_BACKOFF_SECONDS = 2.0
KEEP_INVOCATIONS = 500


@dataclass
class PollerStatus:
    """What one background poller has done."""

    name: str
    rounds: int = 0
    busy_rounds: int = 0
    errors: int = 0
    last_error: str | None = None
    last_activity: str | None = None


class Poller(threading.Thread):
    """Calls `step` until stopped: again at once while it finds work, after a pause when idle,
    after a longer pause when it fails (the error is logged and kept for `make status`)."""

    def __init__(self, name: str, step: Callable[[], bool], stop: threading.Event,
                 idle_seconds: float = IDLE_POLL_SECONDS) -> None:
        super().__init__(name=name, daemon=True)
        self._step = step
        self._stopping = stop  # not _stop: Thread has a method of that name
        self._idle_seconds = idle_seconds
        self.status = PollerStatus(name)

    def run(self) -> None:
        """The poll loop."""
        while not self._stopping.is_set():
            self.status.rounds += 1
            try:
                busy = self._step()
            except Exception as exc:  # noqa: BLE001 - a poller outlives one failed round, as Lambda's does
                self.status.errors += 1
                self.status.last_error = f"{datetime.now(UTC):%H:%M:%S} {type(exc).__name__}: {exc}"
                LOG.error("poller %s failed: %s", self.name, "".join(traceback.format_exception(exc)))
                self._stopping.wait(ERROR_BACKOFF_SECONDS)
                continue
            if busy:
                self.status.busy_rounds += 1
                self.status.last_activity = datetime.now(UTC).isoformat(timespec="seconds")
            else:
                self._stopping.wait(self._idle_seconds)


@dataclass
class ScheduleClock:
    """Fires every scheduled target whose expression matches the current minute, once per minute."""

    pipeline: LocalPipeline
    started: datetime = field(default_factory=lambda: datetime.now(UTC).replace(second=0, microsecond=0))
    fired: list[str] = field(default_factory=list)
    _last_minute: datetime | None = None
    _targets: list[tuple[ScheduleTarget, Schedule]] | None = None

    def _schedules(self) -> list[tuple[ScheduleTarget, Schedule]]:
        if self._targets is None:
            self._targets = []
            for target in self.pipeline.schedule.scheduled_targets():
                try:
                    self._targets.append((target, Schedule.parse(target.schedule_expression or "")))
                except UnsupportedSchedule as exc:
                    LOG.error("rule %s is not played: %s", target.rule_name, exc)
        return self._targets

    def step(self) -> bool:
        """Fire what is due in this minute (at most once per minute)."""
        minute = datetime.now(UTC).replace(second=0, microsecond=0)
        if minute == self._last_minute:
            return False
        self._last_minute = minute
        due = [t for t, schedule in self._schedules() if schedule.fires_at(minute, since=self.started)]
        for target in due:
            firing = self.pipeline.schedule.fire(target, minute)
            self.fired.append(f"{minute:%Y-%m-%dT%H:%M}Z {target.rule_name}")
            LOG.info("fired %s at %s: %s", target.rule_name, minute, "ok" if firing.result and firing.result.ok
                     else "failed")
        return False


def _drain_stream(source: StreamSource) -> bool:
    return source.drain().records_read > 0


def _poll_queue(source: QueueSource) -> bool:
    return source.poll_once().received > 0


class LiveService:
    """The pipeline's event sources polled in threads, plus what the control API answers."""

    def __init__(self, pipeline: LocalPipeline) -> None:
        self.pipeline = pipeline
        self.started = datetime.now(UTC)
        self._stop = threading.Event()
        self.alerts = AlertObserver(pipeline.clients, pipeline.alert_topic_arn)
        self._alerts_lock = threading.Lock()
        self._alerts_seen = 0
        self.clock = ScheduleClock(pipeline)
        self.pollers = [
            *(Poller(f"stream {s.mapping.uuid[:8]}", partial(_drain_stream, s), self._stop)
              for s in pipeline.stream_sources),
            *(Poller(f"queue {q.mapping.uuid[:8]}", partial(_poll_queue, q), self._stop)
              for q in pipeline.queue_sources),
            Poller("schedule", self.clock.step, self._stop, idle_seconds=5.0),
        ]

    def start(self) -> None:
        """Warm one process of each function behind the API and the sources, start the pollers."""
        functions = {self.pipeline.api_function, self.pipeline.analyzer, self.pipeline.notifier}
        for name in functions:
            self.pipeline.service.pool(name).warm_up(1)
        for poller in self.pollers:
            poller.start()

    @property
    def stopping(self) -> threading.Event:
        """Set when the service is asked to stop."""
        return self._stop

    def new_alerts(self) -> list[dict[str, Any]]:
        """Alerts delivered to the observer queue since the last call."""
        with self._alerts_lock:
            every = self.alerts.collect()
            fresh, self._alerts_seen = every[self._alerts_seen:], len(every)
        return [{"subject": a.subject, "message": a.message, "attributes": a.attributes} for a in fresh]

    def fire_report(self, day: date) -> dict[str, Any]:
        """Fire the report schedule's target for `day`; its result and the day's report objects."""
        firings = self.pipeline.fire_daily_report(day)
        objects = self.pipeline.report_objects(day)
        summaries = {key: json.loads(body) for key, body in objects.items() if key.endswith(".json")}
        return {
            "date": day.isoformat(),
            "firings": [{"rule": f.target.rule_name, "ok": bool(f.result and f.result.ok),
                         "result": (f.result.payload if f.result.ok else f.result.error) if f.result else None,
                         "dead_lettered": f.dead_lettered} for f in firings],
            "keys": sorted(objects),
            "summaries": summaries,
        }

    def status(self) -> dict[str, Any]:
        """Pollers, function pools and invocation counts (what `make status` prints)."""
        pools = self.pipeline.service.pools()
        return {
            "pid": os.getpid(),
            "started_at": self.started.isoformat(timespec="seconds"),
            "pollers": [asdict(p.status) | {"alive": p.is_alive()} for p in self.pollers],
            "functions": {name: {"warm": pool.warm, "limit": pool.limit, "peak": pool.peak_concurrency,
                                 "throttles": pool.throttles} for name, pool in pools.items()},
            "invocations": len(self.pipeline.service.invocations.entries),
            "scheduled_firings": list(self.clock.fired),
        }

    def stop(self) -> None:
        """Stop the pollers, remove the alert subscription, stop every function process."""
        self._stop.set()
        for poller in self.pollers:
            poller.join(timeout=10)
        try:
            self.alerts.close()
        except Exception:
            LOG.warning("could not remove the alert observer queue", exc_info=True)
        self.pipeline.close()


def write_json_atomically(path: Path, document: dict[str, Any], *, private: bool = False) -> None:
    """Write `document` so that a reader never sees half of it (mode 0600 when `private`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps(document, indent=2) + "\n")
    if private:
        staging.chmod(0o600)
    staging.replace(path)


def serve(args: argparse.Namespace) -> int:
    """Run until SIGTERM/SIGINT or until the emulator process is gone."""
    from tooling.live_http import start_servers  # the HTTP layer loads only in the service process

    pipeline = LocalPipeline(args.emulator_url, args.stack_dir, work_dir=args.work_dir,
                             local_cap=args.local_cap, keep_invocations=KEEP_INVOCATIONS)
    live = LiveService(pipeline)
    servers = []
    try:
        live.start()
        servers = start_servers(live, port=args.port)
        api_server, control_server = servers
        api = pipeline.api
        state = {
            "pid": os.getpid(),
            "api_url": f"http://127.0.0.1:{api_server.server_address[1]}/{api.stage}",
            "control_url": f"http://127.0.0.1:{control_server.server_address[1]}",
            "emulator_url": args.emulator_url,
            "api_key": api.default_api_key() if api.api_keys else None,
            "auth": "iam" if api.requires_signing else "api_key",
            "region": api.region,
            "signing_key": asdict(api.signing_keys[0]) if api.signing_keys else None,
            "functions": sorted(pipeline.service.pools()),
            "alert_queue_url": live.alerts.queue_url,
        }
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: live.stopping.set())
        write_json_atomically(args.state_file, state, private=True)
        LOG.info("ready: API %s, control %s", state["api_url"], state["control_url"])
        while not live.stopping.wait(1.0):
            if args.emulator_pid and not process_alive(args.emulator_pid):
                LOG.error("the emulator (pid %s) is gone: stopping", args.emulator_pid)
                return 3
        LOG.info("asked to stop")
        return 0
    finally:
        for server in servers:
            server.shutdown()
        live.stop()
        LOG.info("stopped")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (started in the background by tooling.live_local)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emulator-url", required=True)
    parser.add_argument("--emulator-pid", type=int, default=0, help="stop when this process is gone")
    parser.add_argument("--stack-dir", type=Path, required=True)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0, help="API port (default: any free port)")
    parser.add_argument("--local-cap", type=int, default=DEFAULT_LOCAL_CAP,
                        help="warm processes per function at most")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(threadName)s %(message)s")
    started = time.monotonic()
    try:
        return serve(args)
    finally:
        LOG.info("ran %.0f s", time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
