"""The local deployment itself: every stack applied, the plan right after is empty, state is remote,
the network in its own stack and the pipeline's functions in it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stacks.network_stack import FUNCTION_SECURITY_GROUP_IDS, SUBNET_IDS
from tests.integration.conftest import LocalDeployment
from tooling.lambda_service.clients import EmulatorClients
from tooling.local_deploy import NETWORK_STACK, PIPELINE_STACK, REMOTE_STATE_STACKS, REPO_ROOT


@pytest.mark.parametrize("stack", REMOTE_STATE_STACKS)
def test_a_plan_right_after_the_deploy_shows_no_changes(local_deployment: LocalDeployment, stack: str) -> None:
    changes = local_deployment.toolchain.plan_changes(stack)
    assert changes is None, "\n".join(_what_changes(changes))


def _what_changes(plan_text: str) -> list[str]:
    # A whole plan is too long for an assertion message: keep the resources and the attributes that
    # change (the lines with "->" or a forced replacement), which is what explains an unexpected diff.
    return [line.rstrip() for line in plan_text.splitlines()
            if line.lstrip().startswith("# ") or "->" in line or "forces replacement" in line
            or line.startswith("Plan:")]


def test_state_lives_in_the_emulators_bucket_and_lists_the_pipeline(local_deployment: LocalDeployment) -> None:
    addresses = local_deployment.toolchain.state_list(PIPELINE_STACK)
    assert len(addresses) > 90
    for expected in ("aws_lambda_function.", "aws_dynamodb_table.", "aws_sqs_queue.", "aws_api_gateway_stage."):
        assert any(a.startswith(expected) for a in addresses), expected


NETWORK_TYPES = ("aws_vpc.", "aws_subnet.", "aws_security_group.", "aws_vpc_endpoint.", "aws_flow_log.",
                 "aws_default_security_group.", "aws_route_table.", "aws_vpc_security_group_egress_rule.")


def test_the_network_lives_in_its_own_state_and_the_pipeline_only_reads_it(local_deployment: LocalDeployment) -> None:
    network = local_deployment.toolchain.state_list(NETWORK_STACK)
    pipeline = local_deployment.toolchain.state_list(PIPELINE_STACK)
    for expected in (*NETWORK_TYPES, "aws_cloudwatch_log_group.network_flow-logs"):
        assert any(a.startswith(expected) for a in network), expected
    assert not [a for a in pipeline if a.startswith(NETWORK_TYPES)]
    assert [a for a in pipeline if a.startswith("data.terraform_remote_state.")] == [
        a for a in pipeline if a.startswith("data.terraform_remote_state.network_state")
    ] != []


def test_functions_run_in_the_subnets_and_security_group_of_the_network_stack(
    local_deployment: LocalDeployment,
) -> None:
    network = local_deployment.toolchain.outputs(NETWORK_STACK)
    assert len(network[SUBNET_IDS]) == 2 and len(network[FUNCTION_SECURITY_GROUP_IDS]) == 1
    client = EmulatorClients(local_deployment.endpoint_url).client("lambda")
    outputs = local_deployment.toolchain.outputs()
    for name in (v for k, v in outputs.items() if k.endswith("_function_name")):
        vpc = client.get_function_configuration(FunctionName=name)["VpcConfig"]
        assert sorted(vpc["SubnetIds"]) == sorted(network[SUBNET_IDS]), name
        assert vpc["SecurityGroupIds"] == network[FUNCTION_SECURITY_GROUP_IDS], name


def test_outputs_name_every_piece_of_the_pipeline(local_deployment: LocalDeployment) -> None:
    outputs = local_deployment.toolchain.outputs()
    assert outputs["table_name"] == "fraud-transactions-local"
    assert outputs["api_url"].startswith("https://") or outputs["api_url"].startswith("http")
    assert {k for k in outputs if k.endswith("_function_name")} == {
        "transaction_api_function_name", "fraud_analyzer_function_name", "notifier_function_name",
        "report_generator_function_name",
    }


@pytest.mark.parametrize("stack", [PIPELINE_STACK, NETWORK_STACK])
def test_checkov_passes_on_the_plan_of_the_deployed_stack(
    local_deployment: LocalDeployment, tmp_path: Path, stack: str
) -> None:
    # The plan JSON shows values only known after apply (ARNs, resolved policies) that the
    # synthesized JSON cannot: the same gate and skip entries apply to it.
    stack_dir = local_deployment.toolchain.stack_dir(stack)
    env = local_deployment.toolchain.env
    plan_file = tmp_path / "plan.out"
    subprocess.run(["terraform", "plan", "-input=false", "-no-color", f"-out={plan_file}"], cwd=stack_dir, env=env,
                   check=True, capture_output=True, timeout=600)
    shown = subprocess.run(["terraform", "show", "-json", str(plan_file)], cwd=stack_dir, env=env, check=True,
                           capture_output=True, text=True, timeout=300)
    plan_json = tmp_path / "plan.json"
    plan_json.write_text(shown.stdout)
    assert json.loads(shown.stdout)["planned_values"]["root_module"]["resources"]
    gate = subprocess.run(
        [sys.executable, "-m", "tooling.checkov_gate", "--plan", str(plan_json), "--stack-json",
         str(stack_dir / "cdk.tf.json")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert gate.returncode == 0, gate.stdout + gate.stderr
