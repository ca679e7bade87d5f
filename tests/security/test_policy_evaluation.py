"""What each environment's deploy and plan roles, and the roles its pipeline creates, may and may not do,
evaluated on the synthesized policies (references resolved) with tests/security/iam_evaluator.py.

Allowed: what a normal deploy of the stack does. Denied: creating a role without the environment's
boundary (or with another one), removing a boundary, editing or deleting the boundary policy,
passing a role that is not the pipeline's or to another service, attaching AdministratorAccess,
acting on another environment's roles, creating a function without the environment's code signing
configuration, signing with another profile, changing or detaching the signing control, writing
another environment's packages (and, for the plan role, any upload or signing job); and, for a
pipeline role whatever its own policy says (here: everything), anything outside the boundary.

The API's callers, each with an identity policy allowing every `execute-api:Invoke`, against the REST
API's resource policy: producers post and read transactions and never post labels; outcome
reporters post labels and nothing else; any other principal of the account, or another
environment's reporters, get nothing. The table is written to build/policy-evaluation.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from modules.ci.permissions_boundary import boundary_policy_name
from tests.conftest import SynthesizedApp
from tests.security.iam_evaluator import Decision, Request, evaluate, evaluate_with_resource_policy
from tests.stacks.account_policies import (
    ACCOUNT,
    ACCOUNT_ID,
    code_signing_arns,
    documents,
    policy_document_of,
    ref_id,
    resolve,
)

TABLE = Path("build") / "policy-evaluation.md"
SUFFIXES = {"dev": "dev", "staging": "stg", "prod": "prod"}
OTHER = {"dev": "prod", "staging": "dev", "prod": "staging"}
Principal = Literal["deploy", "plan", "pipeline role", "producer", "outcome reporter", "account principal"]
API_CALLERS = ("producer", "outcome reporter", "account principal")
API_ID = "restapi01"


@dataclass(frozen=True)
class Attempt:
    """One row of the table: who tries what, and what must happen."""

    principal: Principal
    what: str
    request: Request
    expected: Decision


def _iam(resource: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:{resource}"


def _regional(service: str, resource: str) -> str:
    return f"arn:aws:{service}:us-east-1:{ACCOUNT_ID}:{resource}"


def attempts(app: SynthesizedApp, environment: str) -> list[Attempt]:
    """The table of one environment."""
    sfx, other = SUFFIXES[environment], OTHER[environment]
    profile, config = code_signing_arns(app, ACCOUNT, environment)
    other_profile, other_config = code_signing_arns(app, ACCOUNT, other)
    function = _regional("lambda", f"function:fraud-analyzer-{sfx}")
    boundary = _iam(f"policy/github-deploy/{boundary_policy_name(environment)}")
    own_role = _iam(f"role/fraud-analyzer-{sfx}")
    with_boundary = {"iam:PermissionsBoundary": boundary}
    region = {"aws:RequestedRegion": "us-east-1"}
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    artifacts = f"arn:aws:s3:::fraud-artifacts-{sfx}-0001"
    signing_job = _regional("signer", "/signing-jobs/0a1b2c3d-job")
    rows = [
        ("deploy", "create a function role with the boundary", Request("iam:CreateRole", own_role, with_boundary),
         "allowed"),
        ("deploy", "write a function role's inline policy", Request("iam:PutRolePolicy", own_role, with_boundary),
         "allowed"),
        ("deploy", "pass a function role to Lambda",
         Request("iam:PassRole", own_role, {"iam:PassedToService": "lambda.amazonaws.com"}), "allowed"),
        ("deploy", "pass the flow-log role to VPC flow logs",
         Request("iam:PassRole", _iam(f"role/fraud-network-{sfx}-flow-logs"),
                 {"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}), "allowed"),
        ("deploy", "create a function with the environment's code signing config",
         Request("lambda:CreateFunction", function, {"lambda:CodeSigningConfigArn": config}), "allowed"),
        ("deploy", "sign a package with the environment's profile", Request("signer:StartSigningJob", profile),
         "allowed"),
        ("deploy", "upload a package to its artifacts bucket",
         Request("s3:PutObject", f"{artifacts}/uploads/transaction_api.zip"), "allowed"),
        ("deploy", "read the signed package Lambda deploys from",
         Request("s3:GetObject", f"{artifacts}/signed/transaction_api/job-1.zip"), "allowed"),
        ("deploy", "wait on a signing job", Request("signer:DescribeSigningJob", signing_job), "allowed"),
        ("deploy", "read the name of the environment's signing profile",
         Request("ssm:GetParameter", _regional("ssm", f"parameter/fraud-{sfx}/signing-profile-name")), "allowed"),
        ("deploy", f"upload a package to the {other} artifacts bucket",
         Request("s3:PutObject", f"arn:aws:s3:::fraud-artifacts-{SUFFIXES[other]}-0001/uploads/notifier.zip"),
         "denied"),
        ("deploy", "point the environment at another signing profile",
         Request("ssm:PutParameter", _regional("ssm", f"parameter/fraud-{sfx}/signing-profile-name")), "denied"),
        ("deploy", "create the transactions table",
         Request("dynamodb:CreateTable", _regional("dynamodb", f"table/fraud-transactions-{sfx}")), "allowed"),
        ("deploy", "create the fraud queue", Request("sqs:CreateQueue", _regional("sqs", f"fraud-queue-{sfx}")),
         "allowed"),
        ("deploy", "create the environment's key (tagged with it)",
         Request("kms:CreateKey", "*", {**region, "aws:RequestTag/Environment": environment,
                                        "aws:TagKeys": ["Environment"]}), "allowed"),
        ("deploy", "create a role without a boundary", Request("iam:CreateRole", own_role), "denied"),
        ("deploy", "create a role bounded by AdministratorAccess",
         Request("iam:CreateRole", own_role, {"iam:PermissionsBoundary": admin}), "denied"),
        ("deploy", "replace a role's boundary",
         Request("iam:PutRolePermissionsBoundary", own_role, {"iam:PermissionsBoundary": admin}), "denied"),
        ("deploy", "remove a role's boundary", Request("iam:DeleteRolePermissionsBoundary", own_role, with_boundary),
         "denied"),
        ("deploy", "edit the boundary policy", Request("iam:CreatePolicyVersion", boundary), "denied"),
        ("deploy", "delete the boundary policy", Request("iam:DeletePolicy", boundary), "denied"),
        ("deploy", "pass a foreign role to Lambda",
         Request("iam:PassRole", _iam("role/admin"), {"iam:PassedToService": "lambda.amazonaws.com"}), "denied"),
        ("deploy", "pass a function role to EC2",
         Request("iam:PassRole", own_role, {"iam:PassedToService": "ec2.amazonaws.com"}), "denied"),
        ("deploy", "attach AdministratorAccess to a function role",
         Request("iam:AttachRolePolicy", own_role, {**with_boundary, "iam:PolicyARN": admin}), "denied"),
        ("deploy", f"create a role of {other}",
         Request("iam:CreateRole", _iam(f"role/fraud-analyzer-{SUFFIXES[other]}"),
                 {"iam:PermissionsBoundary": _iam(f"policy/github-deploy/{boundary_policy_name(other)}")}), "denied"),
        ("deploy", "create a function without a code signing config", Request("lambda:CreateFunction", function),
         "denied"),
        ("deploy", f"create a function with the {other} code signing config",
         Request("lambda:CreateFunction", function, {"lambda:CodeSigningConfigArn": other_config}), "denied"),
        ("deploy", f"sign a package with the {other} profile", Request("signer:StartSigningJob", other_profile),
         "denied"),
        ("deploy", "loosen the code signing config to Warn", Request("lambda:UpdateCodeSigningConfig", config),
         "denied"),
        ("deploy", "detach a function's code signing config",
         Request("lambda:DeleteFunctionCodeSigningConfig", function), "denied"),
        ("deploy", "change the signing profile", Request("signer:PutSigningProfile", profile), "denied"),
        ("deploy", "cancel the signing profile", Request("signer:CancelSigningProfile", profile), "denied"),
        ("deploy", "point the environment at another code signing config",
         Request("ssm:PutParameter", _regional("ssm", f"parameter/fraud-{sfx}/code-signing-config-arn")), "denied"),
        ("deploy", "change its own trust policy",
         Request("iam:UpdateAssumeRolePolicy", _iam(f"role/github-deploy/fraud-deploy-{environment}")), "denied"),
        ("plan", "read a function role", Request("iam:GetRole", own_role), "allowed"),
        ("plan", "read an uploaded package", Request("s3:GetObject", f"{artifacts}/uploads/transaction_api.zip"),
         "allowed"),
        ("plan", "refresh a signing job", Request("signer:DescribeSigningJob", signing_job), "allowed"),
        ("plan", "read the signing profile", Request("signer:GetSigningProfile", profile), "allowed"),
        ("plan", "upload a package", Request("s3:PutObject", f"{artifacts}/uploads/transaction_api.zip"), "denied"),
        ("plan", "sign a package", Request("signer:StartSigningJob", profile), "denied"),
        ("plan", "create a role with the boundary", Request("iam:CreateRole", own_role, with_boundary), "denied"),
        ("plan", "write a function role's inline policy", Request("iam:PutRolePolicy", own_role, with_boundary),
         "denied"),
        ("pipeline role", "send to its environment's fraud queue",
         Request("sqs:SendMessage", _regional("sqs", f"fraud-queue-{sfx}")), "allowed"),
        ("pipeline role", f"send to the {other} fraud queue",
         Request("sqs:SendMessage", _regional("sqs", f"fraud-queue-{SUFFIXES[other]}")), "denied"),
        ("pipeline role", "create an IAM user", Request("iam:CreateUser", _iam("user/intruder")), "denied"),
        ("pipeline role", "assume another role", Request("sts:AssumeRole", _iam("role/admin")), "denied"),
        ("pipeline role", "schedule the deletion of its key",
         Request("kms:ScheduleKeyDeletion", _regional("kms", "key/1234"),
                 {"kms:ResourceAliases": [f"alias/fraud-pipeline-{sfx}"]}), "denied"),
        ("pipeline role", "read the Terraform state",
         Request("s3:GetObject", "arn:aws:s3:::fraud-detection-tfstate/fraud-detection/prod/terraform.tfstate"),
         "denied"),
    ]
    return [*(Attempt(p, w, r, e) for p, w, r, e in rows), *api_attempts(environment)]  # type: ignore[misc]


def _invoke(route: str, caller: str) -> Request:
    method, path = route.split(" ")
    return Request("execute-api:Invoke", f"arn:aws:execute-api:us-east-1:{ACCOUNT_ID}:{API_ID}/v1/{method}{path}",
                   {"aws:PrincipalArn": _iam(caller), "aws:PrincipalAccount": ACCOUNT_ID})


def api_attempts(environment: str) -> list[Attempt]:
    """Who may call which route of the environment's API (its resource policy)."""
    sfx, other = SUFFIXES[environment], SUFFIXES[OTHER[environment]]
    producer, analysts, chargebacks = (f"role/fraud-producer-payments-{sfx}", f"role/fraud-analysts-{sfx}",
                                       f"role/fraud-chargebacks-{sfx}")
    post, get, label = "POST /transactions", "GET /transactions/t-1", "POST /transactions/t-1/label"
    rows = [
        ("producer", "post a transaction", post, producer, "allowed"),
        ("producer", "read a transaction", get, producer, "allowed"),
        ("producer", "post a label", label, producer, "denied"),
        ("outcome reporter", "post a label (analysts)", label, analysts, "allowed"),
        ("outcome reporter", "post a label (chargebacks)", label, chargebacks, "allowed"),
        ("outcome reporter", "post a transaction", post, chargebacks, "denied"),
        ("outcome reporter", "read a transaction", get, analysts, "denied"),
        ("outcome reporter", f"post a label as the {OTHER[environment]} chargebacks role", label,
         f"role/fraud-chargebacks-{other}", "denied"),
        ("account principal", "post a label", label, "role/admin", "denied"),
        ("account principal", "post a transaction", post, "role/admin", "denied"),
    ]
    return [Attempt(p, w, _invoke(route, caller), e) for p, w, route, caller, e in rows]  # type: ignore[arg-type]


