"""The function runtime: warm processes, errors, timeouts, environment; code unpacked by digest."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from tooling.lambda_service.code_store import (
    ArtifactLocator,
    CodePackageError,
    FunctionPackage,
    sha256_b64,
    unpack,
)
from tooling.lambda_service.runtime import FunctionRuntime, runtime_environment

HANDLER = '''
import os, time
calls = 0
def handler(event, context):
    global calls
    calls += 1
    print("log line that must not be taken for the result")
    if event.get("fail"):
        raise ValueError("bad event")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("unserializable"):
        return {1, 2}
    import dep
    return {"calls": calls, "dep": dep.WHO, "region": os.environ["AWS_REGION"], "var": os.environ.get("VAR"),
            "remaining": context.get_remaining_time_in_millis() > 0, "name": context.function_name}
'''


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def package(tmp_path: Path) -> FunctionPackage:
    code = _zip({"fn/__init__.py": "", "fn/app.py": HANDLER, "dep.py": "WHO = 'code'\n"})
    layer = _zip({"python/dep.py": "WHO = 'layer'\n"})
    return FunctionPackage(
        name="fn-test", arn="arn:aws:lambda:us-east-1:123456789012:function:fn-test", handler="fn.app.handler",
        runtime="python3.11", timeout_seconds=2, memory_mb=128, environment={"VAR": "from-config"},
        code_dir=unpack(code, sha256_b64(code), tmp_path / "code"),
        layer_dirs=(unpack(layer, sha256_b64(layer), tmp_path / "layers"),), code_sha256=sha256_b64(code),
    )


@pytest.fixture
def runtime(package: FunctionPackage, tmp_path: Path):
    env = runtime_environment(package, {"AWS_REGION": "eu-west-1"}, {"VAR": "overridden"})
    runtime = FunctionRuntime(package, env, tmp_path / "logs" / "fn.log")
    yield runtime
    runtime.close()


def test_a_warm_process_serves_several_invocations(runtime: FunctionRuntime, tmp_path: Path) -> None:
    first = runtime.invoke({})
    second = runtime.invoke({})
    assert first.ok and second.ok, (first.error, second.error)
    assert (first.payload["calls"], second.payload["calls"]) == (1, 2)
    assert runtime.cold_starts == 1
    assert "must not be taken" in (tmp_path / "logs" / "fn.log").read_text()


def test_code_comes_before_layers_and_the_environment_is_applied(runtime: FunctionRuntime) -> None:
    payload = runtime.invoke({}).payload
    # The function's own module shadows the layer's, as /var/task comes before /opt/python.
    assert payload["dep"] == "code"
    assert payload["region"] == "eu-west-1"
    assert payload["var"] == "overridden"
    assert payload["remaining"] is True
    assert payload["name"] == "fn-test"


def test_a_handler_error_is_the_result_and_the_process_stays_warm(runtime: FunctionRuntime) -> None:
    failed = runtime.invoke({"fail": True})
    assert not failed.ok
    assert failed.error_type == "ValueError"
    assert failed.error["errorMessage"] == "bad event"
    assert runtime.invoke({}).ok
    assert runtime.cold_starts == 1


def test_an_unserializable_result_is_a_marshal_error(runtime: FunctionRuntime) -> None:
    assert runtime.invoke({"unserializable": True}).error_type == "Runtime.MarshalError"


def test_a_timeout_kills_the_process_and_the_next_call_starts_a_new_one(runtime: FunctionRuntime) -> None:
    timed_out = runtime.invoke({"sleep": 10})
    assert timed_out.error_type == "Sandbox.Timedout"
    assert timed_out.duration_seconds < 5
    after = runtime.invoke({})
    assert after.ok and after.payload["calls"] == 1
    assert runtime.cold_starts == 2


def test_unpack_refuses_paths_outside_its_directory(tmp_path: Path) -> None:
    evil = _zip({"../escape.py": "x"})
    with pytest.raises(CodePackageError):
        unpack(evil, sha256_b64(evil), tmp_path)
    assert not (tmp_path.parent / "escape.py").exists()


def _state(resource_type: str, values: dict[str, str]) -> dict[str, object]:
    return {"values": {"root_module": {"child_modules": [{"resources": [{
        "mode": "managed", "type": resource_type, "values": values}]}]}}}


def test_the_code_is_the_s3_object_the_function_deploys_from_with_the_reported_digest(tmp_path: Path) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="fraud-artifacts-local-1")
        s3.put_object(Bucket="fraud-artifacts-local-1", Key="signed/fn/job-1.zip", Body=b"zip bytes")
        state = _state("aws_lambda_function", {"function_name": "fn", "s3_bucket": "fraud-artifacts-local-1",
                                               "s3_key": "signed/fn/job-1.zip"})
        locator = ArtifactLocator(tmp_path, s3, load_state=lambda _: state)
        assert locator.function_zip("fn", sha256_b64(b"zip bytes")) == b"zip bytes"
        with pytest.raises(CodePackageError, match="redeploy"):
            locator.function_zip("fn", sha256_b64(b"other bytes"))
        with pytest.raises(CodePackageError, match="no single S3 object"):
            locator.function_zip("missing", sha256_b64(b"zip bytes"))
        s3.delete_object(Bucket="fraud-artifacts-local-1", Key="signed/fn/job-1.zip")
        with pytest.raises(CodePackageError, match="unreadable"):
            locator.function_zip("fn", sha256_b64(b"zip bytes"))


def test_a_pinned_object_version_is_the_one_read(tmp_path: Path) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="fraud-artifacts-local-1")
        s3.put_bucket_versioning(Bucket="fraud-artifacts-local-1", VersioningConfiguration={"Status": "Enabled"})
        first = s3.put_object(Bucket="fraud-artifacts-local-1", Key="layer.zip", Body=b"first")["VersionId"]
        s3.put_object(Bucket="fraud-artifacts-local-1", Key="layer.zip", Body=b"second")
        arn = "arn:aws:lambda:us-east-1:123456789012:layer:deps:1"
        state = _state("aws_lambda_layer_version", {"arn": arn, "s3_bucket": "fraud-artifacts-local-1",
                                                    "s3_key": "layer.zip", "s3_object_version": first})
        locator = ArtifactLocator(tmp_path, s3, load_state=lambda _: state)
        assert locator.layer_zip(arn, sha256_b64(b"first")) == b"first"
