"""Why the deploy applies a saved plan file: Terraform applies exactly what the plan recorded, and
refuses the file once the state has moved since the plan was made (a concurrent apply, a manual
change), so an approval can never end up applying something nobody reviewed. Shown here with
Terraform's built-in `terraform_data` resource and a local state, offline."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.terraform

CONFIG = """
variable "value" {
  type = string
}

resource "terraform_data" "reviewed" {
  input = var.value
}
"""


def _terraform(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1",
           "TF_CLI_CONFIG_FILE": os.devnull}
    return subprocess.run(["terraform", f"-chdir={workdir}", *args, "-no-color"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(CONFIG)
    _ok(_terraform(tmp_path, "init", "-input=false"))
    _ok(_terraform(tmp_path, "apply", "-input=false", "-auto-approve", "-var", "value=v1"))
    return tmp_path


def _applied_value(workdir: Path) -> str:
    return _ok(_terraform(workdir, "state", "show", "terraform_data.reviewed"))


def test_a_saved_plan_applies_what_was_planned(workdir: Path) -> None:
    _ok(_terraform(workdir, "plan", "-input=false", "-var", "value=v2", "-out=plan.tfplan"))
    _ok(_terraform(workdir, "apply", "-input=false", "plan.tfplan"))
    assert '"v2"' in _applied_value(workdir)


def test_a_saved_plan_is_refused_once_the_state_moved(workdir: Path) -> None:
    _ok(_terraform(workdir, "plan", "-input=false", "-var", "value=v2", "-out=plan.tfplan"))
    # Someone applies another change after the review.
    _ok(_terraform(workdir, "apply", "-input=false", "-auto-approve", "-var", "value=v3"))
    stale = _terraform(workdir, "apply", "-input=false", "plan.tfplan")
    assert stale.returncode != 0
    assert "Saved plan is stale" in stale.stderr
    assert '"v3"' in _applied_value(workdir)
