"""Reading the synthesized Terraform JSON of one stack: references, policy documents, one-block lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_REF = re.compile(r"\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}")
_EMBEDDED_REF = re.compile(r"(?<![\w.])(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)")


@dataclass(frozen=True)
class Ref:
    """A `${type.id.attribute}` reference."""

    type: str
    logical_id: str
    attribute: str


def ref(value: Any) -> Ref | None:
    """The reference `value` consists of, or None when it is a literal."""
    if not isinstance(value, str):
        return None
    match = _REF.fullmatch(value)
    return Ref(match.group(2), match.group(3), match.group(4)) if match else None


def refs_in(value: Any) -> list[Ref]:
    """Every resource reference inside a string (also inside expressions such as jsonencode(...))."""
    if not isinstance(value, str):
        return []
    return [Ref(t, i, a) for t, i, a in _EMBEDDED_REF.findall(value)]


def one_block(value: Any) -> dict[str, Any]:
    """A nested block, whether cdktf wrote it as an object or a one-element list."""
    if isinstance(value, list):
        assert len(value) == 1, f"expected one block, got {value}"
        return value[0]
    return value or {}


class StackView:
    """Lookups on one stack's Terraform JSON."""

    def __init__(self, name: str, body: dict[str, Any]) -> None:
        self.name = name
        self.body = body

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resources of one type by logical id."""
        return self.body.get("resource", {}).get(resource_type, {})

    def resource(self, reference: Ref) -> dict[str, Any]:
        """The resource a reference points at."""
        found = self.resources(reference.type).get(reference.logical_id)
        assert found is not None, f"{self.name}: dangling reference {reference}"
        return found

    def path(self, resource: dict[str, Any]) -> str:
        """Construct path of a resource below the stack."""
        return resource["//"]["metadata"]["path"].split("/", 1)[1]

    def policy_statements(self, policy: str) -> list[dict[str, Any]]:
        """Statements of the `aws_iam_policy_document` a policy attribute references."""
        reference = ref(policy)
        assert reference and reference.type == "aws_iam_policy_document", f"{self.name}: {policy} is not a document"
        document = self.body["data"]["aws_iam_policy_document"][reference.logical_id]
        return list(document["statement"])
