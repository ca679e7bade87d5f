"""IAM policy building blocks shared by every construct that grants access.

Documents are rendered by Terraform's `aws_iam_policy_document` data source from typed
statements, never assembled with json.dumps, so ARNs stay references to real resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from constructs import Construct

Holder = Literal["function", "deploy"]
"""Kind of principal an identity policy is written for: a function's role, or a CI deploy/plan role."""

# Actions AWS documents as having no resource-level permissions. For these, and only these, an
# identity policy may say Resource "*", and only for the kind of principal that needs them: a
# function statement granting kms:CreateKey on "*" must fail even though a deploy role may.
LAMBDA_VPC_ENI_ACTIONS: Mapping[str, str] = MappingProxyType({
    # Lambda attaches VPC functions through ENIs it creates in the function's role.
    "ec2:AssignPrivateIpAddresses": "Lambda VPC attachment: ENI addressing",
    "ec2:CreateNetworkInterface": "Lambda VPC attachment: ENI creation",
    "ec2:DeleteNetworkInterface": "Lambda VPC attachment: ENI clean-up",
    "ec2:DescribeNetworkInterfaces": "Lambda VPC attachment: ENI lookup (Describe* has no resource scope)",
    "ec2:DescribeSubnets": "Lambda VPC attachment: subnet lookup",
    "ec2:UnassignPrivateIpAddresses": "Lambda VPC attachment: ENI addressing",
})
"""What Lambda does, in a VPC function's role, to attach the function to its subnets."""

XRAY_TRACING_ACTIONS: Mapping[str, str] = MappingProxyType({
    # X-Ray segments are not resources.
    "xray:PutTelemetryRecords": "active tracing: daemon telemetry",
    "xray:PutTraceSegments": "active tracing: segment upload",
})
"""What active tracing does in a function's role."""

_DEPLOY_ACTIONS_ON_ANY_RESOURCE: Mapping[str, str] = MappingProxyType({
    # Deploying an environment (modules/ci/deploy_permissions.py): lookups Terraform makes while
    # planning, and creations of resources that have no name to scope by until they exist.
    "ec2:DescribeAvailabilityZones": "deploy: subnet placement lookup",
    "ec2:DescribeFlowLogs": "deploy: flow log refresh",
    "ec2:DescribeNetworkAcls": "deploy: VPC refresh (default network ACL)",
    "ec2:DescribeNetworkInterfaces": "deploy: Lambda's network interfaces, waited on before subnets go",
    "ec2:DescribePrefixLists": "deploy: gateway endpoint prefix lists",
    "ec2:DescribeRouteTables": "deploy: route table refresh",
    "ec2:DescribeSecurityGroupRules": "deploy: security group rule refresh",
    "ec2:DescribeSecurityGroups": "deploy: security group refresh",
    "ec2:DescribeSubnets": "deploy: subnet refresh",
    "ec2:DescribeVpcEndpointServices": "deploy: interface endpoint service lookup",
    "ec2:DescribeVpcEndpoints": "deploy: VPC endpoint refresh",
    "ec2:DescribeVpcs": "deploy: VPC refresh",
    "kms:CreateKey": "deploy: a key has no ARN before it exists",
    "kms:ListAliases": "deploy: alias refresh",
    "lambda:CreateEventSourceMapping": "deploy: scoped by the lambda:FunctionArn condition instead",
    "logs:CreateLogDelivery": "deploy: WAF log delivery to CloudWatch Logs",
    "logs:DeleteLogDelivery": "deploy: WAF log delivery to CloudWatch Logs",
    "logs:DescribeLogGroups": "deploy: log group refresh (a list call)",
    "logs:DescribeResourcePolicies": "deploy: WAF log delivery resource policy",
    "logs:GetLogDelivery": "deploy: WAF log delivery to CloudWatch Logs",
    "logs:ListLogDeliveries": "deploy: WAF log delivery to CloudWatch Logs",
    "logs:PutResourcePolicy": "deploy: WAF log delivery resource policy",
    "logs:UpdateLogDelivery": "deploy: WAF log delivery to CloudWatch Logs",
})

ACTIONS_ON_ANY_RESOURCE: Mapping[Holder, Mapping[str, str]] = MappingProxyType({
    "function": MappingProxyType({**LAMBDA_VPC_ENI_ACTIONS, **XRAY_TRACING_ACTIONS}),
    "deploy": _DEPLOY_ACTIONS_ON_ANY_RESOURCE,
})
"""Per kind of principal: the actions its identity policies may allow on Resource "*", each with why."""


