"""The environment's KMS HMAC key: the secret of the customer pseudonyms in the functions' logs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

from modules.aws_context import AwsContext
from modules.encryption import KEY_ADMIN_ACTIONS
from modules.iam import Condition, PolicyStatement, Principal, policy_document

# Cryptographic operations of an encryption key: they do not apply to an HMAC key, and nobody needs
# them on it. GenerateMac is not an administration action, so the account's IAM policies (the plan
# and deploy roles among them) cannot compute a pseudonym; only the admitted roles can.
_ENCRYPTION_OPERATIONS = frozenset({
    "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:RotateKeyOnDemand", "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
})
_MAC_ADMIN_ACTIONS = tuple(a for a in KEY_ADMIN_ACTIONS if a not in _ENCRYPTION_OPERATIONS)


@dataclass(frozen=True, kw_only=True)
class PseudonymKeyProps:
    """Settings of the pseudonym key."""

    alias: str
    """Alias name without the `alias/` prefix."""
    description: str
    """What the key is for."""
    context: AwsContext
    """Account and partition the key policy is scoped to."""
    deletion_window_days: int = 30
    """Waiting period before a scheduled deletion; the maximum: a lost key breaks log correlation."""

    def __post_init__(self) -> None:
        if not 7 <= self.deletion_window_days <= 30:
            raise ValueError("deletion_window_days must be 7..30")


class PseudonymKey(Construct):
    """An HMAC_256 KMS key whose only use is kms:GenerateMac by the admitted function roles.

    Administration is delegated to the account's IAM policies like the pipeline key's, without the
    MAC operation: only roles admitted with `admit_mac_users` (by aws:PrincipalArn, this account)
    may generate MACs, and only if their own policy grants it too (`grant_generate_mac`).
    KMS does not rotate HMAC keys automatically; rotating means a new key and new pseudonyms.
    """

    def __init__(self, scope: Construct, id_: str, props: PseudonymKeyProps) -> None:
        super().__init__(scope, id_)
        self._props = props
        self._mac_users: list[str] = []
        self._document = policy_document(self, "policy", self._statements())
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            customer_master_key_spec="HMAC_256",
            key_usage="GENERATE_VERIFY_MAC",
            deletion_window_in_days=props.deletion_window_days,
            policy=self._document.json,
        )
        self.alias = KmsAlias(self, "alias", name=f"alias/{props.alias}", target_key_id=self.key.key_id)

    def admit_mac_users(self, role_arns: Sequence[str]) -> None:
        """Let `role_arns` generate MACs with the key (roles created after it: the functions' roles)."""
        self._mac_users.extend(role_arns)
        self._document.put_statement([s.render() for s in self._statements()])

    def grant_generate_mac(self) -> list[PolicyStatement]:
        """The identity-policy statement a function needs to derive its pseudonym secret."""
        return [PolicyStatement(sid="PseudonymSecret", actions=["kms:GenerateMac"], resources=[self.key.arn])]

    def _statements(self) -> list[PolicyStatement]:
        ctx = self._props.context
        statements = [
            PolicyStatement(
                sid="KeyAdministrationByAccount",
                actions=_MAC_ADMIN_ACTIONS,
                resources=["*"],  # in a key policy "*" means this key
                principals=[Principal(type="AWS", identifiers=[ctx.account_root_arn])],
            ),
        ]
        if self._mac_users:
            statements.append(PolicyStatement(
                sid="MacForAdmittedRoles",
                actions=["kms:GenerateMac"],
                resources=["*"],
                principals=[Principal(type="AWS", identifiers=["*"])],
                conditions=[
                    Condition(test="StringEquals", variable="kms:CallerAccount", values=[ctx.account_id]),
                    Condition(test="ArnEquals", variable="aws:PrincipalArn", values=list(self._mac_users)),
                ],
            ))
        return statements

    @property
    def key_arn(self) -> str:
        """ARN of the key (what a function passes as KeyId)."""
        return self.key.arn
