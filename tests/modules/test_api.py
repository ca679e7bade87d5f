"""The transactions REST API: routes, validation, proxy integrations, stage, logging and throttling."""

from __future__ import annotations

import json
from pathlib import Path

import cdktf
import pytest
from cdktf_cdktf_provider_aws.provider import AwsProvider
from terraform_json import at_path, ref, referenced_policy, statement

from modules.api import (
    ACCESS_LOG_FORMAT,
    LABEL_ROUTES,
    POST_LABEL,
    ROUTES,
    Callers,
    CustomDomainProps,
    RouteCallers,
    TransactionsApi,
    TransactionsApiProps,
    UsagePlanProducer,
)
from tests.conftest import ENVIRONMENT_STACKS, LOG_RETENTION_DAYS, SynthesizedApp

SIGNED_STACKS = ("fraud-detection-dev", "fraud-detection-staging", "fraud-detection-prod")
SUFFIXES = {"fraud-detection-dev": "dev", "fraud-detection-staging": "stg", "fraud-detection-prod": "prod",
            "fraud-detection-local": "local"}

REQUEST_SCHEMA = Path(__file__).resolve().parents[2] / "functions" / "transaction_api" / "schemas" / (
    "transaction_request.schema.json")
LABEL_REQUEST_SCHEMA = REQUEST_SCHEMA.with_name("label_request.schema.json")


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
    _, label = at_path(resources, "api/label")
    assert label["path_part"] == "label"
    assert label["parent_id"] == ref("aws_api_gateway_resource", _id(synthesized, stack, "aws_api_gateway_resource",
                                                                     "api/transaction"), "id")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_post_label_validates_the_body_against_the_label_schema(synthesized: SynthesizedApp, stack: str) -> None:
    _, method = _method(synthesized, stack, "post-label")
    validator_id = _id(synthesized, stack, "aws_api_gateway_request_validator", "api/body-validator")
    model_id, model = at_path(synthesized.resources(stack, "aws_api_gateway_model"), "api/label-model")
    assert method["http_method"] == "POST"
    assert method["resource_id"] == ref("aws_api_gateway_resource",
                                        _id(synthesized, stack, "aws_api_gateway_resource", "api/label"), "id")
    assert method["api_key_required"] is True
    assert method["authorization"] == ("NONE" if stack == "fraud-detection-local" else "AWS_IAM")
    assert method["request_validator_id"] == ref("aws_api_gateway_request_validator", validator_id, "id")
    assert method["request_models"] == {"application/json": ref("aws_api_gateway_model", model_id, "name")}
    assert model["name"] == "LabelRequest" and model["content_type"] == "application/json"
    assert json.loads(model["schema"]) == json.loads(LABEL_REQUEST_SCHEMA.read_text())


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
    assert post["authorization"] == ("NONE" if stack == "fraud-detection-local" else "AWS_IAM")
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
    assert get["authorization"] == ("NONE" if stack == "fraud-detection-local" else "AWS_IAM")
    assert get["request_parameters"] == {"method.request.path.id": True}
    assert get["request_validator_id"] == ref("aws_api_gateway_request_validator", validator_id, "id")
    assert (validator["validate_request_body"], validator["validate_request_parameters"]) == (False, True)


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
@pytest.mark.parametrize("route", ["post", "get", "label"])
def test_routes_proxy_to_the_transaction_api_function(synthesized: SynthesizedApp, stack: str, route: str) -> None:
    method_id, _ = _method(synthesized, stack, "post-label" if route == "label" else route)
    function_id = _id(synthesized, stack, "aws_lambda_function", "transaction-api/function")
    _, integration = at_path(synthesized.resources(stack, "aws_api_gateway_integration"), f"api/{route}-integration")
    assert integration["type"] == "AWS_PROXY"
    assert integration["integration_http_method"] == "POST"
    assert integration["uri"] == ref("aws_lambda_function", function_id, "invoke_arn")
    assert integration["http_method"] == ref("aws_api_gateway_method", method_id, "http_method")
    assert integration["resource_id"] == ref("aws_api_gateway_method", method_id, "resource_id")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
