"""Private network for the functions: no NAT, no internet, AWS reached through VPC endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from modules.aws_context import AwsContext
from modules.iam import Condition, PolicyStatement, policy_document, service_trust_policy


@dataclass(frozen=True, kw_only=True)
class PrivateNetworkProps:
    """Settings of the private network."""

    name: str
    """Name tag prefix of the network's resources (and name of the flow-log group and role)."""
    context: AwsContext
    """Region used for endpoint service names."""
    kms_key_arn: str
    """CMK of the flow-log group."""
    log_retention_days: int
    """Retention of the flow-log group."""
    cidr_block: str = "10.20.0.0/16"
    """Address range of the VPC."""
    subnet_cidrs: Sequence[str] = ("10.20.0.0/20", "10.20.16.0/20")
    """One private subnet per availability zone (at least two, for Lambda's high availability)."""
    zone_letters: Sequence[str] = ("a", "b")
    """Availability zones of the subnets, as letters after the region name, in subnet order. Pinned
    by name so a zone AWS adds later never shifts a subnet into another zone (a replacement)."""
    gateway_endpoint_services: Sequence[str] = ("dynamodb", "s3")
    """Services reached through gateway endpoints (free, route-table based)."""
    interface_endpoint_services: Sequence[str] = field(default=("sqs", "sns", "kms"))
    """Services reached through interface endpoints: every other service the functions call."""

    def __post_init__(self) -> None:
        if len(self.subnet_cidrs) < 2:
            raise ValueError("at least two private subnets in two availability zones are required")
        if len(self.zone_letters) != len(self.subnet_cidrs) or len(set(self.zone_letters)) != len(self.zone_letters):
            raise ValueError("zone_letters must name one distinct availability zone per subnet")


