"""Every IAM role of a stack carries one permissions boundary (as aws-cdk's PermissionsBoundary.of)."""

from __future__ import annotations

import jsii
from cdktf import IAspect
from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import IConstruct


@jsii.implements(IAspect)
class PermissionsBoundaryOnEveryRole:
    """Sets `permissions_boundary` on every role below the scope it is added to, so no construct,
    present or future, can create a role without it."""

    def __init__(self, boundary_arn: str) -> None:
        if not boundary_arn:
            raise ValueError("a permissions boundary ARN is required")
        self.boundary_arn = boundary_arn

    def visit(self, node: IConstruct) -> None:
        """Bound one role."""
        if isinstance(node, IamRole):
            node.permissions_boundary = self.boundary_arn
