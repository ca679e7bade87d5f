"""The API's web application firewall: AWS WAF in front of the stage, before any function runs."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclAssociationConfig,
    Wafv2WebAclAssociationConfigRequestBody,
    Wafv2WebAclCustomResponseBody,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
)
from constructs import Construct

# What WAF inspects of a body by default on a regional API, and the larger limits it can be raised
# to (billed per extra 16 KB). A body longer than the limit is "oversize": only its first part is seen.
_DEFAULT_INSPECTION_BYTES = 8 * 1024
_INSPECTION_LIMITS = {16 * 1024: "KB_16", 32 * 1024: "KB_32", 48 * 1024: "KB_48", 64 * 1024: "KB_64"}
# The AWS managed rule groups every regional API gets, in evaluation order: the core rule set
# (OWASP-style request attacks), known bad inputs (Log4Shell, Java deserialization, localhost host
# headers, ...) and anonymous IP sources (Tor exit nodes, anonymizing proxies and VPNs).
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAnonymousIpList",
)
# Rules of those groups that only count (metrics and logs, no block), and why:
# - SizeRestrictions_BODY blocks bodies over 8 KB on its own; the body-size rule of this ACL is the
#   one place the environment's limit is enforced.
# - HostingProviderIPList matches cloud providers' address ranges, which is where the payment
#   services producing transactions run; anonymizers (AnonymousIPList) are still blocked.
COUNTED_MANAGED_RULES = {
    "AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",),
    "AWSManagedRulesAnonymousIpList": ("HostingProviderIPList",),
}
# Credentials a request may carry: the API key, a SigV4 signature, temporary credentials' token.
_REDACTED_HEADERS = ("x-api-key", "authorization", "x-amz-security-token")
# Bodies of the web ACL's own block responses (413 and 429 above), keyed as the rules reference them.
_ERROR_BODIES = {
    "payload_too_large": "The request body is larger than this API accepts",
    "too_many_requests": "Too many requests from this address; slow down and retry",
}


@dataclass(frozen=True, kw_only=True)
class ApiWebAclProps:
    """Settings of the API's web ACL."""

    name: str
    """Web ACL name (also names its metrics; the log group is `aws-waf-logs-<name>`)."""
    stage_arn: str
    """ARN of the API stage the web ACL protects."""
    max_body_bytes: int
    """Largest body let through; larger ones are blocked with 413 before the function runs."""
    requests_per_ip_per_5min: int
    """Requests one source IP may send in a 5-minute window before it is blocked with 429."""
    kms_key_arn: str
    """CMK of the WAF log group."""
    log_retention_days: int
    """Retention of the WAF log group."""

    def __post_init__(self) -> None:
        if not 1 <= self.max_body_bytes <= max(_INSPECTION_LIMITS):
            raise ValueError(f"max_body_bytes must be 1..{max(_INSPECTION_LIMITS)}: WAF inspects no more of a body")
        if not 10 <= self.requests_per_ip_per_5min <= 2_000_000_000:
            raise ValueError("requests_per_ip_per_5min must be 10..2000000000")


def inspection_limit(max_body_bytes: int) -> str | None:
    """The body inspection limit that covers `max_body_bytes` (None: WAF's default of 8 KB does)."""
    if max_body_bytes <= _DEFAULT_INSPECTION_BYTES:
        return None
    return next(label for size, label in sorted(_INSPECTION_LIMITS.items()) if size >= max_body_bytes)


def _visibility(metric: str) -> dict[str, object]:
    """A VisibilityConfig (WAFv2 API shape): metrics and sampled requests on."""
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": metric}


def _block_with(status: int, body_key: str) -> dict[str, object]:
    """A rule Action (WAFv2 API shape) blocking with `status` and the custom body keyed `body_key`."""
    return {"Block": {"CustomResponse": {"ResponseCode": status, "CustomResponseBodyKey": body_key}}}


