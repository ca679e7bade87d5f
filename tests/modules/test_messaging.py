"""Fraud queue, dead-letter queue and alert topic: redrive, retention, CMK and TLS-only policies."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from terraform_json import at_path, is_tls_only_deny, path_of, ref, referenced_policy, statement

from modules.messaging import MessagingProps
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp


def _queues(synthesized: SynthesizedApp, stack: str) -> tuple[tuple[str, dict], tuple[str, dict]]:
    queues = synthesized.resources(stack, "aws_sqs_queue")
    return at_path(queues, "messaging/queue"), at_path(queues, "messaging/dlq")


def _key_arn(synthesized: SynthesizedApp, stack: str) -> str:
    key_id, _ = at_path(synthesized.resources(stack, "aws_kms_key"), "encryption/key")
    return ref("aws_kms_key", key_id, "arn")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_fraud_queue_visibility_covers_six_notifier_timeouts(synthesized: SynthesizedApp, stack: str) -> None:
    (_, queue), _ = _queues(synthesized, stack)
    assert queue["visibility_timeout_seconds"] == 360


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_fraud_queue_redrives_to_the_dlq_after_three_receives(synthesized: SynthesizedApp, stack: str) -> None:
    (_, queue), (dlq_id, _) = _queues(synthesized, stack)
    # redrive_policy is a Terraform jsonencode() expression: the DLQ ARN is only known at apply time.
    assert queue["redrive_policy"] == (
        f'${{jsonencode({{"deadLetterTargetArn" = aws_sqs_queue.{dlq_id}.arn, "maxReceiveCount" = 3}})}}'
    )


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_dlq_keeps_messages_for_fourteen_days(synthesized: SynthesizedApp, stack: str) -> None:
    _, (_, dlq) = _queues(synthesized, stack)
    assert dlq["message_retention_seconds"] == 1_209_600
    assert "redrive_policy" not in dlq


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_queues_and_topic_are_encrypted_with_the_cmk(synthesized: SynthesizedApp, stack: str) -> None:
    key_arn = _key_arn(synthesized, stack)
    (_, queue), (_, dlq) = _queues(synthesized, stack)
    [topic] = synthesized.resources(stack, "aws_sns_topic").values()
    assert queue["kms_master_key_id"] == key_arn
    assert dlq["kms_master_key_id"] == key_arn
    assert topic["kms_master_key_id"] == key_arn


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
@pytest.mark.parametrize("queue_path", ["messaging/queue", "messaging/dlq"])
def test_queue_policies_deny_requests_without_tls(synthesized: SynthesizedApp, stack: str, queue_path: str) -> None:
    queue_id, _ = at_path(synthesized.resources(stack, "aws_sqs_queue"), queue_path)
    policies = [p for p in synthesized.resources(stack, "aws_sqs_queue_policy").values()
                if p["queue_url"] == ref("aws_sqs_queue", queue_id, "url")]
    assert len(policies) == 1
    deny = statement(referenced_policy(synthesized, stack, policies[0]["policy"]), "DenyInsecureTransport")
    assert is_tls_only_deny(deny, "sqs")
    assert deny["resources"] == [ref("aws_sqs_queue", queue_id, "arn")]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_topic_policy_denies_requests_without_tls(synthesized: SynthesizedApp, stack: str) -> None:
    topic_id, _ = at_path(synthesized.resources(stack, "aws_sns_topic"), "messaging/topic")
    [policy] = synthesized.resources(stack, "aws_sns_topic_policy").values()
    assert policy["arn"] == ref("aws_sns_topic", topic_id, "arn")
    statements = referenced_policy(synthesized, stack, policy["policy"])
    deny = statement(statements, "DenyInsecureTransport")
    assert is_tls_only_deny(deny, "sns")
    assert deny["resources"] == [ref("aws_sns_topic", topic_id, "arn")]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_only_cloudwatch_of_this_account_may_publish_through_the_topic_policy(
    synthesized: SynthesizedApp, stack: str
) -> None:
    [policy] = synthesized.resources(stack, "aws_sns_topic_policy").values()
    statements = referenced_policy(synthesized, stack, policy["policy"])
    allows = [s for s in statements if s["effect"] == "Allow"]
    assert [s["sid"] for s in allows] == ["CloudWatchAlarmsPublish"]
    [alarms] = allows
    assert alarms["actions"] == ["sns:Publish"]
    assert alarms["principals"][0]["identifiers"][0].startswith("cloudwatch.")
    assert alarms["condition"][0]["variable"] == "aws:SourceAccount"


SUFFIXES = {"fraud-detection-dev": "dev", "fraud-detection-staging": "stg", "fraud-detection-prod": "prod",
            "fraud-detection-local": "local"}


def _alarm_names(synthesized: SynthesizedApp, stack: str) -> list[str]:
    return [a["alarm_name"] for a in synthesized.resources(stack, "aws_cloudwatch_metric_alarm").values()]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_topic_takes_alarm_publications_from_this_environments_alarms_only(
    synthesized: SynthesizedApp, stack: str
) -> None:
    [policy] = synthesized.resources(stack, "aws_sns_topic_policy").values()
    alarms = statement(referenced_policy(synthesized, stack, policy["policy"]), "CloudWatchAlarmsPublish")
    [source] = [c for c in alarms["condition"] if c["variable"] == "aws:SourceArn"]
    assert source["test"] == "ArnLike"
    [pattern] = source["values"]
    assert pattern.startswith("arn:${data.aws_partition.") and ":cloudwatch:${data.aws_region." in pattern
    name_pattern = pattern.split(":alarm:", 1)[1]
    assert name_pattern == f"fraud-*-{SUFFIXES[stack]}-*"
    own = _alarm_names(synthesized, stack)
    assert len(own) >= 10 and all(fnmatchcase(name, name_pattern) for name in own)
    for other in ENVIRONMENT_STACKS:
        if other != stack:
            assert not any(fnmatchcase(name, name_pattern) for name in _alarm_names(synthesized, other)), other


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_fraud_queue_takes_messages_from_the_analyzer_and_the_redrive_role_only(
    synthesized: SynthesizedApp, stack: str
) -> None:
    queue_id, _ = at_path(synthesized.resources(stack, "aws_sqs_queue"), "messaging/queue")
    _, policy = at_path(synthesized.resources(stack, "aws_sqs_queue_policy"), "messaging/queue-policy")
    deny = statement(referenced_policy(synthesized, stack, policy["policy"]), "OnlyAdmittedSenders")
    assert deny["effect"] == "Deny"
    assert deny["actions"] == ["sqs:SendMessage"]
    assert deny["resources"] == [ref("aws_sqs_queue", queue_id, "arn")]
    assert deny["principals"] == [{"type": "AWS", "identifiers": ["*"]}]
    [condition] = deny["condition"]
    assert (condition["test"], condition["variable"]) == ("ArnNotEquals", "aws:PrincipalArn")
    analyzer_role, _ = at_path(synthesized.resources(stack, "aws_iam_role"), "analyzer/role")
    redrive = [v for v in condition["values"] if v.endswith(f":role/fraud-operations-{SUFFIXES[stack]}")]
    assert sorted(condition["values"]) == sorted([ref("aws_iam_role", analyzer_role, "arn"), *redrive])
    assert len(redrive) == 1


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_dlq_admits_eventbridge_only_from_the_daily_rule(synthesized: SynthesizedApp, stack: str) -> None:
    _, (dlq_id, _) = _queues(synthesized, stack)
    [policy] = [p for p in synthesized.resources(stack, "aws_sqs_queue_policy").values()
                if p["queue_url"] == ref("aws_sqs_queue", dlq_id, "url")]
    statements = referenced_policy(synthesized, stack, policy["policy"])
    allows = [s for s in statements if s["effect"] == "Allow"]
    assert len(allows) == 1
    [delivery] = allows
    assert delivery["actions"] == ["sqs:SendMessage"]
    assert delivery["resources"] == [ref("aws_sqs_queue", dlq_id, "arn")]
    [principal] = delivery["principals"]
    assert principal["type"] == "Service"
    [service] = principal["identifiers"]
    assert service.startswith("events.${data.aws_partition.") and service.endswith(".dns_suffix}")
    [condition] = delivery["condition"]
    assert (condition["test"], condition["variable"]) == ("ArnEquals", "aws:SourceArn")
    [rule] = synthesized.resources(stack, "aws_cloudwatch_event_rule").values()
    [source_arn] = condition["values"]
    assert source_arn.startswith("arn:${data.aws_partition.")
    assert ":events:${data.aws_region." in source_arn
    assert source_arn.endswith(f".account_id}}:rule/{rule['name']}")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_no_email_subscription_without_an_address(synthesized: SynthesizedApp, stack: str) -> None:
    assert synthesized.resources(stack, "aws_sns_topic_subscription") == {}


# moto 5 does not store a queue's RedriveAllowPolicy, so the emulator stack goes without it
# (stacks/emulator.py); every AWS environment carries it.
EMULATOR_STACK = "fraud-detection-local"
AWS_STACKS = tuple(s for s in ENVIRONMENT_STACKS if s != EMULATOR_STACK)


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_dlq_accepts_redrives_from_the_fraud_queue_only(synthesized: SynthesizedApp, stack: str) -> None:
    (queue_id, _), (dlq_id, dlq) = _queues(synthesized, stack)
    # A separate resource: the DLQ cannot name the fraud queue in its own arguments (a cycle).
    assert "redrive_allow_policy" not in dlq
    [(allow_id, allow)] = synthesized.resources(stack, "aws_sqs_queue_redrive_allow_policy").items()
    assert path_of(allow) == "messaging/dlq-redrive-allow", allow_id
    assert allow["queue_url"] == ref("aws_sqs_queue", dlq_id, "url")
    assert allow["redrive_allow_policy"] == (
        f'${{jsonencode({{"redrivePermission" = "byQueue", "sourceQueueArns" = [aws_sqs_queue.{queue_id}.arn]}})}}'
    )


def test_only_the_emulator_stack_goes_without_a_dlq_redrive_allow_policy(synthesized: SynthesizedApp) -> None:
    without = [s for s in ENVIRONMENT_STACKS if not synthesized.resources(s, "aws_sqs_queue_redrive_allow_policy")]
    assert without == [EMULATOR_STACK]
    _, (_, dlq) = _queues(synthesized, EMULATOR_STACK)
    assert "redrive_allow_policy" not in dlq


def test_redrive_allow_policy_is_on_unless_turned_off() -> None:
    props = MessagingProps(queue_name="q", dlq_name="d", topic_name="t", kms_key_arn="k", context=None)  # type: ignore[arg-type]
    assert props.redrive_allow_policy is True


@pytest.mark.parametrize(
    ("field", "value"),
    [("visibility_timeout_seconds", 43_201), ("max_receive_count", 0), ("dlq_retention_seconds", 1_209_601),
     ("dlq_retention_seconds", 59)],
)
def test_out_of_range_settings_are_rejected(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        MessagingProps(queue_name="q", dlq_name="d", topic_name="t", kms_key_arn="k", context=None,  # type: ignore[arg-type]
                       **{field: value})
