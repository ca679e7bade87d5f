"""The one Lambda function construct used by all four functions of the pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import LambdaFunctionEventInvokeConfig
from constructs import Construct

from modules.alarms import MetricRef, ratio_alarm, threshold_alarm
from modules.aws_context import AwsContext
from modules.iam import (
    LAMBDA_VPC_ENI_ACTIONS,
    XRAY_TRACING_ACTIONS,
    PolicyStatement,
    policy_document,
    service_trust_policy,
)
from modules.signed_artifact import CodeLocation


@dataclass(frozen=True, kw_only=True)
class PipelineFunctionProps:
    """Everything one function needs; secure defaults, every security feature on."""

    function_name: str
    """Function name (also names the role, log group and alarms)."""
    description: str
    """What the function does."""
    handler: str
    """Entry point, `package.module.function`."""
    code: CodeLocation
    """The signed zip of the function's source (modules/signed_artifact.py)."""
    context: AwsContext
    """Account, region and partition for ARNs."""
    kms_key_arn: str
    """CMK for the environment variables and the log group."""
    subnet_ids: Sequence[str]
    """Private subnets the function attaches to."""
    security_group_ids: Sequence[str]
    """Security groups of the function's ENIs."""
    alarm_topic_arn: str
    """Topic notified by the function's alarms."""
    async_failure_destination_arn: str
    """SQS queue receiving asynchronous invocations that failed every retry."""
    timeout_seconds: int
    """Maximum duration of one invocation."""
    memory_mb: int
    """Memory size."""
    reserved_concurrency: int
    """Concurrency reserved for and capping the function."""
    log_retention_days: int
    """Retention of the function's log group."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Environment variables (encrypted with the CMK)."""
    layer_arns: Sequence[str] = field(default_factory=tuple)
    """Layers (the dependencies layer)."""
    policy_statements: Sequence[PolicyStatement] = field(default_factory=tuple)
    """What the function's code may do: specific actions on specific ARNs (Resource "*" only for
    the actions modules/iam.py's ACTIONS_ON_ANY_RESOURCE lists for functions)."""
    runtime: str = "python3.11"
    """Lambda runtime."""
    architecture: str = "x86_64"
    """Instruction set; the layer is built for it."""
    error_rate_threshold_percent: float = 1.0
    """Error-rate alarm threshold (errors / invocations over 5 minutes)."""
    async_max_retries: int = 2
    """Retries of a failed asynchronous invocation before it goes to the failure destination."""
    async_max_event_age_seconds: int = 3600
    """Age after which an asynchronous event is sent to the failure destination unprocessed."""
    code_signing_config_arn: str | None = None
    """Code signing configuration enforced on deployments, where used."""

    def __post_init__(self) -> None:
        if not self.subnet_ids or not self.security_group_ids:
            raise ValueError(f"{self.function_name}: functions run in the VPC; subnets and security groups required")
        if self.reserved_concurrency < 1:
            raise ValueError(f"{self.function_name}: reserved_concurrency must be >= 1")
        if not 0 <= self.async_max_retries <= 2:
            raise ValueError(f"{self.function_name}: async_max_retries must be 0..2")
        if not 60 <= self.async_max_event_age_seconds <= 21600:
            raise ValueError(f"{self.function_name}: async_max_event_age_seconds must be 60..21600")
        reserved = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
        clash = reserved & set(self.environment)
        if clash:
            raise ValueError(f"{self.function_name}: environment sets reserved variables {sorted(clash)}")


