"""Daily EventBridge schedule invoking a function, with retries and a DLQ for undeliverable events."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import CloudwatchEventTarget
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class DailyScheduleProps:
    """Settings of the schedule."""

    rule_name: str
    """Rule name (the DLQ's policy admits deliveries from this rule only)."""
    function_name: str
    """Function invoked."""
    function_arn: str
    """ARN of the function invoked."""
    dlq_arn: str
    """Queue for events EventBridge could not deliver."""
    schedule_expression: str = "cron(0 0 * * ? *)"
    """When the rule fires: daily at 00:00 UTC."""
    max_retries: int = 4
    """Delivery retries."""
    max_event_age_seconds: int = 3600
    """Undelivered events older than this go to the DLQ."""

    def __post_init__(self) -> None:
        if not (self.schedule_expression.startswith("cron(") or self.schedule_expression.startswith("rate(")):
            raise ValueError("schedule_expression must be cron(...) or rate(...)")
        if not 0 <= self.max_retries <= 185 or not 60 <= self.max_event_age_seconds <= 86400:
            raise ValueError("max_retries 0..185 and max_event_age_seconds 60..86400")


class DailySchedule(Construct):
    """Rule, target (retry policy + DLQ) and the permission letting this rule, only, invoke the function."""

    def __init__(self, scope: Construct, id_: str, props: DailyScheduleProps) -> None:
        super().__init__(scope, id_)
        self.rule = CloudwatchEventRule(
            self,
            "rule",
            name=props.rule_name,
            description="Daily fraud report for the previous UTC day",
            schedule_expression=props.schedule_expression,
        )
        self.target = CloudwatchEventTarget(
            self,
            "target",
            rule=self.rule.name,
            arn=props.function_arn,
            retry_policy={
                "maximum_retry_attempts": props.max_retries,
                "maximum_event_age_in_seconds": props.max_event_age_seconds,
            },
            dead_letter_config={"arn": props.dlq_arn},
        )
        self.permission = LambdaPermission(
            self,
            "invoke",
            statement_id="AllowDailySchedule",
            action="lambda:InvokeFunction",
            function_name=props.function_name,
            principal="events.amazonaws.com",
            source_arn=self.rule.arn,
        )

    @property
    def rule_arn(self) -> str:
        """ARN of the rule."""
        return self.rule.arn
