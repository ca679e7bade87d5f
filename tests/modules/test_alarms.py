"""The two alarm shapes every alarm of the pipeline is built from."""

from __future__ import annotations

import pytest

from modules.alarms import MetricRef
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp


def _alarms(synthesized: SynthesizedApp, stack: str) -> list[dict]:
    return list(synthesized.resources(stack, "aws_cloudwatch_metric_alarm").values())


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_every_alarm_has_actions_and_an_idle_period_is_healthy(synthesized: SynthesizedApp, stack: str) -> None:
    alarms = _alarms(synthesized, stack)
    assert alarms
    for alarm in alarms:
        assert alarm["alarm_actions"], alarm["alarm_name"]
        assert alarm["ok_actions"] == alarm["alarm_actions"], alarm["alarm_name"]
        assert alarm["treat_missing_data"] == "notBreaching"
        assert alarm["comparison_operator"] == "GreaterThanThreshold"
        assert alarm["evaluation_periods"] == 1
        assert alarm["alarm_description"]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_threshold_alarms_name_one_metric(synthesized: SynthesizedApp, stack: str) -> None:
    threshold_alarms = [a for a in _alarms(synthesized, stack) if "metric_query" not in a]
    assert len(threshold_alarms) == 8
    for alarm in threshold_alarms:
        assert {"namespace", "metric_name", "statistic", "period", "dimensions"} <= set(alarm)


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_ratio_alarms_are_a_percentage_and_zero_without_traffic(synthesized: SynthesizedApp, stack: str) -> None:
    ratio_alarms = [a for a in _alarms(synthesized, stack) if "metric_query" in a]
    assert len(ratio_alarms) == 4
    for alarm in ratio_alarms:
        assert "metric_name" not in alarm and "namespace" not in alarm
        returned = [q for q in alarm["metric_query"] if q["return_data"]]
        assert [q["id"] for q in returned] == ["rate"]
        assert returned[0]["expression"] == "IF(denominator > 0, 100 * numerator / denominator, 0)"
        assert {q["id"] for q in alarm["metric_query"]} == {"numerator", "denominator", "rate"}


def test_metric_reference_sums_by_default() -> None:
    assert MetricRef(namespace="AWS/Lambda", metric_name="Errors", dimensions={}).stat == "Sum"
