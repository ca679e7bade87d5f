"""Build outputs the stacks consume: the function zips, the dependencies layer, the request schema.

Built once per app run (not per stack or per test), from the source tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from modules.lambda_packaging import FUNCTIONS_DIR, PackagedCode, build_function_zip, build_layer_zip
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