def web_acl_rules(name: str, max_body_bytes: int, requests_per_ip_per_5min: int) -> list[dict[str, object]]:
    """The web ACL's rules as the WAFv2 API `Rules` list (PascalCase), in evaluation order."""
    rules: list[dict[str, object]] = [
        {
            "Name": "body-size-limit",
            "Priority": 0,
            "Action": _block_with(413, "payload_too_large"),
            "Statement": {
                "SizeConstraintStatement": {
                    "ComparisonOperator": "GT",
                    "Size": max_body_bytes,
                    # MATCH: a body too long for WAF to read to the end is over the limit anyway.
                    "FieldToMatch": {"Body": {"OversizeHandling": "MATCH"}},
                    "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
                }
            },
            "VisibilityConfig": _visibility(f"{name}-body-size-limit"),
        },
        {
            "Name": "rate-per-client-ip",
            "Priority": 1,
            "Action": _block_with(429, "too_many_requests"),
            "Statement": {
                "RateBasedStatement": {
                    "Limit": requests_per_ip_per_5min,
                    "AggregateKeyType": "IP",
                    "EvaluationWindowSec": 300,
                }
            },
            "VisibilityConfig": _visibility(f"{name}-rate-per-client-ip"),
        },
    ]
    for priority, group in enumerate(MANAGED_RULE_GROUPS, start=2):
        statement: dict[str, object] = {"VendorName": "AWS", "Name": group}
        counted = COUNTED_MANAGED_RULES.get(group, ())
        if counted:
            statement["RuleActionOverrides"] = [{"Name": rule, "ActionToUse": {"Count": {}}} for rule in counted]
        rules.append(
            {
                "Name": group,
                "Priority": priority,
                "OverrideAction": {"None": {}},  # the group's own actions apply
                "Statement": {"ManagedRuleGroupStatement": statement},
                "VisibilityConfig": _visibility(f"{name}-{group}"),
            }
        )
    return rules


def _rules_json(rules: list[dict[str, object]]) -> str:
    text = json.dumps(rules, separators=(",", ":"))
    # The string reaches `cdktf synth --hcl` verbatim inside a quoted HCL string, which escapes
    # quotes but not backslashes, and Terraform would read `${`/`%{` as template syntax.
    if "\\" in text or "${" in text or "%{" in text:
        raise ValueError("web ACL rules must not contain backslashes or template sequences")
    return text


def _error_body(error: str, message: str) -> str:
    # The same JSON shape the function and API Gateway's own error responses use.
    return json.dumps({"error": error, "message": message}, sort_keys=True)


class ApiWebAcl(Construct):
    """A REGIONAL web ACL associated with the API stage, allowing by default and blocking:

    1. bodies larger than `max_body_bytes` (413, size constraint on the body; a body beyond WAF's
       inspection limit counts as a match, and the limit is raised to cover `max_body_bytes`, so no
       body over the limit is let through unseen and none under it is blocked);
    2. more than `requests_per_ip_per_5min` requests from one IP in 5 minutes (429);
    3. what the AWS managed core rule set, known-bad-inputs and anonymous-IP rule groups match (403).

    Every rule emits CloudWatch metrics and sampled requests; every request is logged to a
    CMK-encrypted log group, with the credential headers redacted (API key, SigV4 Authorization,
    temporary credentials' token).
    Attributes: `web_acl`, `log_group`, `web_acl_arn`.
    """

    def __init__(self, scope: Construct, id_: str, props: ApiWebAclProps) -> None:
        super().__init__(scope, id_)
        name = props.name
        limit = inspection_limit(props.max_body_bytes)
        self.web_acl = Wafv2WebAcl(
            self,
            "web-acl",
            name=name,
            description="Transaction API: body size, per-IP rate and AWS managed rules",
            scope="REGIONAL",
            default_action={"allow": {}},
            # The rules go as the WAFv2 API's JSON, not as `rule` blocks: the provider types a
            # rule's statement as free-form, so `cdktf synth --hcl` would write it as an attribute,
            # which Terraform rejects. The provider does not read rule_json back (no drift detection).
            rule_json=_rules_json(web_acl_rules(name, props.max_body_bytes, props.requests_per_ip_per_5min)),
            custom_response_body=[
                Wafv2WebAclCustomResponseBody(
                    key=key, content=_error_body(key, message), content_type="APPLICATION_JSON"
                )
                for key, message in sorted(_ERROR_BODIES.items())
            ],
            association_config=(
                Wafv2WebAclAssociationConfig(
                    request_body=[
                        Wafv2WebAclAssociationConfigRequestBody(api_gateway={"default_size_inspection_limit": limit})
                    ]
                )
                if limit
                else None
            ),
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            ),
        )
        self.association = Wafv2WebAclAssociation(
            self, "association", resource_arn=props.stage_arn, web_acl_arn=self.web_acl.arn
        )
        # WAF only delivers to log groups whose name starts with aws-waf-logs-.
        self.log_group = CloudwatchLogGroup(
            self,
            "logs",
            name=f"aws-waf-logs-{name}",
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        self.logging = Wafv2WebAclLoggingConfiguration(
            self,
            "logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                Wafv2WebAclLoggingConfigurationRedactedFields(single_header={"name": header})
                for header in _REDACTED_HEADERS
            ],
        )

    @property
    def web_acl_arn(self) -> str:
        """ARN of the web ACL."""
        return self.web_acl.arn
