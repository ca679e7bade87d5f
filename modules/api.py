"""The transactions REST API: POST /transactions and GET /transactions/{id} in front of one function."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdktf import Fn, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.api_gateway_api_key import ApiGatewayApiKey
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_gateway_response import ApiGatewayGatewayResponse
from cdktf_cdktf_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_method_settings import ApiGatewayMethodSettings
from cdktf_cdktf_provider_aws.api_gateway_model import ApiGatewayModel
from cdktf_cdktf_provider_aws.api_gateway_request_validator import ApiGatewayRequestValidator
from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi
from cdktf_cdktf_provider_aws.api_gateway_stage import ApiGatewayStage
from cdktf_cdktf_provider_aws.api_gateway_usage_plan import ApiGatewayUsagePlan, ApiGatewayUsagePlanApiStages
from cdktf_cdktf_provider_aws.api_gateway_usage_plan_key import ApiGatewayUsagePlanKey
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

# One JSON line per request: what an on-call engineer greps for.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "ip": "$context.identity.sourceIp",
        "caller": "$context.identity.caller",
        "apiKeyId": "$context.identity.apiKeyId",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "integrationStatus": "$context.integration.status",
        "errorMessage": "$context.error.message",
        "xrayTraceId": "$context.xrayTraceId",
    },
    sort_keys=True,
)

# Errors API Gateway answers itself keep the function's JSON error shape (error, message, request_id).
_GATEWAY_RESPONSES = {
    "BAD_REQUEST_BODY": (
        "400",
        '{"error":"validation_failed","message":"$context.error.validationErrorString",'
        '"request_id":"$context.requestId"}',
    ),
    "BAD_REQUEST_PARAMETERS": (
        "400",
        '{"error":"bad_request","message":"$context.error.validationErrorString","request_id":"$context.requestId"}',
    ),
    "DEFAULT_4XX": (None, '{"error":"client_error","message":$context.error.messageString,'
                          '"request_id":"$context.requestId"}'),
    "DEFAULT_5XX": (None, '{"error":"internal_error","message":"Internal server error",'
                          '"request_id":"$context.requestId"}'),
}


@dataclass(frozen=True, kw_only=True)
class TransactionsApiProps:
    """Settings of the REST API."""

    api_name: str
    """Name of the REST API (also names its log groups, usage plan and key)."""
    function_name: str
    """Function behind both routes."""
    function_invoke_arn: str
    """Invoke ARN of that function."""
    request_schema: Mapping[str, Any]
    """JSON Schema (draft 4) of the POST body: the same document the function validates against."""
    kms_key_arn: str
    """CMK for the API's log groups."""
    log_retention_days: int
    """Retention of access and execution logs."""
    stage_name: str = "v1"
    """Stage (first path segment of every URL)."""
    throttle_rate_limit: int = 1000
    """Steady-state requests per second (stage and usage plan)."""
    throttle_burst_limit: int = 1000
    """Burst of requests admitted (stage and usage plan)."""
    api_key_required: bool = True
    """Clients must send an API key of the usage plan."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on the API and stage."""

    def __post_init__(self) -> None:
        if self.request_schema.get("$schema", "").rstrip("#") != "http://json-schema.org/draft-04/schema":
            raise ValueError("API Gateway models take JSON Schema draft 4; the request schema must declare it")
        if self.throttle_burst_limit < self.throttle_rate_limit:
            raise ValueError("throttle_burst_limit must be >= throttle_rate_limit")


