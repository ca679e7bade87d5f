"""The checkov gate: runs checkov on synthesized stacks and accepts a failed check only where
.checkov.yaml names both the check and the resource (see that file's header for the format).

checkov runs from its own locked environment (tools/checkov/Pipfile.lock): `$CHECKOV_BIN`, else
`tools/checkov/.venv/bin/checkov`. Usage:

    python -m tooling.checkov_gate cdktf.out/stacks            # every stack below the directory
    python -m tooling.checkov_gate --plan plan.json --stack-json cdktf.out/stacks/<stack>/cdk.tf.json

Exit status 1 lists each failure no entry covers: check id, resource, file.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG = REPO_ROOT / ".checkov.yaml"
DEFAULT_CHECKOV = REPO_ROOT / "tools" / "checkov" / ".venv" / "bin" / "checkov"
INSTALL_HINT = (
    "install it with: PIPENV_PIPFILE=tools/checkov/Pipfile PIPENV_VENV_IN_PROJECT=1 python3 -m pipenv sync "
    "(or point CHECKOV_BIN at a checkov 3.3.30 executable)"
)
_CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")
_ENTRY = re.compile(r"^\s*-\s*(\S+)\s*$")
_FIELD = re.compile(r"^\s*#\s*(reason|resources|stacks|frameworks):\s*(.*?)\s*$")
FRAMEWORKS = ("terraform_json", "terraform_plan")


class GateError(RuntimeError):
    """checkov is missing, failed to run, or .checkov.yaml is malformed."""


@dataclass(frozen=True)
class SkipEntry:
    """One documented skip: a check, where it may fail, and why."""

    check_id: str
    """checkov check id."""
    reason: str
    """One line saying why the check does not apply or what covers it instead."""
    resources: tuple[str, ...]
    """Resource patterns, `<type>.<construct path>` with fnmatch globs."""
    stacks: tuple[str, ...] = ()
    """Stacks the entry applies to; empty means every stack."""
    frameworks: tuple[str, ...] = ()
    """checkov frameworks the entry applies to (terraform_json, terraform_plan); empty means both."""
    line: int = 0
    """Line of the `- CKV_...` item in .checkov.yaml (for messages)."""

    def applies_to(self, framework: str) -> bool:
        """Whether the entry is meant for results of `framework`."""
        return not self.frameworks or framework in self.frameworks

    def covers(self, finding: Finding) -> bool:
        """Whether this entry accepts `finding`."""
        if finding.check_id != self.check_id or not self.applies_to(finding.framework):
            return False
        if self.stacks and finding.stack not in self.stacks:
            return False
        return any(fnmatch.fnmatchcase(finding.resource, pattern) for pattern in self.resources)


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource."""

    check_id: str
    """checkov check id."""
    check_name: str
    """What the check wants."""
    stack: str
    """Stack the resource belongs to."""
    resource: str
    """`<type>.<construct path>` (or checkov's own name when the resource is not in the stack JSON)."""
    file: str
    """File checkov read, with the line range."""
    framework: str = "terraform_json"
    """checkov framework that produced the finding."""

    def __str__(self) -> str:
        return f"{self.check_id} {self.resource} ({self.file}): {self.check_name}"


@dataclass
class StackResult:
    """checkov's figures for one stack after applying the documented skips."""

    stack: str
    """Stack name."""
    passed: int = 0
    """Checks that passed."""
    accepted: list[tuple[Finding, SkipEntry]] = field(default_factory=list)
    """Failures covered by a documented skip."""
    unexpected: list[Finding] = field(default_factory=list)
    """Failures no entry covers: the gate fails on these."""

    def summary(self) -> dict[str, int]:
        """Passed, failed (uncovered) and skipped (covered) counts."""
        return {"passed": self.passed, "failed": len(self.unexpected), "skipped": len(self.accepted)}


def checkov_executable() -> Path:
    """The pinned checkov: $CHECKOV_BIN, else tools/checkov/.venv/bin/checkov."""
    configured = os.environ.get("CHECKOV_BIN")
    path = Path(configured) if configured else DEFAULT_CHECKOV
    if not path.is_file() or not os.access(path, os.X_OK):
        raise GateError(f"checkov not found at {path}; {INSTALL_HINT}")
    return path


