"""The web ACL's rules, read from the synthesized `rule_json` of every environment stack.

The rules reach Terraform as the WAFv2 API's JSON (modules/web_acl.py says why), which checkov
does not look into: the checks it can no longer evaluate on the web ACL (CKV_AWS_175 rules
present, CKV_AWS_192 Log4j through known bad inputs, CKV2_AWS_77 on the stage the ACL protects)
are skipped in .checkov.yaml and asserted here instead, with the rest of what the rules must say.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.config import load_environments
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

SIZE_RULE, RATE_RULE = "body-size-limit", "rate-per-client-ip"
COMMON, KNOWN_BAD_INPUTS, ANONYMOUS_IP = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAnonymousIpList",
)
# Rule names in evaluation order: priority is the position.
RULE_ORDER = (SIZE_RULE, RATE_RULE, COMMON, KNOWN_BAD_INPUTS, ANONYMOUS_IP)


def _acl(synthesized: SynthesizedApp, stack: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, acl),) = synthesized.resources(stack, "aws_wafv2_web_acl").items()
    return logical_id, acl


def _rules(acl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rules = json.loads(acl["rule_json"])
    assert isinstance(rules, list)
    by_name = {rule["Name"]: rule for rule in rules}
    assert len(by_name) == len(rules), "rule names must be unique"
    return by_name


def _block(rule: dict[str, Any]) -> dict[str, Any]:
    assert "OverrideAction" not in rule
    assert set(rule["Action"]) == {"Block"}
    response: dict[str, Any] = rule["Action"]["Block"]["CustomResponse"]
    return response


def _managed(rule: dict[str, Any]) -> dict[str, Any]:
    # A managed group's own actions apply: no override of the whole group to Count.
    assert "Action" not in rule
    assert rule["OverrideAction"] == {"None": {}}
    assert set(rule["Statement"]) == {"ManagedRuleGroupStatement"}
    statement: dict[str, Any] = rule["Statement"]["ManagedRuleGroupStatement"]
    assert statement["VendorName"] == "AWS" and statement["Name"] == rule["Name"]
    # No rule excluded and no narrowing: every request is evaluated by the whole group.
    assert "ExcludedRules" not in statement and "ScopeDownStatement" not in statement
    return statement


def _counted(statement: dict[str, Any]) -> dict[str, Any]:
    return {o["Name"]: o["ActionToUse"] for o in statement.get("RuleActionOverrides", [])}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_rules_are_json_and_render_as_hcl(synthesized: SynthesizedApp, stack: str) -> None:
    _, acl = _acl(synthesized, stack)
    # Given only as rule_json: `rule` blocks would not survive `cdktf synth --hcl`.
    assert "rule" not in acl
    # The string is written verbatim into a quoted HCL string: no backslash, no template syntax.
    assert "\\" not in acl["rule_json"]
    assert "${" not in acl["rule_json"] and "%{" not in acl["rule_json"]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_rules_and_their_evaluation_order(synthesized: SynthesizedApp, stack: str) -> None:
    _, acl = _acl(synthesized, stack)
    rules = json.loads(acl["rule_json"])
    assert [r["Name"] for r in rules] == list(RULE_ORDER)  # CKV_AWS_175: the ACL has rules
    assert [r["Priority"] for r in rules] == list(range(len(RULE_ORDER)))
    assert acl["default_action"] == {"allow": {}}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_body_size_rule_blocks_with_413_at_the_environment_limit(synthesized: SynthesizedApp, stack: str) -> None:
    env = load_environments()[stack.removeprefix("fraud-detection-")]
    _, acl = _acl(synthesized, stack)
    rule = _rules(acl)[SIZE_RULE]
    assert _block(rule) == {"ResponseCode": 413, "CustomResponseBodyKey": "payload_too_large"}
    assert rule["Statement"] == {
        "SizeConstraintStatement": {
            "ComparisonOperator": "GT",
            "Size": env.max_body_bytes,
            # A body too long for WAF to read to the end counts as over the limit.
            "FieldToMatch": {"Body": {"OversizeHandling": "MATCH"}},
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_rate_rule_blocks_with_429_per_client_ip(synthesized: SynthesizedApp, stack: str) -> None:
    env = load_environments()[stack.removeprefix("fraud-detection-")]
    _, acl = _acl(synthesized, stack)
    rule = _rules(acl)[RATE_RULE]
    assert _block(rule) == {"ResponseCode": 429, "CustomResponseBodyKey": "too_many_requests"}
    assert rule["Statement"] == {
        "RateBasedStatement": {
            "Limit": env.waf_requests_per_ip_per_5min,
            "AggregateKeyType": "IP",
            "EvaluationWindowSec": 300,
        }
    }


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_custom_responses_exist_and_are_json(synthesized: SynthesizedApp, stack: str) -> None:
    _, acl = _acl(synthesized, stack)
    bodies = {b["key"]: b for b in acl["custom_response_body"]}
    assert set(bodies) == {"payload_too_large", "too_many_requests"}
    for key, body in bodies.items():
        assert body["content_type"] == "APPLICATION_JSON"
        assert json.loads(body["content"])["error"] == key


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_known_bad_inputs_group_blocks_log4j(synthesized: SynthesizedApp, stack: str) -> None:
    # CKV_AWS_192: Log4JRCE (CVE-2021-44228) is a rule of this group; nothing overrides or excludes it.
    _, acl = _acl(synthesized, stack)
    statement = _managed(_rules(acl)[KNOWN_BAD_INPUTS])
    assert _counted(statement) == {}
    assert "Version" not in statement  # the group's default version, which AWS keeps up to date


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_core_and_anonymous_ip_groups_count_only_their_documented_rules(
    synthesized: SynthesizedApp, stack: str
) -> None:
    _, acl = _acl(synthesized, stack)
    rules = _rules(acl)
    # The body-size rule of this ACL enforces the environment's limit, not the group's 8 KB.
    assert _counted(_managed(rules[COMMON])) == {"SizeRestrictions_BODY": {"Count": {}}}
    # Cloud providers' ranges are where payment services run; anonymizers stay blocked.
    assert _counted(_managed(rules[ANONYMOUS_IP])) == {"HostingProviderIPList": {"Count": {}}}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_every_rule_has_metrics_and_sampled_requests(synthesized: SynthesizedApp, stack: str) -> None:
    _, acl = _acl(synthesized, stack)
    for name, rule in _rules(acl).items():
        assert rule["VisibilityConfig"] == {
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": f"{acl['name']}-{name}",
        }
    assert acl["visibility_config"] == {
        "cloudwatch_metrics_enabled": True, "metric_name": acl["name"], "sampled_requests_enabled": True,
    }


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_web_acl_protects_the_api_stage(synthesized: SynthesizedApp, stack: str) -> None:
    # CKV2_AWS_77: the stage is associated with this ACL, whose known-bad-inputs group blocks Log4j.
    logical_id, _ = _acl(synthesized, stack)
    (association,) = synthesized.resources(stack, "aws_wafv2_web_acl_association").values()
    assert association["web_acl_arn"] == f"${{aws_wafv2_web_acl.{logical_id}.arn}}"
    (stage_id,) = synthesized.resources(stack, "aws_api_gateway_stage")
    assert association["resource_arn"] == f"${{aws_api_gateway_stage.{stage_id}.arn}}"
