"""The one function construct, as used by all four functions in every environment."""

from __future__ import annotations

from dataclasses import replace

import cdktf
import pytest
from terraform_json import at_path, ref, referenced_policy

from modules.aws_context import AwsContext
from modules.iam import PolicyStatement
from modules.lambda_function import PipelineFunction, PipelineFunctionProps
from modules.signed_artifact import CodeLocation
from tests.conftest import ENVIRONMENT_STACKS, LOG_RETENTION_DAYS, SynthesizedApp

# Construct id (also the component of the deployed name) -> function key (package and zip name).
FUNCTIONS = {"transaction-api": "transaction_api", "analyzer": "fraud_analyzer", "notifier": "notifier",
             "report-generator": "report_generator"}
SUFFIX = {"fraud-detection-dev": "dev", "fraud-detection-staging": "stg", "fraud-detection-prod": "prod",
          "fraud-detection-local": "local"}
CONCURRENCY = {"fraud-detection-dev": 10, "fraud-detection-staging": 20, "fraud-detection-prod": 100,
               "fraud-detection-local": 10}
# (timeout seconds, memory MB) per function, the same in every environment.
SIZING = {"transaction-api": (10, 512), "analyzer": (30, 512), "notifier": (60, 256),
          "report-generator": (300, 1024)}
CASES = [(stack, fn) for stack in ENVIRONMENT_STACKS for fn in FUNCTIONS]
COMMON_SIDS = {"OwnLogStreams", "VpcNetworkInterfaces", "XRayTracing", "DecryptEnvironment", "AsyncFailureDestination"}


def _id(synthesized: SynthesizedApp, stack: str, resource_type: str, path: str) -> str:
    return at_path(synthesized.resources(stack, resource_type), path)[0]


def _key_arn(synthesized: SynthesizedApp, stack: str) -> str:
    return ref("aws_kms_key", _id(synthesized, stack, "aws_kms_key", "encryption/key"), "arn")


def _function(synthesized: SynthesizedApp, stack: str, fn: str) -> tuple[str, dict]:
    return at_path(synthesized.resources(stack, "aws_lambda_function"), f"{fn}/function")


def _role_statements(synthesized: SynthesizedApp, stack: str, fn: str) -> dict[str, dict]:
    role_id = _id(synthesized, stack, "aws_iam_role", f"{fn}/role")
    _, policy = at_path(synthesized.resources(stack, "aws_iam_role_policy"), f"{fn}/policy")
    assert policy["role"] == ref("aws_iam_role", role_id, "id")
    return {s["sid"]: s for s in referenced_policy(synthesized, stack, policy["policy"])}


