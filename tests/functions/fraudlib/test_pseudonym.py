"""Pseudonyms: keyed, stable, one KMS call for the secret and none per identifier."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import boto3
import pytest
from fraudlib.pseudonym import DERIVATION_CONTEXT, MAC_ALGORITHM, Pseudonymizer
from moto import mock_aws


class CountingKms:
    """A KMS stand-in that answers GenerateMac with a fixed MAC and counts the calls."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def generate_mac(self, *, KeyId: str, Message: bytes, MacAlgorithm: str) -> dict[str, Any]:
        self.calls.append({"KeyId": KeyId, "Message": Message, "MacAlgorithm": MacAlgorithm})
        return {"Mac": hashlib.sha256(KeyId.encode() + Message).digest(), "KeyId": KeyId}


def test_the_secret_costs_one_kms_call_and_identifiers_none() -> None:
    kms = CountingKms()
    pseudonym = Pseudonymizer.from_kms(kms, "key-1")
    names = {pseudonym(f"customer-{n}@example.com") for n in range(100)}
    assert len(names) == 100
    assert kms.calls == [{"KeyId": "key-1", "Message": DERIVATION_CONTEXT, "MacAlgorithm": MAC_ALGORITHM}]


def test_pseudonyms_are_stable_keyed_and_hide_the_identifier() -> None:
    first = Pseudonymizer(b"k" * 32)
    assert first("alice@example.com") == Pseudonymizer(b"k" * 32)("alice@example.com")
    assert first("alice@example.com") != Pseudonymizer(b"x" * 32)("alice@example.com")
    assert first("alice@example.com") != first("bob@example.com")
    expected = hmac.new(b"k" * 32, b"alice@example.com", hashlib.sha256).hexdigest()[:20]
    assert first("alice@example.com") == expected
    assert "secret" in repr(first) and "kkkk" not in repr(first)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Pseudonymizer(b"short")


def test_moto_kms_hmac_key_gives_the_same_secret_for_the_same_key() -> None:
    with mock_aws():
        kms = boto3.client("kms", region_name="us-east-1")
        key, other = (kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
                      for _ in range(2))
        assert Pseudonymizer.from_kms(kms, key)("a@b.c") == Pseudonymizer.from_kms(kms, key)("a@b.c")
        assert Pseudonymizer.from_kms(kms, key)("a@b.c") != Pseudonymizer.from_kms(kms, other)("a@b.c")
