"""The API's edge agrees with its handler: one schema per request body (API Gateway model, OpenAPI,
handler), one body limit (web ACL, handler), and a fuzzed handler that answers hostile input (on the
transaction and the label routes) with 4xx only and writes nothing."""

from __future__ import annotations

import base64
import copy
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from openapi_spec_validator import validate as validate_openapi
from transaction_api.label_request import LabelRequest
from transaction_api.schema import api_gateway_request_schema

from stacks.config import load_environments
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp
from tests.functions.tables import create_merchant_counters_table
from tooling.openapi import LABEL_REQUEST_SCHEMA, REQUEST_SCHEMA, build_document, to_openapi_schema

SCHEMA = json.loads(REQUEST_SCHEMA.read_text(encoding="utf-8"))
LABEL_SCHEMA = json.loads(LABEL_REQUEST_SCHEMA.read_text(encoding="utf-8"))
LABEL_DRAFT4 = jsonschema.Draft4Validator(LABEL_SCHEMA)
COUNTERS_TABLE = "fuzz-merchant-counters"
EVENTS = Path(__file__).resolve().parents[1] / "functions" / "transaction_api" / "events"
TABLE = "fuzz-transactions"
MAX_BODY_BYTES = 2048
VALID_BODY = json.loads(json.loads((EVENTS / "post_transaction.json").read_text())["body"])
DRAFT4 = jsonschema.Draft4Validator(SCHEMA)

# --- one schema, one limit ----------------------------------------------------------------------


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_api_model_is_generated_from_the_handlers_model(synthesized: SynthesizedApp, stack: str) -> None:
    # Generated now from the pydantic model the handler validates with, not read back from the file
    # the stack was built from: a stale file or a stack that ships another schema both fail here.
    models = {m["name"]: json.loads(m["schema"])
              for m in synthesized.resources(stack, "aws_api_gateway_model").values()}
    assert models == {"TransactionRequest": api_gateway_request_schema(),
                      "LabelRequest": api_gateway_request_schema(LabelRequest)}


