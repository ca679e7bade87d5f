"""Account-level settings that must exist once per account and region."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from modules.api_gateway_account import ApiGatewayLoggingRole, ApiGatewayLoggingRoleProps
from modules.aws_context import AwsContext
from modules.ci.deploy_permissions import CodeSigningRefs, DeployScope
from modules.ci.deploy_role import ACCESS_LEVELS, DeployRole, DeployRoleProps, StateAccess
from modules.ci.github_oidc import GithubOidcProvider
from modules.ci.permissions_boundary import PermissionsBoundary, PermissionsBoundaryProps
from modules.code_signing import (
    CodeSigning,
    CodeSigningProps,
    config_arn_parameter_name,
    profile_name_parameter_name,
)
from stacks.config import EnvironmentConfig
from stacks.emulator import code_signing_supported
from stacks.provider import aws_provider, standard_tags
from stacks.remote_state import RemoteStateSettings, use_remote_state


class AccountStack(TerraformStack):
    """What exists once per account and region: the API Gateway CloudWatch role
    (aws_api_gateway_account is a singleton: environment stacks sharing an account would otherwise
    overwrite each other's setting), GitHub's OIDC provider (IAM allows one per URL), and per
    environment the permissions boundary of its pipeline's roles (modules/ci/permissions_boundary.py),
    a deploy role and a read-only plan role, trusted only by `github_repository`'s jobs in the GitHub
    environments `<env>` and `<env>-plan` (modules/ci/deploy_role.py).

    It holds the roles CI deploys with, so it is deployed by an administrator, never by CI."""

    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        region: str,
        state: RemoteStateSettings,
        state_key: str,
        github_repository: str,
        environments: Sequence[EnvironmentConfig],
        emulator_url: str | None = None,
    ) -> None:
        super().__init__(scope, stack_name)
        self._region = region
        aws_provider(self, region=region, tags=standard_tags("account"), emulator_url=emulator_url)
        use_remote_state(self, state, state_key)
        ctx = AwsContext(self, "context")
        logging_role = ApiGatewayLoggingRole(
            self,
            "api-gateway-logging",
            ApiGatewayLoggingRoleProps(role_name=f"fraud-apigw-cloudwatch-{region}", context=ctx),
        )
        TerraformOutput(self, "api_gateway_cloudwatch_role_arn", value=logging_role.role_arn)

        github = GithubOidcProvider(self, "github-oidc")
        TerraformOutput(self, "github_oidc_provider_arn", value=github.arn)
        state_access = StateAccess(
            bucket=state.bucket, region=state.region, key_prefix=state.key_prefix, kms_alias=state.kms_alias
        )
        for env in environments:
            # The most any role of the environment's pipeline may do (every role it creates carries it).
            boundary = PermissionsBoundary(
                self,
                f"boundary-{env.name}",
                PermissionsBoundaryProps(
                    scope=DeployScope(partition=ctx.partition, region=env.region, account_id=ctx.account_id,
                                      environment=env.name, name_suffix=env.name_suffix),
                ),
            )
            TerraformOutput(self, f"permissions_boundary_arn_{env.name}", value=boundary.arn)
            signing = self._code_signing(env) if code_signing_supported(emulator_url) else None
            for access in ACCESS_LEVELS:
                role_props = DeployRoleProps(
                    environment=env.name,
                    name_suffix=env.name_suffix,
                    github_repository=github_repository,
                    oidc_provider_arn=github.arn,
                    state=state_access,
                    region=env.region,
                    context=ctx,
                    permissions_boundary_arn=boundary.arn,
                    code_signing=signing,
                    access=access,
                    # Plans of pull requests run from their branches; only the deploy role is pinned.
                    required_ref=env.deploy_ref if access == "deploy" else None,
                )
                role = DeployRole(self, f"{access}-{env.name}", role_props)
                # The value of AWS_DEPLOY_ROLE_ARN in the GitHub environment `<env>`, or of
                # AWS_PLAN_ROLE_ARN in `<env>-plan` (see .github/workflows).
                TerraformOutput(self, f"{access}_role_arn_{env.name}", value=role.role_arn)

    def _code_signing(self, env: EnvironmentConfig) -> CodeSigningRefs:
        """The environment's signing profile and code signing configuration: here, so that no deploy
        can change the control it is checked against."""
        if env.region != self._region:
            raise ValueError(
                f"environment {env.name!r} deploys to {env.region}: its signing profile and configuration "
                f"belong to the account stack of that region, not of {self._region}"
            )
        signing = CodeSigning(
            self,
            f"code-signing-{env.name}",
            CodeSigningProps(
                profile_name_prefix=f"fraud_functions_{env.name_suffix}_".replace("-", "_"),
                description=f"Fraud-detection functions ({env.name}): only packages signed by the profile",
                config_arn_parameter=config_arn_parameter_name(env.name_suffix),
                profile_name_parameter=profile_name_parameter_name(env.name_suffix),
                untrusted_artifact_on_deployment=env.code_signing,
            ),
        )
        TerraformOutput(self, f"signing_profile_name_{env.name}", value=signing.profile_name)
        return CodeSigningRefs(profile_arn=signing.profile_arn, config_arn=signing.config_arn,
                               config_arn_parameter=config_arn_parameter_name(env.name_suffix),
                               profile_name_parameter=profile_name_parameter_name(env.name_suffix))
