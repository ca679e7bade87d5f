"""The environment stacks: provider, tags, backend, outputs and environment differences."""

from __future__ import annotations

import pytest

from tests.conftest import ENVIRONMENT_STACKS, LOG_RETENTION_DAYS, NETWORK_STACKS, SynthesizedApp

ALL_STACKS = (
    *ENVIRONMENT_STACKS,
    *NETWORK_STACKS,
    "fraud-detection-account-us-east-1",
    "fraud-detection-account-local",
    "fraud-detection-state",
    "fraud-detection-state-local",
)
OUTPUTS = {
    "api_url", "table_name", "reports_bucket_name", "fraud_queue_url", "dlq_url", "alert_topic_arn", "kms_key_id",
    "transaction_api_function_name", "fraud_analyzer_function_name", "notifier_function_name",
    "report_generator_function_name",
}


def test_the_app_has_every_stack(synthesized: SynthesizedApp) -> None:
    assert set(synthesized.stacks) == set(ALL_STACKS)


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_the_aws_provider_stays_pinned_to_5_100_0(synthesized: SynthesizedApp, stack: str) -> None:
    assert synthesized.stack(stack)["terraform"]["required_providers"]["aws"]["version"] == "5.100.0"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_default_tags_mark_every_resource(synthesized: SynthesizedApp, stack: str) -> None:
    tags = synthesized.stack(stack)["provider"]["aws"][0]["default_tags"][0]["tags"]
    env = stack.removeprefix("fraud-detection-")
    assert tags["Environment"] == env
    assert tags["CostCenter"] == "fraud-detection"
    assert tags["ManagedBy"] == "cdktf"
    assert tags["Project"] == "fraud-detection"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_every_required_output_exists(synthesized: SynthesizedApp, stack: str) -> None:
    assert set(synthesized.stack(stack)["output"]) >= OUTPUTS


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_api_url_comes_from_the_stage_not_assembled_by_hand(synthesized: SynthesizedApp, stack: str) -> None:
    value = synthesized.stack(stack)["output"]["api_url"]["value"]
    assert value.startswith("${aws_api_gateway_stage.") and value.endswith(".invoke_url}")


def test_real_environments_use_real_aws(synthesized: SynthesizedApp) -> None:
    for stack in ("fraud-detection-dev", "fraud-detection-staging", "fraud-detection-prod"):
        provider = synthesized.stack(stack)["provider"]["aws"][0]
        assert "endpoints" not in provider
        assert "access_key" not in provider
        assert provider["region"] == "us-east-1"


def test_only_the_local_stack_points_at_the_emulator(synthesized: SynthesizedApp) -> None:
    provider = synthesized.stack("fraud-detection-local")["provider"]["aws"][0]
    endpoints = provider["endpoints"][0]
    assert set(endpoints.values()) == {"http://127.0.0.1:5000"}
    assert {"dynamodb", "lambda", "sqs", "sns", "apigateway", "s3", "iam", "sts"} <= set(endpoints)


@pytest.mark.parametrize(
    ("stack", "concurrency"),
    [("fraud-detection-dev", 10), ("fraud-detection-staging", 20), ("fraud-detection-prod", 100)],
)
def test_environments_differ_in_concurrency(synthesized: SynthesizedApp, stack: str, concurrency: int) -> None:
    functions = synthesized.resources(stack, "aws_lambda_function").values()
    api = next(f for f in functions if f["handler"] == "transaction_api.app.handler")
    assert api["reserved_concurrent_executions"] == concurrency


def test_environments_use_distinct_names(synthesized: SynthesizedApp) -> None:
    names = [
        t["name"]
        for stack in ENVIRONMENT_STACKS
        for t in synthesized.resources(stack, "aws_dynamodb_table").values()
    ]
    # transactions, idempotency and merchant counters per environment
    assert len(names) == len(set(names)) == 3 * len(ENVIRONMENT_STACKS)


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_environment_stacks_compose_without_owning_account_settings(synthesized: SynthesizedApp, stack: str) -> None:
    assert not synthesized.resources(stack, "aws_api_gateway_account")
    assert len(synthesized.resources(stack, "aws_lambda_function")) == 4


@pytest.mark.parametrize(("stack", "minimum"), [*((s, 7) for s in ENVIRONMENT_STACKS),
                                               *((s, 1) for s in NETWORK_STACKS)])
def test_every_log_group_keeps_the_environments_retention(
    synthesized: SynthesizedApp, stack: str, minimum: int
) -> None:
    groups = synthesized.resources(stack, "aws_cloudwatch_log_group")
    # Pipeline: four functions, API access and execution, WAF. Network: the flow logs.
    assert len(groups) >= minimum
    assert {g["name"]: g["retention_in_days"] for g in groups.values()} == {
        g["name"]: LOG_RETENTION_DAYS[stack.removesuffix("-network")] for g in groups.values()}
