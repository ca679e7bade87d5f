"""What each environment's deploy and plan roles, and the roles its pipeline creates, may and may not do,
evaluated on the synthesized policies (references resolved) with tests/security/iam_evaluator.py.

Allowed: what a normal deploy of the stack does. Denied: creating a role without the environment's
boundary (or with another one), removing a boundary, editing or deleting the boundary policy,
passing a role that is not the pipeline's or to another service, attaching AdministratorAccess,
acting on another environment's roles; and, for a pipeline role whatever its own policy says
(here: everything), anything outside the boundary. The table is written to
build/policy-evaluation.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from modules.ci.permissions_boundary import boundary_policy_name
from tests.conftest import SynthesizedApp
from tests.security.iam_evaluator import Decision, Request, evaluate
from tests.stacks.account_policies import ACCOUNT, ACCOUNT_ID, documents, policy_document_of, resolve

TABLE = Path("build") / "policy-evaluation.md"
SUFFIXES = {"dev": "dev", "staging": "stg", "prod": "prod"}
OTHER = {"dev": "prod", "staging": "dev", "prod": "staging"}
Principal = Literal["deploy", "plan", "pipeline role"]


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


def attempts(environment: str) -> list[Attempt]:
    """The table of one environment."""
    sfx, other = SUFFIXES[environment], OTHER[environment]
    boundary = _iam(f"policy/github-deploy/{boundary_policy_name(environment)}")
    own_role = _iam(f"role/fraud-analyzer-{sfx}")
    with_boundary = {"iam:PermissionsBoundary": boundary}
    region = {"aws:RequestedRegion": "us-east-1"}
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
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
        ("deploy", "create a function",
         Request("lambda:CreateFunction", _regional("lambda", f"function:fraud-analyzer-{sfx}")), "allowed"),
        ("deploy", "create the transactions table",
         Request("dynamodb:CreateTable", _regional("dynamodb", f"table/fraud-transactions-{sfx}")), "allowed"),
        ("deploy", "create the fraud queue", Request("sqs:CreateQueue", _regional("sqs", f"fraud-queue-{sfx}")),
         "allowed"),
        ("deploy", "create the environment's key", Request("kms:CreateKey", "*", region), "allowed"),
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
        ("deploy", "change its own trust policy",
         Request("iam:UpdateAssumeRolePolicy", _iam(f"role/github-deploy/fraud-deploy-{environment}")), "denied"),
        ("plan", "read a function role", Request("iam:GetRole", own_role), "allowed"),
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
    return [Attempt(p, w, r, e) for p, w, r, e in rows]  # type: ignore[arg-type]


# Whatever a deploy might write into a pipeline role's policy: the boundary alone must hold.
_EVERYTHING = [{"sid": "Everything", "effect": "Allow", "actions": ["*"], "resources": ["*"]}]


def _statements(app: SynthesizedApp, docs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for d in docs.values() for s in resolve(app, ACCOUNT, d)["statement"]]


def decide(app: SynthesizedApp, environment: str, attempt: Attempt) -> Decision:
    """The evaluator's decision for one attempt."""
    if attempt.principal == "pipeline role":
        boundary = resolve(app, ACCOUNT, policy_document_of(app, ACCOUNT, boundary_policy_name(environment)))
        return evaluate(attempt.request, _EVERYTHING, boundary["statement"])
    return evaluate(attempt.request, _statements(app, documents(app, ACCOUNT, environment, attempt.principal)))


@pytest.fixture(scope="module")
def table(synthesized: SynthesizedApp) -> list[tuple[str, Attempt, Decision]]:
    rows = [(env, a, decide(synthesized, env, a)) for env in SUFFIXES for a in attempts(env)]
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
    assert outcomes == {(p, d) for p in ("deploy", "plan", "pipeline role") for d in ("allowed", "denied")}
