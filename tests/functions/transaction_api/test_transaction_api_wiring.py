"""Module-level behaviour of the handler: import without configuration, settings, request checks."""

from __future__ import annotations

import importlib
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from transaction_api.request_checks import body_bytes, is_json_content_type, is_valid_transaction_id
from transaction_api.settings import ConfigurationError, Settings

FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"


def test_handler_imports_without_any_environment() -> None:
    """A cold start must not fail at import, even with no region, credentials or settings."""
    code = "import transaction_api.app as m; assert callable(m.handler)"
    result = subprocess.run(  # a clean interpreter: no env, nothing imported yet
        [sys.executable, "-c", code],
        cwd=FUNCTIONS,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(FUNCTIONS)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_import_does_not_load_the_idempotency_utility() -> None:
    """GETs and id-less POSTs never need it; it loads on first use only."""
    code = (
        "import sys, transaction_api.app; "
        "assert 'aws_lambda_powertools.utilities.idempotency' not in sys.modules"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=FUNCTIONS,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(FUNCTIONS)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_settings_defaults() -> None:
    settings = Settings.from_env({"TABLE_NAME": "t", "IDEMPOTENCY_TABLE_NAME": "i"})
    assert settings == Settings(
        table_name="t",
        idempotency_table_name="i",
        max_amount=Decimal("1000000.00"),
        max_body_bytes=10240,
        day_shards=10,
        ttl_days=90,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IDEMPOTENCY_TABLE_NAME": "i"}, "TABLE_NAME"),
        ({"TABLE_NAME": "t"}, "IDEMPOTENCY_TABLE_NAME"),
        ({"TABLE_NAME": "t", "IDEMPOTENCY_TABLE_NAME": "i", "DAY_SHARDS": "0"}, "DAY_SHARDS"),
        ({"TABLE_NAME": "t", "IDEMPOTENCY_TABLE_NAME": "i", "MAX_BODY_BYTES": "big"}, "MAX_BODY_BYTES"),
        ({"TABLE_NAME": "t", "IDEMPOTENCY_TABLE_NAME": "i", "MAX_AMOUNT": "-5"}, "MAX_AMOUNT"),
        ({"TABLE_NAME": "t", "IDEMPOTENCY_TABLE_NAME": "i", "MAX_AMOUNT": "lots"}, "MAX_AMOUNT"),
    ],
)
def test_settings_errors_name_the_variable(env, message) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env)


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
    monkeypatch.setenv("TABLE_NAME", "first")
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", "i")
    assert settings_module.get_settings().table_name == "first"
    monkeypatch.setenv("TABLE_NAME", "second")
    assert settings_module.get_settings().table_name == "first"
    settings_module.get_settings.cache_clear()
