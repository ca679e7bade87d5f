"""The permissions boundary of one environment: the most any role the pipeline creates may ever do.

Every role of an environment's pipeline stack (the functions', the flow logs') carries this
boundary, and the environment's deploy role may create roles and write their policies only with
it (modules/ci/deploy_permissions.py). A role's effective permissions are the intersection of its
own policies and the boundary, so whoever controls a deploy can at most hand a pipeline role the
data-plane actions below, on the environment's own resources (`fraud-*-<suffix>`): never IAM,
STS, Organizations, account settings or KMS key administration, which the boundary also denies
outright.

The boundary lives in the account stack (deployed by an administrator) under the deploy roles'
protected IAM path, where an explicit Deny keeps every deploy from changing or deleting it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from constructs import Construct

from modules.ci.deploy_permissions import PROTECTED_IAM_PATH, DeployScope
from modules.iam import LAMBDA_VPC_ENI_ACTIONS, XRAY_TRACING_ACTIONS, Condition, PolicyStatement, policy_document


def boundary_policy_name(environment: str) -> str:
    """Name of the environment's boundary policy."""
    return f"fraud-boundary-{environment}"


def boundary_policy_arn(partition: str, account_id: str, environment: str) -> str:
    """ARN of the environment's boundary policy, for the pipeline stack (a separate stack with its own
    state, deployed after the account stack that creates the policy)."""
    return f"arn:{partition}:iam::{account_id}:policy{PROTECTED_IAM_PATH}{boundary_policy_name(environment)}"


def boundary_statements(scope: DeployScope) -> list[PolicyStatement]:
    """What a pipeline role may at most do: the functions' and flow logs' data plane, on the
    environment's resources, and explicitly nothing of IAM, STS, Organizations, account or key
    administration."""
    names = scope.names
    in_region = Condition(test="StringEquals", variable="aws:RequestedRegion", values=[scope.region])
    return [
        PolicyStatement(
            sid="OwnLogStreams",
            actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            resources=[scope.arn("logs", f"log-group:{group}")
                       for group in (f"/aws/lambda/{names}:*", f"/aws/vpc/{names}/*")],
        ),
        PolicyStatement(sid="VpcNetworkInterfaces", actions=list(LAMBDA_VPC_ENI_ACTIONS), resources=["*"],
                        conditions=[in_region]),
        PolicyStatement(sid="XRayTracing", actions=list(XRAY_TRACING_ACTIONS), resources=["*"]),
        PolicyStatement(
            sid="EnvironmentKeyUse",
            # GenerateMac: the analyzer's pseudonym secret, from the environment's HMAC key.
            actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateMac"],
            resources=[scope.arn("kms", "key/*")],
            conditions=[Condition(test="ForAnyValue:StringLike", variable="kms:ResourceAliases",
                                  values=[f"alias/{names}"])],
        ),
        PolicyStatement(
            sid="EnvironmentTables",
            # BatchGetItem: the analyzer's bulk read of a batch's merchant counters.
            actions=[
                "dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:DescribeStream", "dynamodb:GetRecords",
                "dynamodb:GetShardIterator", "dynamodb:ListStreams", "dynamodb:PutItem", "dynamodb:Query",
                "dynamodb:UpdateItem",
            ],
            resources=[scope.arn("dynamodb", f"table/{names}{tail}") for tail in ("", "/index/*", "/stream/*")],
        ),
        PolicyStatement(
            sid="EnvironmentQueues",
            actions=["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                     "sqs:ReceiveMessage", "sqs:SendMessage"],
            resources=[scope.arn("sqs", names)],
        ),
        PolicyStatement(sid="EnvironmentTopics", actions=["sns:Publish"], resources=[scope.arn("sns", names)]),
        PolicyStatement(
            sid="EnvironmentBucketObjects",
            actions=["s3:PutObject"],
            resources=[f"arn:{scope.partition}:s3:::{names}-*/*"],
        ),
        PolicyStatement(
            sid="NeverAdministration",
            effect="Deny",
            # Deny may name wildcards: they must also cover actions these services add later.
            actions=[
                "iam:*", "sts:*", "organizations:*", "account:*",
                "kms:Cancel*", "kms:Create*", "kms:Delete*", "kms:Disable*", "kms:Enable*", "kms:Import*",
                "kms:Put*", "kms:Replicate*", "kms:Retire*", "kms:Revoke*", "kms:Schedule*", "kms:Tag*",
                "kms:Untag*", "kms:Update*",
            ],
            resources=["*"],
        ),
    ]


@dataclass(frozen=True, kw_only=True)
class PermissionsBoundaryProps:
    """Settings of one environment's boundary policy."""

    scope: DeployScope
    """The environment: its names, region and account bound every statement."""


class PermissionsBoundary(Construct):
    """The environment's boundary policy, a customer-managed policy under the deploy roles' protected
    path. Attributes: `policy`, `arn`."""

    def __init__(self, scope: Construct, id_: str, props: PermissionsBoundaryProps) -> None:
        super().__init__(scope, id_)
        env = props.scope
        # The boundary caps the pipeline's roles, so it may allow on Resource "*" only what they may.
        document = policy_document(self, "document", boundary_statements(env), holder="function")
        self.policy = IamPolicy(
            self,
            "policy",
            name=boundary_policy_name(env.environment),
            path=env.protected_role_path,
            description=f"Permissions boundary of every role of the {env.environment} pipeline",
            policy=document.json,
        )

    @property
    def arn(self) -> str:
        """ARN of the boundary policy."""
        return self.policy.arn
