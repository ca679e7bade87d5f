"""Function configuration from the emulator, code packages unpacked into a cache keyed by CodeSha256.

Where the bytes come from: moto keeps the uploaded zip in memory but never serves it. GetFunction's
`Code.Location` is a made-up S3 URL (bucket `awslambda-<region>-tasks`, which does not exist in the
emulator: a GET answers NoSuchBucket), GetLayerVersion's `Content.Location` is the literal "s3://",
and `/moto-api/data.json` (which would list the base64 `ZipFile`) fails with a 500 as soon as a
function exists, because it reads the function's Docker-client property. Functions and layer
versions deploy from the signed object in the artifacts bucket (modules/signed_artifact.py), so the
zip is that object: the `s3_bucket` / `s3_key` (and `s3_object_version`, when set) that the stack's
state records for the function (or layer version), read from the emulator's S3 and used only when
its SHA-256 equals the CodeSha256 the emulator reports. Everything else (handler, environment,
layers, timeout, memory) is read from the emulator.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tooling.lambda_service.clients import EmulatorClients
from tooling.lambda_service.terraform_state import resources_of_type, show_state


class CodePackageError(RuntimeError):
    """A function's or layer's code cannot be found, or is not what the emulator runs."""


@dataclass(frozen=True)
class FunctionPackage:
    """What it takes to run one deployed function."""

    name: str
    arn: str
    handler: str
    runtime: str
    timeout_seconds: int
    memory_mb: int
    environment: Mapping[str, str]
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    code_sha256: str
    reserved_concurrency: int | None = None

    @property
    def log_group_name(self) -> str:
        """The function's log group, as Lambda names it."""
        return f"/aws/lambda/{self.name}"


def sha256_b64(data: bytes) -> str:
    """A digest in Lambda's CodeSha256 notation (base64 of the raw SHA-256)."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _cache_key(code_sha256: str) -> str:
    # The base64 digest contains '/' and '+': use its hex form as a directory name.
    return base64.b64decode(code_sha256).hex()


def unpack(zip_bytes: bytes, code_sha256: str, cache_dir: Path) -> Path:
    """Extract a zip into `cache_dir/<digest>` once; later calls reuse the directory."""
    target = cache_dir / _cache_key(code_sha256)
    if target.is_dir():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".unpack-"))
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            for member in archive.namelist():
                # Refuse absolute paths and '..' so a package cannot write outside its directory.
                if member.startswith("/") or ".." in Path(member).parts:
                    raise CodePackageError(f"unsafe path in code package: {member!r}")
            archive.extractall(staging)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # another process won the race with the same content: fine
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


class ArtifactLocator:
    """Finds the S3 object a function or layer version was deployed from (the stack's state) and
    reads it from the emulator."""

    def __init__(self, stack_dir: Path, s3: Any, load_state: Callable[[Path], dict[str, Any]] = show_state) -> None:
        self._stack_dir = stack_dir
        self._s3 = s3
        self._load_state = load_state
        self._state: dict[str, Any] | None = None

    def _resources(self, resource_type: str) -> list[dict[str, Any]]:
        if self._state is None:
            self._state = self._load_state(self._stack_dir)
        return resources_of_type(self._state, resource_type)

    def function_zip(self, function_name: str, expected_sha256: str) -> bytes:
        """The zip of a function, checked against the digest the emulator reports."""
        found = [r for r in self._resources("aws_lambda_function") if r.get("function_name") == function_name]
        return self._read(found, f"function {function_name}", expected_sha256)

    def layer_zip(self, layer_version_arn: str, expected_sha256: str) -> bytes:
        """The zip of a layer version, checked against the digest the emulator reports."""
        found = [r for r in self._resources("aws_lambda_layer_version") if r.get("arn") == layer_version_arn]
        return self._read(found, f"layer {layer_version_arn}", expected_sha256)

    def _read(self, found: list[dict[str, Any]], what: str, expected_sha256: str) -> bytes:
        if len(found) != 1 or not found[0].get("s3_bucket") or not found[0].get("s3_key"):
            raise CodePackageError(f"{what}: no single S3 object in the state of {self._stack_dir}")
        where = found[0]
        request = {"Bucket": where["s3_bucket"], "Key": where["s3_key"]}
        if where.get("s3_object_version"):
            request["VersionId"] = where["s3_object_version"]
        try:
            data: bytes = self._s3.get_object(**request)["Body"].read()
        except self._s3.exceptions.ClientError as error:
            raise CodePackageError(f"{what}: s3://{request['Bucket']}/{request['Key']} unreadable: {error}") from error
        actual = sha256_b64(data)
        if actual != expected_sha256:
            raise CodePackageError(
                f"{what}: the emulator runs code {expected_sha256} but s3://{request['Bucket']}/{request['Key']} "
                f"is {actual}; redeploy"
            )
        return data


class CodeStore:
    """Resolves deployed functions into runnable packages (configuration from the emulator)."""

    def __init__(self, clients: EmulatorClients, locator: ArtifactLocator, cache_dir: Path) -> None:
        self._lambda = clients.client("lambda")
        self._locator = locator
        self._cache_dir = cache_dir

    def package(self, function_name: str) -> FunctionPackage:
        """Configuration and unpacked code (and layers) of one deployed function."""
        function = self._lambda.get_function(FunctionName=function_name)
        config = function["Configuration"]
        code_sha = config["CodeSha256"]
        code_dir = self._cache_dir / "functions" / _cache_key(code_sha)
        if not code_dir.is_dir():
            code_dir = unpack(self._locator.function_zip(config["FunctionName"], code_sha), code_sha,
                              self._cache_dir / "functions")
        layer_dirs = tuple(self._layer_dir(layer["Arn"]) for layer in config.get("Layers", []))
        return FunctionPackage(
            name=config["FunctionName"],
            arn=config["FunctionArn"],
            handler=config["Handler"],
            runtime=config.get("Runtime", ""),
            timeout_seconds=int(config.get("Timeout", 3)),
            memory_mb=int(config.get("MemorySize", 128)),
            environment=dict(config.get("Environment", {}).get("Variables", {})),
            code_dir=code_dir,
            layer_dirs=layer_dirs,
            code_sha256=code_sha,
            reserved_concurrency=function.get("Concurrency", {}).get("ReservedConcurrentExecutions"),
        )

    def _layer_dir(self, layer_version_arn: str) -> Path:
        # arn:aws:lambda:<region>:<account>:layer:<name>:<version>; moto has no GetLayerVersionByArn.
        layer_arn, _, number = layer_version_arn.rpartition(":")
        version = self._lambda.get_layer_version(LayerName=layer_arn, VersionNumber=int(number))
        code_sha = version["Content"]["CodeSha256"]
        target = self._cache_dir / "layers" / _cache_key(code_sha)
        if target.is_dir():
            return target
        return unpack(self._locator.layer_zip(layer_version_arn, code_sha), code_sha, self._cache_dir / "layers")