def load_skips(config: Path = CONFIG) -> tuple[list[SkipEntry], list[str]]:
    """The documented skip entries of `config` and the problems found reading them.

    Problems are entries without a reason or resources, unknown ids, and `skip-check` ids that
    have no entry (checkov would skip them globally with nothing saying why).
    """
    text = config.read_text(encoding="utf-8")
    settings = yaml.safe_load(text) or {}
    listed = [str(item) for item in settings.get("skip-check", [])]
    entries: list[SkipEntry] = []
    problems: list[str] = []
    pending: dict[str, list[str]] = {}
    in_list = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("skip-check:"):
            in_list = True
            continue
        if not in_list:
            continue
        if line and not line.startswith(" "):
            break  # the next top-level key ends the list
        match = _FIELD.match(line)
        if match:
            pending.setdefault(match.group(1), []).append(match.group(2))
            continue
        item = _ENTRY.match(line)
        if not item:
            continue
        check_id = item.group(1)
        reason = " ".join(pending.get("reason", [])).strip()
        resources = tuple(r.strip() for chunk in pending.get("resources", []) for r in chunk.split(",") if r.strip())
        stacks = tuple(s.strip() for chunk in pending.get("stacks", []) for s in chunk.split(",") if s.strip())
        frameworks = tuple(
            f.strip() for chunk in pending.get("frameworks", []) for f in chunk.split(",") if f.strip()
        )
        pending = {}
        where = f"{config.name}:{number} {check_id}"
        if not _CHECK_ID.match(check_id):
            problems.append(f"{where}: not a checkov check id")
        if not reason:
            problems.append(f"{where}: no '# reason:' line above the entry")
        if not resources:
            problems.append(f"{where}: no '# resources:' line above the entry (a skip must name its resources)")
        problems += [f"{where}: unknown framework {f!r}" for f in frameworks if f not in FRAMEWORKS]
        entries.append(SkipEntry(check_id, reason, resources, stacks, frameworks, number))
    documented = [e.check_id for e in entries]
    problems += [f"{config.name}: skip-check {i} has no documented entry" for i in listed if i not in documented]
    duplicates = sorted({i for i in documented if documented.count(i) > 1})
    problems += [f"{config.name}: {i} has more than one entry; merge them" for i in duplicates]
    return entries, problems