def _rules(acl: dict[str, Any]) -> list[dict[str, Any]]:
    # The rules are given as the WAFv2 API's JSON (rule_json), never as `rule` blocks.
    assert "rule" not in acl
    rules: list[dict[str, Any]] = json.loads(acl["rule_json"])
    return rules


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_web_acl_and_the_handler_share_the_body_limit(synthesized: SynthesizedApp, stack: str) -> None:
    env = load_environments()[stack.removeprefix("fraud-detection-")]
    (acl,) = synthesized.resources(stack, "aws_wafv2_web_acl").values()
    rules = _rules(acl)
    (size_rule,) = [r for r in rules if "SizeConstraintStatement" in r["Statement"]]
    statement = size_rule["Statement"]["SizeConstraintStatement"]
    assert (statement["ComparisonOperator"], statement["Size"]) == ("GT", env.max_body_bytes)
    # A body WAF cannot read to the end is over the limit: it must be blocked, not let through unseen.
    assert statement["FieldToMatch"]["Body"]["OversizeHandling"] == "MATCH"
    assert size_rule["Priority"] == min(r["Priority"] for r in rules)
    (api,) = [f for f in synthesized.resources(stack, "aws_lambda_function").values()
              if f["handler"] == "transaction_api.app.handler"]
    assert api["environment"]["variables"]["MAX_BODY_BYTES"] == str(env.max_body_bytes)
    (association,) = synthesized.resources(stack, "aws_wafv2_web_acl_association").values()
    assert association["resource_arn"].startswith("${aws_api_gateway_stage.")


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_the_web_acl_rules_metrics_and_logs(synthesized: SynthesizedApp, stack: str) -> None:
    env = load_environments()[stack.removeprefix("fraud-detection-")]
    (acl,) = synthesized.resources(stack, "aws_wafv2_web_acl").values()
    assert acl["scope"] == "REGIONAL"
    rules = _rules(acl)
    groups = {r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in rules
              if "ManagedRuleGroupStatement" in r["Statement"]}
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= groups
    (rate,) = [r["Statement"]["RateBasedStatement"] for r in rules if "RateBasedStatement" in r["Statement"]]
    assert (rate["AggregateKeyType"], rate["Limit"]) == ("IP", env.waf_requests_per_ip_per_5min)
    assert all(r["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True for r in rules)
    assert acl["visibility_config"]["cloudwatch_metrics_enabled"] is True
    (logging,) = synthesized.resources(stack, "aws_wafv2_web_acl_logging_configuration").values()
    (destination,) = logging["log_destination_configs"]
    group_id = destination.split(".")[1]
    group = synthesized.resources(stack, "aws_cloudwatch_log_group")[group_id]
    assert group["name"].startswith("aws-waf-logs-") and group["kms_key_id"].startswith("${aws_kms_key.")
    # The API key must never reach the WAF logs.
    assert [f["single_header"]["name"] for f in logging["redacted_fields"]] == [
        "x-api-key", "authorization", "x-amz-security-token"]


def test_the_openapi_document_is_valid_and_built_from_the_same_schema() -> None:
    document = build_document(SCHEMA, LABEL_SCHEMA)
    validate_openapi(document)
    assert document["components"]["schemas"]["TransactionRequest"] == to_openapi_schema(SCHEMA)
    assert document["components"]["schemas"]["LabelRequest"] == to_openapi_schema(LABEL_SCHEMA)
    assert set(document["paths"]) == {"/transactions", "/transactions/{id}", "/transactions/{id}/label"}
    label = document["paths"]["/transactions/{id}/label"]["post"]
    assert {"200", "201", "400", "404", "409", "413", "415"} <= set(label["responses"])


@given(st.sampled_from(sorted(VALID_BODY)), st.sampled_from([None, -1, 0, "0.001", "", "x" * 200, [], {}, True]))
@settings(max_examples=150, deadline=None)
def test_the_openapi_schema_judges_bodies_like_the_api_model(field: str, value: Any) -> None:
    openapi = jsonschema.Draft202012Validator(to_openapi_schema(SCHEMA))
    body = {**VALID_BODY, field: value}
    assert openapi.is_valid(body) == DRAFT4.is_valid(body), body
    assert openapi.is_valid(VALID_BODY) and DRAFT4.is_valid(VALID_BODY)


# --- the fuzzed handler -------------------------------------------------------------------------

HOSTILE_STRINGS = (
    "' OR '1'='1' --", "\"; DROP TABLE transactions; --", "<script>alert(1)</script>", "${jndi:ldap://x/a}",
    "../../../../etc/passwd", "{{7*7}}", "%s%s%s%n", "\u0000", "\ud7ff\ufeff\u202e", "\U0001d54f" * 40, "A" * 5000,
    "NaN", "Infinity", "-1", "1e400", "0x10", "\uff11\uff12\uff13", "cust 42", "$where", "{\"$gt\": \"\"}",
)
NUMBERS = st.one_of(st.integers(min_value=-(10**30), max_value=10**30), st.floats(allow_nan=True, allow_infinity=True))
JSON_LEAVES = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=50), st.sampled_from(HOSTILE_STRINGS))
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children,
                                                                                max_size=4)),
    max_leaves=20,
)


def _dumps(document: Any) -> str:
    # NaN and Infinity as JSON (allow_nan): the handler must refuse them, not choke on them.
    return json.dumps(document, allow_nan=True)


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


