"""checkov (pinned, offline) on every synthesized stack: no failed check outside the documented skips.

The gate and the skip format are described in .checkov.yaml and tooling/checkov_gate.py. The
figures of each stack are written to build/checkov-summary.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SynthesizedApp
from tests.stacks.test_environment_stacks import ALL_STACKS
from tooling.checkov_gate import (
    CONFIG,
    Finding,
    GateError,
    SkipEntry,
    StackResult,
    evaluate,
    gate_directory,
    load_skips,
    stale_entries,
)

SUMMARY = Path("build") / "checkov-summary.json"


@pytest.fixture(scope="module")
def gate(synthesized: SynthesizedApp) -> dict[str, StackResult]:
    """One checkov run over every synthesized stack, sorted by the documented skips."""
    try:
        results = gate_directory(synthesized.outdir / "stacks")
    except GateError as error:
        pytest.fail(f"the checkov gate could not run: {error}")
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(
        json.dumps(
            {
                name: {
                    **result.summary(),
                    "skips": sorted({f"{f.check_id} {f.resource}" for f, _ in result.accepted}),
                }
                for name, result in sorted(results.items())
            },
            indent=2,
        )
        + "\n"
    )
    return results


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_checkov_finds_nothing_outside_the_documented_skips(gate: dict[str, StackResult], stack: str) -> None:
    result = gate[stack]
    assert result.passed > 0, f"checkov evaluated no check on {stack}"
    failures = "\n".join(str(f) for f in result.unexpected)
    assert not result.unexpected, (
        f"checkov failed {len(result.unexpected)} check(s) on {stack} that no .checkov.yaml entry covers "
        f"(fix the resource, or add an entry with its resources and a reason):\n{failures}"
    )


def test_every_skip_entry_is_documented() -> None:
    entries, problems = load_skips()
    assert entries, ".checkov.yaml documents no skip: then drop this test's premise, not the gate"
    assert problems == []
    assert all(e.reason and e.resources for e in entries)


def test_no_skip_entry_is_stale(gate: dict[str, StackResult]) -> None:
    entries, _ = load_skips()
    stale = [f"{e.check_id} (.checkov.yaml line {e.line})" for e in stale_entries(entries, gate)]
    assert stale == [], f"these skips no longer match any failure; remove them: {stale}"


def test_the_code_signing_check_is_met_everywhere_but_the_emulator(gate: dict[str, StackResult]) -> None:
    # Code signing is implemented, not skipped: only the emulator's stack may fail it.
    for stack, result in gate.items():
        failing = [f for f, _ in result.accepted if f.check_id == "CKV_AWS_272"]
        assert not failing or stack == "fraud-detection-local", (stack, failing)


def test_an_entry_without_a_reason_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / ".checkov.yaml"
    config.write_text(
        "skip-check:\n"
        "  # resources: aws_lambda_function.*/function\n"
        "  - CKV_AWS_116\n"
        "  # reason: documented\n"
        "  - CKV_AWS_272\n"
        "  - CKV_AWS_18\n"
    )
    _, problems = load_skips(config)
    assert problems == [
        ".checkov.yaml:3 CKV_AWS_116: no '# reason:' line above the entry",
        ".checkov.yaml:5 CKV_AWS_272: no '# resources:' line above the entry (a skip must name its resources)",
        ".checkov.yaml:6 CKV_AWS_18: no '# reason:' line above the entry",
        ".checkov.yaml:6 CKV_AWS_18: no '# resources:' line above the entry (a skip must name its resources)",
    ]


def test_a_skipped_check_failing_on_an_unlisted_resource_still_fails_the_gate() -> None:
    # Given a skip for log groups only, the same check failing on a bucket is reported.
    skips = [SkipEntry("CKV_AWS_338", "retention is configured", ("aws_cloudwatch_log_group.*",))]
    stack = {
        "resource": {
            "aws_cloudwatch_log_group": {"logs_1": {"//": {"metadata": {"path": "s/fn/logs"}}}},
            "aws_s3_bucket": {"bucket_2": {"//": {"metadata": {"path": "s/data/bucket"}}}},
        }
    }
    report = {
        "results": {
            "passed_checks": [],
            "failed_checks": [
                {"check_id": "CKV_AWS_338", "resource": "resource.logs_1", "file_path": "/s/cdk.tf.json"},
                {"check_id": "CKV_AWS_338", "resource": "aws_s3_bucket.bucket_2", "file_path": "/s/cdk.tf.json"},
            ],
        }
    }
    result = evaluate([report], {"s": stack}, skips)["s"]
    assert [f.resource for f, _ in result.accepted] == ["aws_cloudwatch_log_group.fn/logs"]
    assert [f.resource for f in result.unexpected] == ["aws_s3_bucket.data/bucket"]


def test_a_stack_scoped_entry_covers_only_its_stacks() -> None:
    entry = SkipEntry("CKV_AWS_272", "emulator", ("aws_lambda_function.*",), ("fraud-detection-local",))
    finding = Finding("CKV_AWS_272", "", "fraud-detection-local", "aws_lambda_function.api/function", "")
    assert entry.covers(finding)
    assert not entry.covers(Finding("CKV_AWS_272", "", "fraud-detection-prod", finding.resource, ""))


def test_the_config_is_the_one_at_the_repository_root() -> None:
    assert CONFIG.name == ".checkov.yaml"
    assert CONFIG.parent == Path(__file__).resolve().parents[2]
