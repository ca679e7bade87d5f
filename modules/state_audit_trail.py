"""A CloudTrail trail recording every object-level call on the Terraform state bucket."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudtrail import (
    Cloudtrail,
    CloudtrailAdvancedEventSelector,
    CloudtrailAdvancedEventSelectorFieldSelector,
)
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
)
from constructs import Construct

from modules.aws_context import AwsContext
from modules.iam import Condition, PolicyStatement, Principal
from modules.secure_bucket import SecureBucket, SecureBucketProps, bucket_lifecycle


@dataclass(frozen=True, kw_only=True)
class StateAuditTrailProps:
    """Settings of the state bucket's audit trail."""

    trail_name: str
    """Name of the trail."""
    audited_bucket_arn: str
    """The bucket whose object reads and writes are recorded (the state bucket)."""
    kms_key_arn: str
    """CMK of the log files and their bucket; its policy must let CloudTrail use it for this trail."""
    context: AwsContext
    """Account, region and partition of the trail."""
    log_bucket_prefix: str
    """Name prefix of the bucket receiving the log files."""
    retention_days: int = 400
    """Days log files are kept: more than a year (PCI DSS v4 10.5.1), then expired."""
    force_destroy: bool = False
    """Allow destroying the log bucket with log files inside (never outside a disposable setup)."""

    def __post_init__(self) -> None:
        if self.retention_days < 365:
            raise ValueError("retention_days must be >= 365: an audit trail keeps a year at least")


def trail_arn(context: AwsContext, trail_name: str) -> str:
    """ARN a trail will have (its bucket and key policies name it before it exists)."""
    return context.arn("cloudtrail", f"trail/{trail_name}")


class StateAuditTrail(Construct):
    """Data events (every Get/Put/Delete/List of objects) of the audited bucket, delivered with
    log-file validation to a CMK-encrypted, versioned, TLS-only bucket that only this trail may
    write to; log files expire after `retention_days`. No management events: the account's own
    trail (if any) keeps those, and this one costs only what the state bucket's traffic costs."""

    def __init__(self, scope: Construct, id_: str, props: StateAuditTrailProps) -> None:
        super().__init__(scope, id_)
        ctx = props.context
        own_arn = trail_arn(ctx, props.trail_name)
        cloudtrail = [Principal(type="Service", identifiers=[ctx.service_principal("cloudtrail")])]
        from_this_trail = Condition(test="StringEquals", variable="aws:SourceArn", values=[own_arn])

        def delivery(bucket_arn: str) -> list[PolicyStatement]:
            return [
                PolicyStatement(sid="CloudTrailAclCheck", actions=["s3:GetBucketAcl"], resources=[bucket_arn],
                                principals=cloudtrail, conditions=[from_this_trail]),
                PolicyStatement(
                    sid="CloudTrailWrite", actions=["s3:PutObject"],
                    resources=[f"{bucket_arn}/AWSLogs/{ctx.account_id}/*"], principals=cloudtrail,
                    conditions=[from_this_trail, Condition(test="StringEquals", variable="s3:x-amz-acl",
                                                           values=["bucket-owner-full-control"])],
                ),
            ]

        self.log_bucket = SecureBucket(
            self,
            "logs",
            SecureBucketProps(
                bucket_prefix=props.log_bucket_prefix,
                kms_key_arn=props.kms_key_arn,
                force_destroy=props.force_destroy,
                policy_statements=delivery,
            ),
        )
        self.lifecycle = bucket_lifecycle(
            self,
            "lifecycle",
            self.log_bucket,
            noncurrent_version_days=30,
            rules=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-audit-logs",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=props.retention_days)],
                )
            ],
        )
        self.trail = Cloudtrail(
            self,
            "trail",
            name=props.trail_name,
            s3_bucket_name=self.log_bucket.bucket_name,
            kms_key_id=props.kms_key_arn,
            enable_log_file_validation=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            advanced_event_selector=[
                CloudtrailAdvancedEventSelector(
                    name="State bucket object access",
                    field_selector=[
                        CloudtrailAdvancedEventSelectorFieldSelector(field="eventCategory", equal_to=["Data"]),
                        CloudtrailAdvancedEventSelectorFieldSelector(field="resources.type",
                                                                     equal_to=["AWS::S3::Object"]),
                        CloudtrailAdvancedEventSelectorFieldSelector(field="resources.ARN",
                                                                     starts_with=[f"{props.audited_bucket_arn}/"]),
                    ],
                )
            ],
            # CloudTrail checks the bucket policy when the trail is created.
            depends_on=[p for p in (self.log_bucket.policy,) if p is not None],
        )

    @property
    def trail_arn(self) -> str:
        """ARN of the trail."""
        return self.trail.arn
