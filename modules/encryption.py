"""The project's customer-managed KMS key: every store, queue, topic and log group uses it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from modules.aws_context import AwsContext
from modules.iam import Condition, PolicyStatement, Principal, policy_document

# Key administration for the account root (which delegates to IAM policies). Listed one by one
# because "kms:*" is a wildcard action; together they keep the key manageable (no lockout).
KEY_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
    "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
    "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies",
    "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ReEncryptFrom", "kms:ReEncryptTo",
    "kms:RetireGrant", "kms:RevokeGrant", "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion",
    "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
)
"""What the account root (and through it, IAM policies) may do to manage a key of the project."""
_USE_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom",
                "kms:ReEncryptTo")
# Services that encrypt on behalf of a caller of this account (the caller's IAM policy also counts).
PIPELINE_VIA_SERVICES = ("dynamodb", "sqs", "sns", "s3", "lambda")
# Services that encrypt on their own behalf when delivering to our encrypted queues and topic.
PIPELINE_DELIVERING_SERVICES = ("cloudwatch", "events", "sns")
# Services that create grants on the key for the AWS resource they encrypt: a DynamoDB table for its
# lifetime, a Lambda function for its environment variables. No other service of the pipeline does.
_GRANTING_SERVICES = ("dynamodb", "lambda")


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
    via_services: Sequence[str] = PIPELINE_VIA_SERVICES
    """Services (by endpoint prefix) through which admitted principals may use the key."""
    service_users: Sequence[str] = ()
    """Role ARNs that may use the key through those services (aws:PrincipalArn); more can be
    admitted with `EncryptionKey.admit_service_users` once their roles exist."""
    grant_creators: Sequence[str] = ()
    """Role ARNs that may create grants for AWS resources (tables, functions) through the
    granting services among `via_services`: the roles that create encrypted resources."""
    delivering_services: Sequence[str] = PIPELINE_DELIVERING_SERVICES
    """Services that use the key on their own behalf to deliver into encrypted queues and topics."""
    log_groups: bool = True
    """Let CloudWatch Logs encrypt this account's log groups with the key."""
    caller_accounts: Sequence[str] = ()
    """Accounts whose admitted roles may use the key through the services (kms:CallerAccount);
    empty: this account only. Roles of other accounts still need the key in their IAM policies."""
    cloudtrail_trail_arns: Sequence[str] = ()
    """Trails that may encrypt their log files with the key."""

    def __post_init__(self) -> None:
        if not 7 <= self.deletion_window_days <= 30:
            raise ValueError("deletion_window_days must be 7..30")
        if not self.via_services:
            raise ValueError("via_services must name at least one service")


