"""EventBridge schedule -> function: fires the scheduled rules that target a function.

EventBridge invokes a Lambda target asynchronously, so two failure paths exist, both emulated:
- delivery fails (the function does not exist): EventBridge retries per the target's RetryPolicy and
  then sends the event to the target's DeadLetterConfig queue (body: the event; attributes: the error);
- the function fails: Lambda's asynchronous invocation retries it per the function's event invoke
  config (MaximumRetryAttempts) and then sends the asynchronous failure record (requestPayload,
  responsePayload, condition RetriesExhausted) to the config's OnFailure destination.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tooling.lambda_service.events import async_failure_record, scheduled_event
from tooling.lambda_service.mappings import queue_url_of
from tooling.lambda_service.runtime import InvocationResult
from tooling.lambda_service.service import LambdaService, function_name_of

DEFAULT_ASYNC_RETRIES = 2  # Lambda's default for asynchronous invocations


@dataclass(frozen=True)
class ScheduleTarget:
    """One scheduled rule's Lambda target."""

    rule_name: str
    rule_arn: str
    schedule_expression: str | None
    function_arn: str
    max_retries: int
    dead_letter_arn: str | None
    input_json: str | None


@dataclass(frozen=True)
class ScheduleFiring:
    """What firing one target did."""

    target: ScheduleTarget
    event: dict[str, Any]
    attempts: list[InvocationResult]
    dead_lettered: bool

    @property
    def result(self) -> InvocationResult | None:
        """The last invocation (None when the event could not be delivered at all)."""
        return self.attempts[-1] if self.attempts else None


class SchedulePlayer:
    """Fires the scheduled rules of the default event bus on demand."""

    def __init__(self, service: LambdaService) -> None:
        self._service = service
        self._events = service.clients.client("events")
        self._lambda = service.clients.client("lambda")
        self._sqs = service.clients.client("sqs")

    def targets_of(self, function_name: str) -> list[ScheduleTarget]:
        """The enabled scheduled rules' targets that invoke `function_name`."""
        return [t for t in self.scheduled_targets() if function_name_of(t.function_arn) == function_name]

    def scheduled_targets(self) -> list[ScheduleTarget]:
        """Every Lambda target of the enabled scheduled rules of the default bus."""
        found = []
        for rule in self._events.list_rules().get("Rules", []):
            if not rule.get("ScheduleExpression") or rule.get("State") != "ENABLED":
                continue
            for target in self._events.list_targets_by_rule(Rule=rule["Name"]).get("Targets", []):
                if ":lambda:" not in target["Arn"]:
                    continue
                found.append(ScheduleTarget(
                    rule_name=rule["Name"], rule_arn=rule["Arn"], schedule_expression=rule.get("ScheduleExpression"),
                    function_arn=target["Arn"],
                    max_retries=int(target.get("RetryPolicy", {}).get("MaximumRetryAttempts", 185)),
                    dead_letter_arn=target.get("DeadLetterConfig", {}).get("Arn"),
                    input_json=target.get("Input"),
                ))
        return found

    def fire(self, target: ScheduleTarget, at: datetime) -> ScheduleFiring:
        """Deliver the event the rule sends at `at` (a target's constant Input replaces it, as in EventBridge)."""
        account = target.rule_arn.split(":")[4]
        event: dict[str, Any] = (
            json.loads(target.input_json) if target.input_json
            else scheduled_event(rule_arn=target.rule_arn, account_id=account,
                                 region=self._service.clients.region, time=at)
        )
        if not self._function_exists(target.function_arn):
            self._dead_letter(target, event, "RESOURCE_NOT_FOUND", f"{target.function_arn} does not exist")
            return ScheduleFiring(target, event, [], dead_lettered=bool(target.dead_letter_arn))
        retries, on_failure = self._async_config(target.function_arn)
        attempts = []
        for _ in range(retries + 1):
            attempts.append(self._service.invoke(target.function_arn, event))
            if attempts[-1].ok:
                return ScheduleFiring(target, event, attempts, dead_lettered=False)
        if on_failure:
            last = attempts[-1]
            record = async_failure_record(
                function_arn=target.function_arn, event=event, error=dict(last.error or {}),
                invoke_count=len(attempts), request_id=last.request_id, now=datetime.now(UTC),
            )
            self._sqs.send_message(QueueUrl=queue_url_of(self._sqs, on_failure), MessageBody=json.dumps(record))
        return ScheduleFiring(target, event, attempts, dead_lettered=bool(on_failure))

    def _function_exists(self, function_arn: str) -> bool:
        try:
            self._lambda.get_function(FunctionName=function_arn)
        except self._lambda.exceptions.ResourceNotFoundException:
            return False
        return True

    def _async_config(self, function_arn: str) -> tuple[int, str | None]:
        try:
            config = self._lambda.get_function_event_invoke_config(FunctionName=function_arn)
        except self._lambda.exceptions.ResourceNotFoundException:
            return DEFAULT_ASYNC_RETRIES, None
        destination = (config.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
        return int(config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES)), destination

    def _dead_letter(self, target: ScheduleTarget, event: dict[str, Any], code: str, message: str) -> None:
        if not target.dead_letter_arn:
            return
        self._sqs.send_message(
            QueueUrl=queue_url_of(self._sqs, target.dead_letter_arn),
            MessageBody=json.dumps(event),
            MessageAttributes={
                "ERROR_CODE": {"DataType": "String", "StringValue": code},
                "ERROR_MESSAGE": {"DataType": "String", "StringValue": message[:256]},
                "RULE_ARN": {"DataType": "String", "StringValue": target.rule_arn},
                "TARGET_ARN": {"DataType": "String", "StringValue": target.function_arn},
            },
        )
