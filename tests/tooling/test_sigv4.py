"""SigV4 on AWS_IAM methods: requests signed by botocore (as an SDK or curl --aws-sigv4 signs) pass;
unsigned, tampered, foreign-key, wrong-scope and stale requests are refused with API Gateway's types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tooling.lambda_service.sigv4 import Caller, SignatureRejection, SignatureVerifier, SigningKey, sign_request

KEY = SigningKey("AKIALOCALPRODUCER01", "local-secret-value", "arn:aws:iam::123456789012:user/producer")
URL = "http://127.0.0.1:8080/v1/transactions"
BODY = '{"amount": "1.00"}'


@pytest.fixture
def verifier() -> SignatureVerifier:
    return SignatureVerifier([KEY], "us-east-1")


def _signed(key: SigningKey = KEY, region: str = "us-east-1", url: str = URL, body: str = BODY) -> dict[str, str]:
    return sign_request(key, region, "POST", url, {"Content-Type": "application/json", "Host": "127.0.0.1:8080"},
                        body)


def test_a_correctly_signed_request_names_its_caller(verifier: SignatureVerifier) -> None:
    verdict = verifier.verify("POST", URL, _signed(), BODY.encode())
    assert verdict == Caller(KEY.access_key_id, KEY.principal_arn)


def test_a_signed_get_with_a_query_string_passes(verifier: SignatureVerifier) -> None:
    url = "http://127.0.0.1:8080/v1/transactions/abc?view=full&x=a%20b"
    headers = sign_request(KEY, "us-east-1", "GET", url, {"Host": "127.0.0.1:8080"}, None)
    assert isinstance(verifier.verify("GET", url, headers, b""), Caller)


def test_an_unsigned_request_is_missing_its_authentication_token(verifier: SignatureVerifier) -> None:
    verdict = verifier.verify("POST", URL, {"Content-Type": "application/json"}, BODY.encode())
    assert verdict == SignatureRejection("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")


def test_a_changed_body_breaks_the_signature(verifier: SignatureVerifier) -> None:
    verdict = verifier.verify("POST", URL, _signed(), b'{"amount": "1000.00"}')
    assert isinstance(verdict, SignatureRejection)
    assert verdict.response_type == "INVALID_SIGNATURE"


def test_a_changed_path_breaks_the_signature(verifier: SignatureVerifier) -> None:
    verdict = verifier.verify("POST", URL + "/other", _signed(), BODY.encode())
    assert isinstance(verdict, SignatureRejection) and verdict.response_type == "INVALID_SIGNATURE"


def test_a_wrong_secret_breaks_the_signature(verifier: SignatureVerifier) -> None:
    forged = SigningKey(KEY.access_key_id, "guessed", KEY.principal_arn)
    verdict = verifier.verify("POST", URL, _signed(forged), BODY.encode())
    assert isinstance(verdict, SignatureRejection) and verdict.response_type == "INVALID_SIGNATURE"


def test_an_unknown_access_key_is_an_unrecognized_client(verifier: SignatureVerifier) -> None:
    stranger = SigningKey("AKIASTRANGER0000000", "x", "arn:aws:iam::999999999999:user/x")
    verdict = verifier.verify("POST", URL, _signed(stranger), BODY.encode())
    assert isinstance(verdict, SignatureRejection) and verdict.response_type == "UNRECOGNIZED_CLIENT"


def test_a_signature_for_another_region_is_refused(verifier: SignatureVerifier) -> None:
    verdict = verifier.verify("POST", URL, _signed(region="eu-west-1"), BODY.encode())
    assert isinstance(verdict, SignatureRejection) and verdict.response_type == "INVALID_SIGNATURE"


def test_a_stale_signature_is_expired() -> None:
    class Later(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return datetime.now(UTC) + timedelta(minutes=6)

    verdict = SignatureVerifier([KEY], "us-east-1", now=Later).verify("POST", URL, _signed(), BODY.encode())
    assert isinstance(verdict, SignatureRejection)
    assert verdict.response_type == "INVALID_SIGNATURE" and "expired" in verdict.message
