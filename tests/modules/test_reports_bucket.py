"""The reports bucket: secure baseline plus a lifecycle that ages reports into cheaper storage."""

from __future__ import annotations

import pytest
from terraform_json import at_path, ref

from modules.reports_bucket import ReportsBucketProps
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

SUFFIX = {"fraud-detection-dev": "dev", "fraud-detection-staging": "stg", "fraud-detection-prod": "prod",
          "fraud-detection-local": "local"}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_bucket_name_is_a_prefix_aws_completes(synthesized: SynthesizedApp, stack: str) -> None:
    _, bucket = at_path(synthesized.resources(stack, "aws_s3_bucket"), "reports/bucket/bucket")
    assert bucket["bucket_prefix"] == f"fraud-reports-{SUFFIX[stack]}-"
    assert "bucket" not in bucket
    assert len(bucket["bucket_prefix"]) <= 37, "S3 accepts prefixes of at most 37 characters"


@pytest.mark.parametrize(("stack", "disposable"), [
    ("fraud-detection-dev", False), ("fraud-detection-staging", False), ("fraud-detection-prod", False),
    ("fraud-detection-local", True),
])
def test_only_emulator_reports_may_be_destroyed_with_the_stack(
    synthesized: SynthesizedApp, stack: str, disposable: bool
) -> None:
    _, bucket = at_path(synthesized.resources(stack, "aws_s3_bucket"), "reports/bucket/bucket")
    assert bucket["force_destroy"] is disposable


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_reports_move_to_infrequent_access_at_30_days_and_glacier_at_90(
    synthesized: SynthesizedApp, stack: str
) -> None:
    bucket_id, _ = at_path(synthesized.resources(stack, "aws_s3_bucket"), "reports/bucket/bucket")
    _, lifecycle = at_path(synthesized.resources(stack, "aws_s3_bucket_lifecycle_configuration"), "reports/lifecycle")
    assert lifecycle["bucket"] == ref("aws_s3_bucket", bucket_id, "id")
    rules = {rule["id"]: rule for rule in lifecycle["rule"]}
    assert len(rules) == len(lifecycle["rule"]) == 3
    assert rules["age-out-reports"] == {
        "id": "age-out-reports",
        "status": "Enabled",
        "filter": [{"prefix": "reports/"}],
        "transition": [
            {"days": 30, "storage_class": "STANDARD_IA"},
            {"days": 90, "storage_class": "GLACIER"},
        ],
    }
    # Beside the rules every bucket shares (tests/modules/test_secure_bucket.py), with a 90-day history.
    assert rules["expire-noncurrent-versions"]["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert "abort-incomplete-uploads" in rules


def _props(**overrides: object) -> ReportsBucketProps:
    return ReportsBucketProps(**{"bucket_prefix": "p-", "kms_key_arn": "k", **overrides})  # type: ignore[arg-type]


def test_defaults() -> None:
    props = _props()
    assert (props.infrequent_access_after_days, props.glacier_after_days, props.noncurrent_expiry_days,
            props.force_destroy) == (30, 90, 90, False)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"glacier_after_days": 10}, "glacier_after_days"),
        ({"glacier_after_days": 30}, "glacier_after_days"),
        ({"infrequent_access_after_days": 29}, "infrequent_access_after_days"),
    ],
)
def test_transitions_s3_would_refuse_are_rejected(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _props(**overrides)


@pytest.mark.parametrize("glacier_after_days", [31, 45, 59])
def test_glacier_less_than_30_days_after_infrequent_access_is_rejected(glacier_after_days: int) -> None:
    with pytest.raises(ValueError, match="glacier_after_days"):
        _props(infrequent_access_after_days=30, glacier_after_days=glacier_after_days)
