"""The transactions REST API: POST /transactions, GET /transactions/{id} and POST /transactions/{id}/label
in front of one function."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cdktf import Fn, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.api_gateway_api_key import ApiGatewayApiKey
from cdktf_cdktf_provider_aws.api_gateway_base_path_mapping import ApiGatewayBasePathMapping
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_domain_name import ApiGatewayDomainName
from cdktf_cdktf_provider_aws.api_gateway_gateway_response import ApiGatewayGatewayResponse
from cdktf_cdktf_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_method_settings import ApiGatewayMethodSettings
from cdktf_cdktf_provider_aws.api_gateway_model import ApiGatewayModel
from cdktf_cdktf_provider_aws.api_gateway_request_validator import ApiGatewayRequestValidator
from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktf_cdktf_provider_aws.api_gateway_rest_api import ApiGatewayRestApi
from cdktf_cdktf_provider_aws.api_gateway_rest_api_policy import ApiGatewayRestApiPolicy
from cdktf_cdktf_provider_aws.api_gateway_stage import ApiGatewayStage
from cdktf_cdktf_provider_aws.api_gateway_usage_plan import ApiGatewayUsagePlan, ApiGatewayUsagePlanApiStages
from cdktf_cdktf_provider_aws.api_gateway_usage_plan_key import ApiGatewayUsagePlanKey
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from modules.iam import Condition, PolicyStatement, Principal, policy_document

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


# Every route of the API as `<METHOD>/<resource path>` (the tail of its execute-api ARN); a route is
# callable only by the principals of the RouteCallers entry naming it.
POST_TRANSACTIONS = "POST/transactions"
GET_TRANSACTION = "GET/transactions/*"
ROUTES = (POST_TRANSACTIONS, GET_TRANSACTION)
"""The transaction producers' routes."""
POST_LABEL = "POST/transactions/*/label"
LABEL_ROUTES = (POST_LABEL,)
"""The outcome reporters' routes: labels train the model, so producers never get them."""
API_ROUTES = (*ROUTES, *LABEL_ROUTES)
"""Every route of the API."""
# The default execute-api endpoint still negotiates TLS 1.0; a custom domain can require 1.2.
CUSTOM_DOMAIN_SECURITY_POLICY = "TLS_1_2"


@dataclass(frozen=True, kw_only=True)
class Callers:
    """Principals the REST API's resource policy admits to some routes."""

    role_arns: Sequence[str] = ()
    """Roles (aws:PrincipalArn: every session of the role)."""
    account_ids: Sequence[str] = ()
    """Whole accounts (aws:PrincipalAccount); their own IAM policies then decide who."""

    def __post_init__(self) -> None:
        if not self.role_arns and not self.account_ids:
            raise ValueError("callers must name at least one role or account")


@dataclass(frozen=True, kw_only=True)
class RouteCallers:
    """Who may call some routes: e.g. producers post and read transactions, outcome reporters
    (and only they) post labels."""

    sid: str
    """Statement id prefix naming the callers, e.g. `Producers`."""
    routes: Sequence[str]
    """Routes as `<METHOD>/<path>` with `*` for path parameters (see ROUTES)."""
    callers: Callers
    """The principals admitted to those routes, and nobody else."""


@dataclass(frozen=True, kw_only=True)
class UsagePlanProducer:
    """A producer's own usage plan and API key: who sent how much, and its quota. With signed
    requests the key identifies, it does not authenticate, so its value in state is no secret."""

    name: str
    """Names the plan and key (`<api name>-<name>`)."""
    daily_quota: int | None = None
    """Requests per day; None: throttled only."""


@dataclass(frozen=True, kw_only=True)
class CustomDomainProps:
    """A regional custom domain for the API (its certificate in the API's region)."""

    domain_name: str
    """The domain clients call."""
    certificate_arn: str
    """ACM certificate of the domain."""


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
    """JSON Schema (draft 4) of the POST /transactions body: the same document the function validates against."""
    label_request_schema: Mapping[str, Any]
    """JSON Schema (draft 4) of the POST /transactions/{id}/label body, likewise."""
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
    """Clients must send the API key of their usage plan."""
    producers: Sequence[UsagePlanProducer] = (UsagePlanProducer(name="default"),)
    """One usage plan and API key per producer."""
    authorization: Literal["AWS_IAM", "NONE"] = "AWS_IAM"
    """AWS_IAM: every request is SigV4-signed and the resource policy admits only `route_callers`.
    NONE: the API key is the only check (the environment's config must say why)."""
    route_callers: Sequence[RouteCallers] = ()
    """With AWS_IAM, who may call each route; every route must be covered."""
    custom_domain: CustomDomainProps | None = None
    """Optional custom domain (TLS 1.2); the default execute-api endpoint is then disabled."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on the API and stage."""

    def __post_init__(self) -> None:
        for schema in (self.request_schema, self.label_request_schema):
            if schema.get("$schema", "").rstrip("#") != "http://json-schema.org/draft-04/schema":
                raise ValueError("API Gateway models take JSON Schema draft 4; the request schemas must declare it")
        if self.throttle_burst_limit < self.throttle_rate_limit:
            raise ValueError("throttle_burst_limit must be >= throttle_rate_limit")
        if not self.producers or len({p.name for p in self.producers}) != len(self.producers):
            raise ValueError("producers must be at least one, with distinct names")
        if self.authorization not in ("AWS_IAM", "NONE"):
            raise ValueError(f"authorization must be AWS_IAM or NONE, got {self.authorization!r}")
        if self.authorization == "AWS_IAM":
            covered = {route for entry in self.route_callers for route in entry.routes}
            if missing := [r for r in API_ROUTES if r not in covered]:
                raise ValueError(f"with AWS_IAM every route needs its callers; none for {missing}")
        elif self.route_callers:
            raise ValueError("route_callers need signed requests (AWS_IAM): unsigned callers have no principal")


