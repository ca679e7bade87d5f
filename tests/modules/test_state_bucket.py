"""The Terraform state bucket and its key."""

from __future__ import annotations

import pytest
from terraform_json import at_path, ref, referenced_policy, statement

from tests.conftest import SynthesizedApp

STATE_STACKS = [("fraud-detection-state", "fraud-detection-tfstate", False),
                ("fraud-detection-state-local", "fraud-detection-tfstate-local", True)]
REMOTE_STATE_STACKS = ["fraud-detection-dev", "fraud-detection-staging", "fraud-detection-prod",
                       "fraud-detection-dev-network", "fraud-detection-staging-network", "fraud-detection-prod-network",
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
    deny = statement(referenced_policy(synthesized, stack, policy["policy"]), "DenyInsecureTransport")
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


STATE = "fraud-detection-state"
ENVIRONMENTS = ("dev", "staging", "prod")


def _role(synthesized: SynthesizedApp, role: str) -> str:
    [(partition_id, _)] = synthesized.data(STATE, "aws_partition").items()
    [(account_id, _)] = synthesized.data(STATE, "aws_caller_identity").items()
    return (f"arn:${{data.aws_partition.{partition_id}.partition}}:iam::"
            f"${{data.aws_caller_identity.{account_id}.account_id}}:{role}")


def _admitted(synthesized: SynthesizedApp) -> list[str]:
    ci = [_role(synthesized, f"role/github-deploy/fraud-{access}-{env}")
          for env in ENVIRONMENTS for access in ("deploy", "plan")]
    return [*ci, _role(synthesized, "role/fraud-state-break-glass")]


def _bucket_policy(synthesized: SynthesizedApp) -> list[dict]:
    _, policy = at_path(synthesized.resources(STATE, "aws_s3_bucket_policy"), "state/bucket/policy")
    return referenced_policy(synthesized, STATE, policy["policy"])


def test_the_state_bucket_admits_the_ci_roles_and_the_break_glass_role_only(synthesized: SynthesizedApp) -> None:
    bucket_id, _ = at_path(synthesized.resources(STATE, "aws_s3_bucket"), "state/bucket/bucket")
    bucket = ref("aws_s3_bucket", bucket_id, "arn")
    deny = statement(_bucket_policy(synthesized), "OnlyAdmittedRoles")
    assert (deny["effect"], deny["actions"]) == ("Deny", ["s3:*"])
    assert deny["resources"] == [bucket, f"{bucket}/*"]
    assert deny["principals"] == [{"type": "AWS", "identifiers": ["*"]}]
    assert deny["condition"] == [
        {"test": "ArnNotEquals", "variable": "aws:PrincipalArn", "values": _admitted(synthesized)}]


@pytest.mark.parametrize(("index", "environment"), list(enumerate(ENVIRONMENTS)))
def test_each_environments_ci_roles_reach_their_own_state_prefix_only(
    synthesized: SynthesizedApp, index: int, environment: str
) -> None:
    statements = _bucket_policy(synthesized)
    roles = [_role(synthesized, f"role/github-deploy/fraud-{a}-{environment}") for a in ("deploy", "plan")]
    objects, listing = statement(statements, f"StateObjects{index}"), statement(statements, f"StateListing{index}")
    assert objects["resources"][0].endswith(f"/fraud-detection/{environment}/*")
    assert sorted(objects["actions"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert listing["actions"] == ["s3:ListBucket"]
    for stmt in (objects, listing):
        assert {"test": "ArnEquals", "variable": "aws:PrincipalArn", "values": roles} in stmt["condition"]
    assert {"test": "StringLike", "variable": "s3:prefix", "values": [f"fraud-detection/{environment}/*"]} in (
        listing["condition"])


@pytest.mark.parametrize(("index", "environment"), list(enumerate(ENVIRONMENTS)))
def test_both_state_keys_of_an_environment_lie_in_the_prefix_its_roles_are_admitted_to(
    synthesized: SynthesizedApp, index: int, environment: str
) -> None:
    objects = statement(_bucket_policy(synthesized), f"StateObjects{index}")
    prefix = objects["resources"][0].split("}/", 1)[1].removesuffix("*")
    assert prefix == f"fraud-detection/{environment}/"
    for stack in (f"fraud-detection-{environment}", f"fraud-detection-{environment}-network"):
        assert synthesized.stack(stack)["terraform"]["backend"]["s3"]["key"].startswith(prefix), stack


def test_the_state_key_serves_s3_for_the_admitted_roles_and_the_audit_trail_only(synthesized: SynthesizedApp) -> None:
    _, key = at_path(synthesized.resources(STATE, "aws_kms_key"), "state/key/key")
    statements = referenced_policy(synthesized, STATE, key["policy"])
    assert [s["sid"] for s in statements] == [
        "KeyAdministrationByAccount", "ServicesActingForAdmittedRoles", "CloudTrailEncryptsLogFiles",
        "CloudTrailDescribesKey"]
    via = statement(statements, "ServicesActingForAdmittedRoles")
    conditions = {c["variable"]: c for c in via["condition"]}
    assert [v.split(".")[0] for v in conditions["kms:ViaService"]["values"]] == ["s3"]
    assert conditions["aws:PrincipalArn"]["values"] == _admitted(synthesized)
    assert "kms:CreateGrant" not in via["actions"]
    trail_id, _ = at_path(synthesized.resources(STATE, "aws_cloudtrail"), "state/audit/trail")
    for sid in ("CloudTrailEncryptsLogFiles", "CloudTrailDescribesKey"):
        source = [c for c in statement(statements, sid)["condition"] if c["variable"] == "aws:SourceArn"]
        assert source[0]["values"][0].endswith(":trail/fraud-detection-tfstate-access"), trail_id


def test_every_object_call_on_the_state_bucket_is_recorded_by_a_trail_of_the_state_stack(
    synthesized: SynthesizedApp,
) -> None:
    bucket_id, _ = at_path(synthesized.resources(STATE, "aws_s3_bucket"), "state/bucket/bucket")
    key_id, _ = at_path(synthesized.resources(STATE, "aws_kms_key"), "state/key/key")
    logs_id, _ = at_path(synthesized.resources(STATE, "aws_s3_bucket"), "state/audit/logs/bucket")
    _, trail = at_path(synthesized.resources(STATE, "aws_cloudtrail"), "state/audit/trail")
    assert trail["enable_log_file_validation"] is True
    assert trail["kms_key_id"] == ref("aws_kms_key", key_id, "arn")
    assert trail["s3_bucket_name"] == ref("aws_s3_bucket", logs_id, "bucket")
    [selector] = trail["advanced_event_selector"]
    fields = {f["field"]: f for f in selector["field_selector"]}
    assert fields["eventCategory"]["equals"] == ["Data"]
    assert fields["resources.type"]["equals"] == ["AWS::S3::Object"]
    assert fields["resources.ARN"]["starts_with"] == [f"{ref('aws_s3_bucket', bucket_id, 'arn')}/"]
    _, lifecycle = at_path(synthesized.resources(STATE, "aws_s3_bucket_lifecycle_configuration"),
                           "state/audit/lifecycle")
    assert lifecycle["rule"][0]["expiration"] == [{"days": 400}]


def test_only_the_trail_writes_into_the_audit_log_bucket(synthesized: SynthesizedApp) -> None:
    _, policy = at_path(synthesized.resources(STATE, "aws_s3_bucket_policy"), "state/audit/logs/policy")
    statements = referenced_policy(synthesized, STATE, policy["policy"])
    assert [s["sid"] for s in statements] == ["DenyInsecureTransport", "CloudTrailAclCheck", "CloudTrailWrite"]
    for sid in ("CloudTrailAclCheck", "CloudTrailWrite"):
        stmt = statement(statements, sid)
        assert stmt["principals"][0]["identifiers"][0].startswith("cloudtrail.")
        source = [c for c in stmt["condition"] if c["variable"] == "aws:SourceArn"]
        assert source[0]["values"][0].endswith(":trail/fraud-detection-tfstate-access")


def test_the_emulator_state_stack_has_no_trail_and_no_bucket_policy(synthesized: SynthesizedApp) -> None:
    # stacks/emulator.py: moto applies a bucket-policy Deny without its conditions; no CloudTrail endpoint.
    assert synthesized.resources("fraud-detection-state-local", "aws_cloudtrail") == {}
    assert synthesized.resources("fraud-detection-state-local", "aws_s3_bucket_policy") == {}