class EncryptionKey(Construct):
    """A rotating CMK with an alias and a key policy scoped to this account and region.

    Administration is delegated to the account's IAM policies. Besides that, only the admitted
    service users (by aws:PrincipalArn: the functions' roles, the deploy role) may use the key, and
    only through the listed services acting for this account; only the grant creators may create
    grants, and only for AWS resources of the granting services. CloudWatch Logs (for this
    account's log groups) and the delivering services (alarms, EventBridge, SNS, into this
    account's topics and queues) use it on their own behalf.
    """

    def __init__(self, scope: Construct, id_: str, props: EncryptionKeyProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self._service_users = list(props.service_users)
        self._document = policy_document(self, "policy", self._statements())
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            enable_key_rotation=True,  # yearly, the AWS default period
            deletion_window_in_days=props.deletion_window_days,
            policy=self._document.json,
        )
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.alias}", target_key_id=self.key.key_id)

    def admit_service_users(self, role_arns: Sequence[str]) -> None:
        """Let `role_arns` use the key through the services too (for roles created after the key,
        such as the functions' roles, which need the key's ARN themselves)."""
        self._service_users.extend(role_arns)
        self._document.put_statement([s.render() for s in self._statements()])

    def _statements(self) -> list[PolicyStatement]:
        props = self._props
        ctx = props.context
        account = [ctx.account_id]

        def via(services: Sequence[str]) -> Condition:
            return Condition(test="StringEquals", variable="kms:ViaService",
                             values=[f"{svc}.{ctx.region}.{ctx.dns_suffix}" for svc in services])

        anyone = [Principal(type="AWS", identifiers=["*"])]
        this_account = Condition(test="StringEquals", variable="kms:CallerAccount",
                                 values=list(props.caller_accounts) or account)
        statements = [
            PolicyStatement(
                sid="KeyAdministrationByAccount",
                actions=KEY_ADMIN_ACTIONS,
                resources=["*"],  # in a key policy "*" means this key
                principals=[Principal(type="AWS", identifiers=[ctx.account_root_arn])],
            ),
        ]
        if props.log_groups:
            statements.append(PolicyStatement(
                sid="CloudWatchLogsForThisAccount",
                actions=_USE_ACTIONS,
                resources=["*"],
                principals=[Principal(type="Service", identifiers=[f"logs.{ctx.region}.{ctx.dns_suffix}"])],
                conditions=[
                    Condition(
                        test="ArnLike",
                        variable="kms:EncryptionContext:aws:logs:arn",
                        values=[ctx.arn("logs", "log-group:*")],
                    )
                ],
            ))
        if self._service_users:
            statements.append(PolicyStatement(
                sid="ServicesActingForAdmittedRoles",
                actions=_USE_ACTIONS,
                resources=["*"],
                principals=anyone,
                conditions=[
                    this_account,
                    via(props.via_services),
                    Condition(test="ArnEquals", variable="aws:PrincipalArn", values=list(self._service_users)),
                ],
            ))
        granting = [s for s in props.via_services if s in _GRANTING_SERVICES]
        if props.grant_creators and granting:
            statements.append(PolicyStatement(
                sid="GrantsForEncryptedResources",
                actions=["kms:CreateGrant"],
                resources=["*"],
                principals=anyone,
                conditions=[
                    this_account,
                    via(granting),
                    Condition(test="Bool", variable="kms:GrantIsForAWSResource", values=["true"]),
                    Condition(test="ArnEquals", variable="aws:PrincipalArn", values=list(props.grant_creators)),
                ],
            ))
        if props.cloudtrail_trail_arns:
            cloudtrail = [Principal(type="Service", identifiers=[ctx.service_principal("cloudtrail")])]
            trails = Condition(test="StringEquals", variable="aws:SourceArn", values=list(props.cloudtrail_trail_arns))
            statements += [
                PolicyStatement(
                    sid="CloudTrailEncryptsLogFiles",
                    actions=["kms:GenerateDataKey"],
                    resources=["*"],
                    principals=cloudtrail,
                    conditions=[trails, Condition(
                        test="StringLike", variable="kms:EncryptionContext:aws:cloudtrail:arn",
                        values=[f"arn:{ctx.partition}:cloudtrail:*:{ctx.account_id}:trail/*"])],
                ),
                PolicyStatement(sid="CloudTrailDescribesKey", actions=["kms:DescribeKey"], resources=["*"],
                                principals=cloudtrail, conditions=[trails]),
            ]
        if props.delivering_services:
            statements.append(PolicyStatement(
                sid="DeliveryIntoEncryptedQueuesAndTopics",
                actions=("kms:Decrypt", "kms:GenerateDataKey"),
                resources=["*"],
                principals=[Principal(type="Service",
                                      identifiers=[ctx.service_principal(s) for s in props.delivering_services])],
                conditions=[Condition(test="StringEquals", variable="aws:SourceAccount", values=account)],
            ))
        return statements

    @property
    def key_arn(self) -> str:
        """ARN of the key."""
        return self.key.arn

    @property
    def key_id(self) -> str:
        """Id of the key."""
        return self.key.key_id
