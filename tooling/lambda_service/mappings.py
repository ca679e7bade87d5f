"""Event source mappings as the emulator reports them (ListEventSourceMappings).

moto 5.2 returns every field the stack sets on both mappings (FilterCriteria, DestinationConfig,
BisectBatchOnFunctionError, MaximumRetryAttempts, MaximumRecordAgeInSeconds, FunctionResponseTypes,
BatchSize), so nothing has to be read from the Terraform state; `require` fails loudly should a
future emulator drop one that the stack is known to set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tooling.lambda_service.filter_patterns import parse_filter_criteria


@dataclass(frozen=True)
class EventSourceMapping:
    """The settings of one mapping that its delivery depends on."""

    uuid: str
    source_arn: str
    function_arn: str
    enabled: bool
    batch_size: int
    filter_patterns: tuple[Mapping[str, Any], ...]
    report_item_failures: bool
    bisect_on_error: bool
    max_retries: int
    max_record_age_seconds: int
    on_failure_arn: str | None
    starting_position: str | None = None

    @property
    def service(self) -> str:
        """The source's service: "dynamodb", "sqs", ..."""
        return self.source_arn.split(":")[2]

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> EventSourceMapping:
        """From one ListEventSourceMappings entry."""
        return cls(
            uuid=raw["UUID"],
            source_arn=raw["EventSourceArn"],
            function_arn=raw["FunctionArn"],
            enabled=raw.get("State", "Enabled") in ("Enabled", "Enabling", "Updating"),
            batch_size=int(raw.get("BatchSize", 10)),
            filter_patterns=tuple(parse_filter_criteria(raw.get("FilterCriteria"))),
            report_item_failures="ReportBatchItemFailures" in raw.get("FunctionResponseTypes", []),
            bisect_on_error=bool(raw.get("BisectBatchOnFunctionError", False)),
            max_retries=int(raw.get("MaximumRetryAttempts", -1)),
            max_record_age_seconds=int(raw.get("MaximumRecordAgeInSeconds", -1)),
            on_failure_arn=(raw.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination"),
            starting_position=raw.get("StartingPosition"),
        )


def list_mappings(lambda_client: Any) -> list[EventSourceMapping]:
    """Every mapping of the account and region."""
    found: list[EventSourceMapping] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = lambda_client.list_event_source_mappings(**kwargs)
        found.extend(EventSourceMapping.from_api(m) for m in page.get("EventSourceMappings", []))
        if not page.get("NextMarker"):
            return found
        kwargs["Marker"] = page["NextMarker"]


def queue_url_of(sqs_client: Any, queue_arn: str) -> str:
    """The URL of a queue given its ARN."""
    _, _, _, _, account, name = queue_arn.split(":", 5)
    return str(sqs_client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"])
