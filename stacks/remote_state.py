"""Where every stack keeps its Terraform state: one S3 bucket, one key per stack, native S3 locking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cdktf import DataTerraformRemoteStateS3, S3Backend, TerraformStack
from constructs import Construct

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass(frozen=True, kw_only=True)
class RemoteStateSettings:
    """The state bucket and how keys are laid out in it."""

    bucket: str
    """State bucket name (created by the state bootstrap stack)."""
    region: str
    """Region of the state bucket."""
    key_prefix: str = "fraud-detection"
    """Prefix of every state key: <prefix>/<stack key>/terraform.tfstate."""
    endpoint_url: str | None = None
    """S3/STS endpoint of an emulator; None for AWS."""

    def __post_init__(self) -> None:
        if not _BUCKET.match(self.bucket):
            raise ValueError(f"state bucket {self.bucket!r} is not a valid S3 bucket name")
        if self.key_prefix.startswith("/") or self.key_prefix.endswith("/") or not self.key_prefix:
            raise ValueError(f"state key prefix {self.key_prefix!r} must be non-empty without leading/trailing '/'")

    @property
    def kms_alias(self) -> str:
        """Alias (without `alias/`) of the state bucket's key; the bootstrap stack creates it."""
        return f"{self.bucket}-state"

    def key(self, stack_key: str) -> str:
        """State object key of one stack."""
        return f"{self.key_prefix}/{stack_key}/terraform.tfstate"


def _s3_settings(settings: RemoteStateSettings, stack_key: str) -> dict[str, Any]:
    """Where one stack's state object is and how to reach it: the backend and a reader share it."""
    emulator = settings.endpoint_url
    return {
        "bucket": settings.bucket,
        "key": settings.key(stack_key),
        "region": settings.region,
        "encrypt": True,
        # Without a key id, encrypt=true means SSE-S3 and overrides the bucket's KMS default.
        "kms_key_id": f"alias/{settings.kms_alias}",
        "endpoints": {"s3": emulator, "sts": emulator, "iam": emulator} if emulator else None,
        "use_path_style": True if emulator else None,
        "skip_credentials_validation": True if emulator else None,
        "access_key": "test" if emulator else None,  # the emulator accepts any credentials
        "secret_key": "test" if emulator else None,
    }


def use_remote_state(stack: TerraformStack, settings: RemoteStateSettings, stack_key: str) -> S3Backend:
    """Configure the S3 backend of `stack` with encryption and S3-native locking."""
    backend = S3Backend(stack, **_s3_settings(settings, stack_key))
    # cdktf 0.21 has no field for Terraform 1.10's lock files in S3 (conditional writes); they
    # replace the DynamoDB lock table.
    backend.add_override("use_lockfile", True)
    if settings.endpoint_url:
        backend.add_override("skip_requesting_account_id", True)
    return backend


def read_remote_state(
    scope: Construct, id_: str, settings: RemoteStateSettings, stack_key: str
) -> DataTerraformRemoteStateS3:
    """The outputs of another stack, read from its state object (`stack_key`) in the same bucket.

    What crosses between stacks is only what the other stack declares as outputs, read at plan
    time: the other stack must have been applied first, and a change there reaches this stack at
    its next plan."""
    return DataTerraformRemoteStateS3(
        scope, id_, **_s3_settings(settings, stack_key),
        skip_requesting_account_id=True if settings.endpoint_url else None,
    )
