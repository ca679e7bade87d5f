"""The account stack: GitHub's OIDC provider and one deploy role per environment, trusted only by
this repository's jobs in that environment, scoped to that environment's state and names."""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from modules.ci.deploy_permissions import RESOURCE_TYPE_GROUPS
from modules.ci.deploy_role import POLICIES, DeployRoleProps, StateAccess
from stacks.app_settings import resolve_settings
from tests.conftest import SynthesizedApp
from tests.stacks.account_policies import ACCOUNT, as_iam_json, policy_document_of, ref_id
from tests.stacks.account_policies import documents as role_documents
from tests.stacks.account_policies import role as ci_role

_APIGW_ROLE = "fraud-apigw-cloudwatch-us-east-1"
LOCAL_ACCOUNT = "fraud-detection-account-local"
REPOSITORY = "example-org/fraud-detection"
SUFFIXES = {"dev": "dev", "staging": "stg", "prod": "prod"}


def _statement(documents: dict[str, dict[str, Any]], sid: str) -> dict[str, Any]:
    [found] = [s for d in documents.values() for s in d["statement"] if s["sid"] == sid]
    return found


def test_the_account_has_one_github_oidc_provider_for_sts(synthesized: SynthesizedApp) -> None:
    for stack in (ACCOUNT, LOCAL_ACCOUNT):
        providers = list(synthesized.resources(stack, "aws_iam_openid_connect_provider").values())
        assert [(p["url"], p["client_id_list"]) for p in providers] == [
            ("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
        ]
    for stack in ("fraud-detection-dev", "fraud-detection-prod", "fraud-detection-state"):
        assert not synthesized.resources(stack, "aws_iam_openid_connect_provider"), stack


def test_a_deploy_and_a_plan_role_per_environment_under_the_protected_path(synthesized: SynthesizedApp) -> None:
    roles = [r for r in synthesized.resources(ACCOUNT, "aws_iam_role").values() if r["name"] != _APIGW_ROLE]
    assert sorted(r["name"] for r in roles) == sorted(f"fraud-{a}-{e}" for a in ("deploy", "plan") for e in SUFFIXES)
    assert all(r["path"] == "/github-deploy/" and r["max_session_duration"] == 3600 for r in roles)
    local = {r["name"] for r in synthesized.resources(LOCAL_ACCOUNT, "aws_iam_role").values()}
    assert {"fraud-deploy-local", "fraud-plan-local"} <= local
    outputs = synthesized.stack(ACCOUNT)["output"]
    assert {f"{a}_role_arn_{e}" for a in ("deploy", "plan") for e in SUFFIXES} <= set(outputs)


@pytest.mark.parametrize(("environment", "access", "github_environment"), [
    *[(e, "deploy", e) for e in sorted(SUFFIXES)], *[(e, "plan", f"{e}-plan") for e in sorted(SUFFIXES)],
])
def test_only_this_repositorys_jobs_in_the_environment_may_assume_the_role(
    synthesized: SynthesizedApp, environment: str, access: str, github_environment: str
) -> None:
    _, role = ci_role(synthesized, ACCOUNT, environment, access)
    trust = synthesized.data(ACCOUNT, "aws_iam_policy_document")[ref_id(role["assume_role_policy"])]
    [statement] = trust["statement"]
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    [principal] = statement["principals"]
    assert principal["type"] == "Federated"
    assert principal["identifiers"][0].startswith("${aws_iam_openid_connect_provider.")
    # Prod's deploy role admits jobs of main only; every other role any ref of its GitHub environment.
    pinned = environment == "prod" and access == "deploy"
    subject = f"repo:{REPOSITORY}:environment:{github_environment}:ref:" + ("refs/heads/main" if pinned else "*")
    assert sorted((c["test"], c["variable"], c["values"]) for c in statement["condition"]) == sorted([
        ("StringEquals", "token.actions.githubusercontent.com:aud", ["sts.amazonaws.com"]),
        ("StringEquals" if pinned else "StringLike", "token.actions.githubusercontent.com:sub", [subject]),
    ])


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_state_access_is_the_environments_key_only(synthesized: SynthesizedApp, environment: str) -> None:
    state = role_documents(synthesized, ACCOUNT, environment)
    objects = _statement(state, "StateObjects")
    assert objects["actions"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    expected = f"fraud-detection-tfstate/fraud-detection/{environment}/*"
    assert [r.split(":::")[1] for r in objects["resources"]] == [expected]
    listing = _statement(state, "StateList")
    assert listing["resources"][0].endswith(":s3:::fraud-detection-tfstate")
    assert listing["condition"] == [{"test": "StringLike", "variable": "s3:prefix",
                                     "values": [f"fraud-detection/{environment}", f"fraud-detection/{environment}/*"]}]
    key = _statement(state, "StateKey")
    assert key["condition"] == [{"test": "ForAnyValue:StringEquals", "variable": "kms:ResourceAliases",
                                 "values": ["alias/fraud-detection-tfstate-state"]}]


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_named_grants_match_only_the_environments_names(synthesized: SynthesizedApp, environment: str) -> None:
    suffix = SUFFIXES[environment]
    others = [s for e, s in SUFFIXES.items() if e != environment]
    for group, document in role_documents(synthesized, ACCOUNT, environment).items():
        for statement in as_iam_json(synthesized, ACCOUNT, document)["Statement"]:
            for resource in statement.get("Resource", []):
                if "fraud-" in resource and "tfstate" not in resource:
                    assert f"-{suffix}" in resource, (group, statement["Sid"], resource)
                    assert not any(resource.endswith(f"-{o}") or f"-{o}-" in resource or f"-{o}/" in resource
                                   for o in others), (group, resource)


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_no_grant_reaches_the_deploy_roles_and_a_deny_guards_them(
    synthesized: SynthesizedApp, environment: str
) -> None:
    documents = {g: as_iam_json(synthesized, ACCOUNT, d)
                 for g, d in role_documents(synthesized, ACCOUNT, environment).items()}
    deploy_arns = [f"arn:aws:iam::123456789012:role/github-deploy/fraud-deploy-{e}" for e in SUFFIXES] + [
        f"arn:aws:iam::123456789012:policy/github-deploy/fraud-deploy-{e}-{p}" for e in SUFFIXES for p in POLICIES
    ]
    allows = [s for d in documents.values() for s in d["Statement"] if s["Effect"] == "Allow"]
    for statement in allows:
        iam_actions = [a for a in statement["Action"] if a.startswith("iam:")]
        for resource in statement.get("Resource", []):
            if iam_actions:
                assert not any(fnmatch.fnmatchcase(arn, resource) for arn in deploy_arns), (statement["Sid"], resource)
    [deny] = [s for d in documents.values() for s in d["Statement"] if s["Sid"] == "DeployRolesUntouchable"]
    assert (deny["Effect"], deny["Action"]) == ("Deny", ["iam:*"])
    boundary = f"arn:aws:iam::123456789012:policy/github-deploy/fraud-boundary-{environment}"
    assert all(any(fnmatch.fnmatchcase(arn, r) for r in deny["Resource"]) for arn in [*deploy_arns, boundary])


# IAM's default quotas: managed policies attached per role, characters per managed policy (whitespace
# not counted), characters of a role's inline policies together.
MANAGED_POLICIES_PER_ROLE = 10
MANAGED_POLICY_CHARACTERS = 6144


def test_no_role_attaches_more_managed_policies_than_iam_allows(synthesized: SynthesizedApp) -> None:
    for stack in (ACCOUNT, LOCAL_ACCOUNT):
        roles = synthesized.resources(stack, "aws_iam_role")
        attached = Counter(a["role"] for a in synthesized.resources(stack, "aws_iam_role_policy_attachment").values())
        assert attached, "the CI roles attach managed policies"
        for reference, count in attached.items():
            role_id = reference.removeprefix("${aws_iam_role.").removesuffix(".name}")
            assert role_id in roles, reference
            assert not roles[role_id].get("managed_policy_arns"), "attachments are counted from one place"
            assert count <= MANAGED_POLICIES_PER_ROLE, (stack, roles[role_id]["name"], count)


def worst_case_size(app: SynthesizedApp, document: dict[str, Any]) -> int:
    """Characters of the policy IAM stores, bounded from above: compact JSON, every list kept a list,
    every reference and the region at the longest value they could take (see account_policies.resolve)."""
    return len(json.dumps(as_iam_json(app, ACCOUNT, document, worst_case=True), separators=(",", ":")))


@pytest.mark.parametrize(("environment", "access"), [(e, a) for e in sorted(SUFFIXES) for a in ("deploy", "plan")])
def test_every_policy_of_a_ci_role_fits_iams_managed_policy_size(
    synthesized: SynthesizedApp, environment: str, access: str
) -> None:
    documents = role_documents(synthesized, ACCOUNT, environment, access)
    sizes = {group: worst_case_size(synthesized, d) for group, d in documents.items()}
    assert len(sizes) <= MANAGED_POLICIES_PER_ROLE
    assert {g: n for g, n in sizes.items() if n > MANAGED_POLICY_CHARACTERS} == {}
    # The bound is above the real size: the same document with the test's own values is shorter.
    assert all(len(json.dumps(as_iam_json(synthesized, ACCOUNT, d), separators=(",", ":"))) < sizes[g]
               for g, d in documents.items())


def test_the_boundaries_fit_iams_managed_policy_size(synthesized: SynthesizedApp) -> None:
    for environment in SUFFIXES:
        document = policy_document_of(synthesized, ACCOUNT, f"fraud-boundary-{environment}")
        assert worst_case_size(synthesized, document) <= MANAGED_POLICY_CHARACTERS


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_the_plan_role_only_reads(synthesized: SynthesizedApp, environment: str) -> None:
    documents = role_documents(synthesized, ACCOUNT, environment, "plan")
    assert set(documents) == set(role_documents(synthesized, ACCOUNT, environment))
    actions = [a for d in documents.values() for s in d["statement"] for a in s["actions"]]
    assert all(s["effect"] == "Allow" for d in documents.values() for s in d["statement"])
    verbs = {a.split(":", 1)[1] for a in actions}
    assert all(v.startswith(("Describe", "Get", "List", "GET")) or v in {"Decrypt"} for v in verbs), sorted(verbs)
    assert {"s3:GetObject", "s3:ListBucket", "kms:Decrypt", "lambda:GetFunction", "apigateway:GET"} <= set(actions)


def test_every_resource_type_of_an_environment_is_covered_by_a_deploy_grant(synthesized: SynthesizedApp) -> None:
    prefixes = [p for group in RESOURCE_TYPE_GROUPS.values() for p in group]
    for stack in ("fraud-detection-dev", "fraud-detection-prod", "fraud-detection-dev-network",
                  "fraud-detection-prod-network"):
        uncovered = [t for t in synthesized.stack(stack)["resource"] if not any(t.startswith(p) for p in prefixes)]
        assert uncovered == [], f"{stack}: add deploy permissions for {uncovered} to modules/ci/deploy_permissions.py"


# Resource type -> (name attribute, ARN of a resource with that name, as IAM evaluates it).
_NAMED = {
    "aws_iam_role": ("name", "arn:aws:iam::123456789012:role/{}"),
    "aws_lambda_function": ("function_name", "arn:aws:lambda:us-east-1:123456789012:function:{}"),
    "aws_dynamodb_table": ("name", "arn:aws:dynamodb:us-east-1:123456789012:table/{}"),
    "aws_sqs_queue": ("name", "arn:aws:sqs:us-east-1:123456789012:{}"),
    "aws_sns_topic": ("name", "arn:aws:sns:us-east-1:123456789012:{}"),
    "aws_cloudwatch_log_group": ("name", "arn:aws:logs:us-east-1:123456789012:log-group:{}"),
    "aws_cloudwatch_metric_alarm": ("alarm_name", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:{}"),
    "aws_cloudwatch_dashboard": ("dashboard_name", "arn:aws:cloudwatch::123456789012:dashboard/{}"),
    "aws_cloudwatch_event_rule": ("name", "arn:aws:events:us-east-1:123456789012:rule/{}"),
    "aws_kms_alias": ("name", "arn:aws:kms:us-east-1:123456789012:{}"),
    "aws_lambda_layer_version": ("layer_name", "arn:aws:lambda:us-east-1:123456789012:layer:{}"),
}


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_every_named_resource_of_the_environment_is_within_a_deploy_grant(
    synthesized: SynthesizedApp, environment: str
) -> None:
    granted = [
        (statement["Action"], resource)
        for document in role_documents(synthesized, ACCOUNT, environment).values()
        for statement in as_iam_json(synthesized, ACCOUNT, document)["Statement"] if statement["Effect"] == "Allow"
        for resource in statement.get("Resource", [])
    ]
    # The environment's pipeline and network stacks: the same deploy role deploys both.
    stacks = (f"fraud-detection-{environment}", f"fraud-detection-{environment}-network")
    missing = []
    for (resource_type, (attribute, arn)), stack in itertools.product(_NAMED.items(), stacks):
        for resource in synthesized.resources(stack, resource_type).values():
            target = arn.format(resource[attribute])
            service = target.split(":")[2]
            # Resource "*" statements hold lookups only (test above); they do not count as a grant here.
            if not any(fnmatch.fnmatchcase(target, pattern) for actions, pattern in granted
                       if actions[0].startswith(f"{service}:") and pattern != "*"):
                missing.append(target)
    assert missing == []


def test_regional_grants_name_the_environments_region(synthesized: SynthesizedApp) -> None:
    for document in role_documents(synthesized, ACCOUNT, "dev").values():
        for statement in as_iam_json(synthesized, ACCOUNT, document)["Statement"]:
            if statement.get("Resource") == ["*"] and statement["Effect"] == "Allow":
                assert statement["Condition"]["StringEquals"]["aws:RequestedRegion"] == ["us-east-1"]
            for resource in statement.get("Resource", []):
                service, region = [*resource.split(":"), "", "", ""][2:4]
                if service in {"ec2", "lambda", "sqs", "sns", "logs", "events", "dynamodb", "kms", "apigateway"}:
                    assert region in {"us-east-1"} or "tfstate" in resource, resource


def test_the_github_repository_comes_from_settings() -> None:
    assert resolve_settings({}, {}).github_repository == REPOSITORY
    assert resolve_settings({}, {"githubRepository": "acme/payments"}).github_repository == "acme/payments"
    assert resolve_settings({"FRAUD_GITHUB_REPOSITORY": "a/b"}, {"githubRepository": "c/d"}).github_repository == "a/b"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"github_repository": "no-slash"}, "owner"),
        ({"github_repository": "org/repo:environment:prod"}, "owner"),
        ({"environment": "dev*"}, "plain names"),
        ({"role_path": "github-deploy"}, "role_path"),
        ({"max_session_seconds": 60}, "max_session_seconds"),
        ({"access": "admin"}, "access"),
        ({"required_ref": "main"}, "required_ref"),
        ({"required_ref": "refs/heads/*"}, "required_ref"),
    ],
)
def test_deploy_role_props_reject_what_would_widen_or_break_the_trust(change: dict[str, Any], message: str) -> None:
    props: dict[str, Any] = {
        "environment": "dev", "name_suffix": "dev", "github_repository": REPOSITORY, "oidc_provider_arn": "arn",
        "state": StateAccess(bucket="b", region="us-east-1", key_prefix="p", kms_alias="a"), "region": "us-east-1",
        "context": None, "permissions_boundary_arn": "arn:aws:iam::123456789012:policy/github-deploy/b",
    }
    with pytest.raises(ValueError, match=message):
        DeployRoleProps(**{**props, **change})


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_each_environment_has_a_boundary_that_never_allows_administration(
    synthesized: SynthesizedApp, environment: str
) -> None:
    [policy] = [p for p in synthesized.resources(ACCOUNT, "aws_iam_policy").values()
                if p["name"] == f"fraud-boundary-{environment}"]
    assert policy["path"] == "/github-deploy/", "under the path every deploy is denied to touch"
    document = as_iam_json(synthesized, ACCOUNT, policy_document_of(synthesized, ACCOUNT, policy["name"]))
    allowed = [a for s in document["Statement"] if s["Effect"] == "Allow" for a in s["Action"]]
    assert not [a for a in allowed if a.split(":")[0] in {"iam", "sts", "organizations", "account"}]
    assert not [a for a in allowed if a.startswith("kms:") and a not in {"kms:Decrypt", "kms:Encrypt",
                                                                        "kms:GenerateDataKey", "kms:GenerateMac"}]
    [never] = [s for s in document["Statement"] if s["Effect"] == "Deny"]
    assert {"iam:*", "sts:*", "organizations:*", "account:*", "kms:Schedule*", "kms:Put*"} <= set(never["Action"])
    names = f"fraud-*-{SUFFIXES[environment]}"
    # Every resource is the environment's by name; keys, named by id, by their alias.
    keys = next(s for s in document["Statement"] if s["Sid"] == "EnvironmentKeyUse")
    assert keys["Condition"] == {"ForAnyValue:StringLike": {"kms:ResourceAliases": [f"alias/{names}"]}}
    resources = [r for s in document["Statement"] if s["Effect"] == "Allow" and s is not keys
                 for r in s["Resource"] if r != "*"]
    assert resources and all(names in r for r in resources), resources
    assert f"permissions_boundary_arn_{environment}" in synthesized.stack(ACCOUNT)["output"]


