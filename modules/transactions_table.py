"""The transactions table: the pipeline's system of record and, through its stream, its trigger."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableGlobalSecondaryIndex,
)
from constructs import Construct

from modules.iam import PolicyStatement

CUSTOMER_INDEX = "customer-index"
DAY_INDEX = "day-index"


@dataclass(frozen=True, kw_only=True)
class TransactionsTableProps:
    """Settings of the transactions table."""

    table_name: str
    """Table name."""
    kms_key_arn: str
    """CMK for encryption at rest."""
    deletion_protection: bool = True
    """Refuse deletion through the API (secure default; dev may turn it off)."""
    ttl_attribute: str = "expires_at"
    """Epoch-seconds attribute after which DynamoDB deletes an item."""


class TransactionsTable(Construct):
    """PAY_PER_REQUEST table keyed by transaction_id + timestamp, with a NEW_IMAGE stream,
    a per-customer index (history for scoring), a per-day sharded index (daily reports), PITR,
    CMK encryption and TTL.

    Attributes: `table`, `name` (a literal, for dashboards), `table_name`/`table_arn`/`stream_arn`
    (references, for wiring)."""

    def __init__(self, scope: Construct, id_: str, props: TransactionsTableProps) -> None:
        super().__init__(scope, id_)
        self.name = props.table_name
        """Name of the table as a literal (known at synth: dashboards need it as plain JSON)."""
        self.table = DynamodbTable(
            self,
            "table",
            name=props.table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key="transaction_id",
            range_key="timestamp",
            attribute=[
                DynamodbTableAttribute(name=name, type=kind)
                for name, kind in (("transaction_id", "S"), ("timestamp", "N"), ("customer_id", "S"),
                                   ("day_shard", "S"))
            ],
            global_secondary_index=[
                DynamodbTableGlobalSecondaryIndex(
                    name=CUSTOMER_INDEX, hash_key="customer_id", range_key="timestamp", projection_type="ALL"
                ),
                DynamodbTableGlobalSecondaryIndex(
                    name=DAY_INDEX, hash_key="day_shard", range_key="timestamp", projection_type="ALL"
                ),
            ],
            stream_enabled=True,
            # The analyzer reads only the new item; an old image would put a second copy of every
            # changed transaction (score write-backs included) into the stream for 24 hours.
            stream_view_type="NEW_IMAGE",
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": props.kms_key_arn},
            ttl={"attribute_name": props.ttl_attribute, "enabled": True},
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

    @property
    def stream_arn(self) -> str:
        """ARN of the table's stream."""
        return self.table.stream_arn

    def index_arn(self, index: str) -> str:
        """ARN of one global secondary index."""
        return f"{self.table.arn}/index/{index}"

    def grant_write_and_lookup(self) -> list[PolicyStatement]:
        """Conditional puts of new transactions and strongly consistent lookups by id (a Query on
        the partition key: the sort key is not known to a reader)."""
        return [
            PolicyStatement(
                sid="TransactionsWriteAndLookup",
                actions=["dynamodb:PutItem", "dynamodb:Query"],
                resources=[self.table_arn],
            )
        ]

    def grant_stream_read(self) -> list[PolicyStatement]:
        """What the Lambda service needs, in the function's role, to poll the stream."""
        return [
            PolicyStatement(
                sid="TransactionsStreamRead",
                actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                resources=[self.stream_arn],
            ),
            PolicyStatement(
                sid="TransactionsStreamList",
                actions=["dynamodb:ListStreams"],
                resources=[f"{self.table_arn}/stream/*"],
            ),
        ]

    def grant_score_updates(self) -> list[PolicyStatement]:
        """Writing scores back onto existing items."""
        return [
            PolicyStatement(sid="TransactionsScoreUpdate", actions=["dynamodb:UpdateItem"], resources=[self.table_arn])
        ]

    def grant_label_updates(self) -> list[PolicyStatement]:
        """Writing label histories onto existing items (conditional updates, inside TransactWriteItems,
        which is authorized per contained action)."""
        return [
            PolicyStatement(sid="TransactionsLabelUpdate", actions=["dynamodb:UpdateItem"], resources=[self.table_arn])
        ]

    def grant_index_query(self, index: str) -> list[PolicyStatement]:
        """Queries on one index (and nothing else)."""
        sid = "".join(part.capitalize() for part in index.split("-"))
        return [PolicyStatement(sid=f"Query{sid}", actions=["dynamodb:Query"], resources=[self.index_arn(index)])]
