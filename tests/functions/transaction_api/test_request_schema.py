"""The committed API Gateway request model: current, draft 4, and in agreement with the handler."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from transaction_api.countries import COUNTRY_CODES
from transaction_api.currencies import TRANSACTION_CURRENCY_CODES
from transaction_api.json_body import parse_json
from transaction_api.schema import SCHEMA_PATH, api_gateway_request_schema, main, render
from transaction_api.transaction_request import TransactionRequest
from transaction_api.validation_context import ValidationLimits

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LIMITS = ValidationLimits(max_amount=Decimal("1000000.00"), now=NOW)
COMMITTED = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(COMMITTED)


def test_committed_file_equals_generated() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(api_gateway_request_schema()), (
        "stale schema: run `python -m transaction_api.schema` in functions/"
    )


def test_check_mode_reports_current(capsys) -> None:
    assert main(["--check"]) == 0


def test_is_a_valid_draft4_schema() -> None:
    jsonschema.Draft4Validator.check_schema(COMMITTED)
    assert COMMITTED["$schema"] == "http://json-schema.org/draft-04/schema#"
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert "$ref" not in text and "$defs" not in text and '"const"' not in text
    assert COMMITTED["properties"]["amount"]["exclusiveMinimum"] is True
    assert COMMITTED["additionalProperties"] is False


def test_generator_rejects_non_draft4_output(monkeypatch) -> None:
    from transaction_api import schema as schema_module

    original = TransactionRequest.model_json_schema

    def with_examples(*args: Any, **kwargs: Any) -> dict[str, Any]:
        generated = original(*args, **kwargs)
        generated["properties"]["amount"]["examples"] = ["1.00"]  # a draft-6 keyword
        return generated

    monkeypatch.setattr(schema_module.TransactionRequest, "model_json_schema", with_examples)
    with pytest.raises(ValueError, match="examples"):
        api_gateway_request_schema()


def test_numeric_exclusive_bounds_become_draft4_booleans() -> None:
    from transaction_api.schema import _to_draft4

    converted = _to_draft4({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 5}, {})
    assert converted == {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 5,
        "exclusiveMaximum": True,
    }
    refs = _to_draft4({"properties": {"a": {"$ref": "#/$defs/A"}}}, {"A": {"type": "string"}})
    assert refs == {"properties": {"a": {"type": "string"}}}


# --- agreement: what the handler model accepts, the schema accepts, and vice versa -------------

ids = st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z")
refs = st.from_regex(r"\A[A-Za-z0-9_.:@-]{1,128}\Z")
amount_texts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2).map(str)
epochs = st.integers(
    min_value=int((NOW - timedelta(days=29)).timestamp()), max_value=int(NOW.timestamp()) + 240
)
iso_times = epochs.map(lambda e: datetime.fromtimestamp(e, tz=UTC).isoformat().replace("+00:00", "Z"))
ips = st.ip_addresses().map(str)


@st.composite
def valid_bodies(draw: st.DrawFn) -> str:
    """JSON text of a valid request, numbers written as JSON numbers or strings."""
    body: dict[str, Any] = {
        "customer_id": draw(refs),
        "merchant_category": draw(st.from_regex(r"\A[0-9]{4}\Z")),
        "currency": draw(st.sampled_from(sorted(TRANSACTION_CURRENCY_CODES))),
        "country": draw(st.sampled_from(sorted(COUNTRY_CODES))),
    }
    which = draw(st.sampled_from(["merchant_id", "terminal_id", "both"]))
    if which in ("merchant_id", "both"):
        body["merchant_id"] = draw(refs)
    if which in ("terminal_id", "both"):
        body["terminal_id"] = draw(refs)
    optional = {
        "transaction_id": ids,
        "timestamp": st.one_of(epochs, iso_times),
        "channel": st.sampled_from(["online", "pos", "atm", "mobile"]),
        "device_id": refs,
        "ip_address": ips,
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            body[name] = draw(strategy)
    amount = draw(amount_texts)
    as_number = draw(st.booleans())
    body["amount"] = "__AMOUNT__" if as_number else amount
    coordinates = ""
    if draw(st.booleans()):
        lat = draw(st.decimals(min_value=-90, max_value=90, places=6))
        lon = draw(st.decimals(min_value=-180, max_value=180, places=6))
        coordinates = f', "latitude": {lat}, "longitude": {lon}'
    text = json.dumps(body)
    if as_number:
        text = text.replace('"__AMOUNT__"', amount)
    return text[:-1] + coordinates + "}"


def _model_accepts(text: str) -> bool:
    try:
        TransactionRequest.model_validate(parse_json(text.encode()), context=LIMITS.as_context())
    except ValidationError:
        return False
    return True


def _schema_accepts(text: str) -> bool:
    # API Gateway parses numbers as numbers; plain json.loads is the closest stand-in here.
    return VALIDATOR.is_valid(json.loads(text))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bodies())
def test_valid_bodies_pass_both(text: str) -> None:
    assert _model_accepts(text), text
    assert _schema_accepts(text), text


def _mutations() -> st.SearchStrategy[tuple[str, Any]]:
    """Single-field changes the schema can express; both layers must reject each one.

    Left out on purpose, because draft 4 cannot say them and only the handler checks them: the
    configured MAX_AMOUNT, decimal places of a JSON-number amount, the time window of timestamp,
    calendar validity of a date, and the address behind an IP-shaped string.
    """
    return st.one_of(
        st.tuples(st.just("transaction_id"), st.sampled_from(["", "a b", "x" * 65, "ü", 7])),
        st.tuples(st.just("amount"), st.sampled_from(["0", "0.00", "-1", "1.005", "1e3", "abc", True, None])),
        st.tuples(st.just("amount"), st.sampled_from([0, -5])),
        st.tuples(st.just("currency"), st.sampled_from(["usd", "XXX", "XAU", "EURO", "", 978])),
        st.tuples(st.just("country"), st.sampled_from(["de", "XX", "DEU", "", 49])),
        st.tuples(st.just("merchant_category"), st.sampled_from(["541", "54111", "abcd", 5411])),
        st.tuples(st.just("customer_id"), st.sampled_from(["", "a b", "x" * 129, None])),
        st.tuples(st.just("channel"), st.sampled_from(["web", "POS", "", None])),
        st.tuples(st.just("timestamp"), st.sampled_from(["2026-06-01", "2026-06-01T12:00:00", "noon", True])),
        st.tuples(st.just("ip_address"), st.sampled_from(["localhost", "", "1.2.3.4/24", 1234])),
        st.tuples(st.just("latitude"), st.sampled_from([91, -90.5, "1.5"])),
        st.tuples(st.just("unknown_field"), st.sampled_from(["x", 1, None])),
        st.tuples(st.just("__delete__"), st.sampled_from(["amount", "currency", "customer_id", "country"])),
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bodies(), _mutations())
def test_invalid_bodies_fail_both(text: str, mutation: tuple[str, Any]) -> None:
    # Floats are harmless here: every number in these bodies has few enough digits to survive the
    # float round trip exactly, so the mutated text differs from the valid one only in `field`.
    body = json.loads(text)
    assert json.loads(json.dumps(body)) == body
    field, value = mutation
    if field == "__delete__":
        del body[value]
    elif field == "latitude":
        body["latitude"] = value
        body.setdefault("longitude", 0)
    else:
        body[field] = value
    mutated = json.dumps(body)
    assert not _model_accepts(mutated), mutated
    assert not _schema_accepts(mutated), mutated


@pytest.mark.parametrize(
    "document",
    [
        {"amount": "1.00", "currency": "EUR", "customer_id": "c", "merchant_category": "5411", "country": "DE"},
        {
            "amount": "1.00", "currency": "EUR", "customer_id": "c", "merchant_id": "m",
            "merchant_category": "5411", "country": "DE", "latitude": 1,
        },
    ],
)
def test_cross_field_rules_are_in_both(document) -> None:
    """Neither merchant nor terminal / a lone latitude: expressed with anyOf and dependencies."""
    text = json.dumps(document)
    assert not _model_accepts(text)
    assert not _schema_accepts(text)


def test_the_committed_schema_has_no_backslash() -> None:
    # The schema is embedded as a JSON string in Terraform (the API Gateway model); cdktf's HCL
    # output does not escape backslashes, so a `\.` in a pattern or an escaped quote in a
    # description breaks the plain-Terraform exit.
    assert "\\" not in SCHEMA_PATH.read_text(encoding="utf-8")
