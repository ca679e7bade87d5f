"""Code signing for the pipeline's functions: a Signer profile and the configuration Lambda checks.

How a deployment package gets signed
------------------------------------
With `untrusted_artifact_on_deployment = "Enforce"` (staging, prod), Lambda refuses to create or
update a function whose zip does not carry a valid signature from the signing profile below. The
zips this app builds and uploads directly (`filename`) are not signed, so an apply of an enforcing
environment fails at CreateFunction/UpdateFunctionCode until the packages are signed. That is the
point of the control, not an accident: only artifacts that went through the signing step can run.

A team signs in one of two ways:

1. In Terraform: upload each zip to a versioned S3 bucket (`aws_s3_object`), sign it with an
   `aws_signer_signing_job` (`profile_name` = this profile, `source.s3` = the uploaded object and
   its `version_id`, `destination.s3` = a prefix in the same or another bucket), and point the
   function at the signed object (`s3_bucket`/`s3_key` from the job's `signed_object`) instead of
   `filename`.
2. In CI: `aws signer start-signing-job --profile-name <profile> --source 's3={bucketName=...,
   key=...,version=...}' --destination 's3={bucketName=...,prefix=signed/}'`, then deploy the signed
   object (e.g. `aws lambda update-function-code --s3-bucket ... --s3-key ...`).

The signer needs `signer:StartSigningJob` on the profile and read access to the source object for
whoever starts the job. `Warn` (dev, local) deploys unsigned packages and only logs a warning, so
those environments work with the unsigned zips this app produces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.lambda_code_signing_config import LambdaCodeSigningConfig
from cdktf_cdktf_provider_aws.signer_signing_profile import SignerSigningProfile
from constructs import Construct

# Signer profile names: letters, digits and underscores, at most 64; Terraform appends 26 characters
# to a prefix.
_PROFILE_NAME_PREFIX = re.compile(r"^[A-Za-z0-9_]{1,38}$")
UNTRUSTED_ARTIFACT_POLICIES = ("Enforce", "Warn")


@dataclass(frozen=True, kw_only=True)
class CodeSigningProps:
    """Settings of the signing profile and the code signing configuration."""

    profile_name_prefix: str
    """Prefix of the Signer profile name (letters, digits, underscores). A prefix, not a name: Signer
    never lets a cancelled profile's name be used again, so a re-created profile needs a new one."""
    description: str
    """What the configuration is for (shown in the Lambda console)."""
    untrusted_artifact_on_deployment: str = "Enforce"
    """`Enforce` rejects unsigned or foreign-signed packages; `Warn` only logs them."""
    platform_id: str = "AWSLambda-SHA384-ECDSA"
    """Signer platform for Lambda packages."""
    signature_validity_months: int = 135
    """How long a signature stays valid (Signer's maximum, so old but signed versions can roll back)."""

    def __post_init__(self) -> None:
        if not _PROFILE_NAME_PREFIX.match(self.profile_name_prefix):
            raise ValueError(
                f"signing profile name prefix {self.profile_name_prefix!r} must match {_PROFILE_NAME_PREFIX.pattern}"
            )
        if self.untrusted_artifact_on_deployment not in UNTRUSTED_ARTIFACT_POLICIES:
            raise ValueError(f"untrusted_artifact_on_deployment must be one of {UNTRUSTED_ARTIFACT_POLICIES}")
        if not 1 <= self.signature_validity_months <= 135:
            raise ValueError("signature_validity_months must be 1..135")


class CodeSigning(Construct):
    """A Signer profile for Lambda packages and a code signing configuration that trusts only it.

    Attributes: `profile`, `config`, `profile_name`, `config_arn`.
    """

    def __init__(self, scope: Construct, id_: str, props: CodeSigningProps) -> None:
        super().__init__(scope, id_)
        self.profile = SignerSigningProfile(
            self,
            "profile",
            name_prefix=props.profile_name_prefix,
            platform_id=props.platform_id,
            signature_validity_period={"type": "MONTHS", "value": props.signature_validity_months},
        )
        self.config = LambdaCodeSigningConfig(
            self,
            "config",
            description=props.description,
            allowed_publishers={"signing_profile_version_arns": [self.profile.version_arn]},
            policies={"untrusted_artifact_on_deployment": props.untrusted_artifact_on_deployment},
        )

    @property
    def profile_name(self) -> str:
        """Name of the signing profile (what signing jobs name)."""
        return self.profile.name

    @property
    def config_arn(self) -> str:
        """ARN of the code signing configuration, for every function."""
        return self.config.arn
