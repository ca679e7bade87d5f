"""What each of the four functions is, needs and may do: one typed spec per function.

The pipeline stack turns every spec into a `PipelineFunction`; the environment variables and grants
are references to the constructs' attributes, never names rebuilt from strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from modules.iam import PolicyStatement
from modules.idempotency_table import IdempotencyTable
from modules.merchant_counters_table import MerchantCountersTable
from modules.messaging import Messaging
from modules.pseudonym_key import PseudonymKey
from modules.reports_bucket import ReportsBucket
from modules.transactions_table import CUSTOMER_INDEX, DAY_INDEX, TransactionsTable
from stacks.config import FUNCTION_KEYS, EnvironmentConfig, FunctionKey, FunctionSettings


@dataclass(frozen=True, kw_only=True)
class FunctionSpec:
    """One function of the pipeline: its code, its deployed name, its settings, what it may do."""

    key: FunctionKey
    """Package of the function under functions/ (handler `<key>.app.handler`), key of its artifact
    and of its settings in the environment config, and of its stack output."""
    name: str
    """Component of its deployed names (`fraud-<name>-<suffix>`), its construct id and its
    Powertools service name."""
    description: str
    """What the function does (the function's description in Lambda)."""
    environment: Mapping[str, str]
    """Environment variables of its own, beside the ones every function gets."""
    grants: Sequence[PolicyStatement]
    """What its code may do, from the resource constructs' grant_* helpers."""
    settings: FunctionSettings
    """Timeout, memory and reserved concurrency from the environment's config."""
    pseudonymizes: bool = False
    """Whether its logs name customers by pseudonym: it then gets PSEUDONYM_KEY_ID and may
    kms:GenerateMac with that key (nothing else may)."""

    @property
    def handler(self) -> str:
        """Entry point of the function."""
        return f"{self.key}.app.handler"


@dataclass(frozen=True, kw_only=True)
class PipelineResources:
    """The resource constructs the functions read, write and are configured with."""

    table: TransactionsTable
    """Transactions table (and its stream)."""
    idempotency: IdempotencyTable
    """Idempotency records of the API and the notifier."""
    merchant_counters: MerchantCountersTable
    """Per-merchant daily counters: labels change the frauds, the analyzer counts and reads."""
    messaging: Messaging
    """Fraud queue, DLQ and alert topic."""
    reports: ReportsBucket
    """Bucket of daily reports."""
    pseudonym_key: PseudonymKey
    """HMAC key of the customer pseudonyms in logs."""


def function_specs(env: EnvironmentConfig, res: PipelineResources) -> MappingProxyType[FunctionKey, FunctionSpec]:
    """The four functions of `env`, keyed by function key."""
    table, idempotency, messaging = res.table, res.idempotency, res.messaging
    specs = (
        FunctionSpec(
            key="transaction_api",
            name="transaction-api",
            description="Accepts and serves transactions and records their outcome labels "
                        "(POST /transactions, GET /transactions/{id}, POST /transactions/{id}/label)",
            environment={
                "TABLE_NAME": table.table_name,
                "MERCHANT_COUNTERS_TABLE_NAME": res.merchant_counters.table_name,
                "MAX_AMOUNT": env.max_amount, "MAX_BODY_BYTES": str(env.max_body_bytes),
                "DAY_SHARDS": str(env.day_shards), "TRANSACTION_TTL_DAYS": str(env.transaction_ttl_days),
            },
            # Replays and concurrent copies are settled in the table itself (an id marker written in the
            # same transaction as the record): the API keeps no idempotency records. A label updates
            # the transaction item and, in the same transaction, its merchant's fraud counter.
            grants=[*table.grant_write_and_lookup(), *table.grant_label_updates(),
                    *res.merchant_counters.grant_counter_updates()],
            settings=env.function("transaction_api"),
        ),
        FunctionSpec(
            key="fraud_analyzer",
            name="analyzer",
            description="Scores new transactions from the table's stream and queues review/block decisions",
            environment={
                "TABLE_NAME": table.table_name, "CUSTOMER_INDEX_NAME": CUSTOMER_INDEX,
                "HISTORY_WINDOW_DAYS": str(env.history_window_days), "FRAUD_QUEUE_URL": messaging.queue_url,
                "PSEUDONYM_KEY_ID": res.pseudonym_key.key_arn,
                "MERCHANT_COUNTERS_TABLE_NAME": res.merchant_counters.table_name,
            },
            # The score write-back is one TransactWriteItems (authorized per contained action): the
            # item's UpdateItem and the merchant counter's UpdateItem.
            grants=[*table.grant_stream_read(), *table.grant_score_updates(), *table.grant_index_query(CUSTOMER_INDEX),
                    *res.merchant_counters.grant_counter_reads(), *res.merchant_counters.grant_counter_updates(),
                    *messaging.grant_send(), *res.pseudonym_key.grant_generate_mac()],
            settings=env.function("fraud_analyzer"),
            pseudonymizes=True,
        ),
        FunctionSpec(
            key="notifier",
            name="notifier",
            description="Publishes one alert per queued fraud decision to the alert topic",
            environment={"ALERT_TOPIC_ARN": messaging.topic_arn, "IDEMPOTENCY_TABLE_NAME": idempotency.table_name},
            grants=[*messaging.grant_consume(), *messaging.grant_publish(), *idempotency.grant_records()],
            settings=env.function("notifier"),
        ),
        FunctionSpec(
            key="report_generator",
            name="report-generator",
            description="Writes the daily fraud report (JSON and CSV) to the reports bucket",
            environment={
                "TABLE_NAME": table.table_name, "DAY_INDEX_NAME": DAY_INDEX, "DAY_SHARDS": str(env.day_shards),
                "REPORTS_BUCKET": res.reports.bucket_name,
            },
            grants=[*table.grant_index_query(DAY_INDEX), *res.reports.grant_write_reports()],
            settings=env.function("report_generator"),
        ),
    )
    by_key = {spec.key: spec for spec in specs}
    if tuple(by_key) != FUNCTION_KEYS:
        raise ValueError(f"function specs {tuple(by_key)} must cover {FUNCTION_KEYS} once each, in order")
    return MappingProxyType(by_key)
