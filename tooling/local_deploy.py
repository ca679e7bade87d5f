"""Deploy the local stacks into the emulator with the real toolchain: cdktf synth -> Terraform.

Order matters: the state bucket is created first (its own state stays in a local file), then the
account, network and pipeline stacks, which keep their state in that bucket inside the emulator.
Those three are applied at the same time, as `cdktf deploy` does, except where the synthesized
manifest records a dependency: the pipeline stack reads the network's ids from the network's state,
so its apply starts once the network's is done (its `terraform init` does not wait), and a destroy
goes the other way (the network's destroy starts once the pipeline's is done).

Each synthesized stack is applied with `terraform init` and `terraform apply -json` in its own
directory (the backend and plan `cdktf deploy` would use): `cdktf deploy` does not pass Terraform's
machine-readable events through, and those are what the live progress is drawn from
(tooling.deploy_progress). On failure, Terraform's error diagnostics are raised in full.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from stacks.app import LOCAL_ACCOUNT_STACK, LOCAL_STATE_STACK
from tooling.deploy_progress import ProgressBoard, StackProgress
from tooling.terraform_mirror import write_cli_config

REPO_ROOT = Path(__file__).resolve().parent.parent
PIPELINE_STACK = "fraud-detection-local"
NETWORK_STACK = "fraud-detection-local-network"
REMOTE_STATE_STACKS = (LOCAL_ACCOUNT_STACK, NETWORK_STACK, PIPELINE_STACK)
"""The stacks whose state lives in the emulator's state bucket (every local stack but the bucket's own)."""


Prerequisite = tuple[StackProgress, threading.Event]
"""A stack that must be done first: its progress, and the event set when it finished (either way)."""


class DeployError(RuntimeError):
    """A toolchain step failed; the message carries the command and the end of its output."""


EMULATOR_REQUEST_RACES = (
    "InvalidPermission.NotFound",
    "FlowLogAlreadyExists",
)
"""Errors of a local apply that come from the emulator, not from the stacks: moto in server mode serves
concurrent requests on threads without the isolation AWS gives, and on a loaded machine a request can
reach it twice, so the provider sees the default egress rule it just revoked as missing, or the flow log
it just created as already there. A second apply resumes from the state Terraform kept and converges;
any other error is the stacks' and is raised at once."""


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
    progress_out: TextIO | None = None
    """Where live apply/destroy progress goes (None: nowhere, e.g. in tests)."""
    emulator_retries: list[str] = field(default_factory=list)
    """The emulator races (EMULATOR_REQUEST_RACES) a deploy applied once more for, for the summary."""

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

    def dependencies(self) -> dict[str, list[str]]:
        """Stack -> the stacks it depends on, as the synthesized manifest records them."""
        manifest = json.loads((self.outdir / "manifest.json").read_text())
        return {name: list(stack.get("dependencies", [])) for name, stack in manifest["stacks"].items()}

    def deploy(self) -> None:
        """State bucket first, then the account, network and pipeline stacks (the pipeline after the network)."""
        self._apply_stacks("deploy-state", [LOCAL_STATE_STACK])
        try:
            self._apply_stacks("deploy-stacks", list(REMOTE_STATE_STACKS), after=self.dependencies())
        except DeployError as exc:
            race = next((error for error in EMULATOR_REQUEST_RACES if error in str(exc)), None)
            if race is None:
                raise
            if self.progress_out is not None:
                print(f"The emulator answered a request twice ({race}); applying once more.", file=self.progress_out)
            self.emulator_retries.append(race)
            self._apply_stacks("deploy-stacks", list(REMOTE_STATE_STACKS), after=self.dependencies())

    def _board(self) -> ProgressBoard:
        out = self.progress_out or io.StringIO()
        return ProgressBoard(out, tty=out.isatty())

    def _apply_stacks(
        self, step: str, stacks: Sequence[str], *, destroy: bool = False,
        after: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Init and apply (or destroy) `stacks` in parallel, each once the stacks `after` names for it are
        done, drawing progress; raise with every error."""
        started = time.monotonic()
        board = self._board()
        progress = {stack: board.add(StackProgress(stack, operation="destroy" if destroy else "apply"))
                    for stack in stacks}
        finished = {stack: threading.Event() for stack in stacks}
        workers = [
            threading.Thread(target=self._apply_one, daemon=True, args=(
                p, board, destroy, finished[p.stack],
                [(progress[s], finished[s]) for s in (after or {}).get(p.stack, ()) if s in progress]))
            for p in progress.values()
        ]
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            board.refresh()
            for worker in workers:
                worker.join(timeout=1.0 / len(workers))
        self.timings[step] = self.timings.get(step, 0.0) + time.monotonic() - started
        failed = [p for p in progress.values() if p.phase != "done"]
        if failed:
            raise DeployError("\n\n".join(_failure_text(p) for p in failed))

    def _apply_one(
        self, progress: StackProgress, board: ProgressBoard, destroy: bool, finished: threading.Event,
        prerequisites: Sequence[Prerequisite],
    ) -> None:
        stack_dir = self.stack_dir(progress.stack)
        log_path = self.log_dir / f"{'destroy' if destroy else 'apply'}-{progress.stack}.log"
        try:
            self._init_and_apply(progress, stack_dir, log_path, destroy, prerequisites)
        except OSError as exc:  # terraform missing, directory gone: the failure names it
            progress.other_output.append(f"{type(exc).__name__}: {exc}")
            progress.finish(ok=False)
        finally:
            board.finished(progress)
            finished.set()

    def _init_and_apply(
        self, progress: StackProgress, stack_dir: Path, log_path: Path, destroy: bool,
        prerequisites: Sequence[Prerequisite],
    ) -> None:
        init = subprocess.run(
            ["terraform", "init", "-input=false", "-no-color"],  # noqa: S607
            cwd=stack_dir, env=self.env, capture_output=True, text=True, check=False,
        )
        if init.returncode != 0:
            progress.other_output.extend((init.stdout + init.stderr).splitlines())
            progress.finish(ok=False)
            return
        for prerequisite, prerequisite_finished in prerequisites:
            progress.phase = f"waiting for {prerequisite.stack}"
            prerequisite_finished.wait()
            progress.phase = "initializing"  # until Terraform's first event
            if prerequisite.phase != "done":
                progress.other_output.append(f"not started: {prerequisite.stack} did not {prerequisite.operation}")
                progress.finish(ok=False)
                return
        args = ["terraform", "apply", "-json", "-auto-approve", "-input=false", *(["-destroy"] if destroy else [])]
        with log_path.open("w") as log, subprocess.Popen(  # noqa: S603 - fixed argv
            args, cwd=stack_dir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                progress.feed(line)
        progress.finish(ok=process.returncode == 0)

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
        """Destroy the account, network and pipeline stacks, the network after the pipeline (the state bucket
        stays: it holds their state). The emulator releases no network interfaces lazily: the network goes
        at once."""
        dependants: dict[str, list[str]] = {}
        for stack, dependencies in self.dependencies().items():
            for dependency in dependencies:
                dependants.setdefault(dependency, []).append(stack)
        self._apply_stacks("destroy-stacks", list(REMOTE_STATE_STACKS), destroy=True, after=dependants)


def _failure_text(progress: StackProgress) -> str:
    """Everything Terraform said about a failed stack: every error diagnostic, in full."""
    parts = [f"{progress.operation} of {progress.stack} failed:"]
    parts.extend(progress.errors)
    if not progress.errors:
        parts.extend(progress.other_output or ["(Terraform printed no error; see the log in build/local)"])
    return "\n".join(parts)
