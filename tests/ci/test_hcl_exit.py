"""The exit path to plain Terraform: `cdktf synth --hcl` writes HCL that Terraform validates
without cdktf, so the project can leave cdktf by committing that output (see README)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.stacks.test_environment_stacks import ALL_STACKS
from tooling.terraform_mirror import write_cli_config

pytestmark = pytest.mark.terraform

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hcl_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every stack synthesized once as HCL into a temporary directory (never cdktf.out)."""
    out = tmp_path_factory.mktemp("hcl")
    env = {**os.environ, "CI": "true", "CHECKPOINT_DISABLE": "1", "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        ["npx", "--no-install", "cdktf", "synth", "--hcl", "--output", str(out)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def terraform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Terraform with the provider mirror, no prompts."""
    config = write_cli_config(tmp_path_factory.mktemp("tf") / "terraformrc")
    return {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1"}


def _terraform(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_every_stack_is_written_as_hcl(hcl_out: Path) -> None:
    written = sorted(p.name for p in (hcl_out / "stacks").iterdir())
    assert written == sorted(ALL_STACKS)
    for stack in written:
        directory = hcl_out / "stacks" / stack
        # cdktf 0.21 names the HCL file cdk.tf (main.tf in older releases); no JSON beside it.
        assert (directory / "cdk.tf").is_file(), stack
        assert not (directory / "cdk.tf.json").exists(), stack


@pytest.mark.parametrize(
    "stack", ALL_STACKS
)
def test_the_hcl_validates_without_cdktf(hcl_out: Path, terraform_env: dict[str, str], stack: str) -> None:
    directory = hcl_out / "stacks" / stack
    init = _terraform(["init", "-backend=false", "-input=false"], directory, terraform_env)
    assert init.returncode == 0, init.stdout + init.stderr
    validate = _terraform(["validate"], directory, terraform_env)
    assert validate.returncode == 0, validate.stdout + validate.stderr