def _grants(statements: dict[str, dict]) -> dict[str, tuple[list[str], list[str]]]:
    return {sid: (sorted(s["actions"]), s["resources"]) for sid, s in statements.items() if sid not in COMMON_SIDS}


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_runtime_handler_and_name(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    _, function = _function(synthesized, stack, fn)
    assert function["runtime"] == "python3.11"
    assert function["architectures"] == ["x86_64"]
    assert function["handler"] == f"{FUNCTIONS[fn]}.app.handler"
    assert function["function_name"] == f"fraud-{fn}-{SUFFIX[stack]}"


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_tracing_is_active(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    _, function = _function(synthesized, stack, fn)
    assert function["tracing_config"] == {"mode": "Active"}


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_function_runs_in_the_private_subnets_behind_the_function_security_group_of_the_network_stack(
    synthesized: SynthesizedApp, stack: str, fn: str
) -> None:
    _, function = _function(synthesized, stack, fn)
    [network_state] = synthesized.data(stack, "terraform_remote_state")
    outputs = f"data.terraform_remote_state.{network_state}.outputs"
    assert function["vpc_config"] == {"subnet_ids": f"${{{outputs}.subnet_ids}}",
                                      "security_group_ids": f"${{{outputs}.function_security_group_ids}}"}


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_environment_is_encrypted_with_the_cmk(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    _, function = _function(synthesized, stack, fn)
    assert function["kms_key_arn"] == _key_arn(synthesized, stack)
    assert function["environment"]["variables"]["POWERTOOLS_SERVICE_NAME"] == fn


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_reserved_concurrency_per_environment(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    _, function = _function(synthesized, stack, fn)
    expected = 2 if fn == "report-generator" else CONCURRENCY[stack]
    assert function["reserved_concurrent_executions"] == expected


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_timeout_and_memory_from_config(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    _, function = _function(synthesized, stack, fn)
    assert (function["timeout"], function["memory_size"]) == SIZING[fn]


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_own_log_group_with_retention_and_cmk_exists_before_the_function(
    synthesized: SynthesizedApp, stack: str, fn: str
) -> None:
    log_group_id, log_group = at_path(synthesized.resources(stack, "aws_cloudwatch_log_group"), f"{fn}/logs")
    _, function = _function(synthesized, stack, fn)
    assert log_group["name"] == f"/aws/lambda/{function['function_name']}"
    assert log_group["retention_in_days"] == LOG_RETENTION_DAYS[stack]
    assert log_group["kms_key_id"] == _key_arn(synthesized, stack)
    assert f"aws_cloudwatch_log_group.{log_group_id}" in function["depends_on"]
    # Lambda writes to /aws/lambda/<name> unless told otherwise; any other group must be this one.
    log_group_setting = function.get("logging_config", {}).get("log_group")
    assert log_group_setting in (None, ref("aws_cloudwatch_log_group", log_group_id, "name"))


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_role_policy_is_attached_before_the_function(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    _, function = _function(synthesized, stack, fn)
    policy_id = _id(synthesized, stack, "aws_iam_role_policy", f"{fn}/policy")
    assert f"aws_iam_role_policy.{policy_id}" in function["depends_on"]
    assert function["role"] == ref("aws_iam_role", _id(synthesized, stack, "aws_iam_role", f"{fn}/role"), "arn")


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_role_is_assumed_by_lambda_only(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    _, role = at_path(synthesized.resources(stack, "aws_iam_role"), f"{fn}/role")
    [trust] = referenced_policy(synthesized, stack, role["assume_role_policy"])
    assert trust["actions"] == ["sts:AssumeRole"]
    [principal] = trust["principals"]
    assert principal["type"] == "Service"
    assert principal["identifiers"][0].startswith("lambda.${data.aws_partition.")
    assert not synthesized.resources(stack, "aws_iam_role_policy_attachment"), "no managed policies on function roles"


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_asynchronous_failures_go_to_the_dlq(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    function_id, _ = _function(synthesized, stack, fn)
    dlq = ref("aws_sqs_queue", _id(synthesized, stack, "aws_sqs_queue", "messaging/dlq"), "arn")
    _, config = at_path(synthesized.resources(stack, "aws_lambda_function_event_invoke_config"), f"{fn}/async")
    assert config["function_name"] == ref("aws_lambda_function", function_id, "function_name")
    assert config["destination_config"] == {"on_failure": {"destination": dlq}}
    assert config["maximum_retry_attempts"] == 2
    assert config["maximum_event_age_in_seconds"] == 3600


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_error_rate_alarm_uses_errors_over_invocations(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    function_id, function = _function(synthesized, stack, fn)
    topic = ref("aws_sns_topic", _id(synthesized, stack, "aws_sns_topic", "messaging/topic"), "arn")
    _, alarm = at_path(synthesized.resources(stack, "aws_cloudwatch_metric_alarm"), f"{fn}/error-rate")
    assert alarm["alarm_name"] == f"{function['function_name']}-error-rate"
    assert alarm["threshold"] == 1
    assert alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["alarm_actions"] == [topic]
    queries = {q["id"]: q for q in alarm["metric_query"]}
    assert queries["rate"]["expression"] == "IF(denominator > 0, 100 * numerator / denominator, 0)"
    assert queries["rate"]["return_data"] is True
    for query_id, metric_name in (("numerator", "Errors"), ("denominator", "Invocations")):
        metric = queries[query_id]["metric"]
        assert queries[query_id]["return_data"] is False
        assert (metric["namespace"], metric["metric_name"], metric["stat"], metric["period"]) == (
            "AWS/Lambda", metric_name, "Sum", 300)
        assert metric["dimensions"] == {"FunctionName": ref("aws_lambda_function", function_id, "function_name")}


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_throttle_alarm_notifies_the_alert_topic(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    function_id, _ = _function(synthesized, stack, fn)
    topic = ref("aws_sns_topic", _id(synthesized, stack, "aws_sns_topic", "messaging/topic"), "arn")
    _, alarm = at_path(synthesized.resources(stack, "aws_cloudwatch_metric_alarm"), f"{fn}/throttles")
    assert (alarm["namespace"], alarm["metric_name"], alarm["threshold"]) == ("AWS/Lambda", "Throttles", 0)
    assert alarm["dimensions"] == {"FunctionName": ref("aws_lambda_function", function_id, "function_name")}
    assert alarm["alarm_actions"] == [topic]


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_common_statements_are_scoped(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    statements = _role_statements(synthesized, stack, fn)
    log_group = ref("aws_cloudwatch_log_group", _id(synthesized, stack, "aws_cloudwatch_log_group", f"{fn}/logs"),
                    "arn")
    key = _key_arn(synthesized, stack)
    dlq = ref("aws_sqs_queue", _id(synthesized, stack, "aws_sqs_queue", "messaging/dlq"), "arn")
    assert set(statements) >= COMMON_SIDS
    assert statements["OwnLogStreams"]["actions"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statements["OwnLogStreams"]["resources"] == [f"{log_group}:log-stream:*"]
    assert {a.split(":")[0] for a in statements["VpcNetworkInterfaces"]["actions"]} == {"ec2"}
    assert "ec2:CreateNetworkInterface" in statements["VpcNetworkInterfaces"]["actions"]
    assert statements["XRayTracing"]["actions"] == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert (statements["DecryptEnvironment"]["actions"], statements["DecryptEnvironment"]["resources"]) == (
        ["kms:Decrypt"], [key])
    assert (statements["AsyncFailureDestination"]["actions"], statements["AsyncFailureDestination"]["resources"]) == (
        ["sqs:SendMessage"], [dlq])
    for stmt in statements.values():
        assert stmt["effect"] == "Allow"
        assert "principals" not in stmt
        if stmt["resources"] == ["*"]:
            assert stmt["sid"] in {"VpcNetworkInterfaces", "XRayTracing"}


def _arns(synthesized: SynthesizedApp, stack: str) -> dict[str, str]:
    table = _id(synthesized, stack, "aws_dynamodb_table", "transactions/table")
    return {
        "table": ref("aws_dynamodb_table", table, "arn"),
        "stream": ref("aws_dynamodb_table", table, "stream_arn"),
        "idempotency": ref("aws_dynamodb_table", _id(synthesized, stack, "aws_dynamodb_table", "idempotency/table"),
                           "arn"),
        "queue": ref("aws_sqs_queue", _id(synthesized, stack, "aws_sqs_queue", "messaging/queue"), "arn"),
        "topic": ref("aws_sns_topic", _id(synthesized, stack, "aws_sns_topic", "messaging/topic"), "arn"),
        "bucket": ref("aws_s3_bucket", _id(synthesized, stack, "aws_s3_bucket", "reports/bucket/bucket"), "arn"),
        "pseudonym_key": ref("aws_kms_key", _id(synthesized, stack, "aws_kms_key", "pseudonyms/key"), "arn"),
        "merchant_counters": ref("aws_dynamodb_table", _id(synthesized, stack, "aws_dynamodb_table",
                                                           "merchant-counters/table"), "arn"),
    }


# The idempotency utility puts (conditionally, reading back the existing record on a conflict),
# updates and deletes its records; it never needs GetItem, so no function may call it.
IDEMPOTENCY_ACTIONS = ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_transaction_api_may_write_and_look_up_transactions_and_label_them(
    synthesized: SynthesizedApp, stack: str
) -> None:
    arns = _arns(synthesized, stack)
    counters = ref("aws_dynamodb_table", _id(synthesized, stack, "aws_dynamodb_table", "merchant-counters/table"),
                   "arn")
    assert _grants(_role_statements(synthesized, stack, "transaction-api")) == {
        # Lookups by id are strongly consistent Queries on the partition key; writes are conditional puts
        # (alone, or two in one TransactWriteItems with the id marker, which needs PutItem on the table).
        "TransactionsWriteAndLookup": (["dynamodb:PutItem", "dynamodb:Query"], [arns["table"]]),
        # A label is one TransactWriteItems: a conditional update of the item and, when the effective
        # label turns fraud or back, the ADD of the merchant's fraud counter (UpdateItem on each table).
        "TransactionsLabelUpdate": (["dynamodb:UpdateItem"], [arns["table"]]),
        "MerchantCountersUpdate": (["dynamodb:UpdateItem"], [counters]),
    }


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_analyzer_may_read_the_stream_score_query_history_and_queue_decisions(
    synthesized: SynthesizedApp, stack: str
) -> None:
    arns = _arns(synthesized, stack)
    assert _grants(_role_statements(synthesized, stack, "analyzer")) == {
        "TransactionsStreamRead": (
            ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], [arns["stream"]]),
        "TransactionsStreamList": (["dynamodb:ListStreams"], [f"{arns['table']}/stream/*"]),
        "TransactionsScoreUpdate": (["dynamodb:UpdateItem"], [arns["table"]]),
        "QueryCustomerIndex": (["dynamodb:Query"], [f"{arns['table']}/index/customer-index"]),
        # The batch's merchants read in bulk; the count in the write-back's TransactWriteItems.
        "MerchantCountersRead": (["dynamodb:BatchGetItem"], [arns["merchant_counters"]]),
        "MerchantCountersUpdate": (["dynamodb:UpdateItem"], [arns["merchant_counters"]]),
        "FraudQueueSend": (["sqs:SendMessage"], [arns["queue"]]),
        "PseudonymSecret": (["kms:GenerateMac"], [arns["pseudonym_key"]]),
    }


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_notifier_may_consume_the_queue_publish_alerts_and_keep_idempotency_records(
    synthesized: SynthesizedApp, stack: str
) -> None:
    arns = _arns(synthesized, stack)
    assert _grants(_role_statements(synthesized, stack, "notifier")) == {
        "FraudQueueConsume": (
            ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"], [arns["queue"]]),
        "AlertTopicPublish": (["sns:Publish"], [arns["topic"]]),
        "IdempotencyRecords": (IDEMPOTENCY_ACTIONS, [arns["idempotency"]]),
    }


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_report_generator_may_query_the_day_index_and_write_reports(synthesized: SynthesizedApp, stack: str) -> None:
    arns = _arns(synthesized, stack)
    assert _grants(_role_statements(synthesized, stack, "report-generator")) == {
        "QueryDayIndex": (["dynamodb:Query"], [f"{arns['table']}/index/day-index"]),
        "ReportsWrite": (["s3:PutObject"], [f"{arns['bucket']}/reports/*"]),
    }


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_function_deploys_from_its_signed_object_without_a_local_hash(
    synthesized: SynthesizedApp, stack: str, fn: str
) -> None:
    _, function = _function(synthesized, stack, fn)
    job = _id(synthesized, stack, "aws_signer_signing_job", f"artifact-{FUNCTIONS[fn]}/signing")
    assert function["s3_bucket"] == ref("aws_signer_signing_job", job, "signed_object[0].s3[0].bucket")
    assert function["s3_key"] == ref("aws_signer_signing_job", job, "signed_object[0].s3[0].key")
    # Signer's output never hashes like the local zip: a source_code_hash would show a change on every plan.
    assert not {"filename", "source_code_hash"} & set(function)


@pytest.mark.parametrize(("stack", "fn"), CASES)
def test_function_uses_the_dependencies_layer(synthesized: SynthesizedApp, stack: str, fn: str) -> None:
    _, function = _function(synthesized, stack, fn)
    layer = _id(synthesized, stack, "aws_lambda_layer_version", "dependencies/layer")
    assert function["layers"] == [ref("aws_lambda_layer_version", layer, "arn")]


VALID = PipelineFunctionProps(
    function_name="fn", description="d", handler="fn.app.handler",
    code=CodeLocation(bucket="artifacts", key="signed/fn/job.zip"), context=None,  # type: ignore[arg-type]
    kms_key_arn="k", subnet_ids=["s1", "s2"], security_group_ids=["sg"], alarm_topic_arn="t",
    async_failure_destination_arn="dlq", timeout_seconds=10, memory_mb=256, reserved_concurrency=1,
    log_retention_days=7,
)


def test_secure_defaults() -> None:
    assert (VALID.runtime, VALID.architecture, VALID.error_rate_threshold_percent, VALID.async_max_retries,
            VALID.async_max_event_age_seconds) == ("python3.11", "x86_64", 1.0, 2, 3600)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subnet_ids": []}, "subnets"),
        ({"security_group_ids": []}, "security groups"),
        ({"reserved_concurrency": 0}, "reserved_concurrency"),
        ({"async_max_retries": 3}, "async_max_retries"),
        ({"async_max_event_age_seconds": 59}, "async_max_event_age_seconds"),
        ({"async_max_event_age_seconds": 21_601}, "async_max_event_age_seconds"),
        ({"environment": {"AWS_REGION": "us-east-1"}}, "reserved variables"),
    ],
)
def test_invalid_props_are_rejected(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(VALID, **overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", ["kms:CreateKey", "lambda:CreateEventSourceMapping", "logs:PutResourcePolicy"])
def test_a_deploy_only_action_on_any_resource_fails_the_synth(action: str) -> None:
    # What a deploy role may do on Resource "*" is no function's to do.
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "function-with-a-deploy-grant")
    props = replace(VALID, context=AwsContext(stack, "context"),
                    policy_statements=[PolicyStatement(sid="DeployOnly", actions=[action], resources=["*"])])
    with pytest.raises(ValueError, match=f"function principal may only have on specific resources: \\['{action}'\\]"):
        PipelineFunction(stack, "fn", props)
