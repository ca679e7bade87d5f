"""Each environment's deploy and plan roles stay inside their environment, evaluated on the synthesized
policies (references resolved) with tests/security/iam_evaluator.py.

Dev, staging and prod may share one account, so every environment's roles are tried against every
other environment's resources (key deletion and key policy, WAF detachment, API method update, API
key read, log deletion, network changes, retagging, role creation, package uploads and signing): all
refused, by the deploy and the plan role alike. The same roles' normal work on their own environment
(what a deploy of its stack does, what a plan reads) is allowed. Resources AWS names by id carry the Environment tag the
provider's default_tags set; names, ids and tags are taken from the synthesized environment stacks.

An operation is every authorization AWS checks for one call (a subnet created in a VPC is checked
on the new subnet and on the VPC; a WAF detachment on the stage by WAF and by API Gateway): it is
allowed only when each one is. The table is written to build/environment-isolation.md.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from modules.ci.deploy_permissions import ENVIRONMENT_TAG, UNSCOPED_BY_ENVIRONMENT
from modules.ci.permissions_boundary import boundary_policy_name
from tests.conftest import SynthesizedApp
from tests.security.iam_evaluator import ContextValue, Decision, Request, evaluate
from tests.stacks.account_policies import ACCOUNT, ACCOUNT_ID, code_signing_arns, documents, resolve

TABLE = Path("build") / "environment-isolation.md"
ENVIRONMENTS = ("dev", "staging", "prod")
REGION = "us-east-1"
Access = Literal["deploy", "plan"]


@dataclass(frozen=True)
class Environment:
    """One environment's resources as IAM sees them (ids stand in for the ones AWS assigns)."""

    name: str
    suffix: str
    alias: str
    web_acl: str
    stage: str
    function: str
    table: str
    lambda_log_group: str
    state_bucket: str
    network_state_key: str
    """State object of the environment's network stack (its own key in the shared state bucket)."""

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{resource}"

    def apigateway(self, path: str) -> str:
        return f"arn:aws:apigateway:{REGION}::{path}"

    @property
    def tag(self) -> dict[str, ContextValue]:
        """Context of a request on one of this environment's tagged resources."""
        return {f"aws:ResourceTag/{ENVIRONMENT_TAG}": self.name}

    @property
    def key(self) -> str:
        return self.arn("kms", f"key/{self.name}-0000-key")

    @property
    def api(self) -> str:
        return f"{self.name}api01"

    @property
    def stage_arn(self) -> str:
        return self.apigateway(f"/restapis/{self.api}/stages/{self.stage}")

    def ec2(self, resource: str) -> str:
        return self.arn("ec2", f"{resource}/{resource[:4]}-{self.name}")

    @property
    def execution_log_group(self) -> str:
        return self.arn("logs", f"log-group:API-Gateway-Execution-Logs_{self.api}/{self.stage}")

    @property
    def artifacts(self) -> str:
        """ARN of the artifacts bucket (`fraud-artifacts-<suffix>-` and the suffix AWS appends)."""
        return f"arn:aws:s3:::fraud-artifacts-{self.suffix}-0001"

    @property
    def role(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:role/fraud-analyzer-{self.suffix}"

    @property
    def boundary(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:policy/github-deploy/{boundary_policy_name(self.name)}"

    @property
    def network_state(self) -> str:
        return f"arn:aws:s3:::{self.state_bucket}/{self.network_state_key}"

    @property
    def flow_log_role(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:role/fraud-network-{self.suffix}-flow-logs"


def environment_of(app: SynthesizedApp, name: str) -> Environment:
    """An environment's names and tag value, read from its synthesized stack."""
    stack = f"fraud-detection-{name}"

    def names(resource_type: str, attribute: str = "name") -> list[str]:
        return sorted(r[attribute] for r in app.resources(stack, resource_type).values())

    [provider] = app.stack(stack)["provider"]["aws"]
    assert provider["default_tags"][0]["tags"][ENVIRONMENT_TAG] == name
    # The pipeline key's alias (the other one names the HMAC key of the log pseudonyms).
    [alias] = [a for a in names("aws_kms_alias") if "-pipeline-" in a]
    [web_acl], [stage] = names("aws_wafv2_web_acl"), names("aws_api_gateway_stage", "stage_name")
    function = names("aws_lambda_function", "function_name")[0]
    network_backend = app.stack(f"{stack}-network")["terraform"]["backend"]["s3"]
    return Environment(
        name=name, suffix=alias.rsplit("-", 1)[1], alias=alias, web_acl=web_acl, stage=stage, function=function,
        table=names("aws_dynamodb_table")[0], lambda_log_group=f"/aws/lambda/{function}",
        state_bucket=network_backend["bucket"], network_state_key=network_backend["key"],
    )


@dataclass(frozen=True)
class Operation:
    """One row: an API call (every authorization AWS checks for it) and whether the role may make it."""

    target: str
    """The environment whose resources the call acts on."""
    what: str
    requests: tuple[Request, ...]
    deploy: Decision
    plan: Decision

    def expected(self, access: Access) -> Decision:
        return self.deploy if access == "deploy" else self.plan


def _tagging(own: Environment, value: str) -> dict[str, ContextValue]:
    """Context of a request that sets the Environment tag to `value`."""
    return {f"aws:RequestTag/{ENVIRONMENT_TAG}": value, "aws:TagKeys": [ENVIRONMENT_TAG],
            "aws:RequestedRegion": REGION}


def across(app: SynthesizedApp, own: Environment, other: Environment) -> list[Operation]:
    """What `own`'s roles try on `other`'s resources: every one refused."""
    as_own = _tagging(own, own.name)
    theirs = {**other.tag, "aws:RequestedRegion": REGION}
    rows = [
        ("schedule the deletion of its key", [Request("kms:ScheduleKeyDeletion", other.key, theirs)]),
        ("rewrite its key policy", [Request("kms:PutKeyPolicy", other.key, theirs)]),
        ("decrypt with its key", [Request("kms:Decrypt", other.key, theirs)]),
        ("read its key policy", [Request("kms:GetKeyPolicy", other.key, theirs)]),
        ("create a grant on its key for a service",
         [Request("kms:CreateGrant", other.key, {**theirs, "kms:GrantIsForAWSResource": "true"})]),
        ("point its own alias at the key",
         [Request("kms:UpdateAlias", own.arn("kms", own.alias)), Request("kms:UpdateAlias", other.key, theirs)]),
        ("retag its key into its own environment", [Request("kms:TagResource", other.key, {**theirs, **as_own})]),
        ("detach its WAF from the stage",
         [Request("wafv2:DisassociateWebACL", other.stage_arn), Request("apigateway:SetWebACL", other.stage_arn,
                                                                        theirs)]),
        ("turn off apiKeyRequired on its method",
         [Request("apigateway:PATCH", other.apigateway(f"/restapis/{other.api}/resources/r00001/methods/POST"),
                  theirs)]),
        ("delete its REST API", [Request("apigateway:DELETE", other.apigateway(f"/restapis/{other.api}"), theirs)]),
        ("read its API key's value",
         [Request("apigateway:GET", other.apigateway(f"/apikeys/{other.name}key01"), theirs)]),
        ("retag its REST API into its own environment",
         [Request("apigateway:PUT", other.apigateway(f"/tags/{other.stage_arn}"), {**theirs, **as_own})]),
        ("delete its execution log group", [Request("logs:DeleteLogGroup", other.execution_log_group, theirs)]),
        ("delete a function's log group",
         [Request("logs:DeleteLogGroup", other.arn("logs", f"log-group:{other.lambda_log_group}"), theirs)]),
        ("open its security group's egress",
         [Request("ec2:AuthorizeSecurityGroupEgress", other.ec2("security-group"), {**theirs, **as_own}),
          Request("ec2:AuthorizeSecurityGroupEgress", own.arn("ec2", "security-group-rule/*"), as_own)]),
        ("change its VPC endpoint's policy", [Request("ec2:ModifyVpcEndpoint", other.ec2("vpc-endpoint"), theirs)]),
        ("delete its flow logs", [Request("ec2:DeleteFlowLogs", other.ec2("vpc-flow-log"), theirs)]),
        ("add a subnet to its VPC",
         [Request("ec2:CreateSubnet", own.arn("ec2", "subnet/*"), as_own),
          Request("ec2:CreateSubnet", other.ec2("vpc"), {**theirs, **as_own})]),
        ("retag its subnet into its own environment",
         [Request("ec2:CreateTags", other.ec2("subnet"), {**theirs, **as_own})]),
        ("create one of its roles with its boundary",
         [Request("iam:CreateRole", other.role, {"iam:PermissionsBoundary": other.boundary})]),
        ("create its flow-log role with its own boundary",
         [Request("iam:CreateRole", other.flow_log_role, {"iam:PermissionsBoundary": own.boundary})]),
        ("create one of its roles with its own boundary",
         [Request("iam:CreateRole", other.role, {"iam:PermissionsBoundary": own.boundary})]),
        ("delete its table", [Request("dynamodb:DeleteTable", other.arn("dynamodb", f"table/{other.table}"))]),
        ("overwrite a package in its artifacts bucket",
         [Request("s3:PutObject", f"{other.artifacts}/uploads/transaction_api.zip")]),
        ("sign a package with its profile",
         [Request("signer:StartSigningJob", code_signing_arns(app, ACCOUNT, other.name)[0]),
          Request("s3:GetObjectVersion", f"{other.artifacts}/uploads/transaction_api.zip"),
          Request("s3:PutObject", f"{other.artifacts}/signed/transaction_api/job-1.zip")]),
        ("replace a function's code", [Request("lambda:UpdateFunctionCode",
                                               other.arn("lambda", f"function:{other.function}"))]),
        ("read its network stack's state", [Request("s3:GetObject", other.network_state)]),
        ("overwrite its network stack's state", [Request("s3:PutObject", other.network_state)]),
        ("create its flow-log role with its boundary",
         [Request("iam:CreateRole", other.flow_log_role, {"iam:PermissionsBoundary": other.boundary})]),
    ]
    return [Operation(other.name, what, tuple(requests), "denied", "denied") for what, requests in rows]


def within(app: SynthesizedApp, own: Environment, other: Environment) -> list[Operation]:
    """What a deploy of `own`'s stack does (the deploy role may, the plan role may not), what a plan of
    it reads (both may), and what neither may do even there."""
    as_own = _tagging(own, own.name)
    ours = {**own.tag, "aws:RequestedRegion": REGION}
    ours_tagging = {**ours, **as_own}
    profile, config = code_signing_arns(app, ACCOUNT, own.name)
    _, other_config = code_signing_arns(app, ACCOUNT, other.name)
    function = own.arn("lambda", f"function:{own.function}")
    writes = [
        ("create its key, tagged with it",
         [Request("kms:CreateKey", "*", as_own), Request("kms:TagResource", own.arn("kms", "key/new"), as_own)]),
        ("enable its key's rotation", [Request("kms:EnableKeyRotation", own.key, ours)]),
        ("set its key's policy", [Request("kms:PutKeyPolicy", own.key, ours)]),
        ("create its key's alias",
         [Request("kms:CreateAlias", own.arn("kms", own.alias)), Request("kms:CreateAlias", own.key, ours)]),
        ("let DynamoDB create a grant on its key",
         [Request("kms:CreateGrant", own.key, {**ours, "kms:GrantIsForAWSResource": "true"})]),
        ("create the VPC, tagged",
         [Request("ec2:CreateVpc", own.arn("ec2", "vpc/*"), as_own),
          Request("ec2:CreateTags", own.arn("ec2", "vpc/*"), {**as_own, "ec2:CreateAction": "CreateVpc"})]),
        ("add a subnet to its VPC",
         [Request("ec2:CreateSubnet", own.arn("ec2", "subnet/*"), as_own),
          Request("ec2:CreateSubnet", own.ec2("vpc"), ours_tagging)]),
        ("create an interface endpoint in its VPC",
         [Request("ec2:CreateVpcEndpoint", own.arn("ec2", "vpc-endpoint/*"), as_own),
          *[Request("ec2:CreateVpcEndpoint", own.ec2(r), ours_tagging) for r in ("vpc", "subnet", "security-group")]]),
        ("adopt the VPC's default security group (untagged)",
         [Request("ec2:RevokeSecurityGroupEgress", own.arn("ec2", "security-group/sg-default"), as_own),
          Request("ec2:CreateTags", own.arn("ec2", "security-group/sg-default"), as_own)]),
        ("allow egress from its security group",
         [Request("ec2:AuthorizeSecurityGroupEgress", own.ec2("security-group"), ours_tagging),
          Request("ec2:AuthorizeSecurityGroupEgress", own.arn("ec2", "security-group-rule/*"), as_own)]),
        ("change its VPC endpoint's policy", [Request("ec2:ModifyVpcEndpoint", own.ec2("vpc-endpoint"), ours)]),
        ("create the REST API, tagged", [Request("apigateway:POST", own.apigateway("/restapis"), as_own)]),
        ("create its API key, tagged", [Request("apigateway:POST", own.apigateway("/apikeys"), as_own)]),
        ("require API keys on its method",
         [Request("apigateway:PATCH", own.apigateway(f"/restapis/{own.api}/resources/r00001/methods/POST"), ours)]),
        ("attach its WAF to its stage",
         [Request("wafv2:AssociateWebACL", own.arn("wafv2", f"regional/webacl/{own.web_acl}/id01")),
          Request("wafv2:AssociateWebACL", own.stage_arn), Request("apigateway:SetWebACL", own.stage_arn, ours)]),
        ("create its execution log group, tagged",
         [Request("logs:CreateLogGroup", own.execution_log_group, as_own),
          Request("logs:TagResource", own.execution_log_group, as_own)]),
        ("set its execution log group's retention",
         [Request("logs:PutRetentionPolicy", own.execution_log_group, ours)]),
        ("create a function role with its boundary",
         [Request("iam:CreateRole", own.role, {"iam:PermissionsBoundary": own.boundary})]),
        ("create a function with its code signing configuration",
         [Request("lambda:CreateFunction", function, {"lambda:CodeSigningConfigArn": config})]),
        ("upload a package to its artifacts bucket",
         [Request("s3:PutObject", f"{own.artifacts}/uploads/transaction_api.zip"),
          Request("s3:PutObjectTagging", f"{own.artifacts}/uploads/transaction_api.zip")]),
        ("sign a package with its profile",
         [Request("signer:StartSigningJob", profile),
          Request("s3:GetObjectVersion", f"{own.artifacts}/uploads/transaction_api.zip"),
          Request("s3:PutObject", f"{own.artifacts}/signed/transaction_api/job-1.zip")]),
        ("write its network stack's state", [Request("s3:PutObject", own.network_state)]),
        ("take and release its network stack's state lock",
         [Request("s3:PutObject", f"{own.network_state}.tflock"),
          Request("s3:DeleteObject", f"{own.network_state}.tflock")]),
        ("create its flow-log role with its boundary",
         [Request("iam:CreateRole", own.flow_log_role, {"iam:PermissionsBoundary": own.boundary})]),
    ]
    reads = [
        ("read its key's policy", [Request("kms:GetKeyPolicy", own.key, ours)]),
        ("read its API key", [Request("apigateway:GET", own.apigateway(f"/apikeys/{own.name}key01"), ours)]),
        ("read its stage", [Request("apigateway:GET", own.stage_arn, ours)]),
        ("read its VPC's attributes", [Request("ec2:DescribeVpcAttribute", own.ec2("vpc"), ours)]),
        ("read its execution log group's tags", [Request("logs:ListTagsForResource", own.execution_log_group, ours)]),
        ("read a signed package", [Request("s3:GetObject", f"{own.artifacts}/signed/transaction_api/job-1.zip")]),
        ("refresh a signing job", [Request("signer:DescribeSigningJob", own.arn("signer", "/signing-jobs/job-1"))]),
        ("read its network stack's state (the pipeline's plan reads its outputs)",
         [Request("s3:GetObject", own.network_state)]),
        ("list its network stack's state",
         [Request("s3:ListBucket", f"arn:aws:s3:::{own.state_bucket}", {"s3:prefix": own.network_state_key})]),
    ]
    never = [
        ("create a key without its tag", [Request("kms:CreateKey", "*", {"aws:RequestedRegion": REGION})]),
        (f"create a key tagged {other.name}", [Request("kms:CreateKey", "*", _tagging(own, other.name))]),
        (f"retag its subnet as {other.name}",
         [Request("ec2:CreateTags", own.ec2("subnet"), {**ours, **_tagging(own, other.name)})]),
        ("remove its key's Environment tag",
         [Request("kms:UntagResource", own.key, {**ours, "aws:TagKeys": [ENVIRONMENT_TAG]})]),
        ("tag an untagged key it did not create with another tag",
         [Request("kms:TagResource", own.arn("kms", "key/unowned"), _tagging(own, other.name))]),
        (f"attach the {other.name} code signing configuration to a function",
         [Request("lambda:PutFunctionCodeSigningConfig", function, {"lambda:CodeSigningConfigArn": other_config})]),
    ]
    return ([Operation(own.name, w, tuple(r), "allowed", "denied") for w, r in writes]
            + [Operation(own.name, w, tuple(r), "allowed", "allowed") for w, r in reads]
            + [Operation(own.name, w, tuple(r), "denied", "denied") for w, r in never])


def _statements(app: SynthesizedApp, environment: str, access: Access) -> list[dict[str, Any]]:
    return [s for d in documents(app, ACCOUNT, environment, access).values()
            for s in resolve(app, ACCOUNT, d)["statement"]]


def decide(statements: list[dict[str, Any]], operation: Operation) -> Decision:
    """Allowed only when AWS would allow every authorization of the call."""
    return "allowed" if all(evaluate(r, statements) == "allowed" for r in operation.requests) else "denied"


Row = tuple[str, Access, Operation, Decision]


@pytest.fixture(scope="module")
def table(synthesized: SynthesizedApp) -> list[Row]:
    envs = {name: environment_of(synthesized, name) for name in ENVIRONMENTS}
    rows: list[Row] = []
    for name, own in envs.items():
        others = [e for e in envs.values() if e is not own]
        operations = [*within(synthesized, own, others[0]), *[op for o in others for op in across(synthesized, own, o)]]
        for access in ("deploy", "plan"):
            statements = _statements(synthesized, name, access)
            rows += [(name, access, op, decide(statements, op)) for op in operations]
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    lines = ["| role of | role | on resources of | attempt | actions | expected | evaluated |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {env} | {access} | {op.target} | {op.what} "
              f"| {', '.join(sorted({f'`{r.action}`' for r in op.requests}))} | {op.expected(access)} | {got} |"
              for env, access, op, got in rows]
    TABLE.write_text("\n".join(lines) + "\n")
    return rows


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_operation_gets_the_expected_decision(table: list[Row], environment: str) -> None:
    wrong = [(access, op.what, op.expected(access), got)
             for env, access, op, got in table if env == environment and got != op.expected(access)]
    assert wrong == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_role_is_tried_against_every_other_environment_and_refused(table: list[Row], environment: str) -> None:
    crossing = Counter((access, op.target, got) for env, access, op, got in table
                       if env == environment and op.target != environment)
    others = [e for e in ENVIRONMENTS if e != environment]
    assert set(crossing) == {(a, o, "denied") for a in ("deploy", "plan") for o in others}
    assert len(set(crossing.values())) == 1, "the same attempts against each other environment"


def test_the_table_covers_both_outcomes_for_both_roles(table: list[Row]) -> None:
    outcomes = Counter((access, got) for _, access, _, got in table)
    assert set(outcomes) == {(a, d) for a in ("deploy", "plan") for d in ("allowed", "denied")}


def test_readme_lists_every_grant_aws_cannot_condition_on_the_environment() -> None:
    section = Path("README.md").read_text().split("What AWS cannot condition on the environment", 1)[1]
    table = section.split("\n\n")[1]  # the paragraph after the sentence that introduces it
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == len(UNSCOPED_BY_ENVIRONMENT)
