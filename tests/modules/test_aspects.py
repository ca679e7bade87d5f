"""SecureByDefault: every queue, topic, table, bucket, log group and function is checked at synth.

One small app, built once for the module: a stack of compliant project constructs and one stack per
violation. Aspects run when a stack is synthesized; their findings are error annotations on the
offending construct, and a synth with error annotations fails naming the construct's path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cdktf import App, Aspects, TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import LambdaFunctionEventInvokeConfig
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from constructs import Construct

from modules.aspects import SecureByDefault
from modules.aws_context import AwsContext
from modules.encryption import EncryptionKey, EncryptionKeyProps
from modules.idempotency_table import IdempotencyTable, IdempotencyTableProps
from modules.lambda_function import PipelineFunction, PipelineFunctionProps
from modules.lambda_packaging import write_deterministic_zip
from modules.messaging import Messaging, MessagingProps
from modules.secure_bucket import SecureBucket, SecureBucketProps
from modules.signed_artifact import CodeLocation
from modules.transactions_table import TransactionsTable, TransactionsTableProps
from stacks.app import enforce_security_rules

ERROR = "@cdktf/error"
KEY = "arn:aws:kms:us-east-1:111111111111:key/test"
DLQ = "arn:aws:sqs:us-east-1:111111111111:dlq"


def _compliant(stack: TerraformStack, workdir: Path) -> None:
    source = workdir / "app.py"
    source.write_text("def handler(event, context):\n    return event\n")
    code = write_deterministic_zip([("fn/app.py", source)], workdir / "fn.zip")
    ctx = AwsContext(stack, "context")
    key = EncryptionKey(stack, "key", EncryptionKeyProps(alias="test", description="test", context=ctx))
    TransactionsTable(stack, "transactions", TransactionsTableProps(table_name="t", kms_key_arn=key.key_arn))
    IdempotencyTable(stack, "idempotency", IdempotencyTableProps(table_name="i", kms_key_arn=key.key_arn))
    messaging = Messaging(stack, "messaging", MessagingProps(queue_name="q", dlq_name="d", topic_name="t",
                                                             kms_key_arn=key.key_arn, context=ctx))
    SecureBucket(stack, "bucket", SecureBucketProps(bucket_prefix="b-", kms_key_arn=key.key_arn))
    PipelineFunction(stack, "function", PipelineFunctionProps(
        function_name="fn", description="d", handler="fn.app.handler",
        code=CodeLocation(bucket="artifacts", key=f"signed/fn/{code.sha256}.zip"), context=ctx,
        kms_key_arn=key.key_arn, subnet_ids=["subnet-1", "subnet-2"], security_group_ids=["sg-1"],
        alarm_topic_arn=messaging.topic_arn, async_failure_destination_arn=messaging.dlq_arn, timeout_seconds=10,
        memory_mb=256, reserved_concurrency=1, log_retention_days=7,
    ))


def _function(stack: TerraformStack, *, tracing: bool = True, log_group: bool = True,
              destination: bool = True) -> None:
    scope = Construct(stack, "fn")
    LambdaFunction(scope, "function", function_name="fn", role="arn:aws:iam::111111111111:role/fn",
                   runtime="python3.11", handler="fn.app.handler", filename="fn.zip",
                   tracing_config={"mode": "Active" if tracing else "PassThrough"})
    if log_group:
        CloudwatchLogGroup(scope, "logs", name="/aws/lambda/fn", retention_in_days=7, kms_key_id=KEY)
    if destination:
        LambdaFunctionEventInvokeConfig(scope, "async", function_name="fn",
                                        destination_config={"on_failure": {"destination": DLQ}})


# stack name -> (what it adds, construct path of the offender, words the message must contain)
VIOLATIONS: dict[str, tuple[Callable[[TerraformStack], None], str, str]] = {
    "queue": (lambda s: SqsQueue(s, "queue", name="plain"), "queue/queue", "SQS queue without"),
    "topic": (lambda s: SnsTopic(s, "topic", name="plain"), "topic/topic", "SNS topic without"),
    "table": (lambda s: DynamodbTable(s, "table", name="plain", hash_key="id", billing_mode="PAY_PER_REQUEST",
                                      attribute=[{"name": "id", "type": "S"}]),
              "table/table", "DynamoDB table without"),
    "table-aws-owned-key": (lambda s: DynamodbTable(s, "table", name="owned", hash_key="id",
                                                    billing_mode="PAY_PER_REQUEST",
                                                    attribute=[{"name": "id", "type": "S"}],
                                                    server_side_encryption={"enabled": True}),
                            "table-aws-owned-key/table", "customer-managed key"),
    "bucket": (lambda s: S3Bucket(s, "bucket", bucket_prefix="plain-"), "bucket/bucket",
               "S3 bucket without a server-side encryption configuration"),
    "log-group-without-key": (lambda s: CloudwatchLogGroup(s, "logs", name="/x", retention_in_days=7),
                              "log-group-without-key/logs", "log group without a KMS key"),
    "log-group-kept-forever": (lambda s: CloudwatchLogGroup(s, "logs", name="/x", kms_key_id=KEY),
                               "log-group-kept-forever/logs", "log group without retention"),
    "function-untraced": (lambda s: _function(s, tracing=False), "function-untraced/fn/function",
                          "without active X-Ray tracing"),
    "function-without-log-group": (lambda s: _function(s, log_group=False),
                                   "function-without-log-group/fn/function", "own log group"),
    "function-without-destination": (lambda s: _function(s, destination=False),
                                     "function-without-destination/fn/function", "failure destination"),
}


@dataclass(frozen=True)
class AspectRun:
    """Error annotations per stack, the error a full synth raised, and what an App-level aspect did."""

    errors: dict[str, list[tuple[str, str]]]
    synth_error: str
    app_level_synth_error: str | None


def _errors(stack: TerraformStack) -> list[tuple[str, str]]:
    return [(node.node.path, entry.data) for node in stack.node.find_all() for entry in node.node.metadata
            if entry.type == ERROR]


@pytest.fixture(scope="module")
def aspect_run() -> AspectRun:
    with tempfile.TemporaryDirectory() as workdir:
        app = App(outdir=str(Path(workdir) / "out"), stack_traces=False)
        stacks: dict[str, TerraformStack] = {}
        for name in ("compliant", *VIOLATIONS):
            stack = TerraformStack(app, name)
            AwsProvider(stack, "aws", region="us-east-1")
            stacks[name] = stack
        _compliant(stacks["compliant"], Path(workdir))
        for name, (add, _, _) in VIOLATIONS.items():
            add(stacks[name])
        for stack in stacks.values():
            Aspects.of(stack).add(SecureByDefault())
        errors = {}
        for name, stack in stacks.items():
            CdktfTesting.synth(stack)  # runs the stack's aspects without failing on their findings
            errors[name] = _errors(stack)
        try:
            app.synth()
            synth_error = ""
        except Exception as exc:  # noqa: BLE001 - jsii surfaces the JavaScript error as a RuntimeError
            synth_error = str(exc)

        # The way stacks/app.py registers the aspect: through enforce_security_rules(app).
        app_level = App(outdir=str(Path(workdir) / "app-level"), stack_traces=False)
        stack = TerraformStack(app_level, "unencrypted")
        AwsProvider(stack, "aws", region="us-east-1")
        SqsQueue(stack, "queue", name="plain")
        enforce_security_rules(app_level)
        try:
            app_level.synth()
            app_level_error = None
        except Exception as exc:  # noqa: BLE001
            app_level_error = str(exc)
        return AspectRun(errors=errors, synth_error=synth_error, app_level_synth_error=app_level_error)


def test_project_constructs_pass(aspect_run: AspectRun) -> None:
    assert aspect_run.errors["compliant"] == []


@pytest.mark.parametrize("stack", sorted(VIOLATIONS))
def test_each_violation_is_an_error_on_the_offending_construct(aspect_run: AspectRun, stack: str) -> None:
    _, path, words = VIOLATIONS[stack]
    errors = aspect_run.errors[stack]
    assert len(errors) == 1, errors
    [(annotated, message)] = errors
    assert annotated == path
    assert message.startswith(f"{path}: ")
    assert words in message


def test_synth_fails_naming_the_construct_path(aspect_run: AspectRun) -> None:
    assert 'Encountered Annotations with level "ERROR"' in aspect_run.synth_error
    first_failing = next(name for name in VIOLATIONS)
    _, path, words = VIOLATIONS[first_failing]
    assert f"[{path}]" in aspect_run.synth_error
    assert words in aspect_run.synth_error


def test_the_apps_rule_registration_reaches_every_stack(aspect_run: AspectRun) -> None:
    assert aspect_run.app_level_synth_error is not None
    assert "unencrypted/queue" in aspect_run.app_level_synth_error
