"""The Terraform state bucket and the key that encrypts it."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws_context import AwsContext
from modules.encryption import EncryptionKey, EncryptionKeyProps
from modules.secure_bucket import SecureBucket, SecureBucketProps, bucket_lifecycle


@dataclass(frozen=True, kw_only=True)
class StateBucketProps:
    """Settings of the state bucket."""

    bucket_name: str
    """Bucket name every stack's S3 backend points at."""
    key_alias: str
    """Alias (without `alias/`) of the state key; backends name the key by it."""
    context: AwsContext
    """Account and region the key policy is scoped to."""
    force_destroy: bool = False
    """Allow destroy with state inside (emulator only)."""
    tls_only_policy: bool = True
    """Attach the TLS-only bucket policy (off only for an emulator that cannot evaluate it)."""
    noncurrent_state_days: int = 365
    """Days a replaced state revision is kept: a year of applies can be rolled back."""

    def __post_init__(self) -> None:
        if self.noncurrent_state_days < 1:
            raise ValueError("noncurrent_state_days must be >= 1")


class StateBucket(Construct):
    """Versioned (replaced state revisions recoverable for a year), SSE-KMS with its own
    CMK, private, TLS-only; incomplete uploads are aborted after 7 days. Locking uses S3 conditional
    writes (`use_lockfile`), so no DynamoDB lock table is needed."""

    def __init__(self, scope: Construct, id_: str, props: StateBucketProps) -> None:
        super().__init__(scope, id_)
        self.key = EncryptionKey(
            self,
            "key",
            EncryptionKeyProps(
                alias=props.key_alias,
                description="Encrypts the fraud-detection Terraform state",
                context=props.context,
            ),
        )
        self.secure = SecureBucket(
            self,
            "bucket",
            SecureBucketProps(
                bucket=props.bucket_name,
                kms_key_arn=self.key.key_arn,
                force_destroy=props.force_destroy,
                tls_only_policy=props.tls_only_policy,
            ),
        )

        self.lifecycle = bucket_lifecycle(
            self, "lifecycle", self.secure, noncurrent_version_days=props.noncurrent_state_days
        )

    @property
    def bucket_name(self) -> str:
        """Name of the state bucket."""
        return self.secure.bucket_name

    @property
    def kms_key_arn(self) -> str:
        """ARN of the state key."""
        return self.key.key_arn
