"""A small IAM policy evaluator for tests: identity policies, an optional permissions boundary.

It follows AWS's documented evaluation logic for one account: an explicit Deny in any policy wins;
otherwise a request is allowed only when an identity policy allows it and, where the principal has
a permissions boundary, the boundary allows it too. Statements are read in the form
`aws_iam_policy_document` renders them in synthesized Terraform JSON (`effect`, `actions`,
`resources`, `condition` blocks of `test`/`variable`/`values`), after references are resolved.

Resource policies (`evaluate_with_resource_policy`) add the statements whose `principals` name the
caller (`*`, or its `aws:PrincipalArn`): for a caller of the resource's own account an Allow in
either the identity or the resource policy suffices, for another account's caller both must allow.

Supported: action and resource wildcards (`*`, `?`; actions case-insensitive), and the condition
operators the project's policies use (String/Arn Equals/Like and their negations, Bool, Null, with
`ForAnyValue:`/`ForAllValues:` for multivalued keys). Anything else (NotAction, NotResource, an
unknown operator) raises instead of being guessed, so a policy the evaluator cannot read fails the
test that uses it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Decision = Literal["allowed", "denied"]
Statement = Mapping[str, Any]
ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class Request:
    """One attempted API call: action, resource ARN and the request context keys."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


def _glob(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def _values(value: ContextValue | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


_BASE_OPERATORS = {
    "StringEquals": lambda want, got: want == got,
    "StringLike": lambda want, got: _glob(want, got, case_sensitive=True),
    "ArnEquals": lambda want, got: want == got,
    "ArnLike": lambda want, got: _glob(want, got, case_sensitive=True),
    "Bool": lambda want, got: want.lower() == got.lower(),
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals",
            "ArnNotLike": "ArnLike"}


def condition_matches(test: str, variable: str, wanted: Sequence[str], context: Mapping[str, ContextValue]) -> bool:
    """Whether one condition block holds for the request context."""
    qualifier, _, operator = test.rpartition(":")
    present = variable in context
    if test == "Null":
        # Null true: the key is absent from the request; Null false: it is present.
        if len(wanted) != 1 or wanted[0].lower() not in {"true", "false"}:
            raise ValueError(f"Null takes one value, true or false, not {list(wanted)}")
        return present is (wanted[0].lower() == "false")
    got = _values(context.get(variable))
    negated = operator in _NEGATED
    base = _NEGATED.get(operator, operator)
    if base not in _BASE_OPERATORS:
        raise ValueError(f"condition operator {test!r} is not supported by this evaluator")
    compare = _BASE_OPERATORS[base]

    def one(value: str) -> bool:
        hit = any(compare(w, value) for w in wanted)
        return not hit if negated else hit

    if qualifier == "ForAnyValue":
        return any(one(v) for v in got)
    if qualifier == "ForAllValues":
        return all(one(v) for v in got)
    if qualifier:
        raise ValueError(f"condition qualifier {qualifier!r} is not supported by this evaluator")
    if not present:
        # A missing key never matches a positive operator, and always matches a negated one.
        return negated
    if len(got) != 1:
        raise ValueError(f"{variable} is multivalued: use ForAnyValue/ForAllValues")
    return one(got[0])


def statement_applies(statement: Statement, request: Request) -> bool:
    """Whether a statement's actions, resources and conditions all match the request."""
    unsupported = {"not_actions", "not_resources", "principals", "not_principals"} & set(statement)
    if unsupported:
        raise ValueError(f"statement {statement.get('sid')}: {sorted(unsupported)} are not supported")
    if not any(_glob(a, request.action, case_sensitive=False) for a in statement["actions"]):
        return False
    if not any(_glob(r, request.resource, case_sensitive=True) for r in statement.get("resources", [])):
        return False
    return all(
        condition_matches(c["test"], c["variable"], c["values"], request.context)
        for c in statement.get("condition", [])
    )


def _effects(statements: Sequence[Statement], request: Request) -> set[str]:
    return {s.get("effect", "Allow") for s in statements if statement_applies(s, request)}


def evaluate(
    request: Request, identity: Sequence[Statement], boundary: Sequence[Statement] | None = None
) -> Decision:
    """The decision for a principal with `identity` policies and, optionally, a permissions boundary."""
    identity_effects = _effects(identity, request)
    boundary_effects = _effects(boundary, request) if boundary is not None else {"Allow"}
    if "Deny" in identity_effects or "Deny" in boundary_effects:
        return "denied"
    return "allowed" if "Allow" in identity_effects and "Allow" in boundary_effects else "denied"


def _names_caller(statement: Statement, request: Request) -> bool:
    caller = request.context.get("aws:PrincipalArn")
    for principal in statement.get("principals", []):
        if principal["type"] not in ("AWS", "*"):
            raise ValueError(f"statement {statement.get('sid')}: principal type {principal['type']!r} is not supported")
        if "*" in principal["identifiers"] or caller in principal["identifiers"]:
            return True
    return False


def evaluate_with_resource_policy(
    request: Request, identity: Sequence[Statement], resource_policy: Sequence[Statement], *, same_account: bool = True
) -> Decision:
    """The decision for a caller with `identity` policies on a resource with `resource_policy`: an
    explicit Deny in either wins; then, in the resource's account, an Allow in either is enough, and
    across accounts both must allow."""
    naming = [{k: v for k, v in s.items() if k != "principals"} for s in resource_policy if _names_caller(s, request)]
    identity_effects, resource_effects = _effects(identity, request), _effects(naming, request)
    if "Deny" in identity_effects | resource_effects:
        return "denied"
    if same_account:
        return "allowed" if "Allow" in identity_effects | resource_effects else "denied"
    return "allowed" if "Allow" in identity_effects and "Allow" in resource_effects else "denied"
