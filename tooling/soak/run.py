"""A soak run from start to verdict, against a live local deployment.

    python -m tooling.soak.run [--requests N] [--rate R] [--clients C]

Without a live deployment (`make up`), one is deployed first and taken down at the end, so the
system is left as it was found; a deployment that was up stays up, with the fault plan removed.
Sequence: plan the traffic; subscribe an observer queue to the alert topic; send the load while the
fault schedule opens and closes each fault's window; wait until the stream and the fraud queue are
drained; redrive the DLQ (`tooling.redrive`, what the DLQ held before the run left alone); drain
again; read everything back, fire the daily report of each day touched, check the invariants.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fraudlib.merchant_counters import transaction_day
from notifier.settings import IDEMPOTENCY_TTL_SECONDS

from tooling.lambda_service.clients import EmulatorClients
from tooling.lambda_service.faults import FaultBook
from tooling.lambda_service.service import LambdaService
from tooling.live_local import LocalLive
from tooling.local_pipeline import AlertObserver, ObservedAlert
from tooling.redrive import Redriver, RedriveTargets, Selection, list_dlq
from tooling.redrive_cli import PlayedInvoker
from tooling.soak import observe
from tooling.soak.fault_schedule import FaultScheduler
from tooling.soak.figures import CpuClock, delays, first_times, run_figures
from tooling.soak.invariants import Check, Observation, accepted_new, check_all
from tooling.soak.load import ApiClient, drive
from tooling.soak.report import render, write
from tooling.soak.settings import SoakSettings
from tooling.soak.traffic import plan_traffic

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULT_FILE = REPO_ROOT / "build" / "soak" / "result.json"
QUIET_SECONDS = 3.0
"""The pipeline counts as drained once nothing moved for this long."""


@dataclass(frozen=True)
class SoakTarget:
    """The live deployment a run goes through."""

    live: LocalLive
    stack_dir: Path
    outputs: dict[str, Any]
    """The pipeline stack's Terraform outputs."""
    emulator_url: str


@dataclass(frozen=True)
class SoakResult:
    """The run as written to result.json, and its checks."""

    document: dict[str, Any]
    checks: list[Check]

    @property
    def passed(self) -> bool:
        """No invariant failed."""
        return all(check.passed is not False for check in self.checks)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Pipeline:
    """The parts of the deployment a run talks to."""

    def __init__(self, target: SoakTarget) -> None:
        self.target = target
        self.clients = EmulatorClients(target.emulator_url)
        self.targets = RedriveTargets.from_outputs(target.outputs)
        self.sqs = self.clients.client("sqs")
        self.dynamodb = self.clients.client("dynamodb")
        self.book = FaultBook(target.live.work_dir / "faults")
        notifier = self.targets.functions["notifier"]
        self.topic_arn = self.clients.client("lambda").get_function_configuration(
            FunctionName=notifier)["Environment"]["Variables"]["ALERT_TOPIC_ARN"]

    def drained_state(self) -> tuple[int, int]:
        """(stream records after the live poller's checkpoint, messages in the fraud queue)."""
        return (observe.stream_pending(self.clients, self.target.live.work_dir),
                observe.queue_depth(self.sqs, self.targets.fraud_queue_url))

    def settle(self, observer: AlertObserver, stall_seconds: float) -> tuple[int, int]:
        """Wait until the stream is consumed, the fraud queue empty and nothing moved for a few seconds;
        give up when nothing moved for `stall_seconds` (a pipeline still making progress is waited for)."""
        moved_at, seen = time.monotonic(), None
        while True:
            state = self.drained_state()
            current = (*state, len(observer.collect()))
            if current != seen:
                moved_at, seen = time.monotonic(), current
            quiet = time.monotonic() - moved_at
            if (state == (0, 0) and quiet >= QUIET_SECONDS) or quiet >= stall_seconds:
                return state
            time.sleep(0.5)

    def redrive(self, skip: frozenset[str]) -> str:
        """Move this run's DLQ messages back (the played functions note their score writes as the live
        service's do, in the same faults directory)."""
        with LambdaService(self.clients, self.target.stack_dir, self.target.live.work_dir / "redrive",
                           faults_dir=self.book.directory) as service:
            report = Redriver(self.sqs, self.dynamodb, PlayedInvoker(service), self.targets).apply(
                Selection(skip_message_ids=skip))
        return report.render()

    def reports(self, days: list[str]) -> dict[str, tuple[int, int] | None]:
        """(transaction_count, unscored) of each day's report, fired through the played service."""
        found: dict[str, tuple[int, int] | None] = {}
        for day in days:
            result = self.target.live.control("/report", {"date": day})
            summary = next(iter(result["summaries"].values()), None) if result["firings"] and all(
                f["ok"] for f in result["firings"]) else None
            found[day] = None if summary is None else (int(summary["transaction_count"]),
                                                       int(summary.get("decisions", {}).get("unscored", 0)))
        return found


def _process_groups(live: LocalLive) -> tuple[int, ...]:
    recorded = live.recorded()
    return tuple(pid for pid in (recorded.service_pid, recorded.emulator.pid if recorded.emulator else None) if pid)


