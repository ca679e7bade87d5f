"""One deployment package on its way to Lambda: uploaded to the artifacts bucket, signed by Signer.

Why this shape
--------------
- The zip is an `aws_s3_object` whose `source_hash` is the zip's SHA-256: Terraform uploads a new
  object version only when the bytes change (the zips are reproducible, modules/lambda_packaging.py).
- An `aws_signer_signing_job` signs exactly that object version (`source.s3.version`). Every argument
  of a signing job forces a new job, so a new version means a new job, and an unchanged one means none.
  `ignore_signing_job_failure = false`: a failed signature fails the deploy instead of deploying
  nothing.
- Signer writes the signed zip under `signed_prefix` in the same bucket, at a key carrying the job's
  id (`signed/<name>/<job id>.zip`). Functions and layer versions deploy from that key
  (`signed_object`), without `source_code_hash`: Signer's output differs from its input, so a hash of
  the local zip would never match what Lambda reports, and the key, new per job, already changes
  exactly when the package does. Signer reports no version for its output; the key is never written
  again, so it pins the bytes on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import AssetType, TerraformAsset
from cdktf_cdktf_provider_aws.s3_object import S3Object
from cdktf_cdktf_provider_aws.signer_signing_job import SignerSigningJob
from constructs import Construct

from modules.artifacts_bucket import ArtifactsBucket
from modules.lambda_packaging import PackagedCode

UPLOAD_PREFIX = "uploads/"
"""Where the zips built by the deploy are uploaded (one key per package, a new version per change)."""
SIGNED_PREFIX = "signed/"
"""Where Signer writes the signed zips (one key per signing job)."""


@dataclass(frozen=True, kw_only=True)
class CodeLocation:
    """Where a function or layer version takes its (signed) zip from. Values may be references."""

    bucket: str
    """S3 bucket."""
    key: str
    """S3 key."""


@dataclass(frozen=True, kw_only=True)
class SignedArtifactProps:
    """One package to upload and sign."""

    name: str
    """Package name, unique in the bucket (`transaction_api`, `dependencies-layer`): names its keys."""
    code: PackagedCode
    """The reproducible zip."""
    bucket: ArtifactsBucket
    """Artifacts bucket: versioned, so a job can name a version (uploads wait for its versioning,
    encryption, public access block and policy)."""
    kms_key_arn: str
    """CMK the upload is encrypted with (the bucket's default key, stated so a plan shows it)."""
    signing_profile_name: str
    """The environment's Signer profile (owned by the account stack, read by name)."""

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name:
            raise ValueError(f"artifact name {self.name!r} must be non-empty and without '/'")


class SignedArtifact(Construct):
    """Upload + signing job. Attributes: `upload`, `job`, `digest` (hex SHA-256 of the zip), `signed`
    (what Lambda deploys from)."""

    def __init__(self, scope: Construct, id_: str, props: SignedArtifactProps) -> None:
        super().__init__(scope, id_)
        self.digest = props.code.sha256
        """SHA-256 (hex) of the zip bytes: the same in every environment that deploys this build."""
        asset = TerraformAsset(self, "zip", path=str(props.code.path), type=AssetType.FILE)
        self.upload = S3Object(
            self,
            "upload",
            bucket=props.bucket.bucket_name,
            key=f"{UPLOAD_PREFIX}{props.name}.zip",
            source=asset.path,
            source_hash=self.digest,
            content_type="application/zip",
            server_side_encryption="aws:kms",
            kms_key_id=props.kms_key_arn,
            bucket_key_enabled=True,
            # Without versioning on, the upload has no version for the signing job to name; the
            # other settings are waited for so nothing lands in a half-configured bucket.
            depends_on=props.bucket.secure.object_write_dependencies,
        )
        self.job = SignerSigningJob(
            self,
            "signing",
            profile_name=props.signing_profile_name,
            source={"s3": {"bucket": self.upload.bucket, "key": self.upload.key, "version": self.upload.version_id}},
            destination={"s3": {"bucket": self.upload.bucket, "prefix": f"{SIGNED_PREFIX}{props.name}/"}},
            ignore_signing_job_failure=False,
        )

    @property
    def signed(self) -> CodeLocation:
        """The signed zip (its key is new for every signing job): what Lambda deploys from."""
        signed_s3 = self.job.signed_object.get(0).s3.get(0)
        return CodeLocation(bucket=signed_s3.bucket, key=signed_s3.key)
