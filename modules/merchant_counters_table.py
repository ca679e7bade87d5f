"""Table of per-merchant risk aggregates: one item per merchant (terminal), daily counters inside.

The stored shape and who changes which counter live in functions/fraudlib/merchant_counters.py;
this construct holds the table and the grants of the two writers and the one reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from constructs import Construct

from modules.iam import PolicyStatement

KEY_ATTRIBUTE = "merchant_key"
"""Hash key; the same name as fraudlib.merchant_counters.KEY_ATTRIBUTE (a test checks they agree)."""


@dataclass(frozen=True, kw_only=True)
class MerchantCountersTableProps:
    """Settings of the merchant counters table."""

    table_name: str
    """Table name."""
    kms_key_arn: str
    """CMK for encryption at rest."""
    deletion_protection: bool = True
    """Refuse deletion through the API (secure default; dev and the emulator turn it off). The
    counters are rebuilt only by replaying every transaction and label, so losing them costs the
    model its merchant features until they are."""


class MerchantCountersTable(Construct):
    """PAY_PER_REQUEST table keyed by `merchant_key`, with PITR, CMK encryption and no stream (nothing
    reacts to a counter change). Counters are never expired by TTL: an item holds a merchant's whole
    history of daily counters, a few bytes per day."""

    def __init__(self, scope: Construct, id_: str, props: MerchantCountersTableProps) -> None:
        super().__init__(scope, id_)
        self.table = DynamodbTable(
            self,
            "table",
            name=props.table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key=KEY_ATTRIBUTE,
            attribute=[DynamodbTableAttribute(name=KEY_ATTRIBUTE, type="S")],
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": props.kms_key_arn},
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

    def grant_counter_reads(self) -> list[PolicyStatement]:
        """The analyzer's batched reads of the batch's merchants."""
        return [PolicyStatement(sid="MerchantCountersRead", actions=["dynamodb:BatchGetItem"],
                                resources=[self.table_arn])]

    def grant_counter_updates(self) -> list[PolicyStatement]:
        """ADD updates of counters, which the writers make only inside TransactWriteItems together
        with the transaction item's own conditional write (TransactWriteItems is authorized per
        contained action: UpdateItem here)."""
        return [PolicyStatement(sid="MerchantCountersUpdate", actions=["dynamodb:UpdateItem"],
                                resources=[self.table_arn])]
