"""Encryption at rest under the project's CMK, TLS-only resource policies, and a key policy that
grants nothing to an anonymous principal without conditions: read from the synthesized JSON."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ENVIRONMENT_STACKS, NETWORK_STACKS, SynthesizedApp
from tests.security.stack_refs import Ref, StackView, one_block, ref

AWS_ENVIRONMENTS = ("fraud-detection-dev", "fraud-detection-staging", "fraud-detection-prod")
STATE_STACKS = ("fraud-detection-state", "fraud-detection-state-local")


def _view(app: SynthesizedApp, stack: str) -> StackView:
    return StackView(stack, app.stack(stack))


def _the_key(view: StackView) -> str:
    # The environment's HMAC key (log pseudonyms) encrypts nothing: it is not the stack's CMK.
    keys = {lid: k for lid, k in view.resources("aws_kms_key").items() if k.get("key_usage") != "GENERATE_VERIFY_MAC"}
    assert len(keys) == 1, f"{view.name}: expected one customer-managed key, found {sorted(keys)}"
    return f"${{aws_kms_key.{next(iter(keys))}.arn}}"


def _unencrypted(view: StackView) -> list[str]:
    """Every store, queue, topic, log group and function environment not under the stack's CMK."""
    key = _the_key(view)
    problems = []

    def expect(kind: str, logical_id: str, value: Any) -> None:
        if value != key:
            problems.append(f"{kind}.{logical_id}: {value!r} instead of the CMK")

    for lid, table in view.resources("aws_dynamodb_table").items():
        sse = one_block(table.get("server_side_encryption"))
        if sse.get("enabled") is not True:
            problems.append(f"aws_dynamodb_table.{lid}: server-side encryption off")
        expect("aws_dynamodb_table", lid, sse.get("kms_key_arn"))
    for kind, attribute in (("aws_sqs_queue", "kms_master_key_id"), ("aws_sns_topic", "kms_master_key_id"),
                            ("aws_cloudwatch_log_group", "kms_key_id"), ("aws_lambda_function", "kms_key_arn")):
        for lid, resource in view.resources(kind).items():
            expect(kind, lid, resource.get(attribute))
    encrypted_buckets = set()
    for lid, config in view.resources("aws_s3_bucket_server_side_encryption_configuration").items():
        default = one_block(one_block(config["rule"])["apply_server_side_encryption_by_default"])
        if default.get("sse_algorithm") != "aws:kms":
            problems.append(f"aws_s3_bucket_server_side_encryption_configuration.{lid}: not SSE-KMS")
        expect("aws_s3_bucket_server_side_encryption_configuration", lid, default.get("kms_master_key_id"))
        bucket = ref(config["bucket"])
        assert bucket
        encrypted_buckets.add(bucket.logical_id)
    problems += [f"aws_s3_bucket.{b}: no encryption configuration" for b in view.resources("aws_s3_bucket")
                 if b not in encrypted_buckets]
    for lid, function in view.resources("aws_lambda_function").items():
        if not one_block(function.get("environment")).get("variables"):
            problems.append(f"aws_lambda_function.{lid}: no environment to encrypt (unexpected)")
    return problems


@pytest.mark.parametrize("stack", [*ENVIRONMENT_STACKS, *NETWORK_STACKS, *STATE_STACKS])
def test_everything_at_rest_is_encrypted_with_the_stacks_cmk(synthesized: SynthesizedApp, stack: str) -> None:
    assert _unencrypted(_view(synthesized, stack)) == []


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_encrypted_inventory_is_complete(synthesized: SynthesizedApp, stack: str) -> None:
    # Guards the walk above against passing vacuously: each kind the pipeline owns is there.
    view = _view(synthesized, stack)
    counts = {kind: len(view.resources(kind)) for kind in (
        "aws_dynamodb_table", "aws_sqs_queue", "aws_sns_topic", "aws_lambda_function", "aws_cloudwatch_log_group",
        "aws_s3_bucket_server_side_encryption_configuration")}
    # Tables: transactions, idempotency, merchant counters. Log groups: four functions, API access and
    # execution logs, WAF logs (the VPC flow logs are the network stack's). Buckets: reports, artifacts.
    assert counts == {"aws_dynamodb_table": 3, "aws_sqs_queue": 2, "aws_sns_topic": 1, "aws_lambda_function": 4,
                      "aws_cloudwatch_log_group": 7, "aws_s3_bucket_server_side_encryption_configuration": 2}


def test_the_walk_reports_a_resource_outside_the_cmk(synthesized: SynthesizedApp) -> None:
    body = dict(synthesized.stack("fraud-detection-dev"))
    body["resource"] = {**body["resource"], "aws_sqs_queue": {
        **body["resource"]["aws_sqs_queue"], "plain": {"name": "x", "sqs_managed_sse_enabled": True}}}
    assert _unencrypted(StackView("x", body)) == ["aws_sqs_queue.plain: None instead of the CMK"]


