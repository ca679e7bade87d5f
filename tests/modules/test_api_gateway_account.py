"""The account-wide API Gateway logging role, owned by the account stacks only."""

from __future__ import annotations

import pytest
from terraform_json import at_path, ref, referenced_policy

from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

ACCOUNT_STACKS = ["fraud-detection-account-us-east-1", "fraud-detection-account-local"]


@pytest.mark.parametrize("stack", ACCOUNT_STACKS)
def test_role_is_assumed_by_api_gateway_only(synthesized: SynthesizedApp, stack: str) -> None:
    _, role = at_path(synthesized.resources(stack, "aws_iam_role"), "api-gateway-logging/role")
    [trust] = referenced_policy(synthesized, stack, role["assume_role_policy"])
    assert (trust["effect"], trust["actions"]) == ("Allow", ["sts:AssumeRole"])
    [principal] = trust["principals"]
    assert principal["type"] == "Service"
    [service] = principal["identifiers"]
    assert service.startswith("apigateway.${data.aws_partition.")
    assert "condition" not in trust


@pytest.mark.parametrize("stack", ACCOUNT_STACKS)
def test_push_to_cloudwatch_policy_is_attached(synthesized: SynthesizedApp, stack: str) -> None:
    role_id, _ = at_path(synthesized.resources(stack, "aws_iam_role"), "api-gateway-logging/role")
    _, attachment = at_path(synthesized.resources(stack, "aws_iam_role_policy_attachment"),
                            "api-gateway-logging/push-to-cloudwatch")
    assert attachment["role"] == ref("aws_iam_role", role_id, "name")
    assert attachment["policy_arn"].startswith("arn:${data.aws_partition.")
    assert attachment["policy_arn"].endswith(":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")


@pytest.mark.parametrize("stack", ACCOUNT_STACKS)
def test_account_setting_points_at_the_role_once_it_can_write(synthesized: SynthesizedApp, stack: str) -> None:
    role_id, _ = at_path(synthesized.resources(stack, "aws_iam_role"), "api-gateway-logging/role")
    attachment_id, _ = at_path(synthesized.resources(stack, "aws_iam_role_policy_attachment"),
                               "api-gateway-logging/push-to-cloudwatch")
    [account] = synthesized.resources(stack, "aws_api_gateway_account").values()
    assert account["cloudwatch_role_arn"] == ref("aws_iam_role", role_id, "arn")
    assert account["depends_on"] == [f"aws_iam_role_policy_attachment.{attachment_id}"]


def test_role_name_carries_the_region(synthesized: SynthesizedApp) -> None:
    _, role = at_path(synthesized.resources("fraud-detection-account-us-east-1", "aws_iam_role"),
                      "api-gateway-logging/role")
    assert role["name"] == "fraud-apigw-cloudwatch-us-east-1"


@pytest.mark.parametrize("stack", [*ENVIRONMENT_STACKS, "fraud-detection-state", "fraud-detection-state-local"])
def test_no_other_stack_owns_the_account_singleton(synthesized: SynthesizedApp, stack: str) -> None:
    assert synthesized.resources(stack, "aws_api_gateway_account") == {}
