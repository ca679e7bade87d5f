"""Pipeline-level alarms and the CloudWatch dashboard."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct

from modules.alarms import MetricRef, threshold_alarm


@dataclass(frozen=True, kw_only=True)
class PipelineMonitoringProps:
    """What to watch and where to send alarms."""

    name: str
    """Prefix of alarm names and the dashboard name."""
    region: str
    """Region of the dashboard's metrics."""
    topic_arn: str
    """Alert topic every alarm notifies (alarm and OK)."""
    dlq_name: str
    """Dead-letter queue whose depth must stay at zero."""
    fraud_queue_name: str
    """Fraud queue (dashboard)."""
    stream_consumer_function: str
    """Function consuming the table's stream (iterator age)."""
    function_names: Sequence[str]
    """All functions (dashboard)."""
    api_name: str
    """REST API name (API Gateway metrics are keyed by name and stage)."""
    api_stage: str
    """Stage name (a literal: the dashboard body is plain JSON)."""
    table_name: str
    """Transactions table (dashboard)."""
    dlq_depth_threshold: int = 0
    """Visible DLQ messages above which the alarm fires."""
    iterator_age_ms: int = 60_000
    """Stream lag above which the alarm fires."""
    api_5xx_rate: float = 0.01
    """Fraction of 5XX answers above which the alarm fires."""
    api_4xx_rate: float = 0.10
    """Fraction of 4XX answers above which the alarm fires."""


class PipelineMonitoring(Construct):
    """Alarms on DLQ depth, stream iterator age and API 5XX/4XX rates, and one dashboard."""

    def __init__(self, scope: Construct, id_: str, props: PipelineMonitoringProps) -> None:
        super().__init__(scope, id_)
        api_dimensions = {"ApiName": props.api_name, "Stage": props.api_stage}
        self.dlq_alarm = threshold_alarm(
            self,
            "dlq-depth",
            name=f"{props.name}-dlq-not-empty",
            description="Messages in the dead-letter queue: failed alerts, stream records or scheduled runs",
            metric=MetricRef(
                namespace="AWS/SQS",
                metric_name="ApproximateNumberOfMessagesVisible",
                dimensions={"QueueName": props.dlq_name},
                stat="Maximum",
            ),
            threshold=props.dlq_depth_threshold,
            topic_arn=props.topic_arn,
            period=60,
        )
        self.iterator_age_alarm = threshold_alarm(
            self,
            "iterator-age",
            name=f"{props.name}-stream-lag",
            description="The fraud analyzer is falling behind the transactions stream",
            metric=MetricRef(
                namespace="AWS/Lambda",
                metric_name="IteratorAge",
                dimensions={"FunctionName": props.stream_consumer_function},
                stat="Maximum",
            ),
            threshold=props.iterator_age_ms,
            topic_arn=props.topic_arn,
            period=60,
        )
        # API Gateway's 5XXError and 4XXError metrics are 0/1 per request: their average is the rate.
        self.api_5xx_alarm = threshold_alarm(
            self,
            "api-5xx",
            name=f"{props.name}-api-5xx-rate",
            description=f"More than {props.api_5xx_rate:.0%} of API requests failed server-side in 5 minutes",
            metric=MetricRef(namespace="AWS/ApiGateway", metric_name="5XXError", dimensions=api_dimensions,
                             stat="Average"),
            threshold=props.api_5xx_rate,
            topic_arn=props.topic_arn,
        )
        self.api_4xx_alarm = threshold_alarm(
            self,
            "api-4xx",
            name=f"{props.name}-api-4xx-rate",
            description=f"More than {props.api_4xx_rate:.0%} of API requests were rejected in 5 minutes",
            metric=MetricRef(namespace="AWS/ApiGateway", metric_name="4XXError", dimensions=api_dimensions,
                             stat="Average"),
            threshold=props.api_4xx_rate,
            topic_arn=props.topic_arn,
        )
        self.dashboard = CloudwatchDashboard(
            self, "dashboard", dashboard_name=props.name, dashboard_body=_dashboard_body(props)
        )


def _widget(title: str, metrics: list[list[object]], region: str, x: int, y: int, stat: str = "Sum") -> dict:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {"title": title, "metrics": metrics, "region": region, "stat": stat, "period": 300,
                       "view": "timeSeries"},
    }


def _dashboard_body(props: PipelineMonitoringProps) -> str:
    region = props.region
    api = ["ApiName", props.api_name, "Stage", props.api_stage]
    widgets = [
        _widget("API requests and errors", [["AWS/ApiGateway", "Count", *api], [".", "4XXError", *api],
                                            [".", "5XXError", *api]], region, 0, 0),
        _widget("API latency (p99)", [["AWS/ApiGateway", "Latency", *api],
                                      [".", "IntegrationLatency", *api]], region, 12, 0, stat="p99"),
        _widget("Function invocations", [["AWS/Lambda", "Invocations", "FunctionName", f]
                                         for f in props.function_names], region, 0, 6),
        _widget("Function errors and throttles",
                [["AWS/Lambda", m, "FunctionName", f] for f in props.function_names
                 for m in ("Errors", "Throttles")], region, 12, 6),
        _widget("Stream lag (IteratorAge)", [["AWS/Lambda", "IteratorAge", "FunctionName",
                                              props.stream_consumer_function]], region, 0, 12, stat="Maximum"),
        _widget("Queues", [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", props.fraud_queue_name],
                           [".", ".", ".", props.dlq_name]], region, 12, 12, stat="Maximum"),
        _widget("Table throttles and errors", [["AWS/DynamoDB", "ThrottledRequests", "TableName", props.table_name],
                                               [".", "SystemErrors", ".", props.table_name]], region, 0, 18),
    ]
    body = json.dumps({"widgets": widgets}, sort_keys=True)
    # A reference inside a JSON string does not survive every output format (cdktf's HCL output
    # mangles it), and names here are known at synth time anyway: insist on literals.
    if Token.is_unresolved(body):
        raise ValueError("dashboard names must be literals, not references to other resources")
    return body