@dataclass(frozen=True, kw_only=True)
class Condition:
    """One IAM condition block."""

    test: str
    """Operator, e.g. StringEquals, ArnLike, Bool."""
    variable: str
    """Context key, e.g. aws:SourceArn."""
    values: Sequence[str]
    """Values compared with the key."""


@dataclass(frozen=True, kw_only=True)
class Principal:
    """A principal of a resource policy."""

    type: str
    """AWS, Service or Federated."""
    identifiers: Sequence[str]
    """ARNs, service names or "*" (the latter only with conditions)."""


@dataclass(frozen=True, kw_only=True)
class PolicyStatement:
    """A policy statement with explicit actions and resources (no wildcards in actions)."""

    sid: str
    """Statement id: says what the statement is for."""
    actions: Sequence[str]
    """Fully named actions (a service wildcard only in a Deny)."""
    resources: Sequence[str]
    """Specific ARNs; "*" only for the actions ACTIONS_ON_ANY_RESOURCE lists for the policy's holder."""
    effect: str = "Allow"
    """Allow or Deny."""
    principals: Sequence[Principal] = field(default_factory=tuple)
    """Principals, for resource policies only."""
    conditions: Sequence[Condition] = field(default_factory=tuple)
    """Conditions that narrow the statement."""

    def __post_init__(self) -> None:
        # A wildcard is only acceptable where it restricts: in a Deny ("deny s3:* without TLS"
        # must cover actions added to the service later, which a list would miss).
        for action in self.actions:
            if self.effect == "Allow" and "*" in action:
                raise ValueError(f"statement {self.sid}: wildcard action {action!r} is not allowed")

    def unscoped_actions(self, holder: Holder | None) -> list[str]:
        """Actions this statement allows on Resource "*" that `holder`'s principals may not have
        there (all of them when no holder is named). Resource policies (with principals) and
        Deny statements have none: there "*" is the resource itself, or a restriction."""
        if "*" not in self.resources or self.effect != "Allow" or self.principals:
            return []
        allowed = ACTIONS_ON_ANY_RESOURCE[holder] if holder else {}
        return [a for a in self.actions if a not in allowed]

    def render(self) -> dict[str, object]:
        """The statement as `aws_iam_policy_document` statement arguments."""
        rendered: dict[str, object] = {
            "sid": self.sid,
            "effect": self.effect,
            "actions": sorted(self.actions),
        }
        if self.resources:
            rendered["resources"] = list(self.resources)
        if self.principals:
            rendered["principals"] = [
                {"type": p.type, "identifiers": list(p.identifiers)} for p in self.principals
            ]
        if self.conditions:
            rendered["condition"] = [
                {"test": c.test, "variable": c.variable, "values": list(c.values)} for c in self.conditions
            ]
        return rendered


def policy_document(
    scope: Construct, id_: str, statements: Sequence[PolicyStatement], *, holder: Holder | None = None
) -> DataAwsIamPolicyDocument:
    """Render statements into a policy document data source.

    `holder` names the kind of principal an identity policy is for; a statement allowing an action
    on Resource "*" that ACTIONS_ON_ANY_RESOURCE does not list for that holder fails the synth.
    Resource and trust policies (statements with principals) need no holder."""
    if not statements:
        raise ValueError(f"policy document {id_} has no statements")
    sids = [s.sid for s in statements]
    if len(set(sids)) != len(sids):
        raise ValueError(f"policy document {id_} repeats statement ids: {sids}")
    for statement in statements:
        unscoped = statement.unscoped_actions(holder)
        if unscoped:
            raise ValueError(
                f"policy document {id_}, statement {statement.sid}: Resource '*' for actions a "
                f"{holder or 'unnamed'} principal may only have on specific resources: {unscoped}"
            )
    return DataAwsIamPolicyDocument(scope, id_, statement=[s.render() for s in statements])


def service_trust_policy(
    scope: Construct, id_: str, service: str, conditions: Sequence[Condition] = ()
) -> DataAwsIamPolicyDocument:
    """Trust policy letting one AWS service principal assume a role, optionally only under
    `conditions` (e.g. aws:SourceAccount, against the confused-deputy problem)."""
    return policy_document(
        scope,
        id_,
        [
            PolicyStatement(
                sid="AssumedByService",
                actions=["sts:AssumeRole"],
                resources=[],
                principals=[Principal(type="Service", identifiers=[service])],
                conditions=conditions,
            )
        ],
    )
