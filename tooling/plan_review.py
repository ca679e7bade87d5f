"""`make plan ENV=<env> [STACK=network]`: synthesize, save a Terraform plan of one of the environment's
stacks (the pipeline by default, or its network), summarize it.

    python -m tooling.plan_review plan --env dev [--stack network] [--outdir cdktf.out] [--skip-synth] [--no-lock]
    python -m tooling.plan_review comment build/plan/*.json     # one Markdown comment for CI

`plan` runs `terraform plan -out=plan.tfplan` in the stack's synth directory (after `cdktf synth`),
prints the plan as `cdktf diff` would, and writes build/plan/<env>.json and .md (the network's:
<env>-network.json and .md) from `terraform show -json plan.tfplan` (tooling/plan_summary.py). The
pipeline's plan reads the network's outputs from its state: plan (and apply) the network first.
For ENV=local the app is pointed at the running emulator: FRAUD_EMULATOR_URL if set, else the one
`make local KEEP=1` left up.
`--no-lock` is for read-only credentials (pull request plans): the plan does not take the state lock.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tooling.emulator import running_emulator
from tooling.plan_summary import render_markdown, summarize, summarize_stack
from tooling.terraform_mirror import write_cli_config

REPO_ROOT = Path(__file__).resolve().parent.parent
SUMMARY_DIR = REPO_ROOT / "build" / "plan"
PLAN_FILE = "plan.tfplan"
ENVIRONMENTS = ("dev", "staging", "prod", "local")
STACKS = ("network", "pipeline")
"""An environment's stacks, in the order they are deployed."""


class PlanError(RuntimeError):
    """A command failed; the message carries its output."""


def plan_name(environment: str, stack: str = "pipeline") -> str:
    """Name of one stack's plan: `<env>` for the pipeline, `<env>-network` for the network (the
    stack's directory is `fraud-detection-<name>`, its summary build/plan/<name>.json)."""
    if environment not in ENVIRONMENTS:
        raise PlanError(f"unknown environment {environment!r}; choose one of {', '.join(ENVIRONMENTS)}")
    if stack not in STACKS:
        raise PlanError(f"unknown stack {stack!r}; choose one of {', '.join(STACKS)}")
    return environment if stack == "pipeline" else f"{environment}-{stack}"


def stack_of(environment: str, stack: str = "pipeline") -> str:
    """The synthesized stack a plan covers."""
    return f"fraud-detection-{plan_name(environment, stack)}"


def tool_env(environ: Mapping[str, str], environment: str) -> dict[str, str]:
    """Environment for cdktf and terraform: provider mirror, no prompts; the emulator for `local`."""
    env = {
        **environ,
        "TF_CLI_CONFIG_FILE": str(write_cli_config(REPO_ROOT / "build" / "terraformrc", environ)),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "CI": "true",
    }
    if environment == "local" and not environ.get("FRAUD_EMULATOR_URL"):
        emulator = running_emulator()
        if emulator is None:
            raise PlanError("ENV=local needs a running emulator: `make local KEEP=1`, or set FRAUD_EMULATOR_URL")
        env["FRAUD_EMULATOR_URL"] = emulator.endpoint_url
    return env


def _run(args: Sequence[str], cwd: Path, env: Mapping[str, str], *, echo: bool = False) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv
        list(args), cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
    )
    if echo:
        print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        output = result.stdout[-4000:] + result.stderr[-4000:]
        raise PlanError(f"{' '.join(args)} -> exit {result.returncode}:\n{output}")
    return result.stdout


def plan_stack(
    stack_dir: Path, env: Mapping[str, str], *, extra_args: Sequence[str] = (), lock: bool = True, echo: bool = False
) -> dict[str, Any]:
    """terraform init, plan -out, show -json in one synthesized stack; return the plan JSON."""
    _run(["terraform", "init", "-input=false", "-no-color"], stack_dir, env)
    _run(
        ["terraform", "plan", f"-out={PLAN_FILE}", "-input=false", "-no-color", *([] if lock else ["-lock=false"]),
         *extra_args],
        stack_dir, env, echo=echo,
    )
    return dict(json.loads(_run(["terraform", "show", "-json", PLAN_FILE], stack_dir, env)))


def summarize_stack_dir(stack: str, stack_dir: Path, env: Mapping[str, str], **plan_args: Any) -> dict[str, Any]:
    """Plan one stack directory and summarize it (what the integration tests use)."""
    return summarize_stack(stack, plan_stack(stack_dir, env, **plan_args))


def plan_environment(
    environment: str, outdir: Path, *, synth: bool, lock: bool, summary_dir: Path, stack: str = "pipeline"
) -> dict[str, Any]:
    """Synthesize (unless told not to), plan and summarize one stack of an environment; write
    <plan name>.json and .md."""
    name = plan_name(environment, stack)
    env = tool_env(os.environ, environment)
    if synth:
        _run(["npx", "--no-install", "cdktf", "synth", "--output", str(outdir)], REPO_ROOT, env)
    plan = plan_stack(outdir / "stacks" / stack_of(environment, stack), env, lock=lock, echo=True)
    summary = summarize(environment, {stack_of(environment, stack): plan})
    summary_dir.mkdir(parents=True, exist_ok=True)
    (summary_dir / f"{name}.json").write_text(json.dumps(summary, indent=2) + "\n")
    (summary_dir / f"{name}.md").write_text(render_markdown([summary], title=f"Terraform plan: {name}"))
    return summary


def _promotion_order(summary: Mapping[str, Any]) -> tuple[int, bool]:
    """dev, staging, prod; within one environment its network before its pipeline."""
    network = all(stack["stack"].endswith("-network") for stack in summary["stacks"])
    return ENVIRONMENTS.index(summary["environment"]), not network


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="synthesize, plan and summarize one environment")
    plan.add_argument("--env", required=True, choices=ENVIRONMENTS)
    plan.add_argument("--stack", default="pipeline", choices=STACKS, help="the environment's stack to plan")
    plan.add_argument("--outdir", type=Path, default=REPO_ROOT / "cdktf.out")
    plan.add_argument("--summary-dir", type=Path, default=SUMMARY_DIR)
    plan.add_argument("--skip-synth", action="store_true", help="reuse the synthesized stacks in --outdir")
    plan.add_argument("--no-lock", action="store_true", help="do not take the state lock (read-only credentials)")
    comment = sub.add_parser("comment", help="render summaries (JSON files) as one Markdown comment")
    comment.add_argument("summaries", nargs="*", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "plan":
            summary = plan_environment(
                args.env, args.outdir.resolve(), synth=not args.skip_synth, lock=not args.no_lock,
                summary_dir=args.summary_dir, stack=args.stack,
            )
            print(render_markdown([summary], title=f"Terraform plan: {plan_name(args.env, args.stack)}"))
        else:
            summaries = [json.loads(path.read_text()) for path in args.summaries]
            # dev, staging, prod: the order changes are promoted in; within one, the network first.
            summaries.sort(key=_promotion_order)
            print(render_markdown(summaries))
    except PlanError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
