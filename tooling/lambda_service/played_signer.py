"""Signing jobs for the emulator: moto 5 knows Signer profiles but has no StartSigningJob or
DescribeSigningJob, which every deployment of the stacks makes (modules/signed_artifact.py).

A job here does what Signer does with a Lambda package, minus the cryptography: it reads the source
object version from the emulator's S3, writes it under the destination prefix at
`<prefix><job id>.zip`, and reports the job Succeeded with that signed object. The bytes are copied
unchanged (no signature is added: nothing in the emulator checks one, and the local environment has
no code signing configuration, see stacks/emulator.py). A missing source object or version fails
the request, as Signer's validation does, so a deploy that names the wrong version fails locally too.
A repeated client request token returns the job it started (StartSigningJob is idempotent by token).
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.signer.responses import SignerResponse

PLATFORM_ID = "AWSLambda-SHA384-ECDSA"
"""The platform Lambda packages are signed for (modules/code_signing.py)."""
SIGNATURE_VALIDITY = timedelta(days=135 * 30)
"""How long the played signatures are reported valid (the profile's 135 months)."""


@dataclass
class SigningJob:
    """One job as DescribeSigningJob reports it."""

    job_id: str
    account_id: str
    profile_name: str
    source: dict[str, str]
    signed_bucket: str
    signed_key: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def describe(self) -> dict[str, Any]:
        """The DescribeSigningJob response body."""
        created = self.created_at.timestamp()
        return {
            "jobId": self.job_id,
            "source": {"s3": self.source},
            "signingMaterial": {},
            "platformId": PLATFORM_ID,
            "platformDisplayName": "AWS Lambda",
            "profileName": self.profile_name,
            "profileVersion": "played",
            "overrides": {},
            "signingParameters": {},
            "createdAt": created,
            "completedAt": created,
            "signatureExpiresAt": (self.created_at + SIGNATURE_VALIDITY).timestamp(),
            "requestedBy": f"arn:aws:iam::{self.account_id}:root",
            "status": "Succeeded",
            "statusReason": "Signing Succeeded",
            "revocationRecord": {},
            "signedObject": {"s3": {"bucketName": self.signed_bucket, "key": self.signed_key}},
            "jobOwner": self.account_id,
            "jobInvoker": self.account_id,
        }


_JOBS: dict[str, SigningJob] = {}
_BY_TOKEN: dict[str, str] = {}
_LOCK = threading.Lock()


def _not_found(message: str) -> JsonRESTError:
    return JsonRESTError("ResourceNotFoundException", message)


def _invalid(message: str) -> JsonRESTError:
    return JsonRESTError("ValidationException", message)


class PlayedSignerResponse(SignerResponse):
    """moto's Signer responses plus StartSigningJob and DescribeSigningJob."""

    def start_signing_job(self) -> str:
        """Copy the source object version to the destination prefix; answer with the job id."""
        from moto.s3.exceptions import MissingBucket, MissingKey
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        params = json.loads(self.body or "{}")
        source = (params.get("source") or {}).get("s3") or {}
        destination = (params.get("destination") or {}).get("s3") or {}
        profile = params.get("profileName")
        if not profile or not source.get("bucketName") or not source.get("key") or not source.get("version"):
            raise _invalid("profileName and source.s3 bucketName, key and version are required")
        if not destination.get("bucketName"):
            raise _invalid("destination.s3.bucketName is required")
        token = params.get("clientRequestToken")
        with _LOCK:
            if token and token in _BY_TOKEN:
                return json.dumps({"jobId": _BY_TOKEN[token], "jobOwner": self.current_account})
            s3 = s3_backends[self.current_account][get_partition(self.region)]
            try:
                original = s3.get_object(source["bucketName"], source["key"], version_id=source["version"])
            except (MissingBucket, MissingKey) as error:
                raise _not_found(f"source object not found: {error}") from error
            if original is None:
                raise _not_found(f"source object {source['key']} version {source['version']} not found")
            job_id = str(uuid.uuid4())
            signed_key = f"{destination.get('prefix', '')}{job_id}.zip"
            s3.put_object(destination["bucketName"], signed_key, original.value,
                          encryption=original.encryption, kms_key_id=original.kms_key_id,
                          bucket_key_enabled=original.bucket_key_enabled)
            _JOBS[job_id] = SigningJob(job_id=job_id, account_id=self.current_account, profile_name=profile,
                                       source=dict(source), signed_bucket=destination["bucketName"],
                                       signed_key=signed_key)
            if token:
                _BY_TOKEN[token] = job_id
        return json.dumps({"jobId": job_id, "jobOwner": self.current_account})

    def describe_signing_job(self) -> str:
        """The job started by start_signing_job, always Succeeded."""
        job_id = self.path.rstrip("/").split("/")[-1]
        job = _JOBS.get(job_id)
        if job is None:
            raise _not_found(f"signing job {job_id} not found")
        return json.dumps(job.describe())


def enable_signing_jobs() -> None:
    """Route every Signer path, the job paths included, to PlayedSignerResponse (idempotent; call
    before the server builds its URL maps)."""
    from moto.signer import urls

    urls.url_paths.update(dict.fromkeys(urls.url_paths, PlayedSignerResponse.dispatch))
    urls.url_paths["{0}/signing-jobs$"] = PlayedSignerResponse.dispatch
    urls.url_paths["{0}/signing-jobs/(?P<job_id>[^/]+)$"] = PlayedSignerResponse.dispatch
