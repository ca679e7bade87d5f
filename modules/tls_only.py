"""The TLS-only resource policy statement shared by buckets, queues and topics."""

from __future__ import annotations

from collections.abc import Sequence

from modules.iam import Condition, PolicyStatement, Principal


def deny_insecure_transport(service: str, resources: Sequence[str]) -> PolicyStatement:
    """Deny every action of `service` on `resources` for requests not made over TLS."""
    return PolicyStatement(
        sid="DenyInsecureTransport",
        effect="Deny",
        actions=[f"{service}:*"],
        resources=list(resources),
        principals=[Principal(type="*", identifiers=["*"])],
        conditions=[Condition(test="Bool", variable="aws:SecureTransport", values=["false"])],
    )
