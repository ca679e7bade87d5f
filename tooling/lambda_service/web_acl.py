"""The web ACL associated with the API stage, replayed in front of it: body-size rules.

Read from the emulator (GetWebACLForResource on the stage ARN): every rule whose statement is a
SizeConstraintStatement on the body, with its Block action's custom response (status and the
ACL's custom response body). WAF evaluates before API Gateway, so a blocked request never meets
the API key check or the function. Other statements (rate-based, AWS managed rule groups) are not
replayed: they depend on traffic history and on AWS's private rule contents.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "GT": operator.gt, "GE": operator.ge, "LT": operator.lt, "LE": operator.le, "EQ": operator.eq, "NE": operator.ne,
}


@dataclass(frozen=True)
class BodySizeRule:
    """One blocking body-size rule."""

    name: str
    priority: int
    comparison: str
    size: int
    status: int
    body: str
    content_type: str

    def blocks(self, body_length: int) -> bool:
        """Whether a body of `body_length` bytes is blocked by this rule."""
        return _COMPARE[self.comparison](body_length, self.size)


_CONTENT_TYPES = {"APPLICATION_JSON": "application/json", "TEXT_PLAIN": "text/plain", "TEXT_HTML": "text/html"}


def body_size_rules(web_acl: dict[str, Any]) -> list[BodySizeRule]:
    """The blocking body-size rules of a web ACL (WAFv2 API shape), in priority order."""
    bodies = web_acl.get("CustomResponseBodies") or {}
    rules = []
    for rule in web_acl.get("Rules", []):
        statement = (rule.get("Statement") or {}).get("SizeConstraintStatement")
        block = (rule.get("Action") or {}).get("Block")
        if not statement or block is None or "Body" not in (statement.get("FieldToMatch") or {}):
            continue
        custom = block.get("CustomResponse") or {}
        content = bodies.get(custom.get("CustomResponseBodyKey", ""), {})
        rules.append(BodySizeRule(
            name=rule["Name"], priority=int(rule.get("Priority", 0)), comparison=statement["ComparisonOperator"],
            size=int(statement["Size"]), status=int(custom.get("ResponseCode", 403)),
            body=str(content.get("Content", "")),
            content_type=_CONTENT_TYPES.get(str(content.get("ContentType", "")), "text/plain"),
        ))
    return sorted(rules, key=lambda r: r.priority)


def stage_body_size_rules(wafv2_client: Any, stage_arn: str) -> list[BodySizeRule]:
    """The body-size rules of the web ACL associated with the stage (none without an ACL)."""
    found = wafv2_client.get_web_acl_for_resource(ResourceArn=stage_arn).get("WebACL")
    return body_size_rules(found) if found else []