class PipelineFunction(Construct):
    """A VPC-attached, traced, KMS-encrypted function with its own least-privilege role, a log group
    created before it (retention, CMK), a failure destination for asynchronous invocations, and
    error-rate and throttle alarms.

    Attributes: `name` (the literal name, for dashboards), `function`, `role`, `log_group`,
    `function_name` (a reference, for wiring), `function_arn`, `invoke_arn`.
    """

    def __init__(self, scope: Construct, id_: str, props: PipelineFunctionProps) -> None:
        super().__init__(scope, id_)
        ctx = props.context
        name = props.function_name
        self.name = name
        """The function's name as a literal (known at synth: dashboards need it as plain JSON)."""
        self.log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=f"/aws/lambda/{name}",
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        trust = service_trust_policy(self, "trust", ctx.service_principal("lambda"))
        self.role = IamRole(self, "role", name=name[:64], assume_role_policy=trust.json)
        statements = [
            PolicyStatement(
                sid="OwnLogStreams",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{self.log_group.arn}:log-stream:*"],
            ),
            PolicyStatement(sid="VpcNetworkInterfaces", actions=list(LAMBDA_VPC_ENI_ACTIONS), resources=["*"]),
            PolicyStatement(sid="XRayTracing", actions=list(XRAY_TRACING_ACTIONS), resources=["*"]),
            PolicyStatement(sid="DecryptEnvironment", actions=["kms:Decrypt"], resources=[props.kms_key_arn]),
            PolicyStatement(
                sid="AsyncFailureDestination",
                actions=["sqs:SendMessage"],
                resources=[props.async_failure_destination_arn],
            ),
            *props.policy_statements,
        ]
        # A statement passed in that allows a deploy-only action on Resource "*" fails here.
        document = policy_document(self, "policy-doc", statements, holder="function")
        self.role_policy = IamRolePolicy(self, "policy", role=self.role.id, name="least-privilege",
                                         policy=document.json)

        self.function = LambdaFunction(
            self,
            "function",
            function_name=name,
            description=props.description,
            role=self.role.arn,
            runtime=props.runtime,
            architectures=[props.architecture],
            handler=props.handler,
            # The signed object, whose key is new per signing job; no source_code_hash (see
            # modules/signed_artifact.py: Signer's output never hashes like the local zip).
            s3_bucket=props.code.bucket,
            s3_key=props.code.key,
            layers=list(props.layer_arns),
            timeout=props.timeout_seconds,
            memory_size=props.memory_mb,
            reserved_concurrent_executions=props.reserved_concurrency,
            kms_key_arn=props.kms_key_arn,
            environment={"variables": dict(props.environment)} if props.environment else None,
            tracing_config={"mode": "Active"},
            vpc_config={"subnet_ids": list(props.subnet_ids), "security_group_ids": list(props.security_group_ids)},
            code_signing_config_arn=props.code_signing_config_arn,
            # The log group must exist (with retention and CMK) before Lambda would create its own,
            # and the role must carry its policy before the first invocation.
            depends_on=[self.log_group, self.role_policy],
        )
        self.async_config = LambdaFunctionEventInvokeConfig(
            self,
            "async",
            function_name=self.function.function_name,
            maximum_retry_attempts=props.async_max_retries,
            maximum_event_age_in_seconds=props.async_max_event_age_seconds,
            destination_config={"on_failure": {"destination": props.async_failure_destination_arn}},
        )
        dimensions = {"FunctionName": self.function.function_name}
        self.error_rate_alarm = ratio_alarm(
            self,
            "error-rate",
            name=f"{name}-error-rate",
            description=f"{name}: more than {props.error_rate_threshold_percent}% of invocations failed in 5 minutes",
            numerator=MetricRef(namespace="AWS/Lambda", metric_name="Errors", dimensions=dimensions),
            denominator=MetricRef(namespace="AWS/Lambda", metric_name="Invocations", dimensions=dimensions),
            threshold_percent=props.error_rate_threshold_percent,
            topic_arn=props.alarm_topic_arn,
        )
        self.throttle_alarm = threshold_alarm(
            self,
            "throttles",
            name=f"{name}-throttles",
            description=f"{name}: invocations throttled (reserved concurrency exhausted)",
            metric=MetricRef(namespace="AWS/Lambda", metric_name="Throttles", dimensions=dimensions),
            threshold=0,
            topic_arn=props.alarm_topic_arn,
        )

    @property
    def function_name(self) -> str:
        """Name of the function."""
        return self.function.function_name

    @property
    def function_arn(self) -> str:
        """ARN of the function."""
        return self.function.arn

    @property
    def invoke_arn(self) -> str:
        """ARN API Gateway integrations invoke."""
        return self.function.invoke_arn

    @property
    def role_arn(self) -> str:
        """ARN of the function's role."""
        return self.role.arn

    @property
    def log_group_name(self) -> str:
        """Name of the function's log group."""
        return self.log_group.name
