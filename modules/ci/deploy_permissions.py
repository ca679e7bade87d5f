"""What a CI deploy of one environment may do, as explicit IAM statements.

Why explicit actions instead of an AWS managed policy: the managed policies that cover these
services (PowerUserAccess, the *FullAccess family) grant every action on every resource of the
account, including other environments' and other teams' resources. Listing the actions makes
the grant reviewable line by line, lets each statement be scoped to this environment's names,
and keeps the policy test (no wildcard actions, Resource "*" only for actions AWS offers no
resource-level permission for) meaningful for the deploy role too.

How statements are scoped, best first:
- by name: everything the pipeline names is `fraud-<component>-<suffix>` (modules/naming.py),
  so functions, layers, roles, tables, queues, topics, log groups, alarms, dashboards, rules,
  aliases and the reports bucket are matched by `fraud-*-<suffix>`;
- by the environment tag: resources AWS names by id (VPC pieces, KMS keys, the REST API and its
  keys and usage plans, the stage's execution log group) are matched by `aws:ResourceTag/Environment`,
  which the provider's default_tags set to the environment's name on everything the stack creates;
  creating them requires `aws:RequestTag/Environment` to be that name. Dev, staging and prod may
  share an account, so region and account alone would let one environment's deploy rewrite
  another's key or API. Tagging itself is conditioned (ENVIRONMENT_TAG_GUARDS): a role tags only its
  own resources, or untagged ones as they are created, and never moves a resource's Environment
  tag to another value;
- by region and account: event source mappings (also by function) and the remaining id-named
  resources listed, each with why, in UNSCOPED_BY_ENVIRONMENT;
- Resource "*": only the actions listed in modules/iam.py's ACTIONS_ON_ANY_RESOURCE["deploy"]
  (Describe/List calls Terraform makes while planning, and creations AWS cannot scope), always
  with an aws:RequestedRegion condition.

Roles: a deploy creates the pipeline's roles and writes their inline policies, so whoever controls
a deploy could try to grant those roles anything. The environment's permissions boundary
(modules/ci/permissions_boundary.py, in the administrator-deployed account stack) caps them: the
deploy may create a role, put its policies or set its boundary only with `iam:PermissionsBoundary`
equal to that boundary (an explicit Deny refuses any other value or none), may never remove a
boundary nor attach a managed policy, and passes only the pipeline's own roles, only to the
services that use them. The deploy roles, their policies and the boundary live under their own
IAM path, which no name pattern here matches, and an explicit Deny keeps a deploy from touching
them.

Code signing: the signing profile and configuration belong to the account stack. A deploy uploads
its packages to its own artifacts bucket (`fraud-artifacts-<suffix>-*`), signs only with its
environment's profile, creates functions or attaches a configuration only with its
environment's one (an explicit Deny refuses any other, or none), and is denied every call that
would change, detach, delete, cancel or revoke the control, or repoint the parameter naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from modules.iam import Condition, PolicyStatement

PROTECTED_IAM_PATH: Final = "/github-deploy/"
"""IAM path of the deploy and plan roles, their policies and the permissions boundaries."""


@dataclass(frozen=True, kw_only=True)
class CodeSigningRefs:
    """The environment's code signing control, owned by the account stack (modules/code_signing.py)."""

    profile_arn: str
    """Signer profile the deploy signs packages with."""
    config_arn: str
    """Code signing configuration every function must carry."""
    config_arn_parameter: str
    """SSM parameter name publishing the configuration's ARN to the environment's stack."""
    profile_name_parameter: str
    """SSM parameter name publishing the profile's name to the environment's stack."""