def test_an_environment_in_another_region_is_refused_by_this_regions_account_stack() -> None:
    # Signer profiles and code signing configurations are regional: they belong to the account stack
    # of the environment's own region.
    from cdktf import Testing

    from stacks.account_stack import AccountStack
    from stacks.config import load_environments

    elsewhere = replace(load_environments()["prod"], region="eu-west-1")
    settings = resolve_settings({}, {})
    with pytest.raises(ValueError, match="deploys to eu-west-1: its signing profile and configuration belong"):
        AccountStack(Testing.app(), "account", region="us-east-1", state=settings.state, state_key="account",
                     github_repository=REPOSITORY, environments=[elsewhere])


# Resources AWS names by id: with dev, staging and prod in one account, only a condition can tell
# whose they are.
_ID_NAMED = re.compile(r":kms:[^:]*:[^:]*:key/|:ec2:|:apigateway:|log-group:API-Gateway-Execution-Logs_")
_ENVIRONMENT_KEYS = ("aws:ResourceTag/Environment", "aws:RequestTag/Environment", "kms:ResourceAliases")
# Documented in UNSCOPED_BY_ENVIRONMENT (modules/ci/deploy_permissions.py): WAF names the stage without
# a condition (apigateway:SetWebACL, tag-scoped, guards it); the default security group is adopted untagged.
_UNCONDITIONED_BY_DESIGN = {"WebAclManage"}


@pytest.mark.parametrize(("environment", "access"), [(e, a) for e in sorted(SUFFIXES) for a in ("deploy", "plan")])
def test_every_grant_on_resources_named_by_id_is_conditioned_on_the_environment(
    synthesized: SynthesizedApp, environment: str, access: str
) -> None:
    unconditioned = []
    for document in role_documents(synthesized, ACCOUNT, environment, access).values():
        for statement in document["statement"]:
            if statement["effect"] != "Allow" or statement["sid"] in _UNCONDITIONED_BY_DESIGN:
                continue
            if not any(_ID_NAMED.search(r) for r in statement.get("resources", [])):
                continue
            variables = {c["variable"] for c in statement.get("condition", [])}
            if not any(v.startswith(_ENVIRONMENT_KEYS) for v in variables):
                unconditioned.append(statement["sid"])
    assert unconditioned == []
