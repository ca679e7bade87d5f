"""The local toolchain applies stacks at the same time, except a stack after those it depends on (the
pipeline after the network), and never a stack whose prerequisite failed. Terraform is replaced by a
stand-in that records when each stack's apply starts."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tooling import local_deploy
from tooling.deploy_progress import StackProgress
from tooling.local_deploy import DeployError, LocalToolchain


class _Terraform:
    """Stands in for `terraform apply`: records the order applies start in; `slow` stacks take a moment
    before they start (so an apply that did not wait would start first), `failing` ones exit 1."""

    def __init__(self, *, slow: set[str], failing: set[str]) -> None:
        self.started: list[str] = []
        self.slow, self.failing = slow, failing
        self._lock = threading.Lock()

    def popen(self, args: list[str], cwd: Path, **_: Any) -> Any:
        stack = Path(cwd).name
        if stack in self.slow:
            time.sleep(0.3)
        with self._lock:
            self.started.append(stack)
        return _Process(returncode=1 if stack in self.failing else 0)


class _Process:
    def __init__(self, returncode: int) -> None:
        self.returncode = returncode
        self.stdout: list[str] = []

    def __enter__(self) -> _Process:
        return self

    def __exit__(self, *_: object) -> None:
        return None


def _toolchain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terraform: _Terraform) -> LocalToolchain:
    monkeypatch.setattr(local_deploy.subprocess, "run",
                        lambda args, **_: subprocess.CompletedProcess(args, 0, "", ""))
    monkeypatch.setattr(local_deploy.subprocess, "Popen", terraform.popen)
    toolchain = LocalToolchain("http://127.0.0.1:1", outdir=tmp_path / "out", log_dir=tmp_path / "logs")
    for stack in ("account", "network", "pipeline"):
        toolchain.stack_dir(stack).mkdir(parents=True)
    return toolchain


def test_a_stack_is_applied_after_the_stack_it_depends_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terraform = _Terraform(slow={"network"}, failing=set())
    toolchain = _toolchain(tmp_path, monkeypatch, terraform)
    toolchain._apply_stacks("deploy", ["account", "network", "pipeline"], after={"pipeline": ["network"]})
    assert terraform.started.index("network") < terraform.started.index("pipeline")
    assert terraform.started[0] == "account"  # independent stacks do not wait


def test_without_the_dependency_the_slow_stack_starts_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The stand-in's premise: only the recorded dependency makes the pipeline wait.
    terraform = _Terraform(slow={"network"}, failing=set())
    _toolchain(tmp_path, monkeypatch, terraform)._apply_stacks("deploy", ["account", "network", "pipeline"])
    assert terraform.started[-1] == "network"


def test_a_stack_whose_prerequisite_failed_is_not_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terraform = _Terraform(slow=set(), failing={"network"})
    toolchain = _toolchain(tmp_path, monkeypatch, terraform)
    with pytest.raises(DeployError) as failure:
        toolchain._apply_stacks("deploy", ["network", "pipeline"], after={"pipeline": ["network"]})
    assert terraform.started == ["network"]
    assert "not started: network did not apply" in str(failure.value)


def test_the_dependencies_come_from_the_synthesized_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toolchain = _toolchain(tmp_path, monkeypatch, _Terraform(slow=set(), failing=set()))
    (toolchain.outdir / "manifest.json").write_text(
        '{"stacks": {"network": {"dependencies": []}, "pipeline": {"dependencies": ["network"]}}}')
    assert toolchain.dependencies() == {"network": [], "pipeline": ["network"]}


def test_a_stack_waiting_on_another_says_so() -> None:
    progress = StackProgress("fraud-detection-local", phase="waiting for fraud-detection-local-network")
    assert progress.describe().startswith("fraud-detection-local waiting for fraud-detection-local-network ")
