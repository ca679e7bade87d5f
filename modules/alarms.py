"""CloudWatch alarm shapes used across the pipeline: every alarm notifies the alert topic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

FIVE_MINUTES = 300


@dataclass(frozen=True, kw_only=True)
class MetricRef:
    """One CloudWatch metric with its dimensions and statistic."""

    namespace: str
    """e.g. AWS/Lambda."""
    metric_name: str
    """e.g. Errors."""
    dimensions: Mapping[str, str]
    """Dimension name -> value."""
    stat: str = "Sum"
    """Statistic over the period."""


def threshold_alarm(
    scope: Construct,
    id_: str,
    *,
    name: str,
    description: str,
    metric: MetricRef,
    threshold: float,
    topic_arn: str,
    period: int = FIVE_MINUTES,
) -> CloudwatchMetricAlarm:
    """Alarm when one metric's statistic over `period` exceeds `threshold`."""
    return CloudwatchMetricAlarm(
        scope,
        id_,
        alarm_name=name,
        alarm_description=description,
        namespace=metric.namespace,
        metric_name=metric.metric_name,
        dimensions=dict(metric.dimensions),
        statistic=metric.stat,
        period=period,
        evaluation_periods=1,
        comparison_operator="GreaterThanThreshold",
        threshold=threshold,
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
    )


def ratio_alarm(
    scope: Construct,
    id_: str,
    *,
    name: str,
    description: str,
    numerator: MetricRef,
    denominator: MetricRef,
    threshold_percent: float,
    topic_arn: str,
    period: int = FIVE_MINUTES,
) -> CloudwatchMetricAlarm:
    """Alarm when 100 * numerator / denominator over `period` exceeds `threshold_percent` (metric math).

    A period without traffic counts as 0 %, not as missing data, so an idle function is healthy.
    """

    def query(query_id: str, metric: MetricRef) -> CloudwatchMetricAlarmMetricQuery:
        return CloudwatchMetricAlarmMetricQuery(
            id=query_id,
            return_data=False,
            metric=CloudwatchMetricAlarmMetricQueryMetric(
                namespace=metric.namespace,
                metric_name=metric.metric_name,
                dimensions=dict(metric.dimensions),
                period=period,
                stat=metric.stat,
            ),
        )

    return CloudwatchMetricAlarm(
        scope,
        id_,
        alarm_name=name,
        alarm_description=description,
        evaluation_periods=1,
        comparison_operator="GreaterThanThreshold",
        threshold=threshold_percent,
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        metric_query=[
            query("numerator", numerator),
            query("denominator", denominator),
            CloudwatchMetricAlarmMetricQuery(
                id="rate",
                expression="IF(denominator > 0, 100 * numerator / denominator, 0)",
                label="Percent",
                return_data=True,
            ),
        ],
    )