class TransactionsApi(Construct):
    """Regional REST API with Lambda proxy integrations, a JSON Schema body validator, an explicit
    stage (access logs to a CMK-encrypted group, INFO execution logs, X-Ray, method throttling),
    SigV4 authorization with a resource policy admitting each route's callers only, a usage plan
    and API key per producer, and optionally a TLS 1.2 custom domain.

    The deployment is replaced whenever a method, integration, model, validator or gateway
    response changes (a hash in its triggers, created before the old one is destroyed), and the
    hash is made of plan-time-known values only, so an unchanged API never shows a diff.

    Attributes: `name` and `stage_name` (literals: API Gateway metrics are keyed by them, and
    dashboards need them as plain JSON), `api_id`, `stage_arn`, `invoke_url`, `custom_domain_target`,
    `api_keys` (by producer; `api_key_id(producer)`), `resource_policy`.
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
            # With a custom domain, the default endpoint (which accepts TLS 1.0) would be a way around it.
            disable_execute_api_endpoint=props.custom_domain is not None,
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
        label = ApiGatewayResource(self, "label", rest_api_id=api_id, parent_id=transaction.id, path_part="label")
        schema_text = json.dumps(dict(props.request_schema), sort_keys=True)
        label_schema_text = json.dumps(dict(props.label_request_schema), sort_keys=True)
        model = ApiGatewayModel(
            self,
            "request-model",
            rest_api_id=api_id,
            name="TransactionRequest",
            description="Body of POST /transactions",
            content_type="application/json",
            schema=schema_text,
        )
        label_model = ApiGatewayModel(
            self,
            "label-model",
            rest_api_id=api_id,
            name="LabelRequest",
            description="Body of POST /transactions/{id}/label",
            content_type="application/json",
            schema=label_schema_text,
        )
        body_validator = ApiGatewayRequestValidator(
            self, "body-validator", rest_api_id=api_id, name="body", validate_request_body=True,
            validate_request_parameters=False,
        )
        params_validator = ApiGatewayRequestValidator(
            self, "params-validator", rest_api_id=api_id, name="parameters", validate_request_body=False,
            validate_request_parameters=True,
        )
        def method(id_: str, resource: ApiGatewayResource, http_method: str,
                   validator: ApiGatewayRequestValidator, **request: Any) -> ApiGatewayMethod:
            return ApiGatewayMethod(
                self, id_, rest_api_id=api_id, resource_id=resource.id, http_method=http_method,
                authorization=props.authorization, api_key_required=props.api_key_required,
                request_validator_id=validator.id, **request,
            )

        post = method("post", transactions, "POST", body_validator, request_models={"application/json": model.name})
        get = method("get", transaction, "GET", params_validator, request_parameters={"method.request.path.id": True})
        post_label = method("post-label", label, "POST", body_validator,
                            request_models={"application/json": label_model.name})
        methods = (("post", post, POST_TRANSACTIONS), ("get", get, GET_TRANSACTION), ("label", post_label, POST_LABEL))
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
            for method_id, method, _ in methods
        ]
        for route, _, source in methods:
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

        self.resource_policy = self._resource_policy(props)
        static_config = hashlib.sha256(
            json.dumps([schema_text, label_schema_text, _GATEWAY_RESPONSES, props.api_key_required,
                        props.authorization],
                       sort_keys=True).encode()
        ).hexdigest()
        moving_parts = [
            transactions.id, transaction.id, label.id, model.id, label_model.id, body_validator.id,
            params_validator.id, *(method.id for _, method, _ in methods), *(i.id for i in integrations),
            *(i.uri for i in integrations),
            *(r.id for r in responses),
            # A changed resource policy takes effect only with a new deployment.
            *([self.resource_policy.policy] if self.resource_policy else []),
        ]
        self.deployment = ApiGatewayDeployment(
            self,
            "deployment",
            rest_api_id=api_id,
            description="Managed by cdktf; replaced when the API definition changes",
            triggers={"redeployment": Fn.sha1(Fn.jsonencode([static_config, *moving_parts]))},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=[*(method for _, method, _ in methods), *integrations, *responses,
                        *([self.resource_policy] if self.resource_policy else [])],
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
        self.api_keys: dict[str, ApiGatewayApiKey] = {}
        for producer in props.producers:
            plan = ApiGatewayUsagePlan(
                self,
                f"usage-plan-{producer.name}",
                name=f"{props.api_name}-{producer.name}",
                description=f"Transactions producer {producer.name}",
                api_stages=[ApiGatewayUsagePlanApiStages(api_id=api_id, stage=self.stage.stage_name)],
                throttle_settings={"rate_limit": props.throttle_rate_limit, "burst_limit": props.throttle_burst_limit},
                quota_settings=(
                    {"limit": producer.daily_quota, "period": "DAY"} if producer.daily_quota is not None else None
                ),
            )
            key = ApiGatewayApiKey(self, f"api-key-{producer.name}", name=f"{props.api_name}-{producer.name}",
                                   enabled=True)
            ApiGatewayUsagePlanKey(
                self, f"usage-plan-key-{producer.name}", key_id=key.id, key_type="API_KEY", usage_plan_id=plan.id
            )
            self.api_keys[producer.name] = key

        self.domain_name: ApiGatewayDomainName | None = None
        if props.custom_domain is not None:
            self.domain_name = ApiGatewayDomainName(
                self,
                "domain",
                domain_name=props.custom_domain.domain_name,
                regional_certificate_arn=props.custom_domain.certificate_arn,
                endpoint_configuration={"types": ["REGIONAL"]},
                security_policy=CUSTOM_DOMAIN_SECURITY_POLICY,
                tags=dict(props.tags),
            )
            # The stage name stays the first path segment, so URLs keep their shape.
            ApiGatewayBasePathMapping(
                self, "base-path", api_id=api_id, stage_name=self.stage.stage_name,
                domain_name=self.domain_name.domain_name, base_path=props.stage_name,
            )

    def _resource_policy(self, props: TransactionsApiProps) -> ApiGatewayRestApiPolicy | None:
        """With signed requests: each route admits its callers only. An Allow lets them in (other
        accounts need it); a Deny keeps out everyone else, including principals of this account
        whose own IAM policies would allow execute-api:Invoke."""
        if props.authorization != "AWS_IAM":
            return None
        statements = []
        for entry in props.route_callers:
            arns = [f"{self.rest_api.execution_arn}/*/{route}" for route in entry.routes]
            anyone = [Principal(type="AWS", identifiers=["*"])]
            roles, accounts = list(entry.callers.role_arns), list(entry.callers.account_ids)
            outside: list[Condition] = []
            if roles:
                statements.append(PolicyStatement(
                    sid=f"{entry.sid}Roles", actions=["execute-api:Invoke"], resources=arns, principals=anyone,
                    conditions=[Condition(test="ArnEquals", variable="aws:PrincipalArn", values=roles)],
                ))
                outside.append(Condition(test="ArnNotEquals", variable="aws:PrincipalArn", values=roles))
            if accounts:
                statements.append(PolicyStatement(
                    sid=f"{entry.sid}Accounts", actions=["execute-api:Invoke"], resources=arns, principals=anyone,
                    conditions=[Condition(test="StringEquals", variable="aws:PrincipalAccount", values=accounts)],
                ))
                outside.append(Condition(test="StringNotEquals", variable="aws:PrincipalAccount", values=accounts))
            statements.append(PolicyStatement(
                sid=f"{entry.sid}Only", effect="Deny", actions=["execute-api:Invoke"], resources=arns,
                principals=anyone, conditions=outside,
            ))
        document = policy_document(self, "resource-policy-doc", statements)
        return ApiGatewayRestApiPolicy(self, "resource-policy", rest_api_id=self.rest_api.id, policy=document.json)

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
        """Base URL of the stage: the custom domain's when there is one (the default endpoint is
        then disabled), else as API Gateway reports it (never assembled by hand)."""
        if self.domain_name is not None:
            return f"https://{self.domain_name.domain_name}/{self.stage.stage_name}"
        return self.stage.invoke_url

    @property
    def custom_domain_target(self) -> str | None:
        """The regional domain name a DNS alias of the custom domain points at (None without one)."""
        return self.domain_name.regional_domain_name if self.domain_name is not None else None

    def api_key_id(self, producer: str) -> str:
        """Id of a producer's API key (its value is read from the API, not from state outputs)."""
        return self.api_keys[producer].id
