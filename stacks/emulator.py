"""Everything the local AWS emulator (moto in server mode) forces, in one place.

Nothing here applies to dev, staging or prod: only the `local` environment's stacks call it.
- Every service endpoint points at the emulator, with dummy credentials (it checks none).
- S3 uses path-style addressing (no wildcard DNS for virtual-hosted buckets on 127.0.0.1).
- Credential, metadata-API and region validation are skipped: there is no real STS or IMDS.
- Attributes the emulator does not read back as written are ignored by Terraform in the local
  stacks only (EMULATOR_UNREAD_ATTRIBUTES, applied by the EmulatorRoundTrip aspect), so a plan
  right after a deploy is empty there too.
- Functions go without a code signing configuration: moto 5 has no CreateCodeSigningConfig. The
  local environment's policy is Warn (unsigned packages deploy) like dev, so nothing it runs
  would differ; dev, staging and prod always carry the configuration.
- Packages are uploaded and signed exactly as in dev, staging and prod (modules/signed_artifact.py),
  by the signing jobs the tooling's emulator server plays (moto 5 has no signing jobs:
  tooling/lambda_service/emulator_server.py). The profile is named EMULATOR_SIGNING_PROFILE instead
  of being read from the account stack's SSM parameter: locally the account and pipeline stacks are
  applied at the same time, so the read could come before the parameter exists, and there is no
  configuration that would check the profile anyway.
- moto 5 completes a multipart upload (the layer's zip is large enough to go in parts) without the
  bucket-key setting its CreateMultipartUpload carried, taking the bucket's default instead. Uploads
  wait for the bucket's default encryption in every environment
  (SecureBucket.object_write_dependencies), so the default is always there to take.
- The DLQ goes without its redrive allow policy (only the fraud queue may redrive into it):
  moto 5 does not know the RedriveAllowPolicy queue attribute, and the provider waits until
  it reads the policy back.
- Buckets go without the TLS-only policy: moto 5 applies a bucket-policy Deny without evaluating
  its conditions, so "Deny s3:* when aws:SecureTransport is false" refuses every request, with
  or without TLS (the emulator speaks plain HTTP on loopback anyway). The state bucket's
  "admitted roles only" Deny lives in the same policy and goes with it, for the same reason.
- The state bucket goes without its CloudTrail audit trail: the emulator is not pointed at a
  CloudTrail endpoint (EMULATED_SERVICES), so the provider would call real AWS.
"""

from __future__ import annotations

from typing import Any

import jsii
from cdktf import IAspect, TerraformResource
from constructs import IConstruct

# Services the stacks create resources in or read data sources from.
EMULATED_SERVICES = (
    "apigateway", "cloudwatch", "cloudwatchlogs", "dynamodb", "ec2", "events", "iam", "kms",
    "lambda", "s3", "signer", "sns", "sqs", "sts", "wafv2",
)

EMULATOR_SIGNING_PROFILE = "fraud_functions_local"
"""Signer profile the local signing jobs name (the emulator's played Signer accepts any name)."""


# Resource type -> attributes moto 5 returns differently from what was written, and why.
EMULATOR_UNREAD_ATTRIBUTES: dict[str, dict[str, str]] = {
    "aws_vpc_security_group_egress_rule": {
        "description": "DescribeSecurityGroupRules in moto omits rule descriptions",
    },
    "aws_vpc_security_group_ingress_rule": {
        "description": "DescribeSecurityGroupRules in moto omits rule descriptions",
    },
    "aws_sqs_queue": {
        "redrive_policy": "moto re-serializes the redrive JSON with spaces, which the provider reports as a change",
    },
    "aws_s3_bucket_notification": {
        "eventbridge": "moto accepts EventBridgeConfiguration but GetBucketNotificationConfiguration returns none",
    },
}


@jsii.implements(IAspect)
class EmulatorRoundTrip:
    """Adds `lifecycle.ignore_changes` for EMULATOR_UNREAD_ATTRIBUTES (local stacks only)."""

    def visit(self, node: IConstruct) -> None:
        """Ignore the unread attributes of one resource."""
        if isinstance(node, TerraformResource):
            unread = EMULATOR_UNREAD_ATTRIBUTES.get(node.terraform_resource_type)
            if unread:
                node.add_override("lifecycle.ignore_changes", sorted(unread))


def code_signing_supported(emulator_url: str | None) -> bool:
    """Whether functions of a stack get a code signing configuration (always, except in the emulator:
    moto 5 implements no CreateCodeSigningConfig, and the local environment would only Warn anyway)."""
    return emulator_url is None


def redrive_allow_policy_supported(emulator_url: str | None) -> bool:
    """Whether the DLQ gets its redrive allow policy (always, except in the emulator: moto 5 rejects
    the RedriveAllowPolicy attribute, so the provider would wait for it forever)."""
    return emulator_url is None


def bucket_tls_policy_supported(emulator_url: str | None) -> bool:
    """Whether buckets of a stack can carry the TLS-only policy (always, except in the emulator)."""
    return emulator_url is None


def audit_trail_supported(emulator_url: str | None) -> bool:
    """Whether the state bucket gets its CloudTrail audit trail (always, except in the emulator)."""
    return emulator_url is None


def emulator_provider_settings(endpoint_url: str) -> dict[str, Any]:
    """Keyword arguments for AwsProvider that point it at the emulator."""
    return {
        "access_key": "test",
        "secret_key": "test",
        "skip_credentials_validation": True,
        "skip_metadata_api_check": "true",
        "skip_region_validation": True,
        "s3_use_path_style": True,
        "endpoints": [dict.fromkeys(EMULATED_SERVICES, endpoint_url)],
    }
