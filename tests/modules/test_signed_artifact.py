"""Signed packages: every function and the layer are uploaded to the artifacts bucket, signed by a
Signer job with the environment's profile, and deployed from the signed object; an unchanged source
changes nothing and a changed one changes exactly its object, its job and what deploys from it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider
from terraform_json import at_path, data_ref, ref

from modules.artifacts_bucket import ArtifactsBucket, ArtifactsBucketProps
from modules.aws_context import AwsContext
from modules.code_signing import profile_name_parameter_name
from modules.dependencies_layer import DependenciesLayer, DependenciesLayerProps
from modules.lambda_function import PipelineFunction, PipelineFunctionProps
from modules.lambda_packaging import PackagedCode, write_deterministic_zip
from modules.signed_artifact import SignedArtifact, SignedArtifactProps
from stacks.config import FUNCTION_KEYS
from stacks.emulator import EMULATOR_SIGNING_PROFILE
from tests.conftest import ENVIRONMENT_STACKS, SynthesizedApp

PACKAGES = (*FUNCTION_KEYS, "dependencies-layer")
AWS_STACKS = {"fraud-detection-dev": "dev", "fraud-detection-staging": "stg", "fraud-detection-prod": "prod"}


def _signing(synthesized: SynthesizedApp, stack: str, name: str) -> tuple[tuple[str, dict], tuple[str, dict]]:
    upload = at_path(synthesized.resources(stack, "aws_s3_object"), f"artifact-{name}/upload")
    job = at_path(synthesized.resources(stack, "aws_signer_signing_job"), f"artifact-{name}/signing")
    return upload, job


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
@pytest.mark.parametrize("name", PACKAGES)
def test_each_package_is_uploaded_by_digest_and_signed_in_the_artifacts_bucket(
    synthesized: SynthesizedApp, stack: str, name: str
) -> None:
    (upload_id, upload), (_, job) = _signing(synthesized, stack, name)
    bucket_id, _ = at_path(synthesized.resources(stack, "aws_s3_bucket"), "artifacts/bucket/bucket")
    key_id, _ = at_path(synthesized.resources(stack, "aws_kms_key"), "encryption/key")
    zip_bytes = (synthesized.stack_dir(stack) / upload["source"]).read_bytes()

    assert upload["bucket"] == ref("aws_s3_bucket", bucket_id, "bucket")
    assert upload["key"] == f"uploads/{name}.zip"
    # Change detection by the zip's digest: a new object version only when the bytes change.
    assert upload["source_hash"] == hashlib.sha256(zip_bytes).hexdigest()
    assert (upload["server_side_encryption"], upload["kms_key_id"]) == ("aws:kms", ref("aws_kms_key", key_id, "arn"))
    assert job["source"] == {"s3": {"bucket": ref("aws_s3_object", upload_id, "bucket"),
                                    "key": ref("aws_s3_object", upload_id, "key"),
                                    "version": ref("aws_s3_object", upload_id, "version_id")}}
    assert job["destination"] == {"s3": {"bucket": ref("aws_s3_object", upload_id, "bucket"),
                                         "prefix": f"signed/{name}/"}}
    assert job["ignore_signing_job_failure"] is False


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_uploads_wait_until_the_bucket_is_fully_configured(synthesized: SynthesizedApp, stack: str) -> None:
    settings = {
        "aws_s3_bucket_ownership_controls": "artifacts/bucket/ownership",
        "aws_s3_bucket_versioning": "artifacts/bucket/versioning",
        "aws_s3_bucket_server_side_encryption_configuration": "artifacts/bucket/encryption",
        "aws_s3_bucket_public_access_block": "artifacts/bucket/public-access",
    }
    if stack != "fraud-detection-local":  # the emulator's buckets go without the TLS-only policy
        settings["aws_s3_bucket_policy"] = "artifacts/bucket/policy"
    expected = {f"{kind}.{at_path(synthesized.resources(stack, kind), path)[0]}" for kind, path in settings.items()}
    for name in PACKAGES:
        (_, upload), _ = _signing(synthesized, stack, name)
        # Otherwise an upload can race the bucket's settings and read back differently on the
        # next plan (a multipart upload takes the bucket key setting from the bucket's default).
        assert set(upload["depends_on"]) == expected, name


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_jobs_sign_with_the_profile_the_account_stack_publishes(synthesized: SynthesizedApp, stack: str) -> None:
    parameter_id, parameter = at_path(synthesized.data(stack, "aws_ssm_parameter"), "signing-profile")
    assert parameter["name"] == profile_name_parameter_name(AWS_STACKS[stack])
    jobs = synthesized.resources(stack, "aws_signer_signing_job").values()
    assert {job["profile_name"] for job in jobs} == {data_ref("aws_ssm_parameter", parameter_id, "value")}
    account = synthesized.stack("fraud-detection-account-us-east-1")
    published = {p["name"] for p in account["resource"]["aws_ssm_parameter"].values()}
    assert parameter["name"] in published


def test_local_jobs_sign_with_the_emulator_profile(synthesized: SynthesizedApp) -> None:
    jobs = synthesized.resources("fraud-detection-local", "aws_signer_signing_job").values()
    assert {job["profile_name"] for job in jobs} == {EMULATOR_SIGNING_PROFILE}


def test_every_environment_deploys_the_same_bytes(synthesized: SynthesizedApp) -> None:
    digests = {
        stack: {name: _signing(synthesized, stack, name)[0][1]["source_hash"] for name in PACKAGES}
        for stack in ENVIRONMENT_STACKS
    }
    assert len({json.dumps(d, sort_keys=True) for d in digests.values()}) == 1


@pytest.mark.parametrize("stack", ENVIRONMENT_STACKS)
def test_artifacts_bucket_baseline(synthesized: SynthesizedApp, stack: str) -> None:
    bucket_id, bucket = at_path(synthesized.resources(stack, "aws_s3_bucket"), "artifacts/bucket/bucket")
    suffix = {**AWS_STACKS, "fraud-detection-local": "local"}[stack]
    assert bucket["bucket_prefix"] == f"fraud-artifacts-{suffix}-"
    assert bucket.get("force_destroy", False) is (stack == "fraud-detection-local")
    _, versioning = at_path(synthesized.resources(stack, "aws_s3_bucket_versioning"), "artifacts/bucket/versioning")
    assert versioning["versioning_configuration"] == {"status": "Enabled"}
    _, encryption = at_path(synthesized.resources(stack, "aws_s3_bucket_server_side_encryption_configuration"),
                            "artifacts/bucket/encryption")
    rule = encryption["rule"][0]
    assert rule["bucket_key_enabled"] is True
    assert rule["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    _, block = at_path(synthesized.resources(stack, "aws_s3_bucket_public_access_block"),
                       "artifacts/bucket/public-access")
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                          "restrict_public_buckets"))
    policies = [p for p in synthesized.resources(stack, "aws_s3_bucket_policy").values()
                if p["bucket"] == ref("aws_s3_bucket", bucket_id, "id")]
    assert len(policies) == (0 if stack == "fraud-detection-local" else 1)
    _, lifecycle = at_path(synthesized.resources(stack, "aws_s3_bucket_lifecycle_configuration"),
                           "artifacts/lifecycle")
    # Only replaced versions expire: never a current upload or a signed object a function deploys from.
    assert not any("expiration" in r for r in lifecycle["rule"])
    assert any("noncurrent_version_expiration" in r for r in lifecycle["rule"])


# --- Change detection: the same small stack synthesized with one zip changed -----------------------

_REFERENCE = re.compile(r"\$\{(?P<type>aws_[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)\.(?P<attr>[a-z0-9_]+)")
ALL = frozenset({"*"})
# Terraform's plan, reduced to what these resources do: every argument of a signing job and of a
# layer version forces a replacement (neither resource can be updated), which makes all of its
# attributes new; an object or a function is updated in place, which changes only these computed
# attributes (a function's name and ARNs stay).
REPLACED_ON_ANY_CHANGE = {"aws_signer_signing_job", "aws_lambda_layer_version"}
CHANGED_BY_UPDATE = {
    "aws_s3_object": frozenset({"version_id", "etag", "checksum_crc32", "checksum_sha256"}),
    "aws_lambda_function": frozenset({"version", "last_modified", "code_sha256", "qualified_arn",
                                      "qualified_invoke_arn", "source_code_size", "signing_job_arn",
                                      "signing_profile_version_arn"}),
}


def _resources(stack: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every resource by address, without cdktf's metadata."""
    return {f"{rtype}.{name}": {k: v for k, v in attrs.items() if k != "//"}
            for rtype, items in stack.get("resource", {}).items() for name, attrs in items.items()}


