"""The local deployment itself: every stack applied, the plan right after is empty, state is remote."""

from __future__ import annotations

import pytest

from tests.integration.conftest import LocalDeployment
from tooling.local_deploy import PIPELINE_STACK, REMOTE_STATE_STACKS


@pytest.mark.parametrize("stack", REMOTE_STATE_STACKS)
def test_a_plan_right_after_the_deploy_shows_no_changes(local_deployment: LocalDeployment, stack: str) -> None:
    assert local_deployment.toolchain.plan_changes(stack) is None


def test_state_lives_in_the_emulators_bucket_and_lists_the_pipeline(local_deployment: LocalDeployment) -> None:
    addresses = local_deployment.toolchain.state_list(PIPELINE_STACK)
    assert len(addresses) > 90
    for expected in ("aws_lambda_function.", "aws_dynamodb_table.", "aws_sqs_queue.", "aws_api_gateway_stage."):
        assert any(a.startswith(expected) for a in addresses), expected


def test_outputs_name_every_piece_of_the_pipeline(local_deployment: LocalDeployment) -> None:
    outputs = local_deployment.toolchain.outputs()
    assert outputs["table_name"] == "fraud-transactions-local"
    assert outputs["api_url"].startswith("https://") or outputs["api_url"].startswith("http")
    assert {k for k in outputs if k.endswith("_function_name")} == {
        "transaction_api_function_name", "fraud_analyzer_function_name", "notifier_function_name",
        "report_generator_function_name",
    }
