"""The layer carrying the functions' third-party dependencies, built from pinned requirements."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.lambda_layer_version import LambdaLayerVersion
from constructs import Construct

from modules.signed_artifact import CodeLocation


@dataclass(frozen=True, kw_only=True)
class DependenciesLayerProps:
    """Settings of the dependencies layer."""

    layer_name: str
    """Layer name."""
    code: CodeLocation
    """The signed zip with the packages under python/ (modules/signed_artifact.py)."""
    runtime: str = "python3.11"
    """Runtime the packages were built for."""
    architecture: str = "x86_64"
    """Architecture the packages were built for."""


class DependenciesLayer(Construct):
    """One layer version, from the signed zip; a new version is published only when the zip's content
    changes (then its signing job, hence the signed key, is new; every layer argument forces a new
    version)."""

    def __init__(self, scope: Construct, id_: str, props: DependenciesLayerProps) -> None:
        super().__init__(scope, id_)
        self.layer = LambdaLayerVersion(
            self,
            "layer",
            layer_name=props.layer_name,
            description="Pinned third-party runtime dependencies of the pipeline's functions",
            s3_bucket=props.code.bucket,
            s3_key=props.code.key,
            compatible_runtimes=[props.runtime],
            compatible_architectures=[props.architecture],
        )

    @property
    def layer_arn(self) -> str:
        """ARN of the layer version."""
        return self.layer.arn
