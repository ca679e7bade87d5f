"""The account stack: GitHub's OIDC provider and one deploy role per environment, trusted only by
this repository's jobs in that environment, scoped to that environment's state and names."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import pytest

from modules.ci.deploy_permissions import RESOURCE_TYPE_GROUPS
from modules.ci.deploy_role import DeployRoleProps, StateAccess
from stacks.app_settings import resolve_settings
from tests.conftest import SynthesizedApp

ACCOUNT = "fraud-detection-account-us-east-1"
_APIGW_ROLE = "fraud-apigw-cloudwatch-us-east-1"
LOCAL_ACCOUNT = "fraud-detection-account-local"
REPOSITORY = "example-org/fraud-detection"
SUFFIXES = {"dev": "dev", "staging": "stg", "prod": "prod"}
_REF = re.compile(r"^\$\{(?:data\.)?[a-z_]+\.([^.]+)\.(json|arn)\}$")
# What IAM would see once references resolve: enough to measure sizes and match patterns.
_RESOLVED = {
    r"\$\{data\.aws_partition\.[^}]+\}": "aws",
    r"\$\{data\.aws_caller_identity\.[^}]+\}": "123456789012",
    r"\$\{aws_iam_openid_connect_provider\.[^}]+\}": "arn:aws:iam::123456789012:oidc-provider/x",
}


def _ref_id(reference: str) -> str:
    match = _REF.match(reference)
    assert match, reference
    return match.group(1)


def _role(app: SynthesizedApp, stack: str, environment: str, access: str = "deploy") -> tuple[str, dict[str, Any]]:
    name = f"fraud-{access}-{environment}"
    roles = [(k, r) for k, r in app.resources(stack, "aws_iam_role").items() if r["name"] == name]
    assert len(roles) == 1, roles
    return roles[0]


def _documents(app: SynthesizedApp, stack: str, environment: str, access: str = "deploy") -> dict[str, dict[str, Any]]:
    """Group -> policy document attached to the environment's deploy (or plan) role."""
    role_id, _ = _role(app, stack, environment, access)
    policies = app.resources(stack, "aws_iam_policy")
    documents = app.data(stack, "aws_iam_policy_document")
    found = {}
    for attachment in app.resources(stack, "aws_iam_role_policy_attachment").values():
        if attachment["role"] != f"${{aws_iam_role.{role_id}.name}}":
            continue
        policy = policies[_ref_id(attachment["policy_arn"])]
        group = policy["name"].removeprefix(f"fraud-{access}-{environment}-")
        found[group] = documents[_ref_id(policy["policy"])]
    return found


def _resolved(document: dict[str, Any]) -> dict[str, Any]:
    """The document as IAM receives it (keys renamed, references replaced)."""
    statements = []
    for s in document["statement"]:
        rendered: dict[str, Any] = {"Sid": s["sid"], "Effect": s["effect"], "Action": s["actions"]}
        if "resources" in s:
            rendered["Resource"] = s["resources"]
        for c in s.get("condition", []):
            rendered.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = c["values"]
        statements.append(rendered)
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))
    for pattern, value in _RESOLVED.items():
        text = re.sub(pattern, value, text)
    return json.loads(text)


