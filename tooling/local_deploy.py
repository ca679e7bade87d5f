"""Deploy the local stacks into the emulator with the real toolchain: cdktf CLI -> Terraform.

Order matters: the state bucket is created first (its own state stays in a local file), then
the account and environment stacks, whose S3 backend lives in that bucket inside the emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stacks.app import LOCAL_ACCOUNT_STACK, LOCAL_STATE_STACK
from tooling.terraform_mirror import write_cli_config

REPO_ROOT = Path(__file__).resolve().parent.parent
PIPELINE_STACK = "fraud-detection-local"
REMOTE_STATE_STACKS = (LOCAL_ACCOUNT_STACK, PIPELINE_STACK)


class DeployError(RuntimeError):
    """A toolchain step failed; the message carries the command and the end of its output."""


@dataclass
class LocalToolchain:
    """Runs cdktf and terraform against the emulator at `endpoint_url`."""

    endpoint_url: str
    """Emulator base URL, handed to the app as FRAUD_EMULATOR_URL."""
    outdir: Path = field(default_factory=lambda: REPO_ROOT / "cdktf.out")
    """Where cdktf writes the synthesized stacks."""
    log_dir: Path = field(default_factory=lambda: REPO_ROOT / "build" / "local")
    """Where each step's full output is kept."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step, for the summary and the benchmarks."""

    def __post_init__(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        cli_config = write_cli_config(REPO_ROOT / "build" / "terraformrc")
        self.env = {
            **os.environ,
            "FRAUD_EMULATOR_URL": self.endpoint_url,
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "CI": "true",  # cdktf: no interactive prompts or spinners
        }

    def stack_dir(self, stack: str) -> Path:
        """Synthesized directory of one stack (where terraform runs)."""
        return self.outdir / "stacks" / stack

    def _run(self, step: str, args: Sequence[str], *, cwd: Path | None = None, ok: Sequence[int] = (0,)) -> str:
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - fixed argv
            list(args), cwd=cwd or REPO_ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        self.timings[step] = self.timings.get(step, 0.0) + time.monotonic() - started
        output = result.stdout + result.stderr
        (self.log_dir / f"{step}.log").write_text(output)
        if result.returncode not in ok:
            tail = "\n".join(output.splitlines()[-40:])
            raise DeployError(f"{step} failed ({' '.join(args)} -> exit {result.returncode}):\n{tail}")
        self.last_returncode = result.returncode
        return output

    def _cdktf(self, step: str, *args: str) -> str:
        return self._run(step, ["npx", "--no-install", "cdktf", *args, "--output", str(self.outdir)])

    def synth(self) -> None:
        """Synthesize every stack once; later steps reuse it (--skip-synth)."""
        self._cdktf("synth", "synth")

    def deploy(self) -> None:
        """State bucket first, then the account and pipeline stacks."""
        common = ("--skip-synth", "--auto-approve", "--skip-provider-lock")
        self._cdktf("deploy-state", "deploy", LOCAL_STATE_STACK, *common)
        self._cdktf("deploy-stacks", "deploy", *REMOTE_STATE_STACKS, *common)

    def plan_changes(self, stack: str) -> str | None:
        """None when a fresh plan of `stack` is empty; else the plan text (exit code 2)."""
        output = self._run(
            f"plan-{stack}",
            ["terraform", "plan", "-detailed-exitcode", "-no-color", "-input=false"],
            cwd=self.stack_dir(stack),
            ok=(0, 2),
        )
        return None if self.last_returncode == 0 else output

    def outputs(self, stack: str = PIPELINE_STACK) -> dict[str, str]:
        """Terraform outputs of a deployed stack."""
        raw = self._run(f"outputs-{stack}", ["terraform", "output", "-json"], cwd=self.stack_dir(stack))
        return {name: item["value"] for name, item in json.loads(raw).items()}

    def state_list(self, stack: str) -> list[str]:
        """Addresses in a stack's (remote) state."""
        raw = self._run(f"state-{stack}", ["terraform", "state", "list"], cwd=self.stack_dir(stack), ok=(0, 1))
        return [line for line in raw.splitlines() if line.strip()]

    def destroy(self) -> None:
        """Destroy the pipeline and account stacks (the state bucket stays: it holds their state)."""
        common = ("--skip-synth", "--auto-approve", "--skip-provider-lock")
        self._cdktf("destroy-stacks", "destroy", *REMOTE_STATE_STACKS, *common)
