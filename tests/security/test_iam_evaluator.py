"""The policy evaluator the policy-evaluation tables rely on: Allow, Deny, boundaries, conditions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.iam_evaluator import Request, condition_matches, evaluate, evaluate_with_resource_policy

QUEUE = "arn:aws:sqs:us-east-1:123456789012:fraud-queue-dev"


def _allow(actions: list[str], resources: list[str], **extra: Any) -> dict[str, Any]:
    return {"sid": "A", "effect": "Allow", "actions": actions, "resources": resources, **extra}


def _deny(actions: list[str], resources: list[str], **extra: Any) -> dict[str, Any]:
    return {"sid": "D", "effect": "Deny", "actions": actions, "resources": resources, **extra}


def _cond(test: str, variable: str, *values: str) -> dict[str, Any]:
    return {"test": test, "variable": variable, "values": list(values)}


SEND = Request("sqs:SendMessage", QUEUE)


@pytest.mark.parametrize(("identity", "boundary", "expected"), [
    ([], None, "denied"),  # nothing allows: implicit deny
    ([_allow(["sqs:SendMessage"], [QUEUE])], None, "allowed"),
    ([_allow(["sqs:sendmessage"], [QUEUE])], None, "allowed"),  # actions are case-insensitive
    ([_allow(["sqs:Send*"], ["arn:aws:sqs:us-east-1:123456789012:fraud-*-dev"])], None, "allowed"),
    ([_allow(["sqs:SendMessage"], ["arn:aws:sqs:us-east-1:123456789012:fraud-*-prod"])], None, "denied"),
    ([_allow(["sqs:ReceiveMessage"], [QUEUE])], None, "denied"),
    ([_allow(["sqs:SendMessage"], ["*"]), _deny(["sqs:*"], [QUEUE])], None, "denied"),  # a Deny wins
    ([_allow(["sqs:SendMessage"], [QUEUE])], [_allow(["sqs:SendMessage"], ["*"])], "allowed"),
    ([_allow(["sqs:SendMessage"], [QUEUE])], [_allow(["sns:Publish"], ["*"])], "denied"),  # outside the boundary
    ([_allow(["sqs:SendMessage"], [QUEUE])], [], "denied"),  # an empty boundary allows nothing
    ([], [_allow(["sqs:SendMessage"], ["*"])], "denied"),  # a boundary grants nothing by itself
    ([_allow(["sqs:SendMessage"], [QUEUE])], [_allow(["sqs:*"], ["*"]), _deny(["sqs:*"], ["*"])], "denied"),
])
def test_identity_and_boundary_decisions(
    identity: list[dict[str, Any]], boundary: list[dict[str, Any]] | None, expected: str
) -> None:
    assert evaluate(SEND, identity, boundary) == expected


@pytest.mark.parametrize(("test", "wanted", "context", "expected"), [
    ("StringEquals", ["a"], {"k": "a"}, True),
    ("StringEquals", ["a"], {"k": "b"}, False),
    ("StringEquals", ["a"], {}, False),  # a missing key never matches a positive operator
    ("StringNotEquals", ["a"], {"k": "b"}, True),
    ("StringNotEquals", ["a"], {"k": "a"}, False),
    ("StringNotEquals", ["a"], {}, True),  # ... and always matches a negated one
    ("StringLike", ["alias/fraud-*-dev"], {"k": "alias/fraud-pipeline-dev"}, True),
    ("StringLike", ["alias/fraud-*-dev"], {"k": "alias/fraud-pipeline-prod"}, False),
    ("StringNotLike", ["x*"], {"k": "xy"}, False),
    ("ArnLike", ["arn:aws:lambda:*:*:function:fraud-*"], {"k": "arn:aws:lambda:us-east-1:1:function:fraud-a"}, True),
    ("ArnEquals", ["arn:aws:events:r:1:rule/a"], {"k": "arn:aws:events:r:1:rule/b"}, False),
    ("Bool", ["false"], {"k": "False"}, True),
    ("StringEquals", ["a", "b"], {"k": "b"}, True),  # values of one condition are alternatives
    ("ForAnyValue:StringEquals", ["alias/a"], {"k": ["alias/b", "alias/a"]}, True),
    ("ForAnyValue:StringEquals", ["alias/a"], {"k": ["alias/b"]}, False),
    ("ForAnyValue:StringEquals", ["alias/a"], {}, False),
    ("ForAllValues:StringEquals", ["a", "b"], {"k": ["a", "b"]}, True),
    ("ForAllValues:StringEquals", ["a"], {"k": ["a", "c"]}, False),
    ("Null", ["true"], {}, True),  # Null true: the key is absent
    ("Null", ["true"], {"k": "a"}, False),
    ("Null", ["false"], {"k": "a"}, True),
    ("Null", ["false"], {}, False),
])
def test_condition_operators(test: str, wanted: list[str], context: dict[str, Any], expected: bool) -> None:
    assert condition_matches(test, "k", wanted, context) is expected


def test_every_condition_of_a_statement_must_hold() -> None:
    statement = _allow(["sqs:SendMessage"], [QUEUE], condition=[
        _cond("StringEquals", "aws:RequestedRegion", "us-east-1"), _cond("Bool", "aws:SecureTransport", "true")])
    assert evaluate(Request(SEND.action, QUEUE, {"aws:RequestedRegion": "us-east-1",
                                                 "aws:SecureTransport": "true"}), [statement]) == "allowed"
    assert evaluate(Request(SEND.action, QUEUE, {"aws:RequestedRegion": "us-east-1"}), [statement]) == "denied"


def test_a_conditional_deny_applies_only_when_its_condition_holds() -> None:
    identity = [_allow(["iam:CreateRole"], ["*"]),
                _deny(["iam:CreateRole"], ["*"], condition=[_cond("StringNotEquals", "iam:PermissionsBoundary", "b")])]
    role = "arn:aws:iam::1:role/r"
    assert evaluate(Request("iam:CreateRole", role, {"iam:PermissionsBoundary": "b"}), identity) == "allowed"
    assert evaluate(Request("iam:CreateRole", role, {"iam:PermissionsBoundary": "other"}), identity) == "denied"
    assert evaluate(Request("iam:CreateRole", role), identity) == "denied"


@pytest.mark.parametrize("statement", [
    {"sid": "N", "effect": "Allow", "not_actions": ["s3:*"], "actions": ["s3:GetObject"], "resources": ["*"]},
    _allow(["s3:GetObject"], ["*"], condition=[_cond("NumericLessThan", "k", "1")]),
    _allow(["s3:GetObject"], ["*"], condition=[_cond("StringEqualsIfExists", "k", "1")]),
])
def test_what_the_evaluator_cannot_read_is_refused_not_guessed(statement: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not supported"):
        evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k", {"k": "1"}), [statement])


def test_null_takes_exactly_true_or_false() -> None:
    with pytest.raises(ValueError, match="Null takes one value"):
        condition_matches("Null", "k", ["yes"], {})


ROUTE = "arn:aws:execute-api:us-east-1:1:api/v1/POST/transactions/t-1/label"
INVOKE_ANYTHING = [_allow(["execute-api:Invoke"], ["*"])]
CALLERS_ONLY = [
    {**_allow(["execute-api:Invoke"], ["*/POST/transactions/*/label"],
              condition=[_cond("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::1:role/reporter")]),
     "principals": [{"type": "AWS", "identifiers": ["*"]}]},
    {**_deny(["execute-api:Invoke"], ["*/POST/transactions/*/label"],
             condition=[_cond("ArnNotEquals", "aws:PrincipalArn", "arn:aws:iam::1:role/reporter")]),
     "principals": [{"type": "AWS", "identifiers": ["*"]}]},
]


def _invoke(caller: str) -> Request:
    return Request("execute-api:Invoke", ROUTE, {"aws:PrincipalArn": caller})


def test_a_resource_policy_deny_overrides_the_callers_own_allow() -> None:
    assert evaluate_with_resource_policy(_invoke("arn:aws:iam::1:role/reporter"), INVOKE_ANYTHING,
                                         CALLERS_ONLY) == "allowed"
    assert evaluate_with_resource_policy(_invoke("arn:aws:iam::1:role/producer"), INVOKE_ANYTHING,
                                         CALLERS_ONLY) == "denied"


def test_in_the_same_account_either_policy_may_allow_across_accounts_both_must() -> None:
    reporter = _invoke("arn:aws:iam::1:role/reporter")
    assert evaluate_with_resource_policy(reporter, [], CALLERS_ONLY) == "allowed"
    assert evaluate_with_resource_policy(reporter, [], CALLERS_ONLY, same_account=False) == "denied"
    assert evaluate_with_resource_policy(reporter, INVOKE_ANYTHING, CALLERS_ONLY, same_account=False) == "allowed"
    assert evaluate_with_resource_policy(reporter, [], []) == "denied"


def test_a_statement_naming_another_principal_does_not_apply() -> None:
    named = [{**_allow(["execute-api:Invoke"], ["*"]), "principals": [{"type": "AWS", "identifiers": ["arn:x"]}]}]
    assert evaluate_with_resource_policy(_invoke("arn:y"), [], named) == "denied"
    assert evaluate_with_resource_policy(_invoke("arn:x"), [], named) == "allowed"
    with pytest.raises(ValueError, match="not supported"):
        evaluate_with_resource_policy(_invoke("arn:x"), [], [{**named[0], "principals": [
            {"type": "Service", "identifiers": ["lambda.amazonaws.com"]}]}])