# Every caller's own policy allows every invocation: only the API's resource policy keeps them apart.
_INVOKE_ANYTHING = [{"sid": "InvokeAnything", "effect": "Allow", "actions": ["execute-api:Invoke"], "resources": ["*"]}]
_API_REFERENCES = {
    r"\$\{aws_api_gateway_rest_api\.[^.}]+\.execution_arn\}": f"arn:aws:execute-api:us-east-1:{ACCOUNT_ID}:{API_ID}",
    r"\$\{data\.aws_partition\.[^.}]+\.partition\}": "aws",
    r"\$\{data\.aws_caller_identity\.[^.}]+\.account_id\}": ACCOUNT_ID,
}


def api_resource_policy(app: SynthesizedApp, environment: str) -> list[dict[str, Any]]:
    """The statements of the environment's REST API resource policy, references resolved."""
    stack = f"fraud-detection-{environment}"
    [policy] = app.resources(stack, "aws_api_gateway_rest_api_policy").values()
    text = json.dumps(app.data(stack, "aws_iam_policy_document")[ref_id(policy["policy"])]["statement"])
    for pattern, value in _API_REFERENCES.items():
        text = re.sub(pattern, value, text)
    assert "${" not in text, f"unresolved reference left in {text[:200]}"
    return list(json.loads(text))


