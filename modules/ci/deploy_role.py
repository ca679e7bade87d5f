"""The roles GitHub Actions assumes to deploy one environment, and to plan it from a pull request.

Two roles per environment, because a pull request's workflow runs the pull request's code:
- deploy (`fraud-deploy-<env>`), trusted by jobs in the GitHub environment `<env>`, which only
  runs on main behind the environment's protection rules; it may change the environment;
- plan (`fraud-plan-<env>`), trusted by jobs in the GitHub environment `<env>-plan`, which pull
  requests use for `make plan`; it gets the read-only subset of the same statements (Describe,
  Get, List) and reads the state without taking the lock (plans run with -lock=false), so a
  modified workflow in a pull request can look but not change anything.

Trust: only this repository's workflow jobs that run in the matching GitHub environment
(`repo:<owner>/<repo>:environment:<name>`), with a token issued for STS. Jobs of other
repositories, forks and other environments get no credentials; the environment's protection
rules (reviewers, branch policy) therefore guard the role.

Permissions: the environment's state objects and state key, and the explicit, name-scoped
statements of modules/ci/deploy_permissions.py (its docstring says why explicit actions rather than
an AWS managed policy, and what the remaining limit is). Each group is a customer-managed policy
of its own (under the role's path): together they exceed IAM's 10,240-character quota for a
role's inline policies, while each stays far below the 6,144 characters of a managed policy;
nine attachments fit the default quota of ten per role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from modules.aws_context import AwsContext
from modules.ci.deploy_permissions import PROTECTED_IAM_PATH, CodeSigningRefs, DeployScope, pipeline_statements
from modules.ci.github_oidc import GITHUB_OIDC_HOST, STS_AUDIENCE
from modules.iam import Condition, PolicyStatement, Principal, policy_document

Access = Literal["deploy", "plan"]
"""What a role may do: change the environment, or only read it."""
ACCESS_LEVELS: tuple[Access, ...] = ("deploy", "plan")
"""Every access level, in the order the account stack creates the roles."""

_REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9_-]+$")
_ROLE_PATH = re.compile(r"^/([A-Za-z0-9_-]+/)+$")


@dataclass(frozen=True, kw_only=True)
class StateAccess:
    """Where the environment's Terraform state lives (see stacks/remote_state.py)."""

    bucket: str
    """State bucket name."""
    region: str
    """Region of the state bucket and its key."""
    key_prefix: str
    """Prefix of every state key; the environment's objects are `<key_prefix>/<environment>/*`."""
    kms_alias: str
    """Alias (without `alias/`) of the state bucket's key."""


@dataclass(frozen=True, kw_only=True)
class DeployRoleProps:
    """Settings of one environment's deploy role."""

    environment: str
    """Environment name: the GitHub environment the trusted jobs run in, and the state key."""
    name_suffix: str
    """Suffix of the environment's resource names (EnvironmentConfig.name_suffix); scopes the grants."""
    github_repository: str
    """`owner/name` of the only repository whose workflows may assume the role."""
    oidc_provider_arn: str
    """ARN of the account's GitHub OIDC provider (modules/ci/github_oidc.py)."""
    state: StateAccess
    """The state bucket, prefix and key the environment's backend uses."""
    region: str
    """Region the environment deploys to; regional grants are limited to it."""
    context: AwsContext
    """Partition and account of the environment."""
    permissions_boundary_arn: str
    """The environment's permissions boundary (modules/ci/permissions_boundary.py): a deploy creates
    and writes roles only with it."""
    code_signing: CodeSigningRefs | None = None
    """The environment's signing profile and configuration (None only for the emulator, which has none)."""
    role_path: str = PROTECTED_IAM_PATH
    """IAM path of the role and its policies; deploys may not modify anything under it (see deploy_permissions)."""
    max_session_seconds: int = 3600
    """Longest session a job gets; one hour covers a full deploy and keeps leaked tokens short-lived."""
    access: Access = "deploy"
    """`deploy` may change the environment; `plan` (for pull requests) may only read it."""

    def __post_init__(self) -> None:
        if not _REPOSITORY.match(self.github_repository):
            raise ValueError(f"github_repository {self.github_repository!r} must be <owner>/<name>")
        if not _ENVIRONMENT.match(self.environment) or not _ENVIRONMENT.match(self.name_suffix):
            raise ValueError(f"environment {self.environment!r} and suffix {self.name_suffix!r} must be plain names")
        if not _ROLE_PATH.match(self.role_path):
            raise ValueError(f"role_path {self.role_path!r} must look like /name/")
        if not 3600 <= self.max_session_seconds <= 43200:
            raise ValueError("max_session_seconds must be within IAM's 3600..43200")
        if self.access not in ACCESS_LEVELS:
            raise ValueError(f"access {self.access!r} must be deploy or plan")

    @property
    def deploy_scope(self) -> DeployScope:
        """Where the role may act: the environment's names, region, account and boundary."""
        return DeployScope(
            partition=self.context.partition,
            region=self.region,
            account_id=self.context.account_id,
            environment=self.environment,
            name_suffix=self.name_suffix,
            protected_role_path=self.role_path,
            permissions_boundary_arn=self.permissions_boundary_arn,
            code_signing=self.code_signing,
        )

    @property
    def github_environment(self) -> str:
        """The GitHub environment whose jobs may assume the role."""
        return self.environment if self.access == "deploy" else f"{self.environment}-plan"

    @property
    def subject(self) -> str:
        """The OIDC `sub` claim of this repository's jobs in that GitHub environment."""
        return f"repo:{self.github_repository}:environment:{self.github_environment}"


