"""The bucket baseline shared by the reports and state buckets."""

from __future__ import annotations

import cdktf
import pytest
from terraform_json import at_path, is_tls_only_deny, ref, referenced_policy

from modules.secure_bucket import SecureBucket, SecureBucketProps, bucket_lifecycle
from tests.conftest import SynthesizedApp

# (stack, construct path of the SecureBucket, construct path of its key)
BUCKETS = [
    ("fraud-detection-dev", "reports/bucket", "encryption/key"),
    ("fraud-detection-staging", "reports/bucket", "encryption/key"),
    ("fraud-detection-prod", "reports/bucket", "encryption/key"),
    ("fraud-detection-local", "reports/bucket", "encryption/key"),
    ("fraud-detection-state", "state/bucket", "state/key/key"),
    ("fraud-detection-state-local", "state/bucket", "state/key/key"),
]
# Construct path of each bucket's lifecycle, and how long it keeps replaced object versions.
LIFECYCLES = {"reports/bucket": ("reports/lifecycle", 90), "state/bucket": ("state/lifecycle", 365)}
# Stacks deployed to AWS; the emulator stacks may leave out the TLS-only policy it cannot evaluate.
AWS_BUCKETS = [b for b in BUCKETS if not b[0].endswith("-local")]


def _bucket_id(synthesized: SynthesizedApp, stack: str, base: str) -> str:
    return at_path(synthesized.resources(stack, "aws_s3_bucket"), f"{base}/bucket")[0]


@pytest.mark.parametrize(("stack", "base", "key_path"), BUCKETS)
def test_every_bucket_expires_old_versions_and_abandoned_uploads_with_the_same_rules(
    synthesized: SynthesizedApp, stack: str, base: str, key_path: str
) -> None:
    path, noncurrent_days = LIFECYCLES[base]
    versioning_id, _ = at_path(synthesized.resources(stack, "aws_s3_bucket_versioning"), f"{base}/versioning")
    _, lifecycle = at_path(synthesized.resources(stack, "aws_s3_bucket_lifecycle_configuration"), path)
    assert lifecycle["bucket"] == ref("aws_s3_bucket", _bucket_id(synthesized, stack, base), "id")
    shared = [r for r in lifecycle["rule"] if r["id"] in ("expire-noncurrent-versions", "abort-incomplete-uploads")]
    # On the whole bucket (an empty prefix), and never on current objects.
    assert shared == [
        {"id": "expire-noncurrent-versions", "status": "Enabled", "filter": [{"prefix": ""}],
         "noncurrent_version_expiration": [{"noncurrent_days": noncurrent_days}]},
        {"id": "abort-incomplete-uploads", "status": "Enabled", "filter": [{"prefix": ""}],
         "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}]},
    ]
    assert not [r for r in lifecycle["rule"] if "expiration" in r]
    # Noncurrent-version rules are refused until versioning is on.
    assert lifecycle["depends_on"] == [f"aws_s3_bucket_versioning.{versioning_id}"]


def test_a_lifecycle_keeping_no_old_version_is_refused() -> None:
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "lifecycle")
    bucket = SecureBucket(stack, "bucket", SecureBucketProps(bucket="b", kms_key_arn="k"))
    with pytest.raises(ValueError, match="noncurrent_version_days"):
        bucket_lifecycle(stack, "lifecycle", bucket, noncurrent_version_days=0)


@pytest.mark.parametrize(("stack", "base", "key_path"), BUCKETS)
def test_default_encryption_is_sse_kms_with_bucket_key(
    synthesized: SynthesizedApp, stack: str, base: str, key_path: str
) -> None:
    bucket_id = _bucket_id(synthesized, stack, base)
    key_id, _ = at_path(synthesized.resources(stack, "aws_kms_key"), key_path)
    _, encryption = at_path(
        synthesized.resources(stack, "aws_s3_bucket_server_side_encryption_configuration"), f"{base}/encryption")
    assert encryption["bucket"] == ref("aws_s3_bucket", bucket_id, "id")
    assert encryption["rule"] == [{
        "apply_server_side_encryption_by_default": {
            "sse_algorithm": "aws:kms", "kms_master_key_id": ref("aws_kms_key", key_id, "arn")},
        "bucket_key_enabled": True,
    }]


@pytest.mark.parametrize(("stack", "base", "key_path"), BUCKETS)
def test_versioning_is_enabled(synthesized: SynthesizedApp, stack: str, base: str, key_path: str) -> None:
    _, versioning = at_path(synthesized.resources(stack, "aws_s3_bucket_versioning"), f"{base}/versioning")
    assert versioning["bucket"] == ref("aws_s3_bucket", _bucket_id(synthesized, stack, base), "id")
    assert versioning["versioning_configuration"] == {"status": "Enabled"}


@pytest.mark.parametrize(("stack", "base", "key_path"), BUCKETS)
def test_public_access_is_blocked_and_acls_are_disabled(
    synthesized: SynthesizedApp, stack: str, base: str, key_path: str
) -> None:
    bucket = ref("aws_s3_bucket", _bucket_id(synthesized, stack, base), "id")
    _, block = at_path(synthesized.resources(stack, "aws_s3_bucket_public_access_block"), f"{base}/public-access")
    assert block["bucket"] == bucket
    for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert block[setting] is True, setting
    _, ownership = at_path(synthesized.resources(stack, "aws_s3_bucket_ownership_controls"), f"{base}/ownership")
    assert ownership["bucket"] == bucket
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}


@pytest.mark.parametrize(("stack", "base", "key_path"), AWS_BUCKETS)
def test_policy_denies_every_request_without_tls(
    synthesized: SynthesizedApp, stack: str, base: str, key_path: str
) -> None:
    bucket_id = _bucket_id(synthesized, stack, base)
    block_id, _ = at_path(synthesized.resources(stack, "aws_s3_bucket_public_access_block"), f"{base}/public-access")
    _, policy = at_path(synthesized.resources(stack, "aws_s3_bucket_policy"), f"{base}/policy")
    assert policy["bucket"] == ref("aws_s3_bucket", bucket_id, "id")
    [deny] = referenced_policy(synthesized, stack, policy["policy"])
    assert is_tls_only_deny(deny, "s3")
    arn = ref("aws_s3_bucket", bucket_id, "arn")
    assert deny["resources"] == [arn, f"{arn}/*"]
    # The policy is applied after the public access block, which it would otherwise race with.
    assert policy["depends_on"] == [f"aws_s3_bucket_public_access_block.{block_id}"]


def test_exactly_one_of_name_and_prefix() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        SecureBucketProps(kms_key_arn="k")
    with pytest.raises(ValueError, match="exactly one"):
        SecureBucketProps(kms_key_arn="k", bucket="b", bucket_prefix="p-")


def test_buckets_keep_their_objects_by_default() -> None:
    assert SecureBucketProps(kms_key_arn="k", bucket="b").force_destroy is False
