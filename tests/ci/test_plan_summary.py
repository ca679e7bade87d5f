"""The plan summary reviewers read in the pull request, from small `terraform show -json` fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tooling.plan_review import main as plan_review_main
from tooling.plan_summary import HIDDEN_MARKER, classify, render_markdown, summarize, summarize_stack

PLANS = Path(__file__).parent / "plans"


def _plan(name: str) -> dict[str, Any]:
    return json.loads((PLANS / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("actions", "kind"),
    [
        (["create"], "add"), (["update"], "change"), (["delete"], "destroy"), (["delete", "create"], "replace"),
        (["create", "delete"], "replace"), (["no-op"], "no-op"), (["read"], "read"), (["forget"], "forget"),
    ],
)
def test_each_terraform_action_list_has_one_kind(actions: list[str], kind: str) -> None:
    assert classify(actions) == kind


@pytest.mark.parametrize("actions", [["explode"], ["update", "delete"], []])
def test_an_unknown_action_is_an_error_not_a_silent_zero(actions: list[str]) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        classify(actions)


def test_a_mixed_plan_is_counted_and_its_destroys_are_named() -> None:
    summary = summarize_stack("fraud-detection-dev", _plan("mixed"))
    assert {k: summary[k] for k in ("add", "change", "replace", "destroy", "read", "no_op")} == {
        "add": 1, "change": 1, "replace": 2, "destroy": 1, "read": 1, "no_op": 1,
    }
    assert summary["destroyed"] == ["aws_dynamodb_table.transactions"]
    assert summary["replaced"] == ["aws_api_gateway_deployment.api", "aws_s3_bucket.reports"]
    assert summary["added"] == ["aws_sqs_queue.new_queue"]
    assert summary["changed"] == ["aws_lambda_function.api"]
    assert summary["outputs_changed"] == ["api_url"]
    assert summary["has_changes"] is True


@pytest.mark.parametrize("fixture", ["no_changes", "empty"])
def test_reads_and_no_ops_are_no_changes(fixture: str) -> None:
    summary = summarize_stack("fraud-detection-prod", _plan(fixture))
    assert [summary[k] for k in ("add", "change", "replace", "destroy")] == [0, 0, 0, 0]
    assert summary["has_changes"] is False
    assert summary["destroyed"] == summary["replaced"] == []


def test_an_environment_summary_totals_its_stacks_and_flags_destroys() -> None:
    summary = summarize("dev", {"fraud-detection-dev": _plan("mixed"), "fraud-detection-x": _plan("no_changes")})
    assert summary["totals"] == {"add": 1, "change": 1, "replace": 2, "destroy": 1}
    assert (summary["has_changes"], summary["has_destroys"]) == (True, True)
    quiet = summarize("prod", {"fraud-detection-prod": _plan("no_changes")})
    assert (quiet["has_changes"], quiet["has_destroys"]) == (False, False)


def test_the_markdown_starts_with_the_marker_and_calls_out_destroys() -> None:
    text = render_markdown([
        summarize("dev", {"fraud-detection-dev": _plan("mixed")}),
        summarize("prod", {"fraud-detection-prod": _plan("no_changes")}),
    ])
    assert text.splitlines()[0] == HIDDEN_MARKER
    assert "| `fraud-detection-dev` | 1 | 1 | **2** | **1** |" in text
    assert "| `fraud-detection-prod` | 0 | 0 | 0 | 0 |" in text
    assert ":warning: **`fraud-detection-dev` destroys 1 and replaces 2 resource(s)**" in text
    destroyed = text.index("Destroyed:")
    assert text.index("- `aws_dynamodb_table.transactions`") > destroyed
    assert "`fraud-detection-prod`: no changes." in text
    # Additions and in-place changes are folded away; destroys never are.
    assert text.index("<details>") > text.index("- `aws_s3_bucket.reports`")


def test_no_summaries_still_render_a_marked_comment() -> None:
    assert render_markdown([]).startswith(HIDDEN_MARKER)


def test_the_comment_command_renders_environments_in_promotion_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for env, fixture in (("prod", "no_changes"), ("dev", "mixed"), ("staging", "no_changes")):
        summary = summarize(env, {f"fraud-detection-{env}": _plan(fixture)})
        (tmp_path / f"{env}.json").write_text(json.dumps(summary))
    assert plan_review_main(["comment", *sorted(str(p) for p in tmp_path.glob("*.json"))]) == 0
    out = capsys.readouterr().out
    assert out.index("fraud-detection-dev") < out.index("fraud-detection-staging") < out.index("fraud-detection-prod")


LAYER_SHA = "8bacab4d2a2ca50e946817efb50363f95df9326a04941f71fea5bfbeff3d4465"
API_SHA = "1f0e" * 16


def _package_plan(api_actions: list[str]) -> dict[str, Any]:
    """A pipeline plan: the layer's upload unchanged, the API's upload as `api_actions` (a changed zip
    also replaces its signing job and updates its function), and a bucket without a source_hash."""
    def upload(name: str, sha: str, actions: list[str]) -> dict[str, Any]:
        return {"address": f"aws_s3_object.artifact-{name}_upload", "mode": "managed", "type": "aws_s3_object",
                "change": {"actions": actions, "after": {"key": f"uploads/{name}.zip", "source_hash": sha}}}

    changed = api_actions != ["no-op"]
    return {"resource_changes": [
        upload("dependencies-layer", LAYER_SHA, ["no-op"]),
        upload("transaction_api", API_SHA, api_actions),
        {"address": "aws_signer_signing_job.artifact-transaction_api_signing", "mode": "managed",
         "type": "aws_signer_signing_job",
         "change": {"actions": ["delete", "create"] if changed else ["no-op"], "after": {}}},
        {"address": "aws_lambda_function.transaction-api_function", "mode": "managed", "type": "aws_lambda_function",
         "change": {"actions": ["update"] if changed else ["no-op"], "after": {}}},
        {"address": "aws_s3_object.report", "mode": "managed", "type": "aws_s3_object",
         "change": {"actions": ["create"], "after": {"key": "reports/x.json"}}},
    ]}


def test_the_summary_names_every_package_with_its_digest_and_whether_it_is_uploaded() -> None:
    summary = summarize_stack("fraud-detection-dev", _package_plan(["update"]))
    assert summary["artifacts"] == [
        {"address": "aws_s3_object.artifact-dependencies-layer_upload", "key": "uploads/dependencies-layer.zip",
         "sha256": LAYER_SHA, "uploaded": False},
        {"address": "aws_s3_object.artifact-transaction_api_upload", "key": "uploads/transaction_api.zip",
         "sha256": API_SHA, "uploaded": True},
    ]
    assert summary["replaced"] == ["aws_signer_signing_job.artifact-transaction_api_signing"]
    assert "aws_lambda_function.transaction-api_function" in summary["changed"]
    text = render_markdown([summarize("dev", {"fraud-detection-dev": _package_plan(["update"])})])
    assert f"| `uploads/transaction_api.zip` | `{API_SHA}` | **uploads and signs it** |" in text
    assert f"| `uploads/dependencies-layer.zip` | `{LAYER_SHA}` | unchanged |" in text


def test_an_unchanged_build_shows_its_digests_and_no_changes() -> None:
    summary = summarize_stack("fraud-detection-prod", _package_plan(["no-op"]))
    assert [a["uploaded"] for a in summary["artifacts"]] == [False, False]
    assert (summary["add"], summary["change"], summary["replace"]) == (1, 0, 0)  # the unrelated report object


def test_the_comment_puts_each_environments_network_before_its_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("staging", "dev", "staging-network", "dev-network"):
        env = name.removesuffix("-network")
        summary = summarize(env, {f"fraud-detection-{name}": _plan("no_changes")})
        (tmp_path / f"{name}.json").write_text(json.dumps(summary))
    # Given in the opposite order: the order comes from the command, not from the file names.
    assert plan_review_main(["comment", *sorted((str(p) for p in tmp_path.glob("*.json")), reverse=True)]) == 0
    out = capsys.readouterr().out
    rows = [out.index(f"`fraud-detection-{name}`") for name in ("dev-network", "dev", "staging-network", "staging")]
    assert rows == sorted(rows)