def run_soak(target: SoakTarget, settings: SoakSettings, *, result_file: Path | None = RESULT_FILE,
             say: Callable[[str], None] = _say) -> SoakResult:
    """One run; the result is written to `result_file` (when given) and returned."""
    pipeline = _Pipeline(target)
    endpoint = json.loads(target.live.endpoint_file.read_text())
    run_id = f"soak{uuid.uuid4().hex[:8]}"
    requests = plan_traffic(settings, run_id, datetime.now(UTC))
    before = frozenset(r.message.message_id for r in list_dlq(pipeline.sqs, pipeline.targets.dlq_url).records)
    pipeline.book.reset_logs()
    pipeline.book.write_plan([], record_score_writes=True)
    cpu = CpuClock(_process_groups(target.live))
    observer = AlertObserver(pipeline.clients, pipeline.topic_arn)
    started = time.time()
    try:
        cpu.start()
        say(f"soak {run_id}: {len(requests)} requests at {settings.rate}/s from {settings.clients} clients ...")
        scheduler = FaultScheduler(pipeline.book, settings, time.time())
        scheduler.start()
        load = drive(ApiClient(endpoint), requests, rate=settings.rate, clients=settings.clients)
        say(f"sent in {load.wall_seconds:.0f} s; waiting for the remaining fault windows and the pipeline ...")
        scheduler.join(timeout=settings.fault_max_seconds * len(scheduler.outcomes))
        faults = scheduler.finish()
        pipeline.settle(observer, settings.settle_seconds)
        redrive = pipeline.redrive(before)
        say(redrive)
        stream_pending, queue_depth = pipeline.settle(observer, settings.settle_seconds)
        cpu.stop()
        alerts = observer.collect()
    finally:
        observer.close()
        pipeline.book.clear_plan()
    statuses = {a.index: a.status for a in load.answers}
    accepted = accepted_new(requests, statuses)
    ours = {r.transaction_id for r in requests}
    snapshot = observe.TableSnapshot.read(pipeline.dynamodb, pipeline.targets.table_name)
    stored = snapshot.by_id(ours)
    writes = [w for w in pipeline.book.score_writes() if w.get("table") == pipeline.targets.table_name]
    write_counts = Counter(str(w["key"]["transaction_id"]["S"]) for w in writes)
    accepted_days: dict[str, list[str]] = {}
    for request in accepted:
        accepted_days.setdefault(transaction_day(int(request.fields["timestamp"])), []).append(request.transaction_id)
    left = [r.describe() for r in list_dlq(pipeline.sqs, pipeline.targets.dlq_url).records
            if r.message.message_id not in before]
    observation = Observation(
        requests=requests, statuses=statuses, stored=stored, markers=snapshot.marker_ids & ours,
        score_writes=write_counts,
        conditional_score_writes=all(w["conditional"] for w in writes) if writes else None,
        alerts=Counter(a.transaction_id for a in alerts if a.transaction_id in ours),
        dedup_window_seconds=IDEMPOTENCY_TTL_SECONDS, run_seconds=time.time() - started,
        dlq_left=left, stream_pending=stream_pending, fraud_queue_depth=queue_depth,
        days=observe.day_totals(snapshot, accepted_days, pipeline.reports(sorted(accepted_days))),
        **_merchant_counters(pipeline, snapshot, [items[0] for items in stored.values()], writes),
        faults_injected={f.fault.name: f.injected for f in faults},
    )
    checks = check_all(observation)
    document = {
        "run_id": run_id, "settings": asdict(settings), "started_at": datetime.fromtimestamp(started, UTC).isoformat(),
        "statuses": dict(Counter(f"{r.kind} {statuses.get(r.index)}" for r in requests)),
        "decisions": dict(Counter(str(items[0].get("decision")) for items in stored.values())),
        "faults": [f.as_dict() for f in faults],
        "redrive": redrive,
        "figures": _figures(requests, load, accepted, writes, alerts, cpu),
    }
    result = SoakResult(document, checks)
    say(render(document, checks))
    if result_file is not None:
        write(result_file, document, checks)
        say(f"written: {result_file}")
    return result


def _merchant_counters(pipeline: _Pipeline, snapshot: observe.TableSnapshot, records: list[dict[str, Any]],
                       writes: list[dict[str, Any]]) -> dict[str, Any]:
    """The counters to compare, or why not: the table may be deployed before the analyzer feeds it (in
    the TransactWriteItems of its conditional first score write)."""
    counters = observe.merchant_counters(pipeline.dynamodb, snapshot, records)
    if counters is None:
        return {"merchant_counters": None}
    if not any(w.get("operation") == "TransactWriteItems" for w in writes):
        return {"merchant_counters": None, "merchant_counters_absent":
                "not fed: the merchant-counters table is deployed, but no score write carried a counter "
                "(the analyzer's write-back is a plain UpdateItem)"}
    return {"merchant_counters": counters}


def _figures(requests: Any, load: Any, accepted: Any, writes: list[dict[str, Any]], alerts: list[ObservedAlert],
             cpu: CpuClock) -> dict[str, object]:
    by_index = {a.index: a for a in load.answers}
    sent = {r.transaction_id: by_index[r.index].sent_at for r in accepted}
    scored = first_times((str(w["key"]["transaction_id"]["S"]), float(w["at"])) for w in writes)
    alerted = first_times((a.transaction_id, a.published_at.timestamp()) for a in alerts if a.published_at)
    answered = [a for a in load.answers if a.status in (200, 201)]
    return run_figures(accepted=len(answered), load_seconds=load.wall_seconds,
                       post_seconds=[a.seconds for a in load.answers], to_score=delays(sent, scored),
                       to_alert=delays(sent, alerted), cpu=cpu)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: see the module docstring."""
    from tooling.soak.deployment import live_target

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=SoakSettings.requests)
    parser.add_argument("--rate", type=float, default=SoakSettings.rate)
    parser.add_argument("--clients", type=int, default=SoakSettings.clients)
    args = parser.parse_args(argv)
    settings = SoakSettings(requests=args.requests, rate=args.rate, clients=args.clients)
    with live_target() as target:
        result = run_soak(target, settings)
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
