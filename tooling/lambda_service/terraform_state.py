"""Reading the deployed stack's Terraform state (`terraform show -json`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class TerraformStateError(RuntimeError):
    """The stack's state could not be read."""


def show_state(stack_dir: Path, *, timeout_seconds: int = 300) -> dict[str, Any]:
    """The state of the stack initialized in `stack_dir`, as `terraform show -json` prints it."""
    terraform = shutil.which("terraform")
    if terraform is None:
        raise TerraformStateError("terraform is not on PATH")
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [terraform, "show", "-json", "-no-color"],
        cwd=stack_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_seconds,
        check=False,
    )
    if completed.returncode != 0:
        raise TerraformStateError(f"terraform show failed in {stack_dir}: {completed.stderr.strip()}")
    return json.loads(completed.stdout)


def iter_resources(state: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every managed resource of the state, including those of child modules."""
    stack = [state.get("values", {}).get("root_module", {})]
    while stack:
        module = stack.pop()
        yield from (r for r in module.get("resources", []) if r.get("mode") == "managed")
        stack.extend(module.get("child_modules", []))


def resources_of_type(state: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """The attribute values of every resource of one type."""
    return [r["values"] for r in iter_resources(state) if r.get("type") == resource_type]
