"""One environment of the fraud-detection pipeline: composition of the modules, nothing else."""

from __future__ import annotations

from cdktf import Aspects, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_ssm_parameter import DataAwsSsmParameter
from constructs import Construct

from modules.api import TransactionsApi, TransactionsApiProps
from modules.artifacts_bucket import ArtifactsBucket, ArtifactsBucketProps
from modules.aws_context import AwsContext
from modules.ci.permissions_boundary import boundary_policy_arn
from modules.code_signing import config_arn_parameter_name, profile_name_parameter_name
from modules.dependencies_layer import DependenciesLayer, DependenciesLayerProps
from modules.encryption import EncryptionKey, EncryptionKeyProps
from modules.event_wiring import QueueMappingProps, QueueToFunction, StreamMappingProps, StreamToFunction
from modules.idempotency_table import IdempotencyTable, IdempotencyTableProps
from modules.lambda_function import PipelineFunction, PipelineFunctionProps
from modules.lambda_packaging import PackagedCode
from modules.merchant_counters_table import MerchantCountersTable, MerchantCountersTableProps
from modules.messaging import Messaging, MessagingProps, ServiceSender
from modules.monitoring import PipelineMonitoring, PipelineMonitoringProps
from modules.naming import Naming
from modules.pseudonym_key import PseudonymKey, PseudonymKeyProps
from modules.reports_bucket import ReportsBucket, ReportsBucketProps
from modules.role_boundary import PermissionsBoundaryOnEveryRole
from modules.schedule import DailySchedule, DailyScheduleProps
from modules.signed_artifact import SignedArtifact, SignedArtifactProps
from modules.transactions_table import TransactionsTable, TransactionsTableProps
from modules.web_acl import ApiWebAcl, ApiWebAclProps
from stacks.access_config import ci_role, role_arn
from stacks.api_access import api_access_props
from stacks.artifacts import FunctionArtifacts
from stacks.config import EnvironmentConfig, FunctionKey
from stacks.emulator import (
    EMULATOR_SIGNING_PROFILE,
    EmulatorRoundTrip,
    bucket_tls_policy_supported,
    code_signing_supported,
    redrive_allow_policy_supported,
)
from stacks.function_specs import PipelineResources, function_specs
from stacks.network_stack import NetworkReference
from stacks.provider import aws_provider, standard_tags
from stacks.remote_state import RemoteStateSettings, use_remote_state


