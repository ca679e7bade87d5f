"""Reading synthesized Terraform JSON: resources by construct path, references, policy documents."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import SynthesizedApp

_REFERENCE = re.compile(r"^\$\{(?P<kind>data\.)?(?P<type>[a-z0-9_]+)\.(?P<name>[^.}]+)\.(?P<attr>[a-z0-9_]+)\}$")


def path_of(attrs: dict[str, Any]) -> str:
    """Construct path cdktf recorded for a resource or data source, without the stack name."""
    return attrs["//"]["metadata"]["path"].split("/", 1)[1]


def at_path(items: dict[str, dict[str, Any]], path: str) -> tuple[str, dict[str, Any]]:
    """The one item (logical id, attributes) whose construct path is `path`, e.g. `messaging/dlq`."""
    found = [(k, v) for k, v in items.items() if path_of(v) == path]
    assert len(found) == 1, f"expected one item at {path!r}, found {[k for k, _ in found]}"
    return found[0]


def ref(resource_type: str, logical_id: str, attribute: str) -> str:
    """Terraform expression referring to a resource's attribute."""
    return f"${{{resource_type}.{logical_id}.{attribute}}}"


def data_ref(data_type: str, logical_id: str, attribute: str) -> str:
    """Terraform expression referring to a data source's attribute."""
    return f"${{data.{data_type}.{logical_id}.{attribute}}}"


def referenced_policy(synthesized: SynthesizedApp, stack: str, expression: str) -> list[dict[str, Any]]:
    """Statements of the `aws_iam_policy_document` a `policy`-style argument refers to."""
    match = _REFERENCE.match(expression)
    assert match, f"{expression!r} is not a plain reference"
    assert match["kind"] == "data." and match["type"] == "aws_iam_policy_document" and match["attr"] == "json", (
        f"{expression!r} does not refer to a rendered aws_iam_policy_document"
    )
    documents = synthesized.data(stack, "aws_iam_policy_document")
    assert match["name"] in documents, f"{expression!r} refers to a document missing from {stack}"
    return documents[match["name"]]["statement"]


def statement(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    """The statement with id `sid`."""
    found = [s for s in statements if s.get("sid") == sid]
    assert len(found) == 1, f"expected one statement {sid!r}, found sids {[s.get('sid') for s in statements]}"
    return found[0]


def is_tls_only_deny(stmt: dict[str, Any], service: str) -> bool:
    """Whether a statement denies every action of `service` to everyone when aws:SecureTransport is false."""
    return (
        stmt.get("effect") == "Deny"
        and stmt.get("actions") == [f"{service}:*"]
        and stmt.get("principals") == [{"type": "*", "identifiers": ["*"]}]
        and {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]} in stmt.get("condition", [])
    )


_PERIMETER = {"aws:PrincipalAccount", "aws:ResourceAccount"}


def endpoint_perimeter_documents(synthesized: SynthesizedApp, stack: str) -> set[str]:
    """Logical ids of the policy documents VPC endpoints use whose every statement admits only this
    account's principals on this account's resources. Such a policy grants nothing (it caps what
    passes the endpoint), so Action and Resource "*" are acceptable in it (modules/network.py)."""
    ids = set()
    documents = synthesized.data(stack, "aws_iam_policy_document")
    for endpoint in synthesized.resources(stack, "aws_vpc_endpoint").values():
        match = _REFERENCE.match(endpoint.get("policy", ""))
        assert match and match["type"] == "aws_iam_policy_document", "an endpoint policy must be a document"
        statements = documents[match["name"]]["statement"]
        if all(
            {c["variable"] for c in s.get("condition", []) if c["test"] == "StringEquals"} >= _PERIMETER
            for s in statements
        ):
            ids.add(match["name"])
    return ids
