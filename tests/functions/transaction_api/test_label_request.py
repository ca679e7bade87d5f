"""The label request: the model's rules, the committed API Gateway model, and their agreement."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from transaction_api.json_body import parse_json
from transaction_api.label_request import LabelRequest
from transaction_api.schema import LABEL_SCHEMA_PATH, api_gateway_request_schema, render
from transaction_api.validation_context import ValidationLimits

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LIMITS = ValidationLimits(now=NOW)
COMMITTED = json.loads(LABEL_SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(COMMITTED)


def _parse(body: dict[str, Any]) -> LabelRequest:
    return LabelRequest.model_validate(body, context=LIMITS.as_context())


def test_committed_file_equals_generated() -> None:
    assert LABEL_SCHEMA_PATH.read_text(encoding="utf-8") == render(api_gateway_request_schema(LabelRequest)), (
        "stale schema: run `python -m transaction_api.schema` in functions/"
    )


def test_is_a_draft4_schema_that_refuses_unknown_fields_and_has_no_backslash() -> None:
    jsonschema.Draft4Validator.check_schema(COMMITTED)
    assert COMMITTED["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert COMMITTED["additionalProperties"] is False
    assert COMMITTED["required"] == ["label", "source"]
    assert "\\" not in LABEL_SCHEMA_PATH.read_text(encoding="utf-8")


def test_the_check_mode_notices_a_stale_label_schema(tmp_path, monkeypatch) -> None:
    from transaction_api import schema as schema_module

    stale = tmp_path / "label.json"
    stale.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(schema_module, "SCHEMAS", ((LabelRequest, stale),))
    assert schema_module.main(["--check"]) == 1
    assert schema_module.main([]) == 0
    assert schema_module.main(["--check"]) == 0


@pytest.mark.parametrize(
    ("reported_at", "expected"),
    [
        (1780315200, datetime(2026, 6, 1, 12, 0, tzinfo=UTC)),
        ("2026-06-01T12:00:00Z", datetime(2026, 6, 1, 12, 0, tzinfo=UTC)),
        ("2026-06-01T14:00:00+02:00", datetime(2026, 6, 1, 12, 0, tzinfo=UTC)),
        ("2026-06-01T11:59:59.123456789Z", datetime(2026, 6, 1, 11, 59, 59, 123000, tzinfo=UTC)),
        ("2026-06-01T12:04:59Z", datetime(2026, 6, 1, 12, 4, 59, tzinfo=UTC)),
        ("2020-01-01T00:00:00Z", datetime(2020, 1, 1, tzinfo=UTC)),
    ],
)
def test_reported_at_is_utc_to_the_millisecond(reported_at: Any, expected: datetime) -> None:
    request = _parse({"label": "fraud", "source": "chargeback", "reported_at": reported_at})
    assert request.reported_at == expected
    assert request.event(NOW).reported_at == expected


def test_an_omitted_reported_at_is_the_time_of_receipt() -> None:
    assert _parse({"label": "legitimate", "source": "customer_report"}).event(NOW).reported_at == NOW


def test_more_than_five_minutes_ahead_is_refused() -> None:
    with pytest.raises(ValidationError, match="in the future"):
        _parse({"label": "fraud", "source": "analyst", "reported_at": "2026-06-01T12:05:01Z"})


# --- agreement: what the model accepts, the schema accepts; what the schema refuses, the model refuses -----------

labels = st.sampled_from(["fraud", "legitimate"])
sources = st.sampled_from(["chargeback", "analyst", "customer_report"])
epochs = st.integers(min_value=0, max_value=int((NOW + timedelta(minutes=5)).timestamp()))
iso_times = epochs.map(lambda e: datetime.fromtimestamp(e, tz=UTC).isoformat().replace("+00:00", "Z"))


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"label": draw(labels), "source": draw(sources)}
    if draw(st.booleans()):
        body["reported_at"] = draw(st.one_of(epochs, iso_times))
    return body


def _model_accepts(body: dict[str, Any]) -> bool:
    try:
        LabelRequest.model_validate(parse_json(json.dumps(body).encode()), context=LIMITS.as_context())
    except ValidationError:
        return False
    return True


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bodies())
def test_valid_bodies_pass_both(body: dict[str, Any]) -> None:
    assert _model_accepts(body), body
    assert VALIDATOR.is_valid(body), body


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bodies(), st.one_of(
    st.tuples(st.just("label"), st.sampled_from(["Fraud", "stolen", "", 1, None, True, ["fraud"]])),
    st.tuples(st.just("source"), st.sampled_from(["bank", "ANALYST", "", 2, None, {"s": 1}])),
    st.tuples(st.just("reported_at"), st.sampled_from(["2026-06-01", "2026-06-01T12:00:00", "noon", True, -5,
                                                       1.5, None, [1]])),
    st.tuples(st.just("extra"), st.sampled_from(["x", 1, None])),
    st.tuples(st.just("__delete__"), st.sampled_from(["label", "source"])),
))
def test_invalid_bodies_fail_both(body: dict[str, Any], mutation: tuple[str, Any]) -> None:
    field, value = mutation
    if field == "__delete__":
        del body[value]
    else:
        body[field] = value
    assert not _model_accepts(body), body
    assert not VALIDATOR.is_valid(body), body