@pytest.mark.parametrize(("route", "source"), [("post", "POST/transactions"), ("get", "GET/transactions/*"),
                                               ("label", "POST/transactions/*/label")])
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
def test_each_producer_has_its_own_usage_plan_and_key(synthesized: SynthesizedApp, stack: str) -> None:
    plan_id, plan = at_path(synthesized.resources(stack, "aws_api_gateway_usage_plan"), "api/usage-plan-payments")
    key_id, key = at_path(synthesized.resources(stack, "aws_api_gateway_api_key"), "api/api-key-payments")
    [plan_key] = synthesized.resources(stack, "aws_api_gateway_usage_plan_key").values()
    stage_id = _id(synthesized, stack, "aws_api_gateway_stage", "api/stage")
    assert plan["name"] == key["name"] == f"fraud-transactions-api-{SUFFIXES[stack]}-payments"
    assert plan["throttle_settings"] == {"rate_limit": 1000, "burst_limit": 1000}
    assert "quota_settings" not in plan
    assert plan["api_stages"] == [{"api_id": _api_ref(synthesized, stack, "id"),
                                   "stage": ref("aws_api_gateway_stage", stage_id, "stage_name")}]
    assert key["enabled"] is True
    assert plan_key == {"//": plan_key["//"], "key_id": ref("aws_api_gateway_api_key", key_id, "id"),
                        "key_type": "API_KEY", "usage_plan_id": ref("aws_api_gateway_usage_plan", plan_id, "id")}


def _resource_policy(synthesized: SynthesizedApp, stack: str) -> tuple[dict, list[dict]]:
    _, policy = at_path(synthesized.resources(stack, "aws_api_gateway_rest_api_policy"), "api/resource-policy")
    return policy, referenced_policy(synthesized, stack, policy["policy"])


@pytest.mark.parametrize("stack", SIGNED_STACKS)
def test_signed_environments_admit_only_the_producers_roles_to_the_transaction_routes(
    synthesized: SynthesizedApp, stack: str
) -> None:
    policy, statements = _resource_policy(synthesized, stack)
    assert policy["rest_api_id"] == _api_ref(synthesized, stack, "id")
    assert [s["sid"] for s in statements] == ["ProducersRoles", "ProducersOnly", "OutcomeReportersRoles",
                                              "OutcomeReportersOnly"]
    routes = [f"{_api_ref(synthesized, stack, 'execution_arn')}/*/{route}" for route in ROUTES]
    allow, deny = statement(statements, "ProducersRoles"), statement(statements, "ProducersOnly")
    [producer] = allow["condition"][0]["values"]
    assert producer.endswith(f":role/fraud-producer-payments-{SUFFIXES[stack]}")
    assert producer.startswith("arn:${data.aws_partition.")
    for stmt, effect, test in ((allow, "Allow", "ArnEquals"), (deny, "Deny", "ArnNotEquals")):
        assert stmt["effect"] == effect
        assert stmt["actions"] == ["execute-api:Invoke"]
        assert stmt["resources"] == routes
        assert stmt["principals"] == [{"type": "AWS", "identifiers": ["*"]}]
        assert stmt["condition"] == [{"test": test, "variable": "aws:PrincipalArn", "values": [producer]}]


@pytest.mark.parametrize("stack", SIGNED_STACKS)
def test_signed_environments_admit_only_the_outcome_reporters_to_the_label_route(
    synthesized: SynthesizedApp, stack: str
) -> None:
    _, statements = _resource_policy(synthesized, stack)
    allow, deny = statement(statements, "OutcomeReportersRoles"), statement(statements, "OutcomeReportersOnly")
    routes = [f"{_api_ref(synthesized, stack, 'execution_arn')}/*/{route}" for route in LABEL_ROUTES]
    reporters = allow["condition"][0]["values"]
    suffix = SUFFIXES[stack]
    assert [r.rsplit(":", 1)[1] for r in reporters] == [f"role/fraud-analysts-{suffix}",
                                                        f"role/fraud-chargebacks-{suffix}"]
    for stmt, effect, test in ((allow, "Allow", "ArnEquals"), (deny, "Deny", "ArnNotEquals")):
        assert (stmt["effect"], stmt["resources"]) == (effect, routes)
        assert stmt["condition"] == [{"test": test, "variable": "aws:PrincipalArn", "values": reporters}]
    producers = statement(statements, "ProducersRoles")
    assert not any(route.endswith(POST_LABEL) for route in producers["resources"])
    assert not set(producers["condition"][0]["values"]) & set(reporters)


