"""Session-wide fixtures: the whole app is synthesized once per test session and shared.

A synth loads the AWS provider bindings through jsii and costs seconds, so no test
synthesizes the app again; tests read the JSON written by this one synth.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

SYNTH_COUNT_FILE = Path("build") / "synth-count.txt"


@dataclass(frozen=True)
class SynthesizedApp:
    """The synthesized app: output directory and each stack's Terraform JSON."""

    outdir: Path
    stacks: dict[str, dict[str, Any]]

    def stack(self, name: str) -> dict[str, Any]:
        """Parsed Terraform JSON of one stack."""
        return self.stacks[name]

    def stack_text(self, name: str) -> str:
        """Terraform JSON of one stack as text (what cdktf.Testing assertions take)."""
        return json.dumps(self.stacks[name])

    def stack_dir(self, name: str) -> Path:
        """Directory Terraform runs in for one stack."""
        return self.outdir / "stacks" / name

    def resources(self, name: str, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resources of one type in one stack, by logical id."""
        return self.stacks[name].get("resource", {}).get(resource_type, {})

    def data(self, name: str, data_type: str) -> dict[str, dict[str, Any]]:
        """Data sources of one type in one stack, by logical id."""
        return self.stacks[name].get("data", {}).get(data_type, {})


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynthesizedApp]:
    """Every stack of the app, synthesized once with default settings."""
    from cdktf import App

    from stacks.app import build_stacks
    from stacks.app_settings import resolve_settings
    from stacks.artifacts import build_artifacts

    outdir = tmp_path_factory.mktemp("cdktf.out")
    app = App(outdir=str(outdir), stack_traces=False)
    names = build_stacks(app, resolve_settings({}, {}), build_artifacts())
    app.synth()
    _count_synth()
    stacks = {
        name: json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text()) for name in names
    }
    yield SynthesizedApp(outdir=outdir, stacks=stacks)


def _count_synth() -> None:
    # Benchmarks report how many full synths one test session performs (the target is one).
    SYNTH_COUNT_FILE.parent.mkdir(parents=True, exist_ok=True)
    previous = int(SYNTH_COUNT_FILE.read_text()) if SYNTH_COUNT_FILE.exists() else 0
    SYNTH_COUNT_FILE.write_text(f"{previous + 1}\n")


ENVIRONMENT_STACKS = ("fraud-detection-dev", "fraud-detection-staging", "fraud-detection-prod", "fraud-detection-local")
# Each environment's network (VPC, subnets, security groups, endpoints, flow logs), in its own stack.
NETWORK_STACKS = tuple(f"{stack}-network" for stack in ENVIRONMENT_STACKS)
# Days every log group of an environment keeps: a year where data is confidential (PCI DSS v4 10.5.1).
LOG_RETENTION_DAYS = {"fraud-detection-dev": 7, "fraud-detection-staging": 365, "fraud-detection-prod": 365,
                      "fraud-detection-local": 7}


def find_one(resources: dict[str, dict[str, Any]], **match: Any) -> tuple[str, dict[str, Any]]:
    """The single resource whose attributes equal `match`; fails on none or several."""
    found = [(k, v) for k, v in resources.items() if all(v.get(a) == b for a, b in match.items())]
    assert len(found) == 1, f"expected one resource matching {match}, found {[k for k, _ in found]}"
    return found[0]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Start each session's synth count from zero."""
    SYNTH_COUNT_FILE.unlink(missing_ok=True)
