"""One environment of the fraud-detection pipeline: composition of the modules, nothing else."""

from __future__ import annotations

from cdktf import Aspects, TerraformOutput, TerraformStack
from constructs import Construct

from modules.api import TransactionsApi, TransactionsApiProps
from modules.aws_context import AwsContext
from modules.code_signing import CodeSigning, CodeSigningProps
from modules.dependencies_layer import DependenciesLayer, DependenciesLayerProps
from modules.encryption import EncryptionKey, EncryptionKeyProps
from modules.event_wiring import QueueMappingProps, QueueToFunction, StreamMappingProps, StreamToFunction
from modules.iam import PolicyStatement
from modules.idempotency_table import IdempotencyTable, IdempotencyTableProps
from modules.lambda_function import PipelineFunction, PipelineFunctionProps
from modules.messaging import Messaging, MessagingProps, ServiceSender
from modules.monitoring import PipelineMonitoring, PipelineMonitoringProps
from modules.naming import Naming
from modules.network import PrivateNetwork, PrivateNetworkProps
from modules.reports_bucket import ReportsBucket, ReportsBucketProps
from modules.schedule import DailySchedule, DailyScheduleProps
from modules.transactions_table import CUSTOMER_INDEX, DAY_INDEX, TransactionsTable, TransactionsTableProps
from modules.web_acl import ApiWebAcl, ApiWebAclProps
from stacks.artifacts import FunctionArtifacts
from stacks.config import EnvironmentConfig
from stacks.emulator import (
    EmulatorRoundTrip,
    bucket_tls_policy_supported,
    code_signing_supported,
    redrive_allow_policy_supported,
)
from stacks.provider import aws_provider, standard_tags
from stacks.remote_state import RemoteStateSettings, use_remote_state

_DESCRIPTIONS = {
    "transaction_api": "Accepts and serves transactions (POST /transactions, GET /transactions/{id})",
    "fraud_analyzer": "Scores new transactions from the table's stream and queues review/block decisions",
    "notifier": "Publishes one alert per queued fraud decision to the alert topic",
    "report_generator": "Writes the daily fraud report (JSON and CSV) to the reports bucket",
}


