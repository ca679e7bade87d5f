"""The local deployment kept live: start, supervise and stop the background processes, talk to them.

Two background processes, each the leader of its own process group, recorded under build/local:
- the emulator (`emulator.json`, from tooling.emulator);
- the played Lambda service (`service.pid` as soon as it starts, `service.json` once it is ready,
  its log in `service.log`); its function processes live in its group and end with it (they read
  their invocations from its pipes, so they also exit should it crash).
`endpoint.json` holds what a client needs (API URL, key or signing credentials, emulator URL).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tooling.emulator import Emulator, recorded_emulator
from tooling.process_group import process_alive, stop_process_group
from tooling.sample_transactions import sample_transactions

REPO_ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = REPO_ROOT / "build" / "local"
READY_TIMEOUT_SECONDS = 120


class LiveError(RuntimeError):
    """The live deployment is not in the state a command needs; the message says what to do."""



def _say(message: str) -> None:
    print(message, flush=True)



@dataclass(frozen=True)
class RecordedProcesses:
    """What the pid files under build/local say runs, and whether it still does."""

    emulator: Emulator | None
    service_pid: int | None

    @property
    def emulator_alive(self) -> bool:
        """Whether the recorded emulator process exists."""
        return self.emulator is not None and process_alive(self.emulator.pid)

    @property
    def service_alive(self) -> bool:
        """Whether the recorded service process exists."""
        return self.service_pid is not None and process_alive(self.service_pid)


class LocalLive:
    """The background processes of one work directory (build/local for the make targets)."""

    def __init__(self, work_dir: Path = WORK_DIR) -> None:
        self.work_dir = work_dir
        self.emulator_file = work_dir / "emulator.json"
        self.service_pid_file = work_dir / "service.pid"
        self.service_state_file = work_dir / "service.json"
        self.service_log = work_dir / "service.log"
        self.endpoint_file = work_dir / "endpoint.json"
        self.function_log_dir = work_dir / "logs"

    def recorded(self) -> RecordedProcesses:
        """Read the pid files."""
        emulator = recorded_emulator(self.emulator_file)
        service_pid = int(self.service_pid_file.read_text()) if self.service_pid_file.exists() else None
        return RecordedProcesses(emulator, service_pid)

    def refuse_if_running(self) -> None:
        """Raise LiveError when a local deployment already runs; forget the pid files of dead ones."""
        processes = self.recorded()
        if processes.emulator_alive or processes.service_alive:
            raise LiveError("a local deployment is already up (make status shows it; make down stops it)")
        for stale in (self.emulator_file, self.service_pid_file, self.service_state_file, self.endpoint_file):
            stale.unlink(missing_ok=True)

    def start_service(self, emulator: Emulator, stack_dir: Path, *, port: int = 0,
                      local_cap: int | None = None) -> dict[str, Any]:
        """Start the played service in the background (own process group); wait until it is ready."""
        self.service_state_file.unlink(missing_ok=True)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        if not self.emulator_file.exists():  # an emulator started elsewhere (tests): supervised from here too
            self.emulator_file.write_text(json.dumps(asdict(emulator)))
        args = [sys.executable, "-m", "tooling.live_service", "--emulator-url", emulator.endpoint_url,
                "--emulator-pid", str(emulator.pid), "--stack-dir", str(stack_dir), "--work-dir", str(self.work_dir),
                "--state-file", str(self.service_state_file), "--port", str(port)]
        if local_cap:
            args += ["--local-cap", str(local_cap)]
        with self.service_log.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed module
                args, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stopped as one, untouched by the caller's Ctrl-C
            )
        self.service_pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not self.service_state_file.exists():
            if process.poll() is not None:
                raise LiveError(f"the played service exited with {process.returncode} before it was ready:\n"
                                + _tail(self.service_log, 30))
            if time.monotonic() > deadline:
                stop_process_group(process.pid)
                raise LiveError(f"the played service was not ready within {READY_TIMEOUT_SECONDS} s:\n"
                                + _tail(self.service_log, 30))
            time.sleep(0.2)
        return self.service_state()

    def service_state(self) -> dict[str, Any]:
        """What the ready service wrote about itself (URLs, keys)."""
        state: dict[str, Any] = json.loads(self.service_state_file.read_text())
        return state

    def write_endpoint(self, state: dict[str, Any]) -> dict[str, Any]:
        """endpoint.json from the service's state (mode 0600: it holds the local credentials)."""
        from tooling.live_service import write_json_atomically

        endpoint: dict[str, Any] = {"api_url": state["api_url"], "api_key": state["api_key"],
                                    "emulator_url": state["emulator_url"], "routes": state.get("routes", [])}
        if state.get("auth") == "iam" and state.get("signing_key"):
            key = state["signing_key"]
            endpoint |= {"auth": "iam", "region": state["region"], "access_key_id": key["access_key_id"],
                         "secret_access_key": key["secret_access_key"]}
        write_json_atomically(self.endpoint_file, endpoint, private=True)
        return endpoint

    def print_ready(self, endpoint: dict[str, Any]) -> None:
        """What `make up` prints once everything runs."""
        _say(
            f"\nThe local pipeline is live (details in {self.endpoint_file}):\n"
            f"  API       {endpoint['api_url']}\n"
            f"  emulator  {endpoint['emulator_url']} (AWS_ENDPOINT_URL for any SDK or CLI, credentials test/test)\n"
            "\nTry it:\n" + "\n".join(f"  {line}" for line in curl_commands(endpoint)) +
            "".join(f"\n  (also deployed: {route})" for route in endpoint.get("routes", [])
                    if route not in CURL_ROUTES) +
            "\n\n  make alerts | make report [DATE=YYYY-MM-DD] | make logs [FN=analyzer] | make status | make down"
        )

    def stop_service(self) -> None:
        """Stop the played service (and its function processes) and forget it."""
        processes = self.recorded()
        if processes.service_pid is not None:
            stop_process_group(processes.service_pid)
        for path in (self.service_pid_file, self.service_state_file, self.endpoint_file):
            path.unlink(missing_ok=True)

    def control(self, path: str, body: dict[str, Any] | None = None, timeout: float = 300) -> Any:
        if not self.service_state_file.exists() or not self.recorded().service_alive:
            raise LiveError("the played service is not running (make up starts it; make status says more)")
        base = json.loads(self.service_state_file.read_text())["control_url"]
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{base}{path}", data=data, method="GET" if data is None else "POST",  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise LiveError(f"{path}: {exc.code} {exc.read().decode(errors='replace')}") from exc
        except OSError as exc:
            raise LiveError(f"the played service does not answer on {base}: {exc}") from exc

    def status(self) -> int:
        """Print what runs; 0 when the emulator and the service are both up, 1 otherwise."""
        processes = self.recorded()
        if processes.emulator is None and processes.service_pid is None:
            _say("nothing is up (make up starts the local pipeline)")
            return 1
        emulator = processes.emulator
        if emulator is None:
            _say("emulator   not recorded")
        else:
            state = "up" if processes.emulator_alive and emulator.is_up() else "DEAD" if not processes.emulator_alive \
                else "NOT ANSWERING"
            _say(f"emulator   {state:<13} pid {emulator.pid}  {emulator.endpoint_url}  (log {emulator.log_path})")
        if not processes.service_alive:
            _say(f"service    DEAD          pid {processes.service_pid}  last lines of {self.service_log}:\n"
                 + _tail(self.service_log, 8))
            return 1
        try:
            live = self.control("/status", timeout=10)
        except LiveError as exc:
            _say(f"service    NOT ANSWERING pid {processes.service_pid}: {exc}")
            return 1
        endpoint = json.loads(self.endpoint_file.read_text()) if self.endpoint_file.exists() else {}
        _say(f"service    up            pid {live['pid']}  API {endpoint.get('api_url', '?')}  "
             f"since {live['started_at']}")
        for poller in live["pollers"]:
            health = "alive" if poller["alive"] else "STOPPED"
            last = f" (last: {poller['last_error']})" if poller["last_error"] else ""
            _say(f"  poller {poller['name']:<16} {health}, {poller['rounds']} rounds, "
                 f"{poller['busy_rounds']} with work, {poller['errors']} errors{last}")
        for name, pool in sorted(live["functions"].items()):
            _say(f"  function {name}: {pool['warm']} warm of {pool['limit']}, peak {pool['peak']}, "
                 f"{pool['throttles']} throttled")
        healthy = processes.emulator_alive and all(p["alive"] for p in live["pollers"])
        return 0 if healthy else 1

    def alerts(self) -> int:
        """Print the alerts published since the last call."""
        fresh = self.control("/alerts", timeout=30)
        for alert in fresh:
            _say(alert_line(alert))
        _say(f"{len(fresh)} new alert{'s' if len(fresh) != 1 else ''}")
        return 0

    def report(self, day: str | None) -> int:
        """Fire the report schedule for `day` (today, UTC, by default); print its keys and headline numbers."""
        result = self.control("/report", {"date": day} if day else {})
        for firing in result["firings"]:
            outcome = firing["result"] if firing["ok"] else f"FAILED: {firing['result']}"
            _say(f"{firing['rule']} fired for {result['date']}: {'ok' if firing['ok'] else outcome}")
            if firing["ok"] and isinstance(outcome, dict):
                numbers = ", ".join(f"{k} {v}" for k, v in outcome.items() if isinstance(v, int))
                _say(f"  {numbers}")
        for key in result["keys"]:
            _say(f"  s3 key: {key}")
        for key, summary in result["summaries"].items():
            _say(f"  {key}:")
            for line in headline(summary):
                _say(f"    {line}")
        return 0 if result["firings"] and all(f["ok"] for f in result["firings"]) else 1

    def log_files(self, function_filter: str | None) -> list[Path]:
        """The played functions' log files (and the service's own, as "service") matching the filter."""
        files = sorted(self.function_log_dir.glob("*.log")) + ([self.service_log] if self.service_log.exists() else [])
        return [f for f in files if not function_filter or function_filter in f.stem]

    def logs(self, function_filter: str | None, lines: int) -> int:
        """Print the last `lines` lines of each matching log, structured logs made readable."""
        files = self.log_files(function_filter)
        if not files:
            _say(f"no logs{f' matching {function_filter!r}' if function_filter else ''} in {self.function_log_dir}")
            return 1
        for path in files:
            _say(f"== {path.stem} ({path})")
            for line in _last_lines(path, lines):
                _say(log_line(line))
        return 0


