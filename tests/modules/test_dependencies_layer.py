"""The dependencies layer: built for the functions' runtime and architecture, versioned by content."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from terraform_json import at_path, ref

from modules.dependencies_layer import DependenciesLayerProps
from modules.signed_artifact import CodeLocation
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_layer_matches_the_functions_runtime_and_architecture(synthesized: SynthesizedApp, stack: str) -> None:
    _, layer = at_path(synthesized.resources(stack, "aws_lambda_layer_version"), "dependencies/layer")
    assert layer["compatible_runtimes"] == ["python3.11"]
    assert layer["compatible_architectures"] == ["x86_64"]
    assert layer["layer_name"].startswith("fraud-dependencies-")
    for function in synthesized.resources(stack, "aws_lambda_function").values():
        assert function["runtime"] in layer["compatible_runtimes"]
        assert function["architectures"] == layer["compatible_architectures"]


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_layer_deploys_from_its_signed_object_without_a_local_hash(synthesized: SynthesizedApp, stack: str) -> None:
    _, layer = at_path(synthesized.resources(stack, "aws_lambda_layer_version"), "dependencies/layer")
    job, _ = at_path(synthesized.resources(stack, "aws_signer_signing_job"), "artifact-dependencies-layer/signing")
    assert layer["s3_bucket"] == ref("aws_signer_signing_job", job, "signed_object[0].s3[0].bucket")
    assert layer["s3_key"] == ref("aws_signer_signing_job", job, "signed_object[0].s3[0].key")
    assert not {"filename", "source_code_hash"} & set(layer)


def _layer_zip(synthesized: SynthesizedApp, stack: str) -> Path:
    _, upload = at_path(synthesized.resources(stack, "aws_s3_object"), "artifact-dependencies-layer/upload")
    return synthesized.stack_dir(stack) / upload["source"]


def test_layer_zip_puts_packages_under_python(synthesized: SynthesizedApp) -> None:
    stack = "fraud-detection-dev"
    with zipfile.ZipFile(_layer_zip(synthesized, stack)) as archive:
        names = archive.namelist()
    assert names
    assert all(name.startswith("python/") for name in names)
    # Bytecode for every module, built for the runtime (cold starts do not compile), and nothing else cached.
    sources = {name for name in names if name.endswith(".py")}
    compiled = {name for name in names if "__pycache__" in name}
    assert compiled == {
        f"{directory}/__pycache__/{module.removesuffix('.py')}.cpython-311.pyc"
        for directory, _, module in (name.rpartition("/") for name in sources)
    }


def test_same_layer_content_in_every_environment(synthesized: SynthesizedApp) -> None:
    digests = {hashlib.sha256(_layer_zip(synthesized, stack).read_bytes()).hexdigest() for stack in ENVIRONMENT_STACKS}
    assert len(digests) == 1


def test_props_default_to_the_functions_runtime(tmp_path: Path) -> None:
    props = DependenciesLayerProps(layer_name="l", code=CodeLocation(bucket="artifacts", key="signed/l/job.zip"))
    assert (props.runtime, props.architecture) == ("python3.11", "x86_64")
