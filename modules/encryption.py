"""The project's customer-managed KMS key: every store, queue, topic and log group uses it."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from modules.aws_context import AwsContext
from modules.iam import Condition, PolicyStatement, Principal, policy_document

# Key administration for the account root (which delegates to IAM policies). Listed one by one
# because "kms:*" is a wildcard action; together they keep the key manageable (no lockout).
_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
    "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
    "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies",
    "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo",
    "kms:RetireGrant", "kms:RevokeGrant", "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion",
    "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
)
_USE_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom",
                "kms:ReEncryptTo")
# Services that encrypt on behalf of a caller of this account (the caller's IAM policy also counts).
_VIA_SERVICES = ("dynamodb", "sqs", "sns", "s3", "lambda")
# Services that encrypt on their own behalf when delivering to our encrypted queues and topic.
_DELIVERING_SERVICES = ("cloudwatch", "events", "sns")


@dataclass(frozen=True, kw_only=True)
class EncryptionKeyProps:
    """Settings of the customer-managed key."""

    alias: str
    """Alias name without the `alias/` prefix."""
    description: str
    """What the key protects."""
    context: AwsContext
    """Account, region and partition the key policy is scoped to."""
    deletion_window_days: int = 30
    """Waiting period before a scheduled deletion; the maximum, to allow recovery from mistakes."""

    def __post_init__(self) -> None:
        if not 7 <= self.deletion_window_days <= 30:
            raise ValueError("deletion_window_days must be 7..30")


class EncryptionKey(Construct):
    """A rotating CMK with an alias and a key policy scoped to this account and region.

    The policy lets CloudWatch Logs (for this account's log groups), and DynamoDB, SQS, SNS, S3 and
    Lambda acting for callers of this account, use the key; CloudWatch alarms, EventBridge and SNS may
    use it to deliver into encrypted topics and queues of this account.
    """

    def __init__(self, scope: Construct, id_: str, props: EncryptionKeyProps) -> None:
        super().__init__(scope, id_)
        ctx = props.context
        account = [ctx.account_id]
        statements = [
            PolicyStatement(
                sid="KeyAdministrationByAccount",
                actions=_ADMIN_ACTIONS,
                resources=["*"],  # in a key policy "*" means this key
                principals=[Principal(type="AWS", identifiers=[ctx.account_root_arn])],
            ),
            PolicyStatement(
                sid="CloudWatchLogsForThisAccount",
                actions=("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
                         "kms:ReEncryptFrom", "kms:ReEncryptTo"),
                resources=["*"],
                principals=[Principal(type="Service", identifiers=[f"logs.{ctx.region}.{ctx.dns_suffix}"])],
                conditions=[
                    Condition(
                        test="ArnLike",
                        variable="kms:EncryptionContext:aws:logs:arn",
                        values=[ctx.arn("logs", "log-group:*")],
                    )
                ],
            ),
            PolicyStatement(
                sid="ServicesActingForThisAccount",
                actions=(*_USE_ACTIONS, "kms:CreateGrant"),
                resources=["*"],
                principals=[Principal(type="AWS", identifiers=["*"])],
                conditions=[
                    Condition(test="StringEquals", variable="kms:CallerAccount", values=account),
                    Condition(
                        test="StringEquals",
                        variable="kms:ViaService",
                        values=[f"{svc}.{ctx.region}.{ctx.dns_suffix}" for svc in _VIA_SERVICES],
                    ),
                ],
            ),
            PolicyStatement(
                sid="DeliveryIntoEncryptedQueuesAndTopics",
                actions=("kms:Decrypt", "kms:GenerateDataKey"),
                resources=["*"],
                principals=[
                    Principal(type="Service", identifiers=[ctx.service_principal(s) for s in _DELIVERING_SERVICES])
                ],
                conditions=[Condition(test="StringEquals", variable="aws:SourceAccount", values=account)],
            ),
        ]
        document = policy_document(self, "policy", statements)
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            enable_key_rotation=True,  # yearly, the AWS default period
            deletion_window_in_days=props.deletion_window_days,
            policy=document.json,
        )
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.alias}", target_key_id=self.key.key_id)

    @property
    def key_arn(self) -> str:
        """ARN of the key."""
        return self.key.arn

    @property
    def key_id(self) -> str:
        """Id of the key."""
        return self.key.key_id
