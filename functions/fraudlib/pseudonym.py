"""Pseudonyms for logs: a keyed hash of a customer identifier instead of the identifier itself.

The key never leaves KMS: once per container the function asks KMS for the MAC of a fixed context
string under the environment's HMAC key and uses that MAC as a local secret. Identifiers are then
hashed locally (HMAC-SHA256), so a cold start costs one KMS call and a record none. The same
identifier gets the same pseudonym in every function and container of an environment, so logs can
still be correlated, while a reader of the logs without kms:GenerateMac on the key cannot test a
guess (an e-mail address, say) against them.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Protocol

DERIVATION_CONTEXT = b"fraud-detection/log-pseudonyms/v1"
"""The message whose MAC under the KMS key is the local secret; a new version gives new pseudonyms."""

MAC_ALGORITHM = "HMAC_SHA_256"
"""The MAC algorithm of the KMS key (key spec HMAC_256)."""

PSEUDONYM_HEX_CHARS = 20
"""80 bits: collisions are negligible for any number of customers a log query meets."""


class MacGenerator(Protocol):
    """The one call of a KMS client this module needs."""

    def generate_mac(self, *, KeyId: str, Message: bytes, MacAlgorithm: str) -> dict[str, Any]:
        """KMS GenerateMac."""
        ...


class Pseudonymizer:
    """Turns identifiers into stable, non-reversible pseudonyms with a secret derived from KMS."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the pseudonym secret must have at least 32 bytes")
        self._secret = secret

    @classmethod
    def from_kms(cls, kms: MacGenerator, key_id: str) -> Pseudonymizer:
        """Derive the secret with one GenerateMac call on the HMAC key `key_id`."""
        response = kms.generate_mac(KeyId=key_id, Message=DERIVATION_CONTEXT, MacAlgorithm=MAC_ALGORITHM)
        return cls(bytes(response["Mac"]))

    def __call__(self, identifier: str) -> str:
        """The pseudonym of `identifier`: a prefix of its HMAC-SHA256 in hex."""
        digest = hmac.new(self._secret, identifier.encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:PSEUDONYM_HEX_CHARS]

    def __repr__(self) -> str:  # never show the secret in a log or a traceback
        return "Pseudonymizer(<secret>)"
