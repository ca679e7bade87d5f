"""Resource names: environment suffix, AWS length limits and stable shortening."""

from __future__ import annotations

import re

import pytest

from modules.naming import LIMITS, Naming
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

NAMING = Naming(project="fraud", suffix="dev")


def test_names_carry_project_component_and_environment() -> None:
    assert NAMING.name("transactions") == "fraud-transactions-dev"
    assert Naming(project="fraud", suffix="stg").name("queue", "queue") == "fraud-queue-stg"


@pytest.mark.parametrize("component", ["fraud-queue", "Fraud-alerts", ""])
def test_a_component_repeating_the_project_prefix_or_empty_is_refused(component: str) -> None:
    # `fraud-fraud-queue-dev`: the prefix is the helper's to add.
    with pytest.raises(ValueError, match="project prefix"):
        NAMING.name(component)


def test_bucket_names_are_lower_case() -> None:
    assert Naming(project="Fraud", suffix="Dev").name("Reports", "bucket") == "fraud-reports-dev"


@pytest.mark.parametrize("kind", sorted(LIMITS))
def test_a_name_exactly_at_the_limit_is_kept(kind: str) -> None:
    component = "x" * (LIMITS[kind] - len("fraud--dev"))
    name = NAMING.name(component, kind)
    assert name == f"fraud-{component}-dev"
    assert len(name) == LIMITS[kind]


@pytest.mark.parametrize("kind", sorted(LIMITS))
def test_a_longer_name_is_shortened_to_the_limit_with_a_hash(kind: str) -> None:
    component = "y" * LIMITS[kind]
    name = NAMING.name(component, kind)
    assert len(name) == LIMITS[kind]
    assert re.fullmatch(r"fraud-y+-[0-9a-f]{8}", name)
    assert NAMING.name(component, kind) == name, "shortening is stable"


def test_long_names_that_differ_only_at_the_end_stay_distinct() -> None:
    first = NAMING.name("a" * 80 + "-one", "lambda")
    second = NAMING.name("a" * 80 + "-two", "lambda")
    assert first != second
    assert first[:-8] == second[:-8]
    assert len(first) == len(second) == 64


def test_unknown_kinds_are_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown name kind 'table-with-no-limit': one of \['bucket', "):
        NAMING.name("x", "table-with-no-limit")  # type: ignore[arg-type]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_synthesized_names_respect_the_limits(synthesized: SynthesizedApp, stack: str) -> None:
    limits = {
        ("aws_lambda_function", "function_name"): LIMITS["lambda"],
        ("aws_iam_role", "name"): LIMITS["role"],
        ("aws_sqs_queue", "name"): LIMITS["queue"],
        ("aws_sns_topic", "name"): LIMITS["topic"],
        ("aws_dynamodb_table", "name"): 255,
        ("aws_cloudwatch_event_rule", "name"): 64,
        ("aws_cloudwatch_log_group", "name"): LIMITS["log_group"],
    }
    for (resource_type, attribute), limit in limits.items():
        values = [r[attribute] for r in synthesized.resources(stack, resource_type).values()]
        assert values, resource_type
        for value in values:
            assert len(value) <= limit, f"{resource_type} {value!r} is longer than {limit}"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_every_named_resource_carries_the_environment_suffix(synthesized: SynthesizedApp, stack: str) -> None:
    suffix = {"dev": "dev", "staging": "stg", "prod": "prod", "local": "local"}[stack.rsplit("-", 1)[1]]
    names = [f["function_name"] for f in synthesized.resources(stack, "aws_lambda_function").values()]
    names += [q["name"] for q in synthesized.resources(stack, "aws_sqs_queue").values()]
    names += [t["name"] for t in synthesized.resources(stack, "aws_dynamodb_table").values()]
    names += [t["name"] for t in synthesized.resources(stack, "aws_sns_topic").values()]
    assert names
    assert all(n.startswith("fraud-") and n.endswith(f"-{suffix}") for n in names), names


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_no_deployed_name_repeats_the_project_prefix(synthesized: SynthesizedApp, stack: str) -> None:
    attributes = {"aws_lambda_function": "function_name", "aws_sqs_queue": "name", "aws_sns_topic": "name",
                  "aws_dynamodb_table": "name", "aws_iam_role": "name", "aws_cloudwatch_event_rule": "name",
                  "aws_cloudwatch_metric_alarm": "alarm_name", "aws_api_gateway_rest_api": "name"}
    names = [r[a] for t, a in attributes.items() for r in synthesized.resources(stack, t).values()]
    assert len(names) > 20
    assert [n for n in names if n.startswith("fraud-fraud-")] == []
