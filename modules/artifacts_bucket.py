"""The environment's artifacts bucket: the function and layer zips, as uploaded and as signed."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.secure_bucket import SecureBucket, SecureBucketProps, bucket_lifecycle


@dataclass(frozen=True, kw_only=True)
class ArtifactsBucketProps:
    """Settings of the artifacts bucket."""

    bucket_prefix: str
    """Name prefix (`fraud-artifacts-<suffix>-`); AWS appends a unique suffix."""
    kms_key_arn: str
    """CMK for SSE-KMS (bucket key on)."""
    noncurrent_version_days: int = 30
    """Days a replaced upload is kept. Only noncurrent versions expire: the current upload and every
    signed object (each under its own job's key, never replaced) stay, so a rollback to any deployed
    package still finds it."""
    force_destroy: bool = False
    """Allow destroy with artifacts inside (emulator only)."""
    tls_only_policy: bool = True
    """Attach the TLS-only bucket policy (off only for an emulator that cannot evaluate it)."""


class ArtifactsBucket(Construct):
    """Versioned (signing jobs name a source object version), SSE-KMS with bucket key, private,
    TLS-only; noncurrent versions expire, current objects never do.

    Attributes: `secure` (the SecureBucket), `lifecycle`, `bucket_name`, `bucket_arn`."""

    def __init__(self, scope: Construct, id_: str, props: ArtifactsBucketProps) -> None:
        super().__init__(scope, id_)
        self.secure = SecureBucket(
            self,
            "bucket",
            SecureBucketProps(
                bucket_prefix=props.bucket_prefix,
                kms_key_arn=props.kms_key_arn,
                force_destroy=props.force_destroy,
                tls_only_policy=props.tls_only_policy,
            ),
        )
        self.lifecycle = bucket_lifecycle(
            self, "lifecycle", self.secure, noncurrent_version_days=props.noncurrent_version_days
        )

    @property
    def bucket_name(self) -> str:
        """Name of the bucket."""
        return self.secure.bucket_name

    @property
    def bucket_arn(self) -> str:
        """ARN of the bucket."""
        return self.secure.bucket_arn