def _denies_insecure_transport(statements: list[dict[str, Any]], service: str, arns: set[str]) -> bool:
    for statement in statements:
        conditions = statement.get("condition", [])
        insecure = any(c["test"] == "Bool" and c["variable"] == "aws:SecureTransport" and c["values"] == ["false"]
                       for c in conditions)
        everyone = any(p["type"] in ("*", "AWS") and p["identifiers"] == ["*"] for p in statement.get("principals", []))
        if (statement.get("effect") == "Deny" and insecure and everyone
                and f"{service}:*" in statement.get("actions", []) and arns <= set(statement.get("resources", []))):
            return True
    return False


def _resource_policies(view: StackView) -> dict[str, list[dict[str, Any]]]:
    """Resource ARN reference -> statements of the policy attached to it."""
    policies: dict[str, list[dict[str, Any]]] = {}
    for policy in view.resources("aws_s3_bucket_policy").values():
        bucket = ref(policy["bucket"])
        assert bucket
        policies[f"${{aws_s3_bucket.{bucket.logical_id}.arn}}"] = view.policy_statements(policy["policy"])
    for policy in view.resources("aws_sqs_queue_policy").values():
        queue = ref(policy["queue_url"])
        assert queue
        policies[f"${{aws_sqs_queue.{queue.logical_id}.arn}}"] = view.policy_statements(policy["policy"])
    for policy in view.resources("aws_sns_topic_policy").values():
        policies[policy["arn"]] = view.policy_statements(policy["policy"])
    return policies


@pytest.mark.parametrize("stack", [*AWS_ENVIRONMENTS, "fraud-detection-state"])
def test_buckets_queues_and_topics_refuse_requests_without_tls(synthesized: SynthesizedApp, stack: str) -> None:
    view = _view(synthesized, stack)
    policies = _resource_policies(view)
    missing = []
    for kind, service, extra in (("aws_s3_bucket", "s3", "/*"), ("aws_sqs_queue", "sqs", None),
                                 ("aws_sns_topic", "sns", None)):
        for lid in view.resources(kind):
            arn = f"${{{kind}.{lid}.arn}}"
            arns = {arn, f"{arn}{extra}"} if extra else {arn}
            if not _denies_insecure_transport(policies.get(arn, []), service, arns):
                missing.append(f"{kind}.{lid}")
    assert missing == []
    # The state stack: the state bucket and its audit trail's log bucket; environments: two buckets,
    # two queues, the topic.
    assert len(policies) == (2 if stack == "fraud-detection-state" else 5)


def test_only_the_emulator_goes_without_bucket_tls_policies(synthesized: SynthesizedApp) -> None:
    # moto cannot evaluate policy conditions (stacks/emulator.py); queues and topic keep theirs there too.
    for stack in ("fraud-detection-local", "fraud-detection-state-local"):
        assert not synthesized.resources(stack, "aws_s3_bucket_policy")
    assert len(synthesized.resources("fraud-detection-local", "aws_sqs_queue_policy")) == 2


@pytest.mark.parametrize("stack", [*ENVIRONMENT_STACKS, *STATE_STACKS])
def test_key_policies_grant_nobody_anonymous_access_without_conditions(synthesized: SynthesizedApp, stack: str) -> None:
    view = _view(synthesized, stack)
    problems = []
    for lid, key in view.resources("aws_kms_key").items():
        # KMS rotates encryption keys only; the HMAC key's rotation is a new key (new pseudonyms).
        assert key.get("key_usage") == "GENERATE_VERIFY_MAC" or key["enable_key_rotation"] is True, \
            f"{lid}: rotation off"
        for statement in view.policy_statements(key["policy"]):
            if statement.get("effect", "Allow") != "Allow":
                continue
            conditions = {c["variable"] for c in statement.get("condition", [])}
            for principal in statement.get("principals", []):
                anonymous = principal["type"] == "*" or "*" in principal["identifiers"]
                # "*" is only ever narrowed to this account's callers coming through a service, or
                # to named roles of this account (the pseudonym key's GenerateMac, a direct call).
                narrowed = {"kms:CallerAccount", "kms:ViaService"} <= conditions or (
                    {"kms:CallerAccount", "aws:PrincipalArn"} <= conditions)
                if anonymous and not narrowed:
                    problems.append(f"{lid}/{statement['sid']}: principal '*' with conditions {sorted(conditions)}")
                if principal["type"] == "Service" and not conditions:
                    problems.append(f"{lid}/{statement['sid']}: service principal without a source condition")
    assert problems == []


def test_functions_decrypt_their_environment_with_the_cmk_only(synthesized: SynthesizedApp) -> None:
    view = _view(synthesized, "fraud-detection-prod")
    key = _the_key(view)
    for function in view.resources("aws_lambda_function").values():
        role = ref(function["role"])
        assert isinstance(role, Ref)
        policies = [p for p in view.resources("aws_iam_role_policy").values()
                    if ref(p["role"]) and ref(p["role"]).logical_id == role.logical_id]  # type: ignore[union-attr]
        statements = [s for p in policies for s in view.policy_statements(p["policy"])]
        decrypt = [s for s in statements if "kms:Decrypt" in s["actions"]]
        assert [s["resources"] for s in decrypt] == [[key]], function["function_name"]