def _planned_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, str]:
    """Address -> "update" or "replace", for what a plan from `before`'s applied state to `after` does:
    resources whose configuration differs, then everything reading an attribute that becomes new."""
    old, new = _resources(before), _resources(after)
    assert old.keys() == new.keys()
    changes: dict[str, str] = {}
    new_attrs: dict[str, frozenset[str]] = {}

    def mark(address: str) -> None:
        rtype = address.split(".", 1)[0]
        replaced = rtype in REPLACED_ON_ANY_CHANGE
        changes[address] = "replace" if replaced else "update"
        new_attrs[address] = ALL if replaced else CHANGED_BY_UPDATE.get(rtype, frozenset())

    pending = [a for a in new if json.dumps(old[a], sort_keys=True) != json.dumps(new[a], sort_keys=True)]
    for address in pending:
        mark(address)
    while pending:
        pending = []
        for address, attrs in new.items():
            if address in changes:
                continue
            for match in _REFERENCE.finditer(json.dumps(attrs)):
                source = f"{match['type']}.{match['name']}"
                if source in new_attrs and (new_attrs[source] is ALL or match["attr"] in new_attrs[source]):
                    mark(address)
                    pending.append(address)
                    break
    return changes


def _package(tmp: Path, name: str, content: str) -> PackagedCode:
    source = tmp / f"{name}-src" / "app.py"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(content)
    return write_deterministic_zip([(f"{name}/app.py", source)], tmp / f"{name}-zip" / f"{name}.zip")


