"""Pipeline alarms and the dashboard."""

from __future__ import annotations

import json

import pytest
from terraform_json import at_path, ref

from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

SUFFIX = {"fraud-detection-dev": "dev", "fraud-detection-staging": "stg", "fraud-detection-prod": "prod",
          "fraud-detection-local": "local"}


API_STAGE = "v1"


def _alarm(synthesized: SynthesizedApp, stack: str, name: str) -> dict:
    return at_path(synthesized.resources(stack, "aws_cloudwatch_metric_alarm"), f"monitoring/{name}")[1]


def _topic(synthesized: SynthesizedApp, stack: str) -> str:
    topic_id, _ = at_path(synthesized.resources(stack, "aws_sns_topic"), "messaging/topic")
    return ref("aws_sns_topic", topic_id, "arn")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_any_message_in_the_dlq_raises_an_alarm(synthesized: SynthesizedApp, stack: str) -> None:
    alarm = _alarm(synthesized, stack, "dlq-depth")
    _, dlq = at_path(synthesized.resources(stack, "aws_sqs_queue"), "messaging/dlq")
    assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum")
    assert alarm["dimensions"] == {"QueueName": dlq["name"]}
    assert (alarm["comparison_operator"], alarm["threshold"], alarm["period"]) == ("GreaterThanThreshold", 0, 60)


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_analyzer_lag_on_the_stream_raises_an_alarm(synthesized: SynthesizedApp, stack: str) -> None:
    alarm = _alarm(synthesized, stack, "iterator-age")
    _, analyzer = at_path(synthesized.resources(stack, "aws_lambda_function"), "analyzer/function")
    assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == ("AWS/Lambda", "IteratorAge", "Maximum")
    assert alarm["dimensions"] == {"FunctionName": analyzer["function_name"]}
    assert (alarm["comparison_operator"], alarm["threshold"]) == ("GreaterThanThreshold", 60_000)


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
@pytest.mark.parametrize(("name", "metric", "threshold"), [("api-5xx", "5XXError", 0.01), ("api-4xx", "4XXError", 0.1)])
def test_api_error_rates_raise_alarms(
    synthesized: SynthesizedApp, stack: str, name: str, metric: str, threshold: float
) -> None:
    alarm = _alarm(synthesized, stack, name)
    _, api = at_path(synthesized.resources(stack, "aws_api_gateway_rest_api"), "api/api")
    _, stage = at_path(synthesized.resources(stack, "aws_api_gateway_stage"), "api/stage")
    # The metric is 0/1 per request, so its average over the period is the error rate.
    assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == ("AWS/ApiGateway", metric, "Average")
    # Names are literals (the same values the dashboard's plain JSON holds), and they must be the
    # names the API and its stage are deployed under, or the alarm watches a metric nobody emits.
    assert stage["stage_name"] == API_STAGE
    assert alarm["dimensions"] == {"ApiName": api["name"], "Stage": API_STAGE}
    assert (alarm["threshold"], alarm["period"]) == (threshold, 300)
    assert alarm["alarm_name"] == f"fraud-pipeline-{SUFFIX[stack]}-{name}-rate"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_every_alarm_notifies_the_alert_topic(synthesized: SynthesizedApp, stack: str) -> None:
    alarms = synthesized.resources(stack, "aws_cloudwatch_metric_alarm")
    assert len(alarms) == 4 + 2 * 4, "four pipeline alarms plus error-rate and throttle alarms per function"
    topic = _topic(synthesized, stack)
    for logical_id, alarm in alarms.items():
        assert alarm.get("alarm_actions") == [topic], f"{logical_id} has no alarm action"
        assert alarm.get("ok_actions") == [topic], f"{logical_id} does not report recovery"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_alarm_names_are_unique(synthesized: SynthesizedApp, stack: str) -> None:
    names = [a["alarm_name"] for a in synthesized.resources(stack, "aws_cloudwatch_metric_alarm").values()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_dashboard_body_is_json_with_widgets_for_every_function(synthesized: SynthesizedApp, stack: str) -> None:
    _, dashboard = at_path(synthesized.resources(stack, "aws_cloudwatch_dashboard"), "monitoring/dashboard")
    assert dashboard["dashboard_name"] == f"fraud-pipeline-{SUFFIX[stack]}"
    # Plain JSON: a Terraform reference inside the string would not survive cdktf's HCL output.
    assert "${" not in dashboard["dashboard_body"]
    body = json.loads(dashboard["dashboard_body"])
    widgets = body["widgets"]
    assert len(widgets) == 7
    for widget in widgets:
        assert widget["type"] == "metric"
        assert widget["properties"]["metrics"]
        assert widget["properties"]["region"] == "us-east-1"
    metric_rows = [row for w in widgets for row in w["properties"]["metrics"]]
    function_names = {f["function_name"] for f in synthesized.resources(stack, "aws_lambda_function").values()}
    invoked = {row[3] for row in metric_rows if row[:2] == ["AWS/Lambda", "Invocations"]}
    assert invoked == function_names
    _, api = at_path(synthesized.resources(stack, "aws_api_gateway_rest_api"), "api/api")
    api_rows = [row for w in widgets for row in w["properties"]["metrics"]
                if w["properties"]["metrics"][0][0] == "AWS/ApiGateway"]
    assert len(api_rows) == 5
    for row in api_rows:
        assert row[2:] == ["ApiName", api["name"], "Stage", API_STAGE]
    positions = {(w["x"], w["y"]) for w in widgets}
    assert len(positions) == len(widgets), "widgets must not overlap"
