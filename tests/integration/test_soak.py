"""A short soak on the session's deployment: a few hundred requests from concurrent clients through the
played service, every fault once, and every invariant asserted (the full run is `make soak`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import LocalDeployment
from tooling.live_local import LocalLive
from tooling.soak.fault_schedule import FAULTS
from tooling.soak.run import SoakResult, SoakTarget, run_soak
from tooling.soak.settings import SoakSettings

pytestmark = pytest.mark.integration

SHORT = SoakSettings(requests=300, rate=12.0, clients=4, fault_seconds=1.5, fault_max_seconds=45.0,
                     settle_seconds=60.0)


@pytest.fixture(scope="module")
def soak(local_deployment: LocalDeployment, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoakResult]:
    work = tmp_path_factory.mktemp("soak")
    live = LocalLive(work)
    live.start_service(local_deployment.emulator, local_deployment.stack_dir)
    live.write_endpoint(live.service_state())
    try:
        target = SoakTarget(live, local_deployment.stack_dir, local_deployment.toolchain.outputs(),
                            local_deployment.endpoint_url)
        yield run_soak(target, SHORT, result_file=work / "result.json")
    finally:
        live.stop_service()
    assert not (work / "faults" / "plan.json").exists()  # the faults are cleared


def test_every_invariant_holds_after_load_and_faults(soak: SoakResult) -> None:
    failed = [f"{c.name}: {c.detail}" for c in soak.checks if c.passed is False]
    assert failed == []
    skipped = {c.name: c.detail for c in soak.checks if c.passed is None}
    assert skipped == {}  # the merchant counters are fed by the analyzer's write-back, so checked too


def test_every_fault_fired_in_its_window(soak: SoakResult) -> None:
    faults = {f["fault"]: f for f in soak.document["faults"]}
    assert set(faults) == {f.name for f in FAULTS}
    for fault in faults.values():
        assert fault["injected"] >= 1, fault
        assert fault["window_seconds"] is not None and fault["window_seconds"] <= SHORT.fault_max_seconds + 1
    assert faults["analyzer killed mid-batch"]["injected"] == 1
    assert faults["malformed stream record"]["injected"] == 1


def test_the_redrive_resolved_the_malformed_records_failure(soak: SoakResult) -> None:
    assert "resolved stream failures" in soak.document["redrive"]


def test_the_run_was_measured(soak: SoakResult) -> None:
    figures = soak.document["figures"]
    assert figures["accepted"] > 0 and figures["post_ms"]["n"] == SHORT.requests
    assert figures["post_to_score_s"]["n"] > 0 and figures["post_to_alert_s"]["n"] > 0
    assert figures["cpu_seconds"] > 0