@dataclass(frozen=True, kw_only=True)
class DeployScope:
    """Where one environment's deploy may act. Values may be Terraform references."""

    partition: str
    """AWS partition (from DataAwsPartition)."""
    region: str
    """Region the environment deploys to."""
    account_id: str
    """Account the environment deploys to."""
    environment: str
    """Environment name (the state key and the GitHub environment), e.g. `staging`."""
    name_suffix: str
    """Suffix of the environment's resource names, e.g. `stg`."""
    project: str = "fraud"
    """Prefix of the environment's resource names."""
    protected_role_path: str = PROTECTED_IAM_PATH
    """IAM path of the deploy roles and the boundary: a deploy may not modify anything under it."""
    permissions_boundary_arn: str | None = None
    """The boundary every role a deploy creates must carry (modules/ci/permissions_boundary.py). Only
    the scope the boundary itself is written for goes without one."""
    code_signing: CodeSigningRefs | None = None
    """The environment's signing profile and configuration; None only where the emulator has none."""

    @property
    def names(self) -> str:
        """Pattern of the environment's resource names."""
        return f"{self.project}-*-{self.name_suffix}"

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        """An ARN in this partition (and region and account, unless told otherwise)."""
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )


# Terraform resource type prefixes each statement group manages; a test checks that every
# resource type of an environment stack is covered, so a new resource type fails CI here
# instead of failing the first deploy.
RESOURCE_TYPE_GROUPS: Mapping[str, tuple[str, ...]] = {
    "network": ("aws_vpc", "aws_subnet", "aws_route_table", "aws_security_group", "aws_default_security_group",
                "aws_vpc_endpoint", "aws_vpc_security_group_", "aws_flow_log"),
    "encryption": ("aws_kms_",),
    "functions": ("aws_lambda_", "aws_signer_", "aws_s3_object"),
    "identity": ("aws_iam_role",),
    "data": ("aws_dynamodb_", "aws_s3_bucket"),
    "messaging": ("aws_sqs_", "aws_sns_", "aws_cloudwatch_event_"),
    "observability": ("aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm", "aws_cloudwatch_dashboard"),
    "edge": ("aws_api_gateway_", "aws_wafv2_"),
}


ENVIRONMENT_TAG: Final = "Environment"
"""Tag the provider's default_tags (stacks/provider.py) set to the environment's name on every resource."""

UNSCOPED_BY_ENVIRONMENT: Mapping[str, str] = {
    "wafv2:AssociateWebACL, wafv2:DisassociateWebACL on a stage":
        "WAF offers no condition on the stage it names; AWS also checks apigateway:SetWebACL on the stage, "
        "which the Environment tag limits, so another environment's stage is refused there",
    "ec2:RevokeSecurityGroupEgress/Ingress, ec2:CreateTags on an untagged security group":
        "the VPC's default security group is created by AWS without tags; adopting it (removing its rules, "
        "then tagging it) is allowed only on groups with no Environment tag, so never on another environment's",
    "kms:TagResource, logs:TagResource, logs:CreateLogGroup on an untagged key or log group":
        "tags sent with CreateKey and CreateLogGroup are authorized before the resource has any: allowed only "
        "with this environment's tag and only on resources without one",
    "lambda:*EventSourceMapping":
        "mappings carry no environment tag in the request; scoped by region, account and lambda:FunctionArn",
    "signer:DescribeSigningJob on /signing-jobs/*":
        "signing jobs are named by an id Signer assigns and carry no tag; reading one only shows what was "
        "signed with which profile, and starting one is limited to the environment's profile",
    "Resource \"*\" lookups and creations (modules/iam.py ACTIONS_ON_ANY_RESOURCE)":
        "Describe/List calls and log deliveries have no resource-level permission; limited to the region "
        "(kms:CreateKey also to this environment's request tag)",
}
"""Grants AWS cannot condition on the environment, each with why and what limits it instead."""


def _in_region(scope: DeployScope) -> Condition:
    return Condition(test="StringEquals", variable="aws:RequestedRegion", values=[scope.region])


def _own(scope: DeployScope) -> Condition:
    """The resource carries this environment's tag."""
    return Condition(test="StringEquals", variable=f"aws:ResourceTag/{ENVIRONMENT_TAG}", values=[scope.environment])