class PrivateNetwork(Construct):
    """A VPC with private subnets in two AZs and endpoints for every AWS service the functions call.

    Functions get a security group that only allows HTTPS out, to the endpoints' security group
    and to the gateway endpoints' prefix lists; the VPC's default security group allows nothing.
    Every flow (accepted and rejected) is logged to a CMK-encrypted log group: the record of which
    address talked to which, that an investigation of a compromised function starts from.
    Every endpoint carries the same policy: only principals of this account, only on resources of
    this account, so code in the VPC cannot move data out with another account's credentials or
    into another account's bucket, queue or topic.
    """

    def __init__(self, scope: Construct, id_: str, props: PrivateNetworkProps) -> None:
        super().__init__(scope, id_)
        region = props.context.region
        self.vpc = Vpc(
            self,
            "vpc",
            cidr_block=props.cidr_block,
            enable_dns_support=True,
            enable_dns_hostnames=True,  # required for private DNS of interface endpoints
            tags={"Name": props.name},
        )
        # Nothing may use the default security group: strip its rules.
        DefaultSecurityGroup(self, "default-sg", vpc_id=self.vpc.id, tags={"Name": f"{props.name}-default"})
        # Zones are named, not looked up ("whatever is available"): a zone AWS adds, or a change in
        # the order zones are listed in, never moves a subnet (which would replace it).
        zone_names = [f"{region}{letter}" for letter in props.zone_letters]
        self.route_table = RouteTable(
            self, "private-routes", vpc_id=self.vpc.id, tags={"Name": f"{props.name}-private"}
        )
        self.subnets: list[Subnet] = []
        for index, cidr in enumerate(props.subnet_cidrs):
            subnet = Subnet(
                self,
                f"private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone_names[index],
                map_public_ip_on_launch=False,
                tags={"Name": f"{props.name}-private-{index}"},
            )
            RouteTableAssociation(
                self, f"private-{index}-routes", subnet_id=subnet.id, route_table_id=self.route_table.id
            )
            self.subnets.append(subnet)

        self._flow_logs(props)

        self.function_security_group = SecurityGroup(
            self,
            "functions-sg",
            name=f"{props.name}-functions",
            description="Lambda functions: HTTPS to AWS endpoints only",
            vpc_id=self.vpc.id,
            tags={"Name": f"{props.name}-functions"},
        )
        self.endpoint_security_group = SecurityGroup(
            self,
            "endpoints-sg",
            name=f"{props.name}-endpoints",
            description="Interface endpoints: HTTPS from the functions only",
            vpc_id=self.vpc.id,
            tags={"Name": f"{props.name}-endpoints"},
        )
        VpcSecurityGroupIngressRule(
            self,
            "endpoints-from-functions",
            security_group_id=self.endpoint_security_group.id,
            description="HTTPS from the functions",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            referenced_security_group_id=self.function_security_group.id,
        )
        VpcSecurityGroupEgressRule(
            self,
            "functions-to-endpoints",
            security_group_id=self.function_security_group.id,
            description="HTTPS to interface endpoints",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            referenced_security_group_id=self.endpoint_security_group.id,
        )

        self.endpoint_policy = _account_perimeter(self, props.context)
        self.gateway_endpoints: dict[str, VpcEndpoint] = {}
        for service in props.gateway_endpoint_services:
            endpoint = VpcEndpoint(
                self,
                f"{service}-gateway",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=[self.route_table.id],
                policy=self.endpoint_policy.json,
                tags={"Name": f"{props.name}-{service}"},
            )
            VpcSecurityGroupEgressRule(
                self,
                f"functions-to-{service}",
                security_group_id=self.function_security_group.id,
                description=f"HTTPS to {service} through its gateway endpoint",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                prefix_list_id=endpoint.prefix_list_id,
            )
            self.gateway_endpoints[service] = endpoint

        self.interface_endpoints: dict[str, VpcEndpoint] = {}
        for service in props.interface_endpoint_services:
            self.interface_endpoints[service] = VpcEndpoint(
                self,
                f"{service}-interface",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self.subnets],
                security_group_ids=[self.endpoint_security_group.id],
                policy=self.endpoint_policy.json,
                tags={"Name": f"{props.name}-{service}"},
            )

    def _flow_logs(self, props: PrivateNetworkProps) -> None:
        ctx = props.context
        self.flow_log_group = CloudwatchLogGroup(
            self,
            "flow-logs",
            name=f"/aws/vpc/{props.name}/flow-logs",
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        # Only the flow-logs service acting for this account's flow logs may assume the role.
        trust = service_trust_policy(
            self,
            "flow-logs-trust",
            ctx.service_principal("vpc-flow-logs"),
            conditions=[
                Condition(test="StringEquals", variable="aws:SourceAccount", values=[ctx.account_id]),
                Condition(test="ArnLike", variable="aws:SourceArn", values=[ctx.arn("ec2", "vpc-flow-log/*")]),
            ],
        )
        self.flow_log_role = IamRole(
            self, "flow-logs-role", name=f"{props.name}-flow-logs"[:64], assume_role_policy=trust.json
        )
        delivery = policy_document(
            self,
            "flow-logs-policy-doc",
            [
                PolicyStatement(
                    sid="DeliverToOwnLogGroup",
                    actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                    resources=[self.flow_log_group.arn, f"{self.flow_log_group.arn}:log-stream:*"],
                ),
            ],
        )
        policy = IamRolePolicy(
            self, "flow-logs-policy", role=self.flow_log_role.id, name="deliver-flow-logs", policy=delivery.json
        )
        self.flow_log = FlowLog(
            self,
            "flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=self.flow_log_role.arn,
            max_aggregation_interval=60,
            tags={"Name": f"{props.name}-flow-log"},
            depends_on=[policy],
        )

    @property
    def subnet_ids(self) -> list[str]:
        """Ids of the private subnets."""
        return [s.id for s in self.subnets]

    @property
    def function_security_group_ids(self) -> list[str]:
        """Security groups to attach to VPC functions."""
        return [self.function_security_group.id]


def _account_perimeter(scope: Construct, ctx: AwsContext) -> DataAwsIamPolicyDocument:
    """Endpoint policy admitting any call made by a principal of this account on a resource of this
    account.

    An endpoint policy grants nothing (the caller's IAM policy and the resource's policy still
    decide); it only caps what passes through the endpoint, so it names no action list that each
    new call of a function would have to extend. That is why this one document is written
    directly, with Action "*", instead of through PolicyStatement, which refuses wildcards in
    grants (tests/stacks/test_iam_policies.py exempts exactly this shape).
    """
    account = [ctx.account_id]
    return DataAwsIamPolicyDocument(
        scope,
        "endpoint-policy",
        statement=[
            {
                "sid": "OnlyThisAccountsPrincipalsOnThisAccountsResources",
                "effect": "Allow",
                "actions": ["*"],
                "resources": ["*"],
                "principals": [{"type": "AWS", "identifiers": ["*"]}],
                "condition": [
                    {"test": "StringEquals", "variable": "aws:PrincipalAccount", "values": account},
                    {"test": "StringEquals", "variable": "aws:ResourceAccount", "values": account},
                ],
            }
        ],
    )
