"""The dependencies layer: built for the functions' runtime and architecture, versioned by content."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest
from terraform_json import at_path

from modules.dependencies_layer import DependenciesLayerProps
from modules.lambda_packaging import PackagedCode
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
def test_source_code_hash_is_the_hash_of_the_shipped_zip(synthesized: SynthesizedApp, stack: str) -> None:
    _, layer = at_path(synthesized.resources(stack, "aws_lambda_layer_version"), "dependencies/layer")
    archive = synthesized.stack_dir(stack) / layer["filename"]
    digest = base64.b64encode(hashlib.sha256(archive.read_bytes()).digest()).decode()
    assert layer["source_code_hash"] == digest


def test_layer_zip_puts_packages_under_python(synthesized: SynthesizedApp) -> None:
    stack = "fraud-detection-dev"
    _, layer = at_path(synthesized.resources(stack, "aws_lambda_layer_version"), "dependencies/layer")
    with zipfile.ZipFile(synthesized.stack_dir(stack) / layer["filename"]) as archive:
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
    hashes = {
        at_path(synthesized.resources(stack, "aws_lambda_layer_version"), "dependencies/layer")[1]["source_code_hash"]
        for stack in ENVIRONMENT_STACKS
    }
    assert len(hashes) == 1


def test_props_default_to_the_functions_runtime(tmp_path: Path) -> None:
    props = DependenciesLayerProps(layer_name="l", code=PackagedCode(path=tmp_path / "l.zip", source_code_hash="h"))
    assert (props.runtime, props.architecture) == ("python3.11", "x86_64")
