"""API Gateway (REST, Lambda proxy integrations) in front of the deployed functions.

Discovered from the emulator: the REST API and stage, every resource's methods (authorization type,
API key requirement, request validator, request models and parameters) and AWS_PROXY integration
(its URI names the function), the API keys of the usage plans attached to the stage, the models,
the API's gateway responses (the error bodies API Gateway itself answers with) and the body-size
rules of the web ACL associated with the stage.

A request goes through what the deployed API applies, in API Gateway's order: the web ACL's body
size (413), the route (403 Missing Authentication Token), SigV4 for AWS_IAM methods (403), the API
key (403), the request validator (400 with the BAD_REQUEST_* gateway response), then the function.

Limits: throttling, usage-plan quotas, the web ACL's rate-based and managed rules, Lambda or Cognito
authorizers and IAM/resource-policy evaluation are not replayed (a valid signature of a key the
service issued is enough).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from tooling.lambda_service.events import api_gateway_proxy_event
from tooling.lambda_service.request_validation import (
    BodyValidator,
    ValidationFailure,
    first_failure,
    media_type,
    missing_parameters,
)
from tooling.lambda_service.service import LambdaService
from tooling.lambda_service.sigv4 import (
    Caller,
    SignatureVerifier,
    SigningKey,
    provision_local_producer,
    sign_request,
)
from tooling.lambda_service.web_acl import BodySizeRule, stage_body_size_rules

_INTEGRATION_URI = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<function>.+)/invocations$")
# Gateway response type -> (default status, default message) when the API does not override them.
_DEFAULT_GATEWAY = {
    "INVALID_API_KEY": ("403", "Forbidden"),
    "MISSING_AUTHENTICATION_TOKEN": ("403", "Missing Authentication Token"),
    "INVALID_SIGNATURE": ("403", "Forbidden"),
    "UNRECOGNIZED_CLIENT": ("403", "Forbidden"),
    "INCOMPLETE_SIGNATURE_EXCEPTION": ("403", "Forbidden"),
    "BAD_REQUEST_BODY": ("400", "Invalid request body"),
    "BAD_REQUEST_PARAMETERS": ("400", "Bad request"),
    "DEFAULT_5XX": ("502", "Internal server error"),
}
_FALLBACK_TYPE = {kind: "DEFAULT_4XX" for kind, (status, _) in _DEFAULT_GATEWAY.items() if status.startswith("4")}


@dataclass(frozen=True)
class Route:
    """One method of one resource, and the function behind it."""

    method: str
    resource_path: str
    resource_id: str
    function_arn: str
    api_key_required: bool
    pattern: re.Pattern[str]
    authorization: str = "NONE"
    body_validators: Mapping[str, BodyValidator] | None = None
    """Media type -> model validator, when the method's validator validates the body."""
    required_parameters: Mapping[str, bool] | None = None
    """The method's request parameters, when its validator validates parameters."""

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when `method path` is this route, else None."""
        if method != self.method and self.method != "ANY":
            return None
        found = self.pattern.fullmatch(path)
        return None if found is None else found.groupdict()


@dataclass(frozen=True)
class ApiResponse:
    """What the client receives."""

    status_code: int
    headers: Mapping[str, str]
    body: str
    request_id: str

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def _route_pattern(resource_path: str) -> re.Pattern[str]:
    parts = []
    for segment in resource_path.strip("/").split("/"):
        if not segment:
            continue
        name = re.fullmatch(r"\{(\w+)(\+?)\}", segment)
        if name:
            parts.append(f"(?P<{name.group(1)}>{'.+' if name.group(2) else '[^/]+'})")
        else:
            parts.append(re.escape(segment))
    return re.compile("/" + "/".join(parts))


def function_arn_of_integration(uri: str) -> str:
    """The function ARN inside an AWS_PROXY integration URI."""
    found = _INTEGRATION_URI.match(uri)
    if not found:
        raise ValueError(f"not a Lambda integration URI: {uri}")
    return found.group("function")


class ApiGatewayPlayer:
    """Delivers HTTP-like requests to the functions behind one REST API stage."""

    def __init__(self, service: LambdaService, *, api_name: str | None = None, stage: str | None = None,
                 signing_keys: list[SigningKey] | None = None) -> None:
        self._service = service
        client = service.clients.client("apigateway")
        apis = [a for a in client.get_rest_apis(limit=500)["items"] if api_name in (None, a["name"])]
        if len(apis) != 1:
            raise LookupError(f"expected one REST API{f' named {api_name}' if api_name else ''}, found {len(apis)}")
        self.api_id = apis[0]["id"]
        self.api_name = str(apis[0]["name"])
        stages = [s["stageName"] for s in client.get_stages(restApiId=self.api_id)["item"]]
        if stage is None and len(stages) != 1:
            raise LookupError(f"API {self.api_id} has stages {stages}; name one")
        self.stage = stage or stages[0]
        self.region = service.clients.region
        self.routes = self._discover_routes(client)
        self.api_keys = self._discover_keys(client)
        self._gateway_responses = {
            r["responseType"]: r for r in client.get_gateway_responses(restApiId=self.api_id).get("items", [])
        }
        self._account_id = service.clients.client("sts").get_caller_identity()["Account"]
        self.stage_arn = f"arn:aws:apigateway:{self.region}::/restapis/{self.api_id}/stages/{self.stage}"
        self.body_size_rules: list[BodySizeRule] = stage_body_size_rules(
            service.clients.client("wafv2"), self.stage_arn)
        self.signing_keys = list(signing_keys or [])
        if self.requires_signing and not self.signing_keys:
            self.signing_keys.append(provision_local_producer(
                service.clients.client("iam"), f"{self.api_name}-local-producer"[:64]))
        self._verifier = SignatureVerifier(self.signing_keys, self.region)

    @property
    def requires_signing(self) -> bool:
        """Whether some method is deployed with AWS_IAM authorization."""
        return any(route.authorization == "AWS_IAM" for route in self.routes)

    def _discover_routes(self, client: Any) -> list[Route]:
        routes = []
        for resource in client.get_resources(restApiId=self.api_id, embed=["methods"], limit=500)["items"]:
            for method in resource.get("resourceMethods", {}):
                details = client.get_method(restApiId=self.api_id, resourceId=resource["id"], httpMethod=method)
                integration = details.get("methodIntegration") or {}
                if integration.get("type") != "AWS_PROXY":
                    continue
                validator = (client.get_request_validator(restApiId=self.api_id,
                                                          requestValidatorId=details["requestValidatorId"])
                             if details.get("requestValidatorId") else {})
                routes.append(Route(
                    method=method,
                    resource_path=resource["path"],
                    resource_id=resource["id"],
                    function_arn=function_arn_of_integration(integration["uri"]),
                    api_key_required=bool(details.get("apiKeyRequired")),
                    pattern=_route_pattern(resource["path"]),
                    authorization=str(details.get("authorizationType", "NONE")),
                    body_validators=self._body_validators(client, details) if validator.get("validateRequestBody")
                    else None,
                    required_parameters=(dict(details.get("requestParameters") or {})
                                         if validator.get("validateRequestParameters") else None),
                ))
        return routes

    def _body_validators(self, client: Any, method: Mapping[str, Any]) -> dict[str, BodyValidator]:
        """Media type -> validator of the model the method names for it."""
        return {
            media: BodyValidator(json.loads(client.get_model(restApiId=self.api_id, modelName=model)["schema"]))
            for media, model in (method.get("requestModels") or {}).items()
        }

    def _discover_keys(self, client: Any) -> dict[str, str]:
        """Value -> id of the enabled keys of every usage plan attached to this stage."""
        keys: dict[str, str] = {}
        for plan in client.get_usage_plans(limit=500)["items"]:
            if not any(s.get("apiId") == self.api_id and s.get("stage") == self.stage
                       for s in plan.get("apiStages", [])):
                continue
            for plan_key in client.get_usage_plan_keys(usagePlanId=plan["id"], limit=500)["items"]:
                key = client.get_api_key(apiKey=plan_key["id"], includeValue=True)
                if key.get("enabled"):
                    keys[key["value"]] = key["id"]
        return keys

    def default_api_key(self) -> str:
        """The value of one valid API key of the stage (what a client would be given)."""
        if not self.api_keys:
            raise LookupError(f"no enabled API key in a usage plan of {self.api_id}/{self.stage}")
        return sorted(self.api_keys)[0]

    def request(
        self,
        method: str,
        path: str,
        *,
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        source_ip: str = "198.51.100.10",
        url: str | None = None,
    ) -> ApiResponse:
        """Send one request (path relative to the stage, e.g. "/transactions"); `url` is the full URL the
        client called (what a SigV4 signature covers; a loopback URL of the stage when not given)."""
        request_id = str(uuid.uuid4())
        headers = dict(headers or {})
        raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        for rule in self.body_size_rules:
            if rule.blocks(len(raw)):  # the web ACL answers before API Gateway sees the request
                return ApiResponse(rule.status, {"Content-Type": rule.content_type}, rule.body, request_id)
        for route in self.routes:
            params = route.match(method.upper(), path)
            if params is not None:
                break
        else:
            return self._gateway_error("MISSING_AUTHENTICATION_TOKEN", request_id)
        caller: Caller | None = None
        if route.authorization == "AWS_IAM":
            verdict = self._verifier.verify(method.upper(), url or self.local_url(path, query), headers, raw)
            if not isinstance(verdict, Caller):
                return self._gateway_error(verdict.response_type, request_id, message=verdict.message)
            caller = verdict
        api_key = next((v for k, v in headers.items() if k.lower() == "x-api-key"), None)
        api_key_id = self.api_keys.get(api_key) if api_key else None
        if route.api_key_required and api_key_id is None:
            return self._gateway_error("INVALID_API_KEY", request_id)
        text = raw.decode("utf-8") if body is not None else None
        failure = self._validate(route, headers, query or {}, params or {}, text)
        if failure is not None:
            return self._gateway_error(failure.response_type, request_id, message=failure.message,
                                       validation_error=failure.validation_error)
        event = api_gateway_proxy_event(
            method=route.method, path=path, resource_path=route.resource_path, path_parameters=params,
            headers=headers, body=text, query=query, stage=self.stage, api_id=self.api_id,
            resource_id=route.resource_id, account_id=self._account_id, api_key_id=api_key_id,
            source_ip=source_ip, request_id=request_id, now=datetime.now(UTC),
            caller_arn=caller.principal_arn if caller else None,
            caller_access_key=caller.access_key_id if caller else None,
        )
        result = self._service.invoke(route.function_arn, event)
        reply = result.payload if result.ok else None
        if not isinstance(reply, dict) or not isinstance(reply.get("statusCode"), int):
            # A function error or a malformed proxy response: API Gateway answers 502 itself.
            return self._gateway_error("DEFAULT_5XX", request_id, status="502")
        reply_headers = {k: str(v) for k, v in (reply.get("headers") or {}).items()}
        for name, values in (reply.get("multiValueHeaders") or {}).items():
            reply_headers[name] = ",".join(str(v) for v in values)
        return ApiResponse(reply["statusCode"], reply_headers, reply.get("body") or "", request_id)

    @staticmethod
    def _validate(route: Route, headers: Mapping[str, str], query: Mapping[str, str], params: Mapping[str, str],
                  body: str | None) -> ValidationFailure | None:
        parameters = (missing_parameters(route.required_parameters, headers, query, params)
                      if route.required_parameters is not None else None)
        validator = (route.body_validators or {}).get(media_type(headers))
        return first_failure(parameters, validator.validate(body) if validator else None)

    def local_url(self, path: str, query: Mapping[str, str] | None = None, *, base: str = "http://localhost") -> str:
        """The URL of `path` under the stage at `base` (what a client signs)."""
        return f"{base}/{self.stage}{path}" + (f"?{urlencode(dict(query))}" if query else "")

    def sign(self, method: str, url: str, headers: Mapping[str, str], body: str | bytes | None) -> dict[str, str]:
        """`headers` plus a SigV4 signature with the first signing key, when some method requires signing."""
        if not self.requires_signing:
            return dict(headers)
        if not self.signing_keys:
            raise LookupError("the API requires SigV4 but no signing key was provisioned")
        return sign_request(self.signing_keys[0], self.region, method, url, headers, body)

    def _gateway_error(self, response_type: str, request_id: str, status: str | None = None, *,
                       message: str | None = None, validation_error: str = "") -> ApiResponse:
        default_status, default_message = _DEFAULT_GATEWAY[response_type]
        message = message or default_message
        configured = self._gateway_responses.get(response_type) or self._gateway_responses.get(
            _FALLBACK_TYPE.get(response_type, response_type), {})
        template = (configured.get("responseTemplates") or {}).get("application/json")
        body = (
            # Longest variable names first: $context.error.message is a prefix of messageString.
            template.replace("$context.error.validationErrorString", _in_json_string(validation_error))
            .replace("$context.error.messageString", json.dumps(message))
            .replace("$context.error.message", _in_json_string(message))
            .replace("$context.requestId", request_id)
            if template else json.dumps({"message": message})
        )
        code = status or configured.get("statusCode") or default_status
        return ApiResponse(int(code), {"Content-Type": "application/json", "x-amzn-ErrorType": response_type},
                           body, request_id)


def _in_json_string(text: str) -> str:
    """`text` escaped to sit between the quotes of a JSON string in a mapping template."""
    return json.dumps(text)[1:-1]
