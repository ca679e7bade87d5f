"""The played request validator: draft-4 models, API Gateway's wording, required parameters."""

from __future__ import annotations

import json

import pytest

from tooling.lambda_service.request_validation import BodyValidator, media_type, missing_parameters

SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["amount", "currency"],
    "additionalProperties": False,
    "properties": {
        "amount": {"type": "string", "pattern": "^[0-9]+[.][0-9]{2}$"},
        "currency": {"type": "string", "enum": ["EUR", "USD"]},
        "note": {"type": "string", "maxLength": 5},
        "count": {"type": "integer", "minimum": 1},
    },
}


@pytest.fixture
def validator() -> BodyValidator:
    return BodyValidator(SCHEMA)


def test_a_valid_body_passes(validator: BodyValidator) -> None:
    assert validator.validate(json.dumps({"amount": "1.00", "currency": "EUR"})) is None


@pytest.mark.parametrize(("body", "expected"), [
    ({"currency": "EUR"}, 'object has missing required properties (["amount"])'),
    ({"amount": 1, "currency": "EUR"},
     'instance type (integer) does not match any allowed primitive type (allowed: ["string"])'),
    ({"amount": "1.00", "currency": "GBP"},
     'instance value ("GBP") not found in enum (possible values: ["EUR","USD"])'),
    ({"amount": "1", "currency": "EUR"}, 'ECMA 262 regex "^[0-9]+[.][0-9]{2}$" does not match input string "1"'),
    ({"amount": "1.00", "currency": "EUR", "note": "toolong"},
     'string "toolong" is too long (length: 7, maximum allowed: 5)'),
    ({"amount": "1.00", "currency": "EUR", "count": 0},
     "numeric instance is lower than the required minimum (minimum: 1, found: 0)"),
    ({"amount": "1.00", "currency": "EUR", "extra": 1},
     'object instance has properties which are not allowed by the schema: ["extra"]'),
])
def test_each_violation_is_worded_as_api_gateway_words_it(validator: BodyValidator, body: dict[str, object],
                                                         expected: str) -> None:
    failure = validator.validate(json.dumps(body))
    assert failure is not None
    assert failure.response_type == "BAD_REQUEST_BODY"
    assert failure.message == "Invalid request body"
    assert failure.validation_error == f"[{expected}]"


def test_every_violation_is_listed_in_one_string(validator: BodyValidator) -> None:
    failure = validator.validate(json.dumps({"amount": 5}))
    assert failure is not None
    assert failure.validation_error.startswith("[")
    assert "missing required properties" in failure.validation_error
    assert "instance type (integer)" in failure.validation_error


def test_a_body_that_is_not_json_is_an_invalid_request_body(validator: BodyValidator) -> None:
    failure = validator.validate('{"amount": ')
    assert failure is not None
    assert (failure.response_type, failure.message) == ("BAD_REQUEST_BODY", "Invalid request body")


def test_a_schema_that_is_not_draft_4_valid_is_refused() -> None:
    with pytest.raises(Exception, match="is not valid"):
        BodyValidator({"type": "no-such-type"})


def test_the_media_type_defaults_to_json_and_drops_parameters() -> None:
    assert media_type({}) == "application/json"
    assert media_type({"content-type": "Application/JSON; charset=utf-8"}) == "application/json"
    assert media_type({"Content-Type": "text/plain"}) == "text/plain"


def test_required_parameters_missing_from_the_request_are_named() -> None:
    required = {"method.request.querystring.day": True, "method.request.header.X-Trace": True,
                "method.request.path.id": True, "method.request.querystring.optional": False}
    failure = missing_parameters(required, {"x-trace": "1"}, {}, {"id": "a"})
    assert failure is not None
    assert failure.response_type == "BAD_REQUEST_PARAMETERS"
    assert failure.message == "Missing required request parameters: [day]"
    assert missing_parameters(required, {"X-Trace": "1"}, {"day": "x"}, {"id": "a"}) is None


def test_missing_properties_are_listed_in_one_message_and_any_of_in_api_gateways_words() -> None:
    schema = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["a", "b"],
              "anyOf": [{"required": ["m"]}, {"required": ["t"]}], "dependencies": {"lat": ["lon"]}}
    failure = BodyValidator(schema).validate(json.dumps({"lat": 1}))
    assert failure is not None
    assert failure.validation_error == (
        '[instance failed to match at least one required schema among 2, '
        'property "lat" of object has missing property dependencies (schema requires ["lon"]; missing: ["lon"]), '
        'object has missing required properties (["a","b"])]'
    )
