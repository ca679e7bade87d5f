"""The environment contract between each function and its stack, read from the synthesized app:
every variable a function reads is set by the stack, and every variable the stack sets is read."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.shared import constants as powertools
from fraud_analyzer.settings import OPTIONAL_VARIABLES as ANALYZER_OPTIONAL
from fraud_analyzer.settings import AnalyzerSettings
from fraudlib.settings import FunctionSettings
from notifier.settings import NotifierSettings
from report_generator.settings import ReportSettings
from transaction_api.settings import ApiSettings

from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

SETTINGS: dict[str, type[FunctionSettings]] = {
    "transaction_api": ApiSettings,
    "fraud_analyzer": AnalyzerSettings,
    "notifier": NotifierSettings,
    "report_generator": ReportSettings,
}
# Read by Powertools itself (Logger, Metrics) in every function.
LIBRARY_VARIABLES = frozenset(
    {powertools.SERVICE_NAME_ENV, powertools.METRICS_NAMESPACE_ENV, powertools.POWERTOOLS_LOG_LEVEL_ENV}
)
# Variables an operator may add by hand; the code has a documented default for them.
OPTIONAL = {"fraud_analyzer": ANALYZER_OPTIONAL}


def _environment(synthesized: SynthesizedApp, stack: str, function: str) -> set[str]:
    (body,) = [
        f for f in synthesized.resources(stack, "aws_lambda_function").values()
        if f["handler"] == f"{function}.app.handler"
    ]
    return set(body["environment"]["variables"])


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
@pytest.mark.parametrize("function", sorted(SETTINGS))
def test_every_variable_read_is_set_and_every_variable_set_is_read(
    synthesized: SynthesizedApp, stack: str, function: str
) -> None:
    optional = OPTIONAL.get(function, frozenset())
    read = (SETTINGS[function].variables() - optional) | LIBRARY_VARIABLES
    set_by_stack = _environment(synthesized, stack, function)
    assert sorted(read - set_by_stack) == [], "read by the function but not set by the stack"
    assert sorted(set_by_stack - read - optional) == [], "set by the stack but read by nobody"


def test_optional_variables_are_fields_with_a_default() -> None:
    # An optional entry must name a field that has a default, or it would excuse a missing setting.
    for function, names in OPTIONAL.items():
        fields = {field.alias: field for field in SETTINGS[function].model_fields.values()}
        assert names <= set(fields)
        assert not any(fields[name].is_required() for name in names)
