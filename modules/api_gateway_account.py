"""The account-wide API Gateway setting that lets every REST API in a region write CloudWatch logs."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from modules.aws_context import AwsContext
from modules.iam import service_trust_policy


@dataclass(frozen=True, kw_only=True)
class ApiGatewayLoggingRoleProps:
    """Settings of the account's API Gateway logging role."""

    role_name: str
    """Name of the role API Gateway assumes to write logs."""
    context: AwsContext
    """Partition for the managed policy ARN."""


class ApiGatewayLoggingRole(Construct):
    """A role for apigateway.amazonaws.com with AWS's push-to-CloudWatch policy, registered as the
    account's CloudWatch role. One per account and region: environment stacks never own it, so
    two environments in one account never overwrite each other's setting."""

    def __init__(self, scope: Construct, id_: str, props: ApiGatewayLoggingRoleProps) -> None:
        super().__init__(scope, id_)
        trust = service_trust_policy(self, "trust", props.context.service_principal("apigateway"))
        self.role = IamRole(self, "role", name=props.role_name, assume_role_policy=trust.json)
        # The AWS-managed policy is the documented one for this role: it is scoped by AWS to log
        # groups API Gateway creates and is kept current by AWS.
        attachment = IamRolePolicyAttachment(
            self,
            "push-to-cloudwatch",
            role=self.role.name,
            policy_arn=f"arn:{props.context.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        )
        self.account = ApiGatewayAccount(
            self, "account", cloudwatch_role_arn=self.role.arn, depends_on=[attachment]
        )

    @property
    def role_arn(self) -> str:
        """ARN of the logging role."""
        return self.role.arn
