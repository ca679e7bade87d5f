"""The transactions REST API: routes, validation, proxy integrations, stage, logging and throttling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from terraform_json import at_path, ref

from modules.api import ACCESS_LOG_FORMAT, TransactionsApiProps
from tests.conftest import ENVIRONMENT_STACKS, LOG_RETENTION_DAYS, SynthesizedApp

REQUEST_SCHEMA = Path(__file__).resolve().parents[2] / "functions" / "transaction_api" / "schemas" / (
    "transaction_request.schema.json")


def _id(synthesized: SynthesizedApp, stack: str, resource_type: str, path: str) -> str:
    return at_path(synthesized.resources(stack, resource_type), path)[0]


def _api_ref(synthesized: SynthesizedApp, stack: str, attribute: str) -> str:
    return ref("aws_api_gateway_rest_api", _id(synthesized, stack, "aws_api_gateway_rest_api", "api/api"), attribute)


def _method(synthesized: SynthesizedApp, stack: str, name: str) -> tuple[str, dict]:
    return at_path(synthesized.resources(stack, "aws_api_gateway_method"), f"api/{name}")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_regional_api_with_transactions_and_transaction_resources(synthesized: SynthesizedApp, stack: str) -> None:
    _, api = at_path(synthesized.resources(stack, "aws_api_gateway_rest_api"), "api/api")
    assert api["endpoint_configuration"] == {"types": ["REGIONAL"]}
    resources = synthesized.resources(stack, "aws_api_gateway_resource")
    transactions_id, transactions = at_path(resources, "api/transactions")
    _, transaction = at_path(resources, "api/transaction")
    assert transactions["path_part"] == "transactions"
    assert transactions["parent_id"] == _api_ref(synthesized, stack, "root_resource_id")
    assert transaction["path_part"] == "{id}"
    assert transaction["parent_id"] == ref("aws_api_gateway_resource", transactions_id, "id")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_post_validates_the_body_against_the_shared_request_schema(synthesized: SynthesizedApp, stack: str) -> None:
    _, post = _method(synthesized, stack, "post")
    validator_id, validator = at_path(synthesized.resources(stack, "aws_api_gateway_request_validator"),
                                      "api/body-validator")
    model_id, model = at_path(synthesized.resources(stack, "aws_api_gateway_model"), "api/request-model")
    assert post["http_method"] == "POST"
    assert post["resource_id"] == ref("aws_api_gateway_resource",
                                      _id(synthesized, stack, "aws_api_gateway_resource", "api/transactions"), "id")
    assert post["api_key_required"] is True
    assert post["request_validator_id"] == ref("aws_api_gateway_request_validator", validator_id, "id")
    assert (validator["validate_request_body"], validator["validate_request_parameters"]) == (True, False)
    assert post["request_models"] == {"application/json": ref("aws_api_gateway_model", model_id, "name")}
    assert model["content_type"] == "application/json"
    assert json.loads(model["schema"]) == json.loads(REQUEST_SCHEMA.read_text())


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_get_requires_the_id_path_parameter(synthesized: SynthesizedApp, stack: str) -> None:
    _, get = _method(synthesized, stack, "get")
    validator_id, validator = at_path(synthesized.resources(stack, "aws_api_gateway_request_validator"),
                                      "api/params-validator")
    assert get["http_method"] == "GET"
    assert get["resource_id"] == ref("aws_api_gateway_resource",
                                     _id(synthesized, stack, "aws_api_gateway_resource", "api/transaction"), "id")
    assert get["api_key_required"] is True
    assert get["request_parameters"] == {"method.request.path.id": True}
    assert get["request_validator_id"] == ref("aws_api_gateway_request_validator", validator_id, "id")
    assert (validator["validate_request_body"], validator["validate_request_parameters"]) == (False, True)


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
@pytest.mark.parametrize("route", ["post", "get"])
def test_routes_proxy_to_the_transaction_api_function(synthesized: SynthesizedApp, stack: str, route: str) -> None:
    method_id, _ = _method(synthesized, stack, route)
    function_id = _id(synthesized, stack, "aws_lambda_function", "transaction-api/function")
    _, integration = at_path(synthesized.resources(stack, "aws_api_gateway_integration"), f"api/{route}-integration")
    assert integration["type"] == "AWS_PROXY"
    assert integration["integration_http_method"] == "POST"
    assert integration["uri"] == ref("aws_lambda_function", function_id, "invoke_arn")
    assert integration["http_method"] == ref("aws_api_gateway_method", method_id, "http_method")
    assert integration["resource_id"] == ref("aws_api_gateway_method", method_id, "resource_id")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
@pytest.mark.parametrize(("route", "source"), [("post", "POST/transactions"), ("get", "GET/transactions/*")])
def test_invoke_permission_is_scoped_to_each_route(
    synthesized: SynthesizedApp, stack: str, route: str, source: str
) -> None:
    function_id = _id(synthesized, stack, "aws_lambda_function", "transaction-api/function")
    _, permission = at_path(synthesized.resources(stack, "aws_lambda_permission"), f"api/{route}-permission")
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["function_name"] == ref("aws_lambda_function", function_id, "function_name")
    assert permission["source_arn"] == f"{_api_ref(synthesized, stack, 'execution_arn')}/*/{source}"


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_stage_traces_and_writes_access_logs_to_an_encrypted_group(synthesized: SynthesizedApp, stack: str) -> None:
    log_groups = synthesized.resources(stack, "aws_cloudwatch_log_group")
    access_id, access = at_path(log_groups, "api/access-logs")
    _, stage = at_path(synthesized.resources(stack, "aws_api_gateway_stage"), "api/stage")
    key = ref("aws_kms_key", _id(synthesized, stack, "aws_kms_key", "encryption/key"), "arn")
    assert stage["stage_name"] == "v1"
    assert stage["xray_tracing_enabled"] is True
    assert stage["access_log_settings"]["destination_arn"] == ref("aws_cloudwatch_log_group", access_id, "arn")
    assert stage["access_log_settings"]["format"] == ACCESS_LOG_FORMAT
    assert json.loads(stage["access_log_settings"]["format"])["requestId"] == "$context.requestId"
    assert (access["kms_key_id"], access["retention_in_days"]) == (key, LOG_RETENTION_DAYS[stack])
    assert access["name"].startswith("/aws/apigateway/fraud-transactions-api-")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_execution_log_group_is_created_with_the_name_api_gateway_writes_to(
    synthesized: SynthesizedApp, stack: str
) -> None:
    execution_id, execution = at_path(synthesized.resources(stack, "aws_cloudwatch_log_group"), "api/execution-logs")
    _, stage = at_path(synthesized.resources(stack, "aws_api_gateway_stage"), "api/stage")
    api_id = _id(synthesized, stack, "aws_api_gateway_rest_api", "api/api")
    assert execution["name"] == f"API-Gateway-Execution-Logs_${{aws_api_gateway_rest_api.{api_id}.id}}/v1"
    assert execution["retention_in_days"] == LOG_RETENTION_DAYS[stack]
    assert execution["kms_key_id"] == ref("aws_kms_key", _id(synthesized, stack, "aws_kms_key", "encryption/key"),
                                          "arn")
    assert f"aws_cloudwatch_log_group.{execution_id}" in stage["depends_on"]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_every_method_logs_at_info_with_metrics_throttling_and_no_data_trace(
    synthesized: SynthesizedApp, stack: str
) -> None:
    stage_id = _id(synthesized, stack, "aws_api_gateway_stage", "api/stage")
    [settings] = synthesized.resources(stack, "aws_api_gateway_method_settings").values()
    assert settings["method_path"] == "*/*"
    assert settings["stage_name"] == ref("aws_api_gateway_stage", stage_id, "stage_name")
    assert settings["settings"] == {
        "logging_level": "INFO",
        "metrics_enabled": True,
        "data_trace_enabled": False,
        "throttling_rate_limit": 1000,
        "throttling_burst_limit": 1000,
    }


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_usage_plan_throttles_and_carries_the_api_key(synthesized: SynthesizedApp, stack: str) -> None:
    plan_id, plan = at_path(synthesized.resources(stack, "aws_api_gateway_usage_plan"), "api/usage-plan")
    key_id, key = at_path(synthesized.resources(stack, "aws_api_gateway_api_key"), "api/api-key")
    [plan_key] = synthesized.resources(stack, "aws_api_gateway_usage_plan_key").values()
    stage_id = _id(synthesized, stack, "aws_api_gateway_stage", "api/stage")
    assert plan["throttle_settings"] == {"rate_limit": 1000, "burst_limit": 1000}
    assert plan["api_stages"] == [{"api_id": _api_ref(synthesized, stack, "id"),
                                   "stage": ref("aws_api_gateway_stage", stage_id, "stage_name")}]
    assert key["enabled"] is True
    assert plan_key == {"//": plan_key["//"], "key_id": ref("aws_api_gateway_api_key", key_id, "id"),
                        "key_type": "API_KEY", "usage_plan_id": ref("aws_api_gateway_usage_plan", plan_id, "id")}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_deployment_is_replaced_when_the_definition_changes(synthesized: SynthesizedApp, stack: str) -> None:
    deployment_id, deployment = at_path(synthesized.resources(stack, "aws_api_gateway_deployment"), "api/deployment")
    _, stage = at_path(synthesized.resources(stack, "aws_api_gateway_stage"), "api/stage")
    trigger = deployment["triggers"]["redeployment"]
    assert trigger.startswith("${sha1(jsonencode([") and trigger.endswith("]))}")
    for route in ("post", "get"):
        method_id, _ = _method(synthesized, stack, route)
        integration_id = _id(synthesized, stack, "aws_api_gateway_integration", f"api/{route}-integration")
        assert f"aws_api_gateway_method.{method_id}.id" in trigger
        assert f"aws_api_gateway_integration.{integration_id}.uri" in trigger
    model_id = _id(synthesized, stack, "aws_api_gateway_model", "api/request-model")
    assert f"aws_api_gateway_model.{model_id}.id" in trigger
    assert deployment["lifecycle"] == {"create_before_destroy": True}
    assert stage["deployment_id"] == ref("aws_api_gateway_deployment", deployment_id, "id")
    integrations = synthesized.resources(stack, "aws_api_gateway_integration")
    assert {f"aws_api_gateway_integration.{i}" for i in integrations} <= set(deployment["depends_on"])


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_gateway_errors_answer_in_the_functions_json_shape(synthesized: SynthesizedApp, stack: str) -> None:
    gateway_responses = synthesized.resources(stack, "aws_api_gateway_gateway_response")
    responses = {r["response_type"]: r for r in gateway_responses.values()}
    assert set(responses) == {"BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS", "DEFAULT_4XX", "DEFAULT_5XX"}
    assert responses["BAD_REQUEST_BODY"]["status_code"] == "400"
    for response in responses.values():
        assert response["response_parameters"] == {"gatewayresponse.header.Content-Type": "'application/json'"}
        assert '"request_id":"$context.requestId"' in response["response_templates"]["application/json"]


def _props(**overrides: object) -> TransactionsApiProps:
    base: dict[str, object] = {
        "api_name": "a", "function_name": "f", "function_invoke_arn": "i", "kms_key_arn": "k",
        "log_retention_days": 7, "request_schema": {"$schema": "http://json-schema.org/draft-04/schema#"},
    }
    return TransactionsApiProps(**{**base, **overrides})  # type: ignore[arg-type]


def test_draft_4_schema_is_accepted_with_or_without_the_trailing_hash() -> None:
    assert _props(request_schema={"$schema": "http://json-schema.org/draft-04/schema"}).stage_name == "v1"
    assert _props().throttle_rate_limit == 1000


@pytest.mark.parametrize(
    "schema",
    [{}, {"$schema": "https://json-schema.org/draft/2020-12/schema"}, {"$schema": "http://json-schema.org/draft-07/schema#"}],
)
def test_schemas_api_gateway_cannot_read_are_rejected(schema: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="draft 4"):
        _props(request_schema=schema)


def test_burst_below_rate_is_rejected() -> None:
    with pytest.raises(ValueError, match="throttle_burst_limit"):
        _props(throttle_rate_limit=100, throttle_burst_limit=50)


def test_shared_request_schema_declares_draft_4() -> None:
    schema = json.loads(REQUEST_SCHEMA.read_text())
    assert _props(request_schema=schema).request_schema is schema
