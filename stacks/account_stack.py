"""Account-level settings that must exist once per account and region."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from modules.api_gateway_account import ApiGatewayLoggingRole, ApiGatewayLoggingRoleProps
from modules.aws_context import AwsContext
from stacks.provider import aws_provider, standard_tags
from stacks.remote_state import RemoteStateSettings, use_remote_state


class AccountStack(TerraformStack):
    """The API Gateway CloudWatch role of the account (aws_api_gateway_account is a singleton:
    environment stacks sharing an account would otherwise overwrite each other's setting)."""

    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        region: str,
        state: RemoteStateSettings,
        state_key: str,
        emulator_url: str | None = None,
    ) -> None:
        super().__init__(scope, stack_name)
        aws_provider(self, region=region, tags=standard_tags("account"), emulator_url=emulator_url)
        use_remote_state(self, state, state_key)
        ctx = AwsContext(self, "context")
        role = ApiGatewayLoggingRole(
            self,
            "api-gateway-logging",
            ApiGatewayLoggingRoleProps(role_name=f"fraud-apigw-cloudwatch-{region}", context=ctx),
        )
        TerraformOutput(self, "api_gateway_cloudwatch_role_arn", value=role.role_arn)
