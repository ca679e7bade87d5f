"""Policy statements: no wildcard grants, Resource "*" only where AWS offers nothing narrower."""

from __future__ import annotations

import cdktf
import pytest

from modules.iam import (
    ACTIONS_ON_ANY_RESOURCE,
    Condition,
    Holder,
    PolicyStatement,
    Principal,
    policy_document,
)

HOLDERS: tuple[Holder, ...] = ("function", "deploy")


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


@pytest.mark.parametrize("holder", HOLDERS)
@pytest.mark.parametrize("action", ["dynamodb:PutItem", "s3:PutObject", "kms:Decrypt", "sqs:SendMessage"])
def test_resource_star_is_refused_for_actions_with_resource_level_permissions(
    scope: cdktf.TerraformStack, holder: Holder, action: str
) -> None:
    statement = PolicyStatement(sid="Unscoped", actions=[action], resources=["*"])
    with pytest.raises(ValueError, match=f"Resource '\\*' for actions a {holder} principal"):
        policy_document(scope, f"unscoped-{holder}-{action}", [statement], holder=holder)


def test_resource_star_is_refused_when_one_action_of_several_could_be_scoped(scope: cdktf.TerraformStack) -> None:
    statement = PolicyStatement(sid="Mixed", actions=["xray:PutTraceSegments", "xray:GetTraceSummaries"],
                                resources=["*"])
    with pytest.raises(ValueError, match=r"\['xray:GetTraceSummaries'\]"):
        policy_document(scope, "mixed", [statement], holder="function")


@pytest.mark.parametrize(("holder", "action"), [(h, a) for h in HOLDERS for a in sorted(ACTIONS_ON_ANY_RESOURCE[h])])
def test_resource_star_is_accepted_for_the_holders_own_list(
    scope: cdktf.TerraformStack, holder: Holder, action: str
) -> None:
    statement = PolicyStatement(sid="Listed", actions=[action], resources=["*"])
    assert policy_document(scope, f"listed-{holder}-{action}", [statement], holder=holder)


DEPLOY_ONLY = sorted(set(ACTIONS_ON_ANY_RESOURCE["deploy"]) - set(ACTIONS_ON_ANY_RESOURCE["function"]))


@pytest.mark.parametrize("action", DEPLOY_ONLY)
def test_a_deploy_only_action_on_any_resource_is_refused_to_a_function(
    scope: cdktf.TerraformStack, action: str
) -> None:
    statement = PolicyStatement(sid="DeployOnly", actions=[action], resources=["*"])
    with pytest.raises(ValueError, match="function principal"):
        policy_document(scope, f"deploy-only-{action}", [statement], holder="function")


def test_resource_star_without_a_holder_is_refused(scope: cdktf.TerraformStack) -> None:
    statement = PolicyStatement(sid="Tracing", actions=["xray:PutTraceSegments"], resources=["*"])
    with pytest.raises(ValueError, match="unnamed principal"):
        policy_document(scope, "no-holder", [statement])


def test_every_listed_action_says_why_and_is_fully_named() -> None:
    assert "kms:CreateKey" in DEPLOY_ONLY, "the lists differ by principal"
    for holder in HOLDERS:
        listed = ACTIONS_ON_ANY_RESOURCE[holder]
        assert listed, holder
        assert all(reason.strip() for reason in listed.values()), holder
        assert all(":" in action and "*" not in action for action in listed), holder


def test_an_empty_document_is_refused(scope: cdktf.TerraformStack) -> None:
    with pytest.raises(ValueError, match="no statements"):
        policy_document(scope, "empty", [])


def test_repeated_statement_ids_are_refused(scope: cdktf.TerraformStack) -> None:
    statement = PolicyStatement(sid="Same", actions=["sqs:SendMessage"], resources=["arn:aws:sqs:::q"])
    with pytest.raises(ValueError, match="repeats statement ids"):
        policy_document(scope, "repeated", [statement, statement])