class FraudDetectionStack(TerraformStack):
    """WAF -> API -> transaction function -> table (stream) -> analyzer -> fraud queue (+DLQ) ->
    notifier -> alert topic; daily schedule -> report generator -> reports bucket; CMK, private
    network with flow logs, code signing, alarms and dashboard."""

    def __init__(
        self,
        scope: Construct,
        env: EnvironmentConfig,
        state: RemoteStateSettings,
        artifacts: FunctionArtifacts,
    ) -> None:
        super().__init__(scope, env.stack_name)
        emulator_url = env.emulator.endpoint_url if env.emulator else None
        aws_provider(self, region=env.region, tags=standard_tags(env.name, env.tags), emulator_url=emulator_url)
        use_remote_state(self, state, env.name)
        if emulator_url:
            Aspects.of(self).add(EmulatorRoundTrip())
        naming = Naming(project="fraud", suffix=env.name_suffix)
        ctx = AwsContext(self, "context")
        disposable = env.emulator is not None  # emulator data may be destroyed with the stack

        key = EncryptionKey(
            self, "encryption",
            EncryptionKeyProps(alias=naming.name("pipeline"), description=f"Fraud-detection pipeline ({env.name})",
                               context=ctx),
        )
        network = PrivateNetwork(
            self, "network",
            PrivateNetworkProps(name=naming.name("network"), context=ctx, kms_key_arn=key.key_arn,
                                log_retention_days=env.log_retention_days),
        )
        table = TransactionsTable(
            self, "transactions",
            TransactionsTableProps(table_name=naming.name("transactions"), kms_key_arn=key.key_arn,
                                   deletion_protection=env.deletion_protection),
        )
        idempotency = IdempotencyTable(
            self, "idempotency",
            IdempotencyTableProps(table_name=naming.name("idempotency"), kms_key_arn=key.key_arn),
        )
        rule_name = naming.name("daily-report")
        messaging = Messaging(
            self, "messaging",
            MessagingProps(
                queue_name=naming.name("fraud-queue", "queue"),
                dlq_name=naming.name("fraud-dlq", "queue"),
                topic_name=naming.name("fraud-alerts", "queue"),
                kms_key_arn=key.key_arn,
                context=ctx,
                visibility_timeout_seconds=env.fraud_queue_visibility_seconds,
                dlq_senders=[ServiceSender(service_principal=ctx.service_principal("events"),
                                           source_arn=ctx.arn("events", f"rule/{rule_name}"))],
                alert_email=env.alert_email,
                redrive_allow_policy=redrive_allow_policy_supported(emulator_url),
            ),
        )
        reports = ReportsBucket(
            self, "reports",
            ReportsBucketProps(
                bucket_prefix=f"{naming.name('reports')}-",
                kms_key_arn=key.key_arn,
                force_destroy=disposable,
                tls_only_policy=bucket_tls_policy_supported(emulator_url),
            ),
        )
        layer = DependenciesLayer(
            self, "dependencies", DependenciesLayerProps(layer_name=naming.name("dependencies"), code=artifacts.layer)
        )

        signing = (
            CodeSigning(
                self, "code-signing",
                CodeSigningProps(
                    profile_name_prefix=f"fraud_functions_{env.name_suffix}_".replace("-", "_"),
                    description=f"Fraud-detection functions ({env.name}): only packages signed by the profile",
                    untrusted_artifact_on_deployment=env.code_signing,
                ),
            )
            if code_signing_supported(emulator_url) else None
        )

        common_env = {"POWERTOOLS_METRICS_NAMESPACE": "FraudDetection", "POWERTOOLS_LOG_LEVEL": "INFO"}
        wiring: dict[str, tuple[dict[str, str], list[PolicyStatement]]] = {
            "transaction_api": (
                {"TABLE_NAME": table.table_name,
                 "MAX_AMOUNT": env.max_amount, "MAX_BODY_BYTES": str(env.max_body_bytes),
                 "DAY_SHARDS": str(env.day_shards), "TRANSACTION_TTL_DAYS": str(env.transaction_ttl_days)},
                table.grant_write_and_lookup(),
            ),
            "fraud_analyzer": (
                {"TABLE_NAME": table.table_name, "CUSTOMER_INDEX_NAME": CUSTOMER_INDEX,
                 "HISTORY_WINDOW_DAYS": str(env.history_window_days), "FRAUD_QUEUE_URL": messaging.queue_url},
                [*table.grant_stream_read(), *table.grant_score_updates(), *table.grant_index_query(CUSTOMER_INDEX),
                 *messaging.grant_send()],
            ),
            "notifier": (
                {"ALERT_TOPIC_ARN": messaging.topic_arn, "IDEMPOTENCY_TABLE_NAME": idempotency.table_name},
                [*messaging.grant_consume(), *messaging.grant_publish(), *idempotency.grant_records()],
            ),
            "report_generator": (
                {"TABLE_NAME": table.table_name, "DAY_INDEX_NAME": DAY_INDEX, "DAY_SHARDS": str(env.day_shards),
                 "REPORTS_BUCKET": reports.bucket_name},
                [*table.grant_index_query(DAY_INDEX), *reports.grant_write_reports()],
            ),
        }
        functions: dict[str, PipelineFunction] = {}
        for fn_key, (fn_env, statements) in wiring.items():
            settings = env.function(fn_key)
            functions[fn_key] = PipelineFunction(
                self, fn_key.replace("_", "-"),
                PipelineFunctionProps(
                    function_name=naming.name(fn_key.replace("_", "-"), "lambda"),
                    description=_DESCRIPTIONS[fn_key],
                    handler=f"{fn_key}.app.handler",
                    code=artifacts.code[fn_key],
                    context=ctx,
                    kms_key_arn=key.key_arn,
                    subnet_ids=network.subnet_ids,
                    security_group_ids=network.function_security_group_ids,
                    alarm_topic_arn=messaging.topic_arn,
                    async_failure_destination_arn=messaging.dlq_arn,
                    timeout_seconds=settings.timeout_seconds,
                    memory_mb=settings.memory_mb,
                    reserved_concurrency=settings.reserved_concurrency,
                    log_retention_days=env.log_retention_days,
                    environment={**common_env, "POWERTOOLS_SERVICE_NAME": fn_key.replace("_", "-"), **fn_env},
                    layer_arns=[layer.layer_arn],
                    policy_statements=statements,
                    error_rate_threshold_percent=env.alarms.function_error_rate_percent,
                    code_signing_config_arn=signing.config_arn if signing else None,
                ),
            )

        StreamToFunction(
            self, "stream-to-analyzer",
            StreamMappingProps(
                stream_arn=table.stream_arn,
                function_name=functions["fraud_analyzer"].function_name,
                failure_destination_arn=messaging.dlq_arn,
                max_retries=env.stream_max_retries,
                max_record_age_seconds=env.stream_max_record_age_seconds,
            ),
        )
        QueueToFunction(
            self, "queue-to-notifier",
            QueueMappingProps(
                queue_arn=messaging.queue_arn,
                function_name=functions["notifier"].function_name,
                batching_window_seconds=env.notifier_batch_window_seconds,
                max_concurrency=max(2, env.function("notifier").reserved_concurrency),
            ),
        )
        DailySchedule(
            self, "daily-report",
            DailyScheduleProps(
                rule_name=rule_name,
                function_name=functions["report_generator"].function_name,
                function_arn=functions["report_generator"].function_arn,
                dlq_arn=messaging.dlq_arn,
            ),
        )
        api_name = naming.name("transactions-api")
        api_props = TransactionsApiProps(
            api_name=api_name,
            function_name=functions["transaction_api"].function_name,
            function_invoke_arn=functions["transaction_api"].invoke_arn,
            request_schema=artifacts.request_schema,
            kms_key_arn=key.key_arn,
            log_retention_days=env.log_retention_days,
            throttle_rate_limit=env.api_throttle.rate_limit,
            throttle_burst_limit=env.api_throttle.burst_limit,
        )
        api = TransactionsApi(self, "api", api_props)
        ApiWebAcl(
            self, "waf",
            ApiWebAclProps(
                name=naming.name("transactions-api"),
                stage_arn=api.stage_arn,
                max_body_bytes=env.max_body_bytes,
                requests_per_ip_per_5min=env.waf_requests_per_ip_per_5min,
                kms_key_arn=key.key_arn,
                log_retention_days=env.log_retention_days,
            ),
        )
        PipelineMonitoring(
            self, "monitoring",
            PipelineMonitoringProps(
                name=naming.name("pipeline"),
                region=env.region,
                topic_arn=messaging.topic_arn,
                dlq_name=naming.name("fraud-dlq", "queue"),
                fraud_queue_name=naming.name("fraud-queue", "queue"),
                stream_consumer_function=naming.name("fraud-analyzer", "lambda"),
                function_names=[naming.name(k.replace("_", "-"), "lambda") for k in wiring],
                api_name=api_name,
                api_stage=api_props.stage_name,
                table_name=naming.name("transactions"),
                dlq_depth_threshold=env.alarms.dlq_depth,
                iterator_age_ms=env.alarms.iterator_age_ms,
                api_5xx_rate=env.alarms.api_5xx_rate,
                api_4xx_rate=env.alarms.api_4xx_rate,
            ),
        )

        outputs = {
            "api_url": (api.invoke_url, "Base URL of the API stage"),
            "api_key_id": (api.api_key_id, "Id of the default API key (value: aws apigateway get-api-key)"),
            "table_name": (table.table_name, "Transactions table"),
            "reports_bucket_name": (reports.bucket_name, "Bucket of daily reports"),
            "fraud_queue_url": (messaging.queue_url, "Queue of review/block decisions"),
            "dlq_url": (messaging.dlq_url, "Dead-letter queue of every asynchronous path"),
            "alert_topic_arn": (messaging.topic_arn, "Topic of fraud alerts and alarms"),
            "kms_key_id": (key.key_id, "Customer-managed key of the environment"),
        }
        outputs.update(
            {f"{k}_function_name": (f.function_name, f"Name of the {k.replace('_', ' ')} function")
             for k, f in functions.items()}
        )
        for output_id, (value, description) in outputs.items():
            TerraformOutput(self, output_id, value=value, description=description)