def _tagged_as_own(scope: DeployScope) -> Condition:
    """The request tags what it creates with this environment's name."""
    return Condition(test="StringEquals", variable=f"aws:RequestTag/{ENVIRONMENT_TAG}", values=[scope.environment])


def _untagged() -> Condition:
    """The resource has no environment tag yet (it is being created, or AWS created it untagged)."""
    return Condition(test="Null", variable=f"aws:ResourceTag/{ENVIRONMENT_TAG}", values=["true"])


def network_statements(scope: DeployScope) -> list[PolicyStatement]:
    """VPC, subnets, route tables, security groups, endpoints, flow logs (named by id: by their tag).

    A creation is authorized on the new resource (its request tag) and on the resources it is made
    in (their tag): each creation statement names only the new resource's type, so another
    environment's VPC, subnet or security group never passes through a request tag."""
    ec2 = scope.arn
    tagged = [_tagged_as_own(scope)]
    creations = {
        "NetworkCreateVpc": (["ec2:CreateVpc"], ["vpc/*"]),
        "NetworkCreateInVpc": (["ec2:CreateFlowLogs", "ec2:CreateRouteTable", "ec2:CreateSecurityGroup",
                                "ec2:CreateSubnet"],
                               ["route-table/*", "security-group/*", "subnet/*", "vpc-flow-log/*"]),
        "NetworkCreateEndpoints": (["ec2:CreateVpcEndpoint"], ["vpc-endpoint/*"]),
        "NetworkCreateRules": (["ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress"],
                               ["security-group-rule/*"]),
    }
    created = sorted(a for actions, _ in creations.values() for a in actions)
    return [
        PolicyStatement(
            sid="NetworkLookups",
            actions=[
                "ec2:DescribeAvailabilityZones", "ec2:DescribeFlowLogs", "ec2:DescribeNetworkAcls",
                "ec2:DescribeNetworkInterfaces", "ec2:DescribePrefixLists", "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                "ec2:DescribeVpcEndpointServices", "ec2:DescribeVpcEndpoints", "ec2:DescribeVpcs",
            ],
            resources=["*"],
            conditions=[_in_region(scope)],
        ),
        *[PolicyStatement(sid=sid, actions=actions, resources=[ec2("ec2", r) for r in types], conditions=tagged)
          for sid, (actions, types) in creations.items()],
        PolicyStatement(
            sid="NetworkTagOnCreate",
            actions=["ec2:CreateTags"],
            resources=[ec2("ec2", "*")],
            # ec2:CreateAction holds the API operation's name, without the service prefix.
            conditions=[*tagged, Condition(test="StringEquals", variable="ec2:CreateAction",
                                           values=[a.removeprefix("ec2:") for a in created])],
        ),
        PolicyStatement(
            sid="NetworkAdoptDefaultGroup",
            # AWS creates the VPC's default security group untagged (see UNSCOPED_BY_ENVIRONMENT).
            actions=["ec2:CreateTags", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"],
            resources=[ec2("ec2", "security-group/*")],
            conditions=[_untagged()],
        ),
        PolicyStatement(
            sid="NetworkManageOwn",
            # Also the resources a creation is made in (the VPC of a subnet, the subnets of an endpoint).
            actions=[
                *created, "ec2:AssociateRouteTable", "ec2:CreateTags", "ec2:DeleteFlowLogs", "ec2:DeleteRouteTable",
                "ec2:DeleteSecurityGroup", "ec2:DeleteSubnet", "ec2:DeleteTags", "ec2:DeleteVpc",
                "ec2:DeleteVpcEndpoints", "ec2:DescribeVpcAttribute", "ec2:DisassociateRouteTable",
                "ec2:ModifySecurityGroupRules", "ec2:ModifySubnetAttribute", "ec2:ModifyVpcAttribute",
                "ec2:ModifyVpcEndpoint", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
                "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
            ],
            resources=[ec2("ec2", "*")],
            conditions=[_own(scope)],
        ),
    ]


def encryption_statements(scope: DeployScope) -> list[PolicyStatement]:
    """The environment's CMK (named by id: by its tag) and its alias (by name). Key use and key
    administration alike need the key's Environment tag, which it carries from CreateKey on (an alias
    does not exist yet when the key's rotation and policy are set, so the tag, not
    kms:ResourceAliases, is the scope)."""
    keys = scope.arn("kms", "key/*")
    return [
        PolicyStatement(
            sid="KeyCreate",
            actions=["kms:CreateKey"],
            resources=["*"],
            conditions=[_in_region(scope), _tagged_as_own(scope)],
        ),
        PolicyStatement(sid="KeyLookups", actions=["kms:ListAliases"], resources=["*"], conditions=[_in_region(scope)]),
        PolicyStatement(
            sid="KeyTagOnCreate",
            actions=["kms:TagResource"],
            resources=[keys],
            conditions=[_tagged_as_own(scope), _untagged()],
        ),
        PolicyStatement(
            sid="KeyManageOwn",
            actions=[
                "kms:CreateAlias", "kms:Decrypt", "kms:DeleteAlias", "kms:DescribeKey", "kms:EnableKeyRotation",
                "kms:Encrypt", "kms:GenerateDataKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
                "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource",
                "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
            ],
            resources=[keys],
            conditions=[_own(scope)],
        ),
        PolicyStatement(
            sid="KeyGrantsForServices",
            # Services (DynamoDB, Lambda, Logs) create grants on the key for the resources they encrypt.
            actions=["kms:CreateGrant"],
            resources=[keys],
            conditions=[_own(scope), Condition(test="Bool", variable="kms:GrantIsForAWSResource", values=["true"])],
        ),
        PolicyStatement(
            sid="AliasesManage",
            # An alias call is authorized on the alias (by name) and on the key (by tag, above).
            actions=["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
            resources=[scope.arn("kms", f"alias/{scope.names}")],
        ),
    ]


ENVIRONMENT_TAG_GUARDS: tuple[str, ...] = (
    "apigateway:DELETE", "apigateway:POST", "apigateway:PUT", "cloudwatch:TagResource", "cloudwatch:UntagResource",
    "dynamodb:TagResource", "dynamodb:UntagResource", "ec2:CreateTags", "ec2:DeleteTags", "events:TagResource",
    "events:UntagResource", "iam:TagRole", "iam:UntagRole", "kms:CreateKey", "kms:TagResource",
    "kms:UntagResource", "lambda:TagResource", "lambda:UntagResource", "logs:CreateLogGroup", "logs:TagResource",
    "logs:UntagResource", "sns:TagResource", "sns:UntagResource", "sqs:TagQueue", "sqs:UntagQueue",
    "wafv2:TagResource", "wafv2:UntagResource",
)
"""Calls that set or remove tags: with the Environment key, only to this environment's name."""


def tagging_statements(scope: DeployScope) -> list[PolicyStatement]:
    """No role moves a resource's Environment tag to another value or removes it: what is another
    environment's stays another environment's, and nothing of this one is handed over."""
    return [
        PolicyStatement(
            sid="EnvironmentTagStays",
            effect="Deny",
            actions=list(ENVIRONMENT_TAG_GUARDS),
            resources=["*"],
            conditions=[
                Condition(test="ForAnyValue:StringEquals", variable="aws:TagKeys", values=[ENVIRONMENT_TAG]),
                Condition(test="StringNotEquals", variable=f"aws:RequestTag/{ENVIRONMENT_TAG}",
                          values=[scope.environment]),
            ],
        ),
    ]


def function_statements(scope: DeployScope) -> list[PolicyStatement]:
    """Functions and the layer (by name); mappings (by region and account); code signing (the
    environment's profile and configuration only, which the deploy uses but never changes)."""
    functions = scope.arn("lambda", f"function:{scope.names}")
    function_condition = Condition(test="ArnLike", variable="lambda:FunctionArn", values=[functions])
    creation = ["lambda:CreateFunction", "lambda:PutFunctionCodeSigningConfig"]
    artifacts = f"arn:{scope.partition}:s3:::{scope.project}-artifacts-{scope.name_suffix}-*"
    statements = [
        PolicyStatement(
            sid="ArtifactsReadWrite",
            # The packages a deploy uploads (tagged by default_tags), signs (Signer reads the source
            # version and writes the signed object with the caller's access) and deploys from (Lambda
            # reads the signed object with the caller's access); a destroy removes every version.
            actions=[
                "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectAttributes",
                "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:GetObjectVersionTagging", "s3:PutObject",
                "s3:PutObjectTagging",
            ],
            resources=[f"{artifacts}/*"],
        ),
        PolicyStatement(sid="ArtifactsListVersions", actions=["s3:ListBucketVersions"], resources=[artifacts]),
        PolicyStatement(
            sid="SigningJobsRead",
            # Terraform waits on a job and refreshes it (see UNSCOPED_BY_ENVIRONMENT).
            actions=["signer:DescribeSigningJob"],
            resources=[scope.arn("signer", "/signing-jobs/*")],
        ),
        PolicyStatement(
            sid="FunctionsManage",
            actions=[
                "lambda:AddPermission", "lambda:DeleteFunction", "lambda:DeleteFunctionConcurrency",
                "lambda:DeleteFunctionEventInvokeConfig", "lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig",
                "lambda:GetFunctionConcurrency", "lambda:GetFunctionConfiguration",
                "lambda:GetFunctionEventInvokeConfig", "lambda:GetFunctionRecursionConfig", "lambda:GetPolicy",
                "lambda:ListTags", "lambda:ListVersionsByFunction", "lambda:PublishVersion",
                "lambda:PutFunctionConcurrency", "lambda:PutFunctionEventInvokeConfig", "lambda:RemovePermission",
                "lambda:TagResource", "lambda:UntagResource", "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionEventInvokeConfig",
                *([] if scope.code_signing else creation),
            ],
            resources=[functions, f"{functions}:*"],
        ),
        PolicyStatement(
            sid="LayersManage",
            actions=["lambda:DeleteLayerVersion", "lambda:GetLayerVersion", "lambda:PublishLayerVersion"],
            resources=[scope.arn("lambda", f"layer:{scope.names}"), scope.arn("lambda", f"layer:{scope.names}:*")],
        ),
        PolicyStatement(
            sid="MappingsCreate",
            actions=["lambda:CreateEventSourceMapping"],
            resources=["*"],
            conditions=[_in_region(scope)],
        ),
        PolicyStatement(
            sid="MappingsManage",
            actions=[
                "lambda:DeleteEventSourceMapping", "lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping",
            ],
            resources=[scope.arn("lambda", "event-source-mapping:*")],
            conditions=[function_condition],
        ),
    ]
    signing = scope.code_signing
    if signing is None:
        return statements
    return [
        *statements,
        PolicyStatement(
            sid="FunctionsCreateSigned",
            # A function is created, or its configuration attached, only with the environment's one.
            actions=creation,
            resources=[functions],
            conditions=[Condition(test="ArnEquals", variable="lambda:CodeSigningConfigArn",
                                  values=[signing.config_arn])],
        ),
        PolicyStatement(
            sid="CodeSigningUse",
            actions=["lambda:GetCodeSigningConfig", "signer:GetSigningProfile", "signer:StartSigningJob",
                     "ssm:GetParameter"],
            resources=[signing.config_arn, signing.profile_arn,
                       scope.arn("ssm", f"parameter{signing.config_arn_parameter}"),
                       scope.arn("ssm", f"parameter{signing.profile_name_parameter}")],
        ),
        PolicyStatement(
            sid="CodeSigningStays",
            effect="Deny",
            # The control a deploy is checked against is the administrator's: never created, loosened,
            # detached or removed by a deploy, whichever resource it names.
            actions=[
                "lambda:CreateCodeSigningConfig", "lambda:DeleteCodeSigningConfig",
                "lambda:DeleteFunctionCodeSigningConfig", "lambda:UpdateCodeSigningConfig",
                "signer:AddProfilePermission", "signer:CancelSigningProfile", "signer:PutSigningProfile",
                "signer:RemoveProfilePermission", "signer:RevokeSignature", "signer:RevokeSigningProfile",
                "ssm:DeleteParameter", "ssm:DeleteParameters", "ssm:LabelParameterVersion", "ssm:PutParameter",
            ],
            resources=["*"],
        ),
        PolicyStatement(
            sid="CodeSigningOnlyTheEnvironments",
            effect="Deny",
            # Whatever else may ever allow them: no function without the environment's configuration
            # (a missing key matches ArnNotEquals, so a function without any is refused too).
            actions=creation,
            resources=["*"],
            conditions=[Condition(test="ArnNotEquals", variable="lambda:CodeSigningConfigArn",
                                  values=[signing.config_arn])],
        ),
    ]


def identity_statements(scope: DeployScope) -> list[PolicyStatement]:
    """The functions' and flow logs' roles (by name), created and written only with the environment's
    permissions boundary, passed only to the services that use them; never the deploy roles, their
    policies or the boundary itself."""
    if not scope.permissions_boundary_arn:
        raise ValueError(f"{scope.environment}: a deploy that creates roles needs the permissions boundary")
    # Role names end in the suffix, or carry a purpose after it (`fraud-network-dev-flow-logs`).
    roles = [scope.arn("iam", f"role/{scope.names}", region=False),
             scope.arn("iam", f"role/{scope.names}-*", region=False)]
    boundary = [scope.permissions_boundary_arn]
    return [
        PolicyStatement(
            sid="RolesWriteWithBoundary",
            # IAM evaluates iam:PermissionsBoundary on these calls: the boundary requested (CreateRole,
            # PutRolePermissionsBoundary) or the one the role carries (PutRolePolicy).
            actions=["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
            resources=roles,
            conditions=[Condition(test="StringEquals", variable="iam:PermissionsBoundary", values=boundary)],
        ),
        PolicyStatement(
            sid="RolesManage",
            actions=[
                "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:GetRole", "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies",
                "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
            ],
            resources=roles,
        ),
        PolicyStatement(
            sid="RolesPass",
            actions=["iam:PassRole"],
            resources=roles,
            conditions=[
                Condition(
                    test="StringEquals",
                    variable="iam:PassedToService",
                    values=["lambda.amazonaws.com", "vpc-flow-logs.amazonaws.com"],
                )
            ],
        ),
        PolicyStatement(
            sid="RolesNeverUnbounded",
            effect="Deny",
            # Whatever else may ever allow these: never without this boundary (a missing key matches
            # StringNotEquals, so a role created without any boundary is refused too).
            actions=["iam:AttachRolePolicy", "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
            resources=["*"],
            conditions=[Condition(test="StringNotEquals", variable="iam:PermissionsBoundary", values=boundary)],
        ),
        PolicyStatement(
            sid="BoundariesStay",
            effect="Deny",
            # No boundary is ever removed, and no managed policy (AdministratorAccess, ...) attached.
            actions=["iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary"],
            resources=["*"],
        ),
        PolicyStatement(
            sid="DeployRolesUntouchable",
            effect="Deny",
            # A Deny may name a service wildcard: it must also cover actions AWS adds later. The path
            # holds the deploy and plan roles, their policies and the permissions boundary.
            actions=["iam:*"],
            resources=[
                scope.arn("iam", f"role{scope.protected_role_path}*", region=False),
                scope.arn("iam", f"policy{scope.protected_role_path}*", region=False),
            ],
        ),
    ]


def data_statements(scope: DeployScope) -> list[PolicyStatement]:
    """Tables (by name) and the reports bucket (by name prefix; no object access)."""
    tables = scope.arn("dynamodb", f"table/{scope.names}")
    return [
        PolicyStatement(
            sid="TablesManage",
            actions=[
                "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:DescribeContinuousBackups",
                "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource",
                "dynamodb:TagResource", "dynamodb:UntagResource", "dynamodb:UpdateContinuousBackups",
                "dynamodb:UpdateTable", "dynamodb:UpdateTimeToLive",
            ],
            resources=[tables, f"{tables}/index/*", f"{tables}/stream/*"],
        ),
        PolicyStatement(
            sid="BucketsManage",
            actions=[
                "s3:CreateBucket", "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:GetAccelerateConfiguration",
                "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLogging", "s3:GetBucketNotification",
                "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
                "s3:GetBucketPublicAccessBlock", "s3:GetBucketRequestPayment", "s3:GetBucketTagging",
                "s3:GetBucketVersioning", "s3:GetBucketWebsite", "s3:GetEncryptionConfiguration",
                "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:ListBucket",
                "s3:PutBucketNotification", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy",
                "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging", "s3:PutBucketVersioning",
                "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
            ],
            # Bucket names are global, so the name (bucket_prefix `fraud-reports-<suffix>-`) is the scope.
            resources=[f"arn:{scope.partition}:s3:::{scope.names}-*"],
        ),
    ]


def messaging_statements(scope: DeployScope) -> list[PolicyStatement]:
    """Queues, the alert topic and its subscriptions, the schedule rule (all by name)."""
    topics = scope.arn("sns", scope.names)
    return [
        PolicyStatement(
            sid="QueuesManage",
            actions=[
                "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
                "sqs:ListQueueTags", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue",
            ],
            resources=[scope.arn("sqs", scope.names)],
        ),
        PolicyStatement(
            sid="TopicsManage",
            actions=[
                "sns:CreateTopic", "sns:DeleteTopic", "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes",
                "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource", "sns:SetSubscriptionAttributes",
                "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource", "sns:Unsubscribe", "sns:UntagResource",
            ],
            resources=[topics, f"{topics}:*"],
        ),
        PolicyStatement(
            sid="SchedulesManage",
            actions=[
                "events:DeleteRule", "events:DescribeRule", "events:DisableRule", "events:EnableRule",
                "events:ListTagsForResource", "events:ListTargetsByRule", "events:PutRule", "events:PutTargets",
                "events:RemoveTargets", "events:TagResource", "events:UntagResource",
            ],
            resources=[scope.arn("events", f"rule/{scope.names}")],
        ),
    ]


def observability_statements(scope: DeployScope) -> list[PolicyStatement]:
    """Log groups, alarms, the dashboard (by name); WAF log delivery (no resource-level scope)."""
    def groups(*names: str) -> list[str]:
        return [scope.arn("logs", f"log-group:{name}{tail}") for name in names for tail in ("", ":*")]

    manage = [
        "logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteRetentionPolicy",
        "logs:DisassociateKmsKey", "logs:ListTagsForResource", "logs:PutRetentionPolicy", "logs:TagResource",
        "logs:UntagResource",
    ]
    # API Gateway names a stage's execution log group by the API's id: the group's tag scopes it.
    execution_logs = groups("API-Gateway-Execution-Logs_*")
    return [
        PolicyStatement(
            sid="LogGroupsManage",
            actions=manage,
            resources=groups(f"/aws/lambda/{scope.names}", f"/aws/apigateway/{scope.names}/*",
                             f"/aws/vpc/{scope.names}/*", f"aws-waf-logs-{scope.names}"),
        ),
        PolicyStatement(
            sid="ExecutionLogGroupsCreate",
            actions=["logs:CreateLogGroup", "logs:TagResource"],
            resources=execution_logs,
            conditions=[_tagged_as_own(scope), _untagged()],
        ),
        PolicyStatement(sid="ExecutionLogGroupsManageOwn", actions=manage, resources=execution_logs,
                        conditions=[_own(scope)]),
        PolicyStatement(
            sid="LogLookupsAndDelivery",
            actions=[
                "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
            ],
            resources=["*"],
            conditions=[_in_region(scope)],
        ),
        PolicyStatement(
            sid="AlarmsManage",
            actions=[
                "cloudwatch:DeleteAlarms", "cloudwatch:DeleteDashboards", "cloudwatch:DescribeAlarms",
                "cloudwatch:GetDashboard", "cloudwatch:ListTagsForResource", "cloudwatch:PutDashboard",
                "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource",
            ],
            resources=[
                scope.arn("cloudwatch", f"alarm:{scope.names}"),
                scope.arn("cloudwatch", f"alarm:{scope.names}-*"),
                # Dashboards are global: their ARNs carry no region.
                scope.arn("cloudwatch", f"dashboard/{scope.names}", region=False),
            ],
        ),
    ]


def edge_statements(scope: DeployScope) -> list[PolicyStatement]:
    """The REST API, its keys and usage plans (named by id: by their tag, which a REST API's methods,
    resources and stages inherit), and its web ACL (by name)."""
    def apigateway(*paths: str) -> list[str]:
        return [scope.arn("apigateway", path, account=False) for path in paths]

    return [
        PolicyStatement(
            sid="ApiCreate",
            actions=["apigateway:POST"],
            resources=apigateway("/restapis", "/apikeys", "/usageplans"),
            conditions=[_tagged_as_own(scope)],
        ),
        PolicyStatement(
            sid="ApiManageOwn",
            # API Gateway's IAM actions are the HTTP verbs of its management API. GET of an API key
            # returns its value: only the environment's own keys.
            actions=["apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT",
                     "apigateway:SetWebACL"],
            resources=apigateway("/restapis/*", "/apikeys/*", "/usageplans/*", "/tags/*"),
            conditions=[_own(scope)],
        ),
        PolicyStatement(
            sid="WebAclManage",
            actions=[
                "wafv2:AssociateWebACL", "wafv2:CreateWebACL", "wafv2:DeleteLoggingConfiguration",
                "wafv2:DeleteWebACL", "wafv2:DisassociateWebACL", "wafv2:GetLoggingConfiguration", "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource", "wafv2:ListTagsForResource", "wafv2:PutLoggingConfiguration",
                "wafv2:TagResource", "wafv2:UntagResource", "wafv2:UpdateWebACL",
            ],
            resources=[
                scope.arn("wafv2", f"regional/webacl/{scope.names}/*"),
                # AWS managed rule groups belong to AWS, not to this account.
                scope.arn("wafv2", "regional/managedruleset/*/*", account=False),
                # Not conditionable (UNSCOPED_BY_ENVIRONMENT): apigateway:SetWebACL above guards the stage.
                scope.arn("apigateway", "/restapis/*/stages/*", account=False),
            ],
        ),
    ]


def pipeline_statements(scope: DeployScope) -> dict[str, list[PolicyStatement]]:
    """Every statement a deploy of the environment's pipeline stack needs, by group."""
    return {
        "network": network_statements(scope),
        "encryption": encryption_statements(scope),
        "functions": function_statements(scope),
        "identity": [*identity_statements(scope), *tagging_statements(scope)],
        "data": data_statements(scope),
        "messaging": messaging_statements(scope),
        "observability": observability_statements(scope),
        "edge": edge_statements(scope),
    }
