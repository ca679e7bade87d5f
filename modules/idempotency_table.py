"""Table of idempotency records (Powertools idempotency utility) for the API and the notifier."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from constructs import Construct

from modules.iam import PolicyStatement


@dataclass(frozen=True, kw_only=True)
class IdempotencyTableProps:
    """Settings of the idempotency table."""

    table_name: str
    """Table name."""
    kms_key_arn: str
    """CMK for encryption at rest."""
    deletion_protection: bool = True
    """Refuse deletion through the API (secure default; dev and the emulator turn it off). Deleting
    the table in production would drop every in-flight lock and reopen the duplicate window for
    retried payments and alerts."""


class IdempotencyTable(Construct):
    """PAY_PER_REQUEST table keyed by `id`, records expiring through TTL on `expiration`
    (the Powertools defaults), PITR, CMK encryption and deletion protection where the environment
    asks for it."""

    def __init__(self, scope: Construct, id_: str, props: IdempotencyTableProps) -> None:
        super().__init__(scope, id_)
        self.table = DynamodbTable(
            self,
            "table",
            name=props.table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key="id",
            attribute=[DynamodbTableAttribute(name="id", type="S")],
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": props.kms_key_arn},
            ttl={"attribute_name": "expiration", "enabled": True},
            deletion_protection_enabled=props.deletion_protection,
        )

    @property
    def table_name(self) -> str:
        """Name of the table."""
        return self.table.name

    @property
    def table_arn(self) -> str:
        """ARN of the table."""
        return self.table.arn

    def grant_records(self) -> list[PolicyStatement]:
        """The three calls the idempotency utility makes on its records: a conditional put (which
        returns the existing record when the condition fails, ReturnValuesOnConditionCheckFailure),
        an update when the work is done, a delete when it failed. Its GetItem is a fallback for SDKs
        older than the Lambda runtime's, so it is not granted (tests/security/test_least_privilege.py
        proves no call needs it)."""
        return [
            PolicyStatement(
                sid="IdempotencyRecords",
                actions=["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                resources=[self.table_arn],
            )
        ]
