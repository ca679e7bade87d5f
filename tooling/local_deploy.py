"""Deploy the local stacks into the emulator with the real toolchain: cdktf synth -> Terraform.

Order matters: the state bucket is created first (its own state stays in a local file), then the
account, network and pipeline stacks, which keep their state in that bucket inside the emulator.
They start (`terraform init` included) as soon as the bucket can hold state: the bucket, its
versioning, encryption and access settings are in place (`state_backend_ready`), while the state stack
still waits on its lifecycle rules (the provider reads those back until it has seen them 10 times,
5 s apart, whatever the backend: 55 s that no state write needs). Those three are applied at the same
time, as `cdktf deploy` does, except where the synthesized manifest records a dependency: the pipeline
stack reads the network's ids from the network's state, so its apply starts once the network's is done
(its `terraform init` does not wait), and a destroy goes the other way (the network's destroy starts
once the pipeline's is done).

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
from collections.abc import Callable, Mapping, Sequence
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


@dataclass(frozen=True)
class Prerequisite:
    """A stack another one waits for."""

    progress: StackProgress
    """Its progress (its phase says whether it failed)."""
    ready: threading.Event
    """Set when it finished (either way), or earlier once its `ready_when` condition held."""
    before_init: bool = False
    """Wait before `terraform init` (the stack holds the waiting one's backend), not only before apply."""


BACKEND_UNNEEDED_TYPES = frozenset({"aws_s3_bucket_lifecycle_configuration"})
"""Resources of the state stack no state read or write needs (lifecycle rules act days later)."""


def state_backend_ready(progress: StackProgress) -> bool:
    """Whether the state stack's apply has put in place everything but BACKEND_UNNEEDED_TYPES."""
    if progress.phase != "applying":
        return False
    pending = progress.planned_addresses - progress.completed
    return all(address.split(".", 1)[0] in BACKEND_UNNEEDED_TYPES for address in pending)


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
        return self._exec(step, args, cwd=cwd, ok=ok)[0]

    def _exec(
        self, step: str, args: Sequence[str], *, cwd: Path | None = None, ok: Sequence[int] = (0,)
    ) -> tuple[str, int]:
        """Run one command (its output kept in `<step>.log`); output and exit code, or DeployError."""
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
        return output, result.returncode

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
        dependencies = self.dependencies()
        try:
            self._apply_stacks(
                "deploy-stacks", [LOCAL_STATE_STACK, *REMOTE_STATE_STACKS],
                after={stack: [*dependencies.get(stack, []), LOCAL_STATE_STACK] for stack in REMOTE_STATE_STACKS},
                ready_when={LOCAL_STATE_STACK: state_backend_ready},
            )
        except DeployError as exc:
            race = next((error for error in EMULATOR_REQUEST_RACES if error in str(exc)), None)
            if race is None:
                raise
            if self.progress_out is not None:
                print(f"The emulator answered a request twice ({race}); applying once more.", file=self.progress_out)
            self.emulator_retries.append(race)
            self._apply_stacks("deploy-stacks", list(REMOTE_STATE_STACKS), after=dependencies)

    def _board(self) -> ProgressBoard:
        out = self.progress_out or io.StringIO()
        return ProgressBoard(out, tty=out.isatty())

    def _apply_stacks(
        self, step: str, stacks: Sequence[str], *, destroy: bool = False,
        after: Mapping[str, Sequence[str]] | None = None,
        ready_when: Mapping[str, Callable[[StackProgress], bool]] | None = None,
    ) -> None:
        """Init and apply (or destroy) `stacks` in parallel, each once the stacks `after` names for it are
        done (or, for a stack in `ready_when`, once its condition holds: then the waiting stack's init
        waits for it too), drawing progress; raise with every error."""
        started = time.monotonic()
        board = self._board()
        progress = {stack: board.add(StackProgress(stack, operation="destroy" if destroy else "apply"))
                    for stack in stacks}
        ready = {stack: threading.Event() for stack in stacks}
        conditions = ready_when or {}
        workers = [
            threading.Thread(target=self._apply_one, daemon=True, args=(
                p, board, destroy, ready[p.stack], conditions.get(p.stack),
                [Prerequisite(progress[s], ready[s], before_init=s in conditions)
                 for s in (after or {}).get(p.stack, ()) if s in progress]))
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
        self, progress: StackProgress, board: ProgressBoard, destroy: bool, ready: threading.Event,
        ready_when: Callable[[StackProgress], bool] | None, prerequisites: Sequence[Prerequisite],
    ) -> None:
        stack_dir = self.stack_dir(progress.stack)
        log_path = self.log_dir / f"{'destroy' if destroy else 'apply'}-{progress.stack}.log"
        try:
            self._init_and_apply(progress, stack_dir, log_path, destroy, prerequisites, ready, ready_when)
        except OSError as exc:  # terraform missing, directory gone: the failure names it
            progress.other_output.append(f"{type(exc).__name__}: {exc}")
            progress.finish(ok=False)
        finally:
            board.finished(progress)
            ready.set()

    @staticmethod
    def _wait_for(progress: StackProgress, prerequisites: Sequence[Prerequisite]) -> bool:
        """Wait for each prerequisite; False (the stack marked failed) when one of them failed."""
        for prerequisite in prerequisites:
            progress.phase = f"waiting for {prerequisite.progress.stack}"
            prerequisite.ready.wait()
            progress.phase = "initializing"  # until Terraform's first event
            if prerequisite.progress.phase not in ("done", "applying"):  # applying: ready before done
                progress.other_output.append(
                    f"not started: {prerequisite.progress.stack} did not {prerequisite.progress.operation}"
                )
                progress.finish(ok=False)
                return False
        return True

    def _init_and_apply(
        self, progress: StackProgress, stack_dir: Path, log_path: Path, destroy: bool,
        prerequisites: Sequence[Prerequisite], ready: threading.Event,
        ready_when: Callable[[StackProgress], bool] | None,
    ) -> None:
        if not self._wait_for(progress, [p for p in prerequisites if p.before_init]):
            return
        init = subprocess.run(
            ["terraform", "init", "-input=false", "-no-color"],  # noqa: S607
            cwd=stack_dir, env=self.env, capture_output=True, text=True, check=False,
        )
        if init.returncode != 0:
            progress.other_output.extend((init.stdout + init.stderr).splitlines())
            progress.finish(ok=False)
            return
        if not self._wait_for(progress, [p for p in prerequisites if not p.before_init]):
            return
        args = ["terraform", "apply", "-json", "-auto-approve", "-input=false", *(["-destroy"] if destroy else [])]
        with log_path.open("w") as log, subprocess.Popen(  # noqa: S603 - fixed argv
            args, cwd=stack_dir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                progress.feed(line)
                if ready_when is not None and not ready.is_set() and ready_when(progress):
                    ready.set()
        progress.finish(ok=process.returncode == 0)

    def plan_changes(self, stack: str) -> str | None:
        """None when a fresh plan of `stack` is empty; else the plan text (exit code 2). Safe to call for
        several stacks at the same time."""
        output, returncode = self._exec(
            f"plan-{stack}",
            ["terraform", "plan", "-detailed-exitcode", "-no-color", "-input=false"],
            cwd=self.stack_dir(stack),
            ok=(0, 2),
        )
        return None if returncode == 0 else output

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
