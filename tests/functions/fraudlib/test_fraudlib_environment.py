"""Settings from the environment: missing, blank, malformed and defaulted values."""

from __future__ import annotations

import pytest
from fraudlib.environment import SettingsError, positive_int, required


def test_required_strips_and_refuses_blank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_NAME", "  value ")
    assert required("SOME_NAME") == "value"
    monkeypatch.setenv("SOME_NAME", "   ")
    with pytest.raises(SettingsError, match="SOME_NAME is required"):
        required("SOME_NAME")


@pytest.mark.parametrize(("raw", "message"), [("abc", "must be an integer"), ("0", "must be >= 1")])
def test_positive_int_rejects_malformed_values(monkeypatch: pytest.MonkeyPatch, raw: str, message: str) -> None:
    monkeypatch.setenv("SOME_COUNT", raw)
    with pytest.raises(SettingsError, match=message):
        positive_int("SOME_COUNT", 5)


def test_positive_int_defaults_only_when_a_default_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOME_COUNT", raising=False)
    assert positive_int("SOME_COUNT", 5) == 5
    with pytest.raises(SettingsError, match="SOME_COUNT is required"):
        positive_int("SOME_COUNT")
    monkeypatch.setenv("SOME_COUNT", "12")
    assert positive_int("SOME_COUNT") == 12