CURL_ROUTES = ("POST /transactions", "GET /transactions/{id}", "POST /transactions/{id}/label")
"""The routes the printed curl lines call."""


def curl_commands(endpoint: dict[str, Any]) -> list[str]:
    """Ready-to-paste curl lines: POST a transaction, GET it back, label it (an analyst's fraud call)."""
    # A transaction of the last hour (the sample's history is days old), with an id easy to GET back.
    recent = next(s for s in sample_transactions(datetime.now(UTC), "try") if s.scenario == "normal")
    example = recent.body | {"transaction_id": "try-0001"}
    auth = []
    if endpoint.get("auth") == "iam":
        auth += ["--aws-sigv4", f"aws:amz:{endpoint['region']}:execute-api",
                 "--user", f"{endpoint['access_key_id']}:{endpoint['secret_access_key']}"]
    if endpoint.get("api_key"):
        auth += ["-H", f"x-api-key: {endpoint['api_key']}"]
    base = endpoint["api_url"]
    post = ["curl", "-sS", "-X", "POST", f"{base}/transactions", *auth, "-H", "Content-Type: application/json",
            "-d", json.dumps(example, separators=(",", ":"))]
    get = ["curl", "-sS", f"{base}/transactions/{example['transaction_id']}", *auth]
    label = ["curl", "-sS", "-X", "POST", f"{base}/transactions/{example['transaction_id']}/label", *auth,
             "-H", "Content-Type: application/json", "-d", '{"label":"fraud","source":"analyst"}']
    return [shlex.join(post), shlex.join(get), shlex.join(label)]

