"""The played API Gateway on an API deployed with AWS_IAM authorization and a body validator (in-process
moto): SigV4 enforced before the function runs, the caller passed in the event, the model applied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tooling.lambda_service.api_gateway import ApiGatewayPlayer
from tooling.lambda_service.runtime import InvocationResult

REGION = "us-east-1"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
MODEL = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["amount"],
         "properties": {"amount": {"type": "string"}}}


class InProcessClients:
    region = REGION

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)


class RecordingService:
    """Stands in for LambdaService: records events, answers like a proxy integration."""

    def __init__(self) -> None:
        self.clients = InProcessClients()
        self.events: list[dict[str, Any]] = []

    def invoke(self, function_arn: str, event: dict[str, Any]) -> InvocationResult:
        self.events.append(event)
        return InvocationResult("r", payload={"statusCode": 201, "body": json.dumps({"ok": True})})


def _deploy_api(authorization: str) -> None:
    api = boto3.client("apigateway", region_name=REGION)
    api_id = api.create_rest_api(name="transactions")["id"]
    root = api.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = api.create_resource(restApiId=api_id, parentId=root, pathPart="transactions")["id"]
    api.create_model(restApiId=api_id, name="Request", contentType="application/json", schema=json.dumps(MODEL))
    validator = api.create_request_validator(restApiId=api_id, name="body", validateRequestBody=True,
                                             validateRequestParameters=False)["id"]
    api.put_method(restApiId=api_id, resourceId=resource, httpMethod="POST", authorizationType=authorization,
                   requestValidatorId=validator, requestModels={"application/json": "Request"})
    api.put_integration(restApiId=api_id, resourceId=resource, httpMethod="POST", type="AWS_PROXY",
                        integrationHttpMethod="POST",
                        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations")
    deployment = api.create_deployment(restApiId=api_id)["id"]
    api.create_stage(restApiId=api_id, stageName="v1", deploymentId=deployment)


@pytest.fixture
def signed_api() -> Iterator[tuple[ApiGatewayPlayer, RecordingService]]:
    with mock_aws():
        _deploy_api("AWS_IAM")
        service = RecordingService()
        yield ApiGatewayPlayer(service), service  # type: ignore[arg-type]


def test_an_iam_method_gets_a_local_producer_key_from_the_emulators_iam(
        signed_api: tuple[ApiGatewayPlayer, RecordingService]) -> None:
    player, _ = signed_api
    assert player.requires_signing
    [key] = player.signing_keys
    assert key.principal_arn.endswith(":user/transactions-local-producer")


def test_an_unsigned_request_never_reaches_the_function(signed_api: tuple[ApiGatewayPlayer, RecordingService]) -> None:
    player, service = signed_api
    response = player.request("POST", "/transactions", body='{"amount": "1.00"}', url=player.local_url("/transactions"),
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert service.events == []


def test_a_signed_request_reaches_the_function_with_its_caller(
        signed_api: tuple[ApiGatewayPlayer, RecordingService]) -> None:
    player, service = signed_api
    url, body = player.local_url("/transactions"), '{"amount": "1.00"}'
    headers = player.sign("POST", url, {"Content-Type": "application/json"}, body)
    response = player.request("POST", "/transactions", body=body, url=url, headers=headers)
    assert response.status_code == 201
    [event] = service.events
    assert event["requestContext"]["identity"]["userArn"] == player.signing_keys[0].principal_arn
    assert event["requestContext"]["identity"]["accessKey"] == player.signing_keys[0].access_key_id


def test_a_signature_over_another_body_is_refused(signed_api: tuple[ApiGatewayPlayer, RecordingService]) -> None:
    player, service = signed_api
    url = player.local_url("/transactions")
    headers = player.sign("POST", url, {"Content-Type": "application/json"}, '{"amount": "1.00"}')
    response = player.request("POST", "/transactions", body='{"amount": "9999.00"}', url=url, headers=headers)
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "INVALID_SIGNATURE"
    assert service.events == []


def test_the_model_is_applied_after_the_signature(signed_api: tuple[ApiGatewayPlayer, RecordingService]) -> None:
    player, service = signed_api
    url, body = player.local_url("/transactions"), '{"amount": 1}'
    response = player.request("POST", "/transactions", body=body, url=url,
                              headers=player.sign("POST", url, {"Content-Type": "application/json"}, body))
    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "BAD_REQUEST_BODY"
    assert service.events == []


def test_an_api_without_iam_methods_issues_no_key() -> None:
    with mock_aws():
        _deploy_api("NONE")
        player = ApiGatewayPlayer(RecordingService())  # type: ignore[arg-type]
        assert not player.requires_signing and player.signing_keys == []
        assert player.sign("POST", "http://x/v1/transactions", {"a": "b"}, "{}") == {"a": "b"}


LABEL_SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "functions" / "transaction_api" / "schemas"
                           / "label_request.schema.json").read_text(encoding="utf-8"))


BAD_BODY_TEMPLATE = ('{"error":"validation_failed","message":"$context.error.validationErrorString",'
                     '"request_id":"$context.requestId"}')


@pytest.fixture
def label_api() -> Iterator[tuple[ApiGatewayPlayer, RecordingService]]:
    """/transactions, /transactions/{id} and /transactions/{id}/label, the last with the label model (unsigned)."""
    with mock_aws():
        api = boto3.client("apigateway", region_name=REGION)
        api_id = api.create_rest_api(name="transactions")["id"]
        root = api.get_resources(restApiId=api_id)["items"][0]["id"]
        transactions = api.create_resource(restApiId=api_id, parentId=root, pathPart="transactions")["id"]
        transaction = api.create_resource(restApiId=api_id, parentId=transactions, pathPart="{id}")["id"]
        label = api.create_resource(restApiId=api_id, parentId=transaction, pathPart="label")["id"]
        api.create_model(restApiId=api_id, name="LabelRequest", contentType="application/json",
                         schema=json.dumps(LABEL_SCHEMA))
        validator = api.create_request_validator(restApiId=api_id, name="body", validateRequestBody=True,
                                                 validateRequestParameters=False)["id"]
        uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
        label_model = {"application/json": "LabelRequest"}
        for resource, method, models in ((transaction, "GET", None), (label, "POST", label_model)):
            api.put_method(restApiId=api_id, resourceId=resource, httpMethod=method, authorizationType="NONE",
                           **({"requestValidatorId": validator, "requestModels": models} if models else {}))
            api.put_integration(restApiId=api_id, resourceId=resource, httpMethod=method, type="AWS_PROXY",
                                integrationHttpMethod="POST", uri=uri)
        api.put_gateway_response(restApiId=api_id, responseType="BAD_REQUEST_BODY", statusCode="400",
                                 responseTemplates={"application/json": BAD_BODY_TEMPLATE})
        api.create_stage(restApiId=api_id, stageName="v1", deploymentId=api.create_deployment(restApiId=api_id)["id"])
        service = RecordingService()
        yield ApiGatewayPlayer(service), service  # type: ignore[arg-type]


def test_the_label_route_is_routed_with_its_id_and_validated_by_its_model(
        label_api: tuple[ApiGatewayPlayer, RecordingService]) -> None:
    player, service = label_api
    headers = {"Content-Type": "application/json"}
    ok = player.request("POST", "/transactions/t-1/label", body='{"label": "fraud", "source": "analyst"}',
                        headers=headers)
    assert ok.status_code == 201
    [event] = service.events
    assert (event["resource"], event["pathParameters"]) == ("/transactions/{id}/label", {"id": "t-1"})
    assert event["httpMethod"] == "POST"

    bad = player.request("POST", "/transactions/t-1/label", body='{"label": "stolen", "extra": 1}', headers=headers)
    assert bad.status_code == 400 and bad.headers["x-amzn-ErrorType"] == "BAD_REQUEST_BODY"
    message = bad.json()["message"]
    for words in ('missing required properties (["source"])', '"stolen"', 'not allowed by the schema: ["extra"]'):
        assert words in message
    assert len(service.events) == 1

    # GET on the label path and POST on the transaction path are other routes (or none).
    assert player.request("GET", "/transactions/t-1/label").status_code == 403
    assert player.request("POST", "/transactions/t-1", body="{}", headers=headers).status_code == 403
    assert player.request("GET", "/transactions/t-1").status_code == 201
    assert service.events[-1]["resource"] == "/transactions/{id}"