def _statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in document["statement"] if s["sid"] == sid)


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
    _, role = _role(synthesized, ACCOUNT, environment, access)
    trust = synthesized.data(ACCOUNT, "aws_iam_policy_document")[_ref_id(role["assume_role_policy"])]
    [statement] = trust["statement"]
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    [principal] = statement["principals"]
    assert principal["type"] == "Federated"
    assert principal["identifiers"][0].startswith("${aws_iam_openid_connect_provider.")
    assert sorted((c["test"], c["variable"], c["values"]) for c in statement["condition"]) == [
        ("StringEquals", "token.actions.githubusercontent.com:aud", ["sts.amazonaws.com"]),
        ("StringEquals", "token.actions.githubusercontent.com:sub",
         [f"repo:{REPOSITORY}:environment:{github_environment}"]),
    ]


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_state_access_is_the_environments_key_only(synthesized: SynthesizedApp, environment: str) -> None:
    state = _documents(synthesized, ACCOUNT, environment)["state"]
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
    for group, document in _documents(synthesized, ACCOUNT, environment).items():
        for statement in _resolved(document)["Statement"]:
            for resource in statement.get("Resource", []):
                if "fraud-" in resource and "tfstate" not in resource:
                    assert f"-{suffix}" in resource, (group, statement["Sid"], resource)
                    assert not any(resource.endswith(f"-{o}") or f"-{o}-" in resource or f"-{o}/" in resource
                                   for o in others), (group, resource)


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_no_grant_reaches_the_deploy_roles_and_a_deny_guards_them(
    synthesized: SynthesizedApp, environment: str
) -> None:
    documents = {g: _resolved(d) for g, d in _documents(synthesized, ACCOUNT, environment).items()}
    deploy_arns = [f"arn:aws:iam::123456789012:role/github-deploy/fraud-deploy-{e}" for e in SUFFIXES] + [
        f"arn:aws:iam::123456789012:policy/github-deploy/fraud-deploy-{e}-identity" for e in SUFFIXES
    ]
    allows = [s for d in documents.values() for s in d["Statement"] if s["Effect"] == "Allow"]
    for statement in allows:
        iam_actions = [a for a in statement["Action"] if a.startswith("iam:")]
        for resource in statement.get("Resource", []):
            if iam_actions:
                assert not any(fnmatch.fnmatchcase(arn, resource) for arn in deploy_arns), (statement["Sid"], resource)
    deny = next(s for s in documents["identity"]["Statement"] if s["Effect"] == "Deny")
    assert deny["Action"] == ["iam:*"]
    assert all(any(fnmatch.fnmatchcase(arn, r) for r in deny["Resource"]) for arn in deploy_arns)


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_policies_fit_iams_size_and_attachment_quotas(synthesized: SynthesizedApp, environment: str) -> None:
    documents = _documents(synthesized, ACCOUNT, environment)
    assert len(documents) <= 10, "default quota: ten managed policies per role"
    for group, document in documents.items():
        size = len(json.dumps(_resolved(document), separators=(",", ":")))
        # 6,144 characters per managed policy; keep a margin for longer partitions and account ids.
        assert size < 5500, (group, size)


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_the_plan_role_only_reads(synthesized: SynthesizedApp, environment: str) -> None:
    documents = _documents(synthesized, ACCOUNT, environment, "plan")
    assert set(documents) == set(_documents(synthesized, ACCOUNT, environment))
    actions = [a for d in documents.values() for s in d["statement"] for a in s["actions"]]
    assert all(s["effect"] == "Allow" for d in documents.values() for s in d["statement"])
    verbs = {a.split(":", 1)[1] for a in actions}
    assert all(v.startswith(("Describe", "Get", "List", "GET")) or v in {"Decrypt"} for v in verbs), sorted(verbs)
    assert {"s3:GetObject", "s3:ListBucket", "kms:Decrypt", "lambda:GetFunction", "apigateway:GET"} <= set(actions)


def test_every_resource_type_of_an_environment_is_covered_by_a_deploy_grant(synthesized: SynthesizedApp) -> None:
    prefixes = [p for group in RESOURCE_TYPE_GROUPS.values() for p in group]
    for stack in ("fraud-detection-dev", "fraud-detection-prod"):
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
        for document in _documents(synthesized, ACCOUNT, environment).values()
        for statement in _resolved(document)["Statement"] if statement["Effect"] == "Allow"
        for resource in statement.get("Resource", [])
    ]
    stack = f"fraud-detection-{environment}"
    missing = []
    for resource_type, (attribute, arn) in _NAMED.items():
        for resource in synthesized.resources(stack, resource_type).values():
            target = arn.format(resource[attribute])
            service = target.split(":")[2]
            # Resource "*" statements hold lookups only (test above); they do not count as a grant here.
            if not any(fnmatch.fnmatchcase(target, pattern) for actions, pattern in granted
                       if actions[0].startswith(f"{service}:") and pattern != "*"):
                missing.append(target)
    assert missing == []


def test_regional_grants_name_the_environments_region(synthesized: SynthesizedApp) -> None:
    for document in _documents(synthesized, ACCOUNT, "dev").values():
        for statement in _resolved(document)["Statement"]:
            if statement.get("Resource") == ["*"]:
                assert statement["Condition"] == {"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}}
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
    ],
)
def test_deploy_role_props_reject_what_would_widen_or_break_the_trust(change: dict[str, Any], message: str) -> None:
    props: dict[str, Any] = {
        "environment": "dev", "name_suffix": "dev", "github_repository": REPOSITORY, "oidc_provider_arn": "arn",
        "state": StateAccess(bucket="b", region="us-east-1", key_prefix="p", kms_alias="a"), "region": "us-east-1",
        "context": None,
    }
    with pytest.raises(ValueError, match=message):
        DeployRoleProps(**{**props, **change})