# Whatever a deploy might write into a pipeline role's policy: the boundary alone must hold.
_EVERYTHING = [{"sid": "Everything", "effect": "Allow", "actions": ["*"], "resources": ["*"]}]


def _statements(app: SynthesizedApp, docs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for d in docs.values() for s in resolve(app, ACCOUNT, d)["statement"]]


def _boundary(app: SynthesizedApp, environment: str) -> list[dict[str, Any]]:
    return resolve(app, ACCOUNT, policy_document_of(app, ACCOUNT, boundary_policy_name(environment)))["statement"]


def decide(app: SynthesizedApp, environment: str, attempt: Attempt) -> Decision:
    """The evaluator's decision for one attempt."""
    if attempt.principal in API_CALLERS:
        return evaluate_with_resource_policy(attempt.request, _INVOKE_ANYTHING, api_resource_policy(app, environment))
    if attempt.principal == "pipeline role":
        return evaluate(attempt.request, _EVERYTHING, _boundary(app, environment))
    return evaluate(attempt.request, _statements(app, documents(app, ACCOUNT, environment, attempt.principal)))


@pytest.fixture(scope="module")
def table(synthesized: SynthesizedApp) -> list[tuple[str, Attempt, Decision]]:
    rows = [(env, a, decide(synthesized, env, a)) for env in SUFFIXES for a in attempts(synthesized, env)]
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    lines = ["| environment | principal | attempt | action | expected | evaluated |", "|---|---|---|---|---|---|"]
    lines += [f"| {env} | {a.principal} | {a.what} | `{a.request.action}` | {a.expected} | {got} |"
              for env, a, got in rows]
    TABLE.write_text("\n".join(lines) + "\n")
    return rows


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_every_attempt_gets_the_expected_decision(
    table: list[tuple[str, Attempt, Decision]], environment: str
) -> None:
    wrong = [(a.principal, a.what, a.expected, got)
             for env, a, got in table if env == environment and got != a.expected]
    assert wrong == []