class DeployRole(Construct):
    """An OIDC-trusted role for one environment's CI jobs (deploy or plan). Attributes: `role`,
    `policies` (by group), `role_arn`."""

    def __init__(self, scope: Construct, id_: str, props: DeployRoleProps) -> None:
        super().__init__(scope, id_)
        ctx = props.context
        trust = policy_document(self, "trust", [_github_trust(props)])
        self.role = IamRole(
            self,
            "role",
            name=f"fraud-{props.access}-{props.environment}",
            path=props.role_path,
            description=f"GitHub Actions: {props.access} {props.environment} from {props.github_repository}",
            assume_role_policy=trust.json,
            max_session_duration=props.max_session_seconds,
        )
        groups = {"state": state_statements(props.state, props.environment, ctx.partition, ctx.account_id)}
        groups.update(pipeline_statements(props.deploy_scope))
        if props.access == "plan":
            groups = {g: read_only(s) for g, s in groups.items() if read_only(s)}
        self.policies: dict[str, IamPolicy] = {}
        for group, statements in groups.items():
            document = policy_document(self, f"{group}-document", statements, holder="deploy")
            policy = IamPolicy(
                self,
                f"{group}-policy",
                name=f"fraud-{props.access}-{props.environment}-{group}",
                path=props.role_path,
                description=f"{props.access.capitalize()} {props.environment}: {group}",
                policy=document.json,
            )
            IamRolePolicyAttachment(self, f"{group}-attachment", role=self.role.name, policy_arn=policy.arn)
            self.policies[group] = policy

    @property
    def role_arn(self) -> str:
        """ARN of the role (the GitHub environment's AWS_DEPLOY_ROLE_ARN variable)."""
        return self.role.arn


def _github_trust(props: DeployRoleProps) -> PolicyStatement:
    return PolicyStatement(
        sid="GithubEnvironmentJobs",
        actions=["sts:AssumeRoleWithWebIdentity"],
        resources=[],
        principals=[Principal(type="Federated", identifiers=[props.oidc_provider_arn])],
        conditions=[
            Condition(test="StringEquals", variable=f"{GITHUB_OIDC_HOST}:aud", values=[STS_AUDIENCE]),
            # StringEquals, not StringLike: one repository, one environment, nothing else.
            Condition(test="StringEquals", variable=f"{GITHUB_OIDC_HOST}:sub", values=[props.subject]),
        ],
    )


def state_statements(state: StateAccess, environment: str, partition: str, account_id: str) -> list[PolicyStatement]:
    """Read and write the environment's state and lock file; list only its prefix; use the state key."""
    prefix = f"{state.key_prefix}/{environment}"
    return [
        PolicyStatement(
            sid="StateObjects",
            # DeleteObject releases the S3-native lock (<key>.tflock) after each operation.
            actions=["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            resources=[f"arn:{partition}:s3:::{state.bucket}/{prefix}/*"],
        ),
        PolicyStatement(
            sid="StateList",
            actions=["s3:ListBucket"],
            resources=[f"arn:{partition}:s3:::{state.bucket}"],
            conditions=[Condition(test="StringLike", variable="s3:prefix", values=[prefix, f"{prefix}/*"])],
        ),
        PolicyStatement(
            sid="StateKey",
            actions=["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
            resources=[f"arn:{partition}:kms:{state.region}:{account_id}:key/*"],
            # The key is known by its alias only (the bootstrap stack owns it): match through the alias.
            conditions=[
                Condition(
                    test="ForAnyValue:StringEquals",
                    variable="kms:ResourceAliases",
                    values=[f"alias/{state.kms_alias}"],
                )
            ],
        ),
    ]


# Actions a plan may keep: reads only. API Gateway names its actions by HTTP verb.
_READ_PREFIXES = ("Describe", "Get", "List", "GET")


def read_only(statements: Sequence[PolicyStatement]) -> list[PolicyStatement]:
    """The read-only subset of `statements`: Allow statements keep only their read actions (and
    vanish without any); the state's write actions and every Deny go, since nothing is left to deny."""
    kept = []
    for statement in statements:
        if statement.effect != "Allow":
            continue
        actions = [a for a in statement.actions if a.split(":", 1)[1].startswith(_READ_PREFIXES)]
        if statement.sid == "StateKey":
            actions = ["kms:Decrypt", "kms:DescribeKey"]  # reading the state needs the key, writing does not happen
        if actions:
            kept.append(replace(statement, actions=actions))
    return kept
