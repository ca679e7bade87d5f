"""The transactions table: keys, stream, indexes, recovery, CMK encryption, TTL and deletion protection."""

from __future__ import annotations

import re
from pathlib import Path

import cdktf
import pytest
from terraform_json import at_path, ref

from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

TABLE_PATH = "transactions/table"


def _table(synthesized: SynthesizedApp, stack: str) -> dict:
    return at_path(synthesized.resources(stack, "aws_dynamodb_table"), TABLE_PATH)[1]


def _key_arn(synthesized: SynthesizedApp, stack: str) -> str:
    key_id, _ = at_path(synthesized.resources(stack, "aws_kms_key"), "encryption/key")
    return ref("aws_kms_key", key_id, "arn")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_on_demand_table_keyed_by_transaction_and_time(synthesized: SynthesizedApp, stack: str) -> None:
    table = _table(synthesized, stack)
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert (table["hash_key"], table["range_key"]) == ("transaction_id", "timestamp")
    attributes = {a["name"]: a["type"] for a in table["attribute"]}
    assert attributes == {"transaction_id": "S", "timestamp": "N", "customer_id": "S", "day_shard": "S"}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_stream_carries_only_the_new_image(synthesized: SynthesizedApp, stack: str) -> None:
    assert cdktf.Testing.to_have_resource_with_properties(
        synthesized.stack_text(stack),
        "aws_dynamodb_table",
        {"name": f"fraud-transactions-{stack.rsplit('-', 1)[1].replace('staging', 'stg')}",
         "stream_enabled": True, "stream_view_type": "NEW_IMAGE"},
    )


def test_the_analyzer_reads_only_the_new_image_of_a_stream_record() -> None:
    # NEW_IMAGE streams carry no OldImage: code reading it would silently see nothing.
    analyzer = Path(__file__).resolve().parents[2] / "functions" / "fraud_analyzer"
    sources = {p.name: p.read_text() for p in analyzer.rglob("*.py")}
    assert any("new_image" in text for text in sources.values())
    readers = [name for name, text in sources.items() if re.search(r"old_image|OldImage", text)]
    assert readers == []


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_customer_and_day_indexes_project_everything(synthesized: SynthesizedApp, stack: str) -> None:
    indexes = {i["name"]: i for i in _table(synthesized, stack)["global_secondary_index"]}
    assert set(indexes) == {"customer-index", "day-index"}
    customer, day = indexes["customer-index"], indexes["day-index"]
    assert (customer["hash_key"], customer["range_key"]) == ("customer_id", "timestamp")
    assert (day["hash_key"], day["range_key"]) == ("day_shard", "timestamp")
    assert {i["projection_type"] for i in indexes.values()} == {"ALL"}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_point_in_time_recovery_cmk_encryption_and_ttl(synthesized: SynthesizedApp, stack: str) -> None:
    table = _table(synthesized, stack)
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": _key_arn(synthesized, stack)}
    assert table["ttl"] == {"attribute_name": "expires_at", "enabled": True}


@pytest.mark.parametrize(("stack", "protected"), [
    ("fraud-detection-prod", True),
    ("fraud-detection-dev", False),
    ("fraud-detection-staging", False),
    ("fraud-detection-local", False),
])
def test_deletion_protection_only_in_prod(synthesized: SynthesizedApp, stack: str, protected: bool) -> None:
    assert _table(synthesized, stack)["deletion_protection_enabled"] is protected