def test_the_table_covers_both_outcomes_for_every_principal(table: list[tuple[str, Attempt, Decision]]) -> None:
    outcomes = {(a.principal, got) for _, a, got in table}
    every = ("deploy", "plan", "pipeline role", "producer", "outcome reporter")
    assert outcomes == {(p, d) for p in every for d in ("allowed", "denied")} | {("account principal", "denied")}


# Synthesized attribute reference -> the ARN AWS would give the resource, from its name in the stack.
_ATTRIBUTE_ARNS = {
    ("aws_dynamodb_table", "arn"): lambda r: _regional("dynamodb", f"table/{r['name']}"),
    ("aws_dynamodb_table", "stream_arn"): lambda r: _regional("dynamodb", f"table/{r['name']}/stream/2026-01-01"),
    ("aws_sqs_queue", "arn"): lambda r: _regional("sqs", r["name"]),
    ("aws_sns_topic", "arn"): lambda r: _regional("sns", r["name"]),
    ("aws_cloudwatch_log_group", "arn"): lambda r: _regional("logs", f"log-group:{r['name']}"),
    ("aws_kms_key", "arn"): lambda r: _regional("kms", "key/1234abcd"),
    ("aws_s3_bucket", "arn"): lambda r: f"arn:aws:s3:::{r['bucket_prefix']}20261130",
}
_REFERENCE = re.compile(r"\$\{(aws_[a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}")


@pytest.mark.parametrize("environment", sorted(SUFFIXES))
def test_everything_the_pipeline_roles_are_granted_fits_inside_the_boundary(
    synthesized: SynthesizedApp, environment: str
) -> None:
    # AWS enforces the boundary, the emulator does not: a grant outside it would pass every local
    # test and fail in the account. Each (action, resource) of every role policy of the stack, with
    # the resource as AWS names it, must be allowed by the boundary alone.
    stack = f"fraud-detection-{environment}"
    body = synthesized.stack(stack)["resource"]
    boundary = _boundary(synthesized, environment)
    alias = {"kms:ResourceAliases": [f"alias/fraud-pipeline-{SUFFIXES[environment]}"],
             "aws:RequestedRegion": "us-east-1"}

    def arn(match: re.Match[str]) -> str:
        return _ATTRIBUTE_ARNS[(match.group(1), match.group(3))](body[match.group(1)][match.group(2)])

    checked, outside = 0, []
    for policy in body["aws_iam_role_policy"].values():
        document = synthesized.data(stack, "aws_iam_policy_document")[ref_id(policy["policy"])]
        for statement in document["statement"]:
            for action in statement["actions"]:
                for pattern in statement["resources"]:
                    resource = _REFERENCE.sub(arn, pattern).replace("*", "x")
                    checked += 1
                    if evaluate(Request(action, resource, alias), _EVERYTHING, boundary) != "allowed":
                        outside.append((statement["sid"], action, resource))
    assert checked > 40
    assert outside == []
