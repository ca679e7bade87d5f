"""The Terraform state bucket and the key that encrypts it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from constructs import Construct

from modules.aws_context import AwsContext
from modules.encryption import EncryptionKey, EncryptionKeyProps
from modules.iam import Condition, PolicyStatement, Principal
from modules.secure_bucket import SecureBucket, SecureBucketProps, bucket_lifecycle
from modules.state_audit_trail import StateAuditTrail, StateAuditTrailProps, trail_arn


@dataclass(frozen=True, kw_only=True)
class StateUser:
    """Roles that read and write the state under one key prefix (an environment's CI roles)."""

    key_prefix: str
    """e.g. `fraud-detection/dev/`: the environment's state and lock objects."""
    role_arns: Sequence[str]
    """The deploy and plan roles of that environment."""


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
    state_users: Sequence[StateUser] = field(default_factory=tuple)
    """CI roles and the prefix each may use; the bucket and its key admit them (and the
    administrators) only."""
    administrator_role_arns: Sequence[str] = field(default_factory=tuple)
    """The named break-glass role(s): administrators who deploy the state and account stacks and
    repair state by hand."""
    caller_accounts: Sequence[str] = field(default_factory=tuple)
    """Accounts of the admitted roles (empty: the bucket's own account only)."""
    audit_trail: bool = True
    """Record every object-level call on the bucket in a CloudTrail trail of this stack (off only
    for an emulator without CloudTrail, see stacks/emulator.py)."""

    def __post_init__(self) -> None:
        if self.noncurrent_state_days < 1:
            raise ValueError("noncurrent_state_days must be >= 1")
        if not self.administrator_role_arns:
            raise ValueError("name the break-glass administrator role: nobody else may repair the state")

    @property
    def admitted_role_arns(self) -> list[str]:
        """Every role the bucket and its key admit."""
        return [*(arn for user in self.state_users for arn in user.role_arns), *self.administrator_role_arns]


class StateBucket(Construct):
    """Versioned (replaced state revisions recoverable for a year), SSE-KMS with its own
    CMK, private, TLS-only; incomplete uploads are aborted after 7 days. Locking uses S3 conditional
    writes (`use_lockfile`), so no DynamoDB lock table is needed."""

    def __init__(self, scope: Construct, id_: str, props: StateBucketProps) -> None:
        super().__init__(scope, id_)
        trail_name = f"{props.bucket_name}-access"
        self.key = EncryptionKey(
            self,
            "key",
            EncryptionKeyProps(
                alias=props.key_alias,
                description="Encrypts the fraud-detection Terraform state",
                context=props.context,
                # Only S3 encrypts with this key, for the admitted roles; nothing creates grants
                # on it and no service delivers anything encrypted with it but the audit trail.
                via_services=("s3",),
                service_users=props.admitted_role_arns,
                caller_accounts=props.caller_accounts,
                delivering_services=(),
                log_groups=False,
                cloudtrail_trail_arns=[trail_arn(props.context, trail_name)] if props.audit_trail else (),
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
                policy_statements=lambda arn: _admitted_roles_only(arn, props),
            ),
        )
        self.audit_trail = StateAuditTrail(
            self,
            "audit",
            StateAuditTrailProps(
                trail_name=trail_name,
                audited_bucket_arn=self.secure.bucket_arn,
                kms_key_arn=self.key.key_arn,
                context=props.context,
                log_bucket_prefix="fraud-state-audit-",
                force_destroy=props.force_destroy,
            ),
        ) if props.audit_trail else None

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


def _admitted_roles_only(bucket_arn: str, props: StateBucketProps) -> list[PolicyStatement]:
    """Each environment's CI roles read and write their own prefix; everyone else (this account's
    other principals included, whatever their IAM policies say) is denied every S3 action on the
    bucket, except the administrators. Principals are matched by aws:PrincipalArn, not named as
    principals: the CI roles are created after this bucket (by the account stack)."""
    anyone = [Principal(type="AWS", identifiers=["*"])]
    statements = []
    for index, user in enumerate(props.state_users):
        roles = Condition(test="ArnEquals", variable="aws:PrincipalArn", values=list(user.role_arns))
        statements += [
            PolicyStatement(
                sid=f"StateObjects{index}", actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[f"{bucket_arn}/{user.key_prefix}*"], principals=anyone, conditions=[roles],
            ),
            PolicyStatement(
                sid=f"StateListing{index}", actions=["s3:ListBucket"], resources=[bucket_arn], principals=anyone,
                conditions=[roles, Condition(test="StringLike", variable="s3:prefix", values=[f"{user.key_prefix}*"])],
            ),
        ]
    statements.append(PolicyStatement(
        sid="OnlyAdmittedRoles",
        effect="Deny",
        actions=["s3:*"],
        resources=[bucket_arn, f"{bucket_arn}/*"],
        principals=anyone,
        conditions=[Condition(test="ArnNotEquals", variable="aws:PrincipalArn", values=props.admitted_role_arns)],
    ))
    return statements
