"""Policy statements: no wildcard grants, Resource "*" only where AWS offers nothing narrower."""

from __future__ import annotations

import cdktf
import pytest
from terraform_json import endpoint_perimeter_documents

from modules.iam import (
    ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS,
    Condition,
    PolicyStatement,
    Principal,
    policy_document,
)
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp


@pytest.mark.parametrize("action", ["*", "s3:*", "dynamodb:*"])
def test_wildcard_actions_are_refused_in_an_allow(action: str) -> None:
    with pytest.raises(ValueError, match="wildcard action"):
        PolicyStatement(sid="Broad", actions=[action], resources=["arn:aws:s3:::bucket"])


def test_a_service_wildcard_is_accepted_in_a_deny() -> None:
    deny = PolicyStatement(sid="DenyAll", effect="Deny", actions=["s3:*"], resources=["arn:aws:s3:::bucket"],
                           principals=[Principal(type="*", identifiers=["*"])])
    assert deny.render()["actions"] == ["s3:*"]


@pytest.mark.parametrize("action", ["s3:Get*", "dynamodb:*Item", "sqs:Send*"])
def test_partial_wildcard_actions_are_refused_in_an_allow(action: str) -> None:
    with pytest.raises(ValueError, match="wildcard"):
        PolicyStatement(sid="Partial", actions=[action], resources=["arn:aws:s3:::bucket/*"])


@pytest.mark.parametrize("action", ["dynamodb:PutItem", "s3:PutObject", "kms:Decrypt", "sqs:SendMessage"])
def test_resource_star_is_refused_for_actions_with_resource_level_permissions(action: str) -> None:
    with pytest.raises(ValueError, match="Resource '\\*'"):
        PolicyStatement(sid="Unscoped", actions=[action], resources=["*"])


def test_resource_star_is_refused_when_one_action_of_several_could_be_scoped() -> None:
    with pytest.raises(ValueError, match="xray:GetTraceSummaries"):
        PolicyStatement(sid="Mixed", actions=["xray:PutTraceSegments", "xray:GetTraceSummaries"], resources=["*"])


@pytest.mark.parametrize("action", sorted(ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS))
def test_resource_star_is_accepted_for_actions_without_resource_level_permissions(action: str) -> None:
    assert PolicyStatement(sid="Eni", actions=[action], resources=["*"]).render()["resources"] == ["*"]


def test_every_allowlisted_action_says_why() -> None:
    assert all(reason.strip() for reason in ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.values())


def test_resource_star_in_a_resource_policy_means_the_resource_itself() -> None:
    # In a key policy "*" is the key the policy is attached to.
    statement = PolicyStatement(sid="KeyUse", actions=["kms:Decrypt"], resources=["*"],
                                principals=[Principal(type="Service", identifiers=["logs.amazonaws.com"])])
    assert statement.render()["principals"] == [{"type": "Service", "identifiers": ["logs.amazonaws.com"]}]


def test_render_sorts_actions_and_keeps_conditions() -> None:
    rendered = PolicyStatement(
        sid="Send", actions=["sqs:SendMessage", "sqs:GetQueueUrl"], resources=["arn:aws:sqs:::q"],
        conditions=[Condition(test="ArnEquals", variable="aws:SourceArn", values=["arn:aws:events:::rule/r"])],
    ).render()
    assert rendered == {
        "sid": "Send", "effect": "Allow", "actions": ["sqs:GetQueueUrl", "sqs:SendMessage"],
        "resources": ["arn:aws:sqs:::q"],
        "condition": [{"test": "ArnEquals", "variable": "aws:SourceArn", "values": ["arn:aws:events:::rule/r"]}],
    }


def test_a_statement_without_resources_renders_none() -> None:
    trust = PolicyStatement(sid="Trust", actions=["sts:AssumeRole"], resources=[],
                            principals=[Principal(type="Service", identifiers=["lambda.amazonaws.com"])])
    assert "resources" not in trust.render()


@pytest.fixture(scope="module")
def scope() -> cdktf.TerraformStack:
    return cdktf.TerraformStack(cdktf.Testing.app(), "documents")


def test_an_empty_document_is_refused(scope: cdktf.TerraformStack) -> None:
    with pytest.raises(ValueError, match="no statements"):
        policy_document(scope, "empty", [])


def test_repeated_statement_ids_are_refused(scope: cdktf.TerraformStack) -> None:
    statement = PolicyStatement(sid="Same", actions=["sqs:SendMessage"], resources=["arn:aws:sqs:::q"])
    with pytest.raises(ValueError, match="repeats statement ids"):
        policy_document(scope, "repeated", [statement, statement])


@pytest.mark.parametrize("stack", [*ENVIRONMENT_STACKS, "fraud-detection-account-us-east-1", "fraud-detection-state"])
def test_no_rendered_document_allows_a_wildcard_action(synthesized: SynthesizedApp, stack: str) -> None:
    documents = synthesized.data(stack, "aws_iam_policy_document")
    assert documents
    perimeters = endpoint_perimeter_documents(synthesized, stack)
    for name, document in documents.items():
        if name in perimeters:
            continue
        for stmt in document["statement"]:
            if stmt["effect"] != "Allow":
                continue
            assert not [a for a in stmt["actions"] if "*" in a], f"{name}/{stmt['sid']}"
            if stmt.get("resources") == ["*"] and not stmt.get("principals"):
                assert set(stmt["actions"]) <= set(ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS), f"{name}/{stmt['sid']}"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_policies_are_never_inline_json(synthesized: SynthesizedApp, stack: str) -> None:
    for resource_type, attribute in (("aws_iam_role", "assume_role_policy"), ("aws_iam_role_policy", "policy"),
                                     ("aws_sqs_queue_policy", "policy"), ("aws_sns_topic_policy", "policy"),
                                     ("aws_s3_bucket_policy", "policy"), ("aws_kms_key", "policy")):
        for resource in synthesized.resources(stack, resource_type).values():
            assert resource[attribute].startswith("${data.aws_iam_policy_document."), resource_type
