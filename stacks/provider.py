"""The AWS provider of a stack: region, default tags, and for the emulator its endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from stacks.emulator import emulator_provider_settings


def aws_provider(
    scope: Construct,
    *,
    region: str,
    tags: Mapping[str, str],
    emulator_url: str | None = None,
    account_id: str | None = None,
) -> AwsProvider:
    """Provider with default tags on every resource; pointed at the emulator when `emulator_url` is
    set; refusing credentials of any account but `account_id` when that is set."""
    extra: dict[str, Any] = emulator_provider_settings(emulator_url) if emulator_url else {}
    if account_id:
        extra["allowed_account_ids"] = [account_id]
    return AwsProvider(scope, "aws", region=region, default_tags=[{"tags": dict(tags)}], **extra)


def standard_tags(environment: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Tags every resource carries (through provider default_tags)."""
    tags = {
        "Project": "fraud-detection",
        "Environment": environment,
        "CostCenter": "fraud-detection",
        "ManagedBy": "cdktf",
    }
    tags.update(extra or {})
    return tags
