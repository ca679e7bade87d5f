"""Every synthesized stack passes `terraform init -backend=false` and `terraform validate`.

Providers come from a local filesystem mirror when one is found (TF_PROVIDER_MIRROR, or
auto-detected), so this runs offline; see tooling/terraform_mirror.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SynthesizedApp
from tests.stacks.test_environment_stacks import ALL_STACKS
from tooling.terraform_mirror import write_cli_config

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def terraform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for terraform: CLI config with the provider mirror, no prompts, no colour."""
    terraform = shutil.which("terraform")
    assert terraform, "terraform must be on PATH (see README prerequisites)"
    config = write_cli_config(tmp_path_factory.mktemp("tf") / "terraformrc")
    return {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1"}


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_stack_validates(synthesized: SynthesizedApp, terraform_env: dict[str, str], stack: str) -> None:
    directory = synthesized.stack_dir(stack)
    init = _run(["init", "-backend=false", "-input=false"], directory, terraform_env)
    assert init.returncode == 0, init.stdout + init.stderr
    validate = _run(["validate"], directory, terraform_env)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "The configuration is valid" in validate.stdout
