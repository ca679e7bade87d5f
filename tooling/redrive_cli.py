"""`make redrive`: list the DLQ of an environment by kind of failure; with --apply, move what can be moved.

    python -m tooling.redrive_cli --env local|dev|staging|prod [--apply] [--kind alert ...]
        [--transaction-id ID ...] [--outputs outputs.json]

Where things are comes from the pipeline stack's Terraform outputs (dlq_url, fraud_queue_url,
table_name, <key>_function_name): `terraform output -json` in the synthesized stack's directory
(cdktf.out/stacks/fraud-detection-<env>), or a file saved from it (--outputs). A deployed environment
is reached with the operator's AWS credentials (the usual boto3 chain: AWS_PROFILE, SSO, ...) and its
functions are invoked through Lambda's Invoke; `local` is the deployment `make up` left running: the
emulator recorded in build/local/emulator.json, and the functions run by the played Lambda service
(tooling.lambda_service) in processes of this command.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from tooling.dlq_records import ALERT, ASYNC, SCHEDULE, STREAM
from tooling.emulator import running_emulator
from tooling.lambda_service.clients import EmulatorClients
from tooling.lambda_service.service import LambdaService
from tooling.redrive import Invoked, Invoker, Redriver, RedriveTargets, Selection, list_dlq

REPO_ROOT = Path(__file__).resolve().parent.parent
STACKS_DIR = REPO_ROOT / "cdktf.out" / "stacks"
LOCAL_WORK_DIR = REPO_ROOT / "build" / "local" / "redrive"
MOVABLE_KINDS = (ALERT, STREAM, SCHEDULE, ASYNC)


class LambdaInvoker:
    """Lambda's synchronous Invoke (RequestResponse) with the operator's credentials."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def invoke(self, function_name: str, event: Any) -> Invoked:
        """Invoke and read the payload; a FunctionError is not ok."""
        response = self._client.invoke(FunctionName=function_name, InvocationType="RequestResponse",
                                       Payload=json.dumps(event).encode())
        raw = response["Payload"].read()
        payload = json.loads(raw) if raw else None
        if response.get("FunctionError"):
            return Invoked(False, payload, f"{response['FunctionError']}: {json.dumps(payload)[:300]}")
        return Invoked(True, payload)


class PlayedInvoker:
    """The played Lambda service of the local deployment (moto cannot run Lambda code)."""

    def __init__(self, service: LambdaService) -> None:
        self._service = service

    def invoke(self, function_name: str, event: Any) -> Invoked:
        """Run the deployed function's handler in a warm local process."""
        result = self._service.invoke(function_name, event)
        if result.ok:
            return Invoked(True, result.payload)
        error = dict(result.error or {})
        return Invoked(False, error, f"{error.get('errorType')}: {error.get('errorMessage')}")


@dataclass
class Environment:
    """The AWS clients, targets and invoker of one environment."""

    sqs: Any
    dynamodb: Any
    targets: RedriveTargets
    invoker: Invoker


def stack_outputs(stack_dir: Path, outputs_file: Path | None = None,
                  extra_env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The pipeline stack's outputs: from `outputs_file` (terraform output -json), else from Terraform
    run in `stack_dir` (with `extra_env` added to the environment)."""
    if outputs_file is not None:
        raw = outputs_file.read_text()
    else:
        if not stack_dir.is_dir():
            raise SystemExit(f"{stack_dir} is missing: synthesize first (make synth), or pass --outputs FILE")
        result = subprocess.run(["terraform", "output", "-json"], cwd=stack_dir,  # noqa: S607 - terraform on PATH
                                env={**os.environ, **(extra_env or {})}, capture_output=True, text=True,
                                check=False)
        if result.returncode != 0:
            raise SystemExit(f"terraform output failed in {stack_dir} (run terraform init there first?):\n"
                             f"{result.stderr.strip()}")
        raw = result.stdout
    parsed = json.loads(raw)
    # `terraform output -json` wraps each value ({"value": ..., "type": ...}); a plain map is accepted too.
    return {k: v["value"] if isinstance(v, dict) and "value" in v else v for k, v in parsed.items()}


@contextmanager
def environment(env: str, outputs_file: Path | None) -> Iterator[Environment]:
    """Clients, targets and invoker for `env`; the local one's function processes end with the block."""
    if env != "local":
        stack_dir = STACKS_DIR / f"fraud-detection-{env}"
        outputs = stack_outputs(stack_dir, outputs_file)
        yield Environment(boto3.client("sqs"), boto3.client("dynamodb"), RedriveTargets.from_outputs(outputs),
                          LambdaInvoker(boto3.client("lambda")))
        return
    emulator = running_emulator()
    if emulator is None:
        raise SystemExit("no local deployment is up (make up starts one)")
    from tooling.local_deploy import LocalToolchain  # its environment points Terraform at the emulator
    from tooling.local_main import OUTDIR  # where make up synthesized the local stacks

    stack_dir = OUTDIR / "stacks" / "fraud-detection-local"
    outputs = stack_outputs(stack_dir, outputs_file, LocalToolchain(emulator.endpoint_url).env)
    clients = EmulatorClients(emulator.endpoint_url)
    with LambdaService(clients, stack_dir, LOCAL_WORK_DIR) as service:
        yield Environment(clients.client("sqs"), clients.client("dynamodb"), RedriveTargets.from_outputs(outputs),
                          PlayedInvoker(service))


def main(argv: list[str] | None = None) -> int:
    """List the DLQ; with --apply, move what is selected. Exit 1 when something could not be moved."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="local", help="local (default), dev, staging or prod")
    parser.add_argument("--apply", action="store_true", help="move messages (default: only list)")
    parser.add_argument("--kind", action="append", choices=MOVABLE_KINDS,
                        help="move only this kind (repeatable; default: every kind)")
    parser.add_argument("--transaction-id", action="append", default=[],
                        help="move only the alert messages of this transaction (repeatable)")
    parser.add_argument("--outputs", type=Path, help="a saved `terraform output -json` of the pipeline stack")
    args = parser.parse_args(argv)
    with environment(args.env, args.outputs) as env:
        print(list_dlq(env.sqs, env.targets.dlq_url).render(env.targets.dlq_url), flush=True)
        if not args.apply:
            print("(listed only: APPLY=1 moves them)")
            return 0
        selection = Selection(kinds=frozenset(args.kind or MOVABLE_KINDS),
                              transaction_ids=frozenset(args.transaction_id))
        report = Redriver(env.sqs, env.dynamodb, env.invoker, env.targets).apply(selection)
        print(report.render(), flush=True)
        return 1 if report.kept else 0


if __name__ == "__main__":
    sys.exit(main())
