"""Remote state: one S3 key per stack, encrypted, S3-native locking; the bootstrap stack holds the bucket."""

from __future__ import annotations

import pytest

from tests.conftest import SynthesizedApp
from tests.modules.terraform_json import at_path

REMOTE = {
    "fraud-detection-dev": ("fraud-detection-tfstate", "fraud-detection/dev/terraform.tfstate"),
    "fraud-detection-staging": ("fraud-detection-tfstate", "fraud-detection/staging/terraform.tfstate"),
    "fraud-detection-prod": ("fraud-detection-tfstate", "fraud-detection/prod/terraform.tfstate"),
    "fraud-detection-account-us-east-1": ("fraud-detection-tfstate",
                                          "fraud-detection/account-us-east-1/terraform.tfstate"),
    "fraud-detection-local": ("fraud-detection-tfstate-local", "fraud-detection/local/terraform.tfstate"),
    "fraud-detection-account-local": ("fraud-detection-tfstate-local",
                                      "fraud-detection/account-local/terraform.tfstate"),
    "fraud-detection-dev-network": ("fraud-detection-tfstate", "fraud-detection/dev/network/terraform.tfstate"),
    "fraud-detection-staging-network": ("fraud-detection-tfstate",
                                        "fraud-detection/staging/network/terraform.tfstate"),
    "fraud-detection-prod-network": ("fraud-detection-tfstate", "fraud-detection/prod/network/terraform.tfstate"),
    "fraud-detection-local-network": ("fraud-detection-tfstate-local",
                                      "fraud-detection/local/network/terraform.tfstate"),
}


@pytest.mark.parametrize(("stack", "expected"), REMOTE.items())
def test_each_stack_has_its_own_encrypted_locked_key(
    synthesized: SynthesizedApp, stack: str, expected: tuple[str, str]
) -> None:
    backend = synthesized.stack(stack)["terraform"]["backend"]["s3"]
    assert (backend["bucket"], backend["key"]) == expected
    assert backend["encrypt"] is True
    assert backend["use_lockfile"] is True
    assert "dynamodb_table" not in backend


def test_state_keys_never_collide(synthesized: SynthesizedApp) -> None:
    keys = [(b, k) for b, k in REMOTE.values()]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("stack", ["fraud-detection-local", "fraud-detection-local-network"])
def test_the_local_backend_lives_in_the_emulator(synthesized: SynthesizedApp, stack: str) -> None:
    backend = synthesized.stack(stack)["terraform"]["backend"]["s3"]
    assert backend["endpoints"]["s3"] == "http://127.0.0.1:5000"
    assert backend["use_path_style"] is True
    # The pipeline reads the network's outputs from the emulator too.
    for state in synthesized.data("fraud-detection-local", "terraform_remote_state").values():
        assert state["config"]["endpoints"]["s3"] == "http://127.0.0.1:5000"
        assert state["config"]["skip_requesting_account_id"] is True
    aws_backend = synthesized.stack("fraud-detection-prod")["terraform"]["backend"]["s3"]
    assert "endpoints" not in aws_backend and "access_key" not in aws_backend


@pytest.mark.parametrize("stack", ["fraud-detection-state", "fraud-detection-state-local"])
def test_bootstrap_stacks_keep_their_own_state_locally(synthesized: SynthesizedApp, stack: str) -> None:
    backend = synthesized.stack(stack)["terraform"].get("backend", {})
    assert "s3" not in backend
    _, bucket = at_path(synthesized.resources(stack, "aws_s3_bucket"), "state/bucket/bucket")
    expected = "fraud-detection-tfstate-local" if stack.endswith("local") else "fraud-detection-tfstate"
    assert bucket["bucket"] == expected
