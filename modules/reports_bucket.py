"""The reports bucket: secure baseline plus a lifecycle that moves old reports to cheaper storage."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleTransition,
)
from constructs import Construct

from modules.iam import PolicyStatement
from modules.secure_bucket import SecureBucket, SecureBucketProps, bucket_lifecycle


@dataclass(frozen=True, kw_only=True)
class ReportsBucketProps:
    """Settings of the reports bucket."""

    bucket_prefix: str
    """Name prefix; AWS appends a unique suffix."""
    kms_key_arn: str
    """CMK for SSE-KMS."""
    infrequent_access_after_days: int = 30
    """Days before objects move to STANDARD_IA."""
    glacier_after_days: int = 90
    """Days before objects move to GLACIER."""
    noncurrent_expiry_days: int = 90
    """Days a replaced (overwritten) report version is kept."""
    force_destroy: bool = False
    """Allow destroy with reports inside (emulator only)."""
    tls_only_policy: bool = True
    """Attach the TLS-only bucket policy (off only for an emulator that cannot evaluate it)."""

    def __post_init__(self) -> None:
        # S3 requires 30 days in STANDARD before STANDARD_IA.
        if self.infrequent_access_after_days < 30:
            raise ValueError("infrequent_access_after_days must be >= 30 (S3 minimum for STANDARD_IA)")
        # Objects must also spend 30 days in STANDARD_IA before a transition to GLACIER.
        if self.glacier_after_days < self.infrequent_access_after_days + 30:
            raise ValueError("glacier_after_days must be at least 30 days after infrequent_access_after_days")


class ReportsBucket(Construct):
    """SSE-KMS (bucket key), versioned, private, TLS-only; STANDARD_IA at 30 days, GLACIER at 90,
    noncurrent versions expire, incomplete multipart uploads are aborted after 7 days."""

    def __init__(self, scope: Construct, id_: str, props: ReportsBucketProps) -> None:
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
            self,
            "lifecycle",
            self.secure,
            noncurrent_version_days=props.noncurrent_expiry_days,
            rules=[
                S3BucketLifecycleConfigurationRule(
                    id="age-out-reports",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="reports/")],
                    transition=[
                        S3BucketLifecycleConfigurationRuleTransition(
                            days=props.infrequent_access_after_days, storage_class="STANDARD_IA"
                        ),
                        S3BucketLifecycleConfigurationRuleTransition(
                            days=props.glacier_after_days, storage_class="GLACIER"
                        ),
                    ],
                ),
            ],
        )

    @property
    def bucket_name(self) -> str:
        """Name of the bucket."""
        return self.secure.bucket_name

    @property
    def bucket_arn(self) -> str:
        """ARN of the bucket."""
        return self.secure.bucket_arn

    def grant_write_reports(self) -> list[PolicyStatement]:
        """Writing report objects under reports/ (overwrites included)."""
        return [
            PolicyStatement(sid="ReportsWrite", actions=["s3:PutObject"], resources=[f"{self.bucket_arn}/reports/*"])
        ]