def resource_addresses(stack_json: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(kind, logical id) -> `<type>.<construct path>` for every resource and data source of a stack."""
    addresses: dict[tuple[str, str], str] = {}
    for kind, prefix in (("resource", ""), ("data", "data.")):
        for resource_type, items in stack_json.get(kind, {}).items():
            for logical_id, body in items.items():
                path = body.get("//", {}).get("metadata", {}).get("path", logical_id)
                construct_path = path.split("/", 1)[1] if "/" in path else path
                addresses[(kind, logical_id)] = f"{prefix}{resource_type}.{construct_path}"
    return addresses


def _address(checkov_resource: str, addresses: Mapping[tuple[str, str], str]) -> str:
    # checkov names terraform_json resources `type.id`, `resource.id` or `data.id`, and plan
    # resources by their full address (`type.id`, `data.type.id`); the logical id is the last part.
    kind = "data" if checkov_resource.startswith("data.") else "resource"
    logical_id = checkov_resource.rsplit(".", 1)[-1]
    return addresses.get((kind, logical_id), checkov_resource)


def run_checkov(target: Path, *, framework: str = "terraform_json", timeout: int = 600) -> list[dict[str, Any]]:
    """checkov's JSON reports for `target` (a directory, or a plan file with terraform_plan)."""
    target = target.resolve()
    selector = ["-f", str(target)] if target.is_file() else ["-d", str(target)]
    command = [
        str(checkov_executable()), *selector, "--framework", framework, "--skip-download",
        "--output", "json", "--soft-fail",
    ]
    # Run from the target's directory with no config file: the documented skips are applied here,
    # per resource, not by checkov globally.
    cwd = target if target.is_dir() else target.parent
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    completed = subprocess.run(  # noqa: S603 - fixed argv of the pinned executable
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if completed.returncode != 0 or not completed.stdout.strip():
        raise GateError(f"checkov exited {completed.returncode}: {completed.stderr.strip()[-2000:]}")
    reports = json.loads(completed.stdout)
    return reports if isinstance(reports, list) else [reports]


def _stack_of(file_path: str, default: str) -> str:
    parts = [p for p in Path(file_path).parts if p not in ("/", "")]
    return parts[-2] if len(parts) >= 2 else default  # .../<stack>/cdk.tf.json


def evaluate(
    reports: Iterable[Mapping[str, Any]],
    stacks: Mapping[str, Mapping[str, Any]],
    skips: Sequence[SkipEntry],
    *,
    default_stack: str = "",
    framework: str = "terraform_json",
) -> dict[str, StackResult]:
    """Sort checkov's results per stack into passed, accepted (documented skip) and unexpected.

    Results are attributed to stacks by their file's directory, or all to `default_stack` when
    given (a plan file belongs to the one stack it was made from)."""
    results = {name: StackResult(name) for name in stacks}
    addresses = {name: resource_addresses(body) for name, body in stacks.items()}
    for report in reports:
        checks = report.get("results", {})
        for check in checks.get("passed_checks", []):
            stack = default_stack or _stack_of(check.get("file_path", ""), default_stack)
            results.setdefault(stack, StackResult(stack)).passed += 1
        for check in checks.get("failed_checks", []):
            stack = default_stack or _stack_of(check.get("file_path", ""), default_stack)
            result = results.setdefault(stack, StackResult(stack))
            lines = check.get("file_line_range") or []
            finding = Finding(
                check_id=check["check_id"],
                check_name=check.get("check_name", ""),
                stack=stack,
                resource=_address(check.get("resource", ""), addresses.get(stack, {})),
                file=f"{stack}/{Path(check.get('file_path', '')).name}:{'-'.join(map(str, lines))}",
                framework=framework,
            )
            entry = next((s for s in skips if s.covers(finding)), None)
            if entry:
                result.accepted.append((finding, entry))
            else:
                result.unexpected.append(finding)
    return results


def stale_entries(
    skips: Sequence[SkipEntry], results: Mapping[str, StackResult], framework: str = "terraform_json"
) -> list[SkipEntry]:
    """Entries for `framework` that accepted no failure in `results`: the check passes now, so the
    skip must go."""
    used = {(entry.check_id, entry.line) for result in results.values() for _, entry in result.accepted}
    return [e for e in skips if e.applies_to(framework) and (e.check_id, e.line) not in used]


def gate_directory(stacks_dir: Path, config: Path = CONFIG) -> dict[str, StackResult]:
    """checkov over every stack directory below `stacks_dir`, sorted by the documented skips."""
    skips, problems = load_skips(config)
    if problems:
        raise GateError("; ".join(problems))
    stacks = {
        d.name: json.loads((d / "cdk.tf.json").read_text()) for d in sorted(stacks_dir.iterdir())
        if (d / "cdk.tf.json").is_file()
    }
    return evaluate(run_checkov(stacks_dir), stacks, skips)


def format_results(results: Mapping[str, StackResult]) -> str:
    """Per-stack figures, then every uncovered failure."""
    lines = [f"{name}: {r.summary()}" for name, r in sorted(results.items())]
    for result in results.values():
        lines += [f"  FAILED {finding}" for finding in result.unexpected]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: gate a directory of stacks, or a plan JSON against its stack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks_dir", nargs="?", type=Path, help="directory holding <stack>/cdk.tf.json")
    parser.add_argument("--plan", type=Path, help="terraform show -json output to check (terraform_plan)")
    parser.add_argument("--stack-json", type=Path, help="cdk.tf.json of the planned stack (names resources)")
    args = parser.parse_args(argv)
    try:
        if args.plan:
            if not args.stack_json:
                parser.error("--plan needs --stack-json")
            skips, problems = load_skips()
            if problems:
                raise GateError("; ".join(problems))
            stack = args.stack_json.parent.name
            results = evaluate(
                run_checkov(args.plan, framework="terraform_plan"),
                {stack: json.loads(args.stack_json.read_text())},
                skips,
                default_stack=stack,
                framework="terraform_plan",
            )
        elif args.stacks_dir:
            results = gate_directory(args.stacks_dir)
        else:
            parser.error("give a stacks directory or --plan")
    except GateError as error:
        print(f"checkov gate: {error}", file=sys.stderr)
        return 2
    print(format_results(results))
    return 1 if any(r.unexpected for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
