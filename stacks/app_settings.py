"""App-wide settings resolved from the environment or cdktf context, with documented defaults.

| setting | environment variable | cdktf context key | default |
|---|---|---|---|
| state bucket | FRAUD_STATE_BUCKET | stateBucket | fraud-detection-tfstate |
| state region | FRAUD_STATE_REGION | stateRegion | us-east-1 |
| state key prefix | FRAUD_STATE_KEY_PREFIX | stateKeyPrefix | fraud-detection |
| account stack region | FRAUD_ACCOUNT_REGION | accountRegion | us-east-1 |
| emulator URL (local stacks) | FRAUD_EMULATOR_URL | emulatorUrl | http://127.0.0.1:5000 |
| repository of the deploy roles | FRAUD_GITHUB_REPOSITORY | githubRepository | example-org/fraud-detection |

The environment variable wins over the context key; both win over the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stacks.remote_state import RemoteStateSettings

LOCAL_STATE_BUCKET = "fraud-detection-tfstate-local"
LOCAL_REGION = "us-east-1"

_DEFAULTS = {
    "FRAUD_STATE_BUCKET": ("stateBucket", "fraud-detection-tfstate"),
    "FRAUD_STATE_REGION": ("stateRegion", "us-east-1"),
    "FRAUD_STATE_KEY_PREFIX": ("stateKeyPrefix", "fraud-detection"),
    "FRAUD_ACCOUNT_REGION": ("accountRegion", "us-east-1"),
    "FRAUD_EMULATOR_URL": ("emulatorUrl", "http://127.0.0.1:5000"),
    "FRAUD_GITHUB_REPOSITORY": ("githubRepository", "example-org/fraud-detection"),
}


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """Resolved settings of one synth."""

    state: RemoteStateSettings
    """Remote state of the AWS stacks."""
    local_state: RemoteStateSettings
    """Remote state of the emulator stacks (a bucket inside the emulator)."""
    account_region: str
    """Region of the AWS account stack."""
    emulator_url: str
    """Base URL of the local emulator."""
    github_repository: str
    """`owner/name` of the repository whose workflows may assume the deploy roles."""


def resolve_settings(environ: Mapping[str, str], context: Mapping[str, Any]) -> AppSettings:
    """Resolve every setting from environment variables, then cdktf context, then defaults."""

    def value(variable: str) -> str:
        context_key, default = _DEFAULTS[variable]
        return environ.get(variable) or str(context.get(context_key) or default)

    prefix = value("FRAUD_STATE_KEY_PREFIX")
    emulator_url = value("FRAUD_EMULATOR_URL").rstrip("/")
    return AppSettings(
        state=RemoteStateSettings(
            bucket=value("FRAUD_STATE_BUCKET"), region=value("FRAUD_STATE_REGION"), key_prefix=prefix
        ),
        local_state=RemoteStateSettings(
            bucket=LOCAL_STATE_BUCKET, region=LOCAL_REGION, key_prefix=prefix, endpoint_url=emulator_url
        ),
        account_region=value("FRAUD_ACCOUNT_REGION"),
        emulator_url=emulator_url,
        github_repository=value("FRAUD_GITHUB_REPOSITORY"),
    )
