"""A local deploy applies once more only when the emulator, not the stacks, made the apply fail; the
remote-state stacks start once the state bucket can hold state."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from tooling.deploy_progress import StackProgress
from tooling.local_deploy import EMULATOR_REQUEST_RACES, DeployError, LocalToolchain, state_backend_ready


class _ScriptedApplies(LocalToolchain):
    """Each apply of the remote-state stacks fails with the next scripted error (None: succeeds)."""

    def __init__(self, tmp_path: Path, failures: Sequence[str | None]) -> None:
        super().__init__("http://127.0.0.1:1", outdir=tmp_path, log_dir=tmp_path, progress_out=io.StringIO())
        self.failures = list(failures)
        self.applies: list[str] = []

    def dependencies(self) -> dict[str, list[str]]:
        return {}

    def _apply_stacks(self, step: str, stacks: Sequence[str], *, destroy: bool = False,
                      after: Mapping[str, Sequence[str]] | None = None,
                      ready_when: Mapping[str, Callable[[StackProgress], bool]] | None = None) -> None:
        self.applies.append(f"{step}: {len(stacks)} stacks")
        if self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                raise DeployError(f"apply of fraud-detection-local failed:\nError: ... api error {failure}: ...")


@pytest.mark.parametrize("race", EMULATOR_REQUEST_RACES)
def test_an_emulator_race_is_applied_once_more_and_reported(tmp_path: Path, race: str) -> None:
    toolchain = _ScriptedApplies(tmp_path, [race, None])
    toolchain.deploy()
    assert toolchain.applies == ["deploy-stacks: 4 stacks", "deploy-stacks: 3 stacks"]
    assert toolchain.emulator_retries == [race]
    assert race in toolchain.progress_out.getvalue()  # type: ignore[union-attr]


def test_an_error_of_the_stacks_is_raised_without_a_second_apply(tmp_path: Path) -> None:
    toolchain = _ScriptedApplies(tmp_path, ["InvalidParameterValue"])
    with pytest.raises(DeployError, match="InvalidParameterValue"):
        toolchain.deploy()
    assert toolchain.applies == ["deploy-stacks: 4 stacks"]


def test_a_race_that_comes_back_is_raised_after_the_second_apply(tmp_path: Path) -> None:
    race = EMULATOR_REQUEST_RACES[0]
    toolchain = _ScriptedApplies(tmp_path, [race, race])
    with pytest.raises(DeployError, match=race):
        toolchain.deploy()
    assert toolchain.applies == ["deploy-stacks: 4 stacks", "deploy-stacks: 3 stacks"]


def _event(kind: str, address: str) -> str:
    if kind == "planned_change":
        return json.dumps({"type": kind, "change": {"resource": {"addr": address}, "action": "create"}})
    return json.dumps({"type": kind, "hook": {"resource": {"addr": address}, "action": "create"}})


def test_the_state_backend_is_ready_before_the_lifecycle_rules_are() -> None:
    bucket, versioning, lifecycle = ("aws_s3_bucket.state_bucket", "aws_s3_bucket_versioning.state_versioning",
                                     "aws_s3_bucket_lifecycle_configuration.state_lifecycle")
    progress = StackProgress("fraud-detection-state-local")
    for address in (bucket, versioning, lifecycle):
        progress.feed(_event("planned_change", address))
    assert not state_backend_ready(progress)  # planned, nothing applied yet
    for address in (bucket, versioning, lifecycle):
        progress.feed(_event("apply_start", address))
    progress.feed(_event("apply_complete", bucket))
    assert not state_backend_ready(progress)  # versioning still in flight
    progress.feed(_event("apply_complete", versioning))
    assert state_backend_ready(progress)  # only the lifecycle rules left: state can be written
