"""The idempotency table: Powertools' key and TTL attribute, recovery and CMK encryption."""

from __future__ import annotations

import pytest
from terraform_json import at_path, ref

from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_table_keyed_by_id_with_expiring_records(synthesized: SynthesizedApp, stack: str) -> None:
    _, table = at_path(synthesized.resources(stack, "aws_dynamodb_table"), "idempotency/table")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["hash_key"] == "id"
    assert "range_key" not in table
    assert table["attribute"] == [{"name": "id", "type": "S"}]
    assert table["ttl"] == {"attribute_name": "expiration", "enabled": True}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_table_is_recoverable_and_encrypted_with_the_cmk(synthesized: SynthesizedApp, stack: str) -> None:
    key_id, _ = at_path(synthesized.resources(stack, "aws_kms_key"), "encryption/key")
    _, table = at_path(synthesized.resources(stack, "aws_dynamodb_table"), "idempotency/table")
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": ref("aws_kms_key", key_id, "arn")}
    assert "stream_enabled" not in table


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_table_is_named_for_the_environment(synthesized: SynthesizedApp, stack: str) -> None:
    suffix = {"dev": "dev", "staging": "stg", "prod": "prod", "local": "local"}[stack.rsplit("-", 1)[1]]
    _, table = at_path(synthesized.resources(stack, "aws_dynamodb_table"), "idempotency/table")
    assert table["name"] == f"fraud-idempotency-{suffix}"


@pytest.mark.parametrize(("stack", "protected"), [
    ("fraud-detection-prod", True),
    ("fraud-detection-dev", False),
    ("fraud-detection-staging", False),
    ("fraud-detection-local", False),
])
def test_deletion_protection_follows_the_environment(synthesized: SynthesizedApp, stack: str, protected: bool) -> None:
    _, table = at_path(synthesized.resources(stack, "aws_dynamodb_table"), "idempotency/table")
    assert table["deletion_protection_enabled"] is protected
