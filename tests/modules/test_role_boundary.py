"""Every role an environment's pipeline creates carries that environment's permissions boundary."""

from __future__ import annotations

import json

import cdktf
import pytest
from cdktf_cdktf_provider_aws.iam_role import IamRole

from modules.role_boundary import PermissionsBoundaryOnEveryRole
from tests.conftest import ENVIRONMENT_STACKS, NETWORK_STACKS, SynthesizedApp

BOUNDARY = {
    stack: f"policy/github-deploy/fraud-boundary-{stack.removeprefix('fraud-detection-').removesuffix('-network')}"
    for stack in (*ENVIRONMENT_STACKS, *NETWORK_STACKS)
}
# Roles per stack: the four functions' in the pipeline stack, the flow logs' in the network stack.
ROLES = {**dict.fromkeys(ENVIRONMENT_STACKS, 4), **dict.fromkeys(NETWORK_STACKS, 1)}


@pytest.mark.parametrize("stack", [*ENVIRONMENT_STACKS, *NETWORK_STACKS])
def test_every_role_of_the_environment_carries_its_boundary(synthesized: SynthesizedApp, stack: str) -> None:
    roles = synthesized.resources(stack, "aws_iam_role")
    assert len(roles) == ROLES[stack]
    for logical_id, role in roles.items():
        boundary = role.get("permissions_boundary", "")
        assert boundary.startswith("arn:${data.aws_partition."), logical_id
        assert boundary.endswith(f":{BOUNDARY[stack]}"), (logical_id, boundary)


def test_a_role_added_later_is_bounded_too() -> None:
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "bounded")
    cdktf.Aspects.of(stack).add(PermissionsBoundaryOnEveryRole("arn:aws:iam::123456789012:policy/b"))
    IamRole(stack, "role", name="r", assume_role_policy="{}")
    [role] = json.loads(cdktf.Testing.synth(stack))["resource"]["aws_iam_role"].values()
    assert role["permissions_boundary"] == "arn:aws:iam::123456789012:policy/b"


def test_a_boundary_is_required() -> None:
    with pytest.raises(ValueError, match="boundary ARN is required"):
        PermissionsBoundaryOnEveryRole("")
