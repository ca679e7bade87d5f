"""functions/requirements.txt pins exactly what the tests run against, and everything needed."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tooling.layer_requirements import parse

REQUIREMENTS = Path(__file__).resolve().parents[3] / "functions" / "requirements.txt"
# Shipped by the Lambda python3.11 runtime, so kept out of the layer.
RUNTIME_PROVIDED = {"boto3", "botocore", "jmespath", "s3transfer", "urllib3", "python-dateutil", "six"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    _, pins = parse(REQUIREMENTS.read_text(encoding="utf-8"))  # exact pins only, hashes dropped
    return {_normalise(name): pinned for name, pinned in pins}


PINS = _pins()


@pytest.mark.parametrize(("name", "pinned"), sorted(PINS.items()))
def test_pin_equals_installed_version(name: str, pinned: str) -> None:
    try:
        installed = version(name)
    except PackageNotFoundError:
        pytest.fail(f"{name} is pinned but not installed in the test environment")
    assert installed == pinned, f"{name}: requirements.txt has {pinned}, tests run {installed}"


def test_runtime_packages_are_not_pinned() -> None:
    assert not RUNTIME_PROVIDED & PINS.keys()


def test_closure_of_runtime_dependencies_is_pinned() -> None:
    """Every non-optional dependency of a pinned package is pinned or provided by the runtime."""
    missing: set[str] = set()
    for name in PINS:
        for spec in requires(name) or []:
            requirement = Requirement(spec)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue  # an optional extra
            dependency = _normalise(requirement.name)
            if dependency not in PINS and dependency not in RUNTIME_PROVIDED:
                missing.add(f"{dependency} (needed by {name})")
    assert not missing


@pytest.mark.parametrize(
    "package", ["aws-lambda-powertools", "aws-xray-sdk", "pydantic", "pydantic-core", "typing-extensions"]
)
def test_core_packages_are_pinned(package: str) -> None:
    assert package in PINS
