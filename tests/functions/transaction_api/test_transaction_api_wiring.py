"""Module-level behaviour of the handler: settings and request checks."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from fraudlib.settings import SettingsError
from transaction_api.request_checks import body_bytes, is_json_content_type, is_valid_transaction_id
from transaction_api.settings import ApiSettings

ENVIRONMENT = {"TABLE_NAME": "t", "MERCHANT_COUNTERS_TABLE_NAME": "c",
               "MAX_AMOUNT": "500.00", "MAX_BODY_BYTES": "8192", "DAY_SHARDS": "8",
               "TRANSACTION_TTL_DAYS": "400"}


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ('application/json; charset="UTF-8"', True),
        ("APPLICATION/JSON ;", True),
        (None, False),
        ("", False),
        ("text/json", False),
        ("application/json; charset=iso-8859-1", False),
        ("application/json; boundary=x", False),
        ("application/json; charset", False),
        ("application/problem+json", False),
    ],
)
def test_content_type(header, accepted) -> None:
    assert is_json_content_type(header) is accepted


def test_body_bytes() -> None:
    assert body_bytes(None, False) == b""
    assert body_bytes("é", False) == "é".encode()
    assert body_bytes("w6k=", True) == "é".encode()


@pytest.mark.parametrize(("value", "valid"), [("a", True), ("A-z_0", True), ("", False), ("a" * 65, False)])
def test_transaction_id_check(value, valid) -> None:
    assert is_valid_transaction_id(value) is valid


def test_settings_are_read_once_per_container(monkeypatch) -> None:
    settings_module = importlib.import_module("transaction_api.settings")
    settings_module.get_settings.cache_clear()
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    assert settings_module.get_settings().table_name == "t"
    monkeypatch.setenv("TABLE_NAME", "second")
    assert settings_module.get_settings().table_name == "t"
    settings_module.get_settings.cache_clear()


def test_settings_have_no_defaults_for_what_the_stack_sets() -> None:
    settings = ApiSettings.from_environ(ENVIRONMENT)
    assert settings == ApiSettings(table_name="t", merchant_counters_table_name="c", max_amount=Decimal("500.00"),
                                   max_body_bytes=8192, day_shards=8, transaction_ttl_days=400)
    for name in ENVIRONMENT:
        with pytest.raises(SettingsError, match=name):
            ApiSettings.from_environ({k: v for k, v in ENVIRONMENT.items() if k != name})


@pytest.mark.parametrize(
    ("name", "value"),
    [("TABLE_NAME", " "), ("MERCHANT_COUNTERS_TABLE_NAME", ""), ("DAY_SHARDS", "0"), ("MAX_BODY_BYTES", "big"),
     ("MAX_AMOUNT", "-5"), ("MAX_AMOUNT", "lots"),
     ("MAX_AMOUNT", "NaN"), ("TRANSACTION_TTL_DAYS", "1.5")],
)
def test_settings_errors_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        ApiSettings.from_environ({**ENVIRONMENT, name: value})
