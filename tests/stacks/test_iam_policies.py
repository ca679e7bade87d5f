"""Every IAM policy document of every stack: no wildcard grants, Resource "*" only for the actions
AWS offers no resource-level permission for and only to the kind of principal that needs them
(functions or deploy roles), no anonymous principal without conditions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from modules.ci.permissions_boundary import boundary_policy_name
from modules.iam import ACTIONS_ON_ANY_RESOURCE, Holder
from tests.conftest import SynthesizedApp
from tests.modules.terraform_json import endpoint_perimeter_documents

_DOC_REF = re.compile(r"^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$")
POLICY_ATTRIBUTES = ("policy", "assume_role_policy")


def _documents(app: SynthesizedApp) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (stack, doc_id, doc)
        for stack in app.stacks
        for doc_id, doc in app.data(stack, "aws_iam_policy_document").items()
    ]


# Identity policies by the resource that attaches them: inline policies of the pipeline's roles
# (functions, flow logs), and the managed policies of the deploy and plan roles; the permissions
# boundaries, managed policies too, cap the pipeline's roles.
_HOLDERS: dict[str, Holder] = {"aws_iam_role_policy": "function", "aws_iam_policy": "deploy"}
_BOUNDARY_PREFIX = boundary_policy_name("")


def _holders(app: SynthesizedApp, stack: str) -> dict[str, Holder]:
    """Document id -> the kind of principal whose identity policy it is."""
    found = {}
    for resource_type, holder in _HOLDERS.items():
        for policy in app.resources(stack, resource_type).values():
            match = _DOC_REF.match(policy["policy"])
            assert match, f"{resource_type} policies come from policy documents"
            found[match.group(1)] = "function" if policy.get("name", "").startswith(_BOUNDARY_PREFIX) else holder
    return found


def _violations(app: SynthesizedApp) -> list[str]:
    problems = []
    for stack, doc_id, doc in _documents(app):
        holder = _holders(app, stack).get(doc_id)
        if doc_id in endpoint_perimeter_documents(app, stack):
            continue
        for statement in doc["statement"]:
            if statement.get("effect", "Allow") != "Allow":
                continue
            where = f"{stack}/{doc_id}/{statement.get('sid')}"
            actions = statement.get("actions", [])
            problems += [f"{where}: wildcard action {a}" for a in actions if a == "*" or a.endswith(":*")]
            # In a resource policy (with principals, e.g. a key policy) "*" is the resource itself.
            if "*" in statement.get("resources", []) and not statement.get("principals"):
                allowed = ACTIONS_ON_ANY_RESOURCE[holder] if holder else {}
                problems += [f"{where}: Resource '*' for {a} ({holder or 'no holder'})"
                             for a in actions if a not in allowed]
            for principal in statement.get("principals", []):
                anonymous = principal["type"] == "*" or "*" in principal["identifiers"]
                if anonymous and not statement.get("condition"):
                    problems.append(f"{where}: principal '*' without conditions")
    return problems


def test_the_app_has_policy_documents_to_check(synthesized: SynthesizedApp) -> None:
    # Guards the walk below against passing vacuously.
    assert len(_documents(synthesized)) >= 40


def test_no_policy_grants_wildcards_or_anonymous_access(synthesized: SynthesizedApp) -> None:
    assert _violations(synthesized) == []


def test_the_walk_catches_each_kind_of_violation(synthesized: SynthesizedApp) -> None:
    # Given a copy of the app with one bad statement of each kind, the same walk reports each.
    stacks = {name: dict(doc) for name, doc in synthesized.stacks.items()}
    dev = stacks["fraud-detection-dev"]
    dev["data"] = dict(dev["data"])
    dev["data"]["aws_iam_policy_document"] = {
        **dev["data"]["aws_iam_policy_document"],
        "bad": {"statement": [
            {"sid": "A", "effect": "Allow", "actions": ["s3:*"], "resources": ["arn:aws:s3:::b"]},
            {"sid": "B", "effect": "Allow", "actions": ["dynamodb:PutItem"], "resources": ["*"]},
            {"sid": "C", "effect": "Allow", "actions": ["sqs:SendMessage"], "resources": ["arn:aws:sqs:x"],
             "principals": [{"type": "AWS", "identifiers": ["*"]}]},
            {"sid": "D", "effect": "Allow", "actions": ["kms:CreateKey"], "resources": ["*"]},
        ]},
    }
    # ... attached as a function role's inline policy, where kms:CreateKey on "*" is a deploy-only grant.
    dev["resource"] = dict(dev["resource"])
    dev["resource"]["aws_iam_role_policy"] = {
        **dev["resource"]["aws_iam_role_policy"],
        "bad": {"role": "r", "policy": "${data.aws_iam_policy_document.bad.json}"},
    }
    found = _violations(SynthesizedApp(outdir=synthesized.outdir, stacks=stacks))
    assert found == [
        "fraud-detection-dev/bad/A: wildcard action s3:*",
        "fraud-detection-dev/bad/B: Resource '*' for dynamodb:PutItem (function)",
        "fraud-detection-dev/bad/C: principal '*' without conditions",
        "fraud-detection-dev/bad/D: Resource '*' for kms:CreateKey (function)",
    ]


@pytest.mark.parametrize("attribute", POLICY_ATTRIBUTES)
def test_policies_are_documents_never_hand_written_json(synthesized: SynthesizedApp, attribute: str) -> None:
    checked = 0
    for stack, doc in synthesized.stacks.items():
        for resource_type, resources in doc.get("resource", {}).items():
            for logical_id, resource in resources.items():
                if attribute in resource:
                    checked += 1
                    assert _DOC_REF.match(resource[attribute]), f"{stack}/{resource_type}.{logical_id}.{attribute}"
    assert checked > 0


_OWN_POLICY = re.compile(r"^\$\{aws_iam_policy\.([^.]+)\.arn\}$")


def test_the_only_aws_managed_policy_is_the_documented_api_gateway_logging_one(synthesized: SynthesizedApp) -> None:
    # Other attachments are the stack's own policies (the deploy roles'), which are documents
    # and go through the walk above.
    aws_managed, own = set(), set()
    for stack in synthesized.stacks:
        for attachment in synthesized.resources(stack, "aws_iam_role_policy_attachment").values():
            match = _OWN_POLICY.match(attachment["policy_arn"])
            if match:
                assert match.group(1) in synthesized.resources(stack, "aws_iam_policy"), attachment["policy_arn"]
                own.add(attachment["policy_arn"])
            else:
                aws_managed.add(attachment["policy_arn"])
    assert aws_managed, "the account stack attaches the API Gateway logging policy"
    assert all(
        a.endswith(":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs") for a in aws_managed
    ), aws_managed
