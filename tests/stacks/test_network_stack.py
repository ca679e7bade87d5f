"""Each environment's network in a long-lived stack of its own; the pipeline stack only reads its ids.

A destroy of the pipeline stack then deletes the functions without waiting on the subnets and
security groups their (lazily released) network interfaces still sit in.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from modules.ci.permissions_boundary import boundary_policy_name
from stacks.network_stack import FUNCTION_SECURITY_GROUP_IDS, SUBNET_IDS, VPC_ID
from tests.conftest import ENVIRONMENT_STACKS, NETWORK_STACKS, SynthesizedApp
from tests.modules.terraform_json import at_path

PAIRS = list(zip(ENVIRONMENT_STACKS, NETWORK_STACKS, strict=True))
# Everything the network stack alone holds: VPC, subnets and routes, security groups and rules,
# endpoints, flow logs.
NETWORK_TYPES = (
    "aws_vpc", "aws_subnet", "aws_route_table", "aws_route_table_association", "aws_security_group",
    "aws_default_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule",
    "aws_vpc_endpoint", "aws_flow_log",
)
_REFERENCE = re.compile(r"\$\{([^}]*)\}")


def _strings(value: Any) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize(("pipeline", "network"), PAIRS)
def test_the_network_stack_holds_every_network_resource_and_the_pipeline_none(
    synthesized: SynthesizedApp, pipeline: str, network: str
) -> None:
    assert [t for t in NETWORK_TYPES if synthesized.resources(pipeline, t)] == []
    assert [t for t in NETWORK_TYPES if not synthesized.resources(network, t)] == []
    flow_logs = {g["name"] for g in synthesized.resources(network, "aws_cloudwatch_log_group").values()}
    assert flow_logs == {f"/aws/vpc/fraud-network-{_suffix(synthesized, pipeline)}/flow-logs"}
    assert not any(n.startswith("/aws/vpc/") for n in _log_groups(synthesized, pipeline))


@pytest.mark.parametrize("network", NETWORK_STACKS)
def test_network_resources_keep_their_addresses_from_the_pipeline_stack(
    synthesized: SynthesizedApp, network: str
) -> None:
    # Moving them between the two states (README) needs the same construct path, hence the same ids.
    for resource_type in NETWORK_TYPES:
        for attrs in synthesized.resources(network, resource_type).values():
            assert attrs["//"]["metadata"]["path"].split("/")[1] == "network", resource_type
    vpc_id, _ = at_path(synthesized.resources(network, "aws_vpc"), "network/vpc")
    assert vpc_id.startswith("network_vpc_")


@pytest.mark.parametrize(("pipeline", "network"), PAIRS)
def test_the_pipeline_reads_the_network_ids_only_from_the_network_stacks_state(
    synthesized: SynthesizedApp, pipeline: str, network: str
) -> None:
    [(state_id, state)] = synthesized.data(pipeline, "terraform_remote_state").items()
    backend = synthesized.stack(network)["terraform"]["backend"]["s3"]
    assert state["backend"] == "s3"
    assert {k: v for k, v in state["config"].items() if k != "skip_requesting_account_id"} == {
        k: v for k, v in backend.items() if k not in ("use_lockfile", "skip_requesting_account_id")}
    text = json.dumps(synthesized.stack(pipeline))
    references = {r for s in _strings(synthesized.stack(pipeline)) for r in _REFERENCE.findall(s)}
    outputs = {r for r in references if r.startswith("data.terraform_remote_state.")}
    assert outputs == {f"data.terraform_remote_state.{state_id}.outputs.{SUBNET_IDS}",
                       f"data.terraform_remote_state.{state_id}.outputs.{FUNCTION_SECURITY_GROUP_IDS}"}
    for function in synthesized.resources(pipeline, "aws_lambda_function").values():
        assert function["vpc_config"] == {
            "subnet_ids": f"${{data.terraform_remote_state.{state_id}.outputs.{SUBNET_IDS}}}",
            "security_group_ids": f"${{data.terraform_remote_state.{state_id}.outputs.{FUNCTION_SECURITY_GROUP_IDS}}}",
        }
    # No lookup of network pieces by tag or name either.
    assert not re.search(r'"(aws_vpc|aws_subnets?|aws_security_groups?|aws_vpc_endpoint)"', text)


@pytest.mark.parametrize("network", NETWORK_STACKS)
def test_the_network_stack_outputs_exactly_what_the_pipeline_reads(synthesized: SynthesizedApp, network: str) -> None:
    outputs = synthesized.stack(network)["output"]
    subnets = synthesized.resources(network, "aws_subnet")
    assert outputs[SUBNET_IDS]["value"] == [
        f"${{aws_subnet.{at_path(subnets, f'network/private-{i}')[0]}.id}}" for i in (0, 1)]
    group_id, _ = at_path(synthesized.resources(network, "aws_security_group"), "network/functions-sg")
    assert outputs[FUNCTION_SECURITY_GROUP_IDS]["value"] == [f"${{aws_security_group.{group_id}.id}}"]
    vpc_id, _ = at_path(synthesized.resources(network, "aws_vpc"), "network/vpc")
    assert outputs[VPC_ID]["value"] == f"${{aws_vpc.{vpc_id}.id}}"


@pytest.mark.parametrize(("pipeline", "network"), PAIRS)
def test_both_stacks_of_an_environment_share_the_state_bucket_with_a_key_each_under_its_prefix(
    synthesized: SynthesizedApp, pipeline: str, network: str
) -> None:
    pipeline_backend = synthesized.stack(pipeline)["terraform"]["backend"]["s3"]
    network_backend = synthesized.stack(network)["terraform"]["backend"]["s3"]
    environment = pipeline.removeprefix("fraud-detection-")
    assert network_backend["bucket"] == pipeline_backend["bucket"]
    assert network_backend["region"] == pipeline_backend["region"]
    assert network_backend["kms_key_id"] == pipeline_backend["kms_key_id"]
    assert network_backend["use_lockfile"] is True
    assert pipeline_backend["key"] == f"fraud-detection/{environment}/terraform.tfstate"
    # Inside the environment's prefix, which its CI roles and the state bucket's policy scope to.
    assert network_backend["key"] == f"fraud-detection/{environment}/network/terraform.tfstate"


@pytest.mark.parametrize(("pipeline", "network"), PAIRS)
def test_the_network_stack_deploys_to_the_same_place_with_the_same_tags(
    synthesized: SynthesizedApp, pipeline: str, network: str
) -> None:
    assert synthesized.stack(network)["provider"]["aws"] == synthesized.stack(pipeline)["provider"]["aws"]


@pytest.mark.parametrize(("pipeline", "network"), PAIRS)
def test_the_pipeline_stack_depends_on_its_network_stack(
    synthesized: SynthesizedApp, pipeline: str, network: str
) -> None:
    # cdktf deploys a stack's dependencies first and refuses to destroy the network while the
    # pipeline that reads it is not destroyed with or before it.
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    assert manifest["stacks"][pipeline]["dependencies"] == [network]
    assert manifest["stacks"][network]["dependencies"] == []


@pytest.mark.parametrize(("pipeline", "network"), PAIRS)
def test_the_flow_log_role_carries_the_environments_boundary(
    synthesized: SynthesizedApp, pipeline: str, network: str
) -> None:
    [role] = synthesized.resources(network, "aws_iam_role").values()
    environment = pipeline.removeprefix("fraud-detection-")
    assert role["permissions_boundary"].endswith(f":policy/github-deploy/{boundary_policy_name(environment)}")
    # The same boundary as the pipeline's roles (the same lookups of partition and account).
    assert {r["permissions_boundary"] for r in synthesized.resources(pipeline, "aws_iam_role").values()} == {
        role["permissions_boundary"]}


@pytest.mark.parametrize(("pipeline", "network"), PAIRS)
def test_flow_logs_are_encrypted_with_a_key_of_the_network_stack(
    synthesized: SynthesizedApp, pipeline: str, network: str
) -> None:
    [(key_id, key)] = synthesized.resources(network, "aws_kms_key").items()
    [group] = synthesized.resources(network, "aws_cloudwatch_log_group").values()
    assert group["kms_key_id"] == f"${{aws_kms_key.{key_id}.arn}}"
    assert key["enable_key_rotation"] is True
    [alias] = synthesized.resources(network, "aws_kms_alias").values()
    assert alias["name"] == f"alias/fraud-network-{_suffix(synthesized, pipeline)}"


def _log_groups(synthesized: SynthesizedApp, stack: str) -> set[str]:
    return {g["name"] for g in synthesized.resources(stack, "aws_cloudwatch_log_group").values()}


def _suffix(synthesized: SynthesizedApp, pipeline: str) -> str:
    """Name suffix of an environment, from its table's name (`fraud-transactions-<suffix>`)."""
    names = [t["name"] for t in synthesized.resources(pipeline, "aws_dynamodb_table").values()]
    return next(n.removeprefix("fraud-transactions-") for n in names if n.startswith("fraud-transactions-"))