class TransactionsApi(Construct):
    """Regional REST API with Lambda proxy integrations, a JSON Schema body validator, an explicit
    stage (access logs to a CMK-encrypted group, INFO execution logs, X-Ray, method throttling),
    and a usage plan with an API key.

    The deployment is replaced whenever a method, integration, model, validator or gateway
    response changes (a hash in its triggers, created before the old one is destroyed), and the
    hash is made of plan-time-known values only, so an unchanged API never shows a diff.

    Attributes: `name` and `stage_name` (literals: API Gateway metrics are keyed by them, and
    dashboards need them as plain JSON), `api_id`, `stage_arn`, `invoke_url`, `api_key_id`.
    """

    def __init__(self, scope: Construct, id_: str, props: TransactionsApiProps) -> None:
        super().__init__(scope, id_)
        self.name = props.api_name
        """Name of the REST API as a literal."""
        self.rest_api = ApiGatewayRestApi(
            self,
            "api",
            name=props.api_name,
            description="Fraud-detection transaction intake",
            endpoint_configuration={"types": ["REGIONAL"]},
            tags=dict(props.tags),
            # Should the API ever be replaced, the new one exists before the old one (and its stage)
            # is removed, so clients switching to the new URL never meet a gap.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        api_id = self.rest_api.id
        transactions = ApiGatewayResource(
            self, "transactions", rest_api_id=api_id, parent_id=self.rest_api.root_resource_id, path_part="transactions"
        )
        transaction = ApiGatewayResource(
            self, "transaction", rest_api_id=api_id, parent_id=transactions.id, path_part="{id}"
        )
        schema_text = json.dumps(dict(props.request_schema), sort_keys=True)
        model = ApiGatewayModel(
            self,
            "request-model",
            rest_api_id=api_id,
            name="TransactionRequest",
            description="Body of POST /transactions",
            content_type="application/json",
            schema=schema_text,
        )
        body_validator = ApiGatewayRequestValidator(
            self, "body-validator", rest_api_id=api_id, name="body", validate_request_body=True,
            validate_request_parameters=False,
        )
        params_validator = ApiGatewayRequestValidator(
            self, "params-validator", rest_api_id=api_id, name="parameters", validate_request_body=False,
            validate_request_parameters=True,
        )
        post = ApiGatewayMethod(
            self,
            "post",
            rest_api_id=api_id,
            resource_id=transactions.id,
            http_method="POST",
            authorization="NONE",  # callers are identified by API key; IAM/Cognito can replace this
            api_key_required=props.api_key_required,
            request_validator_id=body_validator.id,
            request_models={"application/json": model.name},
        )
        get = ApiGatewayMethod(
            self,
            "get",
            rest_api_id=api_id,
            resource_id=transaction.id,
            http_method="GET",
            authorization="NONE",
            api_key_required=props.api_key_required,
            request_validator_id=params_validator.id,
            request_parameters={"method.request.path.id": True},
        )
        integrations = [
            ApiGatewayIntegration(
                self,
                f"{method_id}-integration",
                rest_api_id=api_id,
                resource_id=method.resource_id,
                http_method=method.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=props.function_invoke_arn,
            )
            for method_id, method in (("post", post), ("get", get))
        ]
        for route, source in (("post", "POST/transactions"), ("get", "GET/transactions/*")):
            LambdaPermission(
                self,
                f"{route}-permission",
                statement_id=f"AllowApiGateway{route.capitalize()}",
                action="lambda:InvokeFunction",
                function_name=props.function_name,
                principal="apigateway.amazonaws.com",
                source_arn=f"{self.rest_api.execution_arn}/*/{source}",
            )
        responses = [
            ApiGatewayGatewayResponse(
                self,
                f"response-{kind.lower().replace('_', '-')}",
                rest_api_id=api_id,
                response_type=kind,
                status_code=status,
                response_templates={"application/json": template},
                response_parameters={"gatewayresponse.header.Content-Type": "'application/json'"},
            )
            for kind, (status, template) in _GATEWAY_RESPONSES.items()
        ]

        static_config = hashlib.sha256(
            json.dumps([schema_text, _GATEWAY_RESPONSES, props.api_key_required], sort_keys=True).encode()
        ).hexdigest()
        moving_parts = [
            transactions.id, transaction.id, model.id, body_validator.id, params_validator.id,
            post.id, get.id, *(i.id for i in integrations), *(i.uri for i in integrations),
            *(r.id for r in responses),
        ]
        self.deployment = ApiGatewayDeployment(
            self,
            "deployment",
            rest_api_id=api_id,
            description="Managed by cdktf; replaced when the API definition changes",
            triggers={"redeployment": Fn.sha1(Fn.jsonencode([static_config, *moving_parts]))},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=[post, get, *integrations, *responses],
        )

        self.access_log_group = CloudwatchLogGroup(
            self,
            "access-logs",
            name=f"/aws/apigateway/{props.api_name}/access",
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        # API Gateway writes execution logs to this fixed name; creating it first gives it
        # retention and the CMK instead of an unencrypted group that is kept forever.
        self.execution_log_group = CloudwatchLogGroup(
            self,
            "execution-logs",
            name=f"API-Gateway-Execution-Logs_{api_id}/{props.stage_name}",
            retention_in_days=props.log_retention_days,
            kms_key_id=props.kms_key_arn,
        )
        self._stage_name = props.stage_name
        self.stage = ApiGatewayStage(
            self,
            "stage",
            rest_api_id=api_id,
            stage_name=props.stage_name,
            deployment_id=self.deployment.id,
            xray_tracing_enabled=True,
            access_log_settings={"destination_arn": self.access_log_group.arn, "format": ACCESS_LOG_FORMAT},
            tags=dict(props.tags),
            depends_on=[self.execution_log_group],
        )
        self.method_settings = ApiGatewayMethodSettings(
            self,
            "method-settings",
            rest_api_id=api_id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings={
                "logging_level": "INFO",
                "metrics_enabled": True,
                "data_trace_enabled": False,  # full request logging would write card data to logs
                "throttling_rate_limit": props.throttle_rate_limit,
                "throttling_burst_limit": props.throttle_burst_limit,
            },
        )
        self.usage_plan = ApiGatewayUsagePlan(
            self,
            "usage-plan",
            name=f"{props.api_name}-plan",
            description="Default plan for transaction producers",
            api_stages=[ApiGatewayUsagePlanApiStages(api_id=api_id, stage=self.stage.stage_name)],
            throttle_settings={"rate_limit": props.throttle_rate_limit, "burst_limit": props.throttle_burst_limit},
        )
        self.api_key = ApiGatewayApiKey(self, "api-key", name=f"{props.api_name}-default", enabled=True)
        ApiGatewayUsagePlanKey(
            self, "usage-plan-key", key_id=self.api_key.id, key_type="API_KEY", usage_plan_id=self.usage_plan.id
        )

    @property
    def api_id(self) -> str:
        """Id of the REST API."""
        return self.rest_api.id

    @property
    def stage_arn(self) -> str:
        """ARN of the stage (what a web ACL is associated with)."""
        return self.stage.arn

    @property
    def stage_name(self) -> str:
        """Name of the stage as a literal (the stage resource carries the same value)."""
        return self._stage_name

    @property
    def invoke_url(self) -> str:
        """Base URL of the stage, as API Gateway reports it (never assembled by hand)."""
        return self.stage.invoke_url

    @property
    def api_key_id(self) -> str:
        """Id of the default API key (its value is read from the API, not from state outputs)."""
        return self.api_key.id
