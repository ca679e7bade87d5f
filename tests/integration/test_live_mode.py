"""The live mode (make up ... make down) on the session's deployment: the played service in the background,
the API on a loopback port with the deployed key, validator and web ACL, scoring and alerts within
seconds, the report on demand, supervision, and a down that leaves no process and an empty state.

These tests end the session's deployment, so they run after every other test (see conftest).
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import LocalDeployment
from tooling.live_local import LiveError, LocalLive
from tooling.local_deploy import REMOTE_STATE_STACKS
from tooling.local_main import destroy
from tooling.process_group import process_alive
from tooling.sample_transactions import sample_transactions

pytestmark = [pytest.mark.integration, pytest.mark.tears_down_deployment]
DELIVERY_SECONDS = 10  # POST -> scored -> alerted, as promised


@pytest.fixture(scope="module")
def live(local_deployment: LocalDeployment, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLive]:
    local = LocalLive(tmp_path_factory.mktemp("live"))
    local.start_service(local_deployment.emulator, local_deployment.stack_dir)
    local.write_endpoint(local.service_state())
    try:
        yield local
    finally:
        local.stop_service()


@pytest.fixture(scope="module")
def endpoint(live: LocalLive) -> dict[str, Any]:
    return dict(json.loads(live.endpoint_file.read_text()))


def _call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _key(endpoint: dict[str, Any]) -> dict[str, str]:
    return {"x-api-key": endpoint["api_key"]}


def _transaction(**overrides: Any) -> dict[str, Any]:
    body = {"transaction_id": f"live-{uuid.uuid4().hex[:12]}", "amount": "21.50", "currency": "EUR",
            "customer_id": f"live-cust-{uuid.uuid4().hex[:6]}", "merchant_id": "live-merchant",
            "merchant_category": "5411", "country": "DE"}
    return body | overrides


def _group_members(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def test_the_endpoint_file_says_how_to_reach_the_api(endpoint: dict[str, Any], live: LocalLive) -> None:
    assert endpoint["api_url"].startswith("http://127.0.0.1:") and endpoint["api_url"].endswith("/v1")
    assert endpoint["api_key"] and endpoint["emulator_url"].startswith("http://127.0.0.1:")
    assert live.endpoint_file.stat().st_mode & 0o077 == 0  # holds credentials: owner only


def test_a_second_up_is_refused_while_one_runs(live: LocalLive) -> None:
    with pytest.raises(LiveError, match="already up"):
        live.refuse_if_running()


def test_the_deployed_api_key_is_enforced_on_the_port(endpoint: dict[str, Any]) -> None:
    status, body = _call("POST", f"{endpoint['api_url']}/transactions", _transaction())
    assert (status, body["message"]) == (403, "Forbidden")
    status, body = _call("POST", f"{endpoint['api_url']}/transactions", _transaction(),
                         {"x-api-key": "not-a-key"})
    assert status == 403
    status, body = _call("GET", f"{endpoint['api_url'].rsplit('/', 1)[0]}/other-stage/transactions/x",
                         headers=_key(endpoint))
    assert (status, body["message"]) == (403, "Missing Authentication Token")


def test_the_request_validator_answers_in_api_gateways_shape(endpoint: dict[str, Any]) -> None:
    status, body = _call("POST", f"{endpoint['api_url']}/transactions", {"amount": "1.00"}, _key(endpoint))
    assert status == 400
    assert body["error"] == "validation_failed" and body["request_id"]
    assert body["message"].startswith("[object has missing required properties ([")
    assert '"currency"' in body["message"]


def test_a_body_over_the_web_acls_limit_is_refused_with_413(endpoint: dict[str, Any]) -> None:
    status, body = _call("POST", f"{endpoint['api_url']}/transactions",
                         _transaction(merchant_id="m" * 9000), _key(endpoint))
    assert status == 413
    assert body["error"] == "payload_too_large"


def test_a_suspicious_transaction_is_scored_and_alerted_within_seconds(endpoint: dict[str, Any],
                                                                      live: LocalLive) -> None:
    live.control("/alerts")  # forget earlier alerts
    sample = next(s for s in sample_transactions(datetime.now(UTC), f"live{uuid.uuid4().hex[:6]}")
                  if s.scenario == "high_amount")
    posted = time.monotonic()
    status, _ = _call("POST", f"{endpoint['api_url']}/transactions", sample.body, _key(endpoint))
    assert status == 201
    scored: dict[str, Any] = {}
    while time.monotonic() - posted < DELIVERY_SECONDS and "decision" not in scored:
        status, scored = _call("GET", f"{endpoint['api_url']}/transactions/{sample.transaction_id}",
                               headers=_key(endpoint))
        time.sleep(0.2)
    assert scored.get("decision") == sample.expected_decision, scored
    alerted: list[dict[str, Any]] = []
    while time.monotonic() - posted < DELIVERY_SECONDS and not alerted:
        alerted = [a for a in live.control("/alerts")
                   if a["message"]["transaction"]["transaction_id"] == sample.transaction_id]
        time.sleep(0.2)
    assert alerted, f"no alert for {sample.transaction_id} within {DELIVERY_SECONDS} s"
    assert alerted[0]["message"]["decision"] == sample.expected_decision
    print(f"POST -> scored and alerted in {time.monotonic() - posted:.1f} s")


def test_concurrent_clients_are_served_concurrently(endpoint: dict[str, Any], live: LocalLive) -> None:
    bodies = [_transaction() for _ in range(8)]
    with ThreadPoolExecutor(8) as executor:
        statuses = list(executor.map(
            lambda body: _call("POST", f"{endpoint['api_url']}/transactions", body, _key(endpoint))[0], bodies))
    assert statuses == [201] * 8
    api_function = live.control("/status")["functions"]
    assert max(pool["peak"] for pool in api_function.values()) > 1


def test_the_daily_report_is_fired_on_demand(live: LocalLive) -> None:
    today = datetime.now(UTC).date().isoformat()
    result = live.control("/report", {"date": today})
    assert result["firings"] and all(f["ok"] for f in result["firings"])
    assert any(key.endswith(".json") for key in result["keys"])
    assert result["firings"][0]["result"]["transaction_count"] >= 9  # at least what this module posted


def test_status_reports_every_poller_alive(live: LocalLive, capsys: pytest.CaptureFixture[str]) -> None:
    assert live.status() == 0
    out = capsys.readouterr().out
    assert "emulator   up" in out and "service    up" in out and "STOPPED" not in out


def test_a_crashed_service_leaves_no_orphans_and_status_says_so(live: LocalLive,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    pid = live.recorded().service_pid
    assert pid is not None and len(_group_members(pid)) > 1  # the service and its function processes
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (process_alive(pid) or _group_members(pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _group_members(pid) == []  # the function processes ended with it
    assert live.status() == 1
    assert "DEAD" in capsys.readouterr().out


def test_down_leaves_no_process_and_an_empty_state(live: LocalLive, local_deployment: LocalDeployment) -> None:
    live.start_service(local_deployment.emulator, local_deployment.stack_dir)  # up again after the crash
    service_pid = live.recorded().service_pid
    assert service_pid is not None
    assert destroy(live, local_deployment.toolchain) == 0
    for pid in (service_pid, local_deployment.emulator.pid):
        assert not process_alive(pid) and _group_members(pid) == []
    for stack in REMOTE_STATE_STACKS:
        assert local_deployment.toolchain.state_list(stack) == [] or not local_deployment.emulator.is_up()
    assert not live.emulator_file.exists() and not live.service_pid_file.exists() and not live.endpoint_file.exists()