def test_the_emulator_stack_has_no_resource_policy_and_no_signatures(synthesized: SynthesizedApp) -> None:
    # Its config says why (stacks/config.py): the played API Gateway checks API keys only.
    assert synthesized.resources("fraud-detection-local", "aws_api_gateway_rest_api_policy") == {}


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_without_a_custom_domain_the_default_endpoint_serves(synthesized: SynthesizedApp, stack: str) -> None:
    _, api = at_path(synthesized.resources(stack, "aws_api_gateway_rest_api"), "api/api")
    assert api["disable_execute_api_endpoint"] is False
    assert synthesized.resources(stack, "aws_api_gateway_domain_name") == {}


@pytest.mark.parametrize("stack", SIGNED_STACKS)
def test_a_changed_resource_policy_redeploys_the_api(synthesized: SynthesizedApp, stack: str) -> None:
    _, deployment = at_path(synthesized.resources(stack, "aws_api_gateway_deployment"), "api/deployment")
    policy_id = _id(synthesized, stack, "aws_api_gateway_rest_api_policy", "api/resource-policy")
    assert f"aws_api_gateway_rest_api_policy.{policy_id}.policy" in deployment["triggers"]["redeployment"]
    assert f"aws_api_gateway_rest_api_policy.{policy_id}" in deployment["depends_on"]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_deployment_is_replaced_when_the_definition_changes(synthesized: SynthesizedApp, stack: str) -> None:
    deployment_id, deployment = at_path(synthesized.resources(stack, "aws_api_gateway_deployment"), "api/deployment")
    _, stage = at_path(synthesized.resources(stack, "aws_api_gateway_stage"), "api/stage")
    trigger = deployment["triggers"]["redeployment"]
    assert trigger.startswith("${sha1(jsonencode([") and trigger.endswith("]))}")
    for method, route in (("post", "post"), ("get", "get"), ("post-label", "label")):
        method_id, _ = _method(synthesized, stack, method)
        integration_id = _id(synthesized, stack, "aws_api_gateway_integration", f"api/{route}-integration")
        assert f"aws_api_gateway_method.{method_id}.id" in trigger
        assert f"aws_api_gateway_integration.{integration_id}.uri" in trigger
    for model in ("request-model", "label-model"):
        model_id = _id(synthesized, stack, "aws_api_gateway_model", f"api/{model}")
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
        "label_request_schema": {"$schema": "http://json-schema.org/draft-04/schema#"}, "authorization": "NONE",
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
    with pytest.raises(ValueError, match="draft 4"):
        _props(label_request_schema=schema)


def test_burst_below_rate_is_rejected() -> None:
    with pytest.raises(ValueError, match="throttle_burst_limit"):
        _props(throttle_rate_limit=100, throttle_burst_limit=50)


