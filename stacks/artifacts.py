"""Build outputs the stacks consume: the function zips, the dependencies layer, the request schema.

Built once per app run (not per stack or per test), from the source tree; or, when a deploy promotes
a build (tooling/packages.py), loaded from that build's directory after checking every zip against
its recorded SHA-256, so dev, staging and prod deploy the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from modules.lambda_packaging import FUNCTIONS_DIR, PackagedCode, build_function_zip, build_layer_zip, digest_of
from stacks.config import FUNCTION_KEYS

REQUEST_SCHEMA = FUNCTIONS_DIR / "transaction_api" / "schemas" / "transaction_request.schema.json"
LABEL_REQUEST_SCHEMA = FUNCTIONS_DIR / "transaction_api" / "schemas" / "label_request.schema.json"


@dataclass(frozen=True, kw_only=True)
class FunctionArtifacts:
    """Deterministic packages and the shared request schema."""

    code: MappingProxyType[str, PackagedCode]
    """Function key -> zip of its code (function package + shared packages)."""
    layer: PackagedCode
    """Zip of the third-party dependencies layer."""
    request_schema: MappingProxyType[str, Any]
    """JSON Schema of POST /transactions bodies, shared by API Gateway and the function."""
    label_request_schema: MappingProxyType[str, Any]
    """JSON Schema of POST /transactions/{id}/label bodies, likewise."""


def build_artifacts(out_dir: Path | None = None) -> FunctionArtifacts:
    """Package every function and the layer, and load the request schemas."""
    code: dict[str, PackagedCode] = {
        key: build_function_zip(key, out_dir / "functions" if out_dir else None) for key in FUNCTION_KEYS
    }
    layer = build_layer_zip(out_dir=out_dir / "layer" if out_dir else None)
    schema = json.loads(Path(REQUEST_SCHEMA).read_text())
    label_schema = json.loads(Path(LABEL_REQUEST_SCHEMA).read_text())
    return FunctionArtifacts(code=MappingProxyType(code), layer=layer, request_schema=MappingProxyType(schema),
                             label_request_schema=MappingProxyType(label_schema))


LAYER_PACKAGE = "dependencies-layer"
"""Name of the layer's zip in a packages directory (`<name>.zip`), beside one zip per function key."""
DIGESTS_FILE = "SHA256SUMS"
"""`sha256sum` format (`<hex digest>  <file name>`): `sha256sum -c SHA256SUMS` checks a download too."""


class PackagesError(ValueError):
    """A packages directory is incomplete, or a zip is not the one its build recorded."""


def package_names() -> list[str]:
    """Every package of a build: the functions' keys, then the layer."""
    return [*FUNCTION_KEYS, LAYER_PACKAGE]


def read_digests(directory: Path) -> dict[str, str]:
    """File name -> recorded SHA-256 (hex), from `directory/SHA256SUMS`."""
    manifest = directory / DIGESTS_FILE
    if not manifest.is_file():
        raise PackagesError(f"{manifest} is missing: not a packages directory (python -m tooling.packages build)")
    digests: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise PackagesError(f"{manifest}: malformed line {line!r}")
        digests[name] = digest
    return digests


def load_artifacts(directory: Path) -> FunctionArtifacts:
    """The packages of a promoted build: every zip present and equal, byte for byte, to its recorded digest."""
    digests = read_digests(directory)
    expected = {f"{name}.zip" for name in package_names()}
    if set(digests) != expected:
        raise PackagesError(f"{directory}: packages {sorted(digests)} recorded, {sorted(expected)} expected")
    packaged: dict[str, PackagedCode] = {}
    for name in package_names():
        path = directory / f"{name}.zip"
        code = digest_of(path)
        if code.sha256 != digests[path.name]:
            raise PackagesError(f"{path}: SHA-256 {code.sha256}, but the build recorded {digests[path.name]}")
        packaged[name] = code
    schema = json.loads(Path(REQUEST_SCHEMA).read_text())
    label_schema = json.loads(Path(LABEL_REQUEST_SCHEMA).read_text())
    return FunctionArtifacts(code=MappingProxyType({k: packaged[k] for k in FUNCTION_KEYS}),
                             layer=packaged[LAYER_PACKAGE], request_schema=MappingProxyType(schema),
                             label_request_schema=MappingProxyType(label_schema))
