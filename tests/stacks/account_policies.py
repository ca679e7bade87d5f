"""Reading the account stack's CI roles and boundaries from the synthesized JSON, with references
resolved to what IAM would see (account 123456789012, partition aws)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import SynthesizedApp

ACCOUNT = "fraud-detection-account-us-east-1"
ACCOUNT_ID = "123456789012"
_REF = re.compile(r"^\$\{(?:data\.)?[a-z_]+\.([^.]+)\.(json|arn)\}$")
_POLICY_ARN = re.compile(r"\$\{aws_iam_policy\.([^.}]+)\.arn\}")
_SIGNING_PROFILE_ARN = re.compile(r"\$\{aws_signer_signing_profile\.([^.}]+)\.arn\}")
_CODE_SIGNING_CONFIG_ARN = re.compile(r"\$\{aws_lambda_code_signing_config\.([^.}]+)\.arn\}")
# What IAM would see once references resolve: enough to measure sizes and match patterns.
_RESOLVED = {
    r"\$\{data\.aws_partition\.[^}]+\}": "aws",
    r"\$\{data\.aws_caller_identity\.[^}]+\}": ACCOUNT_ID,
    r"\$\{aws_iam_openid_connect_provider\.[^}]+\}": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/x",
}


def ref_id(reference: str) -> str:
    """Logical id a `${type.id.json|arn}` reference points at."""
    match = _REF.match(reference)
    assert match, reference
    return match.group(1)


def role(app: SynthesizedApp, stack: str, environment: str, access: str = "deploy") -> tuple[str, dict[str, Any]]:
    """The environment's deploy (or plan) role: logical id and attributes."""
    name = f"fraud-{access}-{environment}"
    roles = [(k, r) for k, r in app.resources(stack, "aws_iam_role").items() if r["name"] == name]
    assert len(roles) == 1, roles
    return roles[0]


def documents(app: SynthesizedApp, stack: str, environment: str, access: str = "deploy") -> dict[str, dict[str, Any]]:
    """Group -> policy document attached to the environment's deploy (or plan) role."""
    role_id, _ = role(app, stack, environment, access)
    policies = app.resources(stack, "aws_iam_policy")
    docs = app.data(stack, "aws_iam_policy_document")
    found = {}
    for attachment in app.resources(stack, "aws_iam_role_policy_attachment").values():
        if attachment["role"] != f"${{aws_iam_role.{role_id}.name}}":
            continue
        policy = policies[ref_id(attachment["policy_arn"])]
        group = policy["name"].removeprefix(f"fraud-{access}-{environment}-")
        found[group] = docs[ref_id(policy["policy"])]
    return found


def _profile_arn(profile: dict[str, Any]) -> str:
    # Terraform completes the name prefix; one suffix stands in for it.
    return f"arn:aws:signer:us-east-1:{ACCOUNT_ID}:/signing-profiles/{profile['name_prefix']}1"


def _config_arn(logical_id: str) -> str:
    # A configuration's id is AWS's: the logical id stands in for it, distinct per environment.
    return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:code-signing-config:csc-{logical_id}"


def code_signing_arns(app: SynthesizedApp, stack: str, environment: str) -> tuple[str, str]:
    """(signing profile ARN, code signing configuration ARN) of an environment, as `resolve` renders them."""
    def at(resource_type: str, path: str) -> tuple[str, dict[str, Any]]:
        [found] = [(k, r) for k, r in app.resources(stack, resource_type).items()
                   if r["//"]["metadata"]["path"].endswith(f"/code-signing-{environment}/{path}")]
        return found

    _, profile = at("aws_signer_signing_profile", "profile")
    config_id, _ = at("aws_lambda_code_signing_config", "config")
    return _profile_arn(profile), _config_arn(config_id)


def policy_document_of(app: SynthesizedApp, stack: str, policy_name: str) -> dict[str, Any]:
    """The document of the customer-managed policy named `policy_name`."""
    [policy] = [p for p in app.resources(stack, "aws_iam_policy").values() if p["name"] == policy_name]
    return app.data(stack, "aws_iam_policy_document")[ref_id(policy["policy"])]


def resolve(app: SynthesizedApp, stack: str, document: dict[str, Any]) -> dict[str, Any]:
    """The document with references replaced by the values IAM would see (statements keep the
    rendered form: sid, effect, actions, resources, condition)."""
    policies = app.resources(stack, "aws_iam_policy")
    text = json.dumps(document)
    text = _POLICY_ARN.sub(
        lambda m: f"arn:aws:iam::{ACCOUNT_ID}:policy{policies[m.group(1)]['path']}{policies[m.group(1)]['name']}", text
    )
    profiles = app.resources(stack, "aws_signer_signing_profile")
    text = _SIGNING_PROFILE_ARN.sub(lambda m: _profile_arn(profiles[m.group(1)]), text)
    text = _CODE_SIGNING_CONFIG_ARN.sub(lambda m: _config_arn(m.group(1)), text)
    for pattern, value in _RESOLVED.items():
        text = re.sub(pattern, value, text)
    assert "${" not in text, f"unresolved reference left in {text[:200]}"
    return json.loads(text)


def as_iam_json(app: SynthesizedApp, stack: str, document: dict[str, Any]) -> dict[str, Any]:
    """The document as IAM receives it (keys renamed, references replaced)."""
    statements = []
    for s in resolve(app, stack, document)["statement"]:
        rendered: dict[str, Any] = {"Sid": s["sid"], "Effect": s["effect"], "Action": s["actions"]}
        if "resources" in s:
            rendered["Resource"] = s["resources"]
        for c in s.get("condition", []):
            rendered.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = c["values"]
        statements.append(rendered)
    return {"Version": "2012-10-17", "Statement": statements}
