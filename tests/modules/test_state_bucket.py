"""The Terraform state bucket and its key."""

from __future__ import annotations

import pytest
from terraform_json import at_path, ref, referenced_policy

from tests.conftest import SynthesizedApp

STATE_STACKS = [("fraud-detection-state", "fraud-detection-tfstate", False),
                ("fraud-detection-state-local", "fraud-detection-tfstate-local", True)]
REMOTE_STATE_STACKS = ["fraud-detection-dev", "fraud-detection-staging", "fraud-detection-prod",
                       "fraud-detection-account-us-east-1"]


@pytest.mark.parametrize(("stack", "name", "disposable"), STATE_STACKS)
def test_bucket_has_the_fixed_name_every_backend_points_at(
    synthesized: SynthesizedApp, stack: str, name: str, disposable: bool
) -> None:
    _, bucket = at_path(synthesized.resources(stack, "aws_s3_bucket"), "state/bucket/bucket")
    assert bucket["bucket"] == name
    assert "bucket_prefix" not in bucket
    assert bucket["force_destroy"] is disposable


@pytest.mark.parametrize(("stack", "name", "disposable"), STATE_STACKS)
def test_state_has_its_own_rotating_key(synthesized: SynthesizedApp, stack: str, name: str, disposable: bool) -> None:
    keys = synthesized.resources(stack, "aws_kms_key")
    assert len(keys) == 1
    key_id, key = at_path(keys, "state/key/key")
    assert key["enable_key_rotation"] is True
    assert key["deletion_window_in_days"] == 30
    [alias] = synthesized.resources(stack, "aws_kms_alias").values()
    assert alias["name"] == f"alias/{name}-state"
    assert alias["target_key_id"] == ref("aws_kms_key", key_id, "key_id")
    sids = {s["sid"] for s in referenced_policy(synthesized, stack, key["policy"])}
    assert "KeyAdministrationByAccount" in sids


@pytest.mark.parametrize(("stack", "name", "disposable"), STATE_STACKS)
def test_every_state_revision_is_kept_encrypted_and_private(
    synthesized: SynthesizedApp, stack: str, name: str, disposable: bool
) -> None:
    key_id, _ = at_path(synthesized.resources(stack, "aws_kms_key"), "state/key/key")
    _, versioning = at_path(synthesized.resources(stack, "aws_s3_bucket_versioning"), "state/bucket/versioning")
    _, encryption = at_path(
        synthesized.resources(stack, "aws_s3_bucket_server_side_encryption_configuration"), "state/bucket/encryption")
    _, block = at_path(synthesized.resources(stack, "aws_s3_bucket_public_access_block"), "state/bucket/public-access")
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    [rule] = encryption["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms", "kms_master_key_id": ref("aws_kms_key", key_id, "arn")}
    assert all(block[s] for s in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                  "restrict_public_buckets"))


def test_aws_state_bucket_denies_requests_without_tls(synthesized: SynthesizedApp) -> None:
    stack = "fraud-detection-state"
    _, policy = at_path(synthesized.resources(stack, "aws_s3_bucket_policy"), "state/bucket/policy")
    [deny] = referenced_policy(synthesized, stack, policy["policy"])
    assert (deny["effect"], deny["actions"]) == ("Deny", ["s3:*"])
    assert deny["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]


@pytest.mark.parametrize("stack", [s for s, _, _ in STATE_STACKS])
def test_bootstrap_stack_keeps_no_lock_table(synthesized: SynthesizedApp, stack: str) -> None:
    # Locking uses S3 conditional writes (use_lockfile), so no DynamoDB table belongs to the state.
    assert synthesized.resources(stack, "aws_dynamodb_table") == {}


@pytest.mark.parametrize("stack", REMOTE_STATE_STACKS)
def test_stacks_keep_state_in_the_state_bucket_with_native_locking(synthesized: SynthesizedApp, stack: str) -> None:
    backend = synthesized.stack(stack)["terraform"]["backend"]["s3"]
    assert backend["bucket"] == "fraud-detection-tfstate"
    assert backend["use_lockfile"] is True


@pytest.mark.parametrize("stack", REMOTE_STATE_STACKS)
def test_state_objects_are_encrypted_with_the_state_key(synthesized: SynthesizedApp, stack: str) -> None:
    backend = synthesized.stack(stack)["terraform"]["backend"]["s3"]
    # Either name the key, or send no encryption header so the bucket's SSE-KMS default applies.
    assert backend.get("kms_key_id") or not backend.get("encrypt")
