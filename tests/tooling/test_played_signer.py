"""The emulator's played Signer: StartSigningJob copies the source version under the destination
prefix at `<prefix><job id>.zip`; DescribeSigningJob reports it Succeeded with that signed object."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from tooling.lambda_service.played_signer import enable_signing_jobs

BUCKET = "fraud-artifacts-local-test"
PROFILE = "fraud_functions_local"


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[str, Any]]:
    enable_signing_jobs()
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings = {"endpoint_url": f"http://{host}:{port}", "region_name": "us-east-1",
                "aws_access_key_id": "test", "aws_secret_access_key": "test"}
    s3 = boto3.client("s3", **settings)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    yield {"s3": s3, "signer": boto3.client("signer", **settings)}
    server.stop()


def _start(signer: Any, version: str, token: str | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "source": {"s3": {"bucketName": BUCKET, "key": "uploads/fn.zip", "version": version}},
        "destination": {"s3": {"bucketName": BUCKET, "prefix": "signed/fn/"}},
        "profileName": PROFILE,
    }
    if token:
        request["clientRequestToken"] = token
    result: dict[str, Any] = signer.start_signing_job(**request)
    return result


def test_a_job_signs_exactly_the_named_source_version(clients: dict[str, Any]) -> None:
    s3, signer = clients["s3"], clients["signer"]
    first = s3.put_object(Bucket=BUCKET, Key="uploads/fn.zip", Body=b"first build")["VersionId"]
    s3.put_object(Bucket=BUCKET, Key="uploads/fn.zip", Body=b"second build")

    job = _start(signer, first)
    described = signer.describe_signing_job(jobId=job["jobId"])

    assert described["status"] == "Succeeded"
    assert described["profileName"] == PROFILE
    assert described["source"]["s3"]["version"] == first
    signed = described["signedObject"]["s3"]
    assert signed == {"bucketName": BUCKET, "key": f"signed/fn/{job['jobId']}.zip"}
    assert s3.get_object(Bucket=BUCKET, Key=signed["key"])["Body"].read() == b"first build"


def test_every_job_writes_its_own_key_and_a_repeated_token_returns_the_same_job(clients: dict[str, Any]) -> None:
    s3, signer = clients["s3"], clients["signer"]
    version = s3.put_object(Bucket=BUCKET, Key="uploads/fn.zip", Body=b"build")["VersionId"]

    one, two = _start(signer, version), _start(signer, version)
    repeated = [_start(signer, version, token="deploy-1")["jobId"] for _ in range(2)]

    assert one["jobId"] != two["jobId"]
    assert repeated[0] == repeated[1]


def test_a_missing_source_version_or_job_is_refused(clients: dict[str, Any]) -> None:
    signer = clients["signer"]
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        _start(signer, "no-such-version")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        signer.describe_signing_job(jobId="no-such-job")


def test_moto_own_signer_calls_still_answer(clients: dict[str, Any]) -> None:
    platforms = clients["signer"].list_signing_platforms()["platforms"]
    assert "AWSLambda-SHA384-ECDSA" in {p["platformId"] for p in platforms}
