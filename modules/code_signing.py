"""Code signing for the pipeline's functions: a Signer profile, the configuration Lambda checks, and
an SSM parameter publishing the configuration's ARN to the environment's stack.

Where it lives
--------------
In the account stack, deployed by an administrator, one per environment: an environment's deploy role
may start signing jobs with its profile and attach its configuration to functions, but may not create,
change or delete profiles or configurations (modules/ci/deploy_permissions.py), so a deployer cannot
remove the control it is checked against. The configuration's ARN carries an id AWS generates, so
the environment's stack reads it from the SSM parameter `config_arn_parameter_name(<suffix>)`.

How a deployment package gets signed
------------------------------------
With `untrusted_artifact_on_deployment = "Enforce"` (staging, prod), Lambda refuses to create or
update a function whose zip does not carry a valid signature from the signing profile below: upload
each zip to a versioned S3 bucket (`aws_s3_object`), sign it with an `aws_signer_signing_job`
(`profile_name` = this profile, `source.s3` = the uploaded object and its `version_id`,
`destination.s3` = a prefix), and deploy the function from the job's `signed_object`. `Warn` (dev)
deploys unsigned packages and only logs a warning; dev signs all the same (modules/signed_artifact.py),
so what dev runs is what prod runs. The signer needs `signer:StartSigningJob` on the profile and read
access to the source object. The profile's name (completed by Terraform from the prefix) is published
in the SSM parameter `profile_name_parameter_name(<suffix>)`, which the environment's stack reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.lambda_code_signing_config import LambdaCodeSigningConfig
from cdktf_cdktf_provider_aws.signer_signing_profile import SignerSigningProfile
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

# Signer profile names: letters, digits and underscores, at most 64; Terraform appends 26 characters
# to a prefix.
_PROFILE_NAME_PREFIX = re.compile(r"^[A-Za-z0-9_]{1,38}$")
UNTRUSTED_ARTIFACT_POLICIES = ("Enforce", "Warn")


def config_arn_parameter_name(name_suffix: str) -> str:
    """SSM parameter holding the ARN of an environment's code signing configuration, named like the
    environment's other resources (`/fraud-<suffix>/...`, inside the deploy role's name scope)."""
    return f"/fraud-{name_suffix}/code-signing-config-arn"


def profile_name_parameter_name(name_suffix: str) -> str:
    """SSM parameter holding the name of an environment's Signer profile (Terraform completes the
    name from a prefix, so the environment's stack reads it here, as it reads the configuration's ARN)."""
    return f"/fraud-{name_suffix}/signing-profile-name"


@dataclass(frozen=True, kw_only=True)
class CodeSigningProps:
    """Settings of the signing profile and the code signing configuration."""

    profile_name_prefix: str
    """Prefix of the Signer profile name (letters, digits, underscores). A prefix, not a name: Signer
    never lets a cancelled profile's name be used again, so a re-created profile needs a new one."""
    description: str
    """What the configuration is for (shown in the Lambda console)."""
    config_arn_parameter: str
    """Name of the SSM parameter the configuration's ARN is published under (config_arn_parameter_name)."""
    profile_name_parameter: str
    """Name of the SSM parameter the profile's name is published under (profile_name_parameter_name)."""
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

    Attributes: `profile`, `config`, `parameter`, `profile_parameter`, `profile_name`, `profile_arn`,
    `config_arn`.
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
        # Names and ARNs are no secret: plain String parameters the environment's deploy and plan roles read.
        self.profile_parameter = SsmParameter(
            self,
            "profile-name",
            name=props.profile_name_parameter,
            type="String",
            description=f"Signer profile that signs the packages: {props.description}",
            value=self.profile.name,
        )
        self.config = LambdaCodeSigningConfig(
            self,
            "config",
            description=props.description,
            allowed_publishers={"signing_profile_version_arns": [self.profile.version_arn]},
            policies={"untrusted_artifact_on_deployment": props.untrusted_artifact_on_deployment},
        )
        self.parameter = SsmParameter(
            self,
            "config-arn",
            name=props.config_arn_parameter,
            type="String",
            description=f"ARN of the code signing configuration: {props.description}",
            value=self.config.arn,
        )

    @property
    def profile_name(self) -> str:
        """Name of the signing profile (what signing jobs name)."""
        return self.profile.name

    @property
    def profile_arn(self) -> str:
        """ARN of the signing profile (what StartSigningJob is scoped to)."""
        return self.profile.arn

    @property
    def config_arn(self) -> str:
        """ARN of the code signing configuration, for every function."""
        return self.config.arn