BODY_MUTATIONS = st.one_of(
    # a field with a hostile value
    st.builds(lambda f, v: {**VALID_BODY, f: v}, st.sampled_from(sorted(VALID_BODY)), JSON_VALUES),
    # negative, zero, NaN, too precise or huge amounts, as numbers and strings
    st.builds(lambda v: {**VALID_BODY, "amount": v},
              st.one_of(NUMBERS.filter(lambda n: not (isinstance(n, float) and math.isfinite(n) and n > 0)),
                        st.sampled_from(["-1.00", "0", "0.00", "12.345", "1e3", "NaN", " 12.50", "12,50",
                                         "99999999999999999999.99", "+5"]))),
    # a required field missing, an unknown field, a deeply nested object
    st.builds(lambda f: {k: v for k, v in VALID_BODY.items() if k != f},
              st.sampled_from(["amount", "currency", "customer_id", "merchant_category", "country"])),
    st.builds(lambda k, v: {**VALID_BODY, k: v}, st.text(min_size=1, max_size=30).filter(lambda k: k not in VALID_BODY),
              JSON_VALUES),
    st.builds(lambda d: {**VALID_BODY, "device_id": _deep(d)}, st.integers(min_value=1, max_value=200)),
    # not an object at all
    JSON_VALUES.filter(lambda v: not isinstance(v, dict)),
)
RAW_BODIES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(['{"amount": 1, "amount": 2}', '{"amount": NaN}', "{", "[]", "null", '{"a":' * 500,
                     "\ufeff" + json.dumps(VALID_BODY).replace("125.50", "-1")]),
)
CONTENT_TYPES = st.sampled_from([
    None, "", "text/plain", "application/xml", "application/json; charset=latin-1", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "application/json-patch+json", "*/*", "application/json\r\nX-Injected: 1",
])


@pytest.fixture(scope="module")
def api() -> Iterator[dict[str, Any]]:
    """The transaction API handler over moto tables, with the settings the stack gives it."""
    environment = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "FraudDetection", "POWERTOOLS_SERVICE_NAME": "transaction-api",
        "TABLE_NAME": TABLE, "MERCHANT_COUNTERS_TABLE_NAME": COUNTERS_TABLE,
        "MAX_AMOUNT": "10000.00", "MAX_BODY_BYTES": str(MAX_BODY_BYTES), "DAY_SHARDS": "4",
        "TRANSACTION_TTL_DAYS": "30",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        patch.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            from transaction_api import dependencies
            from transaction_api.app import handler

            dependencies.reset()
            client = boto3.client("dynamodb", region_name="us-east-1")
            key = [{"AttributeName": "transaction_id", "KeyType": "HASH"},
                   {"AttributeName": "timestamp", "KeyType": "RANGE"}]
            client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST", KeySchema=key,
                                AttributeDefinitions=[{"AttributeName": "transaction_id", "AttributeType": "S"},
                                                      {"AttributeName": "timestamp", "AttributeType": "N"}])
            create_merchant_counters_table(client, COUNTERS_TABLE)
            yield {"handler": handler, "client": client}
            dependencies.reset()


