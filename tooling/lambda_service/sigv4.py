"""Checks AWS Signature Version 4 on requests to methods deployed with `authorization = AWS_IAM`.

The signature is recomputed with botocore's own signer (SigV4Auth's canonical request, string to
sign and signature) over exactly the headers the client listed in SignedHeaders, with the secret
of the access key the client names; the request is refused as API Gateway refuses it:
- no Authorization header (nor X-Amz-Security-Token query signing): MISSING_AUTHENTICATION_TOKEN;
- an access key the service does not know: UNRECOGNIZED_CLIENT ("The security token included in
  the request is invalid.");
- a signature that differs, a scope for another region or service, or a date more than 5 minutes
  away: INVALID_SIGNATURE.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "execute-api"
MAX_CLOCK_SKEW = timedelta(minutes=5)
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class Caller:
    """Who signed a request."""

    access_key_id: str
    principal_arn: str


@dataclass(frozen=True)
class SignatureRejection:
    """Why a signed request was refused: the gateway response type and its message."""

    response_type: str
    message: str


@dataclass(frozen=True)
class SigningKey:
    """A key pair a local client signs with, and the principal it belongs to."""

    access_key_id: str
    secret_access_key: str
    principal_arn: str
    session_token: str | None = None


class _SignedHeadersOnly(SigV4Auth):
    """SigV4Auth over the headers the client signed (not every header the request carries)."""

    def __init__(self, credentials: Credentials, region: str, signed: list[str]) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest):  # type: ignore[no-untyped-def]  # botocore is untyped
        headers = super().headers_to_sign(request)
        for name in list(headers.keys()):
            if name.lower() not in self._signed:
                del headers[name]
        return headers


class SignatureVerifier:
    """Verifies requests signed with one of `keys` for `region`."""

    def __init__(self, keys: list[SigningKey], region: str, *, now: type[datetime] = datetime) -> None:
        self._keys = {key.access_key_id: key for key in keys}
        self._region = region
        self._now = now

    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Caller | SignatureRejection:
        """The caller, or why the request is refused."""
        lowered = {k.lower(): v for k, v in headers.items()}
        authorization = lowered.get("authorization")
        if not authorization:
            return SignatureRejection("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        parsed = _AUTHORIZATION.match(authorization.strip())
        if parsed is None:
            return SignatureRejection("INCOMPLETE_SIGNATURE_EXCEPTION" if "Credential=" not in authorization
                                      else "INVALID_SIGNATURE", "Authorization header requires 'Credential', "
                                      "'Signature' and 'SignedHeaders' parameters.")
        key = self._keys.get(parsed["key"])
        if key is None:
            return SignatureRejection("UNRECOGNIZED_CLIENT", "The security token included in the request is invalid.")
        if key.session_token is not None and lowered.get("x-amz-security-token") != key.session_token:
            return SignatureRejection("UNRECOGNIZED_CLIENT", "The security token included in the request is invalid.")
        if parsed["service"] != SERVICE or parsed["region"] != self._region:
            return SignatureRejection("INVALID_SIGNATURE", f"Credential should be scoped to a valid region and "
                                      f"service ({self._region}/{SERVICE}), not "
                                      f"{parsed['region']}/{parsed['service']}.")
        stamp = lowered.get("x-amz-date", "")
        try:
            signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return SignatureRejection("INCOMPLETE_SIGNATURE_EXCEPTION", "Authorization header requires existence of "
                                      "either a 'X-Amz-Date' or a 'Date' header.")
        if abs(self._now.now(UTC) - signed_at) > MAX_CLOCK_SKEW or stamp[:8] != parsed["date"]:
            return SignatureRejection("INVALID_SIGNATURE", f"Signature expired: {stamp} is now earlier or later than "
                                      "5 min from the current time.")
        signed = parsed["signed"].lower().split(";")
        request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
        request.context["timestamp"] = stamp
        signer = _SignedHeadersOnly(Credentials(key.access_key_id, key.secret_access_key, key.session_token),
                                    self._region, signed)
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if not hmac.compare_digest(expected, parsed["signature"]):
            return SignatureRejection(
                "INVALID_SIGNATURE",
                "The request signature we calculated does not match the signature you provided. Check your AWS "
                "Secret Access Key and signing method. Consult the service documentation for details.",
            )
        return Caller(key.access_key_id, key.principal_arn)


def sign_request(key: SigningKey, region: str, method: str, url: str, headers: Mapping[str, str],
                 body: str | bytes | None) -> dict[str, str]:
    """`headers` plus the SigV4 headers a client of the API adds (Authorization, X-Amz-Date, ...)."""
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body or b"")
    SigV4Auth(Credentials(key.access_key_id, key.secret_access_key, key.session_token), SERVICE, region).add_auth(
        request)
    return dict(request.headers.items())


def provision_local_producer(iam_client: Any, user_name: str) -> SigningKey:
    """A user of the emulator's IAM with a fresh access key: the producer a local client signs as.

    The secret is only ever returned by CreateAccessKey, so the service that verifies signatures is the
    one that creates the key; earlier keys of the user are deleted (IAM allows two per user).
    """
    try:
        user = iam_client.get_user(UserName=user_name)["User"]
    except iam_client.exceptions.NoSuchEntityException:
        user = iam_client.create_user(UserName=user_name)["User"]
    for old in iam_client.list_access_keys(UserName=user_name).get("AccessKeyMetadata", []):
        iam_client.delete_access_key(UserName=user_name, AccessKeyId=old["AccessKeyId"])
    created = iam_client.create_access_key(UserName=user_name)["AccessKey"]
    return SigningKey(created["AccessKeyId"], created["SecretAccessKey"], user["Arn"])
