"""An S3 bucket with the project's baseline: versioned, SSE-KMS with bucket key, private, TLS only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cdktf import TerraformResource
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_notification import S3BucketNotification
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA
from constructs import Construct

from modules.iam import PolicyStatement, policy_document
from modules.tls_only import deny_insecure_transport


@dataclass(frozen=True, kw_only=True)
class SecureBucketProps:
    """Settings of a baseline-secure bucket. Exactly one of `bucket` and `bucket_prefix`."""

    kms_key_arn: str
    """CMK for default encryption."""
    bucket: str | None = None
    """Fixed bucket name (when others must know it in advance, e.g. Terraform state)."""
    bucket_prefix: str | None = None
    """Name prefix; AWS appends a unique suffix, so names never collide across accounts."""
    force_destroy: bool = False
    """Allow destroy with objects inside (never for data that must survive)."""
    tls_only_policy: bool = True
    """Attach the policy denying requests without TLS. Only an emulator that cannot evaluate
    policy conditions turns this off (see stacks/emulator.py)."""
    event_notifications: bool = True
    """Send the bucket's object events to EventBridge (default bus), so a reviewer's audit rule or a
    downstream consumer can subscribe without changing the bucket."""
    policy_statements: Callable[[str], Sequence[PolicyStatement]] | None = None
    """More bucket-policy statements, given the bucket's ARN (who else may, or may not, use it).
    They go into the same policy as the TLS-only statement, so they too only apply with it."""

    def __post_init__(self) -> None:
        if (self.bucket is None) == (self.bucket_prefix is None):
            raise ValueError("give exactly one of bucket and bucket_prefix")


class SecureBucket(Construct):
    """Bucket plus versioning, SSE-KMS (bucket key on), public access block, owner-enforced
    object ownership, object events to EventBridge and a policy denying any request not made over TLS."""

    def __init__(self, scope: Construct, id_: str, props: SecureBucketProps) -> None:
        super().__init__(scope, id_)
        self.bucket = S3Bucket(
            self,
            "bucket",
            bucket=props.bucket,
            bucket_prefix=props.bucket_prefix,
            force_destroy=props.force_destroy,
        )
        self.ownership = S3BucketOwnershipControls(
            self, "ownership", bucket=self.bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}
        )
        self.versioning = S3BucketVersioningA(
            self, "versioning", bucket=self.bucket.id, versioning_configuration={"status": "Enabled"}
        )
        self.encryption = S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=(
                        S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                            sse_algorithm="aws:kms", kms_master_key_id=props.kms_key_arn
                        )
                    ),
                    bucket_key_enabled=True,  # one KMS call per bucket key, not per object
                )
            ],
        )
        self.public_access_block = S3BucketPublicAccessBlock(
            self,
            "public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        self.notifications: S3BucketNotification | None = None
        if props.event_notifications:
            self.notifications = S3BucketNotification(self, "events", bucket=self.bucket.id, eventbridge=True)
        self.policy: S3BucketPolicy | None = None
        if not props.tls_only_policy:
            return
        extra = list(props.policy_statements(self.bucket.arn)) if props.policy_statements else []
        tls_only = policy_document(
            self, "tls-only", [deny_insecure_transport("s3", [self.bucket.arn, f"{self.bucket.arn}/*"]), *extra]
        )
        # The policy waits for the public access block, which it would otherwise race with.
        self.policy = S3BucketPolicy(
            self, "policy", bucket=self.bucket.id, policy=tls_only.json, depends_on=[self.public_access_block]
        )

    @property
    def object_write_dependencies(self) -> list[TerraformResource]:
        """What an object written by Terraform into this bucket waits for: versioning (an object
        written before it has no version), ownership, default encryption, the public access block and the
        TLS-only policy. Nothing is then ever written into a half-configured bucket, and what the
        object reports back (version, bucket key) is the same on every apply."""
        parts: list[TerraformResource] = [
            self.ownership, self.versioning, self.encryption, self.public_access_block,
        ]
        if self.policy is not None:
            parts.append(self.policy)
        return parts

    @property
    def bucket_name(self) -> str:
        """Name of the bucket."""
        return self.bucket.bucket

    @property
    def bucket_arn(self) -> str:
        """ARN of the bucket."""
        return self.bucket.arn


ABORT_INCOMPLETE_UPLOADS_DAYS = 7
"""Days after which an abandoned multipart upload is removed instead of being billed forever."""


def bucket_lifecycle(
    scope: Construct,
    id_: str,
    bucket: SecureBucket,
    *,
    noncurrent_version_days: int,
    rules: Sequence[S3BucketLifecycleConfigurationRule] = (),
) -> S3BucketLifecycleConfiguration:
    """The lifecycle of a secure bucket: its own `rules`, plus the two every bucket of the project
    has, on the whole bucket (an empty prefix, which is also how S3 reports an empty filter back):
    replaced or deleted object versions expire after `noncurrent_version_days`, abandoned
    multipart uploads after ABORT_INCOMPLETE_UPLOADS_DAYS. Current objects are never expired here."""
    if noncurrent_version_days < 1:
        raise ValueError(f"noncurrent_version_days must be >= 1, got {noncurrent_version_days}")
    whole_bucket = [S3BucketLifecycleConfigurationRuleFilter(prefix="")]
    return S3BucketLifecycleConfiguration(
        scope,
        id_,
        bucket=bucket.bucket.id,
        rule=[
            *rules,
            S3BucketLifecycleConfigurationRule(
                id="expire-noncurrent-versions",
                status="Enabled",
                filter=whole_bucket,
                noncurrent_version_expiration=[
                    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                        noncurrent_days=noncurrent_version_days
                    )
                ],
            ),
            S3BucketLifecycleConfigurationRule(
                id="abort-incomplete-uploads",
                status="Enabled",
                filter=whole_bucket,
                abort_incomplete_multipart_upload=[
                    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                        days_after_initiation=ABORT_INCOMPLETE_UPLOADS_DAYS
                    )
                ],
            ),
        ],
        # Versioning must be on before noncurrent-version rules are accepted.
        depends_on=[bucket.versioning],
    )