class _Context:
    function_name = "fuzz"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:fuzz"
    aws_request_id = "fuzz-request"
    log_group_name = "/aws/lambda/fuzz"
    log_stream_name = "fuzz"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def _post(api: dict[str, Any], body: str | None, content_type: str | None, *, base64_body: bool = False) -> int:
    event = json.loads((EVENTS / "post_transaction.json").read_text())
    headers = {k: v for k, v in event["headers"].items() if k != "Content-Type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event["body"] = body
    event["isBase64Encoded"] = base64_body
    return int(api["handler"](event, _Context())["statusCode"])


def _nothing_stored(api: dict[str, Any]) -> bool:
    return all(api["client"].scan(TableName=table, Select="COUNT")["Count"] == 0 for table in (TABLE, COUNTERS_TABLE))


FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1200")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(document=BODY_MUTATIONS)
def test_hostile_bodies_get_a_4xx_and_store_nothing(api: dict[str, Any], document: Any) -> None:
    assume(not DRAFT4.is_valid(document))  # what the schema rejects, the handler must reject too
    status = _post(api, _dumps(document), "application/json")
    assert 400 <= status < 500, (status, document)
    assert _nothing_stored(api)


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 3, 50))
@given(raw=RAW_BODIES, content_type=CONTENT_TYPES, as_base64=st.booleans())
def test_malformed_text_and_wrong_content_types_get_a_4xx(
    api: dict[str, Any], raw: str, content_type: str | None, as_base64: bool
) -> None:
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    assume(not DRAFT4.is_valid(parsed) if parsed is not None else True)
    body = base64.b64encode(raw.encode("utf-8", "surrogatepass")).decode() if as_base64 else raw
    status = _post(api, body, content_type, base64_body=as_base64)
    assert 400 <= status < 500, (status, raw, content_type)
    assert _nothing_stored(api)


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 6, 30))
@given(extra=st.integers(min_value=1, max_value=70_000), valid_type=st.booleans())
def test_oversized_bodies_get_a_413_even_with_a_valid_payload(
    api: dict[str, Any], extra: int, valid_type: bool
) -> None:
    document = copy.deepcopy(VALID_BODY)
    document["device_id"] = "d" * (MAX_BODY_BYTES + extra)
    status = _post(api, _dumps(document), "application/json" if valid_type else "text/plain")
    assert status == (413 if valid_type else 415)
    assert _nothing_stored(api)


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 3, 50))
@given(transaction_id=st.one_of(st.text(max_size=300), st.sampled_from(HOSTILE_STRINGS)))
def test_any_transaction_id_in_the_path_gets_a_4xx(api: dict[str, Any], transaction_id: str) -> None:
    event = json.loads((EVENTS / "get_transaction.json").read_text())
    event["path"] = f"/transactions/{transaction_id}"
    event["pathParameters"] = {"id": transaction_id}
    status = int(api["handler"](event, _Context())["statusCode"])
    assert 400 <= status < 500, (status, transaction_id)
    assert _nothing_stored(api)


LABEL_BODY = {"label": "fraud", "source": "chargeback", "reported_at": "2026-01-01T00:00:00Z"}
LABEL_MUTATIONS = st.one_of(
    st.builds(lambda f, v: {**LABEL_BODY, f: v}, st.sampled_from(sorted(LABEL_BODY)), JSON_VALUES),
    st.builds(lambda k, v: {**LABEL_BODY, k: v}, st.text(min_size=1, max_size=30).filter(lambda k: k not in LABEL_BODY),
              JSON_VALUES),
    st.builds(lambda f: {k: v for k, v in LABEL_BODY.items() if k != f}, st.sampled_from(["label", "source"])),
    JSON_VALUES.filter(lambda v: not isinstance(v, dict)),
)


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 3, 50))
@given(document=LABEL_MUTATIONS, transaction_id=st.one_of(st.just("fuzz-label-1"), st.sampled_from(HOSTILE_STRINGS)),
       content_type=st.one_of(st.just("application/json"), CONTENT_TYPES))
def test_hostile_labels_get_a_4xx_and_store_nothing(api: dict[str, Any], document: Any, transaction_id: str,
                                                    content_type: str | None) -> None:
    assume(not LABEL_DRAFT4.is_valid(document))
    event = json.loads((EVENTS / "post_label.json").read_text())
    headers = {k: v for k, v in event["headers"].items() if k != "Content-Type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    event["headers"], event["multiValueHeaders"] = headers, {k: [v] for k, v in headers.items()}
    event["path"], event["pathParameters"] = f"/transactions/{transaction_id}/label", {"id": transaction_id}
    event["body"] = _dumps(document)
    status = int(api["handler"](event, _Context())["statusCode"])
    assert 400 <= status < 500, (status, document, transaction_id)
    assert _nothing_stored(api)


def test_a_valid_body_is_still_accepted_after_the_fuzzing(api: dict[str, Any]) -> None:
    # The fuzz fixture is a working API: the same handler stores a valid transaction.
    body = {**VALID_BODY, "transaction_id": "fuzz-control-1"}
    body.pop("ip_address", None)
    assert _post(api, _dumps(body), "application/json") == 201
    assert not _nothing_stored(api)