def headline(report: dict[str, Any]) -> list[str]:
    """The headline numbers of a JSON report: its scalar fields and its flat tables (e.g. decisions)."""
    lines = [f"{k}: {v}" for k, v in report.items() if isinstance(v, int | float | str) and not isinstance(v, bool)]
    for name, value in report.items():
        if isinstance(value, dict) and all(isinstance(v, int | float | str) for v in value.values()):
            lines.append(f"{name}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
        elif isinstance(value, list) and value and all(isinstance(row, dict) for row in value) and len(value) <= 5:
            lines.append(f"{name}: " + "; ".join(", ".join(f"{v}" for v in row.values()) for row in value))
    return lines


def alert_line(alert: dict[str, Any]) -> str:
    """One readable line per alert."""
    message = alert.get("message") or {}
    transaction = message.get("transaction") or {}
    rules = ", ".join(str(r.get("rule")) for r in message.get("reasons") or [] if isinstance(r, dict))
    return (f"{message.get('scored_at') or '-':<25} {str(message.get('decision', '?')).upper():<6} "
            f"score {message.get('risk_score', '?'):>3}  {transaction.get('transaction_id', '?')}  "
            f"{transaction.get('amount', '?')} {transaction.get('currency', '')}  {rules}")

def log_line(line: str) -> str:
    """A structured (JSON) log line as `time level message key=value ...`; other lines unchanged."""
    try:
        record = json.loads(line)
    except ValueError:
        return line.rstrip("\n")
    if not isinstance(record, dict):
        return line.rstrip("\n")
    if "_aws" in record and "message" not in record:  # an EMF metrics document
        return "metrics " + json.dumps({k: v for k, v in record.items() if k != "_aws"}, default=str)
    shown = ("timestamp", "level", "message", "function_name", "service", "location", "cold_start",
             "function_memory_size", "function_arn", "function_request_id", "xray_trace_id", "sampling_rate")
    extra = " ".join(f"{k}={json.dumps(v, default=str)}" for k, v in record.items() if k not in shown)
    return f"{record.get('timestamp', '-')} {record.get('level', '-'):<7} {record.get('message', '')} {extra}".rstrip()

def _last_lines(path: Path, count: int) -> Iterable[str]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        return list(handle)[-count:]

def _tail(path: Path, count: int) -> str:
    if not path.exists():
        return "  (no log)"
    return "\n".join(f"  {line.rstrip()}" for line in _last_lines(path, count))
