"""The plan summary against a real deployment in the emulator: a fresh plan says "no changes";
a destroy plan and a replacement are counted and called out by address (nothing is applied)."""

from __future__ import annotations

from tests.integration.conftest import LocalDeployment
from tooling.local_deploy import PIPELINE_STACK
from tooling.plan_review import summarize_stack_dir
from tooling.plan_summary import combine, render_markdown

DASHBOARD = "aws_cloudwatch_dashboard.monitoring_dashboard_"


def test_a_plan_of_the_deployed_stack_has_no_changes(local_deployment: LocalDeployment) -> None:
    toolchain = local_deployment.toolchain
    summary = summarize_stack_dir(PIPELINE_STACK, local_deployment.stack_dir, toolchain.env)
    assert [summary[k] for k in ("add", "change", "replace", "destroy")] == [0, 0, 0, 0]
    assert summary["has_changes"] is False
    assert summary["no_op"] > 80  # the pipeline's resources (the network's are in its own stack)
    assert (local_deployment.stack_dir / "plan.tfplan").is_file()


def test_a_destroy_plan_names_every_resource_it_would_destroy(local_deployment: LocalDeployment) -> None:
    toolchain = local_deployment.toolchain
    managed = [a for a in toolchain.state_list(PIPELINE_STACK) if not a.startswith("data.")]
    summary = summarize_stack_dir(PIPELINE_STACK, local_deployment.stack_dir, toolchain.env, extra_args=["-destroy"])
    assert summary["destroy"] == len(managed)
    assert summary["destroyed"] == sorted(managed)
    assert summary["add"] == summary["change"] == summary["replace"] == 0
    text = render_markdown([combine("local", [summary])])
    assert f":warning: **`{PIPELINE_STACK}` destroys {len(managed)} and replaces 0 resource(s)**" in text
    # Nothing was applied: the state still holds every resource.
    assert len([a for a in toolchain.state_list(PIPELINE_STACK) if not a.startswith("data.")]) == len(managed)


def test_a_replacement_is_counted_apart_and_named(local_deployment: LocalDeployment) -> None:
    toolchain = local_deployment.toolchain
    # The dashboard: nothing refers to it, so replacing it replaces nothing else (a queue would
    # take its queue policy along, whose queue_url forces a new resource).
    [dashboard] = [a for a in toolchain.state_list(PIPELINE_STACK) if a.startswith(DASHBOARD)]
    summary = summarize_stack_dir(PIPELINE_STACK, local_deployment.stack_dir, toolchain.env,
                                  extra_args=[f"-replace={dashboard}"])
    assert (summary["replace"], summary["replaced"], summary["destroy"]) == (1, [dashboard], 0)
    text = render_markdown([combine("local", [summary])])
    assert text.index(f"- `{dashboard}`") > text.index("Replaced (destroyed, then created again):")
