"""State and emulator settings: environment variable, then cdktf context, then default."""

from __future__ import annotations

import pytest

from stacks.app_settings import LOCAL_STATE_BUCKET, resolve_settings
from stacks.remote_state import RemoteStateSettings


def test_defaults_are_documented_values() -> None:
    settings = resolve_settings({}, {})
    assert settings.state == RemoteStateSettings(
        bucket="fraud-detection-tfstate", region="us-east-1", key_prefix="fraud-detection"
    )
    assert settings.emulator_url == "http://127.0.0.1:5000"
    assert settings.local_state.bucket == LOCAL_STATE_BUCKET
    assert settings.local_state.endpoint_url == settings.emulator_url


def test_context_overrides_defaults_and_environment_overrides_context() -> None:
    context = {"stateBucket": "team-state", "stateRegion": "eu-west-1", "stateKeyPrefix": "payments"}
    from_context = resolve_settings({}, context)
    assert (from_context.state.bucket, from_context.state.region, from_context.state.key_prefix) == (
        "team-state", "eu-west-1", "payments"
    )
    from_env = resolve_settings({"FRAUD_STATE_BUCKET": "env-state", "FRAUD_EMULATOR_URL": "http://127.0.0.1:1/"},
                                context)
    assert from_env.state.bucket == "env-state"
    assert from_env.state.region == "eu-west-1"
    assert from_env.emulator_url == "http://127.0.0.1:1"


def test_keys_are_one_per_stack_under_the_prefix() -> None:
    state = resolve_settings({"FRAUD_STATE_KEY_PREFIX": "payments/fraud"}, {}).state
    assert state.key("dev") == "payments/fraud/dev/terraform.tfstate"


@pytest.mark.parametrize("bucket", ["Upper_Case", "ab", "-leading-dash"])
def test_an_invalid_state_bucket_is_rejected(bucket: str) -> None:
    with pytest.raises(ValueError, match="not a valid S3 bucket name"):
        resolve_settings({"FRAUD_STATE_BUCKET": bucket}, {})


def test_a_key_prefix_with_slashes_at_the_ends_is_rejected() -> None:
    with pytest.raises(ValueError, match="prefix"):
        resolve_settings({"FRAUD_STATE_KEY_PREFIX": "/fraud/"}, {})