def _synth(tmp: Path, sources: Mapping[str, str]) -> dict[str, Any]:
    """Two functions on one layer, every package signed, as the pipeline stack wires them."""
    app = App(outdir=str(tmp / "out"), stack_traces=False)
    stack = TerraformStack(app, "signed")
    AwsProvider(stack, "aws", region="us-east-1")
    ctx = AwsContext(stack, "context")
    bucket = ArtifactsBucket(stack, "artifacts", ArtifactsBucketProps(bucket_prefix="fraud-artifacts-t-",
                                                                      kms_key_arn="key"))

    def signed(name: str) -> SignedArtifact:
        return SignedArtifact(stack, f"artifact-{name}", SignedArtifactProps(
            name=name, code=_package(tmp / "build", name, sources[name]), bucket=bucket, kms_key_arn="key",
            signing_profile_name="fraud_functions_t_profile"))

    layer = DependenciesLayer(stack, "dependencies",
                              DependenciesLayerProps(layer_name="fraud-dependencies-t", code=signed("layer").signed))
    for name in ("alpha", "beta"):
        PipelineFunction(stack, name, PipelineFunctionProps(
            function_name=f"fraud-{name}-t", description=name, handler=f"{name}.app.handler",
            code=signed(name).signed, context=ctx, kms_key_arn="key", subnet_ids=["subnet-1", "subnet-2"],
            security_group_ids=["sg-1"], alarm_topic_arn="topic", async_failure_destination_arn="dlq",
            timeout_seconds=10, memory_mb=256, reserved_concurrency=1, log_retention_days=7,
            layer_arns=[layer.layer_arn]))
    app.synth()
    return json.loads((tmp / "out" / "stacks" / "signed" / "cdk.tf.json").read_text())


SOURCES = {"layer": "VERSION = 1\n", "alpha": "def handler(e, c):\n    return 1\n",
           "beta": "def handler(e, c):\n    return 2\n"}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _synth(tmp_path_factory.mktemp("baseline"), SOURCES)


def _by_path(stack: Mapping[str, Any], changes: Mapping[str, str]) -> dict[str, str]:
    paths = {f"{rtype}.{name}": attrs["//"]["metadata"]["path"].split("/", 1)[1]
             for rtype, items in stack["resource"].items() for name, attrs in items.items()}
    return {paths[address]: kind for address, kind in changes.items()}


def test_an_unchanged_source_changes_nothing(baseline: dict[str, Any], tmp_path: Path) -> None:
    again = _synth(tmp_path, SOURCES)
    assert _planned_changes(baseline, again) == {}


def test_a_changed_function_changes_its_object_its_job_and_its_function_only(
    baseline: dict[str, Any], tmp_path: Path
) -> None:
    changed = _synth(tmp_path, {**SOURCES, "alpha": "def handler(e, c):\n    return 3\n"})
    assert _by_path(changed, _planned_changes(baseline, changed)) == {
        "artifact-alpha/upload": "update",
        "artifact-alpha/signing": "replace",
        "alpha/function": "update",
    }


def test_a_changed_layer_changes_its_object_its_job_its_version_and_the_functions_using_it(
    baseline: dict[str, Any], tmp_path: Path
) -> None:
    changed = _synth(tmp_path, {**SOURCES, "layer": "VERSION = 2\n"})
    assert _by_path(changed, _planned_changes(baseline, changed)) == {
        "artifact-layer/upload": "update",
        "artifact-layer/signing": "replace",
        "dependencies/layer": "replace",
        "alpha/function": "update",
        "beta/function": "update",
    }
