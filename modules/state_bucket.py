"""The Terraform state bucket and the key that encrypts it."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.aws_context import AwsContext
from modules.encryption import EncryptionKey, EncryptionKeyProps
from modules.secure_bucket import SecureBucket, SecureBucketProps


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


class StateBucket(Construct):
    """Versioned (every state revision recoverable), SSE-KMS with its own CMK, private, TLS-only.
    Locking uses S3 conditional writes (`use_lockfile`), so no DynamoDB lock table is needed."""

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

    @property
    def bucket_name(self) -> str:
        """Name of the state bucket."""
        return self.secure.bucket_name

    @property
    def kms_key_arn(self) -> str:
        """ARN of the state key."""
        return self.key.key_arn
