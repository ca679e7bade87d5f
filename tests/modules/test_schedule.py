"""The daily report schedule: cron, retries, DLQ, and the one permission letting the rule invoke."""

from __future__ import annotations

import pytest
from terraform_json import at_path, ref

from modules.schedule import DailyScheduleProps
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_rule_fires_daily_at_midnight_utc(synthesized: SynthesizedApp, stack: str) -> None:
    _, rule = at_path(synthesized.resources(stack, "aws_cloudwatch_event_rule"), "daily-report/rule")
    assert rule["schedule_expression"] == "cron(0 0 * * ? *)"
    assert rule["name"].startswith("fraud-daily-report-")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_target_is_the_report_generator_with_retries_and_dlq(synthesized: SynthesizedApp, stack: str) -> None:
    rule_id, _ = at_path(synthesized.resources(stack, "aws_cloudwatch_event_rule"), "daily-report/rule")
    function_id, _ = at_path(synthesized.resources(stack, "aws_lambda_function"), "report-generator/function")
    dlq_id, _ = at_path(synthesized.resources(stack, "aws_sqs_queue"), "messaging/dlq")
    [target] = synthesized.resources(stack, "aws_cloudwatch_event_target").values()
    assert target["rule"] == ref("aws_cloudwatch_event_rule", rule_id, "name")
    assert target["arn"] == ref("aws_lambda_function", function_id, "arn")
    assert target["retry_policy"] == {"maximum_retry_attempts": 4, "maximum_event_age_in_seconds": 3600}
    assert target["dead_letter_config"] == {"arn": ref("aws_sqs_queue", dlq_id, "arn")}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_only_this_rule_may_invoke_the_report_generator(synthesized: SynthesizedApp, stack: str) -> None:
    rule_id, _ = at_path(synthesized.resources(stack, "aws_cloudwatch_event_rule"), "daily-report/rule")
    function_id, _ = at_path(synthesized.resources(stack, "aws_lambda_function"), "report-generator/function")
    _, permission = at_path(synthesized.resources(stack, "aws_lambda_permission"), "daily-report/invoke")
    assert permission == {
        "//": permission["//"],
        "action": "lambda:InvokeFunction",
        "function_name": ref("aws_lambda_function", function_id, "function_name"),
        "principal": "events.amazonaws.com",
        "source_arn": ref("aws_cloudwatch_event_rule", rule_id, "arn"),
        "statement_id": "AllowDailySchedule",
    }


def _props(**overrides: object) -> DailyScheduleProps:
    base: dict[str, object] = {"rule_name": "r", "function_name": "f", "function_arn": "a", "dlq_arn": "d"}
    return DailyScheduleProps(**{**base, **overrides})  # type: ignore[arg-type]


def test_defaults_are_midnight_with_four_retries_for_an_hour() -> None:
    props = _props()
    assert (props.schedule_expression, props.max_retries, props.max_event_age_seconds) == (
        "cron(0 0 * * ? *)", 4, 3600)


@pytest.mark.parametrize(
    "overrides",
    [{"schedule_expression": "0 0 * * *"}, {"max_retries": 186}, {"max_retries": -1},
     {"max_event_age_seconds": 59}, {"max_event_age_seconds": 86_401}],
)
def test_invalid_schedule_settings_are_rejected(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _props(**overrides)
