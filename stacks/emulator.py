"""Everything the local AWS emulator (moto in server mode) forces, in one place.

Nothing here applies to dev, staging or prod: only the `local` environment's stacks call it.
- Every service endpoint points at the emulator, with dummy credentials (it checks none).
- S3 uses path-style addressing (no wildcard DNS for virtual-hosted buckets on 127.0.0.1).
- Credential, metadata-API and region validation are skipped: there is no real STS or IMDS.
"""

from __future__ import annotations

from typing import Any

# Services the stacks create resources in or read data sources from.
EMULATED_SERVICES = (
    "apigateway", "cloudwatch", "cloudwatchlogs", "dynamodb", "ec2", "events", "iam", "kms",
    "lambda", "s3", "sns", "sqs", "sts",
)


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
