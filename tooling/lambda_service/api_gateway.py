"""API Gateway (REST, Lambda proxy integrations) in front of the deployed functions.

Discovered from the emulator: the REST API and stage, every resource's methods and AWS_PROXY
integration (its URI names the function), the API keys of the usage plans attached to the stage,
and the API's gateway responses (the error bodies API Gateway itself answers with).

Limits: request validators are not replayed (the transaction function validates the same schema
itself, since the model is generated from its request model, and answers 400 validation_failed too);
throttling and authorizers other than API keys are not emulated.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tooling.lambda_service.events import api_gateway_proxy_event
from tooling.lambda_service.service import LambdaService

_INTEGRATION_URI = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<function>.+)/invocations$")
# Gateway response type -> (default status, default message) when the API does not override them.
_DEFAULT_GATEWAY = {
    "INVALID_API_KEY": ("403", "Forbidden"),
    "MISSING_AUTHENTICATION_TOKEN": ("403", "Missing Authentication Token"),
    "DEFAULT_5XX": ("502", "Internal server error"),
}
_FALLBACK_TYPE = {"INVALID_API_KEY": "DEFAULT_4XX", "MISSING_AUTHENTICATION_TOKEN": "DEFAULT_4XX"}


@dataclass(frozen=True)
class Route:
    """One method of one resource, and the function behind it."""

    method: str
    resource_path: str
    resource_id: str
    function_arn: str
    api_key_required: bool
    pattern: re.Pattern[str]

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

    def __init__(self, service: LambdaService, *, api_name: str | None = None, stage: str | None = None) -> None:
        self._service = service
        client = service.clients.client("apigateway")
        apis = [a for a in client.get_rest_apis(limit=500)["items"] if api_name in (None, a["name"])]
        if len(apis) != 1:
            raise LookupError(f"expected one REST API{f' named {api_name}' if api_name else ''}, found {len(apis)}")
        self.api_id = apis[0]["id"]
        stages = [s["stageName"] for s in client.get_stages(restApiId=self.api_id)["item"]]
        if stage is None and len(stages) != 1:
            raise LookupError(f"API {self.api_id} has stages {stages}; name one")
        self.stage = stage or stages[0]
        self.routes = self._discover_routes(client)
        self.api_keys = self._discover_keys(client)
        self._gateway_responses = {
            r["responseType"]: r for r in client.get_gateway_responses(restApiId=self.api_id).get("items", [])
        }
        self._account_id = service.clients.client("sts").get_caller_identity()["Account"]

    def _discover_routes(self, client: Any) -> list[Route]:
        routes = []
        for resource in client.get_resources(restApiId=self.api_id, embed=["methods"], limit=500)["items"]:
            for method in resource.get("resourceMethods", {}):
                details = client.get_method(restApiId=self.api_id, resourceId=resource["id"], httpMethod=method)
                integration = details.get("methodIntegration") or {}
                if integration.get("type") != "AWS_PROXY":
                    continue
                routes.append(Route(
                    method=method,
                    resource_path=resource["path"],
                    resource_id=resource["id"],
                    function_arn=function_arn_of_integration(integration["uri"]),
                    api_key_required=bool(details.get("apiKeyRequired")),
                    pattern=_route_pattern(resource["path"]),
                ))
        return routes

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
    ) -> ApiResponse:
        """Send one request (path relative to the stage, e.g. "/transactions")."""
        request_id = str(uuid.uuid4())
        headers = dict(headers or {})
        for route in self.routes:
            params = route.match(method.upper(), path)
            if params is not None:
                break
        else:
            return self._gateway_error("MISSING_AUTHENTICATION_TOKEN", request_id)
        api_key = next((v for k, v in headers.items() if k.lower() == "x-api-key"), None)
        api_key_id = self.api_keys.get(api_key) if api_key else None
        if route.api_key_required and api_key_id is None:
            return self._gateway_error("INVALID_API_KEY", request_id)
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        event = api_gateway_proxy_event(
            method=route.method, path=path, resource_path=route.resource_path, path_parameters=params,
            headers=headers, body=text, query=query, stage=self.stage, api_id=self.api_id,
            resource_id=route.resource_id, account_id=self._account_id, api_key_id=api_key_id,
            source_ip=source_ip, request_id=request_id, now=datetime.now(UTC),
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

    def _gateway_error(self, response_type: str, request_id: str, status: str | None = None) -> ApiResponse:
        default_status, message = _DEFAULT_GATEWAY[response_type]
        configured = self._gateway_responses.get(response_type) or self._gateway_responses.get(
            _FALLBACK_TYPE.get(response_type, response_type), {})
        template = (configured.get("responseTemplates") or {}).get("application/json")
        body = (
            template.replace("$context.error.messageString", json.dumps(message))
            .replace("$context.error.message", message)
            .replace("$context.requestId", request_id)
            if template else json.dumps({"message": message})
        )
        code = status or configured.get("statusCode") or default_status
        return ApiResponse(int(code), {"Content-Type": "application/json", "x-amzn-ErrorType": response_type},
                           body, request_id)