def test_shared_request_schema_declares_draft_4() -> None:
    schema = json.loads(REQUEST_SCHEMA.read_text())
    assert _props(request_schema=schema).request_schema is schema


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"authorization": "AWS_IAM", "route_callers": []}, "every route needs its callers"),
        ({"authorization": "AWS_IAM", "route_callers": [
            RouteCallers(sid="P", routes=[ROUTES[0]], callers=Callers(account_ids=["123456789012"]))]},
         "GET/transactions"),
        ({"authorization": "AWS_IAM", "route_callers": [
            RouteCallers(sid="P", routes=ROUTES, callers=Callers(account_ids=["123456789012"]))]},
         "POST/transactions/\\*/label"),
        ({"authorization": "NONE", "route_callers": [
            RouteCallers(sid="P", routes=ROUTES, callers=Callers(account_ids=["123456789012"]))]}, "need signed"),
        ({"authorization": "NONE", "producers": []}, "at least one"),
        ({"authorization": "NONE", "producers": [UsagePlanProducer(name="a"), UsagePlanProducer(name="a")]},
         "distinct names"),
        ({"authorization": "BASIC"}, "AWS_IAM or NONE"),
    ],
)
def test_access_settings_that_leave_a_route_open_or_unusable_are_rejected(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _props(**changes)


def test_callers_must_name_someone() -> None:
    with pytest.raises(ValueError, match="at least one role or account"):
        Callers()


REPORTERS = Callers(role_arns=["arn:aws:iam::111111111111:role/chargebacks"])
PRODUCERS = Callers(role_arns=["arn:aws:iam::111111111111:role/payments"], account_ids=["222222222222"])
LABEL_ROUTE = POST_LABEL


@pytest.fixture(scope="module")
def custom_domain_api() -> dict:
    """One API with a custom domain, producers by role and account, and a second route whose
    callers are others (as a label route for outcome reporters would be)."""

    stack = cdktf.TerraformStack(cdktf.Testing.app(), "custom-domain")
    AwsProvider(stack, "aws", region="us-east-1")
    TransactionsApi(stack, "api", _props(
        request_schema=json.loads(REQUEST_SCHEMA.read_text()),
        label_request_schema=json.loads(LABEL_REQUEST_SCHEMA.read_text()),
        authorization="AWS_IAM",
        producers=[UsagePlanProducer(name="payments", daily_quota=50_000), UsagePlanProducer(name="acquirer")],
        route_callers=[RouteCallers(sid="Producers", routes=ROUTES, callers=PRODUCERS),
                       RouteCallers(sid="OutcomeReporters", routes=[LABEL_ROUTE], callers=REPORTERS)],
        custom_domain=CustomDomainProps(
            domain_name="fraud-api.example.com",
            certificate_arn="arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f"),
    ))
    return dict(json.loads(cdktf.Testing.synth(stack)))


def _of_type(stack: dict, resource_type: str) -> dict[str, dict]:
    return dict(stack.get("resource", {}).get(resource_type, {}))


def test_a_custom_domain_requires_tls_1_2_and_disables_the_default_endpoint(custom_domain_api: dict) -> None:
    [domain] = _of_type(custom_domain_api, "aws_api_gateway_domain_name").values()
    [api] = _of_type(custom_domain_api, "aws_api_gateway_rest_api").values()
    [mapping] = _of_type(custom_domain_api, "aws_api_gateway_base_path_mapping").values()
    assert domain["security_policy"] == "TLS_1_2"
    assert domain["endpoint_configuration"] == {"types": ["REGIONAL"]}
    assert domain["domain_name"] == "fraud-api.example.com"
    assert domain["regional_certificate_arn"].startswith("arn:aws:acm:us-east-1:")
    assert api["disable_execute_api_endpoint"] is True
    assert mapping["base_path"] == "v1"


def test_each_route_admits_its_own_callers_only(custom_domain_api: dict) -> None:
    documents = custom_domain_api["data"]["aws_iam_policy_document"]
    [policy] = [d for name, d in documents.items() if name.startswith("api_resource-policy-doc")]
    by_sid = {s["sid"]: s for s in policy["statement"]}
    assert set(by_sid) == {"ProducersRoles", "ProducersAccounts", "ProducersOnly", "OutcomeReportersRoles",
                           "OutcomeReportersOnly"}
    assert [r.split("/*/", 1)[1] for r in by_sid["ProducersOnly"]["resources"]] == list(ROUTES)
    assert [r.split("/*/", 1)[1] for r in by_sid["OutcomeReportersOnly"]["resources"]] == [LABEL_ROUTE]
    # Producers are kept off the label route: the reporters' Deny admits the reporters' role alone.
    assert by_sid["OutcomeReportersOnly"]["condition"] == [
        {"test": "ArnNotEquals", "variable": "aws:PrincipalArn", "values": list(REPORTERS.role_arns)}]
    # Outside the producers' roles and account, the producers' routes are denied.
    assert by_sid["ProducersOnly"]["condition"] == [
        {"test": "ArnNotEquals", "variable": "aws:PrincipalArn", "values": list(PRODUCERS.role_arns)},
        {"test": "StringNotEquals", "variable": "aws:PrincipalAccount", "values": list(PRODUCERS.account_ids)},
    ]


def test_a_daily_quota_lands_in_the_producers_own_plan(custom_domain_api: dict) -> None:
    plans = {p["name"]: p for p in _of_type(custom_domain_api, "aws_api_gateway_usage_plan").values()}
    assert set(plans) == {"a-payments", "a-acquirer"}
    assert plans["a-payments"]["quota_settings"] == {"limit": 50_000, "period": "DAY"}
    assert "quota_settings" not in plans["a-acquirer"]
    assert len(_of_type(custom_domain_api, "aws_api_gateway_api_key")) == 2
