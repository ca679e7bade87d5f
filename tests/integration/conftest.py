"""A fresh emulator with the local stacks deployed once per test session, by the real toolchain.

Deploying costs minutes, so every integration test shares this one deployment and keeps its
data apart with unique ids. The synth output goes to a temporary directory, never to cdktf.out,
so a developer's own `make local` is not disturbed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tooling.emulator import Emulator, start_emulator
from tooling.local_deploy import PIPELINE_STACK, LocalToolchain


@dataclass(frozen=True)
class LocalDeployment:
    """The deployed local environment."""

    endpoint_url: str
    """Emulator base URL."""
    stack_dir: Path
    """Synthesized, initialized directory of the fraud-detection-local stack."""
    toolchain: LocalToolchain
    """The toolchain that deployed it (plans, outputs, state)."""
    emulator: Emulator
    """The emulator process (the live mode supervises and finally stops it)."""


def pytest_configure(config: pytest.Config) -> None:
    """The marker of tests that end the session's deployment."""
    config.addinivalue_line("markers", "tears_down_deployment: destroys the session's local deployment (runs last)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this directory is an integration test; the tests marked `tears_down_deployment`
    (the live mode ends with `make down` on the session's deployment) run after all others."""
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
    items.sort(key=lambda item: item.get_closest_marker("tears_down_deployment") is not None)


@pytest.fixture(scope="session")
def local_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDeployment]:
    """Emulator started, stacks synthesized and deployed, second plan checked empty."""
    work = tmp_path_factory.mktemp("local")
    emulator = start_emulator(work / "logs")
    try:
        toolchain = LocalToolchain(emulator.endpoint_url, outdir=work / "cdktf.out", log_dir=work / "logs")
        toolchain.synth()
        toolchain.deploy()
        yield LocalDeployment(
            endpoint_url=emulator.endpoint_url, stack_dir=toolchain.stack_dir(PIPELINE_STACK), toolchain=toolchain,
            emulator=emulator,
        )
    finally:
        emulator.stop()