class FraudDetectionStack(TerraformStack):
    """WAF -> API -> transaction function -> table (stream) -> analyzer -> fraud queue (+DLQ) ->
    notifier -> alert topic; daily schedule -> report generator -> reports bucket; CMK, code
    signing, alarms and dashboard. The functions run in the environment's private network, which
    its own stack (stacks/network_stack.py) owns and deploys first: this stack only reads its ids."""

    def __init__(
        self,
        scope: Construct,
        env: EnvironmentConfig,
        state: RemoteStateSettings,
        artifacts: FunctionArtifacts,
    ) -> None:
        super().__init__(scope, env.stack_name)
        emulator_url = env.emulator.endpoint_url if env.emulator else None
        aws_provider(self, region=env.region, tags=standard_tags(env.name, env.tags), emulator_url=emulator_url,
                     account_id=env.account_id)
        use_remote_state(self, state, env.name)
        if emulator_url:
            Aspects.of(self).add(EmulatorRoundTrip())
        naming = Naming(project="fraud", suffix=env.name_suffix)
        ctx = AwsContext(self, "context")
        # Every role of the stack carries the environment's boundary (created by the account stack).
        boundary_arn = boundary_policy_arn(ctx.partition, ctx.account_id, env.name)
        Aspects.of(self).add(PermissionsBoundaryOnEveryRole(boundary_arn))
        disposable = env.emulator is not None  # emulator data may be destroyed with the stack

        deploy_role_arn = role_arn(ci_role("deploy", env.name), partition=ctx.partition, account_id=ctx.account_id)
        redrive_role_arn = role_arn(env.operators_redrive_role, partition=ctx.partition, account_id=ctx.account_id)
        key = EncryptionKey(
            self, "encryption",
            EncryptionKeyProps(alias=naming.name("pipeline"), description=f"Fraud-detection pipeline ({env.name})",
                               context=ctx, service_users=[deploy_role_arn, redrive_role_arn],
                               grant_creators=[deploy_role_arn]),
        )
        pseudonym_key = PseudonymKey(
            self, "pseudonyms",
            PseudonymKeyProps(alias=naming.name("pseudonyms"), context=ctx,
                              description=f"Fraud-detection customer pseudonyms in logs ({env.name})"),
        )
        network = NetworkReference(self, "network", env, state)
        table = TransactionsTable(
            self, "transactions",
            TransactionsTableProps(table_name=naming.name("transactions"), kms_key_arn=key.key_arn,
                                   deletion_protection=env.deletion_protection),
        )
        idempotency = IdempotencyTable(
            self, "idempotency",
            IdempotencyTableProps(table_name=naming.name("idempotency"), kms_key_arn=key.key_arn,
                                  deletion_protection=env.deletion_protection),
        )
        merchant_counters = MerchantCountersTable(
            self, "merchant-counters",
            MerchantCountersTableProps(table_name=naming.name("merchant-counters"), kms_key_arn=key.key_arn,
                                       deletion_protection=env.deletion_protection),
        )
        rule_name = naming.name("daily-report")
        messaging = Messaging(
            self, "messaging",
            MessagingProps(
                queue_name=naming.name("queue", "queue"),
                dlq_name=naming.name("dlq", "queue"),
                topic_name=naming.name("alerts", "topic"),
                kms_key_arn=key.key_arn,
                context=ctx,
                visibility_timeout_seconds=env.fraud_queue_visibility_seconds,
                dlq_senders=[ServiceSender(service_principal=ctx.service_principal("events"),
                                           source_arn=ctx.arn("events", f"rule/{rule_name}"))],
                alert_email=env.alert_email,
                redrive_allow_policy=redrive_allow_policy_supported(emulator_url),
                # Every alarm of the environment is named <project>-<component>-<suffix>-<what>.
                alarm_source_arns=[ctx.arn("cloudwatch", f"alarm:{naming.name('*')}-*")],
                fraud_queue_senders=[redrive_role_arn],
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
        # Every package is uploaded and signed with the environment's Signer profile (the account
        # stack's, read by name), in every environment: what dev runs is what prod runs. The emulator's
        # played Signer signs with a fixed profile name (stacks/emulator.py says why).
        artifacts_bucket = ArtifactsBucket(
            self, "artifacts",
            ArtifactsBucketProps(bucket_prefix=f"{naming.name('artifacts')}-", kms_key_arn=key.key_arn,
                                 force_destroy=disposable, tls_only_policy=bucket_tls_policy_supported(emulator_url)),
        )
        signing_profile = (
            DataAwsSsmParameter(self, "signing-profile", name=profile_name_parameter_name(env.name_suffix)).value
            if code_signing_supported(emulator_url) else EMULATOR_SIGNING_PROFILE
        )

        def signed(name: str, code: PackagedCode) -> SignedArtifact:
            return SignedArtifact(
                self, f"artifact-{name}",
                SignedArtifactProps(name=name, code=code, bucket=artifacts_bucket, kms_key_arn=key.key_arn,
                                    signing_profile_name=signing_profile),
            )

        layer = DependenciesLayer(
            self, "dependencies",
            DependenciesLayerProps(layer_name=naming.name("dependencies"),
                                   code=signed("dependencies-layer", artifacts.layer).signed),
        )

        # The code signing configuration belongs to the account stack (no deploy may change it): its
        # ARN, which carries an id AWS generates, is published there in an SSM parameter.
        signing_config_arn = (
            DataAwsSsmParameter(self, "code-signing-config", name=config_arn_parameter_name(env.name_suffix)).value
            if code_signing_supported(emulator_url) else None
        )

        common_env = {"POWERTOOLS_METRICS_NAMESPACE": "FraudDetection", "POWERTOOLS_LOG_LEVEL": "INFO"}
        specs = function_specs(env, PipelineResources(table=table, idempotency=idempotency, messaging=messaging,
                                                      merchant_counters=merchant_counters,
                                                      reports=reports, pseudonym_key=pseudonym_key))
        functions: dict[FunctionKey, PipelineFunction] = {}
        for spec in specs.values():
            functions[spec.key] = PipelineFunction(
                self, spec.name,
                PipelineFunctionProps(
                    function_name=naming.name(spec.name, "lambda"),
                    description=spec.description,
                    handler=spec.handler,
                    code=signed(spec.key, artifacts.code[spec.key]).signed,
                    context=ctx,
                    kms_key_arn=key.key_arn,
                    subnet_ids=network.subnet_ids,
                    security_group_ids=network.function_security_group_ids,
                    alarm_topic_arn=messaging.topic_arn,
                    async_failure_destination_arn=messaging.dlq_arn,
                    timeout_seconds=spec.settings.timeout_seconds,
                    memory_mb=spec.settings.memory_mb,
                    reserved_concurrency=spec.settings.reserved_concurrency,
                    log_retention_days=env.log_retention_days,
                    environment={**common_env, "POWERTOOLS_SERVICE_NAME": spec.name, **spec.environment},
                    layer_arns=[layer.layer_arn],
                    policy_statements=spec.grants,
                    error_rate_threshold_percent=env.alarms.function_error_rate_percent,
                    code_signing_config_arn=signing_config_arn,
                ),
            )

        key.admit_service_users([f.role_arn for f in functions.values()])
        pseudonym_key.admit_mac_users([functions[k].role_arn for k, spec in specs.items() if spec.pseudonymizes])
        messaging.admit_fraud_queue_senders([functions["fraud_analyzer"].role_arn])

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
                # Never more pollers than the notifier may run at once (the config keeps it within 2..1000).
                max_concurrency=specs["notifier"].settings.reserved_concurrency,
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
        api = TransactionsApi(
            self, "api",
            TransactionsApiProps(
                api_name=naming.name("transactions-api"),
                function_name=functions["transaction_api"].function_name,
                function_invoke_arn=functions["transaction_api"].invoke_arn,
                request_schema=artifacts.request_schema,
                label_request_schema=artifacts.label_request_schema,
                kms_key_arn=key.key_arn,
                log_retention_days=env.log_retention_days,
                throttle_rate_limit=env.api_throttle.rate_limit,
                throttle_burst_limit=env.api_throttle.burst_limit,
                **api_access_props(env.api, ctx),
            ),
        )
        ApiWebAcl(
            self, "waf",
            ApiWebAclProps(
                name=api.name,
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
                dlq_name=messaging.dlq_name,
                fraud_queue_name=messaging.queue_name,
                stream_consumer_function=functions["fraud_analyzer"].name,
                function_names=[f.name for f in functions.values()],
                api_name=api.name,
                api_stage=api.stage_name,
                table_name=table.name,
                dlq_depth_threshold=env.alarms.dlq_depth,
                iterator_age_ms=env.alarms.iterator_age_ms,
                api_5xx_rate=env.alarms.api_5xx_rate,
                api_4xx_rate=env.alarms.api_4xx_rate,
            ),
        )

        outputs = {
            "api_url": (api.invoke_url, "Base URL of the API stage"),
            "table_name": (table.table_name, "Transactions table"),
            "reports_bucket_name": (reports.bucket_name, "Bucket of daily reports"),
            "fraud_queue_url": (messaging.queue_url, "Queue of review/block decisions"),
            "dlq_url": (messaging.dlq_url, "Dead-letter queue of every asynchronous path"),
            "alert_topic_arn": (messaging.topic_arn, "Topic of fraud alerts and alarms"),
            "kms_key_id": (key.key_id, "Customer-managed key of the environment"),
            "artifacts_bucket_name": (artifacts_bucket.bucket_name, "Bucket of the uploaded and signed packages"),
        }
        outputs.update(
            {f"{k}_function_name": (f.function_name, f"Function name. {specs[k].description}")
             for k, f in functions.items()}
        )
        outputs.update(
            {f"api_key_id_{p.name.replace('-', '_')}": (api.api_key_id(p.name),
                                                        f"Id of producer {p.name}'s API key (quota identity)")
             for p in env.api.producers}
        )
        if api.custom_domain_target:
            outputs["api_custom_domain_target"] = (api.custom_domain_target, "Target of the custom domain's DNS alias")
        for output_id, (value, description) in outputs.items():
            TerraformOutput(self, output_id, value=value, description=description)
